/**
 * The JSON form of a plan (`update cluster -o json`, `--out plan.json`): one document with
 * `apiVersion: kops-ts.io/v1` and `kind: Plan`, whose shape is stable API (docs/task-engine.md).
 * The text renderer is a function of this document, as Terraform renders its human plan from
 * its JSON plan, so the two can never disagree.
 *
 * Values are plain JSON, with three marker objects:
 *   - a value that comes from another task: `{ "ref": "Network/main", "output": "id" }`, plus
 *     `"value": "<id>"` when it is known already;
 *   - a value only known after apply: `{ "unknown": true }`;
 *   - a redacted value: `{ "sensitive": true }`.
 */
import type { Diagnostic } from '../../diagnostics.js';
import type { PlanFingerprint } from '../../tasks/plan-fingerprint.js';
import { PLAN_API_VERSION, type Plan, type PlanSummary, type PlannedChange, type PlannedField } from '../../tasks/plan.js';
import { isRefValue } from '../../tasks/resolve.js';
import { isUnknown, type Action, type SecurityCategory, type TaskKey } from '../../tasks/types.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface RefJson {
  readonly ref: TaskKey;
  readonly output: string;
  readonly value?: string;
}
export interface UnknownJson {
  readonly unknown: true;
}
export interface SensitiveJson {
  readonly sensitive: true;
}

export interface PlanFieldJson {
  readonly field: string;
  /** Absent when the resource or the field does not exist yet. */
  readonly before?: JsonValue;
  /** The desired value (refs and unknowns as markers). */
  readonly after?: JsonValue;
  readonly forcesReplacement: boolean;
  readonly security?: SecurityCategory;
  readonly sensitive?: true;
  /** A multi-line text (user-data, a policy document): shown as a line diff. */
  readonly blob?: true;
  /** `after` lists the members added to `before`, whose other members stay (a private zone's VPCs). */
  readonly additive?: true;
}

export interface PlanChangeJson {
  readonly key: TaskKey;
  readonly kind: string;
  readonly name: string;
  readonly action: Exclude<Action, 'noop'>;
  readonly reason?: string;
  readonly security: readonly SecurityCategory[];
  readonly fields: readonly PlanFieldJson[];
}

export interface PlanDocument {
  readonly apiVersion: typeof PLAN_API_VERSION;
  readonly kind: 'Plan';
  readonly cluster?: string;
  readonly summary: PlanSummary;
  /** Sorted by key; no-ops are only counted (`summary.noop`) and listed (`unchanged`). */
  readonly changes: readonly PlanChangeJson[];
  readonly unchanged: readonly TaskKey[];
  readonly diagnostics: readonly Diagnostic[];
  readonly fingerprint: PlanFingerprint;
}

export function planToJson(plan: Plan): PlanDocument {
  return {
    apiVersion: PLAN_API_VERSION,
    kind: 'Plan',
    ...(plan.cluster === undefined ? {} : { cluster: plan.cluster }),
    summary: { ...plan.summary },
    changes: plan.changes.filter((c) => c.action !== 'noop').map(changeToJson),
    unchanged: [...plan.unchanged],
    diagnostics: plan.diagnostics.map((d) => ({ ...d })),
    fingerprint: plan.fingerprint,
  };
}

/** The document as text: pretty-printed JSON and a final newline. */
export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(planToJson(plan), null, 2)}\n`;
}

function changeToJson(c: PlannedChange): PlanChangeJson {
  return {
    key: c.key,
    kind: c.kind,
    name: c.name,
    action: c.action as Exclude<Action, 'noop'>,
    ...(c.reason === undefined ? {} : { reason: c.reason }),
    security: [...c.security],
    fields: c.fields.map(fieldToJson),
  };
}

const SENSITIVE: SensitiveJson = { sensitive: true };

function fieldToJson(f: PlannedField): PlanFieldJson {
  const after = f.afterDisplay !== undefined ? f.afterDisplay : f.after;
  const hide = (v: unknown): JsonValue | undefined => (v === undefined ? undefined : f.redact ? { ...SENSITIVE } : toJsonValue(v));
  const before = hide(f.before);
  const shown = hide(after);
  return {
    field: f.field,
    ...(before === undefined ? {} : { before }),
    ...(shown === undefined ? {} : { after: shown }),
    forcesReplacement: f.forcesReplacement,
    ...(f.security ? { security: f.security } : {}),
    ...(f.redact ? { sensitive: true as const } : {}),
    ...(f.blob ? { blob: true as const } : {}),
    ...(f.additive ? { additive: true as const } : {}),
  };
}

/** Any plan value as JSON: refs and UNKNOWN as markers, dates as ISO strings, maps and sets as arrays. */
export function toJsonValue(v: unknown): JsonValue {
  if (isUnknown(v)) return { unknown: true };
  if (isRefValue(v)) return { ref: v.ref, output: v.output, ...(v.value === undefined ? {} : { value: v.value }) };
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => [toJsonValue(k), toJsonValue(x)]);
  if (v instanceof Set) return [...v].map(toJsonValue);
  if (typeof v === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && typeof x !== 'function') out[k] = toJsonValue(x);
    return out;
  }
  return String(v);
}

export function isUnknownJson(v: unknown): v is UnknownJson {
  return isMarker(v, 'unknown') && (v as { unknown: unknown }).unknown === true;
}
export function isSensitiveJson(v: unknown): v is SensitiveJson {
  return isMarker(v, 'sensitive') && (v as { sensitive: unknown }).sensitive === true;
}
export function isRefJson(v: unknown): v is RefJson {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  return typeof o.ref === 'string' && typeof o.output === 'string' && keys.every((k) => k === 'ref' || k === 'output' || k === 'value');
}

function isMarker(v: unknown, key: string): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && key in v;
}
