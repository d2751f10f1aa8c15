/**
 * Cancelling a run (an interrupt): nothing new starts, running attempts finish, dependents of
 * unfinished work never start, and work a re-run will finish is reported as `cancelled`, never as
 * a failure. Engine-level with plain keys, then through `applyPlan` with the fake kinds.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { RecordingSink } from '../../src/events.js';
import { applyPlan } from '../../src/tasks/apply.js';
import { execute, type ExecuteOptions } from '../../src/tasks/executor.js';
import { Graph } from '../../src/tasks/graph.js';
import { planTasks } from '../../src/tasks/plan.js';
import type { TaskKey } from '../../src/tasks/types.js';
import { FakeClock, seededRandom } from './fake-clock.js';
import { FakeCloud, fakeRegistry, serviceError, smallCluster, type FakeCtx } from './fake-kinds.js';

function graphOf(spec: Record<TaskKey, TaskKey[]>): Graph {
  return Graph.of(
    Object.keys(spec).map((key) => ({ key, kind: key.split('/')[0] as string })),
    new Map(Object.entries(spec)),
  );
}

function opts(extra: ExecuteOptions = {}): ExecuteOptions & { rec: RecordingSink; clock: FakeClock } {
  const rec = new RecordingSink();
  const clock = new FakeClock();
  return { clock, random: seededRandom(), slowAfterMs: 0, events: rec.sink, rec, ...extra } as ExecuteOptions & { rec: RecordingSink; clock: FakeClock };
}

/** A promise and its resolver: a running call the test finishes when it chooses. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('execute, cancelled', () => {
  it('lets running tasks finish, starts nothing new, and skips the dependents of unfinished work', async () => {
    // Two roots run at once (limit 2); a third root waits for a slot; each root has a dependent.
    const g = graphOf({ 'A/a': [], 'A/b': [], 'A/c': [], 'B/a': ['A/a'], 'B/b': ['A/b'], 'B/c': ['A/c'] });
    const ac = new AbortController();
    const o = opts({ signal: ac.signal, concurrency: 2 });
    const running = { 'A/a': gate(), 'A/b': gate() } as Record<TaskKey, ReturnType<typeof gate>>;
    const ran: TaskKey[] = [];
    const result = execute(
      g,
      async (key) => {
        ran.push(key);
        await running[key]?.promise;
      },
      o,
    );
    await new Promise<void>((r) => setImmediate(r));
    expect(ran).toEqual(['A/a', 'A/b']);
    ac.abort();
    // The running calls are not cut short: they finish after the signal, and count as done.
    running['A/a']!.open();
    running['A/b']!.open();
    const r = await result;
    expect(ran).toEqual(['A/a', 'A/b']);
    expect(r.ok).toBe(false);
    expect([...r.done].sort()).toEqual(['A/a', 'A/b']);
    expect(r.failed).toEqual([]);
    expect(r.skipped.map((s) => [s.key, s.reason])).toEqual([
      ['A/c', 'cancelled'],
      ['B/a', 'cancelled'],
      ['B/b', 'cancelled'],
      ['B/c', 'cancelled'],
    ]);
    expect(o.rec.of('task.skipped').map((e) => e.key).sort()).toEqual(['A/c', 'B/a', 'B/b', 'B/c']);
  });

  it('gives running tasks the signal: a wait it ends (an SDK waiter\'s AbortError) is cancelled, not failed; another error stays a failure', async () => {
    const g = graphOf({ 'A/a': [], 'A/b': [], 'B/a': ['A/a'] });
    const ac = new AbortController();
    const o = opts({ signal: ac.signal, concurrency: 2 });
    const r = execute(
      g,
      (key, { signal }) =>
        new Promise<void>((_resolve, reject) => {
          // What @smithy/util-waiter does with abortSignal: it rejects with an Error named AbortError.
          signal.addEventListener('abort', () => {
            const e = new Error(key === 'A/a' ? 'Request was aborted' : 'the service answered 500');
            if (key === 'A/a') e.name = 'AbortError';
            reject(e);
          });
        }),
      o,
    );
    await new Promise<void>((res) => setImmediate(res));
    ac.abort();
    const result = await r;
    expect(result.failed.map((f) => f.key)).toEqual(['A/b']);
    expect(result.skipped.map((s) => [s.key, s.reason])).toEqual([
      ['A/a', 'cancelled'],
      ['B/a', 'cancelled'],
    ]);
  });

  it('ends a task waiting to retry at once, as cancelled, without another attempt', async () => {
    const g = graphOf({ 'A/a': [], 'B/a': ['A/a'] });
    const ac = new AbortController();
    const o = opts({ signal: ac.signal, isRetryable: () => true });
    let attempts = 0;
    const r = await execute(
      g,
      async () => {
        attempts++;
        // The first attempt is throttled; the interrupt comes while the task waits to retry.
        o.clock.sleep(1).then(() => ac.abort(), () => undefined);
        throw serviceError('Throttling');
      },
      o,
    );
    expect(attempts).toBe(1);
    expect(r.failed).toEqual([]);
    expect(r.skipped.map((s) => [s.key, s.reason])).toEqual([
      ['A/a', 'cancelled'],
      ['B/a', 'cancelled'],
    ]);
    expect(o.rec.of('task.retry')).toHaveLength(1);
  });

  it('after the signal, a retryable failure of a running attempt is left for a re-run, a real one still fails', async () => {
    const g = graphOf({ 'A/flaky': [], 'A/broken': [], 'B/x': ['A/broken'] });
    const ac = new AbortController();
    const o = opts({ signal: ac.signal, isRetryable: (e) => (e as Error).name === 'Throttling' });
    const both = gate();
    let started = 0;
    const r = await execute(
      g,
      async (key) => {
        if (++started === 2) both.open();
        await both.promise;
        ac.abort();
        throw serviceError(key === 'A/flaky' ? 'Throttling' : 'InvalidParameterValue');
      },
      o,
    );
    expect(r.failed.map((f) => [f.key, f.code])).toEqual([['A/broken', 'InvalidParameterValue']]);
    expect(r.skipped.map((s) => [s.key, s.reason])).toEqual([
      ['A/flaky', 'cancelled'],
      ['B/x', 'cancelled'],
    ]);
    expect(o.rec.of('task.retry')).toEqual([]);
  });
});

describe('applyPlan, cancelled', () => {
  let ctx: FakeCtx;
  const registry = fakeRegistry();
  beforeEach(() => {
    ctx = { cloud: new FakeCloud() };
  });

  it('applies what was running, leaves the rest for a re-run, which converges', async () => {
    const ac = new AbortController();
    ctx.cloud.hook = (op, key) => {
      // The interrupt arrives while the network (every other task's dependency) is being created.
      if (op === 'create' && key === 'Network/main') ac.abort();
    };
    const tasks = smallCluster();
    const planned = await planTasks(ctx, registry, tasks);
    const rec = new RecordingSink();
    const applied = await applyPlan(ctx, registry, tasks, planned, { clock: new FakeClock(), random: seededRandom(), slowAfterMs: 0, signal: ac.signal, events: rec.sink });
    expect(applied.ok).toBe(false);
    expect(applied.results.map((x) => [x.key, x.status])).toEqual([
      ['Network/main', 'applied'],
      ['Rule/ssh', 'skipped'],
      ['Server/web', 'skipped'],
      ['Subnet/a', 'skipped'],
      ['Subnet/b', 'skipped'],
    ]);
    expect(applied.failed).toEqual([]);
    expect(applied.skipped.every((s) => s.reason === 'cancelled')).toBe(true);
    expect(ctx.cloud.calls.filter((c) => !c.startsWith('find'))).toEqual(['create Network/main']);
    expect(rec.of('apply.done')[0]).toMatchObject({ applied: 1, failed: 0, skipped: 4 });

    ctx.cloud.hook = () => {};
    const rest = await planTasks(ctx, registry, tasks);
    expect(rest.plan.changes.map((c) => `${c.key} ${c.action}`)).toEqual(['Rule/ssh create', 'Server/web create', 'Subnet/a create', 'Subnet/b create']);
    expect((await applyPlan(ctx, registry, tasks, rest, { clock: new FakeClock(), slowAfterMs: 0 })).ok).toBe(true);
    expect((await planTasks(ctx, registry, tasks)).plan.changes).toEqual([]);
  });
});
