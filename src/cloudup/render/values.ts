/**
 * Formatting plan values for the text report, from their JSON form: kops' `ValueAsString` style
 * (`[a, b]`, `{k: v}`), refs as `name:<target>` (not created yet) or `id:<id>` (known), and blobs
 * as kops' line diff (`+ `/`- `/`  ` lines, 2 lines of context, `...` for what is skipped).
 */
import { diffLines } from 'diff';
import { isRefJson, isSensitiveJson, isUnknownJson, type JsonValue, type RefJson } from './json.js';

export const KNOWN_AFTER_APPLY = '(known after apply)';

/** One value on one line. */
export function formatValue(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isUnknownJson(v)) return KNOWN_AFTER_APPLY;
  if (isSensitiveJson(v)) return '(sensitive)';
  if (isRefJson(v)) return v.value === undefined ? `name:${v.ref.slice(v.ref.indexOf('/') + 1)}` : `${v.output}:${v.value}`;
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  const entries = Object.keys(v)
    .sort()
    .map((k) => `${k}: ${formatValue(v[k])}`);
  return `{${entries.join(', ')}}`;
}

/**
 * The old value of a field whose new value is a ref: shown as `id:<old>` (kops prints both sides
 * of a task reference that way), element by element for lists of refs.
 */
export function formatBefore(before: JsonValue | undefined, after: JsonValue | undefined): string {
  if (typeof before === 'string' && isRefJson(after)) return `${after.output}:${before}`;
  if (Array.isArray(before) && Array.isArray(after)) {
    const ref = after.find((a) => isRefJson(a)) as RefJson | undefined;
    if (ref) return `[${before.map((b) => (typeof b === 'string' ? `${ref.output}:${b}` : formatValue(b))).join(', ')}]`;
  }
  return formatValue(before);
}

type LineOp = '+' | '-' | ' ';

function splitLines(s: string): string[] {
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** kops' `FormatDiff`: changed lines with `context` lines around them; `...` stands for the rest. */
export function lineDiff(before: string, after: string, context = 2): string[] {
  const records: { op: LineOp; line: string }[] = [];
  for (const part of diffLines(before, after)) {
    const op: LineOp = part.added ? '+' : part.removed ? '-' : ' ';
    for (const line of splitLines(part.value)) records.push({ op, line });
  }
  const keep = records.map(() => false);
  records.forEach((r, i) => {
    if (r.op === ' ') return;
    for (let j = Math.max(0, i - context); j <= Math.min(records.length - 1, i + context); j++) keep[j] = true;
  });
  const out: string[] = [];
  let skipped = false;
  records.forEach((r, i) => {
    if (!keep[i]) {
      if (!skipped) out.push('...');
      skipped = true;
      return;
    }
    out.push(`${r.op} ${r.line}`);
    skipped = false;
  });
  return out;
}

/** A blob that is new: every line added, at most `max` of them. */
export function blobLines(text: string, max = 50): string[] {
  const lines = splitLines(text).map((l) => `+ ${l}`);
  if (lines.length <= max) return lines;
  return [...lines.slice(0, max), `... (${lines.length - max} more lines)`];
}

/** Space-padded columns (kops' tables are tabwriter output with two spaces of padding). */
export function table(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => `${indent}${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 2))).join('')}`.trimEnd());
}
