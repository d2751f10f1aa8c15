/**
 * The library never prints: it emits typed events with stable codes, and the CLI (or a pipeline
 * importing the library) decides how to show them — TTY lines, plain log, JSON lines. This is
 * Terraform's Hook and the CDK's IoHost in one small type.
 *
 * Codes are stable API: add new members freely, never rename or repurpose one. Payloads carry
 * task keys, counts, durations and AWS error codes, never secrets.
 */
import type { Action, TaskKey } from './tasks/types.js';

/** Reading the actual state of one kind's tasks (one batched call per kind). */
export interface PlanFindStart {
  readonly code: 'plan.find.start';
  readonly kind: string;
  /** How many tasks of the kind are being looked for. */
  readonly tasks: number;
}
export interface PlanFindDone {
  readonly code: 'plan.find.done';
  readonly kind: string;
  readonly tasks: number;
  /** How many of them exist. */
  readonly found: number;
  readonly ms: number;
}
/** Resources the cluster owns that no task describes any more (planned as deletions). */
export interface PlanOrphansDone {
  readonly code: 'plan.orphans.done';
  readonly kind: string;
  readonly orphans: number;
}
export interface PlanDone {
  readonly code: 'plan.done';
  readonly summary: Readonly<Record<Action, number>>;
  readonly errors: number;
  readonly warnings: number;
}

/** An attempt of a task starts (attempt 1, then one per retry). */
export interface TaskStart {
  readonly code: 'task.start';
  readonly key: TaskKey;
  readonly attempt: number;
  readonly action?: Action;
}
/** An attempt failed with an error classified as retryable; the next one starts after `delayMs`. */
export interface TaskRetry {
  readonly code: 'task.retry';
  readonly key: TaskKey;
  readonly attempt: number;
  /** The provider's error code, e.g. `RequestLimitExceeded`, `InvalidVpcID.NotFound`. */
  readonly errorCode: string;
  readonly message: string;
  readonly delayMs: number;
}
export interface TaskDone {
  readonly code: 'task.done';
  readonly key: TaskKey;
  readonly attempts: number;
  /** From the first start to success, retries included. */
  readonly ms: number;
  readonly action?: Action;
}
export interface TaskFailed {
  readonly code: 'task.failed';
  readonly key: TaskKey;
  readonly attempts: number;
  readonly errorCode: string;
  readonly message: string;
}
/** Not run: a dependency failed (`because` is the root failure) or the run was cancelled. */
export interface TaskSkipped {
  readonly code: 'task.skipped';
  readonly key: TaskKey;
  readonly reason: 'dependency-failed' | 'cancelled';
  readonly because?: TaskKey;
}
/** Still running (retries included) after `elapsedMs`; emitted every `slowAfterMs`. */
export interface TaskSlow {
  readonly code: 'task.slow';
  readonly key: TaskKey;
  readonly elapsedMs: number;
  readonly attempt: number;
}

export interface ApplyStart {
  readonly code: 'apply.start';
  readonly summary: Readonly<Record<Exclude<Action, 'noop'>, number>>;
}
export interface ApplyDone {
  readonly code: 'apply.done';
  readonly applied: number;
  readonly failed: number;
  readonly skipped: number;
  readonly ms: number;
}
/** After apply, the actual state a kind returned still differs from the desired state. */
export interface ApplyNotConverged {
  readonly code: 'apply.not-converged';
  readonly key: TaskKey;
  readonly fields: readonly string[];
}

/** The cluster lock (a lease) was taken for `operation`; `id` is what `--force-unlock` needs. */
export interface LockAcquired {
  readonly code: 'lock.acquired';
  readonly cluster: string;
  readonly id: string;
  readonly operation: string;
  /** When it was taken, and when the lease expires unless renewed (ISO 8601). */
  readonly acquired: string;
  readonly expires: string;
}
/** The lock this run held was released. */
export interface LockReleased {
  readonly code: 'lock.released';
  readonly cluster: string;
  readonly id: string;
}
/** A stale lock was broken on request (`forceUnlock`) before taking the lock. */
export interface LockForceUnlocked {
  readonly code: 'lock.force-unlocked';
  readonly cluster: string;
  readonly id: string;
  readonly holder: string;
  readonly operation: string;
  /** When its holder took it (ISO 8601), or empty if the lease was unreadable. */
  readonly acquired: string;
}

