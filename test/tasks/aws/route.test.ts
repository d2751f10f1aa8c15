import { DeleteRouteCommand, DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { natGatewayKind } from '../../../src/tasks/aws/nat-gateway.js';
import { routeKind, routeTaskName, type RouteDesired } from '../../../src/tasks/aws/route.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, expectIdempotent, nextRun, planKind } from './harness.js';
import { CLUSTER, Stack, baseNetwork, clusterTags, eipTask, elasticIpKind, routeTableKind, routeTableTask, subnetTask } from './network-fixtures.js';

const PUBLIC_RT = ref('RouteTable', CLUSTER);
const PRIVATE_RT = ref('RouteTable', `private-us-east-1a.${CLUSTER}`);
const IGW = ref('InternetGateway', CLUSTER);

function route(name: string, desired: RouteDesired): Task<RouteDesired> {
  return { kind: 'Route', name, desired };
}
const DEFAULT = route('0.0.0.0/0', { routeTableId: PUBLIC_RT, cidr: '0.0.0.0/0', internetGatewayId: IGW });
const DEFAULT6 = route('::/0', { routeTableId: PUBLIC_RT, cidr: '::/0', internetGatewayId: IGW });
const PRIVATE = route('private-us-east-1a-0.0.0.0/0', { routeTableId: PRIVATE_RT, cidr: '0.0.0.0/0', natGatewayId: ref('NatGateway', `us-east-1a.${CLUSTER}`) });

/** VPC, IGW, a utility subnet, the public and a private table, an EIP and a NAT gateway. */
async function network(): Promise<Stack> {
  const stack = await baseNetwork(awsTestContext(), [subnetTask('us-east-1a', 'Utility', '172.20.0.0/22')]);
  await stack.add(routeTableKind, [routeTableTask(), routeTableTask('us-east-1a')]);
  await stack.add(elasticIpKind, [eipTask('us-east-1a')]);
  const name = `us-east-1a.${CLUSTER}`;
  await stack.add(natGatewayKind, [
    { kind: 'NatGateway', name, desired: { subnetId: ref('Subnet', `utility-${name}`), allocationId: ref('ElasticIP', name), tags: clusterTags(name) } },
  ]);
  return stack;
}

async function routesOf(stack: Stack, table: string) {
  const out = await stack.ctx.clients.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [stack.id(`RouteTable/${table}`)] }));
  return out.RouteTables?.[0]?.Routes ?? [];
}

