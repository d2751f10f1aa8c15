/**
 * Progress of `rolling-update cluster --yes`. Not on a terminal: one plain line per step on
 * stderr (a greppable log for pipelines). On a terminal: the same lines led by the time since the
 * roll started, the group names in bold, and under them a live status line (redrawn every second)
 * naming each instance in flight, its phase and how long it has been in it. With `-o json`, every
 * event as one JSON object per line on stdout instead (stderr keeps only errors).
 */
import type { KopsEvent } from '../events.js';
import type { CliIO } from './io.js';
import { bold } from './output.js';

/**
 * A step's event comes when the step starts (a drain takes minutes, a deregistration the load
 * balancer's connection draining), so the words say what is under way, not what is done.
 */
const STEP_WORDS: Readonly<Record<string, string>> = {
  taint: 'tainted for update',
  detach: 'detached (surge: the group launches a replacement first)',
  drain: 'draining',
  deregister: 'leaving the API load balancer',
  terminate: 'terminating',
  'wait-replacement': 'waiting for its replacement',
  replaced: 'replaced',
};

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * When the roll takes more instances down at once than maxUnavailable says (no surge after all: a
 * control plane, `--cloudonly`, or the interactive prompt, as kops clamps them), the line says so,
 * so "maxUnavailable 0, 1 at a time" does not read as a contradiction.
 */
function noSurgeNote(e: { maxSurge: number; maxUnavailable: number; concurrency: number }): string {
  return e.maxSurge === 0 && e.concurrency > e.maxUnavailable ? ' (no surge: each is terminated before its replacement starts)' : '';
}

/** The line for an event, or undefined for events that say nothing to a person. */
export function rollingLine(e: KopsEvent, io: CliIO): string | undefined {
  switch (e.code) {
    case 'rolling-update.start':
      return `${e.resumed ? 'Resuming an interrupted' : 'Starting a'} rolling update of cluster ${e.cluster}: ${e.instances} instance(s) in ${e.groups} instance group(s)`;
    case 'rolling-update.group.start':
      return `${bold(io, e.group)} (${e.role}): ${e.instances} instance(s) to replace, maxSurge ${e.maxSurge}, maxUnavailable ${e.maxUnavailable}, ${e.concurrency} at a time${noSurgeNote(e)}`;
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

/** What an instance is doing now, for the live view. */
const PHASE_WORDS: Readonly<Record<string, string>> = {
  taint: 'tainted',
  detach: 'detached, replacement launching',
  drain: 'draining',
  deregister: 'leaving the load balancer',
  terminate: 'terminating',
  'wait-replacement': 'waiting for its replacement',
};

export interface RollingProgress {
  readonly sink: (e: KopsEvent) => void;
  /** Clears the live status line and stops its timer (call when the command ends, however it ends). */
  close(): void;
}

/**
 * The progress of a roll. On a terminal, under the lines a live status line shows each instance
 * in flight (group, instance, phase, time in that phase), redrawn on every event and every second.
 */
export function rollingProgress(io: CliIO, json: boolean, now: () => number = Date.now, tick: { every(ms: number, fn: () => void): () => void } = realTick): RollingProgress {
  const start = now();
  const live = io.isTTY && !json;
  const inFlight = new Map<string, { group: string; phase: string; since: number }>();
  let shown = false;
  const status = (): string => {
    if (inFlight.size === 0) return '';
    const parts = [...inFlight].map(([id, f]) => `${f.group} ${id} ${f.phase} ${clock(now() - f.since)}`);
    return `${clock(now() - start)}  ▸ ${parts.join(' | ')}`;
  };
  const redraw = (): void => {
    if (!live) return;
    const s = status();
    if (s === '' && !shown) return;
    io.stderr(`\r\u001b[K${s}`);
    shown = s !== '';
  };
  const stop = live ? tick.every(1000, redraw) : () => undefined;
  const sink = (e: KopsEvent): void => {
    if (json) {
      if (e.code.startsWith('rolling-update.') || e.code.startsWith('lock.')) io.stdout(`${JSON.stringify(e)}\n`);
      return;
    }
    if (e.code === 'rolling-update.step') {
      if (e.step === 'replaced') inFlight.delete(e.instance);
      else inFlight.set(e.instance, { group: e.group, phase: PHASE_WORDS[e.step] ?? e.step, since: now() });
    }
    const line = rollingLine(e, io);
    if (line === undefined) return;
    if (!live) {
      io.stderr(`${line}\n`);
      return;
    }
    io.stderr(`${shown ? '\r\u001b[K' : ''}${clock(now() - start)}  ${line}\n`);
    shown = false;
    redraw();
  };
  return {
    sink,
    close() {
      stop();
      if (live && shown) io.stderr('\r\u001b[K');
      shown = false;
    },
  };
}

const realTick = {
  every(ms: number, fn: () => void): () => void {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
};
