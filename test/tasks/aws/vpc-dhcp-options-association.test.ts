import { AssociateDhcpOptionsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { vpcDhcpOptionsAssociationKind, type VpcDhcpOptionsAssociationDesired } from '../../../src/tasks/aws/vpc-dhcp-options-association.js';
import { UNKNOWN, ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, expectIdempotent, nextRun, planKind } from './harness.js';
import { CLUSTER, Stack, dhcpOptionsKind, dhcpTask, vpcKind, vpcRef, vpcTask } from './network-fixtures.js';

const task: Task<VpcDhcpOptionsAssociationDesired> = {
  kind: 'VPCDHCPOptionsAssociation',
  name: CLUSTER,
  desired: { vpcId: vpcRef, dhcpOptionsId: ref('DHCPOptions', CLUSTER) },
};

async function vpcDhcp(stack: Stack): Promise<string | undefined> {
  const out = await stack.ctx.clients.ec2.send(new DescribeVpcsCommand({ VpcIds: [stack.id(`VPC/${CLUSTER}`)] }));
  return out.Vpcs?.[0]?.DhcpOptionsId;
}

async function network(): Promise<Stack> {
  const stack = new Stack(awsTestContext());
  await stack.add(vpcKind, [vpcTask()]);
  await stack.add(dhcpOptionsKind, [dhcpTask()]);
  return stack;
}

describe('VPCDHCPOptionsAssociation', () => {
  it('associates the options set with the VPC and is idempotent', async () => {
    const stack = await network();
    const { outputs } = await expectIdempotent(stack.ctx, vpcDhcpOptionsAssociationKind, [task], stack.refs);
    expect(await vpcDhcp(stack)).toBe(stack.id(`DHCPOptions/${CLUSTER}`));
    expect(outputs[`VPCDHCPOptionsAssociation/${CLUSTER}`]?.dhcpOptionsId).toBe(stack.id(`DHCPOptions/${CLUSTER}`));
  });

  it('sees the VPC moved to another set behind its back and associates it again, in place', async () => {
    const stack = await network();
    await stack.add(vpcDhcpOptionsAssociationKind, [task]);
    await stack.ctx.clients.ec2.send(new AssociateDhcpOptionsCommand({ VpcId: stack.id(`VPC/${CLUSTER}`), DhcpOptionsId: 'default' }));

    const plan = await planKind(nextRun(stack.ctx), vpcDhcpOptionsAssociationKind, [task], stack.refs);
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => [f.field, f.before])).toEqual([['dhcpOptionsId', 'default']]);
    await expectIdempotent(nextRun(stack.ctx), vpcDhcpOptionsAssociationKind, [task], stack.refs);
    expect(await vpcDhcp(stack)).toBe(stack.id(`DHCPOptions/${CLUSTER}`));
  });

  it('plans a create, with the set unknown, before the VPC exists', async () => {
    const ctx = awsTestContext();
    const plan = await planKind(ctx, vpcDhcpOptionsAssociationKind, [task]);
    expect(plan[0]?.action).toBe('create');
    expect(plan[0]?.fields.map((f) => f.after)).toEqual([UNKNOWN, UNKNOWN]);
  });

  it('reads the VPC listing that the VPC kind reads: one DescribeVpcs per run between them', async () => {
    const stack = await network();
    await stack.add(vpcDhcpOptionsAssociationKind, [task]);
    const run = nextRun(stack.ctx);
    const counter = stack.ctx.aws.counter;
    counter.reset();
    const [vpcs, assocs] = await Promise.all([vpcKind.find(run, [vpcTask()]), vpcDhcpOptionsAssociationKind.find(run, [task])]);
    expect(vpcs.size).toBe(1);
    expect(assocs.get(CLUSTER)?.dhcpOptionsId).toBe(stack.id(`DHCPOptions/${CLUSTER}`));
    expect(counter.counts.get('ec2:DescribeVpcsCommand')).toBe(1);
  });

  it('delete gives the VPC AWS\'s default set', async () => {
    const stack = await network();
    await stack.add(vpcDhcpOptionsAssociationKind, [task]);
    const actual = (await vpcDhcpOptionsAssociationKind.find(nextRun(stack.ctx), [task])).get(CLUSTER);
    if (!actual) throw new Error('not found');
    await vpcDhcpOptionsAssociationKind.delete?.(stack.ctx, actual);
    expect(await vpcDhcp(stack)).toBe('default');
  });
});
