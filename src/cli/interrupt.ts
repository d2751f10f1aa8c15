/**
 * SIGINT/SIGTERM for commands that hold the cluster lock (`update cluster --yes`, `create cluster`).
 *
 * - First signal: one line on stderr saying the command is stopping; the command's AbortSignal
 *   aborts, so no new change starts, running calls finish (or time out), the lock is released,
 *   and the command ends with one line saying what was done, what was not, and the exact command
 *   that finishes the rest; exit 130.
 * - Second signal: exit 130 at once, saying the lock (if this run held it) stays until it expires
 *   and the command that breaks it (`--force-unlock <id>`, with the real id).
 *
 * Commands that take the lock only to write the state store (`create -f`, `replace -f`, `delete
 * cluster --yes`) handle signals the same way (`storeCommandInterrupts`): their few writes cannot
 * be cut short safely, so the first signal lets them finish and release the lock, then exits 130.
 *
 * The commands that finish the job and break the lock are the command's own line
 * (src/cli/command-line.ts) with `--yes` or `--force-unlock <id> --yes` (`rerunCommand`).
 *
 * Commands that hold no lock keep Node's default (the signal ends the process).
 */
import { ExitCode, KopsError } from '../diagnostics.js';
import type { EventSink, KopsEvent } from '../events.js';
import { InterruptedError, type InterruptedStage } from '../cloudup/interrupted.js';
import type { LockInfo } from '../statestore/types.js';
import type { CommandLine } from './command-line.js';
import type { CliIO, SignalSource, StopSignal } from './io.js';

/** What the messages need to know about the command being run. */
export interface InterruptedCommand {
  /** e.g. `update cluster`. */
  readonly operation: string;
  readonly cluster: string;
  /** The command line that finishes the job after an interrupt at `stage`. */
  readonly rerun: (stage: InterruptedStage) => string;
  /** The command line that breaks the lock `id` and finishes the job. */
  readonly forceUnlock: (id: string) => string;
}

interface HeldLock {
  readonly id: string;
  /** How long the lease lives after each renewal. */
  readonly ttlMs: number;
}

export class Interrupts {
  private readonly controller = new AbortController();
  private lock: HeldLock | undefined;
  private first: StopSignal | undefined;

