/**
 * IAM roles for service accounts (spec.iam.serviceAccountExternalPermissions): the tasks the AWS
 * model builds, each trust policy evaluated with the real policy evaluator (test/helpers/iam-sim.ts),
 * and validation's errors.
 */
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../../src/model/completion.js';
import { validateCluster } from '../../../src/model/validation.js';
import { buildAwsTasks } from '../../../src/model/aws/index.js';
import { serviceAccountRoleName } from '../../../src/model/aws/iam-service-accounts.js';
import { resolvePolicyRefs } from '../../../src/tasks/aws/iam-role.js';
import { kopsHashString } from '../../../src/tasks/aws/truncate.js';
import { isRef, type Task } from '../../../src/tasks/types.js';
import type { Cluster, ServiceAccountExternalPermission } from '../../../src/model/api/types.js';
import { ACCOUNT, evaluate, evaluateWebIdentityTrust } from '../../helpers/iam-sim.js';
import { clusterAutoscalerAddon, clusterAutoscalerObjects } from '../../../src/bootstrap/cluster-autoscaler.js';

const NAME = 'irsa.example.com';
const HOST = 'oidc-bucket.s3.us-east-1.amazonaws.com/irsa';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST}`;
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const INLINE = '[{"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": ["arn:aws:sqs:us-east-1:123456789012:jobs"]}]';

function cluster(entries: unknown[], said: Record<string, unknown> = { discoveryStore: 's3://oidc-bucket/irsa', enableAWSOIDCProvider: true }, cloud?: 'gce') {
  const built = newCluster({ name: NAME, zones: cloud === 'gce' ? ['us-central1-a'] : ['us-east-1a'], ...(cloud ? { cloud, project: 'p' } : {}) } as Parameters<typeof newCluster>[0]);
  built.cluster.spec.serviceAccountIssuerDiscovery = said;
  built.cluster.spec.iam = { ...(built.cluster.spec.iam ?? {}), serviceAccountExternalPermissions: entries as ServiceAccountExternalPermission[] };
  return built;
}

function tasks(entries: unknown[], said?: Record<string, unknown>): Task[] {
  const built = cluster(entries, said);
  const done = completeCluster(built.cluster, built.instanceGroups);
  return buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups });
}

function errors(c: { cluster: Cluster; instanceGroups: never[] | Parameters<typeof validateCluster>[1] }) {
  return validateCluster(c.cluster, c.instanceGroups).filter((d) => d.severity === 'error').map((d) => ({ code: d.code, path: d.path, summary: d.summary, hint: d.hint }));
}

/** The role's trust with the provider ref resolved to its ARN, as apply resolves it. */
function trustOf(t: Task): unknown {
  return resolvePolicyRefs((t.desired as { assumeRolePolicy: object }).assumeRolePolicy, (r) => {
    expect(r).toMatchObject({ kind: 'IAMOIDCProvider', name: NAME, output: 'arn' });
    return PROVIDER;
  });
}

describe('the model', () => {
  it("gives every role the cluster makes spec.iam.permissionsBoundary: the service accounts' and the instance roles", () => {
    const boundary = 'arn:aws:iam::123456789012:policy/boundaries/kops';
    const built = cluster([{ name: 'uploader', namespace: 'jobs', aws: { policyARNs: [S3_READ] } }]);
    built.cluster.spec.iam = { ...built.cluster.spec.iam, permissionsBoundary: boundary };
    const done = completeCluster(built.cluster, built.instanceGroups);
    const roles = buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups }).filter((t) => t.kind === 'IAMRole');
    expect(roles.map((t) => t.name).sort()).toEqual([`masters.${NAME}`, `nodes.${NAME}`, `uploader.jobs.sa.${NAME}`]);
    for (const r of roles) expect((r.desired as { permissionsBoundary?: string }).permissionsBoundary, r.name).toBe(boundary);
  });

  const all = tasks([
    { name: 'uploader', namespace: 'jobs', aws: { policyARNs: [S3_READ, 'arn:aws:iam::123456789012:policy/team/Upload'] } },
    { name: 'sender', namespace: 'jobs', aws: { inlinePolicy: INLINE } },
  ]);
  const roles = all.filter((t) => t.kind === 'IAMRole' && t.name.includes('.sa.'));

  it('one role per entry, named <name>.<namespace>.sa.<cluster>, tagged with the cluster and the service account', () => {
    expect(roles.map((t) => t.name).sort()).toEqual([`sender.jobs.sa.${NAME}`, `uploader.jobs.sa.${NAME}`]);
    expect((roles[0]!.desired as { tags: Record<string, string> }).tags).toEqual({
      KubernetesCluster: NAME,
      [`kubernetes.io/cluster/${NAME}`]: 'owned',
      Name: roles[0]!.name,
      'service-account.kops.k8s.io/name': roles[0]!.name.split('.')[0],
      'service-account.kops.k8s.io/namespace': 'jobs',
    });
  });

  it('the trust: the cluster\'s OIDC provider (a ref, so it is made first), the exact subject and audience under the issuer\'s keys', () => {
    const role = roles.find((t) => t.name.startsWith('uploader'))!;
    const doc = (role.desired as { assumeRolePolicy: { Statement: { Principal: { Federated: unknown } }[] } }).assumeRolePolicy;
    expect(isRef(doc.Statement[0]!.Principal.Federated)).toBe(true);
    expect(trustOf(role)).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { Federated: PROVIDER },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${HOST}:sub`]: 'system:serviceaccount:jobs:uploader', [`${HOST}:aud`]: 'amazonaws.com' } },
      }],
    });
  });

  it('policyARNs are attachments of the role; inlinePolicy is its inline policy named like the role', () => {
    const role = `uploader.jobs.sa.${NAME}`;
    const attachments = all.filter((t) => t.kind === 'IAMRolePolicyAttachment' && t.name.startsWith(role));
    expect(attachments.map((t) => (t.desired as { policyArn: string }).policyArn).sort()).toEqual(['arn:aws:iam::123456789012:policy/team/Upload', S3_READ]);
    expect(attachments[0]!.desired).toMatchObject({ role: { kind: 'IAMRole', name: role, output: 'name' }, specField: 'spec.iam.serviceAccountExternalPermissions[0].aws.policyARNs' });
    const sender = `sender.jobs.sa.${NAME}`;
    expect(all.filter((t) => t.kind === 'IAMRolePolicy' && t.name.includes('.sa.')).map((t) => [t.name, t.desired])).toEqual([[sender, {
      role: { $ref: true, kind: 'IAMRole', name: sender, output: 'name' },
      document: { Version: '2012-10-17', Statement: JSON.parse(INLINE) },
    }]]);
    expect(all.some((t) => t.kind === 'IAMRolePolicy' && t.name === role)).toBe(false);
  });

  it('nothing without entries, and nothing without the OIDC provider (a spec modelled unvalidated)', () => {
    expect(tasks([]).some((t) => t.name.includes('.sa.'))).toBe(false);
    expect(tasks([{ name: 'a', namespace: 'b', aws: { policyARNs: [S3_READ] } }], { discoveryStore: 's3://oidc-bucket/irsa' }).some((t) => t.name.includes('.sa.'))).toBe(false);
  });

  it('a name over 64 characters is cut and given a hash of the whole name, as kops fits it', () => {
    const long = 'a-very-long-service-account-name-for-testing';
    const name = serviceAccountRoleName(long, 'kube-system', NAME);
    expect(name).toHaveLength(64);
    const whole = `${long}.kube-system.sa.${NAME}`;
    expect(name.slice(0, 58)).toBe(`${whole.slice(0, 57)}-`);
    expect(name).toBe(`${whole.slice(0, 57)}-${kopsHashString(whole)}`);
    expect(serviceAccountRoleName(long, 'kube-systen', NAME)).not.toBe(name);
    expect(serviceAccountRoleName('x', 'team-*', NAME)).toBe(`x.team-wildcard.sa.${NAME}`);
  });
});

