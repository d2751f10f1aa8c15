/**
 * Benchmark 2: the wall time of the first apply of an HA cluster when every request takes a fixed
 * extra delay (the shaping proxy holds each answer back), against its critical-path bound: the
 * heaviest dependency chain of the task graph, each task weighed by the requests its apply made,
 * times the delay. With unlimited parallelism and nothing else slow, the apply cannot beat it;
 * the ratio says how close the executor gets.
 *
 * The same apply is run side by side without the delay, so the emulator's own time per request
 * (which the bound does not count) can be read off.
 */
import { AwsCallRecorder } from '../src/cloud/aws/call-scope.js';
import { RecordingSink } from '../src/events.js';
import { DEFAULT_CONCURRENCY } from '../src/tasks/executor-options.js';
import { criticalPath } from './critical-path.js';
import { countsByOperation, haCluster } from './aws-env.js';
import { fmt, table } from './harness.js';

export interface ApplyTiming {
  readonly delayMs: number;
  readonly applyMs: number;
  readonly updateMs: number;
  /** Requests the proxy saw during the whole `update --yes`. */
  readonly requests: number;
  /** Requests made by task applies (attributed to a task). */
  readonly applyRequests: number;
  readonly tasks: number;
  readonly path: readonly string[];
  readonly pathRequests: number;
  readonly depth: number;
  /** The heaviest chain of the graph weighed by each task's measured apply time (first start to success). */
  readonly measuredPathMs: number;
  readonly measuredPath: readonly string[];
  /** Requests outside any task's apply (pre-flight, the two plans, the state store), by `service:Operation`. */
  readonly outside: ReadonlyMap<string, number>;
  /** The state store's requests (S3, on the wire), by operation. */
  readonly s3: ReadonlyMap<string, number>;
}

export async function timeApply(nodeGroups: number, delayMs: number): Promise<ApplyTiming> {
  const c = await haCluster(nodeGroups, { delayMs });
  try {
    const recorder = new AwsCallRecorder();
    const events = new RecordingSink();
    const t0 = performance.now();
    const res = await c.update(true, { hooks: [recorder.hook], events: events.sink });
    const updateMs = performance.now() - t0;
    if (!res.applied?.ok) throw new Error(`bench: apply of ${c.name} failed: ${res.applied?.failed.map((f) => `${f.key}: ${f.message}`).join('; ')}`);
    const done = events.of('apply.done')[0];
    if (!done) throw new Error('bench: no apply.done event');
    const perTask = new Map<string, number>();
    for (const call of recorder.calls) {
      if (call.scope?.phase !== 'apply' || call.scope.task === undefined) continue;
      const key = `${call.scope.kind}/${call.scope.task}`;
      perTask.set(key, (perTask.get(key) ?? 0) + 1);
    }
    const outside = new Map<string, number>();
    for (const call of recorder.calls) {
      if (call.scope?.phase === 'apply') continue;
      const k = call.scope ? `${call.service}:${call.operation} (find)` : `${call.service}:${call.operation}`;
      outside.set(k, (outside.get(k) ?? 0) + 1);
    }
    const graph = await c.graph();
    const unknown = [...perTask.keys()].filter((k) => !graph.has(k as never));
    if (unknown.length > 0) throw new Error(`bench: requests attributed to tasks not in the graph: ${unknown.join(', ')}`);
    const cp = criticalPath(graph, (k) => perTask.get(k) ?? 0);
    const taskMs = new Map(events.of('task.done').map((e) => [e.key as string, e.ms]));
    const measured = criticalPath(graph, (k) => taskMs.get(k) ?? 0);
    return {
      delayMs, applyMs: done.ms, updateMs, requests: c.proxy.requests.length,
      applyRequests: [...perTask.values()].reduce((a, b) => a + b, 0), tasks: perTask.size,
      path: cp.path, pathRequests: cp.weight, depth: cp.depth, outside,
      measuredPathMs: measured.weight, measuredPath: measured.path,
      s3: new Map([...countsByOperation(c.proxy)].filter(([k]) => k.startsWith('s3:'))),
    };
  } finally {
    await c.close();
  }
}

