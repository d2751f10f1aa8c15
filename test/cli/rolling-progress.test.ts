import { describe, expect, it } from 'vitest';
import type { KopsEvent } from '../../src/events.js';
import type { CliIO } from '../../src/cli/io.js';
import { rollingProgress } from '../../src/cli/rolling-progress.js';

function io(isTTY: boolean): CliIO & { out: string; err: string } {
  const o = { out: '', err: '' };
  return Object.assign(o, {
    stdout: (t: string) => (o.out += t),
    stderr: (t: string) => (o.err += t),
    isTTY,
    env: {},
    readFile: () => '',
    edit: () => 0,
  });
}

const EVENTS: KopsEvent[] = [
  { code: 'rolling-update.start', cluster: 'c.example.com', groups: 1, instances: 1, resumed: false },
  { code: 'rolling-update.group.start', group: 'nodes-a', role: 'Node', instances: 1, maxSurge: 1, maxUnavailable: 0, concurrency: 1 },
  { code: 'rolling-update.step', group: 'nodes-a', instance: 'i-1', step: 'drain' },
  { code: 'rolling-update.step', group: 'nodes-a', instance: 'i-1', step: 'replaced' },
  { code: 'rolling-update.done', cluster: 'c.example.com', replaced: 1, ms: 65_000 },
];

describe('rolling-update progress', () => {
  it('pipelines get one plain line per step, no escape codes', () => {
    const t = io(false);
    const p = rollingProgress(t, false);
    for (const e of EVENTS) p.sink(e);
    p.close();
    expect(t.err).not.toContain('\u001b');
    expect(t.err.split('\n').filter(Boolean)).toEqual([
      'Starting a rolling update of cluster c.example.com: 1 instance(s) in 1 instance group(s)',
      'nodes-a (Node): 1 instance(s) to replace, maxSurge 1, maxUnavailable 0, 1 at a time',
      '  nodes-a  i-1  draining',
      '  nodes-a  i-1  replaced',
      'Rolling update of cluster c.example.com done: 1 instance(s) replaced in 65s',
    ]);
    expect(t.out).toBe('');
  });

  it('says when no surge makes more instances unavailable than maxUnavailable (a control plane, --cloudonly)', () => {
    const t = io(false);
    const p = rollingProgress(t, false);
    p.sink({ code: 'rolling-update.group.start', group: 'control-plane-a', role: 'ControlPlane', instances: 1, maxSurge: 0, maxUnavailable: 0, concurrency: 1 });
    p.sink({ code: 'rolling-update.group.start', group: 'nodes-b', role: 'Node', instances: 2, maxSurge: 0, maxUnavailable: 2, concurrency: 2 });
    p.close();
    expect(t.err.split('\n').filter(Boolean)).toEqual([
      'control-plane-a (ControlPlane): 1 instance(s) to replace, maxSurge 0, maxUnavailable 0, 1 at a time (no surge: each is terminated before its replacement starts)',
      'nodes-b (Node): 2 instance(s) to replace, maxSurge 0, maxUnavailable 2, 2 at a time',
    ]);
  });

  it('a terminal gets elapsed times and a live line naming the instance in flight, its phase and time in it, cleared at the end', () => {
    const t = io(true);
    let clock = 0;
    let tick: (() => void) | undefined;
    const p = rollingProgress(t, false, () => clock, { every: (_ms, fn) => ((tick = fn), () => (tick = undefined)) });
    p.sink(EVENTS[0]!);
    p.sink(EVENTS[2]!);
    clock = 42_000;
    tick?.();
    expect(t.err).toContain('00:00  Starting a rolling update');
    expect(t.err.endsWith('\r\u001b[K00:42  ▸ nodes-a i-1 draining 00:42')).toBe(true);
    p.sink(EVENTS[3]!);
    p.close();
    expect(tick).toBeUndefined();
    // The live line is gone once nothing is in flight: the output ends with a finished line.
    expect(t.err.endsWith('i-1  replaced\n')).toBe(true);
  });

  it('-o json: every roll event as one JSON line on stdout, nothing on stderr', () => {
    const t = io(true);
    const p = rollingProgress(t, true);
    for (const e of EVENTS) p.sink(e);
    p.close();
    expect(t.err).toBe('');
    expect(t.out.trim().split('\n').map((l) => (JSON.parse(l) as KopsEvent).code)).toEqual(EVENTS.map((e) => e.code));
  });
});
