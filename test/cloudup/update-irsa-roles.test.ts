/**
 * spec.iam.serviceAccountExternalPermissions end to end on the emulator: `update --yes` creates a
 * role per service account, trusting the cluster's OIDC provider (its real ARN) for exactly that
 * subject and audience, with the managed policies attached and the inline policy put; the next plan
 * is empty; an entry removed from the spec is an orphan role, deleted with what it holds;
 * `delete cluster` deletes the roles and leaves the user's managed policies.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreatePolicyCommand, GetPolicyCommand, GetRoleCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteResources, listClusterResources } from '../../src/cloudup/delete-cluster.js';
import { decodePolicy } from '../../src/tasks/aws/iam-listing.js';
import { uniqueBucket } from '../helpers/aws.js';
import { fakeClock, ownedLeft } from './delete-cluster-helpers.js';
import { applyAndConverge, changeLines, editSpec, setupCluster, tagMap, type E2ECluster } from './update-helpers.js';

const NAME = 'irsaroles.example.com';
const UPLOADER = `uploader.jobs.sa.${NAME}`;
const SENDER = `sender.jobs.sa.${NAME}`;
const SQS = [{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: ['arn:aws:sqs:us-east-1:123456789012:jobs'] }];

async function roleExists(c: E2ECluster, role: string): Promise<boolean> {
  return c.aws.clients.iam.send(new GetRoleCommand({ RoleName: role })).then(() => true, (e: { name?: string }) => {
    if (e.name === 'NoSuchEntityException' || e.name === 'NoSuchEntity') return false;
    throw e;
  });
}

describe('update cluster: IAM roles for service accounts on the emulator', () => {
  let c: E2ECluster;
  let arn: string;
  let host: string;
  beforeAll(async () => {
    c = await setupCluster({ name: NAME, zones: ['us-east-1a'] });
    const bucket = uniqueBucket('irsa-roles');
    host = `${bucket}.s3.us-east-1.amazonaws.com/${NAME}`;
    await c.aws.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    arn = (await c.aws.clients.iam.send(new CreatePolicyCommand({ PolicyName: 'uploads', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: SQS }) }))).Policy!.Arn!;
    await editSpec(c, (s) => ({
      ...s,
      serviceAccountIssuerDiscovery: { discoveryStore: `s3://${bucket}/${NAME}`, enableAWSOIDCProvider: true },
      iam: {
        ...s.iam,
        serviceAccountExternalPermissions: [
          { name: 'uploader', namespace: 'jobs', aws: { policyARNs: [arn] } },
          { name: 'sender', namespace: 'jobs', aws: { inlinePolicy: JSON.stringify(SQS) } },
        ],
      },
    }));
  }, 180_000);

  it('the plan creates each role, its attachment and inline policy as IAM changes; apply makes them', async () => {
    const plan = (await c.update(false)).plan;
    const lines = changeLines(plan).filter((l) => l.includes('.sa.'));
    expect(lines.sort()).toEqual([
      `IAMRole/${SENDER}: create assumeRolePolicy,tags`,
      `IAMRole/${UPLOADER}: create assumeRolePolicy,tags`,
      `IAMRolePolicy/${SENDER}: create document,role`,
      `IAMRolePolicyAttachment/${UPLOADER}/${arn}: create policyArn,role`,
    ]);
    expect(plan.changes.filter((ch) => ch.name.includes('.sa.')).every((ch) => ch.security.includes('iam'))).toBe(true);
    // The provider is made in the same run: its ARN is known after apply.
    const trust = plan.changes.find((ch) => ch.key === `IAMRole/${UPLOADER}`)!.fields.find((f) => f.field === 'assumeRolePolicy')!;
    expect(String(trust.after)).toContain('(known after apply)');
    await applyAndConverge(c);
  }, 180_000);

  it('each role trusts the cluster\'s OIDC provider for exactly its service account and amazonaws.com', async () => {
    const providers = ((await c.aws.clients.iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []).map((p) => p.Arn!);
    const provider = providers.find((p) => p.endsWith(`:oidc-provider/${host}`))!;
    expect(provider).toBe(`arn:aws:iam::${c.aws.account}:oidc-provider/${host}`);
    const role = (await c.aws.clients.iam.send(new GetRoleCommand({ RoleName: UPLOADER }))).Role!;
    expect(decodePolicy(role.AssumeRolePolicyDocument!, 'test')).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { Federated: provider },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${host}:sub`]: 'system:serviceaccount:jobs:uploader', [`${host}:aud`]: 'amazonaws.com' } },
      }],
    });
    expect(tagMap(role.Tags)).toMatchObject({
      [`kubernetes.io/cluster/${NAME}`]: 'owned',
      KubernetesCluster: NAME,
      Name: UPLOADER,
      'service-account.kops.k8s.io/name': 'uploader',
      'service-account.kops.k8s.io/namespace': 'jobs',
    });
  });

  it('the managed policy is attached to one role and the inline policy is on the other', async () => {
    const attached = (await c.aws.clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: UPLOADER }))).AttachedPolicies ?? [];
    expect(attached.map((p) => p.PolicyArn)).toEqual([arn]);
    const put = await c.aws.clients.iam.send(new GetRolePolicyCommand({ RoleName: SENDER, PolicyName: SENDER }));
    expect(decodePolicy(put.PolicyDocument!, 'test')).toEqual({ Version: '2012-10-17', Statement: SQS });
    expect((await c.aws.clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: SENDER }))).AttachedPolicies ?? []).toEqual([]);
  });

  it('a second update plans nothing', async () => {
    expect(changeLines((await c.update(false)).plan)).toEqual([]);
  });

  it('an entry removed from the spec: its role is deleted with its policy detached; the other stays', async () => {
    await editSpec(c, (s) => ({ ...s, iam: { ...s.iam, serviceAccountExternalPermissions: [{ name: 'sender', namespace: 'jobs', aws: { inlinePolicy: JSON.stringify(SQS) } }] } }));
    expect(changeLines((await c.update(false)).plan).sort()).toEqual([
      `IAMRole/${UPLOADER}: delete `,
      `IAMRolePolicyAttachment/${UPLOADER}/${arn}: delete `,
    ]);
    await applyAndConverge(c);
    expect(await roleExists(c, UPLOADER)).toBe(false);
    expect(await roleExists(c, SENDER)).toBe(true);
    expect((await c.aws.clients.iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.AttachmentCount).toBe(0);
  }, 180_000);

  it('delete cluster deletes the service accounts\' roles, even one the spec no longer names, and leaves the managed policy', async () => {
    // A role made by an earlier spec and no longer named by it (as if removed without an update).
    await editSpec(c, (s) => ({ ...s, iam: { ...s.iam, serviceAccountExternalPermissions: [{ name: 'uploader', namespace: 'jobs', aws: { policyARNs: [arn] } }] } }));
    const inv = await listClusterResources({ clientset: c.cs, clusterName: c.name, aws: (({ region: _r, ...rest }) => rest)(c.aws.options) });
    const listed = inv.resources.map((x) => `${x.type} ${x.name}`);
    expect(listed).toEqual(expect.arrayContaining([`iam-role ${SENDER}`, `iam-role-policy ${SENDER}`]));
    const r = await deleteResources(inv, { clock: fakeClock() });
    expect(r.left.map((x) => `${x.resource.type} ${x.resource.name}: ${x.error}`)).toEqual([]);
    expect(await roleExists(c, SENDER)).toBe(false);
    expect(await ownedLeft(c.aws, c.name)).toEqual([]);
    expect((await c.aws.clients.iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.Arn).toBe(arn);
  }, 180_000);
});
