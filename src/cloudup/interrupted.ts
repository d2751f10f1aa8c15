/**
 * An operation stopped by its caller's `signal` (the CLI aborts it on SIGINT/SIGTERM): what it got
 * done before stopping, and whether the cluster lock it held was released. Work already applied
 * stays applied; a re-run of the same operation plans only what is left.
 */
import { ExitCode, KopsError, error, type Diagnostic } from '../diagnostics.js';
import type { ApplyResult } from '../tasks/apply.js';

/** Where the operation was when it stopped. */
export type InterruptedStage = 'before-apply' | 'apply';

export interface InterruptedProgress {
  /** Changes in the plan being applied (0 when stopped before applying). */
  readonly total: number;
  readonly applied: number;
  /** Changes that failed on their own (not because of the interrupt). */
  readonly failed: number;
  /** Changes not started, or stopped before finishing: a re-run does them. */
  readonly left: number;
}

export interface InterruptedLock {
  readonly id: string;
  /** True when the lease is confirmed gone; false when it may still be held (until it expires). */
  readonly released: boolean;
}

export class InterruptedError extends KopsError {
  constructor(
    readonly operation: string,
    readonly cluster: string,
    readonly stage: InterruptedStage,
    readonly progress: InterruptedProgress,
    /** The apply's own result, when the apply had started. */
    readonly result?: ApplyResult,
    /** The cluster lock this run held, if it had taken it. */
    readonly lock?: InterruptedLock,
  ) {
    const what = interruptedSummary(stage, progress);
    const failures = result?.diagnostics.filter((d) => d.severity === 'error') ?? [];
    const main = error('Interrupted', what, { hint: `a re-run of ${operation} finishes the rest` });
    super('Interrupted', what, { diagnostics: [main, ...failures] satisfies Diagnostic[], exitCode: ExitCode.INTERRUPTED });
    this.name = 'InterruptedError';
  }

  /** The same interruption, with what is known about the lock after leaving it. */
  withLock(lock: InterruptedLock): InterruptedError {
    return new InterruptedError(this.operation, this.cluster, this.stage, this.progress, this.result, lock);
  }
}

export function interruptedSummary(stage: InterruptedStage, p: InterruptedProgress): string {
  if (stage === 'before-apply') return 'interrupted before applying anything: nothing was changed in the cloud';
  return `interrupted: ${p.applied} of ${p.total} change(s) applied, ${p.failed} failed, ${p.left} not done`;
}

/** Stopped before the apply began. */
export function interruptedBeforeApply(operation: string, cluster: string): InterruptedError {
  return new InterruptedError(operation, cluster, 'before-apply', { total: 0, applied: 0, failed: 0, left: 0 });
}

/** Stopped during the apply: the counts come from its result. */
export function interruptedDuringApply(operation: string, cluster: string, result: ApplyResult): InterruptedError {
  const count = (s: 'applied' | 'failed' | 'skipped') => result.results.filter((r) => r.status === s).length;
  return new InterruptedError(operation, cluster, 'apply', { total: result.results.length, applied: count('applied'), failed: count('failed'), left: count('skipped') }, result);
}
