/**
 * The generic, pure diff every kind shares: compare `view(desired)` with `actualView(actual)` field
 * by field under the kind's `fields` rules and classify the result as a `Change`.
 *
 * Rules (see `FieldRule`):
 * - a desired value of `undefined` means "don't care" (kops's nil pointer), never a change;
 * - `UNKNOWN` (a ref to something not created yet) is always a change;
 * - `set` compares arrays as unordered sets, `tags` compares only the desired keys, `includes`
 *   only asks that the desired elements be among the actual ones;
 * - any changed field with `mode: 'replace'` makes the action `replace`;
 * - shared tasks (the user's resources) are never changed, except fields marked `updateShared`
 *   (the tags kops adds to shared subnets): their diff is `noop` or an `update` of those fields
 *   only, never a replace.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  isUnknown,
  taskKey,
  type Action,
  type Change,
  type FieldChange,
  type FieldRule,
  type RefResolver,
  type SecurityCategory,
  type Task,
  type TaskKind,
  type View,
} from './types.js';

export function valuesEqual(before: unknown, after: unknown, rule: FieldRule = {}): boolean {
  if (isUnknown(after)) return false;
  switch (rule.compare ?? 'exact') {
    case 'set': {
      if (!Array.isArray(before) || !Array.isArray(after)) return isDeepStrictEqual(before ?? [], after ?? []);
      if (before.length !== after.length) return false;
      const rest = [...before];
      for (const a of after) {
        const i = rest.findIndex((b) => isDeepStrictEqual(b, a));
        if (i < 0) return false;
        rest.splice(i, 1);
      }
      return true;
    }
    case 'includes': {
      if (!Array.isArray(after)) return isDeepStrictEqual(before, after);
      const have = Array.isArray(before) ? before : [];
      return after.every((a) => have.some((b) => isDeepStrictEqual(b, a)));
    }
    case 'tags': {
      const want = (after ?? {}) as Record<string, unknown>;
      const have = (before ?? {}) as Record<string, unknown>;
      return Object.entries(want).every(([k, v]) => isDeepStrictEqual(have[k], v));
    }
    default:
      return isDeepStrictEqual(before, after);
  }
}

/** Field changes between two views; desired `undefined` fields are skipped ("don't care"). */
export function diffViews(actual: View | undefined, desired: View, rules: Readonly<Record<string, FieldRule>>): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of Object.keys(desired).sort()) {
    const rule = rules[field] ?? {};
    if (rule.mode === 'ignore') continue;
    const after = desired[field];
    if (after === undefined) continue;
    const before = actual?.[field];
    if (actual && valuesEqual(before, after, rule)) continue;
    out.push(fieldChange(field, before, after, rule, actual !== undefined, desired));
  }
  return out;
}

function fieldChange(field: string, before: unknown, after: unknown, rule: FieldRule, exists: boolean, desired: View): FieldChange {
  const fc: { -readonly [K in keyof FieldChange]: FieldChange[K] } = {
    field,
    before,
    after,
    forcesReplacement: exists && rule.mode === 'replace',
  };
  const security = typeof rule.security === 'function' ? rule.security(desired) : rule.security;
  if (security) fc.security = security;
  if (rule.redact) fc.redact = true;
  if (rule.blob) fc.blob = true;
  if (rule.compare === 'includes') fc.additive = true;
  return fc;
}

export function securityOf(fields: readonly FieldChange[]): SecurityCategory[] {
  return [...new Set(fields.flatMap((f) => (f.security ? [f.security] : [])))].sort();
}

/** The change of one task. Pure. */
export function diffTask<D, A, C>(kind: TaskKind<D, A, C>, task: Task<D>, actual: A | undefined, refs: RefResolver): Change<D, A> {
  const key = taskKey(task.kind, task.name);
  const desiredView = kind.view(task.desired, refs);
  if (actual === undefined) {
    const fields = diffViews(undefined, desiredView, kind.fields);
    return { key, kind: task.kind, name: task.name, action: 'create', desired: task.desired, fields, security: securityOf(fields) };
  }
  if (task.shared) {
    const tagRules = Object.fromEntries(Object.entries(kind.fields).filter(([, r]) => r.updateShared === true).map(([f, r]) => [f, { ...r, mode: 'in-place' as const }]));
    const tagView = Object.fromEntries(Object.keys(tagRules).map((f) => [f, desiredView[f]]));
    const fields = diffViews(kind.actualView(actual), tagView, tagRules);
    const action: Action = fields.length === 0 ? 'noop' : 'update';
    return { key, kind: task.kind, name: task.name, action, desired: task.desired, actual, fields, security: securityOf(fields) };
  }
  const fields = diffViews(kind.actualView(actual), desiredView, kind.fields);
  const action: Action = fields.length === 0 ? 'noop' : fields.some((f) => f.forcesReplacement) ? 'replace' : 'update';
  return { key, kind: task.kind, name: task.name, action, desired: task.desired, actual, fields, security: securityOf(fields) };
}