  constructor(
    private readonly io: CliIO,
    private readonly command: InterruptedCommand,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Aborts at the first SIGINT/SIGTERM. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The first signal received, if any. */
  get received(): StopSignal | undefined {
    return this.first;
  }

  /** Follows the lock through the library's events; pass every event of the command through it. */
  watch(next?: EventSink): EventSink {
    return (e: KopsEvent) => {
      if (e.code === 'lock.acquired') this.held(e);
      if (e.code === 'lock.released') this.released(e.id);
      next?.(e);
    };
  }

  /**
   * The same for a command that takes the lock itself: spread into `withClusterLock`'s options, so
   * a second signal names the held lock's id and the `--force-unlock` line to finish with.
   */
  lockHooks(): { onAcquired: (info: LockInfo) => void; onReleased: (info: LockInfo) => void } {
    return { onAcquired: (info) => this.held(info), onReleased: (info) => this.released(info.id) };
  }

  private held(lock: { readonly id: string; readonly acquired: string; readonly expires: string }): void {
    this.lock = { id: lock.id, ttlMs: Math.max(0, Date.parse(lock.expires) - Date.parse(lock.acquired)) };
  }

  private released(id: string): void {
    if (this.lock?.id === id) this.lock = undefined;
  }

  /** Handles one signal (the CLI's listener; tests call it directly). */
  onSignal(sig: StopSignal, exit: (code: number) => void): void {
    if (this.first === undefined) {
      this.first = sig;
      this.io.stderr(`Stopping on ${sig}: no new change starts; changes in progress finish, then the cluster lock is released (${sig} again exits at once)\n`);
      this.controller.abort(new Error(`interrupted by ${sig}`));
      return;
    }
    this.io.stderr(`${this.exitNowLine(sig)}\n`);
    exit(ExitCode.INTERRUPTED);
  }

  private exitNowLine(sig: StopSignal): string {
    const { operation, cluster } = this.command;
    const head = `error: exiting at once on a second ${sig}; changes in progress may or may not have been made`;
    if (this.lock) {
      // The lease was renewed while the run went on: it expires at most one TTL from now.
      const latest = new Date(this.now().getTime() + this.lock.ttlMs).toISOString();
      return (
        `${head}, and the lock on cluster "${cluster}" (lock id ${this.lock.id}) stays until it expires, by ${latest} at the latest (${operation}): ` +
        `when no other kops-ts run is using the cluster, break it and finish with: ${this.command.forceUnlock(this.lock.id)}`
      );
    }
    return (
      `${head}; if this run held the lock on cluster "${cluster}", it stays until it expires (at most 5 minutes) and the ClusterLocked error names its id for --force-unlock (${operation}): ` +
      `finish with: ${this.command.rerun('apply')}`
    );
  }

  /**
   * Runs `fn` with signals handled; afterwards, an interrupt becomes one `error:` line and exit 130
   * (a `KopsError`), whether `fn` stopped early (`InterruptedError`) or had finished anyway.
   */
  async run<T>(source: SignalSource | undefined, fn: () => Promise<T>): Promise<T> {
    const stop = source?.listen((sig) => this.onSignal(sig, (code) => source.exit(code)));
    let result: T;
    try {
      result = await fn();
    } catch (e) {
      if (e instanceof InterruptedError) throw this.report(e);
      throw e;
    } finally {
      stop?.();
    }
    if (this.first !== undefined) {
      throw new KopsError('Interrupted', `${this.first} arrived after ${this.command.operation} had done its work`, {
        hint: 'nothing was cut short: what it printed above is complete',
        exitCode: ExitCode.INTERRUPTED,
      });
    }
    return result;
  }

  /** The CLI's account of an interruption: the library's counts, the lock, the command to run next. */
  report(e: InterruptedError): KopsError {
    const by = `interrupted${this.first ? ` by ${this.first}` : ''}`;
    const p = e.progress;
    const what = e.stage === 'before-apply' ? `${by} before applying anything: nothing was changed in the cloud` : `${by}: ${p.applied} of ${p.total} change(s) applied, ${p.failed} failed, ${p.left} not done`;
    const where = `${this.command.operation} ${this.command.cluster}`;
    let summary: string;
    let hint: string;
    if (e.lock && !e.lock.released) {
      summary = `${what}; the cluster lock (lock id ${e.lock.id}) could not be released and stays until it expires`;
      hint = `when no other kops-ts run is using the cluster, break it and finish with: ${this.command.forceUnlock(e.lock.id)}`;
    } else {
      summary = `${what}${e.lock ? '; the cluster lock is released' : ''}`;
      hint = `a re-run finishes the rest: ${this.command.rerun(e.stage)}`;
    }
    const failures = e.diagnostics.filter((d) => d.code !== 'Interrupted');
    return new KopsError('Interrupted', summary, {
      diagnostics: [...failures, { severity: 'error', code: 'Interrupted', summary, task: where, hint }],
      exitCode: ExitCode.INTERRUPTED,
      cause: e,
    });
  }
}

/**
 * The messages of a command whose re-run is itself with `confirm` at its end (`--yes`), and whose
 * stale lock is broken by the same with `--force-unlock <id>` before `confirm`.
 */
export function rerunCommand(operation: string, cluster: string, line: CommandLine, confirm: readonly string[] = ['--yes']): InterruptedCommand {
  return { operation, cluster, rerun: () => line(confirm), forceUnlock: (id) => line(['--force-unlock', id, ...confirm]) };
}

/** Signals for a command that holds the lock while it runs and is finished by running it again (`rerunCommand`). */
export function commandInterrupts(io: CliIO, operation: string, cluster: string, line: CommandLine): Interrupts {
  return new Interrupts(io, rerunCommand(operation, cluster, line));
}

/**
 * Signals for a command that holds the lock only while it writes the state store: the writes
 * finish, the lock is released, then the command exits 130 ("arrived after ... had done its
 * work"). `line` is the command itself, which needs no `--yes` added (for the second-signal message).
 */
export function storeCommandInterrupts(io: CliIO, operation: string, cluster: string, line: CommandLine): Interrupts {
  return new Interrupts(io, rerunCommand(operation, cluster, line, []));
}
