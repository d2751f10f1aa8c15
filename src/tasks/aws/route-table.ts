/**
 * `RouteTable`: the public table (`RouteTable/<cluster>`) and, in private topology, one table per
 * zone (`RouteTable/private-<zone>.<cluster>`). kops marks which is which with the tag
 * `kubernetes.io/kops/role` = `public` or `private-<zone>` (see `routeTableRoleTags`). Routes and
 * associations are kinds of their own, read from the same listing (`clusterRouteTables`).
 */
import { CreateRouteTableCommand, DeleteRouteTableCommand, DisassociateRouteTableCommand, type RouteTable } from '@aws-sdk/client-ec2';
import type { TaskKind, Val } from '../types.js';
import { tagSpec, type AwsTaskContext, type Tags } from './context.js';
import {
  clusterRouteTables,
  ensureTags,
  ignoreGone,
  indexByName,
  partitionShared,
  routeTablesBy,
  sharedNotFound,
  sharedReadOnly,
  tagsOf,
} from './network-common.js';

export interface RouteTableDesired {
  /** `ref('VPC', <cluster>)`, or the shared VPC's id. */
  readonly vpcId: Val;
  /** The user's table (shared only). */
  readonly id?: string;
  /** Complete tags, including `routeTableRoleTags(...)`. */
  readonly tags?: Tags;
}

export interface RouteTableActual {
  readonly id: string;
  readonly vpcId: string;
  readonly tags: Tags;
  /** Subnet association ids (not the VPC's main association): deleting the table removes them first. */
  readonly associationIds: readonly string[];
  readonly shared: boolean;
}

export const TAG_KOPS_ROLE = 'kubernetes.io/kops/role';

/** `public` for the public table, `private-<zone>` for a zone's private table. */
export function routeTableRoleTags(zone?: string): Tags {
  return { [TAG_KOPS_ROLE]: zone === undefined ? 'public' : `private-${zone}` };
}

/** kops's task name of a zone's private route table. */
export function privateRouteTableName(zone: string, clusterName: string): string {
  return `private-${zone}.${clusterName}`;
}

export function toRouteTableActual(rt: RouteTable, shared: boolean): RouteTableActual {
  return {
    id: rt.RouteTableId ?? '',
    vpcId: rt.VpcId ?? '',
    tags: tagsOf(rt),
    associationIds: (rt.Associations ?? []).flatMap((a) => (a.Main !== true && a.RouteTableAssociationId ? [a.RouteTableAssociationId] : [])),
    shared,
  };
}

export const routeTableKind: TaskKind<RouteTableDesired, RouteTableActual, AwsTaskContext> = {
  kind: 'RouteTable',
  fields: {
    vpcId: { mode: 'replace' },
    tags: { compare: 'tags' },
  },

  async find(ctx, tasks) {
    const { owned, sharedIds } = partitionShared('RouteTable', tasks);
    const [mine, theirs] = await Promise.all([owned.length > 0 ? clusterRouteTables(ctx) : [], routeTablesBy(ctx, 'route-table-id', sharedIds)]);
    const byName = indexByName('RouteTable', mine, (r) => r.RouteTableId ?? '', tagsOf);
    const found = new Map<string, RouteTableActual>();
    for (const t of tasks) {
      const rt = t.shared ? theirs.find((x) => x.RouteTableId === t.desired.id) : byName.get(t.name);
      if (rt) found.set(t.name, toRouteTableActual(rt, t.shared === true));
    }
    return found;
  },

  view: (d, refs) => ({ vpcId: refs.resolve(d.vpcId), tags: d.tags }),

  actualView: (a) => ({ vpcId: a.vpcId, tags: a.tags }),

  async apply(ctx, req) {
    const a = req.actual;
    if (req.desired.id !== undefined || a?.shared) {
      throw a ? sharedReadOnly('RouteTable', a.id) : sharedNotFound('RouteTable', req.name, req.desired.id);
    }
    if (a !== undefined) return { ...a, tags: await ensureTags(ctx, a.id, a.tags, req.desired.tags) };
    const out = await ctx.clients.ec2.send(
      new CreateRouteTableCommand({ VpcId: req.refs.known(req.desired.vpcId), TagSpecifications: tagSpec('route-table', req.desired.tags ?? {}) }),
    );
    const created = toRouteTableActual(out.RouteTable ?? {}, false);
    return { ...created, tags: { ...created.tags, ...req.desired.tags } };
  },

  outputs: (a) => ({ id: a.id, vpcId: a.vpcId }),

  /** Removes the table's subnet associations first: AWS refuses to delete an associated table. */
  async delete(ctx, a) {
    if (a.shared) throw sharedReadOnly('RouteTable', a.id);
    for (const id of a.associationIds) {
      await ignoreGone(() => ctx.clients.ec2.send(new DisassociateRouteTableCommand({ AssociationId: id })), ['InvalidAssociationID.NotFound']);
    }
    await ignoreGone(() => ctx.clients.ec2.send(new DeleteRouteTableCommand({ RouteTableId: a.id })), ['InvalidRouteTableID.NotFound']);
  },
};
