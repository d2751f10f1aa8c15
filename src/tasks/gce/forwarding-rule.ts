/**
 * `ForwardingRule`: the API's public entry, TCP 443 on the static address to the target pool.
 * IP, protocol, port range and target force replacement; labels are set in place with their
 * fingerprint. Found by exact name, one list per region; orphans by the cluster label, exactly (`ownedByClusterLabel`, owned-names.ts).
 *
 * Compute methods: forwardingRules.list (filter by name / suffix), insert, get, setLabels, delete.
 */
import type { TaskKind } from '../types.js';
import { done, drain, groupBy, ignoreGone, labelsOf, lastSegment, LIST_OPTS, nameFilter, relLink } from './common.js';
import { labelledNotOurs, notOursRefusal, ownedByClusterLabel, ownedByClusterLabelFilter, ownedOrphans } from './owned-names.js';
import type { NotOurs } from '../types.js';
import type { GceTaskContext } from './context.js';
import type { GceForwardingRuleDesired, Labels } from './types.js';

export interface GceForwardingRuleActual {
  readonly id: string;
  readonly name: string;
  readonly selfLink: string;
  readonly region: string;
  readonly ipAddress: string;
  readonly ipProtocol: string;
  readonly portRange: string;
  readonly target: string;
  readonly labels: Labels;
  readonly labelFingerprint: string;
  /** Set by `find` when the resource with the task's name carries another cluster's label (never adopted). */
  readonly notOurs?: NotOurs;
}

interface ApiRule {
  id?: unknown;
  name?: string | null;
  selfLink?: string | null;
  region?: string | null;
  IPAddress?: string | null;
  IPProtocol?: string | null;
  portRange?: string | null;
  target?: string | null;
  labels?: Record<string, string> | null;
  labelFingerprint?: string | null;
}

function toActual(r: ApiRule): GceForwardingRuleActual {
  return {
    id: String(r.id ?? ''),
    name: r.name ?? '',
    selfLink: r.selfLink ?? '',
    region: lastSegment(r.region),
    ipAddress: r.IPAddress ?? '',
    ipProtocol: r.IPProtocol ?? '',
    // GCE returns a single port as `443-443`.
    portRange: normalizePorts(r.portRange ?? ''),
    target: relLink(r.target),
    labels: labelsOf(r.labels),
    labelFingerprint: r.labelFingerprint ?? '',
  };
}

function normalizePorts(p: string): string {
  const m = /^(\d+)-(\d+)$/.exec(p);
  return m && m[1] === m[2] ? (m[1] as string) : p;
}

async function get(ctx: GceTaskContext, region: string, name: string): Promise<GceForwardingRuleActual> {
  const [r] = await ctx.clients.forwardingRules.get({ project: ctx.project, region, forwardingRule: name });
  return toActual(r);
}

export const forwardingRuleKind: TaskKind<GceForwardingRuleDesired, GceForwardingRuleActual, GceTaskContext> = {
  kind: 'ForwardingRule',
  fields: {
    ipAddress: { mode: 'replace', security: 'exposure' },
    ipProtocol: { mode: 'replace' },
    portRange: { mode: 'replace', security: 'exposure' },
    target: { mode: 'replace' },
    labels: { compare: 'tags' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, GceForwardingRuleActual>();
    await Promise.all(
      [...groupBy(tasks, (t) => t.desired.region)].map(async ([region, ts]) => {
        const list = await drain(ctx.clients.forwardingRules.listAsync({ project: ctx.project, region, filter: nameFilter(ts.map((t) => t.desired.name)) }, LIST_OPTS));
        for (const t of ts) {
          const r = list.find((x) => x.name === t.desired.name);
          if (!r) continue;
          const actual = toActual(r);
          const why = labelledNotOurs(ctx, actual.labels);
          const todo = `delete that forwarding rule if it is stale (gcloud compute forwarding-rules delete ${actual.name} --region ${actual.region}), or rename the cluster, then re-run`;
          found.set(t.name, why ? { ...actual, notOurs: notOursRefusal(ctx, `ForwardingRule ${actual.region}/${actual.name} (id ${actual.id})`, why, todo) } : actual);
        }
      }),
    );
    return found;
  },

  notOurs: (a) => a.notOurs,

  view: (d, refs) => {
    const target = refs.resolve(d.target);
    return {
      ipAddress: refs.resolve(d.ipAddress),
      ipProtocol: d.ipProtocol,
      portRange: normalizePorts(d.portRange),
      target: typeof target === 'string' ? relLink(target) : target,
      labels: d.labels ?? {},
    };
  },
  actualView: (a) => ({ ipAddress: a.ipAddress, ipProtocol: a.ipProtocol, portRange: a.portRange, target: a.target, labels: a.labels }),

  async apply(ctx, req) {
    const d = req.desired;
    const a = req.actual;
    if (!a || req.action !== 'update') {
      await done(
        ctx,
        ctx.clients.forwardingRules.insert({
          project: ctx.project,
          region: d.region,
          forwardingRuleResource: {
            name: d.name,
            IPAddress: req.refs.known(d.ipAddress),
            IPProtocol: d.ipProtocol,
            portRange: d.portRange,
            target: req.refs.known(d.target),
            loadBalancingScheme: 'EXTERNAL',
            labels: { ...(d.labels ?? {}) },
          },
        }),
        req.signal,
      );
      return get(ctx, d.region, d.name);
    }
    await done(
      ctx,
      ctx.clients.forwardingRules.setLabels({
        project: ctx.project,
        region: a.region,
        resource: a.name,
        regionSetLabelsRequestResource: { labels: { ...a.labels, ...(d.labels ?? {}) }, labelFingerprint: a.labelFingerprint },
      }),
      req.signal,
    );
    return get(ctx, a.region, a.name);
  },

  outputs: (a) => ({ id: a.id, name: a.name, selfLink: a.selfLink }),

  async delete(ctx, a, opts) {
    await ignoreGone(() => done(ctx, ctx.clients.forwardingRules.delete({ project: ctx.project, region: a.region, forwardingRule: a.name }), opts?.signal));
  },

  async findOrphans(ctx, tasks) {
    const listed = await drain(ctx.clients.forwardingRules.listAsync({ project: ctx.project, region: ctx.region, filter: ownedByClusterLabelFilter(ctx) }, LIST_OPTS));
    return ownedOrphans(listed, (x) => ownedByClusterLabel(ctx, x.labels), new Set(tasks.map((t) => t.desired.name)), (x) => x.name ?? '', toActual);
  },
};
