/**
 * The human plan, in the shape of kops' dry-run report (`Will create resources:`, one
 * `  \t<field padded to 20>\t<value>` line per field, `Must specify --yes to apply changes`), with
 * two additions: security-sensitive changes (ingress and egress, IAM, public exposure) come first, under a
 * banner with a summary table; and replacements and deletions have their own sections.
 *
 * Rendered from the JSON document (`json.ts`) and nothing else, so text and JSON always agree.
 */
import type { Plan } from '../../tasks/plan.js';
import { planToJson, type JsonValue, type PlanChangeJson, type PlanDocument, type PlanFieldJson } from './json.js';
import { blobLines, formatBefore, formatValue, lineDiff, table } from './values.js';

export interface TextRenderOptions {
  /** ANSI colours (only when asked: the CLI decides from the TTY and NO_COLOR). Default false. */
  readonly color?: boolean;
  /** End with `Must specify --yes to apply changes` / `No changes need to be applied` (default true). */
  readonly footer?: boolean;
}

export function renderPlanText(plan: Plan, opts: TextRenderOptions = {}): string {
  return renderPlanDocumentText(planToJson(plan), opts);
}

type Paint = (s: string, style: keyof typeof STYLES) => string;

const STYLES = { create: '32', update: '33', replace: '35', delete: '31', banner: '1;31', bold: '1' } as const;

const SECTIONS = [
  ['create', 'Will create resources:'],
  ['update', 'Will modify resources:'],
  ['replace', 'Will replace resources:'],
  ['delete', 'Will delete resources:'],
] as const;

export function renderPlanDocumentText(doc: PlanDocument, opts: TextRenderOptions = {}): string {
  const paint: Paint = opts.color ? (s, style) => `\u001b[${STYLES[style]}m${s}\u001b[0m` : (s) => s;
  const out: string[] = [];
  const sensitive = doc.changes.filter((c) => c.security.length > 0);
  if (sensitive.length > 0) out.push(...securitySection(sensitive, paint));
  const rest = doc.changes.filter((c) => c.security.length === 0);
  for (const [action, title] of SECTIONS) {
    const list = rest.filter((c) => c.action === action);
    if (list.length === 0) continue;
    out.push(paint(title, action));
    if (action === 'delete') out.push(...list.map((c) => `  ${c.key}`), '');
    else for (const c of list) out.push(...entry(`  ${c.key}${c.action === 'replace' && c.reason ? ` (${c.reason})` : ''}`, c));
  }
  if (opts.footer ?? true) out.push(...footer(doc, paint));
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

function securitySection(changes: readonly PlanChangeJson[], paint: Paint): string[] {
  const rows = changes.map((c) => [
    c.action,
    c.key,
    c.security.join(', '),
    c.fields
      .filter((f) => f.security)
      .map((f) => f.field)
      .join(', '),
  ]);
  const out = [paint('Security-sensitive changes (review these first):', 'banner'), ...table([['ACTION', 'RESOURCE', 'CATEGORY', 'FIELDS'], ...rows]), ''];
  for (const c of changes) {
    if (c.action === 'delete') out.push(`  ${paint(c.action, c.action)} ${c.key}`, '');
    else out.push(...entry(`  ${paint(c.action, c.action)} ${c.key}`, c));
  }
  return out;
}

/** One resource: its header line, a line per field, a blank line (as kops). */
function entry(header: string, c: PlanChangeJson): string[] {
  const out = [header];
  for (const f of c.fields) out.push(...(c.action === 'create' ? createField(f) : modifyField(f, c.action === 'replace')));
  out.push('');
  return out;
}

function fieldLine(name: string, value?: string): string {
  return value === undefined ? `  \t${name.padEnd(20)}` : `  \t${name.padEnd(20)}\t${value}`;
}

function multiLine(name: string, lines: readonly string[]): string[] {
  return [fieldLine(name), ...lines.map((l) => fieldLine('', l))];
}

function createField(f: PlanFieldJson): string[] {
  if (f.blob && !f.sensitive && typeof f.after === 'string') return multiLine(f.field, blobLines(f.after));
  return [fieldLine(f.field, formatValue(f.after))];
}

/** ` <old> -> <new>` (kops' leading space included), or a line diff for a blob. */
function modifyField(f: PlanFieldJson, replacing: boolean): string[] {
  const note = replacing && f.forcesReplacement ? '  (forces replacement)' : '';
  if (f.blob && !f.sensitive && typeof f.after === 'string') {
    const lines = lineDiff(typeof f.before === 'string' ? f.before : '', f.after);
    return multiLine(`${f.field}${note}`, lines);
  }
  if (f.additive && Array.isArray(f.after)) return [fieldLine(f.field, ` ${addedMembers(f.before, f.after)}${note}`)];
  return [fieldLine(f.field, ` ${formatBefore(f.before, f.after)} -> ${formatValue(f.after)}${note}`)];
}

/** An additive field's change: the members it adds (`+ vpc-0abc, + name:<new VPC>`); the others stay as they are. */
function addedMembers(before: JsonValue | undefined, after: readonly JsonValue[]): string {
  const have = new Set((Array.isArray(before) ? before : []).map((b) => formatValue(b)));
  return after
    .map((a) => formatValue(a))
    .filter((a) => !have.has(a))
    .map((a) => `+ ${a}`)
    .join(', ');
}

function footer(doc: PlanDocument, paint: Paint): string[] {
  const s = doc.summary;
  const errors = doc.diagnostics.filter((d) => d.severity === 'error').length;
  const changed = s.create + s.update + s.replace + s.delete;
  const lines: string[] = [];
  if (changed > 0) {
    lines.push(`Plan: ${s.create} to create, ${s.update} to modify, ${s.replace} to replace, ${s.delete} to delete, ${s.noop} unchanged.`, '');
  }
  if (errors > 0) lines.push(paint(`The plan has ${errors} error${errors === 1 ? '' : 's'}; fix ${errors === 1 ? 'it' : 'them'} before applying`, 'banner'));
  else lines.push(changed > 0 ? 'Must specify --yes to apply changes' : 'No changes need to be applied');
  return lines;
}
