import { DescribeImagesCommand, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { instanceKind, type InstanceDesired } from '../../../src/tasks/aws/instance.js';
import type { Task } from '../../../src/tasks/types.js';
import { awsTestContext, expectIdempotent, staticRefs } from './harness.js';

const task = (id: string): Task<InstanceDesired> => ({ kind: 'Instance', name: id, shared: true, desired: { id } });

async function runInstance(ctx: ReturnType<typeof awsTestContext>): Promise<string> {
  const image = (await ctx.clients.ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
  return (await ctx.clients.ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }))).Instances![0]!.InstanceId!;
}

describe('Instance (the user\u2019s, e.g. a NAT instance named by egress)', () => {
  it('finds a running instance by id in one call, changes nothing, and outputs its id', async () => {
    const ctx = awsTestContext();
    const id = await runInstance(ctx);
    ctx.aws.counter.reset();
    const { outputs, replan } = await expectIdempotent(ctx, instanceKind, [task(id)]);
    expect(outputs[`Instance/${id}`]).toEqual({ id });
    expect(replan[0]?.action).toBe('noop');
    expect(ctx.aws.counter.total()).toBe(2); // one DescribeInstances per plan
  });

  it('does not find an unknown or terminated instance, and refuses to make one', async () => {
    const ctx = awsTestContext();
    const id = await runInstance(ctx);
    await ctx.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    const found = await instanceKind.find(ctx, [task(id), task('i-0123456789abcdef0')]);
    expect(found.size).toBe(0);
    const req = { action: 'create' as const, name: 'i-0123456789abcdef0', desired: { id: 'i-0123456789abcdef0' }, fields: [], refs: staticRefs({}) };
    await expect(instanceKind.apply(ctx, req)).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceNotFound'));
  });
});
