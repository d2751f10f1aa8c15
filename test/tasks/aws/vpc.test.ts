import { CreateVpcCommand, DescribeVpcAttributeCommand, DescribeVpcsCommand, ModifyVpcAttributeCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { vpcKind, type VpcDesired } from '../../../src/tasks/aws/vpc.js';
import type { Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';
import { CLUSTER, vpcTask } from './network-fixtures.js';

async function dnsAttributes(ctx: ReturnType<typeof awsTestContext>, vpcId: string) {
  const ec2 = ctx.clients.ec2;
  const h = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsHostnames' }));
  const s = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsSupport' }));
  return { hostnames: h.EnableDnsHostnames?.Value, support: s.EnableDnsSupport?.Value };
}

describe('VPC', () => {
  it('creates the VPC as kops does (CIDR, DNS support and hostnames, tags at creation) and is idempotent', async () => {
    const ctx = awsTestContext();
    const { outputs, replan } = await expectIdempotent(ctx, vpcKind, [vpcTask()]);
    const id = outputs[`VPC/${CLUSTER}`]?.id ?? '';
    expect(id).toMatch(/^vpc-/);
    expect(outputs[`VPC/${CLUSTER}`]?.cidr).toBe('172.20.0.0/16');
    expect(replan[0]?.action).toBe('noop');
    expect(await dnsAttributes(ctx, id)).toEqual({ hostnames: true, support: true });
    const vpc = (await ctx.clients.ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }))).Vpcs?.[0];
    expect(vpc?.Tags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: CLUSTER }, { Key: `kubernetes.io/cluster/${CLUSTER}`, Value: 'owned' }]));
  });

  it('sees DNS hostnames turned off behind its back and turns them on again, in place', async () => {
    const ctx = awsTestContext();
    const out = await converge(ctx, vpcKind, [vpcTask()]);
    const id = out[`VPC/${CLUSTER}`]?.id ?? '';
    await ctx.clients.ec2.send(new ModifyVpcAttributeCommand({ VpcId: id, EnableDnsHostnames: { Value: false } }));

    const plan = await planKind(nextRun(ctx), vpcKind, [vpcTask()]);
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => [f.field, f.before, f.after])).toEqual([['enableDnsHostnames', false, true]]);

    await expectIdempotent(nextRun(ctx), vpcKind, [vpcTask()]);
    expect((await dnsAttributes(ctx, id)).hostnames).toBe(true);
  });

  it('adds a new tag in place and leaves tags it does not manage alone', async () => {
    const ctx = awsTestContext();
    const out = await converge(ctx, vpcKind, [vpcTask()]);
    const id = out[`VPC/${CLUSTER}`]?.id ?? '';
    const base = vpcTask();
    const labelled: Task<VpcDesired> = { ...base, desired: { ...base.desired, tags: { ...base.desired.tags, team: 'infra' } } };
    const plan = await planKind(nextRun(ctx), vpcKind, [labelled]);
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => f.field)).toEqual(['tags']);
    const again = await expectIdempotent(nextRun(ctx), vpcKind, [labelled]);
    expect(again.outputs[`VPC/${CLUSTER}`]?.id).toBe(id);
    // The old desired state (without the label) is still satisfied: extra tags are not a difference.
    expect((await planKind(nextRun(ctx), vpcKind, [base]))[0]?.action).toBe('noop');
  });

  it('plans a replacement when the CIDR changes (AWS cannot change a VPC CIDR)', async () => {
    const ctx = awsTestContext();
    await converge(ctx, vpcKind, [vpcTask()]);
    const plan = await planKind(nextRun(ctx), vpcKind, [vpcTask('10.0.0.0/16')]);
    expect(plan[0]?.action).toBe('replace');
    expect(plan[0]?.fields).toEqual([expect.objectContaining({ field: 'cidr', before: '172.20.0.0/16', after: '10.0.0.0/16', forcesReplacement: true })]);
  });

  it('finds all VPCs with one DescribeVpcs, whatever the number of tasks', async () => {
    const ctx = awsTestContext();
    const tasks = ['a', 'b', 'c'].map((n, i) => vpcTask(`10.${i}.0.0/16`, `${n}.${CLUSTER}`));
    await converge(ctx, vpcKind, tasks);
    const count = async (ts: Task<VpcDesired>[]) => {
      ctx.aws.counter.reset();
      const found = await vpcKind.find(nextRun(ctx), ts);
      expect(found.size).toBe(ts.length);
      return ctx.aws.counter.counts.get('ec2:DescribeVpcsCommand');
    };
    expect(await count(tasks.slice(0, 1))).toBe(1);
    expect(await count(tasks)).toBe(1);
  });

  it('finds a shared VPC by id, never changes it, and refuses to modify or delete it', async () => {
    const ctx = awsTestContext();
    const created = await ctx.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }));
    const id = created.Vpc?.VpcId ?? '';
    // kops asks for DNS hostnames; the user's VPC has them off, and it stays that way.
    const shared: Task<VpcDesired> = { kind: 'VPC', name: CLUSTER, shared: true, desired: { id, enableDnsHostnames: true, enableDnsSupport: true } };
    const { outputs, replan } = await expectIdempotent(ctx, vpcKind, [shared]);
    expect(outputs[`VPC/${CLUSTER}`]).toEqual({ id, cidr: '10.9.0.0/16' });
    expect(replan[0]?.actual).toMatchObject({ id, shared: true });
    expect((await dnsAttributes(ctx, id)).hostnames).toBe(false);
    const vpc = (await ctx.clients.ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }))).Vpcs?.[0];
    expect(vpc?.Tags ?? []).toEqual([]);

    const actual = (await vpcKind.find(nextRun(ctx), [shared])).get(CLUSTER);
    if (!actual) throw new Error('shared VPC not found');
    await expect(vpcKind.delete?.(ctx, actual)).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceReadOnly'));
    const req = { action: 'update' as const, name: CLUSTER, desired: shared.desired, actual, fields: [], refs: staticRefs({}) };
    await expect(vpcKind.apply(ctx, req)).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceReadOnly'));
  });

  it('reports a shared VPC that does not exist instead of creating one', async () => {
    const ctx = awsTestContext();
    const missing: Task<VpcDesired> = { kind: 'VPC', name: CLUSTER, shared: true, desired: { id: 'vpc-0123456789abcdef0' } };
    const plan = await planKind(ctx, vpcKind, [missing]);
    expect(plan[0]?.action).toBe('create');
    const p = vpcKind.apply(ctx, { action: 'create', name: CLUSTER, desired: missing.desired, fields: [], refs: staticRefs({}) });
    await expect(p).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceNotFound'));
    await expect(p).rejects.toThrow(/vpc-0123456789abcdef0/);
    expect((await ctx.clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.9.0.0/16'] }] }))).Vpcs).toEqual([]);
  });

  it('refuses a shared task that names no VPC, rather than ever creating one for it', async () => {
    const ctx = awsTestContext();
    const noId: Task<VpcDesired> = { kind: 'VPC', name: CLUSTER, shared: true, desired: { cidr: '10.0.0.0/16' } };
    await expect(vpcKind.find(ctx, [noId])).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceWithoutId'));
  });

  it('deletes an owned VPC, and deleting it again is success', async () => {
    const ctx = awsTestContext();
    await converge(ctx, vpcKind, [vpcTask()]);
    const actual = (await vpcKind.find(nextRun(ctx), [vpcTask()])).get(CLUSTER);
    if (!actual) throw new Error('not found');
    await vpcKind.delete?.(ctx, actual);
    await vpcKind.delete?.(ctx, actual);
    expect((await vpcKind.find(nextRun(ctx), [vpcTask()])).size).toBe(0);
  });
});
