import { AssociateVpcCidrBlockCommand, CreateSubnetCommand, CreateVpcCommand, DescribeVpcsCommand, EC2Client, type Vpc } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../src/cloud/aws/clients.js';
import { KopsError } from '../../../src/diagnostics.js';
import { newMemo, type AwsTaskContext } from '../../../src/tasks/aws/context.js';
import { AMAZON_IPV6_TASK_NAME, vpcAmazonIpv6CidrBlockKind, type VpcAmazonIpv6CidrBlockDesired } from '../../../src/tasks/aws/vpc-amazon-ipv6-cidr-block.js';
import { vpcCidrBlockKind, type VpcCidrBlockDesired } from '../../../src/tasks/aws/vpc-cidr-block.js';
import type { Task } from '../../../src/tasks/types.js';
import { awsTestContext, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';
import { CLUSTER, Stack, vpcKind, vpcRef, vpcTask } from './network-fixtures.js';

function rangeTask(cidr: string): Task<VpcCidrBlockDesired> {
  return { kind: 'VPCCIDRBlock', name: cidr, desired: { vpcId: vpcRef, cidr } };
}

const IPV6: Task<VpcAmazonIpv6CidrBlockDesired> = { kind: 'VPCAmazonIPv6CIDRBlock', name: AMAZON_IPV6_TASK_NAME, desired: { vpcId: vpcRef } };

async function withVpc(): Promise<Stack> {
  const stack = new Stack(awsTestContext());
  await stack.add(vpcKind, [vpcTask()]);
  return stack;
}

async function describeVpc(stack: Stack) {
  const out = await stack.ctx.clients.ec2.send(new DescribeVpcsCommand({ VpcIds: [stack.id(`VPC/${CLUSTER}`)] }));
  return out.Vpcs?.[0];
}

describe('VPCCIDRBlock', () => {
  it('adds an additional range to the VPC, so that a subnet inside it can be created, and is idempotent', async () => {
    const stack = await withVpc();
    const vpcId = stack.id(`VPC/${CLUSTER}`);
    // Without the range AWS refuses the subnet: this is what failed before the kind existed.
    await expect(stack.ctx.clients.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.1.0.0/20', AvailabilityZone: 'us-east-1a' }))).rejects.toThrow(/invalid/i);

    const { outputs, replan } = await expectIdempotent(stack.ctx, vpcCidrBlockKind, [rangeTask('10.1.0.0/16')], stack.refs);
    expect(outputs['VPCCIDRBlock/10.1.0.0/16']).toMatchObject({ cidr: '10.1.0.0/16', vpcId, id: expect.stringMatching(/^vpc-cidr-assoc-/) });
    expect(replan[0]?.action).toBe('noop');
    const assoc = (await describeVpc(stack))?.CidrBlockAssociationSet?.map((a) => `${a.CidrBlock} ${a.CidrBlockState?.State}`).sort();
    expect(assoc).toEqual(['10.1.0.0/16 associated', '172.20.0.0/16 associated']);
    const subnet = await stack.ctx.clients.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.1.0.0/20', AvailabilityZone: 'us-east-1a' }));
    expect(subnet.Subnet?.CidrBlock).toBe('10.1.0.0/20');
  });

  it('finds ranges in the VPC listing the VPC kind already made (no extra call)', async () => {
    const stack = await withVpc();
    await expectIdempotent(stack.ctx, vpcCidrBlockKind, [rangeTask('10.1.0.0/16'), rangeTask('10.2.0.0/16')], stack.refs);
    const ctx = nextRun(stack.ctx);
    ctx.aws.counter.reset();
    await vpcKind.find(ctx, [vpcTask()]);
    const afterVpc = ctx.aws.counter.total();
    const found = await vpcCidrBlockKind.find(ctx, [rangeTask('10.1.0.0/16'), rangeTask('10.2.0.0/16')]);
    expect([...found.keys()].sort()).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
    expect(ctx.aws.counter.total()).toBe(afterVpc);
  });

  it('plans a range removed from the spec as a deletion (never the primary range) and disassociates it', async () => {
    const stack = await withVpc();
    await expectIdempotent(stack.ctx, vpcCidrBlockKind, [rangeTask('10.1.0.0/16'), rangeTask('10.2.0.0/16')], stack.refs);
    const ctx = nextRun(stack.ctx);
    const keep = [rangeTask('10.2.0.0/16')];
    const orphans = (await vpcCidrBlockKind.findOrphans?.(ctx, keep, await vpcCidrBlockKind.find(ctx, keep))) ?? [];
    expect(orphans.map((o) => o.name)).toEqual(['10.1.0.0/16']);
    await vpcCidrBlockKind.delete?.(ctx, orphans[0]!.actual);
    // Deleting again is success (already gone).
    await vpcCidrBlockKind.delete?.(ctx, orphans[0]!.actual);
    const live = (await describeVpc(stack))?.CidrBlockAssociationSet?.filter((a) => a.CidrBlockState?.State === 'associated').map((a) => a.CidrBlock).sort();
    expect(live).toEqual(['10.2.0.0/16', '172.20.0.0/16']);
    const none = nextRun(stack.ctx);
    const all = (await vpcCidrBlockKind.findOrphans?.(none, [], new Map())) ?? [];
    expect(all.map((o) => o.name)).toEqual(['10.2.0.0/16']);
  });

  it('keeps a dropped range while a subnet (anyone\'s) is still inside it: AWS would refuse to remove it', async () => {
    const stack = await withVpc();
    await expectIdempotent(stack.ctx, vpcCidrBlockKind, [rangeTask('10.1.0.0/16')], stack.refs);
    await stack.ctx.clients.ec2.send(new CreateSubnetCommand({ VpcId: stack.id(`VPC/${CLUSTER}`), CidrBlock: '10.1.16.0/20', AvailabilityZone: 'us-east-1a' }));
    expect((await vpcCidrBlockKind.findOrphans?.(nextRun(stack.ctx), [], new Map())) ?? []).toEqual([]);
  });

  it('never lists the ranges of a VPC the cluster does not own as orphans', async () => {
    const ctx = awsTestContext();
    const theirs = await ctx.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }));
    const stack = new Stack(ctx);
    await stack.add(vpcCidrBlockKind, [{ kind: 'VPCCIDRBlock', name: '10.10.0.0/16', desired: { vpcId: theirs.Vpc?.VpcId ?? '', cidr: '10.10.0.0/16' } }]);
    expect((await vpcCidrBlockKind.findOrphans?.(nextRun(ctx), [], new Map())) ?? []).toEqual([]);
  });
});

