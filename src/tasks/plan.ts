/**
 * Planning: find (all kinds at once), then diff each task in dependency order, resolving refs to
 * outputs of what exists or `UNKNOWN` for what is to be created or replaced, then orphans as
 * deletions. The result is a `Plan` — plain data, rendered by `src/cloudup/render` — plus what
 * apply needs in memory (`PlanResult`).
 *
 * Problems are accumulated in `plan.diagnostics` (a shared resource that is missing, a resource
 * under `ExistsAndValidates` that differs, ...); structural problems of the task set (duplicate
 * keys, unknown refs, cycles) and failed reads throw a `KopsError` before anything is planned.
 */
import { isDeepStrictEqual } from 'node:util';
import { error, warning, type Diagnostic } from '../diagnostics.js';
import { safeSink, type EventSink } from '../events.js';
import { diffTask } from './diff.js';
import { buildGraph, type Graph } from './graph.js';
import { findAll, type Orphan } from './plan-find.js';
import { planFingerprint, type PlanFingerprint } from './plan-fingerprint.js';
import { taskRefs } from './refs.js';
import type { TaskRegistry } from './registry.js';
import { displayView, resolverOf } from './resolve.js';
import { refKey, taskKey, type Action, type AnyTaskKind, type Change, type FieldChange, type Lifecycle, type Outputs, type Task, type TaskKey } from './types.js';

export const PLAN_API_VERSION = 'kops-ts.io/v1';

export interface PlannedField extends FieldChange {
  /** `after` with ref-derived values marked (`RefValue`), for display; absent when equal to `after`. */
  readonly afterDisplay?: unknown;
}

export interface PlannedChange<D = unknown, A = unknown> extends Change<D, A> {
  readonly fields: readonly PlannedField[];
}

export type PlanSummary = Readonly<Record<Action, number>>;

export interface Plan {
  readonly apiVersion: typeof PLAN_API_VERSION;
  readonly kind: 'Plan';
  readonly cluster?: string;
  /** Every change that does something (not `noop`), sorted by key. */
  readonly changes: readonly PlannedChange[];
  /** Keys of the tasks that need nothing, sorted. */
  readonly unchanged: readonly TaskKey[];
  readonly diagnostics: readonly Diagnostic[];
  readonly summary: PlanSummary;
  readonly fingerprint: PlanFingerprint;
}

/** The plan and what apply needs that is not plan data. */
export interface PlanResult {
  readonly plan: Plan;
  /** The actual state of every task found, by key (orphans included). */
  readonly found: ReadonlyMap<TaskKey, unknown>;
  readonly graph: Graph;
  /** Tasks left out of the plan (lifecycle `Ignore`, or unreadable under `WarnIfInsufficientAccess`). */
  readonly ignored: ReadonlySet<TaskKey>;
}

export interface PlanOptions {
  readonly cluster?: string;
  /** `--lifecycle-overrides Kind=Lifecycle`: wins over each task's own lifecycle. */
  readonly lifecycleOverrides?: Readonly<Record<string, Lifecycle>>;
  /** Plan deletions of orphans (default true). */
  readonly deletions?: boolean;
  readonly events?: EventSink;
  /** A stable code for an error in messages (e.g. `awsErrorCode`). */
  readonly errorCode?: (e: unknown) => string | undefined;
}

/** Where the diff of one task stands, for the refs of its dependents. */
type Status = { readonly action: Action; readonly kind: string; readonly actual?: unknown } | { readonly action: 'missing' };

