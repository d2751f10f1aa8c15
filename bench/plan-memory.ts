/**
 * Benchmark 5: the peak RSS of planning 1,000 node instance groups, each case in its own child
 * process (so one case's heap does not count in another's), beside a 3-group plan in the same run:
 * the difference divided by the extra groups is the cost per group.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { emulatorEndpoint } from './aws-env.js';
import { fmt, table } from './harness.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./plan-memory-child.ts', import.meta.url));

interface ChildFigure {
  readonly groups: number;
  readonly changes: number;
  readonly planMs: number;
  readonly rssAfterImportKiB: number;
  readonly peakRssKiB: number;
  readonly heapUsedBytes: number;
}

async function child(groups: number): Promise<ChildFigure> {
  const endpoint = await emulatorEndpoint();
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD, String(groups)], {
    env: { ...process.env, AWS_TEST_ENDPOINT: endpoint, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    maxBuffer: 1 << 20,
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ChildFigure;
}

const mib = (kib: number): string => (kib / 1024).toFixed(0);

export async function benchPlanMemory(small = 3, large = 1000): Promise<string> {
  const a = await child(small);
  const b = await child(large);
  const rows = [a, b].map((f) => [String(f.groups), String(f.changes), fmt(f.planMs), mib(f.rssAfterImportKiB), mib(f.peakRssKiB), (f.heapUsedBytes / 2 ** 20).toFixed(0)]);
  const perGroupKiB = (b.peakRssKiB - a.peakRssKiB) / (large - small);
  const out = [`### Peak RSS of planning an HA cluster (against an empty account: everything to create), one child process per case\n`];
  out.push(table(['node groups', 'planned changes', 'plan ms', 'RSS after import (MiB)', 'peak RSS (MiB)', 'heap used at end (MiB)'], rows));
  out.push(`\n${large} groups: peak ${mib(b.peakRssKiB)} MiB; ${perGroupKiB.toFixed(0)} KiB per extra group (peak difference / ${large - small}).`);
  return out.join('\n');
}
