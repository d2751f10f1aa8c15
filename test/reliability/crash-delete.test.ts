/**
 * Reliability 2 for `delete cluster --yes`: a minimal cluster is applied (in-process), then the
 * real binary deletes it and is SIGKILLed at its k-th mutating AWS call (`before`: never reaches
 * AWS; `after`: AWS did it, the process never saw the answer). The user re-runs the same command
 * (with `--force-unlock <id>` if the dead run's lock blocks it): it exits 0, and nothing of the
 * cluster is left in the account (every kind `update` creates) nor in the state store.
 *
 * CI: k = 1 (after), ⌈N/2⌉ (before), N (after); KOPS_TS_RELIABILITY=full: every k in both modes;
 * KOPS_TS_CRASH_K=3,17 chosen k.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { awsEndpoint } from '../helpers/aws.js';
import { spawnBin, type ChildResult } from './child.js';
import { freshCluster, NAME, type Env } from './crash-env.js';
import { inventory } from './inventory.js';
import { startKillProxy, type KillMode, type KillProxy } from './kill-proxy.js';

const FULL = process.env.KOPS_TS_RELIABILITY === 'full';
const deleteArgs = (url: string, extra: string[] = []) => ['--state', url, 'delete', 'cluster', '--name', NAME, '--yes', '--interval', '1s', '--wait', '2m', ...extra];

/** A fresh account with the cluster applied (directly on the emulator, not through the proxy). */
async function appliedCluster(endpoint: string): Promise<Env> {
  const e = await freshCluster(endpoint);
  const { region: _r, ...aws } = e.aws.options;
  const r = await updateCluster({ clientset: new Clientset(openStateStore(e.url)), clusterName: NAME, aws, yes: true });
  expect(r.applied?.ok).toBe(true);
  return e;
}

async function rerun(e: Env): Promise<ChildResult> {
  const first = await spawnBin(deleteArgs(e.url), e.env).done;
  if (first.code === 0) return first;
  const id = /--force-unlock (\S+)/.exec(first.stderr)?.[1];
  expect(id, `the lock error names the id to break:\n${first.stderr}`).toBeDefined();
  return spawnBin(deleteArgs(e.url, ['--force-unlock', id!]), e.env).done;
}

async function expectGone(e: Env, what: string): Promise<void> {
  expect((await inventory(e.aws)).map((r) => `${r.kind} ${r.name}`), what).toEqual([]);
  expect(await openStateStore(e.url).list(`${NAME}/`), what).toEqual([]);
}

let proxy: KillProxy;
let total = 0;

beforeAll(async () => {
  proxy = await startKillProxy(awsEndpoint());
  const e = await appliedCluster(proxy.endpoint);
  expect((await inventory(e.aws)).length).toBeGreaterThan(10);
  proxy.disarm();
  const r = await spawnBin(deleteArgs(e.url), e.env).done;
  expect(r.code, r.stderr).toBe(0);
  total = proxy.mutating.length;
  await expectGone(e, 'clean delete');
}, 240_000);

afterAll(async () => {
  await proxy?.close();
});

function cases(n: number): Array<[number, KillMode]> {
  const both = (k: number) => [[k, 'before'], [k, 'after']] as Array<[number, KillMode]>;
  const chosen = process.env.KOPS_TS_CRASH_K?.split(',').map(Number).filter((k) => k >= 1 && k <= n);
  if (chosen?.length) return chosen.flatMap(both);
  if (FULL) return Array.from({ length: n }, (_, i) => i + 1).flatMap(both);
  return [[1, 'after'], [Math.ceil(n / 2), 'before'], [n, 'after']];
}

describe('crash at every step: delete cluster --yes', () => {
  it('a clean delete makes mutating calls to count', () => {
    expect(total).toBeGreaterThan(10);
  });

  it('killed at the k-th mutating call, then re-run: nothing of the cluster is left, in the account or the store', async () => {
    const tried: string[] = [];
    for (const [wanted, mode] of cases(total)) {
      // A delete's number of mutating calls depends on timing (how many "still has dependencies"
      // retries it meets), so a run may finish before the k-th call of the clean run. Then the
      // case is tried again on a fresh cluster at that run's own last call (at most 3 tries).
      let k = wanted;
      let e = await appliedCluster(proxy.endpoint);
      for (let attempt = 1; ; attempt++) {
        const run = spawnBin(deleteArgs(e.url), e.env);
        proxy.arm({ k, mode, kill: () => run.child.kill('SIGKILL') });
        const crashed = await run.done;
        const made = proxy.mutating.length;
        const killed = proxy.killed;
        proxy.disarm();
        if (!killed && made < k && attempt < 3) {
          expect(crashed.code, `k=${k} ${mode}: finished after ${made} calls\n${crashed.stderr}`).toBe(0);
          k = made;
          e = await appliedCluster(proxy.endpoint);
          continue;
        }
        expect(killed, `k=${k} ${mode}: the proxy killed the run (it made ${made} mutating calls)`).toBe(true);
        expect(crashed.signal, `k=${k} ${mode}`).toBe('SIGKILL');
        break;
      }
      const final = await rerun(e);
      expect(final.code, `k=${k} ${mode}: re-run\n${final.stderr}`).toBe(0);
      await expectGone(e, `k=${k} ${mode}`);
      tried.push(`${k}/${mode}`);
    }
    console.info(`crash-delete: ${total} mutating calls in a clean delete; killed and re-run at ${tried.join(' ')}`);
  }, FULL ? 7_200_000 : 600_000);
});
