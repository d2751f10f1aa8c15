import { DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { subnetIpv6Cidr, subnetKind, type SubnetDesired } from '../../../src/tasks/aws/subnet.js';
import { AMAZON_IPV6_TASK_NAME, vpcAmazonIpv6CidrBlockKind } from '../../../src/tasks/aws/vpc-amazon-ipv6-cidr-block.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, expectIdempotent, nextRun, planKind } from './harness.js';
import { CLUSTER, Stack, subnetTask, vpcKind, vpcRef, vpcTask } from './network-fixtures.js';

const BLOCK = ref('VPCAmazonIPv6CIDRBlock', AMAZON_IPV6_TASK_NAME, 'cidr');

function withIpv6(t: Task<SubnetDesired>, ipv6Cidr: string): Task<SubnetDesired> {
  return { ...t, desired: { ...t.desired, ipv6Cidr, vpcIpv6Cidr: BLOCK } };
}

async function network(): Promise<Stack> {
  const stack = new Stack(awsTestContext());
  await stack.add(vpcKind, [vpcTask()]);
  await stack.add(vpcAmazonIpv6CidrBlockKind, [{ kind: 'VPCAmazonIPv6CIDRBlock', name: AMAZON_IPV6_TASK_NAME, desired: { vpcId: vpcRef } }]);
  return stack;
}

describe('Subnet IPv6 ranges (subnets[].ipv6CIDR)', () => {
  it('reads kops\u2019s /64#N as the N-th /64 of the VPC block', () => {
    expect(subnetIpv6Cidr('/64#0', '2600:1f18:abc:de00::/56')).toBe('2600:1f18:abc:de00::/64');
    expect(subnetIpv6Cidr('/64#3', '2600:1f18:abc:de00::/56')).toBe('2600:1f18:abc:de03::/64');
    expect(subnetIpv6Cidr('/64#255', '2600:1f18:abc:de00::/56')).toBe('2600:1f18:abc:deff::/64');
    expect(subnetIpv6Cidr('/64#256', '2600:1f18:abc:de00::/56')).toBeUndefined();
    expect(subnetIpv6Cidr('2600:1f18:abc:de07::/64', undefined)).toBe('2600:1f18:abc:de07::/64');
  });

  it('creates a subnet with its /64 of the VPC block, assigning IPv6 on launch, and is idempotent', async () => {
    const stack = await network();
    const block = stack.outputs[`VPCAmazonIPv6CIDRBlock/${AMAZON_IPV6_TASK_NAME}`]?.cidr ?? '';
    const task = withIpv6(subnetTask('us-east-1a', 'Public', '172.20.32.0/19'), '/64#1');
    const { outputs } = await expectIdempotent(stack.ctx, subnetKind, [task], stack.refs);
    const id = outputs[`Subnet/us-east-1a.${CLUSTER}`]?.id ?? '';
    const s = (await stack.ctx.clients.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets?.[0];
    expect(s?.Ipv6CidrBlockAssociationSet?.map((a) => a.Ipv6CidrBlock)).toEqual([subnetIpv6Cidr('/64#1', block)]);
    expect(s?.AssignIpv6AddressOnCreation).toBe(true);
  });

  it('gives an existing IPv4 subnet its IPv6 range in place, never a new subnet', async () => {
    const stack = await network();
    const plain = subnetTask('us-east-1a', 'Public', '172.20.32.0/19');
    const { outputs } = await expectIdempotent(stack.ctx, subnetKind, [plain], stack.refs);
    const id = outputs[`Subnet/us-east-1a.${CLUSTER}`]?.id;
    const task = withIpv6(plain, '/64#2');
    const plan = await planKind(nextRun(stack.ctx), subnetKind, [task], stack.refs);
    expect(plan.map((c) => [c.action, c.fields.map((f) => f.field)])).toEqual([['update', ['assignIpv6AddressOnCreation', 'ipv6Cidr']]]);
    const again = await expectIdempotent(nextRun(stack.ctx), subnetKind, [task], stack.refs);
    expect(again.outputs[`Subnet/us-east-1a.${CLUSTER}`]?.id).toBe(id);
  });
});
