/** `kops-ts get iam-policy`: the operator policy (`--operator`) and a cluster's instance policies. */
import { describe, expect, it } from 'vitest';
import { operatorPolicy } from '../../src/index.js';
import { readOnlyOperatorPolicy } from '../../src/cloudup/aws/operator-policy.js';
import { parseKopsYaml } from '../../src/model/api/yaml.js';
import type { PolicyDocument } from '../../src/model/aws/iam-policies.js';
import { evaluate } from '../helpers/iam-sim.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { cli, tempStore } from './harness.js';

function statementSids(doc: PolicyDocument): string[] {
  return doc.Statement.map((s) => s.Sid);
}

describe('kops-ts get iam-policy --operator', () => {
  it('prints a policy document scoped to the S3 state store', async () => {
    const r = await cli(['get', 'iam-policy', '--operator', '--state', 's3://team-state/kops']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as PolicyDocument;
    expect(doc.Version).toBe('2012-10-17');
    expect(statementSids(doc)).toEqual(expect.arrayContaining(['EC2', 'AutoScaling', 'ElasticLoadBalancing', 'IAM', 'Route53', 'STS', 'PassInstanceRolesToEC2', 'StateStoreObjects', 'StateStoreList']));
    expect(await evaluate(doc, { action: 'ec2:CreateVpc' })).toBe('Allowed');
    expect(await evaluate(doc, { action: 'iam:GetAccountAuthorizationDetails' })).toBe('Allowed');
    expect(await evaluate(doc, { action: 's3:PutObject', resource: 'arn:aws:s3:::team-state/kops/c.example.com/config' })).toBe('Allowed');
    expect(await evaluate(doc, { action: 's3:PutObject', resource: 'arn:aws:s3:::other/kops/c.example.com/config' })).toBe('ImplicitlyDenied');
    // Nothing kops-ts never calls.
    expect(await evaluate(doc, { action: 'ec2:StopInstances', resource: 'arn:aws:ec2:us-east-1:123456789012:instance/i-1' })).toBe('ImplicitlyDenied');
    // The rolling update's replacement of instances is (src/tasks/aws/iam-actions.ts ROLLING_UPDATE_ACTIONS).
    expect(await evaluate(doc, { action: 'autoscaling:TerminateInstanceInAutoScalingGroup' })).toBe('Allowed');
    expect(await evaluate(doc, { action: 'iam:CreateUser', resource: 'arn:aws:iam::123456789012:user/x' })).toBe('ImplicitlyDenied');
  });

  it('is what the library gives pipelines', async () => {
    const r = await cli(['get', 'iam-policy', '--operator', '--state', 's3://team-state/kops']);
    expect(JSON.parse(r.stdout)).toEqual(operatorPolicy({ stateStore: { bucket: 'team-state', prefix: 'kops' } }));
  });

  it('--name scopes the load-balancer deletes to that cluster\'s', async () => {
    const r = await cli(['get', 'iam-policy', '--operator', '--state', 's3://team-state/kops', '--name', 'c.example.com']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(operatorPolicy({ stateStore: { bucket: 'team-state', prefix: 'kops' }, clusterName: 'c.example.com' }));
    const lb = { action: 'elasticloadbalancing:DeleteLoadBalancer', resource: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/a0123456789abcdef0123456789abcde' };
    expect(await evaluate(JSON.parse(r.stdout), { ...lb, context: { 'aws:ResourceTag/KubernetesCluster': 'c.example.com' } })).toBe('Allowed');
    expect(await evaluate(JSON.parse(r.stdout), { ...lb, context: { 'aws:ResourceTag/KubernetesCluster': 'd.example.com' } })).toBe('ImplicitlyDenied');
    // Without it, any cluster's, but never an untagged one.
    const all = await cli(['get', 'iam-policy', '--operator', '--state', 's3://team-state/kops']);
    expect(await evaluate(JSON.parse(all.stdout), { ...lb, context: { 'aws:ResourceTag/KubernetesCluster': 'd.example.com' } })).toBe('Allowed');
    expect(await evaluate(JSON.parse(all.stdout), lb)).toBe('ImplicitlyDenied');
  });

  it('--read-only prints the plan job\'s policy, scoped the same way; alone it is a usage error', async () => {
    const r = await cli(['get', 'iam-policy', '--operator', '--read-only', '--state', 's3://team-state/kops']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as PolicyDocument;
    expect(doc).toEqual(readOnlyOperatorPolicy({ stateStore: { bucket: 'team-state', prefix: 'kops' } }));
    expect(await evaluate(doc, { action: 'ec2:DescribeVpcs' })).toBe('Allowed');
    expect(await evaluate(doc, { action: 'ec2:CreateVpc' })).toBe('ImplicitlyDenied');
    expect(await evaluate(doc, { action: 's3:GetObject', resource: 'arn:aws:s3:::team-state/kops/c.example.com/pki/private/kubernetes-ca/keyset.yaml' })).toBe('ExplicitlyDenied');
    const file = await cli(['get', 'iam-policy', '--operator', '--read-only', '--state', 'file:///tmp/kops-ts-state']);
    expect(statementSids(JSON.parse(file.stdout) as PolicyDocument).filter((s) => s.startsWith('StateStore') || s.startsWith('Deny'))).toEqual([]);
    const alone = await cli(['get', 'iam-policy', '--read-only']);
    expect(alone.code).toBe(2);
    expect(alone.stdout).toBe('');
    expect(alone.stderr).toBe('error: --read-only applies to the operator policy: run kops-ts get iam-policy --operator --read-only\n');
  });

  it('-o yaml gives the same document', async () => {
    const json = await cli(['get', 'iam-policy', '--operator', '--state', 's3://team-state']);
    const yaml = await cli(['get', 'iam-policy', '--operator', '--state', 's3://team-state', '-o', 'yaml']);
    expect(yaml.code).toBe(0);
    expect(parseKopsYaml(yaml.stdout)).toEqual(JSON.parse(json.stdout));
  });

  it('without a state store, says the S3 statements are unscoped; with a file store, has none', async () => {
    const none = await cli(['get', 'iam-policy', '--operator']);
    expect(none.code).toBe(0);
    expect(none.stderr).toContain('the state-store statements allow every S3 bucket; pass --state s3://bucket[/prefix] to scope them');
    expect(await evaluate(JSON.parse(none.stdout), { action: 's3:GetObject', resource: 'arn:aws:s3:::any/x' })).toBe('Allowed');
    const file = await cli(['get', 'iam-policy', '--operator', '--state', tempStore().url]);
    expect(file.code).toBe(0);
    // No state-store statement; S3 only for the service-account issuer's two documents (any store kind may publish them).
    const s3 = (JSON.parse(file.stdout) as { Statement: { Sid: string; Action: string | string[] }[] }).Statement.filter((st) => JSON.stringify(st.Action).includes('s3:'));
    expect(s3.map((st) => st.Sid)).toEqual(['DiscoveryStoreDocuments', 'DiscoveryStoreBucket']);
  });

  it('refuses -o table', async () => {
    const r = await cli(['get', 'iam-policy', '--operator', '-o', 'table']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('use -o json|yaml');
  });
});

describe('kops-ts get iam-policy (instance roles)', () => {
  it('prints each role\'s inline policy as update cluster would put it', async () => {
    const s = tempStore();
    expect((await cli(['create', 'cluster', '--name', 'p.example.com', '--zones', 'us-east-1a', '--topology', 'private', '--bastion', '--state', s.url])).code).toBe(0);
    const r = await cli(['get', 'iam-policy', '--name', 'p.example.com', '--state', s.url]);
    expect(r.code).toBe(0);
    const docs = JSON.parse(r.stdout) as Record<string, PolicyDocument>;
    // The bastions' role has no grant of its own: update puts no inline policy on it.
    expect(Object.keys(docs)).toEqual(['masters.p.example.com', 'nodes.p.example.com']);
    const masters = docs['masters.p.example.com']!;
    expect(await evaluate(masters, { action: 'ec2:DeleteVolume', resource: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-1', context: { 'aws:ResourceTag/KubernetesCluster': 'p.example.com' } })).toBe('Allowed');
    expect(await evaluate(masters, { action: 'ec2:DeleteVolume', resource: 'arn:aws:ec2:us-east-1:123456789012:volume/vol-1' })).toBe('ImplicitlyDenied');
  });

  it("prints a service account's role's inline policy (spec.iam.serviceAccountExternalPermissions), named as the role", async () => {
    const s = tempStore();
    expect((await cli(['create', 'cluster', '--name', 'sa.example.com', '--zones', 'us-east-1a', '--state', s.url])).code).toBe(0);
    const cs = new Clientset(openStateStore(s.url));
    const current = await cs.getCluster('sa.example.com');
    const grant = [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:123456789012:jobs' }];
    await cs.updateCluster({
      ...current.object,
      spec: {
        ...current.object.spec,
        serviceAccountIssuerDiscovery: { discoveryStore: 's3://oidc-bucket/sa', enableAWSOIDCProvider: true },
        iam: { ...current.object.spec.iam, serviceAccountExternalPermissions: [{ name: 'sender', namespace: 'jobs', aws: { inlinePolicy: JSON.stringify(grant) } }] },
      },
    }, current.version);
    const r = await cli(['get', 'iam-policy', '--name', 'sa.example.com', '--state', s.url]);
    expect(r.code, r.stderr).toBe(0);
    const docs = JSON.parse(r.stdout) as Record<string, PolicyDocument>;
    expect(Object.keys(docs).sort()).toEqual(['masters.sa.example.com', 'nodes.sa.example.com', 'sender.jobs.sa.sa.example.com']);
    expect(docs['sender.jobs.sa.sa.example.com']).toEqual({ Version: '2012-10-17', Statement: grant });
  });

  it("prints spec.additionalPolicies' inline policy additional.<role> after the role's own", async () => {
    const s = tempStore();
    expect((await cli(['create', 'cluster', '--name', 'a.example.com', '--zones', 'us-east-1a', '--state', s.url])).code).toBe(0);
    const cs = new Clientset(openStateStore(s.url));
    const current = await cs.getCluster('a.example.com');
    const grant = [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:123456789012:jobs' }];
    await cs.updateCluster({ ...current.object, spec: { ...current.object.spec, additionalPolicies: { node: JSON.stringify(grant) } } }, current.version);
    const r = await cli(['get', 'iam-policy', '--name', 'a.example.com', '--state', s.url]);
    expect(r.code).toBe(0);
    const docs = JSON.parse(r.stdout) as Record<string, PolicyDocument>;
    expect(Object.keys(docs)).toEqual(['masters.a.example.com', 'nodes.a.example.com', 'additional.nodes.a.example.com']);
    expect(docs['additional.nodes.a.example.com']).toEqual({ Version: '2012-10-17', Statement: grant });
  });
});
