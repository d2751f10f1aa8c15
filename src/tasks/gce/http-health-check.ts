/**
 * `HTTPHealthCheck`: the legacy HTTP health check the API's target pool uses (kops: port 3990,
 * kube-apiserver-healthcheck, path `/healthz`). Target pools take only legacy health checks, which
 * `@google-cloud/compute` has no client for: see `LegacyHttpHealthChecks`. Port and path are
 * patched in place. Found by exact name; orphans: only the one name the model gives the API's check, `api-<safe cluster>` (`ownedApiLoadBalancerName`, owned-names.ts).
 *
 * Compute methods: httpHealthChecks.list (filter by name / suffix), insert, get, patch, delete.
 */
import type { HttpHealthCheck } from '../../cloud/gce/clients.js';
import type { TaskKind } from '../types.js';
import { done, drain, ignoreGone, LIST_OPTS, nameFilter, relLink } from './common.js';
import { httpHealthCheckNotOurs, notOursRefusal, ownedApiLoadBalancerFilter, ownedApiLoadBalancerName, ownedOrphans } from './owned-names.js';
import type { NotOurs } from '../types.js';
import type { GceTaskContext } from './context.js';
import type { GceHttpHealthCheckDesired } from './types.js';

export interface GceHttpHealthCheckActual {
  readonly id: string;
  readonly name: string;
  readonly selfLink: string;
  readonly port: number;
  readonly requestPath: string;
  /** Set by `find` when the check with the task's name is another cluster's or the user's (never adopted). */
  readonly notOurs?: NotOurs;
}

function toActual(h: HttpHealthCheck): GceHttpHealthCheckActual {
  return { id: String(h.id ?? ''), name: h.name ?? '', selfLink: h.selfLink ?? '', port: h.port ?? 80, requestPath: h.requestPath ?? '/' };
}

export const httpHealthCheckKind: TaskKind<GceHttpHealthCheckDesired, GceHttpHealthCheckActual, GceTaskContext> = {
  kind: 'HTTPHealthCheck',
  fields: {},

  async find(ctx, tasks) {
    const found = new Map<string, GceHttpHealthCheckActual>();
    if (tasks.length === 0) return found;
    const list = await ctx.clients.httpHealthChecks.list(ctx.project, nameFilter(tasks.map((t) => t.desired.name)));
    const hits = tasks.flatMap((t) => {
      const h = list.find((x) => x.name === t.desired.name);
      return h ? [{ t, a: toActual(h) }] : [];
    });
    if (hits.length === 0) return found;
    // Who uses each check: the target pools of the cluster's region (the API's pool is there).
    const pools = await drain(ctx.clients.targetPools.listAsync({ project: ctx.project, region: ctx.region }, LIST_OPTS));
    for (const { t, a } of hits) {
      const link = relLink(a.selfLink);
      const usedBy = pools.filter((p) => (p.healthChecks ?? []).some((h) => relLink(h) === link)).map((p) => p.selfLink ?? p.name ?? '');
      const why = httpHealthCheckNotOurs(ctx, usedBy);
      const todo = `delete or rename that health check if it is stale (gcloud compute http-health-checks delete ${a.name}), or rename the cluster, then re-run`;
      found.set(t.name, why ? { ...a, notOurs: notOursRefusal(ctx, `HTTPHealthCheck ${a.name} (id ${a.id})`, why, todo) } : a);
    }
    return found;
  },

  notOurs: (a) => a.notOurs,

  view: (d) => ({ port: d.port, requestPath: d.requestPath }),
  actualView: (a) => ({ port: a.port, requestPath: a.requestPath }),

  async apply(ctx, req) {
    const d = req.desired;
    const body = { port: d.port, requestPath: d.requestPath };
    if (req.actual && req.action === 'update') await done(ctx, ctx.clients.httpHealthChecks.patch(ctx.project, d.name, body), req.signal);
    else await done(ctx, ctx.clients.httpHealthChecks.insert(ctx.project, { name: d.name, ...body }), req.signal);
    return toActual(await ctx.clients.httpHealthChecks.get(ctx.project, d.name));
  },

  outputs: (a) => ({ id: a.id, name: a.name, selfLink: a.selfLink }),

  async delete(ctx, a, opts) {
    await ignoreGone(() => done(ctx, ctx.clients.httpHealthChecks.delete(ctx.project, a.name), opts?.signal));
  },

  async findOrphans(ctx, tasks) {
    const listed = await ctx.clients.httpHealthChecks.list(ctx.project, ownedApiLoadBalancerFilter(ctx));
    return ownedOrphans(listed, (x) => ownedApiLoadBalancerName(ctx, x.name), new Set(tasks.map((t) => t.desired.name)), (x) => x.name ?? '', toActual);
  },
};
