/**
 * `FirewallRule`: an ingress rule of the cluster's network (kops's set: SSH and API from the
 * admin ranges, node-to-node, control-plane-to-node, node ports...). The network forces
 * replacement; sources, targets, protocols/ports and priority are patched in place. Firewall rules
 * take no labels: found by exact name, and orphans (rules of the cluster no task describes) only
 * by a name the model gives one of its rules for this cluster, with every target tag one of this
 * cluster's role tags (`ownedFirewallRule`, owned-names.ts; no suffix match: see there).
 *
 * Compute methods: firewalls.list (filter by name), insert, get, patch, delete.
 */
import type { TaskKind } from '../types.js';
import { done, drain, ignoreGone, LIST_OPTS, nameFilter, namesOf, relLink } from './common.js';
import { desiredNetworkName, firewallRuleNotOurs, notOursRefusal, ownedFirewallRule, ownedFirewallRuleFilter, ownedOrphans } from './owned-names.js';
import type { NotOurs } from '../types.js';
import type { GceTaskContext } from './context.js';
import type { GceFirewallRuleDesired } from './types.js';

export interface GceFirewallRuleActual {
  readonly id: string;
  readonly name: string;
  readonly selfLink: string;
  readonly network: string;
  readonly sourceRanges: readonly string[];
  readonly sourceTags: readonly string[];
  readonly targetTags: readonly string[];
  /** `tcp:443`, `tcp:30000-32767`, `icmp` (protocol alone: every port), sorted. */
  readonly allowed: readonly string[];
  readonly priority: number;
  /** Set by `find` when the rule with the task's name is another cluster's or the user's (never adopted). */
  readonly notOurs?: NotOurs;
}

interface ApiFirewall {
  id?: unknown;
  name?: string | null;
  selfLink?: string | null;
  network?: string | null;
  sourceRanges?: string[] | null;
  sourceTags?: string[] | null;
  targetTags?: string[] | null;
  allowed?: { IPProtocol?: string | null; ports?: string[] | null }[] | null;
  priority?: number | null;
}

function allowedStrings(allowed: readonly { IPProtocol?: string | null; protocol?: string; ports?: readonly string[] | null }[]): string[] {
  const out: string[] = [];
  for (const a of allowed) {
    const proto = (a.IPProtocol ?? a.protocol ?? '').toLowerCase();
    if (!a.ports || a.ports.length === 0) out.push(proto);
    else for (const p of a.ports) out.push(`${proto}:${p}`);
  }
  return [...new Set(out)].sort();
}

function toActual(f: ApiFirewall): GceFirewallRuleActual {
  return {
    id: String(f.id ?? ''),
    name: f.name ?? '',
    selfLink: f.selfLink ?? '',
    network: relLink(f.network),
    sourceRanges: [...(f.sourceRanges ?? [])].sort(),
    sourceTags: [...(f.sourceTags ?? [])].sort(),
    targetTags: [...(f.targetTags ?? [])].sort(),
    allowed: allowedStrings(f.allowed ?? []),
    priority: f.priority ?? 1000,
  };
}

function body(d: GceFirewallRuleDesired) {
  return {
    direction: 'INGRESS',
    priority: d.priority ?? 1000,
    sourceRanges: [...(d.sourceRanges ?? [])],
    sourceTags: [...(d.sourceTags ?? [])],
    targetTags: [...(d.targetTags ?? [])],
    allowed: d.allowed.map((a) => ({ IPProtocol: a.protocol, ...(a.ports ? { ports: [...a.ports] } : {}) })),
  };
}

export const firewallRuleKind: TaskKind<GceFirewallRuleDesired, GceFirewallRuleActual, GceTaskContext> = {
  kind: 'FirewallRule',
  fields: {
    network: { mode: 'replace' },
    sourceRanges: { compare: 'set', security: 'ingress' },
    sourceTags: { compare: 'set', security: 'ingress' },
    targetTags: { compare: 'set', security: 'ingress' },
    allowed: { compare: 'set', security: 'ingress' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, GceFirewallRuleActual>();
    if (tasks.length === 0) return found;
    const list = await drain(ctx.clients.firewalls.listAsync({ project: ctx.project, filter: nameFilter(tasks.map((t) => t.desired.name)) }, LIST_OPTS));
    for (const t of tasks) {
      const f = list.find((x) => x.name === t.desired.name);
      if (!f) continue;
      const a = toActual(f);
      const why = firewallRuleNotOurs(ctx, f, desiredNetworkName(t.desired.network));
      found.set(
        t.name,
        why
          ? {
              ...a,
              notOurs: notOursRefusal(ctx, `FirewallRule ${a.name} (id ${a.id})`, why, `delete or rename that rule if it is stale (gcloud compute firewall-rules delete ${a.name}), or rename the cluster, then re-run`),
            }
          : a,
      );
    }
    return found;
  },

  notOurs: (a) => a.notOurs,

  view: (d, refs) => {
    const network = refs.resolve(d.network);
    return {
      network: typeof network === 'string' ? relLink(network) : network,
      // GCE reads an ingress rule with no source at all as from everywhere.
      sourceRanges: d.sourceRanges === undefined && d.sourceTags === undefined ? ['0.0.0.0/0'] : [...(d.sourceRanges ?? [])].sort(),
      sourceTags: [...(d.sourceTags ?? [])].sort(),
      targetTags: [...(d.targetTags ?? [])].sort(),
      allowed: allowedStrings(d.allowed),
      priority: d.priority ?? 1000,
    };
  },
  actualView: (a) => ({ network: a.network, sourceRanges: a.sourceRanges, sourceTags: a.sourceTags, targetTags: a.targetTags, allowed: a.allowed, priority: a.priority }),

  async apply(ctx, req) {
    const d = req.desired;
    if (req.action === 'update' && req.actual) {
      await done(ctx, ctx.clients.firewalls.patch({ project: ctx.project, firewall: d.name, firewallResource: body(d) }), req.signal);
    } else {
      await done(ctx, ctx.clients.firewalls.insert({ project: ctx.project, firewallResource: { name: d.name, network: req.refs.known(d.network), ...body(d) } }), req.signal);
    }
    const [f] = await ctx.clients.firewalls.get({ project: ctx.project, firewall: d.name });
    return toActual(f);
  },

  outputs: (a) => ({ id: a.id, name: a.name, selfLink: a.selfLink }),

  async delete(ctx, a, opts) {
    await ignoreGone(() => done(ctx, ctx.clients.firewalls.delete({ project: ctx.project, firewall: a.name }), opts?.signal));
  },

  async findOrphans(ctx, tasks) {
    const described = namesOf(tasks);
    const list = await drain(ctx.clients.firewalls.listAsync({ project: ctx.project, filter: ownedFirewallRuleFilter(ctx) }, LIST_OPTS));
    return ownedOrphans(list, (x) => ownedFirewallRule(ctx, x), described, (x) => x.name ?? '', toActual);
  },
};