describe('VPCAmazonIPv6CIDRBlock', () => {
  it('gives the VPC an Amazon-provided IPv6 /56 and is idempotent', async () => {
    const stack = await withVpc();
    const { outputs, replan } = await expectIdempotent(stack.ctx, vpcAmazonIpv6CidrBlockKind, [IPV6], stack.refs);
    expect(replan[0]?.action).toBe('noop');
    const block = outputs[`VPCAmazonIPv6CIDRBlock/${AMAZON_IPV6_TASK_NAME}`]?.cidr ?? '';
    expect(block).toMatch(/^[0-9a-f:]+::\/56$/);
    const set = (await describeVpc(stack))?.Ipv6CidrBlockAssociationSet ?? [];
    expect(set.map((a) => [a.Ipv6CidrBlock, a.Ipv6Pool, a.Ipv6CidrBlockState?.State])).toEqual([[block, 'Amazon', 'associated']]);
  });

  it('plans nothing for a VPC that already has its block (a kops-built VPC), and never touches the VPC', async () => {
    const stack = await withVpc();
    await stack.add(vpcAmazonIpv6CidrBlockKind, [IPV6]);
    const ctx = nextRun(stack.ctx);
    expect((await planKind(ctx, vpcAmazonIpv6CidrBlockKind, [IPV6], stack.refs))[0]?.action).toBe('noop');
    expect((await planKind(ctx, vpcKind, [vpcTask()], stack.refs))[0]?.action).toBe('noop');
  });

  it('is planned as a create on a VPC without one, not as a new VPC', async () => {
    const stack = await withVpc();
    const ctx = nextRun(stack.ctx);
    const plan = await planKind(ctx, vpcAmazonIpv6CidrBlockKind, [IPV6], stack.refs);
    expect(plan.map((c) => c.action)).toEqual(['create']);
    expect((await planKind(ctx, vpcKind, [vpcTask()], stack.refs))[0]?.action).toBe('noop');
  });

  it('disassociates the block on delete, and deleting again is success', async () => {
    const stack = await withVpc();
    await stack.add(vpcAmazonIpv6CidrBlockKind, [IPV6]);
    const actual = (await vpcAmazonIpv6CidrBlockKind.find(nextRun(stack.ctx), [IPV6])).get(AMAZON_IPV6_TASK_NAME);
    if (!actual) throw new Error('not found');
    await vpcAmazonIpv6CidrBlockKind.delete?.(stack.ctx, actual);
    await vpcAmazonIpv6CidrBlockKind.delete?.(stack.ctx, actual);
    expect((await vpcAmazonIpv6CidrBlockKind.find(nextRun(stack.ctx), [IPV6])).size).toBe(0);
  });
});

