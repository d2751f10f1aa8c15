/**
 * spec.iam.permissionsBoundary end to end on the emulator: set, every role the cluster makes gets
 * the boundary (in place, an IAM change in the plan) and the next plan is empty; changed, it is
 * replaced; removed from the spec, a role's boundary is left as it is (one the account's own
 * tooling set is never taken away) and nothing is planned.
 */
import { CreatePolicyCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyAndConverge, changeLines, editSpec, setupCluster, type E2ECluster } from './update-helpers.js';

const NAME = 'boundary.example.com';
const ROLES = [`masters.${NAME}`, `nodes.${NAME}`];

async function boundaries(c: E2ECluster): Promise<Array<string | undefined>> {
  return Promise.all(ROLES.map(async (RoleName) => (await c.aws.clients.iam.send(new GetRoleCommand({ RoleName }))).Role?.PermissionsBoundary?.PermissionsBoundaryArn));
}

describe('update cluster: spec.iam.permissionsBoundary on the emulator', () => {
  let c: E2ECluster;
  let arns: string[];
  beforeAll(async () => {
    c = await setupCluster({ name: NAME, zones: ['us-east-1a'] });
    const policy = async (name: string) =>
      (await c.aws.clients.iam.send(new CreatePolicyCommand({ PolicyName: name, Path: '/boundaries/', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }))).Policy!.Arn!;
    arns = [await policy('kops'), await policy('kops-strict')];
    await applyAndConverge(c);
    expect(await boundaries(c)).toEqual([undefined, undefined]);
  }, 180_000);

  it('set: each role gets it in place, as an IAM change; the next plan is empty', async () => {
    await editSpec(c, (s) => ({ ...s, iam: { ...s.iam, permissionsBoundary: arns[0]! } }));
    const plan = (await c.update(false)).plan;
    expect(changeLines(plan).sort()).toEqual(ROLES.map((r) => `IAMRole/${r}: update permissionsBoundary`));
    expect(plan.changes.every((ch) => ch.security.includes('iam'))).toBe(true);
    await applyAndConverge(c);
    expect(await boundaries(c)).toEqual([arns[0], arns[0]]);
  }, 120_000);

  it('changed: replaced on every role', async () => {
    await editSpec(c, (s) => ({ ...s, iam: { ...s.iam, permissionsBoundary: arns[1]! } }));
    expect(changeLines((await c.update(false)).plan).sort()).toEqual(ROLES.map((r) => `IAMRole/${r}: update permissionsBoundary`));
    await applyAndConverge(c);
    expect(await boundaries(c)).toEqual([arns[1], arns[1]]);
  }, 120_000);

  it('removed from the spec: nothing planned, the boundary stays', async () => {
    await editSpec(c, (s) => {
      const { permissionsBoundary: _b, ...iam } = s.iam ?? {};
      return { ...s, iam };
    });
    expect(changeLines((await c.update(false)).plan)).toEqual([]);
    expect(await boundaries(c)).toEqual([arns[1], arns[1]]);
  }, 120_000);
});
