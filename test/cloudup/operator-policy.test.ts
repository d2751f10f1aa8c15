/**
 * The operator policy (`kops-ts get iam-policy --operator`) is derived from what each AWS task
 * kind declares it calls (src/tasks/aws/iam-actions.ts). These tests hold the declarations to the
 * truth: a whole lifecycle on the emulator (an HA private cluster with a bastion and Route53 DNS on
 * an S3 state store; created, changed, an instance group deleted) records every SDK call with the
 * kind and step that made it, and fails on any call the kind did not declare; then the real policy
 * evaluator must allow every recorded call under the generated policy.
 */
import { readFileSync } from 'node:fs';
import { CreatePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { beforeAll, describe, expect, it } from 'vitest';
import { AwsCallRecorder, iamActionsOf, type RecordedAwsCall } from '../../src/cloud/aws/call-scope.js';
import type { AwsClientOptions } from '../../src/cloud/aws/clients.js';
import { operatorActions, operatorPolicy, readOnlyOperatorActions, readOnlyOperatorPolicy } from '../../src/cloudup/aws/operator-policy.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { AWS_KIND_ACTIONS, PREFLIGHT_ACTIONS, STATE_STORE_BUCKET_ACTIONS, STATE_STORE_OBJECT_ACTIONS, isReadAction } from '../../src/tasks/aws/iam-actions.js';
import { awsTaskRegistry } from '../../src/tasks/aws/registry.js';
import { OIDC_PROVIDER_ACTIONS } from '../../src/cloudup/aws/operator-policy-oidc.js';
import { testAws, uniqueBucket } from '../helpers/aws.js';
import { ACCOUNT, evaluate } from '../helpers/iam-sim.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();
const NAME = 'ops.example.com';
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const PREFIX = 'kops';
const ROLE_ATTACHMENTS = ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'];
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

/** Each recorded call that its kind (or pre-flight, or the state store) did not declare, as the fix to make. */
function undeclared(calls: readonly RecordedAwsCall[]): string[] {
  const out = new Set<string>();
  for (const c of calls) {
    for (const action of c.actions) {
      if (c.scope) {
        const decl = AWS_KIND_ACTIONS[c.scope.kind];
        const phase = c.scope.phase;
        if (!decl) out.add(`AWS task kind "${c.scope.kind}" has no entry: add AWS_KIND_ACTIONS["${c.scope.kind}"] with '${action}' in ${phase} to src/tasks/aws/iam-actions.ts`);
        else if (!(decl[phase] ?? []).includes(action)) {
          out.add(`AWS task kind "${c.scope.kind}" called ${action} (${c.service} ${c.operation}) in its ${phase} step without declaring it: add '${action}' to AWS_KIND_ACTIONS["${c.scope.kind}"].${phase} in src/tasks/aws/iam-actions.ts`);
        }
      } else if (c.service === 's3') {
        if (![...STATE_STORE_OBJECT_ACTIONS, ...STATE_STORE_BUCKET_ACTIONS].includes(action)) {
          out.add(`the S3 state store called ${action} (${c.operation}) without declaring it: add it to STATE_STORE_OBJECT_ACTIONS or STATE_STORE_BUCKET_ACTIONS in src/tasks/aws/iam-actions.ts`);
        }
      } else if (!PREFLIGHT_ACTIONS.includes(action)) {
        out.add(`${action} (${c.service} ${c.operation}) was called outside any task kind without being declared: add it to PREFLIGHT_ACTIONS in src/tasks/aws/iam-actions.ts (or run it inside its kind)`);
      }
    }
  }
  return [...out].sort();
}

describe('the declarations', () => {
  it('cover every registered AWS task kind', () => {
    const missing = awsTaskRegistry().kinds().filter((k) => !AWS_KIND_ACTIONS[k]);
    expect(missing.map((k) => `AWS task kind "${k}" declares no AWS actions: add AWS_KIND_ACTIONS["${k}"] to src/tasks/aws/iam-actions.ts`)).toEqual([]);
  });

  it('make every kind\'s find read-only (the plan changes nothing), so the read-only policy is all reads', () => {
    const writing = Object.entries(AWS_KIND_ACTIONS).flatMap(([kind, d]) => d.find.filter((a) => !isReadAction(a)).map((a) => `${kind}.find: ${a}`));
    expect(writing).toEqual([]);
    expect(readOnlyOperatorActions().filter((a) => !isReadAction(a))).toEqual([]);
    expect(readOnlyOperatorActions()).toEqual(expect.arrayContaining([...PREFLIGHT_ACTIONS]));
  });

  it('name real IAM actions, each allowed by the operator policy', async () => {
    const policy = operatorPolicy({ stateStore: { bucket: 'b', prefix: PREFIX } });
    // The evaluator refuses unknown actions; conditioned statements are given their context.
    const context = (a: string): Record<string, string> =>
      a === 'iam:CreateOpenIDConnectProvider' ? { 'aws:RequestTag/KubernetesCluster': NAME }
      : a === 'elasticloadbalancing:DeleteLoadBalancer' || a === 'elasticloadbalancing:DeleteTargetGroup' || ROLE_ATTACHMENTS.includes(a) || OIDC_PROVIDER_ACTIONS.includes(a) ? { 'aws:ResourceTag/KubernetesCluster': NAME }
      : a === 'iam:PassRole' ? { 'iam:PassedToService': 'ec2.amazonaws.com' }
        : a === 'iam:CreateServiceLinkedRole' ? { 'iam:AWSServiceName': 'autoscaling.amazonaws.com' }
          : a.startsWith('kms:') ? { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } : {};
    const resource = (a: string) => (ROLE_ATTACHMENTS.includes(a) ? roleArn(`nodes.${NAME}`) : OIDC_PROVIDER_ACTIONS.includes(a) ? `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.s3.us-east-1.amazonaws.com/c` : '*');
    const results = await Promise.all(operatorActions().map(async (a) => `${a}: ${await evaluate(policy, { action: a, resource: resource(a), context: context(a) })}`));
    expect(results.filter((r) => !r.endsWith('Allowed'))).toEqual([]);
  });

  it("attaches and detaches managed policies only on the cluster's instance roles (with --name: by name; without: any role tagged as a cluster's)", async () => {
    const any = operatorPolicy({ stateStore: { bucket: 'b', prefix: PREFIX } });
    const one = operatorPolicy({ stateStore: { bucket: 'b', prefix: PREFIX }, clusterName: NAME });
    const tagged = (c: string) => ({ 'aws:ResourceTag/KubernetesCluster': c });
    for (const action of ROLE_ATTACHMENTS) {
      for (const role of ['masters', 'nodes', 'bastions', 'apiservers']) {
        expect(await evaluate(one, { action, resource: roleArn(`${role}.${NAME}`), context: tagged(NAME) }), `${action} ${role}`).toBe('Allowed');
        expect(await evaluate(any, { action, resource: roleArn(`${role}.${NAME}`), context: tagged(NAME) }), `${action} ${role}`).toBe('Allowed');
      }
      // Another cluster's role, even tagged as this cluster's; a role of the account that is no cluster's.
      expect(await evaluate(one, { action, resource: roleArn('nodes.other.example.com'), context: tagged('other.example.com') }), `${action} another cluster's role`).toBe('ImplicitlyDenied');
      expect(await evaluate(one, { action, resource: roleArn('nodes.other.example.com'), context: tagged(NAME) })).toBe('ImplicitlyDenied');
      expect(await evaluate(one, { action, resource: roleArn('admin') })).toBe('ImplicitlyDenied');
      expect(await evaluate(any, { action, resource: roleArn('admin') }), `${action} an untagged role`).toBe('ImplicitlyDenied');
      expect(await evaluate(readOnlyOperatorPolicy({ stateStore: { bucket: 'b', prefix: PREFIX } }), { action, resource: roleArn(`nodes.${NAME}`), context: tagged(NAME) })).toBe('ImplicitlyDenied');
    }
    // Exactly these two are scoped; the IAM statement on * has neither, and reading the attachments stays a read.
    const scoped = one.Statement.filter((x) => x.Sid === 'ClusterRolePolicyAttachments');
    expect(scoped.map((x) => x.Action)).toEqual([ROLE_ATTACHMENTS]);
    expect(JSON.stringify(one.Statement.filter((x) => x.Sid === 'IAM'))).not.toMatch(/AttachRolePolicy|DetachRolePolicy"/);
    expect(await evaluate(one, { action: 'iam:ListAttachedRolePolicies', resource: roleArn(`nodes.${NAME}`) })).toBe('Allowed');
  });

  it("with --name also the cluster's service-account roles (names may be cut with a hash): tagged as this cluster's and as a service account's", async () => {
    const one = operatorPolicy({ stateStore: { bucket: 'b', prefix: PREFIX }, clusterName: NAME });
    const sa = (c: string) => ({ 'aws:ResourceTag/KubernetesCluster': c, 'aws:ResourceTag/service-account.kops.k8s.io/name': 'uploader' });
    for (const action of ROLE_ATTACHMENTS) {
      expect(await evaluate(one, { action, resource: roleArn(`uploader.jobs.sa.${NAME}`), context: sa(NAME) }), action).toBe('Allowed');
      expect(await evaluate(one, { action, resource: roleArn('a-very-long-service-account-name.kube-system.sa.irs-6g2olv'), context: sa(NAME) }), action).toBe('Allowed');
      expect(await evaluate(one, { action, resource: roleArn('uploader.jobs.sa.other.example.com'), context: sa('other.example.com') })).toBe('ImplicitlyDenied');
      expect(await evaluate(one, { action, resource: roleArn('admin'), context: { 'aws:ResourceTag/KubernetesCluster': NAME } })).toBe('ImplicitlyDenied');
    }
  });

  it('deletes load balancers and target groups only when tagged as a cluster\'s (with --name: that cluster\'s)', async () => {
    const elbArn = (path: string) => `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:${path}`;
    const classic = elbArn('loadbalancer/a0123456789abcdef0123456789abcde');
    const nlb = elbArn('loadbalancer/net/k8s-default-web-0123456789/50dc6c495c0c9188');
    const tg = elbArn('targetgroup/k8s-default-web-abcdef0123/73e2d6bc24d8a067');
    const tagged = (c: string) => ({ 'aws:ResourceTag/KubernetesCluster': c });
    const any = operatorPolicy({ stateStore: { bucket: 'b', prefix: PREFIX } });
    const one = operatorPolicy({ stateStore: { bucket: 'b', prefix: PREFIX }, clusterName: NAME });
    for (const [action, resource] of [['elasticloadbalancing:DeleteLoadBalancer', classic], ['elasticloadbalancing:DeleteLoadBalancer', nlb], ['elasticloadbalancing:DeleteTargetGroup', tg]] as const) {
      expect(await evaluate(any, { action, resource, context: tagged(NAME) }), `${action} ${resource}`).toBe('Allowed');
      expect(await evaluate(any, { action, resource, context: tagged('other.example.com') })).toBe('Allowed');
      expect(await evaluate(any, { action, resource }), `${action} untagged`).toBe('ImplicitlyDenied');
      expect(await evaluate(any, { action, resource, context: { [`aws:ResourceTag/kubernetes.io/cluster/${NAME}`]: 'shared' } })).toBe('ImplicitlyDenied');
      expect(await evaluate(one, { action, resource, context: tagged(NAME) })).toBe('Allowed');
      expect(await evaluate(one, { action, resource, context: tagged('other.example.com') }), `${action} another cluster's`).toBe('ImplicitlyDenied');
      expect(await evaluate(one, { action, resource })).toBe('ImplicitlyDenied');
      // Only the newer tag: owned is allowed with the name, shared never, and never without the name.
      const newer = (v: string) => ({ [`aws:ResourceTag/kubernetes.io/cluster/${NAME}`]: v });
      expect(await evaluate(one, { action, resource, context: newer('owned') })).toBe('Allowed');
      expect(await evaluate(one, { action, resource, context: newer('shared') })).toBe('ImplicitlyDenied');
      expect(await evaluate(any, { action, resource, context: newer('owned') })).toBe('ImplicitlyDenied');
    }
    // The listing stays unscoped (AWS has no resource-level permissions for it).
    for (const action of ['elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeTags']) expect(await evaluate(one, { action })).toBe('Allowed');
    const unscoped = JSON.stringify(one.Statement.filter((x) => x.Sid === 'ElasticLoadBalancing'));
    for (const a of ['elasticloadbalancing:DeleteLoadBalancer"', 'elasticloadbalancing:DeleteTargetGroup"']) expect(unscoped).not.toContain(a);
  });

  it("lets delete cluster remove a private zone's association with the cluster's VPC; the read-only policy does not", async () => {
    const zone = 'arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ';
    const req = { action: 'route53:DisassociateVPCFromHostedZone', resource: zone };
    expect(await evaluate(operatorPolicy({ stateStore: { bucket: 'b', prefix: PREFIX } }), req)).toBe('Allowed');
    expect(await evaluate(operatorPolicy({ stateStore: { bucket: 'b', prefix: PREFIX }, clusterName: NAME }), req)).toBe('Allowed');
    expect(await evaluate(readOnlyOperatorPolicy({ stateStore: { bucket: 'b', prefix: PREFIX } }), req)).toBe('ImplicitlyDenied');
  });

  it("lets the operator create the service-linked roles of Auto Scaling, ELB and EC2 Spot (spot and mixed instance groups), and no other service's", async () => {
    const policy = operatorPolicy({ stateStore: { bucket: 'b', prefix: PREFIX } });
    const slr = (service: string, role: string) => ({
      action: 'iam:CreateServiceLinkedRole',
      resource: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/${service}/${role}`,
      context: { 'iam:AWSServiceName': service },
    });
    expect(await evaluate(policy, slr('spot.amazonaws.com', 'AWSServiceRoleForEC2Spot'))).toBe('Allowed');
    expect(await evaluate(policy, slr('autoscaling.amazonaws.com', 'AWSServiceRoleForAutoScaling'))).toBe('Allowed');
    expect(await evaluate(policy, slr('elasticloadbalancing.amazonaws.com', 'AWSServiceRoleForElasticLoadBalancing'))).toBe('Allowed');
    for (const other of ['spotfleet.amazonaws.com', 'ec2.amazonaws.com', 'rds.amazonaws.com']) {
      expect(await evaluate(policy, slr(other, 'AWSServiceRoleForX')), other).toBe('ImplicitlyDenied');
    }
    // Creating the role is all: not deleting it, nor a role of one's own.
    expect(await evaluate(policy, { action: 'iam:DeleteServiceLinkedRole', resource: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot` })).toBe('ImplicitlyDenied');
  });

  it("passes an instance group's own profile role (spec.iam.profile: the user's, not the cluster's) to EC2 only, and reads profiles and security groups for the pre-flight", async () => {
    const policy = operatorPolicy({ stateStore: { bucket: 'b', prefix: PREFIX }, clusterName: NAME });
    const pass = (service: string) => ({ action: 'iam:PassRole', resource: roleArn('platform-nodes'), context: { 'iam:PassedToService': service } });
    expect(await evaluate(policy, pass('ec2.amazonaws.com'))).toBe('Allowed');
    expect(await evaluate(policy, pass('lambda.amazonaws.com'))).toBe('ImplicitlyDenied');
    expect(PREFLIGHT_ACTIONS).toEqual(expect.arrayContaining(['iam:GetInstanceProfile', 'ec2:DescribeSecurityGroups']));
    const profile = `arn:aws:iam::${ACCOUNT}:instance-profile/platform/my-nodes`;
    for (const p of [policy, readOnlyOperatorPolicy({ stateStore: { bucket: 'b', prefix: PREFIX } })]) {
      expect(await evaluate(p, { action: 'iam:GetInstanceProfile', resource: profile })).toBe('Allowed');
      expect(await evaluate(p, { action: 'ec2:DescribeSecurityGroups' })).toBe('Allowed');
    }
    // The read-only policy passes no role, and neither policy lets the operator change the user's role.
    expect(await evaluate(readOnlyOperatorPolicy({ stateStore: { bucket: 'b', prefix: PREFIX } }), pass('ec2.amazonaws.com'))).toBe('ImplicitlyDenied');
    expect(await evaluate(policy, { action: 'iam:AttachRolePolicy', resource: roleArn('platform-nodes') })).toBe('ImplicitlyDenied');
  });

  it('maps SDK operations to IAM actions, S3 by its own names', () => {
    expect(iamActionsOf('elbv2', 'DescribeTargetGroupsCommand')).toEqual(['elasticloadbalancing:DescribeTargetGroups']);
    expect(iamActionsOf('s3', 'ListObjectsV2Command')).toEqual(['s3:ListBucket']);
    expect(iamActionsOf('s3', 'GetBucketEncryptionCommand')).toEqual(['s3:GetEncryptionConfiguration']);
    expect(iamActionsOf('s3', 'GetObjectCommand', { VersionId: 'v1' })).toEqual(['s3:GetObjectVersion']);
  });

  it('report an undeclared call by kind, step and action', () => {
    const got = undeclared([
      { scope: { kind: 'VPC', phase: 'apply' }, service: 'ec2', operation: 'AssociateVpcCidrBlock', actions: ['ec2:AssociateVpcCidrBlock'] },
      { scope: { kind: 'NewKind', phase: 'find' }, service: 'ec2', operation: 'DescribeThings', actions: ['ec2:DescribeThings'] },
    ]);
    expect(got).toEqual([
      'AWS task kind "NewKind" has no entry: add AWS_KIND_ACTIONS["NewKind"] with \'ec2:DescribeThings\' in find to src/tasks/aws/iam-actions.ts',
      'AWS task kind "VPC" called ec2:AssociateVpcCidrBlock (ec2 AssociateVpcCidrBlock) in its apply step without declaring it: add \'ec2:AssociateVpcCidrBlock\' to AWS_KIND_ACTIONS["VPC"].apply in src/tasks/aws/iam-actions.ts',
    ]);
  });
});

describe('a lifecycle on the emulator calls only what is declared, and the operator policy allows it', () => {
  const recorder = new AwsCallRecorder();
  let bucket: string;

  beforeAll(async () => {
    const aws = testAws();
    bucket = uniqueBucket();
    await aws.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await aws.clients.route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: `ops-${aws.account}` }));
    const recorded: AwsClientOptions = { ...aws.options, hooks: [...(aws.options.hooks ?? []), recorder.hook] };
    const cs = new Clientset(openStateStore(`s3://${bucket}/${PREFIX}`, { aws: recorded }));
    const built = newCluster({ name: NAME, zones: ZONES, controlPlaneZones: ZONES, topology: 'private', bastion: true, dnsZone: 'example.com' });
    await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
    const { region: _region, ...awsOpts } = recorded;
    const update = (yes: boolean) => updateCluster({ clientset: cs, clusterName: NAME, aws: awsOpts, yes });

    const created = await update(true);
    expect(created.applied?.ok).toBe(true);
    // A change: wider API access (security group rules), a managed policy attached to the nodes
    // (spec.externalPolicies), and a bigger node group (launch template, group).
    const managed = await aws.clients.iam.send(new CreatePolicyCommand({ PolicyName: 'external-dns', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'route53:ListHostedZones', Resource: '*' }] }) }));
    const cluster = await cs.getCluster(NAME);
    await cs.updateCluster({ ...cluster.object, spec: { ...cluster.object.spec, kubernetesApiAccess: ['10.0.0.0/8'], externalPolicies: { node: [managed.Policy!.Arn!] } } }, cluster.version);
    const nodes = (await cs.listInstanceGroups(NAME)).filter((g) => g.object.spec.role === 'Node');
    const first = nodes[0]!;
    await cs.updateInstanceGroup(NAME, { ...first.object, spec: { ...first.object.spec, machineType: 't3.large', maxSize: 3 } }, first.version);
    const changed = await update(true);
    expect(changed.applied?.ok).toBe(true);
    // An instance group deleted: its resources are orphans of the next update; the managed policy detached.
    await cs.deleteInstanceGroup(NAME, nodes[1]!.object.metadata.name);
    const again = await cs.getCluster(NAME);
    await cs.updateCluster({ ...again.object, spec: { ...again.object.spec, externalPolicies: {} } }, again.version);
    const deleted = await update(true);
    expect(deleted.applied?.ok).toBe(true);
    await update(false);
  }, 300_000);

  it('attributes calls to every step of the kinds', () => {
    const scoped = recorder.calls.filter((c) => c.scope);
    const phases = new Set(scoped.map((c) => c.scope!.phase));
    expect([...phases].sort()).toEqual(['apply', 'delete', 'find']);
    const kinds = new Set(scoped.map((c) => c.scope!.kind));
    for (const k of ['VPC', 'NatGateway', 'IAMRole', 'IAMRolePolicyAttachment', 'LaunchTemplate', 'AutoscalingGroup', 'NetworkLoadBalancer', 'DNSName', 'EBSVolume', 'SecurityGroupRule']) expect(kinds).toContain(k);
    // And outside them: pre-flight and the state store.
    expect(recorder.calls.some((c) => !c.scope && c.service === 's3')).toBe(true);
    expect(recorder.calls.some((c) => !c.scope && c.operation === 'GetCallerIdentity')).toBe(true);
  });

  it('every call was declared by the kind that made it (or by pre-flight or the state store)', () => {
    expect(undeclared(recorder.calls)).toEqual([]);
    // The managed policy was attached, then detached once removed from the spec.
    const attachments = recorder.calls.filter((c) => c.scope?.kind === 'IAMRolePolicyAttachment' && c.scope.phase !== 'find').map((c) => `${c.scope!.phase} ${c.operation}`);
    expect(attachments).toEqual(['apply AttachRolePolicy', 'delete DetachRolePolicy']);
  });

  it('the operator policy, scoped to the state store, allows every recorded call', async () => {
    const policy = operatorPolicy({ stateStore: { bucket, prefix: PREFIX } });
    const requests = new Map<string, Parameters<typeof evaluate>[1]>();
    for (const c of recorder.calls) {
      for (const action of c.actions) {
        // The role is not recorded: the cluster's nodes role, tagged as the cluster's roles are.
        if (ROLE_ATTACHMENTS.includes(action)) requests.set(action, { action, resource: roleArn(`nodes.${NAME}`), context: { 'aws:ResourceTag/KubernetesCluster': NAME } });
        else if (c.service !== 's3') requests.set(action, { action });
        else if (action === 's3:ListBucket') requests.set(`${action} ${c.key}`, { action, resource: `arn:aws:s3:::${c.bucket}`, context: { 's3:prefix': c.key ?? '' } });
        else if (c.key !== undefined) requests.set(`${action} ${c.key}`, { action, resource: `arn:aws:s3:::${c.bucket}/${c.key}` });
        else requests.set(action, { action, resource: `arn:aws:s3:::${c.bucket}` });
      }
    }
    const results = await Promise.all([...requests].map(async ([what, r]) => `${what}: ${await evaluate(policy, r)}`));
    expect(results.filter((r) => !r.endsWith('Allowed'))).toEqual([]);
    expect(requests.size).toBeGreaterThan(60);
    // Scoped: another bucket, or outside the prefix, is refused.
    expect(await evaluate(policy, { action: 's3:GetObject', resource: `arn:aws:s3:::other-bucket/${PREFIX}/${NAME}/config` })).toBe('ImplicitlyDenied');
    expect(await evaluate(policy, { action: 's3:PutObject', resource: `arn:aws:s3:::${bucket}/elsewhere/x` })).toBe('ImplicitlyDenied');
    expect(await evaluate(policy, { action: 'iam:PassRole', resource: 'arn:aws:iam::123456789012:role/admin', context: { 'iam:PassedToService': 'lambda.amazonaws.com' } })).toBe('ImplicitlyDenied');
  });
});
