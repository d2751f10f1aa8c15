import { AddRoleToInstanceProfileCommand, GetInstanceProfileCommand, RemoveRoleFromInstanceProfileCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { ownershipTags } from '../../../src/tasks/aws/context.js';
import { iamInstanceProfileKind, instanceProfileRef, type IamInstanceProfileDesired } from '../../../src/tasks/aws/iam-instance-profile.js';
import { iamInstanceProfileRoleKind, type IamInstanceProfileRoleDesired } from '../../../src/tasks/aws/iam-instance-profile-role.js';
import { iamRoleKind, iamRoleRef, type IamRoleDesired } from '../../../src/tasks/aws/iam-role.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const C = 'pr.example.com';
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const GROUPS = ['masters', 'nodes', 'bastions'].map((g) => `${g}.${C}`);

const role = (name: string): Task<IamRoleDesired> => ({ kind: 'IAMRole', name, desired: { assumeRolePolicy: TRUST, tags: { Name: name, ...ownershipTags(C) } } });
const profile = (name: string): Task<IamInstanceProfileDesired> => ({ kind: 'IAMInstanceProfile', name, desired: { tags: { Name: name, ...ownershipTags(C) } } });
const link = (name: string, roleName = name): Task<IamInstanceProfileRoleDesired> => ({
  kind: 'IAMInstanceProfileRole',
  name,
  desired: { instanceProfile: instanceProfileRef(name), role: iamRoleRef(roleName) },
});

async function setup() {
  const ctx = awsTestContext(C);
  const roles = await converge(ctx, iamRoleKind, GROUPS.map(role));
  const profiles = await converge(nextRun(ctx), iamInstanceProfileKind, GROUPS.map(profile));
  return { ctx: nextRun(ctx), refs: staticRefs({ ...roles, ...profiles }) };
}

async function rolesIn(ctx: ReturnType<typeof awsTestContext>, profileName: string): Promise<(string | undefined)[]> {
  const out = await ctx.clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profileName }));
  return (out.InstanceProfile?.Roles ?? []).map((r) => r.RoleName);
}

describe('IAMInstanceProfileRole', () => {
  it('puts each role in its profile and plans no change on the next run', async () => {
    const { ctx, refs } = await setup();
    const { outputs } = await expectIdempotent(ctx, iamInstanceProfileRoleKind, GROUPS.map((g) => link(g)), refs);
    expect(await rolesIn(ctx, `masters.${C}`)).toEqual([`masters.${C}`]);
    expect(outputs[`IAMInstanceProfileRole/nodes.${C}`]).toEqual({ id: `nodes.${C}`, name: `nodes.${C}`, role: `nodes.${C}` });
  });

  it('replaces a role swapped behind its back, flagged as an IAM change', async () => {
    const { ctx, refs } = await setup();
    const task = link(`nodes.${C}`);
    await converge(ctx, iamInstanceProfileRoleKind, [task], refs);
    await ctx.clients.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: task.name, RoleName: task.name }));
    await ctx.clients.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: task.name, RoleName: `masters.${C}` }));
    const [change] = await planKind(nextRun(ctx), iamInstanceProfileRoleKind, [task], refs);
    expect(change?.action).toBe('replace');
    expect(change?.security).toEqual(['iam']);
    expect(change?.fields).toEqual([expect.objectContaining({ field: 'role', before: `masters.${C}`, after: `nodes.${C}`, forcesReplacement: true })]);
    await converge(nextRun(ctx), iamInstanceProfileRoleKind, [task], refs);
    expect(await rolesIn(ctx, task.name)).toEqual([task.name]);
  });

  it('shows a role removed from its profile as to be added again', async () => {
    const { ctx, refs } = await setup();
    const task = link(`masters.${C}`);
    await converge(ctx, iamInstanceProfileRoleKind, [task], refs);
    await ctx.clients.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: task.name, RoleName: task.name }));
    const [change] = await planKind(nextRun(ctx), iamInstanceProfileRoleKind, [task], refs);
    expect(change?.action).toBe('create');
    await expectIdempotent(nextRun(ctx), iamInstanceProfileRoleKind, [task], refs);
  });

  it('finds every link with a constant number of calls', async () => {
    const { ctx, refs } = await setup();
    const tasks = GROUPS.map((g) => link(g));
    await converge(ctx, iamInstanceProfileRoleKind, tasks, refs);
    const counts: number[] = [];
    for (const some of [tasks.slice(0, 1), tasks]) {
      ctx.aws.counter.reset();
      expect((await iamInstanceProfileRoleKind.find(nextRun(ctx), some)).size).toBe(some.length);
      counts.push(ctx.aws.counter.total());
    }
    expect(counts).toEqual([2, 2]);
  });

  it('removes the role on delete, and removing it again succeeds', async () => {
    const { ctx, refs } = await setup();
    const task = link(`bastions.${C}`);
    await converge(ctx, iamInstanceProfileRoleKind, [task], refs);
    const actual = (await iamInstanceProfileRoleKind.find(nextRun(ctx), [task])).get(task.name)!;
    await iamInstanceProfileRoleKind.delete!(ctx, actual);
    await iamInstanceProfileRoleKind.delete!(ctx, actual);
    expect(await rolesIn(ctx, task.name)).toEqual([]);
  });

  it('refuses refs to ids: IAM takes names', () => {
    const bad: IamInstanceProfileRoleDesired = { instanceProfile: ref('IAMInstanceProfile', 'x'), role: iamRoleRef('x') };
    expect(() => iamInstanceProfileRoleKind.view(bad, staticRefs({}))).toThrow(/instanceProfile refers to IAMInstanceProfile\/x output "id"/);
  });
});
