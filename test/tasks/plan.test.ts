import { beforeEach, describe, expect, it } from 'vitest';
import { KopsError, formatDiagnostic } from '../../src/diagnostics.js';
import { RecordingSink } from '../../src/events.js';
import { applyPlan } from '../../src/tasks/apply.js';
import { assertPlanCurrent, fingerprintDrift } from '../../src/tasks/plan-fingerprint.js';
import { planTasks, type PlanResult, type PlannedChange } from '../../src/tasks/plan.js';
import { UNKNOWN, type Task } from '../../src/tasks/types.js';
import { FakeCloud, fakeRegistry, network, rule, serviceError, smallCluster, subnet, type FakeCtx } from './fake-kinds.js';

let ctx: FakeCtx;
const registry = fakeRegistry();

beforeEach(() => {
  ctx = { cloud: new FakeCloud() };
});

const plan = (tasks: readonly Task[], opts: Parameters<typeof planTasks>[3] = {}) => planTasks(ctx, registry, tasks, opts);
const change = (r: PlanResult, key: string): PlannedChange | undefined => r.plan.changes.find((c) => c.key === key);
const field = (c: PlannedChange | undefined, name: string) => c?.fields.find((f) => f.field === name);

async function converge(tasks: readonly Task[]): Promise<void> {
  const r = await plan(tasks);
  const applied = await applyPlan(ctx, registry, tasks, r);
  expect(applied.ok).toBe(true);
}

