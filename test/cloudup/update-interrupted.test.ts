/**
 * The library's side of an interrupt: `updateCluster({ signal })` against the emulator. Aborting
 * stops the apply (running changes finish, nothing new starts), releases the lock, records
 * nothing as applied, and throws `InterruptedError` with the counts; a re-run converges.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../src/cloudup/interrupted.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { ExitCode } from '../../src/diagnostics.js';
import { RecordingSink } from '../../src/events.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { readClusterLock } from '../../src/statestore/lock.js';
import { openStateStore } from '../../src/statestore/open.js';
import type { StateStore } from '../../src/statestore/types.js';
import { testAws } from '../helpers/aws.js';
import { rejectionOf } from '../helpers/errors.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();

async function setup(name: string) {
  const aws = testAws();
  const cs = new Clientset(openStateStore(`memory://interrupted-${aws.account}`));
  const built = newCluster({ name, zones: ['us-east-1a'] });
  await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
  const { region: _r, ...awsOpts } = aws.options;
  return { aws, cs, name, awsOpts };
}

describe('updateCluster with a signal', () => {
  it('aborted mid-apply: the changes running finish, the rest are left, the lock is released, a re-run converges', async () => {
    const s = await setup('interrupted.example.com');
    const ac = new AbortController();
    const rec = new RecordingSink();
    const events = (e: Parameters<typeof rec.sink>[0]) => {
      rec.sink(e);
      if (e.code === 'task.done') ac.abort();
    };
    const e = await rejectionOf(updateCluster({ clientset: s.cs, clusterName: s.name, aws: s.awsOpts, yes: true, events, signal: ac.signal }), InterruptedError);
    expect([e.code, e.exitCode, e.stage]).toEqual(['Interrupted', ExitCode.INTERRUPTED, 'apply']);
    const { applied, failed, left, total } = e.progress;
    expect(applied).toBeGreaterThanOrEqual(1);
    expect(left).toBeGreaterThan(0);
    expect([failed, applied + failed + left]).toEqual([0, total]);
    expect(e.result?.skipped.every((x) => x.reason === 'cancelled')).toBe(true);
    expect(e.message).toBe(`interrupted: ${applied} of ${total} change(s) applied, 0 failed, ${left} not done`);
    // No task started after the signal: every start came before the first task finished.
    const firstDone = rec.codes().indexOf('task.done');
    expect(rec.events.slice(firstDone).filter((x) => x.code === 'task.start')).toEqual([]);
    // The lock: taken, released, and said so; nothing recorded as applied.
    const [acquired] = rec.of('lock.acquired');
    expect(acquired).toMatchObject({ cluster: s.name, operation: 'update cluster' });
    expect(rec.of('lock.released')).toEqual([{ code: 'lock.released', cluster: s.name, id: acquired!.id }]);
    expect(e.lock).toEqual({ id: acquired!.id, released: true });
    expect(await readClusterLock(s.cs.store, s.name)).toBeUndefined();
    expect(await s.cs.readCompletedSpec(s.name)).toBeUndefined();

    const plan = await updateCluster({ clientset: s.cs, clusterName: s.name, aws: s.awsOpts });
    // Only what was not done is planned (a change cut short after its resource was made may be less than a create).
    expect(plan.plan.changes.length).toBeGreaterThan(0);
    expect(plan.plan.changes.length).toBeLessThanOrEqual(left);
    expect((await updateCluster({ clientset: s.cs, clusterName: s.name, aws: s.awsOpts, yes: true })).applied?.ok).toBe(true);
    expect((await updateCluster({ clientset: s.cs, clusterName: s.name, aws: s.awsOpts })).plan.changes).toEqual([]);
  }, 180_000);

  it('aborted before it starts: nothing is read from the cloud, no lock is taken', async () => {
    const s = await setup('interrupted-early.example.com');
    const ac = new AbortController();
    ac.abort();
    const rec = new RecordingSink();
    const before = s.aws.counter.total();
    const e = await rejectionOf(updateCluster({ clientset: s.cs, clusterName: s.name, aws: s.awsOpts, yes: true, events: rec.sink, signal: ac.signal }), InterruptedError);
    expect([e.stage, e.lock, e.message]).toEqual(['before-apply', undefined, 'interrupted before applying anything: nothing was changed in the cloud']);
    expect(rec.events).toEqual([]);
    expect(s.aws.counter.total()).toBe(before);
  });

  it('aborted while planning under the lock: applies nothing and releases the lock, or says it could not', async () => {
    const s = await setup('interrupted-plan.example.com');
    for (const breakRelease of [false, true]) {
      const ac = new AbortController();
      const rec = new RecordingSink();
      const store: StateStore = {
        url: s.cs.store.url,
        read: (p) => s.cs.store.read(p),
        list: (p) => s.cs.store.list(p),
        listSizes: (p) => s.cs.store.listSizes(p),
        write: (p, d, o) => s.cs.store.write(p, d, o),
        delete: (p, o) => (breakRelease && p.endsWith('/lock') ? Promise.reject(new Error('store unreachable')) : s.cs.store.delete(p, o)),
      };
      const events = (e: Parameters<typeof rec.sink>[0]) => {
        rec.sink(e);
        if (e.code === 'lock.acquired') ac.abort();
      };
      const e = await rejectionOf(updateCluster({ clientset: new Clientset(store), clusterName: s.name, aws: s.awsOpts, yes: true, events, signal: ac.signal }), InterruptedError);
      const id = rec.of('lock.acquired')[0]!.id;
      expect(e.stage).toBe('before-apply');
      expect(rec.of('apply.start')).toEqual([]);
      expect(e.lock).toEqual({ id, released: !breakRelease });
      expect(rec.of('lock.released')).toHaveLength(breakRelease ? 0 : 1);
      expect((await readClusterLock(s.cs.store, s.name))?.id).toBe(breakRelease ? id : undefined);
    }
  }, 120_000);
});
