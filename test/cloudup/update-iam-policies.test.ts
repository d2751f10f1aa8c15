/**
 * spec.additionalPolicies and spec.externalPolicies end to end on the emulator: `update --yes`
 * puts the inline policy `additional.<role>` and attaches the managed policies; the next plan is
 * empty and reads no more than before; removed from the spec, they are deleted and detached; a
 * policy that does not exist fails naming the field; `delete cluster` detaches before deleting the
 * roles and leaves the user's policies.
 */
import { CreatePolicyCommand, GetPolicyCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteResources, listClusterResources } from '../../src/cloudup/delete-cluster.js';
import { KopsError } from '../../src/diagnostics.js';
import { decodePolicy } from '../../src/tasks/aws/iam-listing.js';
import { fakeClock, ownedLeft } from './delete-cluster-helpers.js';
import { applyAndConverge, changeLines, editSpec, setupCluster, type E2ECluster } from './update-helpers.js';

const NAME = 'iampolicies.example.com';
const NODES = `nodes.${NAME}`;
const MASTERS = `masters.${NAME}`;
const DYNAMO = [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: ['arn:aws:dynamodb:us-east-1:123456789012:table/jobs'] }];
const ROUTE53 = [{ Sid: 'ExternalDNS', Effect: 'Allow', Action: 'route53:ChangeResourceRecordSets', Resource: 'arn:aws:route53:::hostedzone/*' }];

async function attached(c: E2ECluster, role: string): Promise<string[]> {
  const out = await c.aws.clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }));
  return (out.AttachedPolicies ?? []).map((p) => p.PolicyArn!).sort();
}

async function inline(c: E2ECluster, role: string): Promise<string[]> {
  return ((await c.aws.clients.iam.send(new ListRolePoliciesCommand({ RoleName: role }))).PolicyNames ?? []).sort();
}

