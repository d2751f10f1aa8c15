/**
 * The child process of the memory benchmark (bench/plan-memory.ts): plans (`update cluster`
 * without --yes) an HA cluster with the given number of node instance groups against an empty
 * emulator account (every resource to create), spec in a memory store, and prints one JSON line
 * with its peak RSS before and after. Run alone: `AWS_TEST_ENDPOINT=... node --import tsx
 * bench/plan-memory-child.ts 1000`.
 */
import { haCluster } from './aws-env.js';

const groups = Number(process.argv[2]);
if (!Number.isInteger(groups) || groups < 1) {
  console.error(`plan-memory-child: expected a number of node groups >= 1 as the first argument, got ${JSON.stringify(process.argv[2])}`);
  process.exit(2);
}
const rssAfterImport = process.resourceUsage().maxRSS;
const c = await haCluster(groups, {}, 'memory');
const t0 = performance.now();
const res = await c.update(false);
const planMs = performance.now() - t0;
await c.close();
const usage = process.resourceUsage();
console.log(JSON.stringify({
  groups,
  changes: res.plan.changes.length,
  planMs,
  rssAfterImportKiB: rssAfterImport,
  peakRssKiB: usage.maxRSS,
  heapUsedBytes: process.memoryUsage().heapUsed,
}));
