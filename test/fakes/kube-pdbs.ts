/**
 * PodDisruptionBudgets in the fake Kubernetes API server (test/fakes/kube-apiserver.ts), policy/v1:
 *
 *  - `GET /apis/policy/v1/poddisruptionbudgets` (all namespaces) and
 *    `GET /apis/policy/v1/namespaces/{ns}/poddisruptionbudgets`
 *
 * The status is computed on read, as the disruption controller keeps it (`currentHealthy`,
 * `desiredHealthy`, `expectedPods`, `disruptionsAllowed`); the selector's matchLabels and
 * matchExpressions as the apiserver reads them (a null selector selects nothing). The eviction
 * subresource that enforces budgets is test/fakes/kube-eviction.ts.
 */
import { podReady } from './kube-pods.js';
import type { KubeStore } from './kube-store.js';
import { isObject, list, obj, ok, str, type Answer, type Json, type JsonObject } from './kube-wire.js';

export interface PdbInput {
  readonly namespace?: string;
  readonly name: string;
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: readonly { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
  /** No `spec.selector` at all (policy/v1: selects no pod). */
  readonly nullSelector?: boolean;
  readonly minAvailable?: number | string;
  readonly maxUnavailable?: number | string;
  readonly unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
}

export function addPdb(s: KubeStore, p: PdbInput): JsonObject {
  const ns = p.namespace ?? 'default';
  const selector: JsonObject = {};
  if (p.matchLabels) selector['matchLabels'] = { ...p.matchLabels };
  if (p.matchExpressions) selector['matchExpressions'] = p.matchExpressions.map((r) => ({ key: r.key, operator: r.operator, ...(r.values ? { values: [...r.values] } : {}) }));
  const spec: JsonObject = p.nullSelector ? {} : { selector };
  if (p.unhealthyPodEvictionPolicy) spec['unhealthyPodEvictionPolicy'] = p.unhealthyPodEvictionPolicy;
  if (p.minAvailable !== undefined) spec['minAvailable'] = p.minAvailable;
  if (p.maxUnavailable !== undefined) spec['maxUnavailable'] = p.maxUnavailable;
  const pdb: JsonObject = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: p.name, namespace: ns, uid: s.uid(), resourceVersion: s.nextRv() }, spec };
  s.pdbs.set(`${ns}/${p.name}`, pdb);
  return pdb;
}

/** A budget with its status as the disruption controller computes it from the pods it selects. */
export function withPdbStatus(s: KubeStore, d: JsonObject): JsonObject {
  const ns = obj(d, 'metadata')['namespace'];
  const matching = [...s.pods.values()].filter((p) => obj(p, 'metadata')['namespace'] === ns && selectorMatches(d, (obj(p, 'metadata')['labels'] ?? {}) as Record<string, Json>));
  const expected = matching.length;
  // The disruption controller counts no pod that is being deleted as healthy.
  const healthy = matching.filter((p) => podReady(p) && obj(p, 'metadata')['deletionTimestamp'] === undefined).length;
  const spec = obj(d, 'spec');
  let desired = 0;
  if (spec['minAvailable'] !== undefined) desired = scaled(spec['minAvailable'], expected, true);
  else if (spec['maxUnavailable'] !== undefined) desired = Math.max(0, expected - scaled(spec['maxUnavailable'], expected, true));
  return { ...d, status: { currentHealthy: healthy, desiredHealthy: desired, expectedPods: expected, disruptionsAllowed: Math.max(0, healthy - desired) } };
}

/** The answer to a PodDisruptionBudgets request, or undefined when the path and method are not one. */
export function routePdbs(s: KubeStore, method: string, p: string): Answer | undefined {
  let m: RegExpMatchArray | null;
  if (p === '/apis/policy/v1/poddisruptionbudgets' && method === 'GET') return ok(list('PodDisruptionBudgetList', [...s.pdbs.values()].map((d) => withPdbStatus(s, d))));
  if ((m = p.match(/^\/apis\/policy\/v1\/namespaces\/([^/]+)\/poddisruptionbudgets$/)) && method === 'GET') {
    const ns = m[1] ?? '';
    return ok(list('PodDisruptionBudgetList', [...s.pdbs.values()].filter((d) => obj(d, 'metadata')['namespace'] === ns).map((d) => withPdbStatus(s, d))));
  }
  return undefined;
}

/** A budget's selector as the apiserver reads it: null selects nothing, `{}` everything; matchLabels AND matchExpressions. */
export function selectorMatches(pdb: JsonObject, labels: Record<string, Json>): boolean {
  const sel = obj(pdb, 'spec')['selector'];
  if (!isObject(sel)) return false;
  const ml = (sel['matchLabels'] ?? {}) as Record<string, Json>;
  const has = (k: string): boolean => Object.hasOwn(labels, k);
  const exprs = (sel['matchExpressions'] ?? []) as JsonObject[];
  return (
    Object.entries(ml).every(([k, v]) => has(k) && labels[k] === v) &&
    exprs.every((r) => {
      const k = str(r['key']);
      const in_ = ((r['values'] ?? []) as Json[]).includes(labels[k] ?? null);
      return r['operator'] === 'In' ? has(k) && in_ : r['operator'] === 'NotIn' ? !has(k) || !in_ : r['operator'] === 'Exists' ? has(k) : r['operator'] === 'DoesNotExist' ? !has(k) : false;
    })
  );
}

/** An int-or-percent against a total (percentages round up, as the disruption controller does). */
function scaled(v: Json | undefined, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = typeof v === 'string' ? v.match(/^(\d+)%$/) : null;
  if (!m) return Number(v);
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}
