/**
 * Plan fingerprints: a short hash of every task's desired state and of every actual state read,
 * per key. A saved plan (`--out plan.json`) carries them; applying it later (`--plan plan.json`)
 * plans again and refuses if any hash differs, naming the keys — the plan is then stale, because
 * the spec or the cloud changed since it was made.
 */
import { createHash } from 'node:crypto';
import { KopsError } from '../diagnostics.js';
import { isUnknown, taskKey, type Task, type TaskKey } from './types.js';

export interface PlanFingerprint {
  /** Task key → hash of the task (desired state, refs, shared, dependsOn, lifecycle). */
  readonly desired: Readonly<Record<TaskKey, string>>;
  /** Task key (or orphan key) → hash of the actual state found; absent when nothing was found. */
  readonly actual: Readonly<Record<TaskKey, string>>;
}

/** Stable JSON: sorted object keys, `undefined` dropped, `UNKNOWN` as `{"$unknown":true}`, Maps and Sets as arrays. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(canonical(v, new Set()));
}

function canonical(v: unknown, stack: Set<object>): unknown {
  if (isUnknown(v)) return { $unknown: true };
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object' || v === null) return v;
  if (stack.has(v)) return '[circular]';
  const withJson = v as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return withJson.toJSON();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  stack.add(v);
  let out: unknown;
  if (Array.isArray(v)) out = v.map((x) => (x === undefined ? null : canonical(x, stack)));
  else if (v instanceof Map) out = [...v.entries()].map(([k, x]) => [canonical(k, stack), canonical(x, stack)]);
  else if (v instanceof Set) out = [...v].map((x) => canonical(x, stack));
  else {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined && typeof x !== 'function') o[k] = canonical(x, stack);
    }
    out = o;
  }
  stack.delete(v);
  return out;
}

export function shortHash(v: unknown): string {
  return createHash('sha256').update(canonicalJson(v)).digest('hex').slice(0, 16);
}

export function planFingerprint(tasks: readonly Task[], found: ReadonlyMap<TaskKey, unknown>): PlanFingerprint {
  const desired: Record<TaskKey, string> = {};
  for (const t of tasks) {
    desired[taskKey(t.kind, t.name)] = shortHash({ desired: t.desired, shared: t.shared ?? false, dependsOn: t.dependsOn ?? [], lifecycle: t.lifecycle });
  }
  const actual: Record<TaskKey, string> = {};
  for (const [k, a] of found) actual[k] = shortHash(a);
  return { desired: sortKeys(desired), actual: sortKeys(actual) };
}

function sortKeys(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface FingerprintDrift {
  readonly key: TaskKey;
  /** `desired`: the spec changed the task; `actual`: the cloud changed. */
  readonly part: 'desired' | 'actual';
  readonly change: 'added' | 'removed' | 'changed';
}

/** What differs between a saved plan's fingerprint and a fresh one; empty = the plan is still valid. */
export function fingerprintDrift(saved: PlanFingerprint, current: PlanFingerprint): FingerprintDrift[] {
  const out: FingerprintDrift[] = [];
  for (const part of ['desired', 'actual'] as const) {
    const a = saved[part];
    const b = current[part];
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (!(key in b)) out.push({ key, part, change: 'removed' });
      else if (!(key in a)) out.push({ key, part, change: 'added' });
      else if (a[key] !== b[key]) out.push({ key, part, change: 'changed' });
    }
  }
  return out;
}

/**
 * Refuses a saved plan whose fingerprint no longer matches a fresh plan of the same cluster
 * (`--plan plan.json`): applying it would act on a spec or a cloud that has moved on.
 */
export function assertPlanCurrent(saved: { readonly fingerprint: PlanFingerprint }, current: { readonly fingerprint: PlanFingerprint }): void {
  const drift = fingerprintDrift(saved.fingerprint, current.fingerprint);
  if (drift.length === 0) return;
  const shown = drift.slice(0, 5).map((d) => `${d.key} (${d.part === 'desired' ? 'spec' : 'cloud'} ${d.change})`);
  throw new KopsError('StalePlan', `the saved plan is out of date: ${shown.join(', ')}${drift.length > 5 ? `, and ${drift.length - 5} more` : ''}`, {
    hint: 'the cluster spec or the cloud changed since the plan was made; plan again',
  });
}
