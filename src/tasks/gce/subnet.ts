/**
 * `Subnet`: a regional subnetwork of the cluster's network. Its network and primary range force
 * replacement (GCE can only expand a range, and kops recreates); secondary ranges (IP aliases)
 * are patched in place with the subnetwork's fingerprint. Found by exact name, one list per region.
 *
 * Compute methods: subnetworks.list (filter by name), insert, get, patch, delete.
 */
import type { NotOurs, TaskKind } from '../types.js';
import { done, drain, groupBy, ignoreGone, lastSegment, LIST_OPTS, nameFilter, relLink, sharedReadOnly } from './common.js';
import type { GceTaskContext } from './context.js';
import { desiredNetworkName, networkNotOurs, notOursRefusal } from './owned-names.js';
import type { GceSubnetDesired } from './types.js';

export interface GceSubnetActual {
  readonly id: string;
  readonly name: string;
  readonly selfLink: string;
  readonly region: string;
  readonly network: string;
  readonly ipCidrRange: string;
  readonly secondaryRanges: Readonly<Record<string, string>>;
  readonly fingerprint: string;
  readonly shared: boolean;
  /** Set by `find` when the (not shared) subnetwork with the task's name is on another network (never adopted). */
  readonly notOurs?: NotOurs;
}

interface ApiSubnet {
  id?: unknown;
  name?: string | null;
  selfLink?: string | null;
  region?: string | null;
  network?: string | null;
  ipCidrRange?: string | null;
  fingerprint?: string | null;
  secondaryIpRanges?: { rangeName?: string | null; ipCidrRange?: string | null }[] | null;
}

function toActual(s: ApiSubnet, shared: boolean): GceSubnetActual {
  const secondaryRanges: Record<string, string> = {};
  for (const r of s.secondaryIpRanges ?? []) if (r.rangeName) secondaryRanges[r.rangeName] = r.ipCidrRange ?? '';
  return {
    id: String(s.id ?? ''),
    name: s.name ?? '',
    selfLink: s.selfLink ?? '',
    region: lastSegment(s.region),
    network: relLink(s.network),
    ipCidrRange: s.ipCidrRange ?? '',
    secondaryRanges,
    fingerprint: s.fingerprint ?? '',
    shared,
  };
}

const secondary = (r: Readonly<Record<string, string>> | undefined) =>
  Object.entries(r ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([rangeName, ipCidrRange]) => ({ rangeName, ipCidrRange }));

export const subnetKind: TaskKind<GceSubnetDesired, GceSubnetActual, GceTaskContext> = {
  kind: 'Subnet',
  fields: { network: { mode: 'replace' }, ipCidrRange: { mode: 'replace' } },

  async find(ctx, tasks) {
    const found = new Map<string, GceSubnetActual>();
    await Promise.all(
      [...groupBy(tasks, (t) => t.desired.region)].map(async ([region, ts]) => {
        const list = await drain(ctx.clients.subnetworks.listAsync({ project: ctx.project, region, filter: nameFilter(ts.map((t) => t.desired.name)) }, LIST_OPTS));
        for (const t of ts) {
          const s = list.find((x) => x.name === t.desired.name);
          if (!s) continue;
          const a = toActual(s, t.shared === true);
          // A shared subnetwork is the user's by id: found, never owned, never refused.
          const why = t.shared === true ? undefined : networkNotOurs(a.network, desiredNetworkName(t.desired.network));
          const todo = `delete that subnetwork if it is stale (gcloud compute networks subnets delete ${a.name} --region ${a.region}), or rename the subnet in the spec or the cluster, then re-run`;
          found.set(t.name, why ? { ...a, notOurs: notOursRefusal(ctx, `Subnet ${a.region}/${a.name} (id ${a.id})`, why, todo) } : a);
        }
      }),
    );
    return found;
  },

  notOurs: (a) => a.notOurs,

  view: (d, refs) => {
    const network = refs.resolve(d.network);
    return { network: typeof network === 'string' ? relLink(network) : network, ipCidrRange: d.ipCidrRange, secondaryRanges: d.secondaryRanges ?? {} };
  },
  actualView: (a) => ({ network: a.network, ipCidrRange: a.ipCidrRange, secondaryRanges: a.secondaryRanges }),

  async apply(ctx, req) {
    const d = req.desired;
    const a = req.actual;
    if (a?.shared) throw sharedReadOnly('Subnet', d.name);
    if (req.action === 'update' && a) {
      await done(
        ctx,
        ctx.clients.subnetworks.patch({
          project: ctx.project,
          region: d.region,
          subnetwork: d.name,
          subnetworkResource: { secondaryIpRanges: secondary(d.secondaryRanges), fingerprint: a.fingerprint },
        }),
        req.signal,
      );
    } else {
      await done(
        ctx,
        ctx.clients.subnetworks.insert({
          project: ctx.project,
          region: d.region,
          subnetworkResource: { name: d.name, network: req.refs.known(d.network), ipCidrRange: d.ipCidrRange, secondaryIpRanges: secondary(d.secondaryRanges) },
        }),
        req.signal,
      );
    }
    const [s] = await ctx.clients.subnetworks.get({ project: ctx.project, region: d.region, subnetwork: d.name });
    return toActual(s, false);
  },

  outputs: (a) => ({ id: a.id, name: a.name, selfLink: a.selfLink }),

  async delete(ctx, a, opts) {
    if (a.shared) throw sharedReadOnly('Subnet', a.name);
    await ignoreGone(() => done(ctx, ctx.clients.subnetworks.delete({ project: ctx.project, region: a.region, subnetwork: a.name }), opts?.signal));
  },
};