/**
 * `delayMs` is the delay the target is judged at; `longDelayMs`, run side by side, shows the same
 * apply where the injected latency, not the emulator's own time per request, dominates (moto answers
 * one request at a time: its serial work is a floor the bound does not count).
 */
export async function benchApplyLatency(nodeGroups = 3, delayMs = 200, longDelayMs = 1000): Promise<string> {
  const base = await timeApply(nodeGroups, 0);
  const slow = await timeApply(nodeGroups, delayMs);
  const long = await timeApply(nodeGroups, longDelayMs);
  const bound = slow.pathRequests * delayMs;
  const rows = [base, slow, long].map((t) => [
    String(t.delayMs), String(t.tasks), String(t.applyRequests), String(t.depth), String(t.pathRequests),
    fmt(t.pathRequests * t.delayMs), fmt(t.applyMs), t.delayMs > 0 ? (t.applyMs / (t.pathRequests * t.delayMs)).toFixed(2) : '-', fmt(t.updateMs), String(t.requests),
    fmt(t.measuredPathMs), (t.applyMs / t.measuredPathMs).toFixed(2),
  ]);
  const out = [`### First apply of an HA cluster (${nodeGroups} node groups) with a fixed delay per request, against the critical-path bound\n`];
  out.push(table(['delay ms', 'tasks applied', 'apply requests', 'graph depth', 'requests on critical path', 'bound ms', 'apply ms', 'apply / bound', 'update --yes ms', 'requests in update', 'measured chain ms', 'apply / measured chain'], rows));
  out.push(`\nCritical path (${slow.pathRequests} requests): ${slow.path.join(' -> ')}`);
  out.push(`Measured chain (the graph's heaviest chain by each task's own apply time in this run, so with the emulator's time in it: what unlimited parallelism could reach): ${fmt(slow.measuredPathMs)} ms, ${slow.measuredPath.join(' -> ')}.`);
  const ratio = slow.applyMs / bound;
  out.push(`Target: apply <= 1.25 x bound: ${ratio <= 1.25 ? 'held' : 'NOT held'} (${ratio.toFixed(2)}). `
    + `Without the delay the same apply took ${fmt(base.applyMs)} ms (the emulator's own time, which the bound leaves out).`);
  const longRatio = long.applyMs / (long.pathRequests * longDelayMs);
  out.push(`At ${longDelayMs} ms per request (same graph, ${long.pathRequests} requests on its critical path): apply / bound ${longRatio.toFixed(2)} (${longRatio <= 1.25 ? 'within' : 'above'} 1.25); `
    + `the emulator's ${fmt(base.applyMs)} ms of serial work is then a smaller share of the bound.`);
  const outside = [...slow.outside].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
  out.push(`AWS requests outside the apply (pre-flight and finds, twice: before and under the lock; ${[...slow.outside.values()].reduce((a, b) => a + b, 0)}): ${outside.join(', ')}.`);
  const s3 = [...slow.s3].sort((a, b) => b[1] - a[1]);
  out.push(`State-store requests (S3, ${s3.reduce((a, [, n]) => a + n, 0)}): ${s3.map(([k, n]) => `${k} ${n}`).join(', ')}.`);
  // The executor runs at most DEFAULT_CONCURRENCY tasks at once (src/tasks/executor-options.ts): a second floor.
  const work = (slow.applyRequests * delayMs) / DEFAULT_CONCURRENCY;
  out.push(`Work bound at the executor's ${DEFAULT_CONCURRENCY} concurrent tasks: ${slow.applyRequests} requests x ${delayMs} ms / ${DEFAULT_CONCURRENCY} = ${fmt(work)} ms; apply / max(bounds) = ${(slow.applyMs / Math.max(bound, work)).toFixed(2)}.`);
  return out.join('\n');
}