describe('the trust, evaluated', () => {
  const [uploader] = tasks([{ name: 'uploader', namespace: 'jobs', aws: { policyARNs: [S3_READ] } }]).filter((t) => t.kind === 'IAMRole' && t.name.includes('.sa.'));
  const [wild] = tasks([{ name: 'agent', namespace: 'team-*', aws: { policyARNs: [S3_READ] } }]).filter((t) => t.kind === 'IAMRole' && t.name.includes('.sa.'));
  const ask = (t: Task, over: Partial<{ provider: string; sub: string; aud: string }>) =>
    evaluateWebIdentityTrust(trustOf(t), { provider: PROVIDER, issuerHost: HOST, sub: 'system:serviceaccount:jobs:uploader', aud: 'amazonaws.com', ...over });

  it('lets exactly system:serviceaccount:jobs:uploader through the cluster\'s provider', async () => {
    expect(await ask(uploader!, {})).toBe('Allowed');
  });

  it('not another service account, another namespace, another provider, or a token for another audience', async () => {
    expect(await ask(uploader!, { sub: 'system:serviceaccount:jobs:sender' })).toBe('ImplicitlyDenied');
    expect(await ask(uploader!, { sub: 'system:serviceaccount:other:uploader' })).toBe('ImplicitlyDenied');
    expect(await ask(uploader!, { sub: 'system:serviceaccount:jobs:uploader2' })).toBe('ImplicitlyDenied');
    expect(await ask(uploader!, { provider: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc-bucket.s3.us-east-1.amazonaws.com/other` })).toBe('ImplicitlyDenied');
    expect(await ask(uploader!, { provider: `arn:aws:iam::210987654321:oidc-provider/${HOST}` })).toBe('ImplicitlyDenied');
    expect(await ask(uploader!, { aud: 'sts.amazonaws.com' })).toBe('ImplicitlyDenied');
  });

  it('a wildcard namespace (kops\'s) matches with StringLike, and still only that name', async () => {
    expect(await ask(wild!, { sub: 'system:serviceaccount:team-a:agent' })).toBe('Allowed');
    expect(await ask(wild!, { sub: 'system:serviceaccount:ops:agent' })).toBe('ImplicitlyDenied');
    expect(await ask(wild!, { sub: 'system:serviceaccount:team-a:other' })).toBe('ImplicitlyDenied');
  });
});

describe('validation', () => {
  const at = (i: number, f = '') => `spec.iam.serviceAccountExternalPermissions[${i}]${f}`;

  it('a valid list passes', () => {
    expect(errors(cluster([{ name: 'uploader', namespace: 'jobs', aws: { policyARNs: [S3_READ] } }, { name: 'sender', namespace: 'team-*', aws: { inlinePolicy: INLINE } }]))).toEqual([]);
  });

  it('needs the OIDC provider', () => {
    const e = errors(cluster([{ name: 'a', namespace: 'b', aws: { policyARNs: [S3_READ] } }], { discoveryStore: 's3://oidc-bucket/irsa' }));
    expect(e).toEqual([expect.objectContaining({ code: 'ServiceAccountPermissionsNeedOIDCProvider', path: 'spec.iam.serviceAccountExternalPermissions', hint: expect.stringContaining('enableAWSOIDCProvider: true') })]);
  });

  it('names, namespaces, duplicates, and the permissions each with its path and a hint', () => {
    const e = errors(cluster([
      { name: 'Bad_Name', namespace: 'jobs', aws: { policyARNs: [S3_READ] } },
      { name: 'x*', namespace: 'Jobs', aws: { policyARNs: [S3_READ] } },
      { namespace: 'jobs', aws: { policyARNs: [S3_READ] } },
      { name: 'dup', namespace: 'jobs', aws: { policyARNs: [S3_READ] } },
      { name: 'dup', namespace: 'jobs', aws: { policyARNs: [S3_READ] } },
      { name: 'none', namespace: 'jobs' },
      { name: 'empty', namespace: 'jobs', aws: {} },
      { name: 'both', namespace: 'jobs', aws: { policyARNs: [S3_READ], inlinePolicy: INLINE } },
      { name: 'arns', namespace: 'jobs', aws: { policyARNs: ['AmazonS3ReadOnlyAccess', S3_READ, S3_READ] } },
      { name: 'json', namespace: 'jobs', aws: { inlinePolicy: '{"Version": "2012-10-17", "Statement": []}' } },
      { name: 'stmt', namespace: 'jobs', aws: { inlinePolicy: '[{"Effect": "Allow", "Action": "s3:*"}]' } },
    ]));
    const paths = e.map((d) => `${d.code} ${d.path}`);
    expect(paths).toEqual([
      `InvalidServiceAccountExternalPermission ${at(0, '.name')}`,
      `InvalidServiceAccountExternalPermission ${at(1, '.name')}`,
      `InvalidServiceAccountExternalPermission ${at(1, '.namespace')}`,
      `InvalidServiceAccountExternalPermission ${at(2, '.name')}`,
      `InvalidServiceAccountExternalPermission ${at(4)}`,
      `InvalidServiceAccountExternalPermission ${at(5, '.aws')}`,
      `InvalidServiceAccountExternalPermission ${at(6, '.aws')}`,
      `InvalidServiceAccountExternalPermission ${at(7, '.aws')}`,
      `InvalidPolicyArn ${at(8, '.aws.policyARNs[0]')}`,
      `DuplicatePolicyArn ${at(8, '.aws.policyARNs[2]')}`,
      `InvalidInlinePolicy ${at(9, '.aws.inlinePolicy')}`,
      `InvalidInlinePolicy ${at(10, '.aws.inlinePolicy[0].Resource')}`,
    ]);
    expect(e.every((d) => typeof d.hint === 'string' && d.hint.length > 0)).toBe(true);
    expect(e[1]!.summary).toContain('wildcard');
    expect(e[4]!.summary).toContain(at(3));
    expect(e[7]!.summary).toContain('only one');
    expect(e[10]!.hint).toContain('Statement array');
  });

  it('GCE: refused with a clear error', () => {
    const c = cluster([{ name: 'a', namespace: 'b', aws: { policyARNs: [S3_READ] } }], {}, 'gce');
    delete c.cluster.spec.serviceAccountIssuerDiscovery;
    const e = errors(c);
    expect(e).toContainEqual(expect.objectContaining({ code: 'UnsupportedServiceAccountExternalPermissions', path: 'spec.iam.serviceAccountExternalPermissions', summary: expect.stringContaining('AWS clusters only') }));
  });
});

describe('useServiceAccountExternalPermissions: the cluster autoscaler\'s own role', () => {
  const CA_ROLE = `cluster-autoscaler.kube-system.sa.${NAME}`;
  const ASG = 'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/nodes';
  const setDesired = (c: string) => ({ action: 'autoscaling:SetDesiredCapacity', resource: ASG, context: { 'aws:ResourceTag/KubernetesCluster': c } });
  function built(use: boolean, said?: Record<string, unknown>) {
    const b = cluster([], said);
    b.cluster.spec.clusterAutoscaler = { enabled: true };
    b.cluster.spec.iam = { ...b.cluster.spec.iam, useServiceAccountExternalPermissions: use };
    const done = completeCluster(b.cluster, b.instanceGroups);
    return { done, tasks: buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups, accountId: ACCOUNT, partition: 'aws' }) };
  }
  const policy = (ts: Task[], name: string) => ts.find((t) => t.kind === 'IAMRolePolicy' && t.name === name)?.desired as { document: object } | undefined;

  it('the grants move from the control plane\'s role to cluster-autoscaler.kube-system.sa.<cluster>, still only on the cluster\'s groups', async () => {
    const on = built(true).tasks;
    expect(await evaluate(policy(on, `masters.${NAME}`)!.document, setDesired(NAME))).toBe('ImplicitlyDenied');
    const own = policy(on, CA_ROLE)!.document;
    expect(await evaluate(own, setDesired(NAME))).toBe('Allowed');
    expect(await evaluate(own, setDesired('other.example.com'))).toBe('ImplicitlyDenied');
    expect(await evaluate(own, { action: 'ec2:TerminateInstances', resource: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-1`, context: { 'aws:ResourceTag/KubernetesCluster': NAME } })).toBe('ImplicitlyDenied');
    const role = on.find((t) => t.kind === 'IAMRole' && t.name === CA_ROLE)!;
    expect(await evaluateWebIdentityTrust(trustOf(role), { provider: PROVIDER, issuerHost: HOST, sub: 'system:serviceaccount:kube-system:cluster-autoscaler', aud: 'amazonaws.com' })).toBe('Allowed');
    expect(await evaluateWebIdentityTrust(trustOf(role), { provider: PROVIDER, issuerHost: HOST, sub: 'system:serviceaccount:kube-system:default', aud: 'amazonaws.com' })).toBe('ImplicitlyDenied');
    // Off (or without the OIDC provider): as before, on the control plane's role, and no role of its own.
    for (const off of [built(false).tasks, built(true, { discoveryStore: 's3://oidc-bucket/irsa' }).tasks]) {
      expect(await evaluate(policy(off, `masters.${NAME}`)!.document, setDesired(NAME))).toBe('Allowed');
      expect(off.some((t) => t.name === CA_ROLE)).toBe(false);
    }
  });

  it('its Deployment gets the role\'s ARN and a projected token for amazonaws.com; the control planes\' addons digest covers it', () => {
    const { done, tasks: on } = built(true);
    const arn = `arn:aws:iam::${ACCOUNT}:role/${CA_ROLE}`;
    const deployment = clusterAutoscalerObjects(done.cluster, done.instanceGroups, { roleArn: arn }).find((d) => d['kind'] === 'Deployment') as Record<string, any>;
    expect(clusterAutoscalerAddon(done.cluster, done.instanceGroups, { roleArn: arn })!.manifest!.content).toContain(arn);
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe('cluster-autoscaler');
    expect(pod.containers[0].env).toEqual(expect.arrayContaining([{ name: 'AWS_ROLE_ARN', value: arn }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/amazonaws.com/token' }]));
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'token-amazonaws-com', mountPath: '/var/run/secrets/amazonaws.com', readOnly: true }]);
    expect(pod.volumes).toEqual([{ name: 'token-amazonaws-com', projected: { defaultMode: 0o644, sources: [{ serviceAccountToken: { audience: 'amazonaws.com', expirationSeconds: 86400, path: 'token' } }] } }]);
    const plain = clusterAutoscalerObjects(done.cluster, done.instanceGroups).find((d) => d['kind'] === 'Deployment') as Record<string, any>;
    expect(plain.spec.template.spec.volumes).toBeUndefined();
    // The launch template's addons digest is of the manifest with the ARN (so the control planes roll when it changes).
    const digest = (ts: Task[]) => JSON.stringify(ts.filter((t) => t.kind === 'LaunchTemplate' && t.name.includes('.masters.')).map((t) => t.desired));
    expect(digest(on)).not.toBe(digest(buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups, accountId: '210987654321', partition: 'aws' })));
  });

  it('validation: kept with a warning without the OIDC provider; an entry for the autoscaler\'s service account is refused', () => {
    const b = cluster([], { discoveryStore: 's3://oidc-bucket/irsa' });
    b.cluster.spec.clusterAutoscaler = { enabled: true };
    b.cluster.spec.iam = { ...b.cluster.spec.iam, useServiceAccountExternalPermissions: true };
    const warnings = validateCluster(b.cluster, b.instanceGroups).filter((d) => d.path === 'spec.iam.useServiceAccountExternalPermissions');
    expect(warnings).toEqual([expect.objectContaining({ severity: 'warning', code: 'FieldNotActedOn', hint: expect.stringContaining('enableAWSOIDCProvider') })]);
    const c = cluster([{ name: 'cluster-autoscaler', namespace: 'kube-system', aws: { policyARNs: [S3_READ] } }]);
    c.cluster.spec.clusterAutoscaler = { enabled: true };
    c.cluster.spec.iam = { ...c.cluster.spec.iam, useServiceAccountExternalPermissions: true };
    expect(errors(c)).toEqual([expect.objectContaining({ code: 'InvalidServiceAccountExternalPermission', path: 'spec.iam.serviceAccountExternalPermissions[0]', summary: expect.stringContaining("cluster autoscaler's") })]);
  });
});
