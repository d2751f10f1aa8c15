/**
 * `RouteTableAssociation`: which route table a subnet uses (kops: `RouteTableAssociation/<subnet>.<cluster>`
 * for public and utility subnets, `private-<subnet>.<cluster>` for private ones). Associations have
 * no tags: one is found by its subnet in the cluster's route-table listing (shared with RouteTable
 * and Route), the subnet's id coming from the cluster's subnet listing (shared with Subnet).
 *
 * A subnet associated with a table the cluster does not own (changed by hand) is looked up with one
 * more call for all such subnets, so the plan shows the table change (`ReplaceRouteTableAssociation`,
 * in place) instead of a create that AWS would refuse. An association removed behind kops-ts's back
 * is absent and planned as a create.
 */
import {
  AssociateRouteTableCommand,
  DisassociateRouteTableCommand,
  ReplaceRouteTableAssociationCommand,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import type { TaskKind, Val } from '../types.js';
import type { AwsTaskContext } from './context.js';
import { clusterRouteTables, clusterSubnets, idFromListing, ignoreGone, indexByName, lookupOf, routeTablesBy, tagsOf } from './network-common.js';

export interface RouteTableAssociationDesired {
  /** `ref('RouteTable', name)`, or a table's id. */
  readonly routeTableId: Val;
  /** `ref('Subnet', name)`, or a (shared) subnet's id. */
  readonly subnetId: Val;
}

export interface RouteTableAssociationActual {
  /** The association id (`rtbassoc-...`). */
  readonly id: string;
  readonly routeTableId: string;
  readonly subnetId: string;
}

/** Every subnet association in the given tables, by subnet id. */
function associationsBySubnet(tables: readonly RouteTable[]): Map<string, RouteTableAssociationActual> {
  const out = new Map<string, RouteTableAssociationActual>();
  for (const rt of tables) {
    for (const a of rt.Associations ?? []) {
      const state = a.AssociationState?.State;
      if (a.SubnetId && a.RouteTableAssociationId && rt.RouteTableId && state !== 'disassociated' && state !== 'disassociating') {
        out.set(a.SubnetId, { id: a.RouteTableAssociationId, routeTableId: rt.RouteTableId, subnetId: a.SubnetId });
      }
    }
  }
  return out;
}

export const routeTableAssociationKind: TaskKind<RouteTableAssociationDesired, RouteTableAssociationActual, AwsTaskContext> = {
  kind: 'RouteTableAssociation',
  fields: {
    subnetId: { mode: 'replace' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, RouteTableAssociationActual>();
    if (tasks.length === 0) return found;
    const needSubnets = tasks.some((t) => lookupOf(t.desired.subnetId).name !== undefined);
    const [tables, subnets] = await Promise.all([clusterRouteTables(ctx), needSubnets ? clusterSubnets(ctx) : []]);
    const subnetsByName = indexByName('Subnet', subnets, (s) => s.SubnetId ?? '', tagsOf);
    const subnetIds = new Map(tasks.map((t) => [t.name, idFromListing(t.desired.subnetId, subnetsByName, (s) => s.SubnetId ?? '')]));
    const assoc = associationsBySubnet(tables);
    const elsewhere = [...new Set([...subnetIds.values()].flatMap((id) => (id !== undefined && !assoc.has(id) ? [id] : [])))];
    for (const [k, v] of associationsBySubnet(await routeTablesBy(ctx, 'association.subnet-id', elsewhere))) assoc.set(k, v);
    for (const t of tasks) {
      const subnetId = subnetIds.get(t.name);
      const a = subnetId === undefined ? undefined : assoc.get(subnetId);
      if (a) found.set(t.name, a);
    }
    return found;
  },

  view: (d, refs) => ({ routeTableId: refs.resolve(d.routeTableId), subnetId: refs.resolve(d.subnetId) }),

  actualView: (a) => ({ routeTableId: a.routeTableId, subnetId: a.subnetId }),

  async apply(ctx, req) {
    const routeTableId = req.refs.known(req.desired.routeTableId);
    const subnetId = req.refs.known(req.desired.subnetId);
    if (req.actual !== undefined) {
      const out = await ctx.clients.ec2.send(new ReplaceRouteTableAssociationCommand({ AssociationId: req.actual.id, RouteTableId: routeTableId }));
      return { id: out.NewAssociationId ?? req.actual.id, routeTableId, subnetId };
    }
    const out = await ctx.clients.ec2.send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetId }));
    return { id: out.AssociationId ?? '', routeTableId, subnetId };
  },

  outputs: (a) => ({ id: a.id }),

  /** The subnet falls back to the VPC's main route table. */
  async delete(ctx, a) {
    await ignoreGone(() => ctx.clients.ec2.send(new DisassociateRouteTableCommand({ AssociationId: a.id })), ['InvalidAssociationID.NotFound']);
  },
};