describe('update cluster: additionalPolicies and externalPolicies on the emulator', () => {
  let c: E2ECluster;
  let arns: string[];
  beforeAll(async () => {
    c = await setupCluster({ name: NAME, zones: ['us-east-1a'] });
    const policy = async (name: string) =>
      (await c.aws.clients.iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: ROUTE53 }) }))).Policy!.Arn!;
    arns = [await policy('external-dns'), await policy('artifacts')];
    await applyAndConverge(c);
  }, 180_000);

  it('puts additional.<role> with the statements as given and attaches the policies, IAM changes in the plan; the next plan is empty', async () => {
    await editSpec(c, (s) => ({
      ...s,
      additionalPolicies: { node: JSON.stringify(DYNAMO), master: JSON.stringify(ROUTE53) },
      externalPolicies: { node: [arns[0]!, arns[1]!], 'control-plane': [arns[0]!] },
    }));
    const plan = (await c.update(false)).plan;
    expect(changeLines(plan).sort()).toEqual([
      `IAMRolePolicy/additional.${MASTERS}: create document,role`,
      `IAMRolePolicy/additional.${NODES}: create document,role`,
      `IAMRolePolicyAttachment/${MASTERS}/${arns[0]}: create policyArn,role`,
      `IAMRolePolicyAttachment/${NODES}/${arns[1]}: create policyArn,role`,
      `IAMRolePolicyAttachment/${NODES}/${arns[0]}: create policyArn,role`,
    ]);
    expect(plan.changes.every((ch) => ch.security.includes('iam'))).toBe(true);
    const doc = plan.changes.find((ch) => ch.key === `IAMRolePolicy/additional.${NODES}`)?.fields.find((f) => f.field === 'document');
    expect(doc?.blob).toBe(true);
    expect(JSON.parse(String(doc?.after))).toEqual({ Statement: DYNAMO, Version: '2012-10-17' });

    await applyAndConverge(c);
    const put = await c.aws.clients.iam.send(new GetRolePolicyCommand({ RoleName: NODES, PolicyName: `additional.${NODES}` }));
    expect(decodePolicy(put.PolicyDocument!, 'test')).toEqual({ Version: '2012-10-17', Statement: DYNAMO });
    expect(await inline(c, MASTERS)).toEqual([MASTERS, `additional.${MASTERS}`].sort());
    expect(await attached(c, NODES)).toEqual([...arns].sort());
    expect(await attached(c, MASTERS)).toEqual([arns[0]]);
  }, 120_000);

  it('a no-op update reads attachments from the IAM listing: no call per role or per policy', async () => {
    c.aws.counter.reset();
    expect(changeLines((await c.update(false)).plan)).toEqual([]);
    const iam = [...c.aws.counter.counts].filter(([k]) => k.startsWith('iam:')).map(([k, n]) => `${k} ${n}`).sort();
    // ListOpenIDConnectProviders: the IAMOIDCProvider kind's orphan search (a provider of a turned-off issuer discovery).
    expect(iam).toEqual(['iam:GetAccountAuthorizationDetailsCommand 1', 'iam:ListInstanceProfilesCommand 1', 'iam:ListOpenIDConnectProvidersCommand 1']);
  });

  it('removed from the spec: the inline policy is deleted and the policy detached on the next update; the policies themselves stay', async () => {
    await editSpec(c, (s) => {
      const { additionalPolicies: _a, ...rest } = s;
      return { ...rest, externalPolicies: { node: [arns[0]!] } };
    });
    expect(changeLines((await c.update(false)).plan).sort()).toEqual([
      `IAMRolePolicy/additional.${MASTERS}: delete `,
      `IAMRolePolicy/additional.${NODES}: delete `,
      `IAMRolePolicyAttachment/${MASTERS}/${arns[0]}: delete `,
      `IAMRolePolicyAttachment/${NODES}/${arns[1]}: delete `,
    ]);
    await applyAndConverge(c);
    expect(await inline(c, NODES)).toEqual([NODES]);
    expect(await attached(c, NODES)).toEqual([arns[0]]);
    expect(await attached(c, MASTERS)).toEqual([]);
    expect((await c.aws.clients.iam.send(new GetPolicyCommand({ PolicyArn: arns[1] }))).Policy?.Arn).toBe(arns[1]);
  }, 120_000);

  it('a policy that does not exist fails the update with ExternalPolicyNotFound naming the field; the others are applied', async () => {
    const missing = `arn:aws:iam::${c.aws.account}:policy/not-there`;
    await editSpec(c, (s) => ({ ...s, externalPolicies: { node: [arns[0]!, missing], 'control-plane': [arns[1]!] } }));
    const err = await c.update(true).then(() => undefined, (e: unknown) => e);
    expect(KopsError.is(err, 'ApplyFailed')).toBe(true);
    expect((err as KopsError).diagnostics.map((d) => `${d.code}: ${d.summary}`)).toEqual([
      `ExternalPolicyNotFound: ExternalPolicyNotFound: spec.externalPolicies.node: ${missing} does not exist or cannot be attached to ${NODES} (IAM answered NoSuchEntity)`,
    ]);
    expect(await attached(c, MASTERS)).toEqual([arns[1]]);
    await editSpec(c, (s) => ({ ...s, externalPolicies: { node: [arns[0]!], 'control-plane': [arns[1]!] } }));
    await applyAndConverge(c);
  }, 120_000);

  it('delete cluster detaches the managed policies before deleting the roles, and leaves the policies', async () => {
    const inv = await listClusterResources({ clientset: c.cs, clusterName: c.name, aws: (({ region: _r, ...rest }) => rest)(c.aws.options) });
    const listed = inv.resources.map((x) => `${x.type} ${x.name}`);
    expect(listed).toEqual(expect.arrayContaining([`iam-role-policy-attachment ${NODES}/${arns[0]}`, `iam-role-policy-attachment ${MASTERS}/${arns[1]}`]));
    const order: string[] = [];
    const r = await deleteResources(inv, { clock: fakeClock(), progress: (p) => order.push(`${p.resource.type} ${p.resource.name} ${p.outcome}`) });
    expect(r.left.map((x) => `${x.resource.type} ${x.resource.name}: ${x.error}`)).toEqual([]);
    const at = (line: string) => order.indexOf(line);
    for (const [role, arn] of [[NODES, arns[0]], [MASTERS, arns[1]]]) {
      expect(at(`iam-role-policy-attachment ${role}/${arn} ok`), `${role} ${arn} detached`).toBeGreaterThanOrEqual(0);
      expect(at(`iam-role-policy-attachment ${role}/${arn} ok`)).toBeLessThan(at(`iam-role ${role} ok`));
    }
    expect(await ownedLeft(c.aws, c.name)).toEqual([]);
    for (const arn of arns) expect((await c.aws.clients.iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.AttachmentCount).toBe(0);
  }, 180_000);
});
