/**
 * `applyPlan` tells the retry decision how old the values an error names are: a "not found" of
 * what this run created is retried for the consistency window (eventual consistency), one of
 * what was found at plan time is final at once.
 */
import { describe, expect, it } from 'vitest';
import { isRetryableAwsError } from '../../src/cloud/aws/errors.js';
import { RecordingSink } from '../../src/events.js';
import { applyPlan, type ApplyOptions } from '../../src/tasks/apply.js';
import { planTasks } from '../../src/tasks/plan.js';
import type { Task } from '../../src/tasks/types.js';
import { FakeClock, seededRandom } from './fake-clock.js';
import { FakeCloud, fakeRegistry, network, serviceError, subnet, type FakeCtx } from './fake-kinds.js';

const registry = fakeRegistry();

function opts(rec: RecordingSink, extra: Partial<ApplyOptions> = {}): ApplyOptions {
  return { clock: new FakeClock(), random: seededRandom(), slowAfterMs: 0, isRetryable: isRetryableAwsError, events: rec.sink, ...extra };
}

async function run(ctx: FakeCtx, tasks: Task[], o: ApplyOptions) {
  return applyPlan(ctx, registry, tasks, await planTasks(ctx, registry, tasks), o);
}

/** The subnet's create fails `times` times with a not-found naming its network's id. */
function networkNotFound(ctx: FakeCtx, times: number): void {
  let left = times;
  ctx.cloud.hook = (op, key) => {
    if (op !== 'create' || key !== 'Subnet/a' || left-- <= 0) return;
    const id = ctx.cloud.byName('Network', 'main')?.id ?? '?';
    throw serviceError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
  };
}

describe('eventual consistency in apply', () => {
  it('retries a not-found of the network this run just created', async () => {
    const ctx: FakeCtx = { cloud: new FakeCloud() };
    networkNotFound(ctx, 2);
    const rec = new RecordingSink();
    const r = await run(ctx, [network('main'), subnet('a', 'main', '10.0.1.0/24')], opts(rec));
    expect(r.ok).toBe(true);
    expect(rec.of('task.retry').map((e) => `${e.key} ${e.errorCode}`)).toEqual(['Subnet/a InvalidVpcID.NotFound', 'Subnet/a InvalidVpcID.NotFound']);
  });

  it('does not retry a not-found of the network found at plan time', async () => {
    const ctx: FakeCtx = { cloud: new FakeCloud() };
    await run(ctx, [network('main')], opts(new RecordingSink()));
    networkNotFound(ctx, Infinity);
    const rec = new RecordingSink();
    const r = await run(ctx, [network('main'), subnet('a', 'main', '10.0.1.0/24')], opts(rec));
    expect(r.ok).toBe(false);
    expect(r.failed.map((f) => [f.key, f.code, f.attempts])).toEqual([['Subnet/a', 'InvalidVpcID.NotFound', 1]]);
    expect(rec.of('task.retry')).toEqual([]);
  });

  it('stops retrying once the consistency window after the create has passed', async () => {
    const ctx: FakeCtx = { cloud: new FakeCloud() };
    networkNotFound(ctx, Infinity);
    const rec = new RecordingSink();
    const r = await run(ctx, [network('main'), subnet('a', 'main', '10.0.1.0/24')], opts(rec, { consistencyWindowMs: 5_000 }));
    expect(r.failed.map((f) => [f.key, f.code])).toEqual([['Subnet/a', 'InvalidVpcID.NotFound']]);
    const attempts = r.failed[0]!.attempts;
    // Backoff 500 ms doubling: a handful of attempts within 5 s, not the 10-minute deadline's worth.
    expect(attempts).toBeGreaterThan(1);
    expect(attempts).toBeLessThan(10);
  });
});
