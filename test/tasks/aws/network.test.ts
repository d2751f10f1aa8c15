/**
 * The network kinds together, as kops's network model builder uses them for a private-topology
 * cluster in two zones: built in dependency order, re-planned with no change, found with a fixed
 * number of calls, and torn down in reverse order.
 */
import { DescribeAddressesCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { dhcpDomainName } from '../../../src/tasks/aws/dhcp-options.js';
import { natGatewayKind } from '../../../src/tasks/aws/nat-gateway.js';
import { routeTableAssociationKind } from '../../../src/tasks/aws/route-table-association.js';
import { routeKind, routeTaskName } from '../../../src/tasks/aws/route.js';
import { vpcDhcpOptionsAssociationKind } from '../../../src/tasks/aws/vpc-dhcp-options-association.js';
import { diffTask } from '../../../src/tasks/diff.js';
import { ref, type Task, type TaskKind } from '../../../src/tasks/types.js';
import type { AwsTaskContext } from '../../../src/tasks/aws/context.js';
import { awsTestContext, nextRun } from './harness.js';
import {
  CLUSTER,
  Stack,
  clusterTags,
  dhcpOptionsKind,
  dhcpTask,
  eipTask,
  elasticIpKind,
  igwTask,
  internetGatewayKind,
  routeTableKind,
  routeTableTask,
  subnetKind,
  subnetTask,
  vpcKind,
  vpcRef,
  vpcTask,
} from './network-fixtures.js';

const ZONES = ['us-east-1a', 'us-east-1b'];

interface Step<D = unknown, A = unknown> {
  readonly kind: TaskKind<D, A, AwsTaskContext>;
  readonly tasks: readonly Task<D>[];
}
function step<D, A>(kind: TaskKind<D, A, AwsTaskContext>, tasks: readonly Task<D>[]): Step {
  return { kind, tasks } as unknown as Step;
}

/** The tasks of kops's private topology, in dependency order. */
function privateTopology(): Step[] {
  const zoneName = (z: string) => `${z}.${CLUSTER}`;
  return [
    step(vpcKind, [vpcTask()]),
    step(dhcpOptionsKind, [dhcpTask(dhcpDomainName('us-east-1'))]),
    step(vpcDhcpOptionsAssociationKind, [{ kind: 'VPCDHCPOptionsAssociation', name: CLUSTER, desired: { vpcId: vpcRef, dhcpOptionsId: ref('DHCPOptions', CLUSTER) } }]),
    step(internetGatewayKind, [igwTask()]),
    step(subnetKind, ZONES.flatMap((z, i) => [subnetTask(z, 'Private', `172.20.${32 * (i + 1)}.0/19`), subnetTask(z, 'Utility', `172.20.${4 * i}.0/22`)])),
    step(routeTableKind, [routeTableTask(), ...ZONES.map((z) => routeTableTask(z))]),
    step(
      routeTableAssociationKind,
      ZONES.flatMap((z) => [
        { kind: 'RouteTableAssociation', name: `private-${zoneName(z)}`, desired: { routeTableId: ref('RouteTable', `private-${zoneName(z)}`), subnetId: ref('Subnet', zoneName(z)) } },
        { kind: 'RouteTableAssociation', name: `utility-${zoneName(z)}`, desired: { routeTableId: ref('RouteTable', CLUSTER), subnetId: ref('Subnet', `utility-${zoneName(z)}`) } },
      ]),
    ),
    step(elasticIpKind, ZONES.map((z) => eipTask(z))),
    step(
      natGatewayKind,
      ZONES.map((z) => ({
        kind: 'NatGateway',
        name: zoneName(z),
        desired: { subnetId: ref('Subnet', `utility-${zoneName(z)}`), allocationId: ref('ElasticIP', zoneName(z)), tags: clusterTags(zoneName(z)) },
      })),
    ),
    step(routeKind, [
      { kind: 'Route', name: routeTaskName('0.0.0.0/0'), desired: { routeTableId: ref('RouteTable', CLUSTER), cidr: '0.0.0.0/0', internetGatewayId: ref('InternetGateway', CLUSTER) } },
      ...ZONES.map((z) => ({
        kind: 'Route',
        name: routeTaskName('0.0.0.0/0', z),
        desired: { routeTableId: ref('RouteTable', `private-${zoneName(z)}`), cidr: '0.0.0.0/0', natGatewayId: ref('NatGateway', zoneName(z)) },
      })),
    ]),
  ];
}

async function build(): Promise<Stack> {
  const stack = new Stack(awsTestContext());
  for (const s of privateTopology()) await stack.add(s.kind, s.tasks);
  return stack;
}

describe('the network kinds together', () => {
  it('build a private topology, re-plan it without changes, and find it with one call per listing', async () => {
    const stack = await build();
    const run = nextRun(stack.ctx);
    stack.ctx.aws.counter.reset();
    // Every kind's find at once, as the planner does: the shared listings are read once.
    const found = await Promise.all(privateTopology().map((s) => s.kind.find(run, s.tasks)));
    const changes = privateTopology().flatMap((s, i) => s.tasks.map((t) => diffTask(s.kind, t, found[i]?.get(t.name), stack.refs)));
    expect(changes.filter((c) => c.action !== 'noop').map((c) => `${c.key}: ${c.action}`)).toEqual([]);
    expect(changes).toHaveLength(22);
    expect(Object.fromEntries(stack.ctx.aws.counter.counts)).toEqual({
      'ec2:DescribeVpcsCommand': 1,
      'ec2:DescribeVpcAttributeCommand': 2,
      'ec2:DescribeDhcpOptionsCommand': 1,
      'ec2:DescribeInternetGatewaysCommand': 1,
      'ec2:DescribeSubnetsCommand': 1,
      'ec2:DescribeRouteTablesCommand': 1,
      'ec2:DescribeAddressesCommand': 1,
      'ec2:DescribeNatGatewaysCommand': 1,
    });
  });

  it('tear down in reverse order with each kind\'s delete, leaving nothing of the cluster behind', async () => {
    const stack = await build();
    for (const s of privateTopology().reverse()) {
      const found = await s.kind.find(nextRun(stack.ctx), s.tasks);
      expect(found.size).toBe(s.tasks.length);
      for (const actual of found.values()) await s.kind.delete?.(stack.ctx, actual);
    }
    const run = nextRun(stack.ctx);
    for (const s of privateTopology()) {
      const left = await s.kind.find(run, s.tasks);
      expect([...left.keys()], s.kind.kind).toEqual([]);
    }
    const vpcs = await stack.ctx.clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:KubernetesCluster`, Values: [CLUSTER] }] }));
    expect(vpcs.Vpcs).toEqual([]);
    const eips = await stack.ctx.clients.ec2.send(new DescribeAddressesCommand({}));
    expect(eips.Addresses).toEqual([]);
  });
});