// ---------------------------------------------------------------------------------------------
// Rolling update (src/rolling-update/roll.ts)

/** The roll starts: how many instances in how many groups; `resumed` when it continues an interrupted one. */
export interface RollingUpdateStart {
  readonly code: 'rolling-update.start';
  readonly cluster: string;
  readonly groups: number;
  readonly instances: number;
  readonly resumed: boolean;
}
/** An instance group starts rolling, with its resolved settings. */
export interface RollingUpdateGroupStart {
  readonly code: 'rolling-update.group.start';
  readonly group: string;
  readonly role: string;
  readonly instances: number;
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  readonly concurrency: number;
}
/** One step for one instance. */
export interface RollingUpdateStep {
  readonly code: 'rolling-update.step';
  readonly group: string;
  readonly instance: string;
  readonly node?: string;
  readonly step: 'taint' | 'detach' | 'drain' | 'deregister' | 'terminate' | 'wait-replacement' | 'replaced';
}
/** The cluster validated (`count` successes in a row) for a group, after `ms`. */
export interface RollingUpdateValidated {
  readonly code: 'rolling-update.validated';
  readonly group: string;
  readonly count: number;
  readonly ms: number;
}
/** A validation attempt failed; the roll retries until the validation timeout. */
export interface RollingUpdateValidationFailed {
  readonly code: 'rolling-update.validation-failed';
  readonly group: string;
  readonly failures: readonly string[];
}
/** Something the roll went on despite (a drain error without --fail-on-drain-error, …). */
export interface RollingUpdateWarning {
  readonly code: 'rolling-update.warning';
  readonly group?: string;
  readonly instance?: string;
  readonly message: string;
}
export interface RollingUpdateGroupDone {
  readonly code: 'rolling-update.group.done';
  readonly group: string;
  readonly replaced: number;
  readonly ms: number;
}
export interface RollingUpdateDone {
  readonly code: 'rolling-update.done';
  readonly cluster: string;
  readonly replaced: number;
  readonly ms: number;
}

export type KopsEvent =
  | LockAcquired
  | LockReleased
  | LockForceUnlocked
  | PlanFindStart
  | PlanFindDone
  | PlanOrphansDone
  | PlanDone
  | TaskStart
  | TaskRetry
  | TaskDone
  | TaskFailed
  | TaskSkipped
  | TaskSlow
  | ApplyStart
  | ApplyDone
  | ApplyNotConverged
  | RollingUpdateStart
  | RollingUpdateGroupStart
  | RollingUpdateStep
  | RollingUpdateValidated
  | RollingUpdateValidationFailed
  | RollingUpdateWarning
  | RollingUpdateGroupDone
  | RollingUpdateDone;

export type KopsEventCode = KopsEvent['code'];

/** Receives events synchronously; must not throw (a throwing sink is isolated, see `safeSink`). */
export type EventSink = (e: KopsEvent) => void;

/** The sink used when the caller gives none. */
export const discardEvents: EventSink = () => {};

/**
 * Wraps a sink so that a bug in a printer can never break a plan or an apply: a throwing sink
 * stops receiving events and the operation goes on.
 */
export function safeSink(sink: EventSink | undefined): EventSink {
  if (!sink) return discardEvents;
  let broken = false;
  return (e) => {
    if (broken) return;
    try {
      sink(e);
    } catch {
      broken = true;
    }
  };
}

/** Keeps every event, for tests and for callers that want the whole story afterwards. */
export class RecordingSink {
  readonly events: KopsEvent[] = [];
  readonly sink: EventSink = (e) => {
    this.events.push(e);
  };

  /** Events with one code, typed by it. */
  of<C extends KopsEventCode>(code: C): Extract<KopsEvent, { code: C }>[] {
    return this.events.filter((e): e is Extract<KopsEvent, { code: C }> => e.code === code);
  }

  codes(): KopsEventCode[] {
    return this.events.map((e) => e.code);
  }

  clear(): void {
    this.events.length = 0;
  }
}
