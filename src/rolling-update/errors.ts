/** The rolling update's typed errors (all `KopsError`s, so the CLI renders them the same way). */
import { ExitCode, KopsError } from '../diagnostics.js';

/** The cluster did not validate `count` times in a row within the timeout. */
export class ValidationTimeoutError extends KopsError {
  constructor(
    readonly group: string,
    readonly timeoutMs: number,
    readonly lastFailures: readonly string[],
  ) {
    super(
      'ValidationTimeout',
      `cluster did not validate within ${formatDuration(timeoutMs)} while rolling instance group ${JSON.stringify(group)}` +
        (lastFailures.length ? `; last failures: ${lastFailures.slice(0, 5).join('; ')}` : ''),
      { hint: 'fix the failures listed, allow a longer validation timeout, or let the roll go on despite validation failures (fail-on-validate-error false)' },
    );
    this.name = 'ValidationTimeoutError';
  }
}

/** A replacement did not come into service in time. */
export class ReplacementTimeoutError extends KopsError {
  constructor(
    readonly group: string,
    readonly timeoutMs: number,
    inService: number,
    target: number,
  ) {
    super(
      'ReplacementTimeout',
      `instance group ${JSON.stringify(group)} has ${inService} of its ${target} instances in service after ${formatDuration(timeoutMs)}`,
      { hint: "check why the group cannot create instances in the cloud console (AWS: the autoscaling group's scaling activities; GCE: the managed instance groups' errors): capacity, quota, the launch or instance template; then run the rolling update again: it resumes" },
    );
    this.name = 'ReplacementTimeoutError';
  }
}

/** Taking this control-plane instance down could lose etcd quorum or the API. */
export class QuorumAtRiskError extends KopsError {
  constructor(
    readonly group: string,
    readonly instance: string,
    readonly reasons: readonly string[],
  ) {
    super(
      'EtcdQuorumAtRisk',
      `refusing to take down control-plane instance ${instance} (instance group ${JSON.stringify(group)}): etcd quorum would be at risk because ${reasons.join('; ')}`,
      { hint: 'bring every control-plane node back to Ready with its etcd and API server pods running, then run the rolling update again' },
    );
    this.name = 'QuorumAtRiskError';
  }
}

/** Declined at an interactive prompt: exit code 3. */
export class DeclinedError extends KopsError {
  constructor(readonly instance: string) {
    super('Declined', `rolling update stopped at instance ${instance}: declined at the prompt`, {
      hint: 'run the rolling update again to resume where it stopped',
      exitCode: ExitCode.DECLINED,
    });
    this.name = 'DeclinedError';
  }
}

/** Draining (or tainting) a node failed and --fail-on-drain-error is set. */
export class DrainFailedError extends KopsError {
  constructor(
    readonly node: string,
    cause: unknown,
    what: 'drain' | 'taint' = 'drain',
  ) {
    // The drain's own error knows best what to do (a timeout: a longer drain; a pod two budgets select: the budgets).
    const own = KopsError.is(cause) ? cause.diagnostics[0]?.hint : undefined;
    super('DrainFailed', `failed to ${what} node ${node}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      hint: own ?? 'resolve what blocks the eviction (often a PodDisruptionBudget), allow a longer drain timeout, or let the roll go on despite drain errors (fail-on-drain-error false)',
    });
    this.name = 'DrainFailedError';
  }
}

/** One or more groups failed; carries the first error and stops the phases after it. */
export class GroupFailedError extends KopsError {
  constructor(
    readonly group: string,
    readonly phase: string,
    cause: unknown,
  ) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    super(
      KopsError.is(cause) ? cause.code : 'RollingUpdateFailed',
      phase === 'node' ? (msg.includes(JSON.stringify(group)) ? msg : `instance group ${JSON.stringify(group)}: ${msg}`) : `${phase} instance group ${JSON.stringify(group)} not healthy after update, stopping rolling-update: ${msg}`,
      {
        cause,
        ...(KopsError.is(cause) ? { diagnostics: cause.diagnostics, exitCode: cause.exitCode } : {}),
      },
    );
    this.name = 'GroupFailedError';
  }
}

export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
