/**
 * `Address`: the regional static external IP of the API load balancer. Labels are set in place
 * with their fingerprint (unmanaged labels kept); its `address` output is the IP the forwarding
 * rule takes. Found by exact name, one list per region; orphans by the cluster label, exactly (`ownedByClusterLabel`, owned-names.ts).
 *
 * Compute methods: addresses.list (filter by name / suffix), insert, get, setLabels, delete.
 */
import type { TaskKind } from '../types.js';
import { done, drain, groupBy, ignoreGone, labelsOf, lastSegment, LIST_OPTS, nameFilter } from './common.js';
import { labelledNotOurs, notOursRefusal, ownedByClusterLabel, ownedByClusterLabelFilter, ownedOrphans } from './owned-names.js';
import type { NotOurs } from '../types.js';
import type { GceTaskContext } from './context.js';
import type { GceAddressDesired, Labels } from './types.js';

export interface GceAddressActual {
  readonly id: string;
  readonly name: string;
  readonly selfLink: string;
  readonly region: string;
  readonly address: string;
  readonly labels: Labels;
  readonly labelFingerprint: string;
  /** Set by `find` when the resource with the task's name carries another cluster's label (never adopted). */
  readonly notOurs?: NotOurs;
}

interface ApiAddress {
  id?: unknown;
  name?: string | null;
  selfLink?: string | null;
  region?: string | null;
  address?: string | null;
  labels?: Record<string, string> | null;
  labelFingerprint?: string | null;
}

function toActual(a: ApiAddress): GceAddressActual {
  return {
    id: String(a.id ?? ''),
    name: a.name ?? '',
    selfLink: a.selfLink ?? '',
    region: lastSegment(a.region),
    address: a.address ?? '',
    labels: labelsOf(a.labels),
    labelFingerprint: a.labelFingerprint ?? '',
  };
}

async function get(ctx: GceTaskContext, region: string, name: string): Promise<GceAddressActual> {
  const [a] = await ctx.clients.addresses.get({ project: ctx.project, region, address: name });
  return toActual(a);
}

export const addressKind: TaskKind<GceAddressDesired, GceAddressActual, GceTaskContext> = {
  kind: 'Address',
  fields: { labels: { compare: 'tags' } },

  async find(ctx, tasks) {
    const found = new Map<string, GceAddressActual>();
    await Promise.all(
      [...groupBy(tasks, (t) => t.desired.region)].map(async ([region, ts]) => {
        const list = await drain(ctx.clients.addresses.listAsync({ project: ctx.project, region, filter: nameFilter(ts.map((t) => t.desired.name)) }, LIST_OPTS));
        for (const t of ts) {
          const a = list.find((x) => x.name === t.desired.name);
          if (!a) continue;
          const actual = toActual(a);
          const why = labelledNotOurs(ctx, actual.labels);
          const todo = `delete that address if it is stale (gcloud compute addresses delete ${actual.name} --region ${actual.region}), or rename the cluster, then re-run`;
          found.set(t.name, why ? { ...actual, notOurs: notOursRefusal(ctx, `Address ${actual.region}/${actual.name} (id ${actual.id})`, why, todo) } : actual);
        }
      }),
    );
    return found;
  },

  notOurs: (a) => a.notOurs,

  view: (d) => ({ labels: d.labels ?? {} }),
  actualView: (a) => ({ labels: a.labels }),

  async apply(ctx, req) {
    const d = req.desired;
    const a = req.actual;
    if (!a || req.action !== 'update') {
      await done(ctx, ctx.clients.addresses.insert({ project: ctx.project, region: d.region, addressResource: { name: d.name, addressType: 'EXTERNAL', labels: { ...(d.labels ?? {}) } } }), req.signal);
      return get(ctx, d.region, d.name);
    }
    await done(
      ctx,
      ctx.clients.addresses.setLabels({
        project: ctx.project,
        region: a.region,
        resource: a.name,
        regionSetLabelsRequestResource: { labels: { ...a.labels, ...(d.labels ?? {}) }, labelFingerprint: a.labelFingerprint },
      }),
      req.signal,
    );
    return get(ctx, a.region, a.name);
  },

  outputs: (a) => ({ id: a.id, name: a.name, selfLink: a.selfLink, address: a.address }),

  async delete(ctx, a, opts) {
    await ignoreGone(() => done(ctx, ctx.clients.addresses.delete({ project: ctx.project, region: a.region, address: a.name }), opts?.signal));
  },

  async findOrphans(ctx, tasks) {
    const listed = await drain(ctx.clients.addresses.listAsync({ project: ctx.project, region: ctx.region, filter: ownedByClusterLabelFilter(ctx) }, LIST_OPTS));
    return ownedOrphans(listed, (x) => ownedByClusterLabel(ctx, x.labels), new Set(tasks.map((t) => t.desired.name)), (x) => x.name ?? '', toActual);
  },
};
