import { CreateSecurityGroupCommand, CreateVpcCommand, DeleteSecurityGroupCommand, DeleteTagsCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { ownershipTags, type AwsTaskContext } from '../../../src/tasks/aws/context.js';
import { securityGroupKind, type SecurityGroupDesired } from '../../../src/tasks/aws/security-group.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const CLUSTER = 'sg.example.com';

function sg(name: string, over: Partial<SecurityGroupDesired> = {}): Task<SecurityGroupDesired> {
  return {
    kind: 'SecurityGroup',
    name,
    desired: { name, vpc: ref('VPC', CLUSTER), description: `Security group for ${name.split('.')[0]}`, tags: { Name: name, ...ownershipTags(CLUSTER) }, ...over },
  };
}

async function setup(): Promise<{ ctx: ReturnType<typeof awsTestContext>; vpcId: string; refs: ReturnType<typeof staticRefs> }> {
  const ctx = awsTestContext(CLUSTER);
  const vpc = await ctx.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '172.20.0.0/16' }));
  const vpcId = vpc.Vpc!.VpcId!;
  return { ctx, vpcId, refs: staticRefs({ [`VPC/${CLUSTER}`]: { id: vpcId } }) };
}

async function describeGroup(ctx: AwsTaskContext, id: string) {
  const out = await ctx.clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [id] }] }));
  return out.SecurityGroups?.[0];
}