export async function planTasks<C>(ctx: C, registry: TaskRegistry<C>, tasks: readonly Task[], opts: PlanOptions = {}): Promise<PlanResult> {
  const events = safeSink(opts.events);
  const graph = buildGraph(tasks, registry);
  const overrides = opts.lifecycleOverrides ?? {};
  const lifecycleOf = (t: Task): Lifecycle => overrides[t.kind] ?? t.lifecycle ?? 'Sync';
  const outcome = await findAll(ctx, registry, tasks, {
    events,
    deletions: opts.deletions ?? true,
    lifecycleOf,
    kindLifecycle: (k) => overrides[k] ?? 'Sync',
    ...(opts.errorCode ? { errorCode: opts.errorCode } : {}),
  });
  const byKey = new Map(tasks.map((t) => [taskKey(t.kind, t.name), t]));
  const ignored = new Set<TaskKey>(outcome.unreadable);
  for (const [k, t] of byKey) if (lifecycleOf(t) === 'Ignore') ignored.add(k);

  // A resource found by a task's name that is someone else's is never adopted: the plan is refused.
  const notOurs: Diagnostic[] = [];
  for (const [key, actual] of outcome.found) {
    const task = byKey.get(key);
    const n = task ? registry.get(task.kind).notOurs?.(actual) : undefined;
    if (task && n) notOurs.push(error(n.code, n.summary, { task: key, hint: n.hint }));
  }
  const differ = new Differ(registry, outcome.found, ignored);
  for (const key of graph.order()) {
    const task = byKey.get(key) as Task;
    if (!ignored.has(key)) differ.diff(task, lifecycleOf(task));
  }
  // A kind's findOrphans must not claim a described resource; if it does, the task wins.
  const orphans = outcome.orphans.filter((o) => !byKey.has(taskKey(o.kind, o.name)));
  const changes = [...differ.changes, ...orphans.map(orphanChange)].sort((a, b) => (a.key < b.key ? -1 : 1));
  const found = new Map(outcome.found);
  for (const o of orphans) found.set(taskKey(o.kind, o.name), o.actual);
  const summary = { create: 0, update: 0, replace: 0, delete: 0, noop: differ.unchanged.length };
  for (const c of changes) summary[c.action]++;
  const diagnostics = [...notOurs, ...outcome.diagnostics, ...differ.diagnostics];
  const plan: Plan = {
    apiVersion: PLAN_API_VERSION,
    kind: 'Plan',
    ...(opts.cluster === undefined ? {} : { cluster: opts.cluster }),
    changes,
    unchanged: differ.unchanged.sort(),
    diagnostics,
    summary,
    fingerprint: planFingerprint(tasks, found),
  };
  events({ code: 'plan.done', summary, errors: diagnostics.filter((d) => d.severity === 'error').length, warnings: diagnostics.filter((d) => d.severity === 'warning').length });
  return { plan, found, graph, ignored };
}

function orphanChange(o: Orphan): PlannedChange {
  return { key: taskKey(o.kind, o.name), kind: o.kind, name: o.name, action: 'delete', actual: o.actual, fields: [], reason: 'no longer described by the cluster spec', security: [] };
}

/** Diffs tasks one at a time in dependency order, tracking each one's status for the refs of the next. */
class Differ<C> {
  readonly changes: PlannedChange[] = [];
  readonly unchanged: TaskKey[] = [];
  readonly diagnostics: Diagnostic[] = [];
  private readonly status = new Map<TaskKey, Status>();
  private readonly outputs = new Map<TaskKey, Outputs | undefined>();

  constructor(
    private readonly registry: TaskRegistry<C>,
    private readonly found: ReadonlyMap<TaskKey, unknown>,
    private readonly ignored: ReadonlySet<TaskKey>,
  ) {}

  /** Outputs of a target that exists and is kept; `undefined` while it is to be created or replaced. */
  readonly outputsOf = (key: TaskKey): Outputs | undefined => {
    if (this.outputs.has(key)) return this.outputs.get(key);
    const s = this.status.get(key);
    let out: Outputs | undefined;
    if (s && (s.action === 'noop' || s.action === 'update') && s.actual !== undefined) {
      out = this.registry.get(s.kind).outputs(s.actual);
    }
    if (s) this.outputs.set(key, out);
    return out;
  };