/**
 * AWS associates ranges asynchronously (moto at once): a fake EC2 that answers `associating` on
 * the first read after the association, then `associated`, shows the kinds wait without
 * associating twice.
 */
describe('association still in progress', () => {
  function fakeEc2(states: string[]): { clients: AwsClients; associateCalls: () => number } {
    const ec2 = new EC2Client({ region: 'us-east-1' });
    let associated = false;
    let calls = 0;
    const vpc = (): Vpc => {
      const state = associated ? (states.shift() ?? 'associated') : undefined;
      return {
        VpcId: 'vpc-1',
        CidrBlock: '172.20.0.0/16',
        CidrBlockAssociationSet: [
          { CidrBlock: '172.20.0.0/16', AssociationId: 'a-0', CidrBlockState: { State: 'associated' } },
          ...(state ? [{ CidrBlock: '10.1.0.0/16', AssociationId: 'a-1', CidrBlockState: { State: state as 'associated' } }] : []),
        ],
        Ipv6CidrBlockAssociationSet: state ? [{ Ipv6CidrBlock: '2600:1f18::/56', AssociationId: 'a-6', Ipv6Pool: 'Amazon', Ipv6CidrBlockState: { State: state as 'associated' } }] : [],
      };
    };
    (ec2 as unknown as { send: (c: unknown) => Promise<unknown> }).send = async (c) => {
      if (c instanceof AssociateVpcCidrBlockCommand) {
        calls++;
        associated = true;
        return {};
      }
      if (c instanceof DescribeVpcsCommand) return { Vpcs: [vpc()] };
      throw new Error(`unexpected call ${String(c)}`);
    };
    return { clients: { ec2 } as unknown as AwsClients, associateCalls: () => calls };
  }

  /** Two attempts while `associating` ask to try again later; the third returns; one association. */
  async function expectWaits(apply: (ctx: AwsTaskContext) => Promise<{ state: string }>): Promise<void> {
    const fake = fakeEc2(['associating', 'associating', 'associated']);
    const ctx = { clients: fake.clients, clusterName: CLUSTER, region: 'us-east-1', once: newMemo() };
    await expect(apply(ctx)).rejects.toSatisfy((e) => KopsError.is(e, 'TryAgainLater'));
    await expect(apply(ctx)).rejects.toSatisfy((e) => KopsError.is(e, 'TryAgainLater'));
    expect((await apply(ctx)).state).toBe('associated');
    expect(fake.associateCalls()).toBe(1);
  }

  it('VPCCIDRBlock waits for its range, associating it once', async () => {
    await expectWaits((ctx) => vpcCidrBlockKind.apply(ctx, { action: 'create', name: '10.1.0.0/16', desired: { vpcId: 'vpc-1', cidr: '10.1.0.0/16' }, fields: [], refs: staticRefs({}) }));
  });

  it('VPCAmazonIPv6CIDRBlock waits for its block, associating it once', async () => {
    await expectWaits((ctx) => vpcAmazonIpv6CidrBlockKind.apply(ctx, { action: 'create', name: AMAZON_IPV6_TASK_NAME, desired: { vpcId: 'vpc-1' }, fields: [], refs: staticRefs({}) }));
  });
});