describe('SecurityGroup', () => {
  it('creates tagged groups in the VPC and plans no change on the next run', async () => {
    const { ctx, vpcId, refs } = await setup();
    const tasks = [sg(`masters.${CLUSTER}`), sg(`nodes.${CLUSTER}`)];
    const { outputs } = await expectIdempotent(ctx, securityGroupKind, tasks, refs);
    const masters = await describeGroup(ctx, outputs[`SecurityGroup/masters.${CLUSTER}`]!.id!);
    expect(masters?.GroupName).toBe(`masters.${CLUSTER}`);
    expect(masters?.VpcId).toBe(vpcId);
    expect(masters?.Description).toBe('Security group for masters');
    expect(masters?.Tags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: `masters.${CLUSTER}` }, { Key: 'KubernetesCluster', Value: CLUSTER }]));
    expect(outputs[`SecurityGroup/nodes.${CLUSTER}`]?.name).toBe(`nodes.${CLUSTER}`);
  });

  it('updates tags in place and keeps the group', async () => {
    const { ctx, refs } = await setup();
    const name = `nodes.${CLUSTER}`;
    const first = await converge(ctx, securityGroupKind, [sg(name)], refs);
    const labelled = sg(name, { tags: { ...sg(name).desired.tags, team: 'platform' } });
    const [change] = await planKind(nextRun(ctx), securityGroupKind, [labelled], refs);
    expect(change?.action).toBe('update');
    expect(change?.fields.map((f) => f.field)).toEqual(['tags']);
    const second = await converge(nextRun(ctx), securityGroupKind, [labelled], refs);
    expect(second[`SecurityGroup/${name}`]?.id).toBe(first[`SecurityGroup/${name}`]?.id);
    const g = await describeGroup(ctx, second[`SecurityGroup/${name}`]!.id!);
    expect(g?.Tags).toContainEqual({ Key: 'team', Value: 'platform' });
    await expectIdempotent(nextRun(ctx), securityGroupKind, [labelled], refs);
  });

  it('replaces a group whose description changed (AWS cannot change it in place)', async () => {
    const { ctx, refs } = await setup();
    const name = `masters.${CLUSTER}`;
    const first = await converge(ctx, securityGroupKind, [sg(name)], refs);
    const changed = sg(name, { description: 'Control plane' });
    const [change] = await planKind(nextRun(ctx), securityGroupKind, [changed], refs);
    expect(change?.action).toBe('replace');
    expect(change?.fields).toEqual([expect.objectContaining({ field: 'description', before: 'Security group for masters', after: 'Control plane', forcesReplacement: true })]);
    const second = await converge(nextRun(ctx), securityGroupKind, [changed], refs);
    const oldId = first[`SecurityGroup/${name}`]!.id!;
    expect(second[`SecurityGroup/${name}`]?.id).not.toBe(oldId);
    expect(await describeGroup(ctx, oldId)).toBeUndefined();
    expect((await describeGroup(ctx, second[`SecurityGroup/${name}`]!.id!))?.Description).toBe('Control plane');
  });

  it('finds all groups with one call, however many tasks there are', async () => {
    const { ctx, refs } = await setup();
    const many = ['masters', 'nodes', 'bastion', 'api-elb'].map((p) => sg(`${p}.${CLUSTER}`));
    await converge(ctx, securityGroupKind, many, refs);
    const counts: number[] = [];
    for (const tasks of [many.slice(0, 1), many]) {
      const run = nextRun(ctx);
      ctx.aws.counter.reset();
      const found = await securityGroupKind.find(run, tasks);
      expect(found.size).toBe(tasks.length);
      counts.push(ctx.aws.counter.total());
    }
    expect(counts).toEqual([1, 1]);
  });

  it('shows drift (a tag removed, the group deleted) and apply restores it', async () => {
    const { ctx, refs } = await setup();
    const task = sg(`nodes.${CLUSTER}`);
    const out = await converge(ctx, securityGroupKind, [task], refs);
    const id = out[`SecurityGroup/nodes.${CLUSTER}`]!.id!;
    const owned = `kubernetes.io/cluster/${CLUSTER}`;
    await ctx.clients.ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: owned }] }));
    const [lostTag] = await planKind(nextRun(ctx), securityGroupKind, [task], refs);
    expect(lostTag?.action).toBe('update');
    expect(lostTag?.fields.map((f) => f.field)).toEqual(['tags']);
    await converge(nextRun(ctx), securityGroupKind, [task], refs);
    expect((await describeGroup(ctx, id))?.Tags).toContainEqual({ Key: owned, Value: 'owned' });
    await ctx.clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: id }));
    const [gone] = await planKind(nextRun(ctx), securityGroupKind, [task], refs);
    expect(gone?.action).toBe('create');
    await expectIdempotent(nextRun(ctx), securityGroupKind, [task], refs);
  });

  it('finds a shared group by id and never changes it', async () => {
    const { ctx, vpcId, refs } = await setup();
    const mine = await ctx.clients.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'corp-nodes', Description: 'corporate', VpcId: vpcId }));
    const shared: Task<SecurityGroupDesired> = { ...sg(`${mine.GroupId}-nodes`, { id: mine.GroupId! }), shared: true };
    const [change] = await planKind(ctx, securityGroupKind, [shared], refs);
    expect(change?.action).toBe('noop');
    expect(change?.actual).toMatchObject({ id: mine.GroupId, name: 'corp-nodes', description: 'corporate' });
    expect((await describeGroup(ctx, mine.GroupId!))?.Tags ?? []).toEqual([]);
  });

  it('refuses to create a shared group that does not exist, naming it', async () => {
    const { ctx, refs } = await setup();
    const missing = { ...sg('sg-0123456789abcdef0-nodes', { id: 'sg-0123456789abcdef0' }), shared: true };
    const found = await securityGroupKind.find(ctx, [missing]);
    expect(found.size).toBe(0);
    const p = securityGroupKind.apply(ctx, { action: 'create', name: missing.name, desired: missing.desired, fields: [], refs });
    await expect(p).rejects.toThrow(KopsError);
    await expect(p).rejects.toThrow(/sg-0123456789abcdef0 was not found/);
  });

  it('deletes a group, and deleting it again succeeds', async () => {
    const { ctx, refs } = await setup();
    const task = sg(`bastion.${CLUSTER}`);
    await converge(ctx, securityGroupKind, [task], refs);
    const actual = (await securityGroupKind.find(nextRun(ctx), [task])).get(task.name)!;
    await securityGroupKind.delete!(ctx, actual);
    await securityGroupKind.delete!(ctx, actual);
    expect(await describeGroup(ctx, actual.id)).toBeUndefined();
  });
});
