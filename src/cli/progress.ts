/**
 * Progress of an apply on stderr. On a terminal: a line per finished task with its time, the
 * retries (throttling, eventual consistency) as they happen, and tasks still running after the
 * executor's slow threshold. Not on a terminal: only retries, slow tasks and failures, one line
 * each, so pipelines get a quiet, greppable log. stdout is left to the command's result.
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
      case 'apply.start':
        if (tty) io.stderr('Applying changes...\n');
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
