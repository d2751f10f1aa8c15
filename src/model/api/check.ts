/**
 * Checks a parsed object against the field table (schema.ts): unknown fields are errors with a
 * "did you mean", wrongly typed values are errors, and kops fields that kops-ts does not act on are
 * named in one warning each. Every problem is collected; nothing stops at the first.
 *
 * `null` is accepted everywhere and means "unset", as it does for kops's Go decoder (kops writes
 * `creationTimestamp: null`); it is kept as is so that the object round-trips.
 */
import { error, warning, type Diagnostic } from '../../diagnostics.js';
import { editDistance } from '../../text/edit-distance.js';
import { MAX_LIST_ITEMS, MAX_MAP_KEYS } from './limits.js';
import type { FieldShape, IntType, ObjectShape } from './schema.js';

/**
 * The range of each of kops's Go integer types. int64 stops at 2^53 - 1: past it a JavaScript
 * number no longer holds every whole number exactly, so kops-ts would not write back what was read.
 */
export const INT_RANGES: Readonly<Record<IntType, { readonly min: number; readonly max: number; readonly note: string }>> = {
  int32: { min: -(2 ** 31), max: 2 ** 31 - 1, note: "kops's int32" },
  uint32: { min: 0, max: 2 ** 32 - 1, note: "kops's uint32" },
  int64: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, note: "kops's int64, as far as kops-ts keeps whole numbers exactly" },
};

/** Whether `value` is a whole number in `type`'s range; a message saying why not otherwise. */
export function intProblem(value: number, type: IntType): string | undefined {
  const r = INT_RANGES[type];
  if (value < r.min || value > r.max) return `${value} is out of range: expected a whole number from ${r.min} to ${r.max} (${r.note})`;
  return undefined;
}

export interface CheckContext {
  readonly file?: string;
  /** Prefix for paths, e.g. `InstanceGroup/nodes ` (empty for the Cluster). */
  readonly objectPrefix: string;
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
  // JSON has no Infinity or NaN (1e400 and .nan in YAML): JSON.stringify would say "null".
  if (typeof v === 'number' && !Number.isFinite(v)) return `number ${String(v)}`;
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

/** The hint for a string field given an unquoted YAML number or boolean. */
export const QUOTE_HINT = 'quote the value as you mean it: YAML reads an unquoted number or true/false as a number or a boolean (0644 as 420, 1.10 as 1.1), e.g. mode: "0644", Foo: "true"';

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
      if (typeof value === 'number' || typeof value === 'boolean') {
        // A scalar YAML read as a number or boolean: kops's manifests quote these (mode: "0644", a feature gate's "true").
        out.push(error('InvalidFieldType', `expected a string, got ${describeValue(value)}`, { ...where, hint: QUOTE_HINT }));
      } else if (typeof value !== 'string') wrong(EXPECTED.string);
      return;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) return wrong(EXPECTED.int);
      checkIntRange(value, shape.type, where, out);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') wrong(EXPECTED.boolean);
      return;
    case 'intOrString':
      if (!(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) return wrong(EXPECTED.intOrString);
      if (typeof value === 'number') checkIntRange(value, 'int32', where, out);
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
      // The YAML reader bounds lists already; this catches objects given to the library directly.
      if (value.length > MAX_LIST_ITEMS) return tooMany(`a list of ${value.length} items`, MAX_LIST_ITEMS, 'items', where, out);
      value.forEach((v, i) => {
        // An empty item (`- ` alone, or a list cut short) is not "unset": code would read its fields.
        if (v === null && shape.of.t === 'object') {
          out.push(error('InvalidFieldType', 'expected an object, got an empty item', { path: `${ctx.objectPrefix}${path}[${i}]`, ...(ctx.file ? { file: ctx.file } : {}), hint: 'fill the item in or remove it' }));
        } else checkValue(v, shape.of, `${path}[${i}]`, ctx, out);
      });
      return;
    case 'map':
      if (!isRecord(value)) return wrong(EXPECTED.map);
      if (Object.keys(value).length > MAX_MAP_KEYS) return tooMany(`a map of ${Object.keys(value).length} keys`, MAX_MAP_KEYS, 'keys', where, out);
      for (const [k, v] of Object.entries(value)) checkValue(v, shape.of, pathKey(path, k), ctx, out);
      return;
    case 'object':
      if (!isRecord(value)) return wrong(EXPECTED.object);
      checkFields(value, shape, path, ctx, out);
      return;
  }
}

function checkIntRange(value: number, type: IntType, where: { path: string; file?: string }, out: Diagnostic[]): void {
  const problem = intProblem(value, type);
  if (problem) out.push(error('ValueOutOfRange', problem, { ...where, hint: 'give a value in range: kops cannot read this one' }));
}

function tooMany(what: string, limit: number, unit: string, where: { path: string; file?: string }, out: Diagnostic[]): void {
  out.push(error(unit === 'keys' ? 'TooManyKeys' : 'TooManyItems', `${what}, more than the ${limit} kops-ts reads`, { ...where, hint: `keep at most ${limit} ${unit} (docs/spec.md, "Limits")` }));
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
