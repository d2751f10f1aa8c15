/**
 * Shared setup for the `delete cluster` tests: what the cluster still owns in the emulator account
 * (read with the raw SDK, independently of the code under test) and a clock that never sleeps.
 */
import {
  DescribeAddressesCommand,
  DescribeDhcpOptionsCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeKeyPairsCommand,
  DescribeLaunchTemplatesCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListInstanceProfilesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import type { Clock } from '../../src/tasks/retry.js';
import type { TestAws } from '../helpers/aws.js';
import { ownedFilter } from './update-helpers.js';

/**
 * Every resource of the kinds the engine creates that the cluster owns (EC2 by its tag; ASGs by
 * tag; load balancers, target groups and IAM by name, the account being the test's own).
 */
export async function ownedLeft(aws: TestAws, cluster: string): Promise<string[]> {
  const ec2 = aws.clients.ec2;
  const f = ownedFilter(cluster);
  const [vpcs, subnets, sgs, rts, igws, eips, nats, vols, lts, keys, dhcp, instances, asgs, lbs, tgs, roles, profiles] = await Promise.all([
    ec2.send(new DescribeVpcsCommand({ Filters: f })),
    ec2.send(new DescribeSubnetsCommand({ Filters: f })),
    ec2.send(new DescribeSecurityGroupsCommand({ Filters: f })),
    ec2.send(new DescribeRouteTablesCommand({ Filters: f })),
    ec2.send(new DescribeInternetGatewaysCommand({ Filters: f })),
    ec2.send(new DescribeAddressesCommand({ Filters: f })),
    ec2.send(new DescribeNatGatewaysCommand({ Filter: f })),
    ec2.send(new DescribeVolumesCommand({ Filters: f })),
    ec2.send(new DescribeLaunchTemplatesCommand({ Filters: f })),
    ec2.send(new DescribeKeyPairsCommand({})),
    ec2.send(new DescribeDhcpOptionsCommand({ Filters: f })),
    ec2.send(new DescribeInstancesCommand({ Filters: f })),
    aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({})),
    aws.clients.elbv2.send(new DescribeLoadBalancersCommand({})),
    aws.clients.elbv2.send(new DescribeTargetGroupsCommand({})),
    aws.clients.iam.send(new ListRolesCommand({})),
    aws.clients.iam.send(new ListInstanceProfilesCommand({})),
  ]);
  return [
    ...(vpcs.Vpcs ?? []).map((x) => `vpc ${x.VpcId}`),
    ...(subnets.Subnets ?? []).map((x) => `subnet ${x.SubnetId}`),
    ...(sgs.SecurityGroups ?? []).map((x) => `security-group ${x.GroupName}`),
    ...(rts.RouteTables ?? []).map((x) => `route-table ${x.RouteTableId}`),
    ...(igws.InternetGateways ?? []).map((x) => `internet-gateway ${x.InternetGatewayId}`),
    ...(eips.Addresses ?? []).map((x) => `elastic-ip ${x.AllocationId}`),
    ...(nats.NatGateways ?? []).filter((n) => n.State !== 'deleted' && n.State !== 'deleting').map((x) => `nat-gateway ${x.NatGatewayId}`),
    ...(vols.Volumes ?? []).map((x) => `volume ${x.VolumeId}`),
    ...(lts.LaunchTemplates ?? []).map((x) => `launch-template ${x.LaunchTemplateName}`),
    ...(keys.KeyPairs ?? []).filter((k) => k.KeyName?.includes(cluster)).map((x) => `keypair ${x.KeyName}`),
    ...(dhcp.DhcpOptions ?? []).map((x) => `dhcp-options ${x.DhcpOptionsId}`),
    ...(instances.Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name !== 'terminated').map((x) => `instance ${x.InstanceId}`),
    ...(asgs.AutoScalingGroups ?? []).map((x) => `autoscaling-group ${x.AutoScalingGroupName}`),
    ...(lbs.LoadBalancers ?? []).map((x) => `load-balancer ${x.LoadBalancerName}`),
    ...(tgs.TargetGroups ?? []).map((x) => `target-group ${x.TargetGroupName}`),
    ...(roles.Roles ?? []).filter((r) => !r.Path?.startsWith('/aws-service-role/')).map((x) => `iam-role ${x.RoleName}`),
    ...(profiles.InstanceProfiles ?? []).map((x) => `iam-instance-profile ${x.InstanceProfileName}`),
  ].sort();
}

/** A clock whose sleeps only move time forward (tests never wait). */
export function fakeClock(): Clock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: (ms: number) => {
      slept.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}
