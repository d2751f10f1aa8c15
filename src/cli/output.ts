/** Tables (kops's tab-padded style), `-o` formats, and colour only on a terminal. */
import { KopsError } from '../diagnostics.js';
import type { CliIO } from './io.js';

export type OutputFormat = 'table' | 'yaml' | 'json';

/**
 * A command's document as `-o json` (indented) or `-o yaml` prints it. The YAML writer is imported
 * here, on first use, so commands that print tables do not load it at start-up.
 */
export async function renderDocument(doc: unknown, format: 'json' | 'yaml'): Promise<string> {
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  return (await import('../model/api/yaml.js')).stringifyKopsYaml(doc);
}

export function parseOutputFormat(v: string | undefined, allowed: readonly OutputFormat[] = ['table', 'yaml', 'json']): OutputFormat {
  const f = (v ?? allowed[0]) as OutputFormat;
  if (!allowed.includes(f)) {
    throw new KopsError('InvalidOutputFormat', `unknown output format ${JSON.stringify(v)}`, { hint: `use -o ${allowed.join('|')}`, exitCode: 2 });
  }
  return f;
}

/** Columns padded to the widest cell plus three spaces, like Go's tabwriter in kops. */
export function renderTable(headers: readonly string[], rawRows: readonly (readonly string[])[]): string {
  // A cell of an object read from the store may be missing or not a string whatever its type says (a hand-edited
  // or cut-short instance group without a role): an empty cell, not a crash.
  const rows = rawRows.map((r) => r.map((c: unknown) => (typeof c === 'string' ? c : c == null ? '' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3)))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export function useColor(io: CliIO): boolean {
  return io.isTTY && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
}

export function bold(io: CliIO, s: string): string {
  return useColor(io) ? `\u001b[1m${s}\u001b[0m` : s;
}
