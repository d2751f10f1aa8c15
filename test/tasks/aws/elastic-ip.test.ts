import { AllocateAddressCommand, CreateTagsCommand, DescribeAddressesCommand, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { elasticIpKind, type ElasticIpDesired } from '../../../src/tasks/aws/elastic-ip.js';
import type { Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';
import { CLUSTER, eipTask } from './network-fixtures.js';

const ZONE_A = eipTask('us-east-1a');
const KEY = `ElasticIP/us-east-1a.${CLUSTER}`;

describe('ElasticIP', () => {
  it('allocates a VPC address with its tags and is idempotent', async () => {
    const ctx = awsTestContext();
    const { outputs } = await expectIdempotent(ctx, elasticIpKind, [ZONE_A]);
    const id = outputs[KEY]?.id ?? '';
    expect(id).toMatch(/^eipalloc-/);
    const a = (await ctx.clients.ec2.send(new DescribeAddressesCommand({ AllocationIds: [id] }))).Addresses?.[0];
    expect(a?.Domain).toBe('vpc');
    expect(a?.PublicIp).toBe(outputs[KEY]?.publicIp);
    expect(a?.Tags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: `us-east-1a.${CLUSTER}` }]));
  });

  it('puts back a tag changed behind its back, in place', async () => {
    const ctx = awsTestContext();
    const out = await converge(ctx, elasticIpKind, [ZONE_A]);
    const id = out[KEY]?.id ?? '';
    await ctx.clients.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: `kubernetes.io/cluster/${CLUSTER}`, Value: 'shared' }] }));
    const plan = await planKind(nextRun(ctx), elasticIpKind, [ZONE_A]);
    expect(plan[0]?.action).toBe('update');
    const again = await expectIdempotent(nextRun(ctx), elasticIpKind, [ZONE_A]);
    expect(again.outputs[KEY]?.id).toBe(id);
  });

  it('plans an address released behind its back as a create', async () => {
    const ctx = awsTestContext();
    const out = await converge(ctx, elasticIpKind, [ZONE_A]);
    await ctx.clients.ec2.send(new ReleaseAddressCommand({ AllocationId: out[KEY]?.id }));
    expect((await planKind(nextRun(ctx), elasticIpKind, [ZONE_A]))[0]?.action).toBe('create');
  });

  it('finds the user\'s addresses by allocation id or by address, and never changes or releases them', async () => {
    const ctx = awsTestContext();
    const mine = await ctx.clients.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const other = await ctx.clients.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const byId: Task<ElasticIpDesired> = { kind: 'ElasticIP', name: `us-east-1a.${CLUSTER}`, shared: true, desired: { id: mine.AllocationId ?? '' } };
    const byIp: Task<ElasticIpDesired> = { kind: 'ElasticIP', name: `us-east-1b.${CLUSTER}`, shared: true, desired: { publicIp: other.PublicIp ?? '' } };
    const { outputs } = await expectIdempotent(ctx, elasticIpKind, [byId, byIp]);
    expect(outputs[KEY]).toEqual({ id: mine.AllocationId, publicIp: mine.PublicIp });
    expect(outputs[`ElasticIP/us-east-1b.${CLUSTER}`]?.id).toBe(other.AllocationId);

    const actual = (await elasticIpKind.find(nextRun(ctx), [byId])).get(byId.name);
    if (!actual) throw new Error('not found');
    await expect(elasticIpKind.delete?.(ctx, actual)).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceReadOnly'));
    const missing = elasticIpKind.apply(ctx, { action: 'create', name: 'x', desired: { publicIp: '198.51.100.7' }, fields: [], refs: staticRefs({}) });
    await expect(missing).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceNotFound'));
    const all = (await ctx.clients.ec2.send(new DescribeAddressesCommand({}))).Addresses ?? [];
    expect(all.map((a) => a.AllocationId).sort()).toEqual([mine.AllocationId, other.AllocationId].sort());
  });

  it('finds every address with one call, whatever the number of tasks', async () => {
    const ctx = awsTestContext();
    const tasks = ['us-east-1a', 'us-east-1b', 'us-east-1c'].map(eipTask);
    await converge(ctx, elasticIpKind, tasks);
    for (const ts of [tasks.slice(0, 1), tasks]) {
      ctx.aws.counter.reset();
      expect((await elasticIpKind.find(nextRun(ctx), ts)).size).toBe(ts.length);
      expect(ctx.aws.counter.total()).toBe(1);
    }
  });

  it('releases an address; releasing it again is success', async () => {
    const ctx = awsTestContext();
    await converge(ctx, elasticIpKind, [ZONE_A]);
    const actual = (await elasticIpKind.find(nextRun(ctx), [ZONE_A])).get(ZONE_A.name);
    if (!actual) throw new Error('not found');
    await elasticIpKind.delete?.(ctx, actual);
    await elasticIpKind.delete?.(ctx, actual);
    expect((await elasticIpKind.find(nextRun(ctx), [ZONE_A])).size).toBe(0);
  });
});
