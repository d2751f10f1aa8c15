import { beforeEach, describe, expect, it } from 'vitest';
import { RecordingSink } from '../../src/events.js';
import { applyPlan, type ApplyOptions } from '../../src/tasks/apply.js';
import { planTasks } from '../../src/tasks/plan.js';
import { TaskRegistry } from '../../src/tasks/registry.js';
import type { Task } from '../../src/tasks/types.js';
import { FakeClock, seededRandom } from './fake-clock.js';
import { FakeCloud, fakeKind, fakeRegistry, network, rule, serviceError, server, smallCluster, subnet, type FakeCtx } from './fake-kinds.js';

let ctx: FakeCtx;
const registry = fakeRegistry();

beforeEach(() => {
  ctx = { cloud: new FakeCloud() };
});

/** Options with a virtual clock, so retries cost no real time. */
function fast(extra: ApplyOptions = {}): ApplyOptions {
  return { clock: new FakeClock(), random: seededRandom(), slowAfterMs: 0, ...extra };
}

async function planAndApply(tasks: readonly Task[], opts: ApplyOptions = fast()) {
  const planned = await planTasks(ctx, registry, tasks);
  return { planned, applied: await applyPlan(ctx, registry, tasks, planned, opts) };
}

describe('applyPlan', () => {
  it('creates in dependency order and resolves refs to outputs created in the same run', async () => {
    const rec = new RecordingSink();
    const { applied } = await planAndApply(smallCluster(), fast({ events: rec.sink }));
    expect(applied.ok).toBe(true);
    expect(applied.results.map((r) => [r.key, r.action, r.status])).toEqual([
      ['Network/main', 'create', 'applied'],
      ['Rule/ssh', 'create', 'applied'],
      ['Server/web', 'create', 'applied'],
      ['Subnet/a', 'create', 'applied'],
      ['Subnet/b', 'create', 'applied'],
    ]);
    const creates = ctx.cloud.calls.filter((c) => c.startsWith('create'));
    expect(creates.indexOf('create Network/main')).toBe(0);
    expect(creates.indexOf('create Server/web')).toBeGreaterThan(creates.indexOf('create Subnet/a'));
    const net = ctx.cloud.byName('Network', 'main');
    const sub = ctx.cloud.byName('Subnet', 'a');
    expect(sub?.props.network).toBe(net?.id);
    expect(ctx.cloud.byName('Server', 'web')?.props).toMatchObject({ subnet: sub?.id, rules: [ctx.cloud.byName('Rule', 'ssh')?.id] });
    expect(applied.actuals.get('Subnet/a')).toMatchObject({ id: sub?.id, props: sub?.props });
    expect(rec.of('apply.start')[0]?.summary).toEqual({ create: 5, update: 0, replace: 0, delete: 0 });
    expect(rec.of('task.done').every((e) => e.action === 'create')).toBe(true);
    expect(rec.of('apply.done')[0]).toMatchObject({ applied: 5, failed: 0, skipped: 0 });
  });

  it('is idempotent: a second plan after apply is all no-op, and applying it calls nothing', async () => {
    await planAndApply(smallCluster());
    const calls = ctx.cloud.calls.length;
    const { planned, applied } = await planAndApply(smallCluster());
    expect(planned.plan.summary).toEqual({ create: 0, update: 0, replace: 0, delete: 0, noop: 5 });
    expect(applied.results).toEqual([]);
    expect(ctx.cloud.calls.slice(calls).every((c) => c.startsWith('find'))).toBe(true);
  });

  it('passes updates the actual state and the fields with their values', async () => {
    const seen: unknown[] = [];
    const spy = fakeKind<{ cidr: string; size: number }>({ kind: 'Network', fields: { cidr: { mode: 'replace' } }, view: (d) => ({ cidr: d.cidr, size: d.size }) });
    const reg = new TaskRegistry<FakeCtx>().register({ ...spy, apply: (c, req) => (seen.push(req), spy.apply(c, req)) });
    const t = (size: number): Task[] => [{ kind: 'Network', name: 'n', desired: { cidr: '10.0.0.0/16', size } }];
    await applyPlan(ctx, reg, t(1), await planTasks(ctx, reg, t(1)), fast());
    const planned = await planTasks(ctx, reg, t(2));
    const r = await applyPlan(ctx, reg, t(2), planned, fast());
    expect(r.ok).toBe(true);
    expect(seen[1]).toMatchObject({ action: 'update', name: 'n', actual: { name: 'n', props: { size: 1 } }, fields: [{ field: 'size', before: 1, after: 2 }] });
  });

  it('replaces by deleting the old resource first, then creating, dependents after with the new id', async () => {
    await planAndApply(smallCluster());
    const oldId = ctx.cloud.byName('Network', 'main')?.id;
    const calls = ctx.cloud.calls.length;
    const tasks = smallCluster().map((t) => (t.kind === 'Network' ? network('main', '10.9.0.0/16') : t));
    // The old network still has subnets: it can only go once they are gone, so this run fails the network.
    const blocked = await planAndApply(tasks);
    expect(blocked.applied.failed.map((f) => [f.key, f.code])).toEqual([['Network/main', 'DependencyViolation']]);
    expect(blocked.applied.skipped.map((s) => s.key)).toEqual(['Rule/ssh', 'Server/web', 'Subnet/a', 'Subnet/b']);
    expect(ctx.cloud.calls.slice(calls).filter((c) => !c.startsWith('find'))).toEqual(['delete Network/main']);
    // Without dependents in the way the replace goes through: delete, then create.
    ctx.cloud.resources.clear();
    await planAndApply([network('solo')]);
    const soloId = ctx.cloud.byName('Network', 'solo')?.id;
    const before = ctx.cloud.calls.length;
    const { applied } = await planAndApply([network('solo', '10.9.0.0/16')]);
    expect(applied.ok).toBe(true);
    expect(ctx.cloud.calls.slice(before).filter((c) => !c.startsWith('find'))).toEqual(['delete Network/solo', 'replace Network/solo']);
    expect(ctx.cloud.byName('Network', 'solo')?.id).not.toBe(soloId);
    expect(oldId).toBeDefined();
  });

  it('does not delete twice when the create of a replace is retried', async () => {
    await planAndApply([network('solo')]);
    let failures = 1;
    ctx.cloud.hook = (op) => {
      if (op === 'replace' && failures-- > 0) throw serviceError('RequestLimitExceeded');
    };
    const { applied } = await planAndApply([network('solo', '10.9.0.0/16')], fast({ isRetryable: (e) => (e as Error).name === 'RequestLimitExceeded' }));
    expect(applied.ok).toBe(true);
    expect(ctx.cloud.calls.filter((c) => c === 'delete Network/solo')).toHaveLength(1);
    expect(ctx.cloud.calls.filter((c) => c === 'replace Network/solo')).toHaveLength(2);
  });

  it('deletes orphans last, dependents first', async () => {
    await planAndApply([...smallCluster(), network('old', '10.8.0.0/16'), subnet('old-a', 'old', '10.8.1.0/24'), subnet('old-b', 'old', '10.8.2.0/24')]);
    const before = ctx.cloud.calls.length;
    const tasks = [...smallCluster(), rule('web', 'main', 443, ['0.0.0.0/0'])];
    const { planned, applied } = await planAndApply(tasks);
    expect(planned.plan.changes.map((c) => [c.key, c.action])).toEqual([
      ['Network/old', 'delete'],
      ['Rule/web', 'create'],
      ['Subnet/old-a', 'delete'],
      ['Subnet/old-b', 'delete'],
    ]);
    expect(applied.ok).toBe(true);
    const calls = ctx.cloud.calls.slice(before).filter((c) => !c.startsWith('find'));
    // The create first; the subnets (which depend on networks) before the network.
    expect(calls[0]).toBe('create Rule/web');
    expect(calls.slice(1, 3).sort()).toEqual(['delete Subnet/old-a', 'delete Subnet/old-b']);
    expect(calls.slice(3)).toEqual(['delete Network/old']);
    expect(ctx.cloud.byName('Network', 'old')).toBeUndefined();
    expect(applied.actuals.has('Network/old')).toBe(false);
  });

  it('retries deletions that still have dependencies only with isRetryableDelete', async () => {
    await planAndApply([network('old')]);
    let blocked = 2;
    ctx.cloud.hook = (op) => {
      if (op === 'delete' && blocked-- > 0) throw serviceError('DependencyViolation', 'resource has a dependent object');
    };
    const { applied } = await planAndApply([], fast({ isRetryableDelete: (e) => (e as Error).name === 'DependencyViolation' }));
    expect(applied.ok).toBe(true);
    expect(ctx.cloud.calls.filter((c) => c === 'delete Network/old')).toHaveLength(3);
  });

  it('on a failure, skips its dependents and every deletion, completes the rest, and reports the root once', async () => {
    await planAndApply([network('old')]);
    ctx.cloud.hook = (op, key) => {
      if (op === 'create' && key === 'Rule/ssh') throw serviceError('InvalidPermission.Malformed', 'bad CIDR');
    };
    const rec = new RecordingSink();
    const { applied } = await planAndApply(smallCluster(), fast({ events: rec.sink }));
    expect(applied.ok).toBe(false);
    expect(applied.failed.map((f) => [f.key, f.code, f.attempts])).toEqual([['Rule/ssh', 'InvalidPermission.Malformed', 1]]);
    expect(applied.skipped.map((s) => [s.key, s.because])).toEqual([
      ['Network/old', 'Rule/ssh'],
      ['Server/web', 'Rule/ssh'],
    ]);
    expect(applied.results.filter((r) => r.status === 'applied').map((r) => r.key)).toEqual(['Network/main', 'Subnet/a', 'Subnet/b']);
    expect(applied.diagnostics).toEqual([{ severity: 'error', code: 'InvalidPermission.Malformed', summary: 'InvalidPermission.Malformed: bad CIDR', task: 'Rule/ssh' }]);
    expect(rec.of('task.failed')).toHaveLength(1);
    expect(ctx.cloud.byName('Network', 'old')).toBeDefined();
  });

  it('refuses a plan made from other tasks', async () => {
    const planned = await planTasks(ctx, registry, smallCluster());
    const other = smallCluster().map((t) => (t.name === 'ssh' ? rule('ssh', 'main', 2222, ['0.0.0.0/0']) : t));
    await expect(applyPlan(ctx, registry, other, planned)).rejects.toMatchObject({ code: 'StalePlan', message: expect.stringContaining('Rule/ssh (changed)') });
    expect(ctx.cloud.calls.filter((c) => !c.startsWith('find'))).toEqual([]);
  });

  it('warns (or fails, if asked) when a kind does not converge', async () => {
    const broken = fakeKind<{ cidr: string }>({ kind: 'Network', fields: {}, view: (d) => ({ cidr: d.cidr }) });
    const reg = new TaskRegistry<FakeCtx>().register({ ...broken, apply: async (c, req) => ({ ...(await broken.apply(c, req)), props: { cidr: 'wrong' } }) });
    const tasks: Task[] = [{ kind: 'Network', name: 'n', desired: { cidr: '10.0.0.0/16' } }];
    const rec = new RecordingSink();
    const warned = await applyPlan(ctx, reg, tasks, await planTasks(ctx, reg, tasks), fast({ events: rec.sink }));
    expect(warned.ok).toBe(true);
    expect(warned.diagnostics.map((d) => [d.severity, d.code, d.summary])).toEqual([['warning', 'ApplyDidNotConverge', 'after apply, Network/n still differs from the spec in cidr']]);
    expect(rec.of('apply.not-converged')[0]?.fields).toEqual(['cidr']);
    ctx.cloud.resources.clear();
    const failed = await applyPlan(ctx, reg, tasks, await planTasks(ctx, reg, tasks), fast({ verify: 'error' }));
    expect(failed.failed[0]?.code).toBe('ApplyDidNotConverge');
  });

  it('respects the per-kind concurrency of the registry', async () => {
    let now = 0;
    let max = 0;
    ctx.cloud.hook = async (op, key) => {
      if (op !== 'create' || !key.startsWith('Subnet/')) return;
      max = Math.max(max, ++now);
      await new Promise((r) => setImmediate(r));
      now--;
    };
    const tasks: Task[] = [network('main'), ...Array.from({ length: 8 }, (_, i) => subnet(`s${i}`, 'main', `10.0.${i}.0/24`))];
    const { applied } = await planAndApply(tasks);
    expect(applied.ok).toBe(true);
    expect(max).toBe(2); // subnetKind.concurrency
  });

  it('a server created with its subnet in one run gets every ref resolved', async () => {
    const tasks = [network('n'), subnet('s', 'n', '10.0.0.0/24'), rule('r', 'n', 80, []), server('v', 's', ['r'], 'x')];
    const { applied } = await planAndApply(tasks);
    expect(applied.ok).toBe(true);
    expect(ctx.cloud.byName('Server', 'v')?.props.subnet).toBe(ctx.cloud.byName('Subnet', 's')?.id);
  });
});
