/**
 * `Router`: a Cloud Router of the cluster's network with the Cloud NAT of its private subnets
 * (kops's gcetasks Router: one NAT named like the router, `natIpAllocateOption: AUTO_ONLY`,
 * `sourceSubnetworkIpRangesToNat: LIST_OF_SUBNETWORKS`, each listed subnetwork with
 * `ALL_IP_RANGES`). Routers take no labels: found by their exact name, one list per region. The
 * network forces replacement (GCE cannot move a router); the NAT is patched in place (kops refuses
 * any change; kops-ts patches, so a subnet added to the cluster gets its NAT). Other NATs on the
 * router (someone else's) are kept as found by a patch.
 *
 * Orphans: only the one name the model gives this cluster's router (`nat-<safe cluster>`, cut as
 * `clusterSuffixedName` cuts it) in the cluster's region; kops matches any router whose name ends
 * with the cluster name, which also matches `nat-<other>-<cluster>` of another cluster.
 *
 * Compute methods: routers.list (filter by name), insert, get, patch, delete.
 */
import { routerName } from '../../model/gce/names.js';
import type { TaskKind } from '../types.js';
import { done, drain, groupBy, ignoreGone, lastSegment, LIST_OPTS, nameFilter, relLink } from './common.js';
import type { GceTaskContext } from './context.js';
import { desiredNetworkName, networkNotOurs, notOursRefusal } from './owned-names.js';
import type { NotOurs } from '../types.js';
import type { GceRouterDesired } from './types.js';

/** kops's `subnetNatAllIPRanges`: every range of a listed subnetwork is NATed. */
export const NAT_ALL_IP_RANGES = 'ALL_IP_RANGES';

interface ApiNatSubnetwork {
  name?: string | null;
  sourceIpRangesToNat?: string[] | null;
  secondaryIpRangeNames?: string[] | null;
}

interface ApiNat {
  name?: string | null;
  natIpAllocateOption?: string | null;
  sourceSubnetworkIpRangesToNat?: string | null;
  subnetworks?: ApiNatSubnetwork[] | null;
  [field: string]: unknown;
}

interface ApiRouter {
  id?: unknown;
  name?: string | null;
  selfLink?: string | null;
  region?: string | null;
  network?: string | null;
  nats?: ApiNat[] | null;
}

export interface GceRouterNatActual {
  readonly name: string;
  readonly natIpAllocateOption: string;
  readonly sourceSubnetworkIpRangesToNat: string;
  /**
   * Project-relative subnetwork links; one whose ranges are not `ALL_IP_RANGES` is shown with
   * them (`projects/p/regions/r/subnetworks/s (PRIMARY_IP_RANGE)`), so it differs and is patched.
   */
  readonly subnetworks: readonly string[];
}

export interface GceRouterActual {
  readonly id: string;
  readonly name: string;
  readonly selfLink: string;
  readonly region: string;
  readonly network: string;
  /** The NAT named like the router (absent: the router has none of that name). */
  readonly nat?: GceRouterNatActual;
  /** The router's other NATs, as read: a patch keeps them. */
  readonly otherNats: readonly ApiNat[];
  /** Set by `find` when the router with the task's name is on another network (never adopted). */
  readonly notOurs?: NotOurs;
}

function natSubnetwork(s: ApiNatSubnetwork): string {
  const ranges = s.sourceIpRangesToNat ?? [];
  const link = relLink(s.name);
  return ranges.length === 1 && ranges[0] === NAT_ALL_IP_RANGES ? link : `${link} (${[...ranges, ...(s.secondaryIpRangeNames ?? [])].join(',')})`;
}

function toActual(r: ApiRouter): GceRouterActual {
  const name = r.name ?? '';
  const nats = r.nats ?? [];
  const nat = nats.find((n) => n.name === name);
  return {
    id: String(r.id ?? ''),
    name,
    selfLink: r.selfLink ?? '',
    region: lastSegment(r.region),
    network: relLink(r.network),
    ...(nat
      ? {
          nat: {
            name,
            natIpAllocateOption: nat.natIpAllocateOption ?? '',
            sourceSubnetworkIpRangesToNat: nat.sourceSubnetworkIpRangesToNat ?? '',
            subnetworks: (nat.subnetworks ?? []).map(natSubnetwork).sort(),
          },
        }
      : {}),
    otherNats: nats.filter((n) => n !== nat),
  };
}

