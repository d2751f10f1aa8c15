/**
 * A small benchmark harness: runs a function until both a minimum number of runs and a minimum
 * time have passed (after warm-up runs), and reports the median. Figures are for comparing cases
 * measured side by side in one run (ratios, per-KB costs), not absolute targets: the machine is
 * shared, so no benchmark asserts a time.
 */
import { performance } from 'node:perf_hooks';

export interface Measurement {
  readonly medianMs: number;
  readonly runs: number;
}

export interface MeasureOptions {
  readonly warmup?: number;
  readonly minRuns?: number;
  readonly minTimeMs?: number;
  /** Stop after this many runs even if minTimeMs has not passed (for slow cases). */
  readonly maxRuns?: number;
}

export function measure(fn: () => unknown, opts: MeasureOptions = {}): Measurement {
  const { warmup = 2, minRuns = 5, minTimeMs = 300, maxRuns = 200 } = opts;
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - start < minTimeMs)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, runs: times.length };
}

/** A Markdown table, columns padded for reading in a terminal too. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}
