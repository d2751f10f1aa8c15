/**
 * update cluster end to end for a private-topology cluster with a bastion in 2 zones: utility
 * subnets, a NAT gateway per zone, private route tables through their zone's NAT, and SSH only
 * through the bastion and its load balancer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DescribeAddressesCommand, DescribeNatGatewaysCommand, DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcsCommand, type Subnet } from '@aws-sdk/client-ec2';
import { DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { bastionLoadBalancerAwsName } from '../../src/model/aws/api.js';
import { applyAndConverge, expectOwned, groupNamesById, ingressLines, ownedFilter, securityGroupsByName, setupCluster, tagMap, type E2ECluster } from './update-helpers.js';

const NAME = 'private.example.com';
const ZONES = ['us-east-1a', 'us-east-1b'];

describe('update cluster: private topology with a bastion', () => {
  let c: E2ECluster;
  let subnets: Subnet[];
  beforeAll(async () => {
    c = await setupCluster({ name: NAME, zones: ZONES, topology: 'private', bastion: true });
    await applyAndConverge(c);
    const ec2 = c.aws.clients.ec2;
    const vpcs = (await ec2.send(new DescribeVpcsCommand({ Filters: ownedFilter(NAME) }))).Vpcs ?? [];
    expect(vpcs).toHaveLength(1);
    subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcs[0]!.VpcId!] }] }))).Subnets ?? [];
  }, 120_000);

  it('creates a private and a utility subnet per zone', () => {
    const got = subnets.map((s) => `${s.AvailabilityZone} ${tagMap(s.Tags)['SubnetType']}`).sort();
    expect(got).toEqual(['us-east-1a Private', 'us-east-1a Utility', 'us-east-1b Private', 'us-east-1b Utility']);
    for (const s of subnets) expectOwned(s.Tags, NAME, `subnet ${s.CidrBlock}`);
  });

  it('creates a NAT gateway with an elastic IP in each zone\u2019s utility subnet', async () => {
    const ec2 = c.aws.clients.ec2;
    const nats = ((await ec2.send(new DescribeNatGatewaysCommand({ Filter: ownedFilter(NAME) }))).NatGateways ?? []).filter((n) => n.State !== 'deleted');
    expect(nats).toHaveLength(2);
    const eips = (await ec2.send(new DescribeAddressesCommand({ Filters: ownedFilter(NAME) }))).Addresses ?? [];
    expect(eips).toHaveLength(2);
    const utilityByZone = new Map(subnets.filter((s) => tagMap(s.Tags)['SubnetType'] === 'Utility').map((s) => [s.AvailabilityZone, s.SubnetId]));
    const natZones = nats.map((n) => subnets.find((s) => s.SubnetId === n.SubnetId)?.AvailabilityZone).sort();
    expect(natZones).toEqual(ZONES);
    for (const n of nats) {
      const zone = subnets.find((s) => s.SubnetId === n.SubnetId)!.AvailabilityZone;
      expect(n.SubnetId).toBe(utilityByZone.get(zone));
      expect(eips.map((e) => e.AllocationId)).toContain(n.NatGatewayAddresses?.[0]?.AllocationId);
    }
    expect(new Set(nats.map((n) => n.NatGatewayAddresses?.[0]?.AllocationId)).size).toBe(2);
  });

  it('routes each private subnet to 0.0.0.0/0 through the NAT gateway of its own zone', async () => {
    const ec2 = c.aws.clients.ec2;
    const nats = ((await ec2.send(new DescribeNatGatewaysCommand({ Filter: ownedFilter(NAME) }))).NatGateways ?? []).filter((n) => n.State !== 'deleted');
    const natZone = new Map(nats.map((n) => [n.NatGatewayId, subnets.find((s) => s.SubnetId === n.SubnetId)?.AvailabilityZone]));
    const rts = (await ec2.send(new DescribeRouteTablesCommand({ Filters: ownedFilter(NAME) }))).RouteTables ?? [];
    const privateTables = rts.filter((t) => tagMap(t.Tags)['kubernetes.io/kops/role']?.startsWith('private-'));
    expect(privateTables.map((t) => tagMap(t.Tags)['Name']).sort()).toEqual(ZONES.map((z) => `private-${z}.${NAME}`));
    for (const t of privateTables) {
      expectOwned(t.Tags, NAME, `route table ${tagMap(t.Tags)['Name']}`);
      const zone = tagMap(t.Tags)['kubernetes.io/kops/role']!.slice('private-'.length);
      const def = t.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
      expect(def?.NatGatewayId, zone).toBeDefined();
      expect(natZone.get(def?.NatGatewayId), zone).toBe(zone);
      const associated = (t.Associations ?? []).map((a) => subnets.find((s) => s.SubnetId === a.SubnetId)).filter((s) => s !== undefined);
      expect(associated.map((s) => `${s.AvailabilityZone} ${tagMap(s.Tags)['SubnetType']}`)).toEqual([`${zone} Private`]);
    }
  });

  it('allows SSH to masters and nodes only from the bastion group, and to the bastion only through its load balancer', async () => {
    const groups = await securityGroupsByName(c);
    const names = groupNamesById(groups);
    const bastion = `bastion.${NAME}`;
    const bastionElb = `bastion-elb.${NAME}`;
    // kops's group names.
    expect([...groups.keys()].sort()).toEqual([`api-elb.${NAME}`, bastionElb, bastion, `masters.${NAME}`, `nodes.${NAME}`]);
    expect(groups.get(bastion)?.Description).toBe('Security group for bastion');
    expect(groups.get(bastionElb)?.Description).toBe('Security group for bastion ELB');
    for (const g of groups.values()) expectOwned(g.Tags, NAME, `security group ${g.GroupName}`);
    // The bastion: SSH and PMTU ICMP from its load balancer's group only.
    expect(ingressLines(groups.get(bastion)!, names)).toEqual([`icmp 3-4 ${bastionElb}`, `tcp 22-22 ${bastionElb}`]);
    // Its load balancer: SSH from sshAccess and the utility subnets, as kops.
    const elb = ingressLines(groups.get(bastionElb)!, names);
    const utility = subnets.filter((s) => tagMap(s.Tags)['SubnetType'] === 'Utility').map((s) => s.CidrBlock!);
    expect(elb).toEqual(expect.arrayContaining(['tcp 22-22 0.0.0.0/0', 'tcp 22-22 ::/0', 'icmp 3-4 0.0.0.0/0', `icmp 3-4 ${bastion}`, ...utility.map((u) => `tcp 22-22 ${u}`)]));
    for (const role of ['masters', 'nodes']) {
      const lines = ingressLines(groups.get(`${role}.${NAME}`)!, names);
      // tcp rules covering 22 come only from the bastion group (and, to masters, the nodes' 1-2379 rule).
      const sshSources = lines
        .filter((l) => l.startsWith('tcp ') && covers(l.split(' ')[1]!, 22))
        .map((l) => l.split(' ')[2]);
      expect(sshSources.filter((s) => s !== `nodes.${NAME}`), role).toEqual([bastion]);
      expect(lines.filter((l) => !/\.example\.com$/.test(l)), role).toEqual([]);
    }
  });

  it('puts the bastion behind a load balancer on 22 in the utility subnets, its group registered with the target group', async () => {
    const elbv2 = c.aws.clients.elbv2;
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    const lb = lbs.find((l) => l.LoadBalancerName === bastionLoadBalancerAwsName(NAME));
    expect(lb?.Scheme).toBe('internet-facing');
    const utility = new Set(subnets.filter((s) => tagMap(s.Tags)['SubnetType'] === 'Utility').map((s) => s.SubnetId));
    expect(lb?.AvailabilityZones?.map((z) => z.SubnetId).every((id) => utility.has(id))).toBe(true);
    expect(lb?.AvailabilityZones).toHaveLength(2);
    const groups = await securityGroupsByName(c);
    expect(lb?.SecurityGroups).toEqual([groups.get(`bastion-elb.${NAME}`)?.GroupId]);
    const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb?.LoadBalancerArn }))).Listeners ?? [];
    expect(listeners.map((l) => `${l.Protocol} ${l.Port}`)).toEqual(['TCP 22']);
    const tg = (await elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [listeners[0]?.DefaultActions?.[0]?.TargetGroupArn ?? ''] }))).TargetGroups?.[0];
    expect([tg?.Protocol, tg?.Port, tg?.TargetGroupName]).toEqual(['TCP', 22, bastionLoadBalancerAwsName(NAME)]);
    const asg = (await c.aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`bastions.${NAME}`] }))).AutoScalingGroups?.[0];
    expect(asg?.TargetGroupARNs).toEqual([tg?.TargetGroupArn]);
  });
});

/** Whether `from-to` covers `port`. */
function covers(range: string, port: number): boolean {
  const [from, to] = range.split('-').map(Number) as [number, number];
  return from <= port && port <= to;
}
