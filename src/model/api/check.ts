/**
 * Checks a parsed object against the field table (schema.ts): unknown fields are errors with a
 * "did you mean", wrongly-typed values are errors, and kops fields that kops-ts does not act on
 * are named in one warning each. Every problem is collected; nothing stops at the first.
 */
import { error, warning, type Diagnostic } from '../../diagnostics.js';
import type { FieldShape } from './schema.js';

export interface CheckContext {
  readonly file?: string;
  /** Prefix for paths, e.g. `InstanceGroup/nodes ` (empty for the Cluster). */
  readonly objectPrefix: string;
}

/** Levenshtein distance, bounded: enough for "did you mean". */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

export function suggest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase());
    if (!best || d < best.d) best = { c, d };
  }
  if (!best) return undefined;
  return best.d <= Math.max(2, Math.floor(name.length / 4)) ? best.c : undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  intOrString: 'a whole number or a percentage such as "25%"',
  null: 'null',
  object: 'an object',
  array: 'a list',
  map: 'a map of strings',
};

export function checkValue(value: unknown, shape: FieldShape, path: string, ctx: CheckContext, out: Diagnostic[]): void {
  const where = { path: `${ctx.objectPrefix}${path}`, ...(ctx.file ? { file: ctx.file } : {}) };
  const wrong = (expected: string): void => {
    out.push(error('InvalidFieldType', `expected ${expected}, got ${describe(value)}`, { ...where, hint: 'fix the value in the manifest' }));
  };
  if (value === null && shape.t !== 'kops' && shape.t !== 'any') return; // YAML null = unset
  switch (shape.t) {
    case 'any':
      return;
    case 'kops':
      out.push(warning('FieldNotActedOn', 'a kops field that kops-ts does not act on yet; kept as is', where));
      return;
    case 'string':
      if (typeof value !== 'string') wrong(EXPECTED.string!);
      return;
    case 'number':
      if (typeof value !== 'number') wrong(EXPECTED.number!);
      return;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) wrong(EXPECTED.int!);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') wrong(EXPECTED.boolean!);
      return;
    case 'null':
      return;
    case 'intOrString':
      if (!(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) wrong(EXPECTED.intOrString!);
      return;
    case 'enum':
      if (typeof value !== 'string' || !shape.values.includes(value)) {
        const hint = typeof value === 'string' ? suggest(value, shape.values) : undefined;
        out.push(
          error('InvalidFieldValue', `${describe(value)} is not one of ${shape.values.join(', ')}`, {
            ...where,
            hint: hint ? `did you mean "${hint}"?` : `use one of ${shape.values.join(', ')}`,
          }),
        );
      }
      return;
    case 'array':
      if (!Array.isArray(value)) return wrong(EXPECTED.array!);
      value.forEach((v, i) => checkValue(v, shape.of, `${path}[${i}]`, ctx, out));
      return;
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) return wrong(EXPECTED.map!);
      for (const [k, v] of Object.entries(value as object)) checkValue(v, shape.of, `${path}.${k}`, ctx, out);
      return;
    case 'object':
      checkObjectFields(value, shape, path, ctx, out);
      return;
  }
}

function checkObjectFields(
  value: unknown,
  shape: Extract<FieldShape, { t: 'object' }>,
  path: string,
  ctx: CheckContext,
  out: Diagnostic[],
): void {
  const where = (p: string) => ({ path: `${ctx.objectPrefix}${p}`, ...(ctx.file ? { file: ctx.file } : {}) });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    out.push(error('InvalidFieldType', `expected an object, got ${describe(value)}`, where(path)));
    return;
  }
  const known = Object.keys(shape.fields);
  for (const [k, v] of Object.entries(value)) {
    const fieldPath = path ? `${path}.${k}` : k;
    const child = shape.fields[k];
    if (child) {
      checkValue(v, child, fieldPath, ctx, out);
    } else if (!shape.open) {
      const s = suggest(k, known);
      out.push(
        error('UnknownField', 'unknown field', {
          ...where(fieldPath),
          hint: s ? `did you mean "${s}"?` : 'remove it, or check the spelling against docs/spec.md',
        }),
      );
    }
  }
}
