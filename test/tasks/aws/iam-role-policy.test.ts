import { CreateRoleCommand, DeleteRolePolicyCommand, GetRolePolicyCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { ownershipTags } from '../../../src/tasks/aws/context.js';
import { decodePolicy } from '../../../src/tasks/aws/iam-listing.js';
import { iamRoleKind, iamRoleRef, type IamRoleDesired } from '../../../src/tasks/aws/iam-role.js';
import { iamRolePolicyKind, type IamRolePolicyDesired } from '../../../src/tasks/aws/iam-role-policy.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const C = 'policy.example.com';
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const DESCRIBE = { Version: '2012-10-17', Statement: [{ Sid: 'Describe', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeRegions'], Resource: '*' }] };

function role(name: string): Task<IamRoleDesired> {
  return { kind: 'IAMRole', name, desired: { assumeRolePolicy: TRUST, tags: { Name: name, ...ownershipTags(C) } } };
}

function policy(name: string, roleName: string, document: IamRolePolicyDesired['document'] = DESCRIBE): Task<IamRolePolicyDesired> {
  return { kind: 'IAMRolePolicy', name, desired: { role: iamRoleRef(roleName), document } };
}

async function setup() {
  const ctx = awsTestContext(C);
  const roles = await converge(ctx, iamRoleKind, [role(`masters.${C}`), role(`nodes.${C}`)]);
  return { ctx: nextRun(ctx), refs: staticRefs(roles) };
}

async function documentOf(ctx: ReturnType<typeof awsTestContext>, roleName: string, policyName: string): Promise<unknown> {
  const out = await ctx.clients.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
  return decodePolicy(out.PolicyDocument!, 'test');
}

describe('IAMRolePolicy', () => {
  it('puts inline policies and plans no change on the next run', async () => {
    const { ctx, refs } = await setup();
    const tasks = [policy(`masters.${C}`, `masters.${C}`), policy(`nodes.${C}`, `nodes.${C}`, JSON.stringify(DESCRIBE, null, 2))];
    const { outputs } = await expectIdempotent(ctx, iamRolePolicyKind, tasks, refs);
    expect(await documentOf(ctx, `nodes.${C}`, `nodes.${C}`)).toEqual(DESCRIBE);
    expect(outputs[`IAMRolePolicy/masters.${C}`]?.name).toBe(`masters.${C}`);
  });

  it('updates a changed document in place, as an IAM change rendered as a line diff', async () => {
    const { ctx, refs } = await setup();
    const name = `nodes.${C}`;
    await converge(ctx, iamRolePolicyKind, [policy(name, name)], refs);
    const broader = { ...DESCRIBE, Statement: [...DESCRIBE.Statement, { Sid: 'All', Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    const [change] = await planKind(nextRun(ctx), iamRolePolicyKind, [policy(name, name, broader)], refs);
    expect(change?.action).toBe('update');
    expect(change?.security).toEqual(['iam']);
    const field = change?.fields[0];
    expect(field).toMatchObject({ field: 'document', blob: true, security: 'iam', forcesReplacement: false });
    // Pretty-printed on both sides, so the line diff shows just the new statement.
    expect(String(field?.before).split('\n').length).toBeGreaterThan(5);
    expect(String(field?.after)).toContain('"Action": "s3:*"');
    await converge(nextRun(ctx), iamRolePolicyKind, [policy(name, name, broader)], refs);
    expect(await documentOf(ctx, name, name)).toEqual(broader);
  });

  it('shows a policy deleted or edited by hand, and apply restores it', async () => {
    const { ctx, refs } = await setup();
    const task = policy(`masters.${C}`, `masters.${C}`);
    await converge(ctx, iamRolePolicyKind, [task], refs);
    await ctx.clients.iam.send(new PutRolePolicyCommand({ RoleName: task.name, PolicyName: task.name, PolicyDocument: JSON.stringify({ ...DESCRIBE, Statement: [{ ...DESCRIBE.Statement[0], Action: '*' }] }) }));
    const [edited] = await planKind(nextRun(ctx), iamRolePolicyKind, [task], refs);
    expect(edited?.action).toBe('update');
    await ctx.clients.iam.send(new DeleteRolePolicyCommand({ RoleName: task.name, PolicyName: task.name }));
    const [gone] = await planKind(nextRun(ctx), iamRolePolicyKind, [task], refs);
    expect(gone?.action).toBe('create');
    await converge(nextRun(ctx), iamRolePolicyKind, [task], refs);
    await expectIdempotent(nextRun(ctx), iamRolePolicyKind, [task], refs);
  });

  it('moves a policy to another role by replacing it', async () => {
    const { ctx, refs } = await setup();
    const name = `additional.${C}`;
    await converge(ctx, iamRolePolicyKind, [policy(name, `masters.${C}`)], refs);
    const moved = policy(name, `nodes.${C}`);
    const [change] = await planKind(nextRun(ctx), iamRolePolicyKind, [moved], refs);
    expect(change?.action).toBe('replace');
    expect(change?.fields).toEqual([expect.objectContaining({ field: 'role', before: `masters.${C}`, after: `nodes.${C}`, forcesReplacement: true })]);
    await converge(nextRun(ctx), iamRolePolicyKind, [moved], refs);
    await expect(documentOf(ctx, `masters.${C}`, name)).rejects.toThrow();
    expect(await documentOf(ctx, `nodes.${C}`, name)).toEqual(DESCRIBE);
  });

  it('finds all policies with a constant number of calls', async () => {
    const { ctx, refs } = await setup();
    const tasks = [policy(`masters.${C}`, `masters.${C}`), policy(`nodes.${C}`, `nodes.${C}`), policy(`additional.nodes.${C}`, `nodes.${C}`)];
    await converge(ctx, iamRolePolicyKind, tasks, refs);
    const counts: number[] = [];
    for (const some of [tasks.slice(0, 1), tasks]) {
      ctx.aws.counter.reset();
      expect((await iamRolePolicyKind.find(nextRun(ctx), some)).size).toBe(some.length);
      counts.push(ctx.aws.counter.total());
    }
    expect(counts).toEqual([2, 2]);
  });

  it("reports as orphans only the undescribed inline policies of the cluster's own roles", async () => {
    const { ctx, refs } = await setup();
    const kept = policy(`masters.${C}`, `masters.${C}`);
    await converge(ctx, iamRolePolicyKind, [kept, policy(`additional.masters.${C}`, `masters.${C}`)], refs);
    // A role that is not the cluster's, with a policy of the same kind: never touched.
    await ctx.clients.iam.send(new CreateRoleCommand({ RoleName: 'someone-else', AssumeRolePolicyDocument: JSON.stringify(TRUST) }));
    await ctx.clients.iam.send(new PutRolePolicyCommand({ RoleName: 'someone-else', PolicyName: 'theirs', PolicyDocument: JSON.stringify(DESCRIBE) }));
    const run = nextRun(ctx);
    const found = await iamRolePolicyKind.find(run, [kept]);
    const orphans = await iamRolePolicyKind.findOrphans!(run, [kept], found);
    expect(orphans.map((o) => [o.name, o.actual.roleName])).toEqual([[`additional.masters.${C}`, `masters.${C}`]]);
    await iamRolePolicyKind.delete!(ctx, orphans[0]!.actual);
    await iamRolePolicyKind.delete!(ctx, orphans[0]!.actual);
    await expect(documentOf(ctx, `masters.${C}`, `additional.masters.${C}`)).rejects.toThrow();
  });

  it('refuses a role ref to an output other than the name (IAM APIs take names)', () => {
    const bad: IamRolePolicyDesired = { role: ref('IAMRole', `masters.${C}`), document: DESCRIBE };
    let err: unknown;
    try {
      iamRolePolicyKind.view(bad, staticRefs({}));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KopsError);
    expect((err as KopsError).message).toMatch(/role refers to IAMRole\/masters.policy.example.com output "id"/);
    expect((err as KopsError).diagnostics[0]?.hint).toBe(`build the ref with ref('IAMRole', 'masters.${C}', 'name')`);
  });
});
