/**
 * `TargetPool`: the API load balancer's backend. Its health checks are changed in place
 * (addHealthCheck / removeHealthCheck); its instances are not the task's business: the
 * control-plane `InstanceGroupManager`s name the pool (setTargetPools) and GCE registers their
 * instances. Found by exact name, one list per region; orphans: only the one name the model gives the API's pool, `api-<safe cluster>` (`ownedApiLoadBalancerName`, owned-names.ts).
 *
 * Compute methods: targetPools.list (filter by name), insert, get, addHealthCheck,
 * removeHealthCheck, delete.
 */
import type { TaskKind } from '../types.js';
import { done, drain, groupBy, ignoreGone, lastSegment, LIST_OPTS, nameFilter, relLink } from './common.js';
import { notOursRefusal, ownedApiLoadBalancerFilter, ownedApiLoadBalancerName, ownedOrphans, targetPoolNotOurs } from './owned-names.js';
import { isGceNotFound } from '../../cloud/gce/errors.js';
import type { NotOurs } from '../types.js';
import type { GceTaskContext } from './context.js';
import type { GceTargetPoolDesired } from './types.js';

export interface GceTargetPoolActual {
  readonly id: string;
  readonly name: string;
  readonly selfLink: string;
  readonly region: string;
  /** Project-relative links, sorted. */
  readonly healthChecks: readonly string[];
  /** The instances registered (by the groups that name the pool); shown, not managed. */
  readonly instances: readonly string[];
  /** Set by `find` when the pool with the task's name is another cluster's or the user's (never adopted). */
  readonly notOurs?: NotOurs;
}

interface ApiPool {
  id?: unknown;
  name?: string | null;
  selfLink?: string | null;
  region?: string | null;
  healthChecks?: string[] | null;
  instances?: string[] | null;
}

function toActual(p: ApiPool): GceTargetPoolActual {
  return {
    id: String(p.id ?? ''),
    name: p.name ?? '',
    selfLink: p.selfLink ?? '',
    region: lastSegment(p.region),
    healthChecks: (p.healthChecks ?? []).map(relLink).sort(),
    instances: (p.instances ?? []).map(relLink).sort(),
  };
}

/** Each registered instance's labels (`undefined`: gone or not a zonal instance link), read with instances.get. */
async function instanceLabels(ctx: GceTaskContext, links: readonly string[]): Promise<Map<string, Record<string, string> | null | undefined>> {
  const out = new Map<string, Record<string, string> | null | undefined>();
  await Promise.all(
    links.map(async (link) => {
      const m = /^projects\/([^/]+)\/zones\/([^/]+)\/instances\/([^/]+)$/.exec(link);
      if (!m) return;
      try {
        const [i] = await ctx.clients.instances.get({ project: m[1], zone: m[2], instance: m[3] });
        out.set(link, i.labels ?? null);
      } catch (e) {
        if (!isGceNotFound(e)) throw e;
      }
    }),
  );
  return out;
}

async function get(ctx: GceTaskContext, region: string, name: string): Promise<GceTargetPoolActual> {
  const [p] = await ctx.clients.targetPools.get({ project: ctx.project, region, targetPool: name });
  return toActual(p);
}

export const targetPoolKind: TaskKind<GceTargetPoolDesired, GceTargetPoolActual, GceTaskContext> = {
  kind: 'TargetPool',
  fields: { healthChecks: { compare: 'set' } },

  async find(ctx, tasks) {
    const found = new Map<string, GceTargetPoolActual>();
    await Promise.all(
      [...groupBy(tasks, (t) => t.desired.region)].map(async ([region, ts]) => {
        const list = await drain(ctx.clients.targetPools.listAsync({ project: ctx.project, region, filter: nameFilter(ts.map((t) => t.desired.name)) }, LIST_OPTS));
        await Promise.all(
          ts.map(async (t) => {
            const p = list.find((x) => x.name === t.desired.name);
            if (!p) return;
            const a = toActual(p);
            const why = targetPoolNotOurs(ctx, a, await instanceLabels(ctx, a.instances));
            const todo = `delete that pool if it is stale (gcloud compute target-pools delete ${a.name} --region ${a.region}), or rename the cluster, then re-run`;
            found.set(t.name, why ? { ...a, notOurs: notOursRefusal(ctx, `TargetPool ${a.region}/${a.name} (id ${a.id})`, why, todo) } : a);
          }),
        );
      }),
    );
    return found;
  },

  notOurs: (a) => a.notOurs,

  view: (d, refs) => ({ healthChecks: d.healthChecks.map((h) => refs.resolve(h)).map((h) => (typeof h === 'string' ? relLink(h) : h)) }),
  actualView: (a) => ({ healthChecks: a.healthChecks }),

  async apply(ctx, req) {
    const d = req.desired;
    const a = req.actual;
    const want = d.healthChecks.map((h) => req.refs.known(h));
    if (!a || req.action !== 'update') {
      await done(ctx, ctx.clients.targetPools.insert({ project: ctx.project, region: d.region, targetPoolResource: { name: d.name, healthChecks: want, sessionAffinity: 'NONE' } }), req.signal);
      return get(ctx, d.region, d.name);
    }
    const pool = { project: ctx.project, region: a.region, targetPool: a.name };
    const add = want.filter((h) => !a.healthChecks.includes(relLink(h)));
    const wantRel = new Set(want.map(relLink));
    const remove = a.healthChecks.filter((h) => !wantRel.has(h));
    if (add.length > 0) {
      await done(ctx, ctx.clients.targetPools.addHealthCheck({ ...pool, targetPoolsAddHealthCheckRequestResource: { healthChecks: add.map((healthCheck) => ({ healthCheck })) } }), req.signal);
    }
    if (remove.length > 0) {
      await done(
        ctx,
        ctx.clients.targetPools.removeHealthCheck({ ...pool, targetPoolsRemoveHealthCheckRequestResource: { healthChecks: remove.map((h) => ({ healthCheck: `https://www.googleapis.com/compute/v1/${h}` })) } }),
        req.signal,
      );
    }
    return get(ctx, a.region, a.name);
  },

  outputs: (a) => ({ id: a.id, name: a.name, selfLink: a.selfLink }),

  async delete(ctx, a, opts) {
    await ignoreGone(() => done(ctx, ctx.clients.targetPools.delete({ project: ctx.project, region: a.region, targetPool: a.name }), opts?.signal));
  },

  async findOrphans(ctx, tasks) {
    const listed = await drain(ctx.clients.targetPools.listAsync({ project: ctx.project, region: ctx.region, filter: ownedApiLoadBalancerFilter(ctx) }, LIST_OPTS));
    return ownedOrphans(listed, (x) => ownedApiLoadBalancerName(ctx, x.name), new Set(tasks.map((t) => t.desired.name)), (x) => x.name ?? '', toActual);
  },
};