  diff(task: Task, lifecycle: Lifecycle): void {
    const key = taskKey(task.kind, task.name);
    const kind = this.registry.get(task.kind);
    const actual = this.found.get(key);
    if (!this.checkRefs(task, key)) return;
    if (task.shared && actual === undefined) {
      this.missing(key, error('SharedResourceNotFound', `shared ${key}${describeId(task.desired)} was not found`, { task: key, hint: 'a shared resource belongs to the user and must exist; check the id in the cluster spec' }));
      return;
    }
    const change = diffTask(kind, task, actual, resolverOf(this.outputsOf, key));
    if (lifecycle === 'ExistsAndValidates' || lifecycle === 'ExistsAndWarnIfChanges') {
      this.exists(change, lifecycle);
      return;
    }
    this.record(withDisplay(kind, task, change, this.outputsOf));
  }

  /** A task whose ref points at an ignored task cannot be planned: its inputs are not known. */
  private checkRefs(task: Task, key: TaskKey): boolean {
    const bad = taskRefs(task).filter(({ ref }) => this.ignored.has(refKey(ref)));
    if (bad.length === 0) return true;
    const list = bad.map(({ ref, path }) => `${refKey(ref)} (at ${path})`).join(', ');
    this.missing(key, error('IgnoredDependency', `depends on ${list}, whose state is not read (lifecycle Ignore or no access)`, { task: key, hint: 'give the dependency a lifecycle other than Ignore, or ignore this task too' }));
    return false;
  }

  /** `ExistsAndValidates`: missing or differing is an error; `ExistsAndWarnIfChanges`: differences warn. */
  private exists(change: PlannedChange, lifecycle: Lifecycle): void {
    const { key } = change;
    if (change.action === 'create') {
      this.missing(key, error('ExpectedResourceNotFound', `${key} does not exist, but its lifecycle is ${lifecycle}`, { task: key, hint: 'create it first (e.g. run the earlier phase), or change the lifecycle' }));
      return;
    }
    if (change.action !== 'noop') {
      const fields = change.fields.map((f) => f.field).join(', ');
      const d = lifecycle === 'ExistsAndValidates' ? error : warning;
      this.diagnostics.push(d(lifecycle === 'ExistsAndValidates' ? 'ExpectedResourceDiffers' : 'ResourceDiffers', `${key} differs from the spec in ${fields} (lifecycle ${lifecycle}: not changed)`, { task: key }));
    }
    this.record({ ...change, action: 'noop', fields: [], security: [] });
  }

  private missing(key: TaskKey, d: Diagnostic): void {
    this.diagnostics.push(d);
    this.status.set(key, { action: 'missing' });
  }

  private record(change: PlannedChange): void {
    this.status.set(change.key, { action: change.action, kind: change.kind, actual: change.actual });
    if (change.action === 'noop') this.unchanged.push(change.key);
    else this.changes.push(change);
  }
}

/** Adds `afterDisplay` (refs marked) to the fields whose value came from a ref; a replace gets its reason. */
function withDisplay<C>(kind: AnyTaskKind<C>, task: Task, change: Change, outputsOf: (k: TaskKey) => Outputs | undefined): PlannedChange {
  if (change.action === 'noop') return change;
  const shown = displayView((refs) => kind.view(task.desired, refs), outputsOf);
  const fields: PlannedField[] = change.fields.map((f) => {
    const d = shown?.[f.field];
    return d === undefined || isDeepStrictEqual(d, f.after) ? f : { ...f, afterDisplay: d };
  });
  const forcing = change.fields.filter((f) => f.forcesReplacement).map((f) => f.field);
  const reason = change.reason ?? (change.action === 'replace' ? `${forcing.join(', ')} cannot be changed in place` : undefined);
  return { ...change, fields, ...(reason === undefined ? {} : { reason }) };
}

function describeId(desired: unknown): string {
  const id = (desired as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? ` (id ${id})` : '';
}