async function get(ctx: GceTaskContext, region: string, name: string): Promise<GceRouterActual> {
  const [r] = await ctx.clients.routers.get({ project: ctx.project, region, router: name });
  return toActual(r as ApiRouter);
}

export const routerKind: TaskKind<GceRouterDesired, GceRouterActual, GceTaskContext> = {
  kind: 'Router',
  fields: {
    network: { mode: 'replace' },
    natName: {},
    natIpAllocateOption: {},
    sourceSubnetworkIpRangesToNat: {},
    natSubnetworks: { compare: 'set' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, GceRouterActual>();
    await Promise.all(
      [...groupBy(tasks, (t) => t.desired.region)].map(async ([region, ts]) => {
        const list = await drain(ctx.clients.routers.listAsync({ project: ctx.project, region, filter: nameFilter(ts.map((t) => t.desired.name)) }, LIST_OPTS));
        for (const t of ts) {
          const r = list.find((x) => x.name === t.desired.name);
          if (!r) continue;
          const a = toActual(r as ApiRouter);
          const why = networkNotOurs(a.network, desiredNetworkName(t.desired.network));
          const todo = `delete that router if it is stale (gcloud compute routers delete ${a.name} --region ${a.region}), or rename the cluster, then re-run`;
          found.set(t.name, why ? { ...a, notOurs: notOursRefusal(ctx, `Router ${a.region}/${a.name} (id ${a.id})`, why, todo) } : a);
        }
      }),
    );
    return found;
  },

  notOurs: (a) => a.notOurs,

  view: (d, refs) => {
    const link = (v: GceRouterDesired['network']) => {
      const r = refs.resolve(v);
      return typeof r === 'string' ? relLink(r) : r;
    };
    return {
      network: link(d.network),
      natName: d.nat.name,
      natIpAllocateOption: d.nat.natIpAllocateOption,
      sourceSubnetworkIpRangesToNat: d.nat.sourceSubnetworkIpRangesToNat,
      natSubnetworks: d.nat.subnetworks.map(link),
    };
  },
  actualView: (a) => ({
    network: a.network,
    natName: a.nat?.name,
    natIpAllocateOption: a.nat?.natIpAllocateOption,
    sourceSubnetworkIpRangesToNat: a.nat?.sourceSubnetworkIpRangesToNat,
    natSubnetworks: a.nat?.subnetworks ?? [],
  }),

  async apply(ctx, req) {
    const d = req.desired;
    const a = req.actual;
    const nat = {
      name: d.nat.name,
      natIpAllocateOption: d.nat.natIpAllocateOption,
      sourceSubnetworkIpRangesToNat: d.nat.sourceSubnetworkIpRangesToNat,
      subnetworks: d.nat.subnetworks.map((s) => ({ name: req.refs.known(s), sourceIpRangesToNat: [NAT_ALL_IP_RANGES] })),
    };
    if (!a || req.action !== 'update') {
      await done(ctx, ctx.clients.routers.insert({ project: ctx.project, region: d.region, routerResource: { name: d.name, network: req.refs.known(d.network), nats: [nat] } }), req.signal);
      return get(ctx, d.region, d.name);
    }
    // A patch replaces the list of NATs (JSON merge patch): the others go back as read.
    await done(ctx, ctx.clients.routers.patch({ project: ctx.project, region: a.region, router: a.name, routerResource: { nats: [...a.otherNats, nat] } }), req.signal);
    return get(ctx, a.region, a.name);
  },

  outputs: (a) => ({ id: a.id, name: a.name, selfLink: a.selfLink }),

  async delete(ctx, a, opts) {
    await ignoreGone(() => done(ctx, ctx.clients.routers.delete({ project: ctx.project, region: a.region, router: a.name }), opts?.signal));
  },

  async findOrphans(ctx, tasks) {
    const name = routerName(ctx.clusterName);
    if (tasks.some((t) => t.desired.name === name && t.desired.region === ctx.region)) return [];
    const listed = await drain(ctx.clients.routers.listAsync({ project: ctx.project, region: ctx.region, filter: nameFilter([name]) }, LIST_OPTS));
    return listed.filter((r) => r.name === name).map((r) => ({ name, actual: toActual(r as ApiRouter) }));
  },
};
