/**
 * Progress of an apply on stderr. On a terminal: a line per finished task with its time, the
 * retries (throttling, eventual consistency) as they happen, and tasks still running after the
 * executor's slow threshold. Not on a terminal: only the start of the apply, retries, slow tasks
 * and a broken lock, one line each, so pipelines get a quiet, greppable log. stdout is left to the command's result.
 */
import type { KopsEvent } from '../events.js';
import type { CliIO } from './io.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function progressSink(io: CliIO): (e: KopsEvent) => void {
  const tty = io.isTTY;
  return (e) => {
    switch (e.code) {
      case 'apply.start': {
        // Also in pipelines: one line saying the cloud is about to change, and how much.
        const n = Object.values(e.summary).reduce((a, b) => a + b, 0);
        if (n > 0) io.stderr(`Applying ${n} change(s)...\n`);
        return;
      }
      case 'lock.force-unlocked':
        io.stderr(`Broke the lock on cluster "${e.cluster}" (lock id ${e.id}) held by ${e.holder} for "${e.operation}"${e.acquired ? ` since ${e.acquired}` : ''}\n`);
        return;
      case 'task.done':
        if (tty) io.stderr(`  done  ${e.key} (${seconds(e.ms)}${e.attempts > 1 ? `, ${e.attempts} attempts` : ''})\n`);
        return;
      case 'task.retry':
        io.stderr(`  retry ${e.key}: ${e.errorCode} (attempt ${e.attempt}, again in ${seconds(e.delayMs)})\n`);
        return;
      case 'task.slow':
        io.stderr(`  still running ${e.key} after ${seconds(e.elapsedMs)}\n`);
        return;
      default:
        return;
    }
  };
}
