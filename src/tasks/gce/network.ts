/**
 * `Network`: the cluster's VPC network, custom mode (kops creates it with
 * `autoCreateSubnetworks: false`), or the user's (a shared task, found by name, never changed).
 * Networks take no labels: found by their exact name. The mode cannot change in place from
 * custom to auto (GCE only converts auto → custom, and kops-ts does not), so it forces replacement.
 *
 * Compute methods: networks.list (filter by name), insert, get, delete.
 */
import type { TaskKind } from '../types.js';
import { done, drain, ignoreGone, LIST_OPTS, nameFilter, sharedReadOnly } from './common.js';
import type { GceTaskContext } from './context.js';
import type { GceNetworkDesired } from './types.js';

export interface GceNetworkActual {
  readonly id: string;
  readonly name: string;
  readonly selfLink: string;
  readonly mode: 'custom' | 'auto';
  readonly shared: boolean;
}

function toActual(n: { id?: unknown; name?: string | null; selfLink?: string | null; autoCreateSubnetworks?: boolean | null }, shared: boolean): GceNetworkActual {
  return { id: String(n.id ?? ''), name: n.name ?? '', selfLink: n.selfLink ?? '', mode: n.autoCreateSubnetworks ? 'auto' : 'custom', shared };
}

export const networkKind: TaskKind<GceNetworkDesired, GceNetworkActual, GceTaskContext> = {
  kind: 'Network',
  fields: { mode: { mode: 'replace' } },

  async find(ctx, tasks) {
    const found = new Map<string, GceNetworkActual>();
    if (tasks.length === 0) return found;
    const list = await drain(ctx.clients.networks.listAsync({ project: ctx.project, filter: nameFilter(tasks.map((t) => t.desired.name)) }, LIST_OPTS));
    for (const t of tasks) {
      const n = list.find((x) => x.name === t.desired.name);
      if (n) found.set(t.name, toActual(n, t.shared === true));
    }
    return found;
  },

  view: (d) => ({ mode: d.mode }),
  actualView: (a) => ({ mode: a.mode }),

  async apply(ctx, req) {
    if (req.actual?.shared) throw sharedReadOnly('Network', req.desired.name);
    if (req.action === 'update' && req.actual) return req.actual; // nothing is updatable in place
    await done(ctx, ctx.clients.networks.insert({ project: ctx.project, networkResource: { name: req.desired.name, autoCreateSubnetworks: req.desired.mode === 'auto' } }), req.signal);
    const [n] = await ctx.clients.networks.get({ project: ctx.project, network: req.desired.name });
    return toActual(n, false);
  },

  outputs: (a) => ({ id: a.id, name: a.name, selfLink: a.selfLink }),

  async delete(ctx, a, opts) {
    if (a.shared) throw sharedReadOnly('Network', a.name);
    await ignoreGone(() => done(ctx, ctx.clients.networks.delete({ project: ctx.project, network: a.name }), opts?.signal));
  },
};
