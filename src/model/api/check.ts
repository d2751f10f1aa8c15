/**
 * Checks a parsed object against the field table (schema.ts): unknown fields are errors with a
 * "did you mean", wrongly typed values are errors, and kops fields that kops-ts does not act on are
 * named in one warning each. Every problem is collected; nothing stops at the first.
 *
 * `null` is accepted everywhere and means "unset", as it does for kops's Go decoder (kops writes
 * `creationTimestamp: null`); it is kept as is so that the object round-trips.
 */
import { error, warning, type Diagnostic } from '../../diagnostics.js';
import type { FieldShape, ObjectShape } from './schema.js';

export interface CheckContext {
  readonly file?: string;
  /** Prefix for paths, e.g. `InstanceGroup/nodes ` (empty for the Cluster). */
  readonly objectPrefix: string;
}

/** Optimal string alignment distance: edits, with a swap of two neighbours counted as one. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate, if it is close enough to be a likely misspelling of `name`. */
export function suggest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (!best || d < best.d) best = { c, d };
  }
  return best && best.d <= Math.max(2, Math.floor(name.length / 4)) ? best.c : undefined;
}

/** A path segment for a map key or field name: `.name`, or `["kops.k8s.io/x"]` when needed. */
export function pathKey(path: string, key: string): string {
  if (/^[A-Za-z_][\w-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

const EXPECTED = {
  string: 'a string',
  int: 'a whole number',
  boolean: 'true or false',
  intOrString: 'a whole number or a percentage such as "25%"',
  quantity: 'a quantity such as "100m" or "1Gi"',
  object: 'an object',
  array: 'a list',
  map: 'a map',
  stringOrObject: 'a string or an object',
} as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks `value` against `shape`, appending every problem to `out`. */
export function checkValue(value: unknown, shape: FieldShape, path: string, ctx: CheckContext, out: Diagnostic[]): void {
  if (value === null || value === undefined) return;
  const where = { path: `${ctx.objectPrefix}${path}`, ...(ctx.file ? { file: ctx.file } : {}) };
  const wrong = (expected: string): void => {
    out.push(error('InvalidFieldType', `expected ${expected}, got ${describeValue(value)}`, { ...where, hint: 'fix the value in the manifest' }));
  };
  switch (shape.t) {
    case 'kops':
      out.push(warning('FieldNotActedOn', shape.reason ?? 'a kops field that kops-ts does not act on yet; kept as is', where));
      return;
    case 'presence':
      if (!isRecord(value)) return wrong(EXPECTED.object);
      if (Object.keys(value).length > 0) out.push(warning('FieldNotActedOn', 'a kops field that kops-ts does not act on yet; kept as is', where));
      return;
    case 'removed':
      out.push(error('RemovedField', shape.reason, { ...where, hint: shape.hint }));
      return;
    case 'ignored':
      out.push(warning('FieldIgnoredByKops', shape.reason, { ...where, hint: shape.hint }));
      return;
    case 'string':
      if (typeof value !== 'string') wrong(EXPECTED.string);
      return;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) wrong(EXPECTED.int);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') wrong(EXPECTED.boolean);
      return;
    case 'intOrString':
      if (!(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) wrong(EXPECTED.intOrString);
      return;
    case 'quantity':
      if (typeof value !== 'string' && typeof value !== 'number') wrong(EXPECTED.quantity);
      return;
    case 'enum':
      checkEnum(value, shape.values, where, out);
      return;
    case 'stringOrObject':
      if (typeof value === 'string') checkValue(value, shape.string, path, ctx, out);
      else if (isRecord(value)) checkValue(value, shape.object, path, ctx, out);
      else wrong(EXPECTED.stringOrObject);
      return;
    case 'array':
      if (!Array.isArray(value)) return wrong(EXPECTED.array);
      value.forEach((v, i) => checkValue(v, shape.of, `${path}[${i}]`, ctx, out));
      return;
    case 'map':
      if (!isRecord(value)) return wrong(EXPECTED.map);
      for (const [k, v] of Object.entries(value)) checkValue(v, shape.of, pathKey(path, k), ctx, out);
      return;
    case 'object':
      if (!isRecord(value)) return wrong(EXPECTED.object);
      checkFields(value, shape, path, ctx, out);
      return;
  }
}

function checkEnum(value: unknown, values: readonly string[], where: { path: string; file?: string }, out: Diagnostic[]): void {
  if (typeof value === 'string' && values.includes(value)) return;
  const near = typeof value === 'string' ? suggest(value, values) : undefined;
  out.push(
    error('InvalidFieldValue', `${describeValue(value)} is not one of ${values.join(', ')}`, {
      ...where,
      hint: near ? `did you mean "${near}"?` : `use one of ${values.join(', ')}`,
    }),
  );
}

function checkFields(value: Record<string, unknown>, shape: ObjectShape, path: string, ctx: CheckContext, out: Diagnostic[]): void {
  const known = Object.keys(shape.fields);
  for (const [k, v] of Object.entries(value)) {
    const fieldPath = pathKey(path, k);
    const child = shape.fields[k];
    if (child) {
      checkValue(v, child, fieldPath, ctx, out);
      continue;
    }
    const near = suggest(k, known);
    out.push(
      error('UnknownField', 'unknown field', {
        path: `${ctx.objectPrefix}${fieldPath}`,
        ...(ctx.file ? { file: ctx.file } : {}),
        hint: near ? `did you mean "${near}"?` : 'remove it, or check the spelling (docs/spec.md lists the fields)',
      }),
    );
  }
}
