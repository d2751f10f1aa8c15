/**
 * Progress of `rolling-update cluster --yes`. Not on a terminal: one plain line per step on
 * stderr (a greppable log for pipelines). On a terminal: the same lines led by the time since the
 * roll started, the phase in bold, so a person sees which group and instance it is at and for
 * how long. With `-o json`, every event as one JSON object per line on stdout instead (stderr
 * keeps only errors).
 */
import type { KopsEvent } from '../events.js';
import type { CliIO } from './io.js';
import { bold } from './output.js';

const STEP_WORDS: Readonly<Record<string, string>> = {
  taint: 'tainted for update',
  detach: 'detached (surge: the group launches a replacement first)',
  drain: 'drained',
  deregister: 'taken out of the API load balancer',
  terminate: 'terminated',
  'wait-replacement': 'waiting for its replacement',
  replaced: 'replaced',
};

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** The line for an event, or undefined for events that say nothing to a person. */
export function rollingLine(e: KopsEvent, io: CliIO): string | undefined {
  switch (e.code) {
    case 'rolling-update.start':
      return `${e.resumed ? 'Resuming an interrupted' : 'Starting a'} rolling update of cluster ${e.cluster}: ${e.instances} instance(s) in ${e.groups} instance group(s)`;
    case 'rolling-update.group.start':
      return `${bold(io, e.group)} (${e.role}): ${e.instances} instance(s) to replace, maxSurge ${e.maxSurge}, maxUnavailable ${e.maxUnavailable}, ${e.concurrency} at a time`;
    case 'rolling-update.step':
      return `  ${e.group}  ${e.instance}${e.node ? ` (${e.node})` : ''}  ${STEP_WORDS[e.step] ?? e.step}`;
    case 'rolling-update.validated':
      return `  ${e.group}  cluster validated ${e.count} time(s) in a row (${(e.ms / 1000).toFixed(0)}s)`;
    case 'rolling-update.validation-failed':
      return `  ${e.group}  cluster did not validate yet: ${e.failures.join('; ')}`;
    case 'rolling-update.warning':
      return `  warning: ${e.group ? `${e.group}: ` : ''}${e.instance ? `${e.instance}: ` : ''}${e.message}`;
    case 'rolling-update.group.done':
      return `${e.group}: ${e.replaced} instance(s) replaced in ${(e.ms / 1000).toFixed(0)}s`;
    case 'rolling-update.done':
      return `Rolling update of cluster ${e.cluster} done: ${e.replaced} instance(s) replaced in ${(e.ms / 1000).toFixed(0)}s`;
    default:
      return undefined;
  }
}

export function rollingProgressSink(io: CliIO, json: boolean, now: () => number = Date.now): (e: KopsEvent) => void {
  const start = now();
  return (e) => {
    if (json) {
      if (e.code.startsWith('rolling-update.') || e.code.startsWith('lock.')) io.stdout(`${JSON.stringify(e)}\n`);
      return;
    }
    const line = rollingLine(e, io);
    if (line === undefined) return;
    io.stderr(io.isTTY ? `${clock(now() - start)}  ${line}\n` : `${line}\n`);
  };
}