describe('planTasks', () => {
  it('plans creates for a fresh cluster, refs to created tasks UNKNOWN', async () => {
    const r = await plan(smallCluster(), { cluster: 'test.example.com' });
    expect(r.plan).toMatchObject({ apiVersion: 'kops-ts.io/v1', kind: 'Plan', cluster: 'test.example.com' });
    expect(r.plan.summary).toEqual({ create: 5, update: 0, replace: 0, delete: 0, noop: 0 });
    expect(r.plan.changes.map((c) => c.key)).toEqual(['Network/main', 'Rule/ssh', 'Server/web', 'Subnet/a', 'Subnet/b']);
    const net = field(change(r, 'Subnet/a'), 'network');
    expect(net?.after).toBe(UNKNOWN);
    expect(net?.afterDisplay).toEqual({ $refValue: true, ref: 'Network/main', output: 'id' });
    // Arrays of refs are marked element by element.
    expect(field(change(r, 'Server/web'), 'rules')?.afterDisplay).toEqual([{ $refValue: true, ref: 'Rule/ssh', output: 'id' }]);
    expect(change(r, 'Rule/ssh')?.security).toEqual(['ingress']);
    expect(r.plan.diagnostics).toEqual([]);
  });

  it('finds each kind once, all kinds concurrently, and reports it', async () => {
    let inFind = 0;
    let maxInFind = 0;
    ctx.cloud.hook = async (op) => {
      if (op !== 'find') return;
      maxInFind = Math.max(maxInFind, ++inFind);
      await new Promise((r) => setImmediate(r));
      inFind--;
    };
    const rec = new RecordingSink();
    await plan(smallCluster(), { events: rec.sink });
    expect(ctx.cloud.calls.filter((c) => c.startsWith('find'))).toHaveLength(4);
    expect(maxInFind).toBe(4);
    expect(rec.of('plan.find.done').map((e) => [e.kind, e.tasks, e.found])).toEqual([
      ['Network', 1, 0],
      ['Rule', 1, 0],
      ['Server', 1, 0],
      ['Subnet', 2, 0],
    ]);
    expect(rec.of('plan.done')[0]?.summary.create).toBe(5);
  });

  it('plans nothing once applied, and resolves refs to the outputs of existing tasks', async () => {
    await converge(smallCluster());
    const again = await plan(smallCluster());
    expect(again.plan.changes).toEqual([]);
    expect(again.plan.unchanged).toHaveLength(5);
    expect(again.plan.summary.noop).toBe(5);
    // A new subnet in the existing network: its ref is known now.
    const withC = await plan([...smallCluster(), subnet('c', 'main', '10.0.3.0/24')]);
    const netId = ctx.cloud.byName('Network', 'main')?.id;
    expect(field(change(withC, 'Subnet/c'), 'network')).toMatchObject({ after: netId, afterDisplay: { ref: 'Network/main', value: netId } });
  });

  it('plans updates in place, flags security-sensitive fields, and ignores set order', async () => {
    await converge([network('main'), rule('ssh', 'main', 22, ['10.0.0.0/8', '192.168.0.0/16']), subnet('a', 'main', '10.0.1.0/24')]);
    const r = await plan([network('main'), rule('ssh', 'main', 22, ['192.168.0.0/16', '0.0.0.0/0']), subnet('a', 'main', '10.0.1.0/24', { public: true })]);
    expect(r.plan.summary).toEqual({ create: 0, update: 2, replace: 0, delete: 0, noop: 1 });
    expect(change(r, 'Rule/ssh')).toMatchObject({ action: 'update', security: ['ingress'] });
    expect(field(change(r, 'Rule/ssh'), 'cidrs')).toMatchObject({ before: ['10.0.0.0/8', '192.168.0.0/16'], after: ['192.168.0.0/16', '0.0.0.0/0'], security: 'ingress' });
    expect(field(change(r, 'Subnet/a'), 'public')).toMatchObject({ before: undefined, after: true, forcesReplacement: false });
    const reordered = await plan([network('main'), rule('ssh', 'main', 22, ['192.168.0.0/16', '10.0.0.0/8']), subnet('a', 'main', '10.0.1.0/24')]);
    expect(reordered.plan.changes).toEqual([]);
  });

  it('plans a replace when a replace-only field changes, and UNKNOWN propagates to dependents', async () => {
    await converge(smallCluster());
    const tasks = smallCluster().map((t) => (t.kind === 'Network' ? network('main', '10.9.0.0/16') : t));
    const r = await plan(tasks);
    expect(change(r, 'Network/main')).toMatchObject({ action: 'replace', reason: 'cidr cannot be changed in place' });
    // Subnets and the rule refer to the replaced network: their network field is UNKNOWN and forces replacement.
    for (const k of ['Subnet/a', 'Subnet/b', 'Rule/ssh']) {
      expect(change(r, k)?.action).toBe('replace');
      expect(field(change(r, k), 'network')).toMatchObject({ after: UNKNOWN, forcesReplacement: true });
    }
    // The server's subnet is replaced, so it is too (its subnet field is replace-only).
    expect(change(r, 'Server/web')?.action).toBe('replace');
    expect(r.plan.summary).toEqual({ create: 0, update: 0, replace: 5, delete: 0, noop: 0 });
  });

  it('plans deletions of owned resources no task describes, and only those', async () => {
    await converge([...smallCluster(), subnet('gone', 'main', '10.0.9.0/24')]);
    ctx.cloud.resources.set('foreign', { id: 'foreign', kind: 'Subnet', name: 'theirs', props: {}, tags: { owner: 'other.example.com' } });
    const r = await plan(smallCluster());
    expect(r.plan.changes.map((c) => [c.key, c.action])).toEqual([['Subnet/gone', 'delete']]);
    expect(change(r, 'Subnet/gone')?.actual).toMatchObject({ name: 'gone' });
    expect(r.found.get('Subnet/gone')).toBeDefined();
    const noDeletes = await plan(smallCluster(), { deletions: false });
    expect(noDeletes.plan.changes).toEqual([]);
  });

  it('reports a shared resource that is missing instead of creating it', async () => {
    const tasks: Task[] = [{ ...network('shared'), shared: true, desired: { cidr: '10.0.0.0/16', id: 'net-123' } as never }, subnet('a', 'shared', '10.0.1.0/24')];
    const r = await plan(tasks);
    expect(r.plan.diagnostics.map(formatDiagnostic)).toEqual([
      'error: shared Network/shared (id net-123) was not found: a shared resource belongs to the user and must exist; check the id in the cluster spec',
    ]);
    expect(change(r, 'Network/shared')).toBeUndefined();
    await expect(applyPlan(ctx, registry, tasks, r)).rejects.toMatchObject({ code: 'PlanHasErrors' });
  });

  it('never changes a shared resource that exists', async () => {
    await converge([network('shared', '10.0.0.0/16')]);
    const r = await plan([{ ...network('shared', '10.7.0.0/16'), shared: true }, subnet('a', 'shared', '10.0.1.0/24')]);
    expect(r.plan.unchanged).toEqual(['Network/shared']);
    expect(field(change(r, 'Subnet/a'), 'network')?.after).toBe(ctx.cloud.byName('Network', 'shared')?.id);
  });

  it('leaves Ignore tasks alone, also through lifecycle overrides', async () => {
    const tasks: Task[] = [network('main'), { ...rule('ssh', 'main', 22, []), lifecycle: 'Ignore' }];
    const r = await plan(tasks);
    expect(r.plan.changes.map((c) => c.key)).toEqual(['Network/main']);
    expect(r.ignored).toEqual(new Set(['Rule/ssh']));
    expect(ctx.cloud.calls).not.toContain('find Rule/*');
    const overridden = await plan(smallCluster(), { lifecycleOverrides: { Server: 'Ignore' } });
    expect(overridden.plan.changes.map((c) => c.key)).not.toContain('Server/web');
    expect(overridden.plan.summary.create).toBe(4);
  });

  it('refuses a task that depends on an ignored one', async () => {
    const r = await plan(smallCluster(), { lifecycleOverrides: { Network: 'Ignore' } });
    const codes = r.plan.diagnostics.map((d) => [d.code, d.task]);
    expect(codes).toEqual([
      ['IgnoredDependency', 'Rule/ssh'],
      ['IgnoredDependency', 'Subnet/a'],
      ['IgnoredDependency', 'Subnet/b'],
    ]);
    expect(r.plan.diagnostics[1]?.summary).toBe('depends on Network/main (at desired.network), whose state is not read (lifecycle Ignore or no access)');
  });

  it('ExistsAndValidates: missing or different is an error, never a change', async () => {
    const missing = await plan(smallCluster(), { lifecycleOverrides: { Network: 'ExistsAndValidates' } });
    expect(missing.plan.diagnostics[0]).toMatchObject({ code: 'ExpectedResourceNotFound', task: 'Network/main' });
    expect(change(missing, 'Network/main')).toBeUndefined();
    await converge([network('main')]);
    const differs = await plan([network('main', '10.5.0.0/16'), subnet('a', 'main', '10.0.1.0/24')], { lifecycleOverrides: { Network: 'ExistsAndValidates' } });
    expect(differs.plan.diagnostics.map((d) => [d.severity, d.code])).toEqual([['error', 'ExpectedResourceDiffers']]);
    expect(differs.plan.unchanged).toEqual(['Network/main']);
    // Its dependents still see its id (it exists).
    expect(field(change(differs, 'Subnet/a'), 'network')?.after).toBe(ctx.cloud.byName('Network', 'main')?.id);
  });

  it('ExistsAndWarnIfChanges: differences are warnings', async () => {
    await converge([network('main')]);
    const r = await plan([{ ...network('main', '10.5.0.0/16'), lifecycle: 'ExistsAndWarnIfChanges' }]);
    expect(r.plan.diagnostics.map((d) => [d.severity, d.code, d.summary])).toEqual([
      ['warning', 'ResourceDiffers', 'Network/main differs from the spec in cidr (lifecycle ExistsAndWarnIfChanges: not changed)'],
    ]);
    expect(r.plan.changes).toEqual([]);
  });

  it('fails with every kind whose find failed; WarnIfInsufficientAccess only warns', async () => {
    ctx.cloud.hook = (op, key) => {
      if (op === 'find' && (key === 'Rule/*' || key === 'Server/*')) throw serviceError('UnauthorizedOperation', 'You are not authorized');
    };
    const e = await plan(smallCluster()).catch((x: unknown) => x);
    expect(KopsError.is(e, 'FindFailed')).toBe(true);
    expect((e as KopsError).diagnostics.map((d) => d.summary)).toEqual([
      'reading the state of Rule (1 task) failed: UnauthorizedOperation: You are not authorized',
      'reading the state of Server (1 task) failed: UnauthorizedOperation: You are not authorized',
    ]);
    const tasks = smallCluster().map((t) => (t.kind === 'Rule' || t.kind === 'Server' ? { ...t, lifecycle: 'WarnIfInsufficientAccess' as const } : t));
    const r = await plan(tasks);
    expect(r.plan.diagnostics.map((d) => [d.severity, d.code])).toContainEqual(['warning', 'InsufficientAccess']);
    expect(r.ignored).toEqual(new Set(['Rule/ssh', 'Server/web']));
  });

  it('throws on a structural problem before reading anything', async () => {
    await expect(plan([subnet('a', 'nope', 'x')])).rejects.toMatchObject({ code: 'UnknownRef' });
    expect(ctx.cloud.calls).toEqual([]);
  });

  it('fingerprints the desired tasks and the found state per key', async () => {
    await converge(smallCluster());
    const a = await plan(smallCluster());
    const b = await plan(smallCluster());
    expect(fingerprintDrift(a.plan.fingerprint, b.plan.fingerprint)).toEqual([]);
    const changedSpec = await plan(smallCluster().map((t) => (t.name === 'ssh' ? rule('ssh', 'main', 22, ['1.2.3.4/32']) : t)));
    expect(fingerprintDrift(a.plan.fingerprint, changedSpec.plan.fingerprint)).toEqual([{ key: 'Rule/ssh', part: 'desired', change: 'changed' }]);
    const id = ctx.cloud.byName('Subnet', 'b')?.id as string;
    ctx.cloud.resources.delete(id);
    const changedCloud = await plan(smallCluster());
    expect(fingerprintDrift(a.plan.fingerprint, changedCloud.plan.fingerprint)).toEqual([{ key: 'Subnet/b', part: 'actual', change: 'removed' }]);
    expect(() => assertPlanCurrent(a.plan, b.plan)).not.toThrow();
    expect(() => assertPlanCurrent(a.plan, changedCloud.plan)).toThrow('the saved plan is out of date: Subnet/b (cloud removed)');
    // Plain data: the plan survives a JSON round trip (UNKNOWN becomes a marker object).
    expect(JSON.parse(JSON.stringify(a.plan))).toMatchObject({ kind: 'Plan', summary: a.plan.summary });
  });
});
