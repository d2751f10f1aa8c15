/**
 * An interrupt reaches a GCE task waiting on its Compute operation: `update cluster --yes` whose
 * operations never finish (the fake answers every `wait` RUNNING, as a slow instance insert or
 * disk attach does for minutes) stops at the first SIGINT with exit 130, saying what was done and
 * the command that finishes it, instead of waiting out the operation's 10-minute deadline.
 * (AWS's waiters: test/cloudup/update-bounded-waits.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { SignalSource, StopSignal } from '../../src/cli/io.js';
import { useFakeGceCompute } from './gce-harness.js';
import { KEY, cli, cliOk, tempStore } from './harness.js';

const PROJECT = 'kops-interrupt';
const fake = useFakeGceCompute(PROJECT);

describe('GCE update cluster --yes under SIGINT', () => {
  it('a task waiting on a Compute operation is cancelled at once: exit 130, the lock released, a re-run named', async () => {
    const s = tempStore();
    const state = ['--state', s.url];
    const name = 'stop.example.com';
    await cliOk(['create', 'cluster', '--name', name, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--ssh-public-key', KEY, ...state]);
    let handler: ((s: StopSignal) => void) | undefined;
    const signals: SignalSource = { listen: (h) => ((handler = h), () => (handler = undefined)), exit: () => undefined };
    fake.operationPolls = Number.MAX_SAFE_INTEGER;
    let waits = 0;
    fake.onCall = (c) => {
      // The first wait on an operation: a task is now inside awaitOperation.
      if (/\/operations\/[^/]+\/wait$/.test(c.path) && waits++ === 0) handler?.('SIGINT');
    };
    try {
      const r = await cli(['update', 'cluster', '--name', name, '--yes', ...state], { signals });
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toMatch(/interrupted by SIGINT: \d+ of \d+ change\(s\) applied/);
      expect(r.stderr).toContain('the cluster lock is released');
      expect(r.stderr).toContain(`a re-run finishes the rest: kops-ts update cluster --name ${name}`);
      expect(waits).toBeGreaterThan(0);
    } finally {
      fake.onCall = undefined;
      fake.operationPolls = 0;
    }
    // The operations the fake held RUNNING had their effect; a re-run converges from there.
    await cliOk(['update', 'cluster', '--name', name, '--yes', ...state]);
    expect((await cli(['update', 'cluster', '--name', name, '--detailed-exitcode', ...state])).code).toBe(0);
  }, 30_000);
});