describe('Route', () => {
  it('names routes as kops does', () => {
    expect(routeTaskName('0.0.0.0/0')).toBe('0.0.0.0/0');
    expect(routeTaskName('0.0.0.0/0', 'us-east-1a')).toBe('private-us-east-1a-0.0.0.0/0');
  });

  it('creates the default routes (IPv4 and IPv6 to the gateway, private to the NAT gateway) and is idempotent', async () => {
    const stack = await network();
    await expectIdempotent(stack.ctx, routeKind, [DEFAULT, DEFAULT6, PRIVATE], stack.refs);
    const pub = await routesOf(stack, CLUSTER);
    expect(pub.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')?.GatewayId).toBe(stack.id(`InternetGateway/${CLUSTER}`));
    expect(pub.find((r) => r.DestinationIpv6CidrBlock === '::/0')?.GatewayId).toBe(stack.id(`InternetGateway/${CLUSTER}`));
    const priv = await routesOf(stack, `private-us-east-1a.${CLUSTER}`);
    expect(priv.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')?.NatGatewayId).toBe(stack.id(`NatGateway/us-east-1a.${CLUSTER}`));
  });

  it('plans a route deleted behind its back as a create, and puts it back', async () => {
    const stack = await network();
    await stack.add(routeKind, [DEFAULT, PRIVATE]);
    await stack.ctx.clients.ec2.send(new DeleteRouteCommand({ RouteTableId: stack.id(`RouteTable/${CLUSTER}`), DestinationCidrBlock: '0.0.0.0/0' }));

    const plan = await planKind(nextRun(stack.ctx), routeKind, [DEFAULT, PRIVATE], stack.refs);
    expect(plan.map((c) => c.action)).toEqual(['create', 'noop']);
    await expectIdempotent(nextRun(stack.ctx), routeKind, [DEFAULT, PRIVATE], stack.refs);
    expect((await routesOf(stack, CLUSTER)).some((r) => r.DestinationCidrBlock === '0.0.0.0/0')).toBe(true);
  });

  it('changes the target in place (ReplaceRoute)', async () => {
    const stack = await network();
    await stack.add(routeKind, [PRIVATE]);
    const viaIgw = route(PRIVATE.name, { routeTableId: PRIVATE_RT, cidr: '0.0.0.0/0', internetGatewayId: IGW });
    const plan = await planKind(nextRun(stack.ctx), routeKind, [viaIgw], stack.refs);
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => [f.field, f.before, f.after])).toEqual([
      ['target', stack.id(`NatGateway/us-east-1a.${CLUSTER}`), stack.id(`InternetGateway/${CLUSTER}`)],
    ]);
    stack.ctx.aws.counter.reset();
    await expectIdempotent(nextRun(stack.ctx), routeKind, [viaIgw], stack.refs);
    expect(stack.ctx.aws.counter.counts.get('ec2:ReplaceRouteCommand')).toBe(1);
    expect(stack.ctx.aws.counter.counts.get('ec2:CreateRouteCommand')).toBeUndefined();
    const r = (await routesOf(stack, `private-us-east-1a.${CLUSTER}`)).find((x) => x.DestinationCidrBlock === '0.0.0.0/0');
    expect(r?.GatewayId).toBe(stack.id(`InternetGateway/${CLUSTER}`));
    expect(r?.NatGatewayId).toBeUndefined();
  });

  it('keys a route by table and destination: the same destination in another table is another route', async () => {
    const stack = await network();
    await stack.add(routeKind, [DEFAULT]);
    const plan = await planKind(nextRun(stack.ctx), routeKind, [route('0.0.0.0/0', { ...DEFAULT.desired, routeTableId: PRIVATE_RT })], stack.refs);
    expect(plan[0]?.action).toBe('create');
    const same = await planKind(nextRun(stack.ctx), routeKind, [DEFAULT], stack.refs);
    expect(same[0]?.action).toBe('noop');
  });

  it('repairs a blackhole route (its target deleted): the found state never equals a desired target', () => {
    const view = routeKind.actualView({ routeTableId: 'rtb-1', cidr: '0.0.0.0/0', target: 'nat-1', state: 'blackhole' });
    expect(view.target).toBe('nat-1 (blackhole)');
    expect(routeKind.actualView({ routeTableId: 'rtb-1', cidr: '0.0.0.0/0', target: 'nat-1', state: 'active' }).target).toBe('nat-1');
  });

  it('refuses a route without exactly one target', async () => {
    const stack = await network();
    const two = route('x', { routeTableId: PUBLIC_RT, cidr: '10.9.0.0/16', internetGatewayId: IGW, natGatewayId: ref('NatGateway', `us-east-1a.${CLUSTER}`) });
    const p = routeKind.apply(stack.ctx, { action: 'create', name: 'x', desired: two.desired, fields: [], refs: stack.refs });
    await expect(p).rejects.toSatisfy((e) => KopsError.is(e, 'InvalidRoute'));
    await expect(p).rejects.toThrow(/internetGatewayId, natGatewayId/);
  });

  it('finds routes in the route-table listing it shares with RouteTable: one call, whatever the number of tasks', async () => {
    const stack = await network();
    const tasks = [DEFAULT, DEFAULT6, PRIVATE];
    await stack.add(routeKind, tasks);
    for (const ts of [tasks.slice(0, 1), tasks]) {
      const run = nextRun(stack.ctx);
      stack.ctx.aws.counter.reset();
      const [tables, routes] = await Promise.all([routeTableKind.find(run, [routeTableTask()]), routeKind.find(run, ts)]);
      expect(tables.size).toBe(1);
      expect(routes.size).toBe(ts.length);
      expect(stack.ctx.aws.counter.total()).toBe(1);
    }
  });

  it('deletes a route; deleting it again is success', async () => {
    const stack = await network();
    await stack.add(routeKind, [DEFAULT]);
    const actual = (await routeKind.find(nextRun(stack.ctx), [DEFAULT])).get(DEFAULT.name);
    if (!actual) throw new Error('not found');
    await routeKind.delete?.(stack.ctx, actual);
    await routeKind.delete?.(stack.ctx, actual);
    expect((await routeKind.find(nextRun(stack.ctx), [DEFAULT])).size).toBe(0);
  });
});
