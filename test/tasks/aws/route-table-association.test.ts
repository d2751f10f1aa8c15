import { CreateRouteTableCommand, DescribeRouteTablesCommand, DisassociateRouteTableCommand, ReplaceRouteTableAssociationCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { routeTableAssociationKind, type RouteTableAssociationDesired } from '../../../src/tasks/aws/route-table-association.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, expectIdempotent, nextRun, planKind } from './harness.js';
import { CLUSTER, Stack, baseNetwork, routeTableKind, routeTableTask, subnetKind, subnetTask } from './network-fixtures.js';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function assoc(zone: string, table = ref('RouteTable', CLUSTER)): Task<RouteTableAssociationDesired> {
  return { kind: 'RouteTableAssociation', name: `${zone}.${CLUSTER}`, desired: { routeTableId: table, subnetId: ref('Subnet', `${zone}.${CLUSTER}`) } };
}

async function network(): Promise<Stack> {
  const stack = await baseNetwork(
    awsTestContext(),
    ZONES.map((z, i) => subnetTask(z, 'Public', `172.20.${32 * (i + 1)}.0/19`)),
  );
  await stack.add(routeTableKind, [routeTableTask(), routeTableTask('us-east-1a')]);
  return stack;
}

/** The table a subnet is explicitly associated with, per AWS. */
async function tableOf(stack: Stack, zone: string): Promise<string | undefined> {
  const subnetId = stack.id(`Subnet/${zone}.${CLUSTER}`);
  const out = await stack.ctx.clients.ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }));
  return out.RouteTables?.[0]?.RouteTableId;
}

describe('RouteTableAssociation', () => {
  it('associates each subnet with its table and is idempotent', async () => {
    const stack = await network();
    const { outputs } = await expectIdempotent(stack.ctx, routeTableAssociationKind, ZONES.map((z) => assoc(z)), stack.refs);
    expect(outputs[`RouteTableAssociation/us-east-1a.${CLUSTER}`]?.id).toMatch(/^rtbassoc-/);
    for (const z of ZONES) expect(await tableOf(stack, z)).toBe(stack.id(`RouteTable/${CLUSTER}`));
  });

  it('plans an association removed behind its back as a create, and restores it', async () => {
    const stack = await network();
    await stack.add(routeTableAssociationKind, [assoc('us-east-1a')]);
    await stack.ctx.clients.ec2.send(new DisassociateRouteTableCommand({ AssociationId: stack.id(`RouteTableAssociation/us-east-1a.${CLUSTER}`) }));

    const plan = await planKind(nextRun(stack.ctx), routeTableAssociationKind, [assoc('us-east-1a')], stack.refs);
    expect(plan[0]?.action).toBe('create');
    await expectIdempotent(nextRun(stack.ctx), routeTableAssociationKind, [assoc('us-east-1a')], stack.refs);
    expect(await tableOf(stack, 'us-east-1a')).toBe(stack.id(`RouteTable/${CLUSTER}`));
  });

  it('moves a subnet to another table in place (ReplaceRouteTableAssociation)', async () => {
    const stack = await network();
    await stack.add(routeTableAssociationKind, [assoc('us-east-1a')]);
    const moved = assoc('us-east-1a', ref('RouteTable', `private-us-east-1a.${CLUSTER}`));
    const plan = await planKind(nextRun(stack.ctx), routeTableAssociationKind, [moved], stack.refs);
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => f.field)).toEqual(['routeTableId']);
    stack.ctx.aws.counter.reset();
    await expectIdempotent(nextRun(stack.ctx), routeTableAssociationKind, [moved], stack.refs);
    expect(stack.ctx.aws.counter.counts.get('ec2:ReplaceRouteTableAssociationCommand')).toBe(1);
    expect(await tableOf(stack, 'us-east-1a')).toBe(stack.id(`RouteTable/private-us-east-1a.${CLUSTER}`));
  });

  it('sees a subnet moved to a table the cluster does not own, and moves it back in place', async () => {
    const stack = await network();
    await stack.add(routeTableAssociationKind, [assoc('us-east-1a')]);
    const ec2 = stack.ctx.clients.ec2;
    const foreign = (await ec2.send(new CreateRouteTableCommand({ VpcId: stack.id(`VPC/${CLUSTER}`) }))).RouteTable?.RouteTableId ?? '';
    await ec2.send(new ReplaceRouteTableAssociationCommand({ AssociationId: stack.id(`RouteTableAssociation/us-east-1a.${CLUSTER}`), RouteTableId: foreign }));

    const plan = await planKind(nextRun(stack.ctx), routeTableAssociationKind, [assoc('us-east-1a')], stack.refs);
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => [f.field, f.before])).toEqual([['routeTableId', foreign]]);
    await expectIdempotent(nextRun(stack.ctx), routeTableAssociationKind, [assoc('us-east-1a')], stack.refs);
    expect(await tableOf(stack, 'us-east-1a')).toBe(stack.id(`RouteTable/${CLUSTER}`));
  });

  it('reads the route-table and subnet listings it shares with RouteTable and Subnet: one call each, whatever the number of tasks', async () => {
    const stack = await network();
    const tasks = ZONES.map((z) => assoc(z));
    await stack.add(routeTableAssociationKind, tasks);
    for (const ts of [tasks.slice(0, 1), tasks]) {
      const run = nextRun(stack.ctx);
      stack.ctx.aws.counter.reset();
      const [, , found] = await Promise.all([
        routeTableKind.find(run, [routeTableTask()]),
        subnetKind.find(run, ZONES.map((z, i) => subnetTask(z, 'Public', `172.20.${32 * (i + 1)}.0/19`))),
        routeTableAssociationKind.find(run, ts),
      ]);
      expect(found.size).toBe(ts.length);
      expect(stack.ctx.aws.counter.total()).toBe(2);
    }
  });

  it('deletes an association; deleting it again is success', async () => {
    const stack = await network();
    await stack.add(routeTableAssociationKind, [assoc('us-east-1a')]);
    const actual = (await routeTableAssociationKind.find(nextRun(stack.ctx), [assoc('us-east-1a')])).get(`us-east-1a.${CLUSTER}`);
    if (!actual) throw new Error('not found');
    await routeTableAssociationKind.delete?.(stack.ctx, actual);
    await routeTableAssociationKind.delete?.(stack.ctx, actual);
    expect(await tableOf(stack, 'us-east-1a')).toBeUndefined();
  });
});
