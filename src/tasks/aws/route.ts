/**
 * `Route`: one destination in a route table, to exactly one target. kops's names: `0.0.0.0/0`
 * (and `::/0`) in the public table to the internet gateway, `private-<zone>-0.0.0.0/0` in a
 * zone's private table to that zone's NAT gateway (see `routeTaskName`).
 *
 * Routes have no id and no tags: a route is found by its natural key, the destination within its
 * table, in the cluster's route-table listing (shared with RouteTable and RouteTableAssociation).
 * A route deleted behind kops-ts's back is simply absent, so it is planned as a create. The table
 * and destination cannot change (replace); a new target is `ReplaceRoute`, in place.
 */
import { CreateRouteCommand, DeleteRouteCommand, ReplaceRouteCommand, type Route, type RouteTable } from '@aws-sdk/client-ec2';
import { KopsError } from '../../diagnostics.js';
import type { RefResolver, TaskKind, Val } from '../types.js';
import type { AwsTaskContext } from './context.js';
import { clusterRouteTables, ignoreGone, indexByName, lookupOf, routeTablesBy, tagsOf } from './network-common.js';

export interface RouteDesired {
  /** `ref('RouteTable', name)`, or a table's id. */
  readonly routeTableId: Val;
  /** The destination: an IPv4 (`0.0.0.0/0`) or IPv6 (`::/0`) CIDR. */
  readonly cidr: string;
  /** Exactly one target. */
  readonly internetGatewayId?: Val;
  readonly natGatewayId?: Val;
  readonly egressOnlyInternetGatewayId?: Val;
  readonly transitGatewayId?: Val;
  readonly instanceId?: Val;
}

export interface RouteActual {
  readonly routeTableId: string;
  readonly cidr: string;
  /** The target's id (`igw-...`, `nat-...`, ...), whatever its type. */
  readonly target: string | undefined;
  /** `active`, or `blackhole` when the target is gone. */
  readonly state: string;
}

const TARGETS = ['internetGatewayId', 'natGatewayId', 'egressOnlyInternetGatewayId', 'transitGatewayId', 'instanceId'] as const;
type TargetField = (typeof TARGETS)[number];

/** kops's route task names: `<cidr>` in the public table, `private-<zone>-<cidr>` in a zone's private one. */
export function routeTaskName(cidr: string, privateZone?: string): string {
  return privateZone === undefined ? cidr : `private-${privateZone}-${cidr}`;
}

function isIpv6(cidr: string): boolean {
  return cidr.includes(':');
}

function targetsOf(d: RouteDesired): { field: TargetField; value: Val }[] {
  return TARGETS.flatMap((field) => {
    const value = d[field];
    return value === undefined ? [] : [{ field, value }];
  });
}

function routeTarget(r: Route): string | undefined {
  return r.NatGatewayId ?? r.TransitGatewayId ?? r.EgressOnlyInternetGatewayId ?? r.InstanceId ?? r.VpcPeeringConnectionId ?? r.GatewayId ?? r.NetworkInterfaceId;
}

function findRoute(rt: RouteTable, cidr: string): Route | undefined {
  return (rt.Routes ?? []).find((r) => (isIpv6(cidr) ? r.DestinationIpv6CidrBlock === cidr : r.DestinationCidrBlock === cidr));
}

/** The request fields shared by CreateRoute and ReplaceRoute. */
function routeParams(name: string, d: RouteDesired, refs: RefResolver) {
  const targets = targetsOf(d);
  const only = targets[0];
  if (targets.length !== 1 || only === undefined) {
    throw new KopsError('InvalidRoute', `route ${name} needs exactly one target, has ${targets.length === 0 ? 'none' : targets.map((t) => t.field).join(', ')}`, {
      hint: 'set one of internetGatewayId, natGatewayId, egressOnlyInternetGatewayId, transitGatewayId or instanceId (a model-builder bug)',
    });
  }
  const destination = isIpv6(d.cidr) ? { DestinationIpv6CidrBlock: d.cidr } : { DestinationCidrBlock: d.cidr };
  const id = refs.known(only.value);
  const target = {
    internetGatewayId: { GatewayId: id },
    natGatewayId: { NatGatewayId: id },
    egressOnlyInternetGatewayId: { EgressOnlyInternetGatewayId: id },
    transitGatewayId: { TransitGatewayId: id },
    instanceId: { InstanceId: id },
  }[only.field];
  return { RouteTableId: refs.known(d.routeTableId), ...destination, ...target, targetId: id };
}

export const routeKind: TaskKind<RouteDesired, RouteActual, AwsTaskContext> = {
  kind: 'Route',
  fields: {
    routeTableId: { mode: 'replace' },
    cidr: { mode: 'replace' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, RouteActual>();
    if (tasks.length === 0) return found;
    const tables = await clusterRouteTables(ctx);
    const byName = indexByName('RouteTable', tables, (r) => r.RouteTableId ?? '', tagsOf);
    const lookups = tasks.map((t) => ({ task: t, table: lookupOf(t.desired.routeTableId) }));
    // Tables given by id that the cluster does not own (the user's): one more call for all of them.
    const foreign = [...new Set(lookups.flatMap((l) => (l.table.id !== undefined && !tables.some((x) => x.RouteTableId === l.table.id) ? [l.table.id] : [])))];
    const more = await routeTablesBy(ctx, 'route-table-id', foreign);
    for (const { task, table } of lookups) {
      const rt = table.id !== undefined ? [...tables, ...more].find((x) => x.RouteTableId === table.id) : byName.get(table.name);
      const r = rt === undefined ? undefined : findRoute(rt, task.desired.cidr);
      if (rt?.RouteTableId && r) {
        found.set(task.name, { routeTableId: rt.RouteTableId, cidr: task.desired.cidr, target: routeTarget(r), state: r.State ?? 'active' });
      }
    }
    return found;
  },

  view: (d, refs) => {
    const t = targetsOf(d)[0];
    return { routeTableId: refs.resolve(d.routeTableId), cidr: d.cidr, target: t === undefined ? undefined : refs.resolve(t.value) };
  },

  /** A blackhole route (its target deleted) never equals a desired target, so it is repaired. */
  actualView: (a) => ({ routeTableId: a.routeTableId, cidr: a.cidr, target: a.state === 'blackhole' ? `${a.target ?? ''} (blackhole)` : a.target }),

  async apply(ctx, req) {
    const { targetId, ...params } = routeParams(req.name, req.desired, req.refs);
    if (req.actual === undefined) {
      await ctx.clients.ec2.send(new CreateRouteCommand(params));
    } else {
      await ctx.clients.ec2.send(new ReplaceRouteCommand(params));
    }
    return { routeTableId: params.RouteTableId, cidr: req.desired.cidr, target: targetId, state: 'active' };
  },

  outputs: (a) => ({ id: `${a.routeTableId}:${a.cidr}` }),

  async delete(ctx, a) {
    const destination = isIpv6(a.cidr) ? { DestinationIpv6CidrBlock: a.cidr } : { DestinationCidrBlock: a.cidr };
    await ignoreGone(
      () => ctx.clients.ec2.send(new DeleteRouteCommand({ RouteTableId: a.routeTableId, ...destination })),
      ['InvalidRoute.NotFound', 'InvalidRouteTableID.NotFound'],
    );
  },
};
