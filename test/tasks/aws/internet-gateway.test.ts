import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateVpcCommand,
  DescribeInternetGatewaysCommand,
  DetachInternetGatewayCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { internetGatewayKind, type InternetGatewayDesired } from '../../../src/tasks/aws/internet-gateway.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';
import { CLUSTER, Stack, clusterTags, igwTask, vpcKind, vpcRef, vpcTask, type TestContext } from './network-fixtures.js';

const KEY = `InternetGateway/${CLUSTER}`;

async function withVpc(ctx: TestContext = awsTestContext()): Promise<Stack> {
  const stack = new Stack(ctx);
  await stack.add(vpcKind, [vpcTask()]);
  return stack;
}

async function describeIgw(ctx: TestContext, id: string) {
  return (await ctx.clients.ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [id] }))).InternetGateways?.[0];
}

describe('InternetGateway', () => {
  it('creates the gateway with its tags, attaches it to the VPC, and is idempotent', async () => {
    const stack = await withVpc();
    const { outputs } = await expectIdempotent(stack.ctx, internetGatewayKind, [igwTask()], stack.refs);
    const g = await describeIgw(stack.ctx, outputs[KEY]?.id ?? '');
    expect(g?.Attachments?.map((a) => a.VpcId)).toEqual([stack.id(`VPC/${CLUSTER}`)]);
    expect(g?.Tags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: CLUSTER }]));
  });

  it('sees the gateway detached behind its back and attaches it again, in place', async () => {
    const stack = await withVpc();
    await stack.add(internetGatewayKind, [igwTask()]);
    const id = stack.id(KEY);
    await stack.ctx.clients.ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: stack.id(`VPC/${CLUSTER}`) }));

    const plan = await planKind(nextRun(stack.ctx), internetGatewayKind, [igwTask()], stack.refs);
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => [f.field, f.before, f.after])).toEqual([['vpcId', undefined, stack.id(`VPC/${CLUSTER}`)]]);
    const { outputs } = await expectIdempotent(nextRun(stack.ctx), internetGatewayKind, [igwTask()], stack.refs);
    expect(outputs[KEY]?.id).toBe(id);
    expect((await describeIgw(stack.ctx, id))?.Attachments?.map((a) => a.VpcId)).toEqual([stack.id(`VPC/${CLUSTER}`)]);
  });

  it('updates tags in place', async () => {
    const stack = await withVpc();
    await stack.add(internetGatewayKind, [igwTask()]);
    const labelled: Task<InternetGatewayDesired> = { ...igwTask(), desired: { vpcId: vpcRef, tags: clusterTags(CLUSTER, { team: 'infra' }) } };
    const plan = await planKind(nextRun(stack.ctx), internetGatewayKind, [labelled], stack.refs);
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => f.field)).toEqual(['tags']);
    await expectIdempotent(nextRun(stack.ctx), internetGatewayKind, [labelled], stack.refs);
    expect((await describeIgw(stack.ctx, stack.id(KEY)))?.Tags).toEqual(expect.arrayContaining([{ Key: 'team', Value: 'infra' }]));
  });

  it('finds the gateway of a shared VPC by its attachment and never touches it', async () => {
    const ctx = awsTestContext();
    const ec2 = ctx.clients.ec2;
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc?.VpcId ?? '';
    const igwId = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId ?? '';
    await ec2.send(new AttachInternetGatewayCommand({ VpcId: vpcId, InternetGatewayId: igwId }));
    // Another gateway elsewhere must not be mistaken for it.
    const otherVpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.2.0.0/16' }))).Vpc?.VpcId ?? '';
    const other = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId ?? '';
    await ec2.send(new AttachInternetGatewayCommand({ VpcId: otherVpc, InternetGatewayId: other }));

    const shared: Task<InternetGatewayDesired> = { kind: 'InternetGateway', name: CLUSTER, shared: true, desired: { vpcId, shared: true } };
    const { outputs } = await expectIdempotent(ctx, internetGatewayKind, [shared]);
    expect(outputs[KEY]?.id).toBe(igwId);
    expect((await describeIgw(ctx, igwId))?.Tags ?? []).toEqual([]);

    const actual = (await internetGatewayKind.find(nextRun(ctx), [shared])).get(CLUSTER);
    if (!actual) throw new Error('not found');
    await expect(internetGatewayKind.delete?.(ctx, actual)).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceReadOnly'));
    expect((await describeIgw(ctx, igwId))?.Attachments?.map((a) => a.VpcId)).toEqual([vpcId]);

    const noGateway: Task<InternetGatewayDesired> = { ...shared, desired: { vpcId: 'vpc-0123456789abcdef0', shared: true } };
    expect((await planKind(nextRun(ctx), internetGatewayKind, [noGateway]))[0]?.action).toBe('create');
    const p = internetGatewayKind.apply(ctx, { action: 'create', name: CLUSTER, desired: noGateway.desired, fields: [], refs: staticRefs({}) });
    await expect(p).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceNotFound'));
  });

  it('refuses a shared gateway task that does not say how to find the gateway', async () => {
    const ctx = awsTestContext();
    const byRef: Task<InternetGatewayDesired> = { kind: 'InternetGateway', name: CLUSTER, shared: true, desired: { vpcId: vpcRef, shared: true } };
    const unmarked: Task<InternetGatewayDesired> = { kind: 'InternetGateway', name: CLUSTER, shared: true, desired: { vpcId: 'vpc-0123456789abcdef0' } };
    for (const t of [byRef, unmarked]) {
      await expect(internetGatewayKind.find(ctx, [t])).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceWithoutId'));
    }
  });

  it('finds every gateway with one call, whatever the number of tasks', async () => {
    const stack = new Stack(awsTestContext());
    const names = ['a', 'b', 'c'].map((n) => `${n}.${CLUSTER}`);
    await stack.add(vpcKind, names.map((n, i) => vpcTask(`10.${i}.0.0/16`, n)));
    const tasks = names.map((name): Task<InternetGatewayDesired> => ({ kind: 'InternetGateway', name, desired: { vpcId: ref('VPC', name), tags: clusterTags(name) } }));
    await stack.add(internetGatewayKind, tasks);
    for (const ts of [tasks.slice(0, 1), tasks]) {
      stack.ctx.aws.counter.reset();
      expect((await internetGatewayKind.find(nextRun(stack.ctx), ts)).size).toBe(ts.length);
      expect(stack.ctx.aws.counter.total()).toBe(1);
    }
  });

  it('deletes by detaching first; deleting again is success', async () => {
    const stack = await withVpc();
    await stack.add(internetGatewayKind, [igwTask()]);
    const actual = (await internetGatewayKind.find(nextRun(stack.ctx), [igwTask()])).get(CLUSTER);
    if (!actual) throw new Error('not found');
    await internetGatewayKind.delete?.(stack.ctx, actual);
    await internetGatewayKind.delete?.(stack.ctx, actual);
    expect((await internetGatewayKind.find(nextRun(stack.ctx), [igwTask()])).size).toBe(0);
  });
});
