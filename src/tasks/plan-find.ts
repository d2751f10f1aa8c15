/**
 * The find phase of a plan: every kind's `find` once, all kinds concurrently (find needs no refs),
 * then the kind's orphans (owned resources no task describes any more).
 */
import { KopsError, error, warning, type Diagnostic } from '../diagnostics.js';
import type { EventSink } from '../events.js';
import { defaultErrorCode, errorMessage } from './executor-options.js';
import type { TaskRegistry } from './registry.js';
import { taskKey, type AnyTaskKind, type Lifecycle, type Task, type TaskKey } from './types.js';

export interface Orphan {
  readonly kind: string;
  readonly name: string;
  readonly actual: unknown;
}

export interface FindOutcome {
  /** Actual state by task key; absent keys do not exist. */
  readonly found: ReadonlyMap<TaskKey, unknown>;
  readonly orphans: readonly Orphan[];
  /** Tasks whose state could not be read and whose lifecycle says to warn and go on. */
  readonly unreadable: ReadonlySet<TaskKey>;
  readonly diagnostics: readonly Diagnostic[];
}

export interface FindOptions {
  readonly events: EventSink;
  /** Look for orphans (default true). */
  readonly deletions: boolean;
  readonly lifecycleOf: (task: Task) => Lifecycle;
  /** The lifecycle of a kind as a whole (its override, else `Sync`): orphans only under `Sync`. */
  readonly kindLifecycle: (kind: string) => Lifecycle;
  readonly errorCode?: (e: unknown) => string | undefined;
}

interface KindOutcome {
  found: Map<TaskKey, unknown>;
  orphans: Orphan[];
  unreadable: TaskKey[];
  diagnostics: Diagnostic[];
  failure?: Diagnostic & { cause: unknown };
}

/** Finds every kind's tasks concurrently; a kind whose find fails (not tolerated by its lifecycle) throws `FindFailed` after all settle. */
export async function findAll<C>(ctx: C, registry: TaskRegistry<C>, tasks: readonly Task[], opts: FindOptions): Promise<FindOutcome> {
  const byKind = new Map<string, Task[]>();
  const anyIgnored = new Set<string>();
  for (const t of tasks) {
    if (opts.lifecycleOf(t) === 'Ignore') anyIgnored.add(t.kind);
    else byKind.set(t.kind, [...(byKind.get(t.kind) ?? []), t]);
  }
  // Kinds with no task left may still own orphans (e.g. every bastion was removed).
  const kinds = new Set([...byKind.keys(), ...registry.kinds().filter((k) => registry.get(k).findOrphans)]);
  const outcomes = await Promise.all(
    [...kinds].sort().map((k) => findKind(ctx, registry.get(k), byKind.get(k) ?? [], opts, !anyIgnored.has(k))),
  );
  const failures = outcomes.flatMap((o) => (o.failure ? [o.failure] : []));
  if (failures.length > 0) {
    const first = failures[0] as Diagnostic & { cause: unknown };
    throw new KopsError('FindFailed', `${first.summary}${failures.length > 1 ? ` (and ${failures.length - 1} more kind${failures.length > 2 ? 's' : ''})` : ''}`, {
      cause: first.cause,
      diagnostics: failures.map(({ cause: _cause, ...d }) => d),
    });
  }
  return {
    found: new Map(outcomes.flatMap((o) => [...o.found])),
    orphans: outcomes.flatMap((o) => o.orphans),
    unreadable: new Set(outcomes.flatMap((o) => o.unreadable)),
    diagnostics: outcomes.flatMap((o) => o.diagnostics),
  };
}

async function findKind<C>(ctx: C, kind: AnyTaskKind<C>, tasks: Task[], opts: FindOptions, orphansAllowed: boolean): Promise<KindOutcome> {
  const out: KindOutcome = { found: new Map(), orphans: [], unreadable: [], diagnostics: [] };
  let found: ReadonlyMap<string, unknown> = new Map();
  if (tasks.length > 0) {
    const started = performance.now();
    opts.events({ code: 'plan.find.start', kind: kind.kind, tasks: tasks.length });
    try {
      found = await kind.find(ctx, tasks);
    } catch (e) {
      return findFailed(kind.kind, tasks, e, opts, out);
    }
    for (const t of tasks) if (found.has(t.name)) out.found.set(taskKey(t.kind, t.name), found.get(t.name));
    opts.events({ code: 'plan.find.done', kind: kind.kind, tasks: tasks.length, found: out.found.size, ms: Math.round(performance.now() - started) });
  }
  if (!kind.findOrphans || !opts.deletions || !orphansAllowed || opts.kindLifecycle(kind.kind) !== 'Sync') return out;
  if (tasks.some((t) => opts.lifecycleOf(t) !== 'Sync')) return out;
  try {
    const orphans = await kind.findOrphans(ctx, tasks, found);
    if (orphans.length > 0 && !kind.delete) {
      out.diagnostics.push(warning('OrphanNotDeletable', `${orphans.length} ${kind.kind} resource(s) are no longer described but the kind cannot delete them`, { hint: 'delete them by hand' }));
      return out;
    }
    for (const o of orphans) out.orphans.push({ kind: kind.kind, name: o.name, actual: o.actual });
    opts.events({ code: 'plan.orphans.done', kind: kind.kind, orphans: orphans.length });
  } catch (e) {
    out.failure = { ...error('FindFailed', `listing resources of kind ${kind.kind} to delete failed: ${code(e, opts)}: ${errorMessage(e)}`), cause: e };
  }
  return out;
}

/** Under `WarnIfInsufficientAccess` a failed find is a warning and the tasks are left alone (kops). */
function findFailed(kind: string, tasks: Task[], e: unknown, opts: FindOptions, out: KindOutcome): KindOutcome {
  const summary = `reading the state of ${kind} (${tasks.length} task${tasks.length === 1 ? '' : 's'}) failed: ${code(e, opts)}: ${errorMessage(e)}`;
  if (tasks.every((t) => opts.lifecycleOf(t) === 'WarnIfInsufficientAccess')) {
    out.diagnostics.push(warning('InsufficientAccess', summary, { hint: 'these tasks are skipped (lifecycle WarnIfInsufficientAccess)' }));
    out.unreadable.push(...tasks.map((t) => taskKey(t.kind, t.name)));
    return out;
  }
  out.failure = { ...error('FindFailed', summary, { hint: 'check the credentials and permissions, then re-run' }), cause: e };
  return out;
}

function code(e: unknown, opts: FindOptions): string {
  return opts.errorCode?.(e) ?? defaultErrorCode(e);
}
