/**
 * `npm run bench`: runs every benchmark and prints Markdown tables (recorded in
 * docs/performance.md). Not a test: nothing here asserts a time.
 *
 * `npm run bench -- <name>...` runs only the named ones (`npm run bench -- list` names them).
 * The AWS benchmarks start one moto_server for the run (or use `AWS_TEST_ENDPOINT`).
 */
import { benchAwsCalls } from './aws-calls.js';
import { benchColdStart } from './cold-start.js';
import { stopEmulator } from './aws-env.js';
import { benchApplyLatency } from './apply-latency.js';
import { benchMigrateReads } from './migrate-reads.js';
import { benchPlanMemory } from './plan-memory.js';
import { benchParse } from './parse.js';
import { benchRollingUpdate } from './rolling-update.js';
import { benchThrottling } from './throttling.js';

// As bin/kops-ts.js and .ci/run do: the AWS SDK's notice about Node versions (seven lines on stderr
// at the first client) is not a figure.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface Bench {
  readonly name: string;
  readonly what: string;
  run(): string | Promise<string>;
}

const BENCHES: readonly Bench[] = [
  { name: 'parse', what: 'parse-and-check time against manifest size', run: benchParse },
  { name: 'calls', what: 'requests of a no-op update cluster at 3, 20 and 100 node groups', run: () => benchAwsCalls() },
  { name: 'latency', what: 'apply wall time against its critical-path bound, 200 ms per request (and 1 s side by side; median of KOPS_TS_BENCH_LATENCY_RUNS, default 3)', run: () => benchApplyLatency() },
  { name: 'throttling', what: 'apply of a 20-group cluster under a 5 requests/s limit', run: () => benchThrottling() },
  { name: 'rolling', what: 'rolling update of 100 nodes on the simulated clock', run: () => benchRollingUpdate() },
  { name: 'memory', what: 'peak RSS of planning 1,000 instance groups', run: () => benchPlanMemory() },
  { name: 'migrate', what: 'S3 requests of migrate state (preview and --yes) with 128 MiB of etcd backups', run: () => benchMigrateReads() },
  { name: 'cold-start', what: 'kops-ts version / get clusters / --help start-up against node -e 0', run: () => benchColdStart() },
];

async function main(args: readonly string[]): Promise<number> {
  if (args.includes('list')) {
    for (const b of BENCHES) console.log(`${b.name.padEnd(12)} ${b.what}`);
    return 0;
  }
  const unknown = args.filter((a) => !BENCHES.some((b) => b.name === a));
  if (unknown.length > 0) {
    console.error(`npm run bench: no benchmark named ${unknown.join(', ')}; the benchmarks are: ${BENCHES.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const chosen = args.length > 0 ? BENCHES.filter((b) => args.includes(b.name)) : BENCHES;
  const started = Date.now();
  console.log(`# kops-ts benchmarks (node ${process.version}, ${new Date().toISOString()})\n`);
  try {
    for (const b of chosen) {
      const t0 = Date.now();
      console.log(await b.run());
      console.log(`\n(${b.name}: ${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
  } finally {
    await stopEmulator();
  }
  console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
