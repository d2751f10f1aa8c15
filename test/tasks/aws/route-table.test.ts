import { AssociateRouteTableCommand, CreateRouteTableCommand, DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { privateRouteTableName, routeTableKind, routeTableRoleTags, type RouteTableDesired } from '../../../src/tasks/aws/route-table.js';
import type { Task } from '../../../src/tasks/types.js';
import { awsTestContext, expectIdempotent, nextRun, planKind } from './harness.js';
import { CLUSTER, baseNetwork, clusterTags, routeTableTask, vpcRef } from './network-fixtures.js';

const PUBLIC = routeTableTask();
const PRIVATE_A = routeTableTask('us-east-1a');

describe('RouteTable', () => {
  it('names and tags tables as kops does', () => {
    expect(routeTableRoleTags()).toEqual({ 'kubernetes.io/kops/role': 'public' });
    expect(routeTableRoleTags('us-east-1a')).toEqual({ 'kubernetes.io/kops/role': 'private-us-east-1a' });
    expect(privateRouteTableName('us-east-1a', CLUSTER)).toBe(`private-us-east-1a.${CLUSTER}`);
  });

  it('creates the public and a private table in the VPC with their role tags and is idempotent', async () => {
    const stack = await baseNetwork(awsTestContext());
    const { outputs } = await expectIdempotent(stack.ctx, routeTableKind, [PUBLIC, PRIVATE_A], stack.refs);
    const ids = [outputs[`RouteTable/${CLUSTER}`]?.id ?? '', outputs[`RouteTable/private-us-east-1a.${CLUSTER}`]?.id ?? ''];
    const tables = (await stack.ctx.clients.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: ids }))).RouteTables ?? [];
    expect(tables.map((t) => t.VpcId)).toEqual([stack.id(`VPC/${CLUSTER}`), stack.id(`VPC/${CLUSTER}`)]);
    const roles = tables.map((t) => t.Tags?.find((x) => x.Key === 'kubernetes.io/kops/role')?.Value).sort();
    expect(roles).toEqual(['private-us-east-1a', 'public']);
  });

  it('updates tags in place', async () => {
    const stack = await baseNetwork(awsTestContext());
    await stack.add(routeTableKind, [PUBLIC]);
    const labelled: Task<RouteTableDesired> = { ...PUBLIC, desired: { vpcId: vpcRef, tags: clusterTags(CLUSTER, { ...routeTableRoleTags(), team: 'infra' }) } };
    const plan = await planKind(nextRun(stack.ctx), routeTableKind, [labelled], stack.refs);
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => f.field)).toEqual(['tags']);
    const { outputs } = await expectIdempotent(nextRun(stack.ctx), routeTableKind, [labelled], stack.refs);
    expect(outputs[`RouteTable/${CLUSTER}`]?.id).toBe(stack.id(`RouteTable/${CLUSTER}`));
  });

  it('deletes a table that still has a subnet association (removing the association first)', async () => {
    const stack = await baseNetwork(awsTestContext());
    await stack.add(routeTableKind, [PUBLIC]);
    const subnetId = stack.id(`Subnet/us-east-1a.${CLUSTER}`);
    await stack.ctx.clients.ec2.send(new AssociateRouteTableCommand({ RouteTableId: stack.id(`RouteTable/${CLUSTER}`), SubnetId: subnetId }));
    const actual = (await routeTableKind.find(nextRun(stack.ctx), [PUBLIC])).get(CLUSTER);
    if (!actual) throw new Error('not found');
    expect(actual.associationIds).toHaveLength(1);
    await routeTableKind.delete?.(stack.ctx, actual);
    await routeTableKind.delete?.(stack.ctx, actual);
    expect((await routeTableKind.find(nextRun(stack.ctx), [PUBLIC])).size).toBe(0);
  });

  it('finds a shared table by id, and refuses to delete it', async () => {
    const stack = await baseNetwork(awsTestContext());
    const created = await stack.ctx.clients.ec2.send(new CreateRouteTableCommand({ VpcId: stack.id(`VPC/${CLUSTER}`) }));
    const id = created.RouteTable?.RouteTableId ?? '';
    const shared: Task<RouteTableDesired> = { kind: 'RouteTable', name: PRIVATE_A.name, shared: true, desired: { id, vpcId: stack.id(`VPC/${CLUSTER}`) } };
    const { outputs } = await expectIdempotent(stack.ctx, routeTableKind, [shared], stack.refs);
    expect(outputs[`RouteTable/${PRIVATE_A.name}`]?.id).toBe(id);
    const actual = (await routeTableKind.find(nextRun(stack.ctx), [shared])).get(shared.name);
    if (!actual) throw new Error('not found');
    await expect(routeTableKind.delete?.(stack.ctx, actual)).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceReadOnly'));
  });

  it('finds every table with one call, whatever the number of tasks', async () => {
    const stack = await baseNetwork(awsTestContext());
    const tasks = [PUBLIC, PRIVATE_A, routeTableTask('us-east-1b'), routeTableTask('us-east-1c')];
    await stack.add(routeTableKind, tasks);
    for (const ts of [tasks.slice(0, 1), tasks]) {
      stack.ctx.aws.counter.reset();
      expect((await routeTableKind.find(nextRun(stack.ctx), ts)).size).toBe(ts.length);
      expect(stack.ctx.aws.counter.total()).toBe(1);
    }
  });
});
