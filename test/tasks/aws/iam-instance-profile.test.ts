import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetAccountAuthorizationDetailsCommand,
  GetInstanceProfileCommand,
  ListInstanceProfilesCommand,
  ListInstanceProfileTagsCommand,
  IAMClient,
  UntagInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../src/cloud/aws/clients.js';
import { newMemo, ownershipTags, type AwsTaskContext } from '../../../src/tasks/aws/context.js';
import { iamInstanceProfileKind, profileNameFromArn, type IamInstanceProfileDesired } from '../../../src/tasks/aws/iam-instance-profile.js';
import type { Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const C = 'profile.example.com';

function profile(name: string, tags: Record<string, string> = {}): Task<IamInstanceProfileDesired> {
  return { kind: 'IAMInstanceProfile', name, desired: { tags: { Name: name, ...ownershipTags(C), ...tags } } };
}

describe('IAMInstanceProfile', () => {
  it('creates tagged instance profiles and plans no change on the next run', async () => {
    const ctx = awsTestContext(C);
    const { outputs } = await expectIdempotent(ctx, iamInstanceProfileKind, [profile(`masters.${C}`), profile(`nodes.${C}`)]);
    const got = await ctx.clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: `masters.${C}` }));
    expect(got.InstanceProfile?.Tags).toContainEqual({ Key: `kubernetes.io/cluster/${C}`, Value: 'owned' });
    expect(outputs[`IAMInstanceProfile/masters.${C}`]).toEqual({ id: got.InstanceProfile?.InstanceProfileId, name: `masters.${C}`, arn: got.InstanceProfile?.Arn });
  });

  it('restores tags removed by hand, in place', async () => {
    const ctx = awsTestContext(C);
    const task = profile(`nodes.${C}`, { team: 'platform' });
    await converge(ctx, iamInstanceProfileKind, [task]);
    await ctx.clients.iam.send(new UntagInstanceProfileCommand({ InstanceProfileName: task.name, TagKeys: ['team'] }));
    const [change] = await planKind(nextRun(ctx), iamInstanceProfileKind, [task]);
    expect(change?.action).toBe('update');
    expect(change?.fields.map((f) => f.field)).toEqual(['tags']);
    await converge(nextRun(ctx), iamInstanceProfileKind, [task]);
    const got = await ctx.clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: task.name }));
    expect(got.InstanceProfile?.Tags).toContainEqual({ Key: 'team', Value: 'platform' });
  });

  it('finds profiles with a constant number of calls in the emulator (its listing carries tags)', async () => {
    const ctx = awsTestContext(C);
    const tasks = ['masters', 'nodes', 'bastions'].map((p) => profile(`${p}.${C}`));
    await converge(ctx, iamInstanceProfileKind, tasks);
    const counts: number[] = [];
    for (const some of [tasks.slice(0, 1), tasks]) {
      ctx.aws.counter.reset();
      expect((await iamInstanceProfileKind.find(nextRun(ctx), some)).size).toBe(some.length);
      counts.push(ctx.aws.counter.total());
    }
    expect(counts).toEqual([2, 2]);
  });

  it('uses a shared profile (given by ARN) as it is, and refuses to create a missing one', async () => {
    const ctx = awsTestContext(C);
    const made = await ctx.clients.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'corp-nodes', Path: '/corp/' }));
    const arn = made.InstanceProfile!.Arn!;
    expect(profileNameFromArn(arn)).toBe('corp-nodes');
    const shared: Task<IamInstanceProfileDesired> = { kind: 'IAMInstanceProfile', name: `nodes.${C}`, desired: { tags: {}, arn }, shared: true };
    const [change] = await planKind(ctx, iamInstanceProfileKind, [shared]);
    expect(change?.action).toBe('noop');
    const missing = { tags: {}, arn: 'arn:aws:iam::123456789012:instance-profile/nope' };
    const p = iamInstanceProfileKind.apply(ctx, { action: 'create', name: 'x', desired: missing, fields: [], refs: staticRefs({}) });
    await expect(p).rejects.toThrow(/instance profile arn:aws:iam::123456789012:instance-profile\/nope was not found/);
  });

  it('deletes a profile that still holds a role, and deleting it again succeeds', async () => {
    const ctx = awsTestContext(C);
    const task = profile(`bastions.${C}`);
    await converge(ctx, iamInstanceProfileKind, [task]);
    await ctx.clients.iam.send(new CreateRoleCommand({
      RoleName: `r.${C}`,
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    }));
    await ctx.clients.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: task.name, RoleName: `r.${C}` }));
    const actual = (await iamInstanceProfileKind.find(nextRun(ctx), [task])).get(task.name)!;
    expect(actual.roles).toEqual([`r.${C}`]);
    await iamInstanceProfileKind.delete!(ctx, actual);
    await iamInstanceProfileKind.delete!(ctx, actual);
    expect((await iamInstanceProfileKind.find(nextRun(ctx), [task])).size).toBe(0);
  });

  it('reads tags separately where IAM lists profiles without them (real AWS), only for described profiles', async () => {
    // A stub of real IAM: ListInstanceProfiles omits tags ("this operation does not return tags"),
    // ListInstanceProfileTags returns them. The emulator's listing includes tags, so it cannot show this.
    const sent: string[] = [];
    const iam = new IAMClient({ region: 'us-east-1' });
    const stub = {
      send(cmd: object): Promise<unknown> {
        const name = cmd.constructor.name;
        sent.push(name);
        if (cmd instanceof GetAccountAuthorizationDetailsCommand) return Promise.resolve({ RoleDetailList: [], IsTruncated: false });
        if (cmd instanceof ListInstanceProfilesCommand) {
          const p = (n: string) => ({ InstanceProfileName: n, InstanceProfileId: `id-${n}`, Arn: `arn:aws:iam::1:instance-profile/${n}`, Path: '/', Roles: [] });
          return Promise.resolve({ InstanceProfiles: [p(`masters.${C}`), p(`nodes.${C}`), p('unrelated')], IsTruncated: false });
        }
        if (cmd instanceof ListInstanceProfileTagsCommand) {
          return Promise.resolve({ Tags: [{ Key: 'Name', Value: cmd.input.InstanceProfileName }], IsTruncated: false });
        }
        return Promise.reject(new Error(`unexpected ${name}`));
      },
    };
    // The SDK's paginators insist on a real IAMClient; only its transport is replaced.
    iam.send = stub.send as typeof iam.send;
    const ctx: AwsTaskContext = { clients: { iam } as unknown as AwsClients, clusterName: C, region: 'us-east-1', once: newMemo() };
    const found = await iamInstanceProfileKind.find(ctx, [profile(`masters.${C}`), profile(`bastions.${C}`)]);
    expect([...found.keys()]).toEqual([`masters.${C}`]);
    expect(found.get(`masters.${C}`)?.tags).toEqual({ Name: `masters.${C}` });
    expect(sent.filter((s) => s === 'ListInstanceProfileTagsCommand')).toHaveLength(1);
  });
});
