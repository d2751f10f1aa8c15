/**
 * Reliability 2, crash at every step: `kops-ts update cluster --yes` of a minimal cluster runs as
 * the real binary in a child process, against the emulator through a proxy that SIGKILLs it at its
 * k-th mutating AWS call (`before`: the call never reaches AWS; `after`: AWS did it, the process
 * never saw the answer). A user then re-runs the same command (breaking the dead run's lock with
 * the id the error names); it must converge: the next plan is empty, and no resource exists twice
 * or without the cluster's ownership tags.
 *
 * CI runs a spread of k (first, last and between, both modes); KOPS_TS_RELIABILITY=full runs every
 * k in both modes. KOPS_TS_CRASH_K=3,17 runs chosen k.
 *
 * Follow-up (needs `delete cluster` of a built cluster, branch delcluster): the same sweep for
 * `delete cluster --yes` (crash-delete.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { awsEndpoint } from '../helpers/aws.js';
import { spawnBin, type ChildResult } from './child.js';
import { freshCluster, NAME, type Env } from './crash-env.js';
import { duplicates, inventory, unowned } from './inventory.js';
import { startKillProxy, type KillMode, type KillProxy } from './kill-proxy.js';

const FULL = process.env.KOPS_TS_RELIABILITY === 'full';

const updateArgs = (url: string, extra: string[] = []) => ['--state', url, 'update', 'cluster', '--name', NAME, '--yes', ...extra];

/** Re-runs as a user would: once, and if the dead run's lock blocks it, again with the id the error names. */
async function rerun(e: Env): Promise<{ first: ChildResult; final: ChildResult }> {
  const first = await spawnBin(updateArgs(e.url), e.env).done;
  if (first.code === 0) return { first, final: first };
  const id = /--force-unlock (\S+)/.exec(first.stderr)?.[1];
  expect(id, `the lock error names the id to break:\n${first.stderr}`).toBeDefined();
  const final = await spawnBin(updateArgs(e.url, ['--force-unlock', id!]), e.env).done;
  return { first, final };
}

/** The next plan is empty and the account holds each resource once, with the ownership tags. */
async function expectConverged(e: Env): Promise<void> {
  const { region: _r, ...aws } = e.aws.options;
  const plan = await updateCluster({ clientset: new Clientset(openStateStore(e.url)), clusterName: NAME, aws });
  expect(plan.plan.changes.map((c) => `${c.key}: ${c.action}`)).toEqual([]);
  const resources = await inventory(e.aws);
  expect(duplicates(resources)).toEqual([]);
  expect(unowned(resources, NAME)).toEqual([]);
  expect(await new Clientset(openStateStore(e.url)).readCompletedSpec(NAME)).toBeDefined();
}

let proxy: KillProxy;
/** Mutating calls of a clean run, and that run's resources by kind (what every crashed run must end with). */
let total = 0;
let cleanKinds: string[] = [];

beforeAll(async () => {
  proxy = await startKillProxy(awsEndpoint());
  const e = await freshCluster(proxy.endpoint);
  proxy.disarm();
  const r = await spawnBin(updateArgs(e.url), e.env).done;
  expect(r.code, r.stderr).toBe(0);
  total = proxy.mutating.length;
  await expectConverged(e);
  cleanKinds = (await inventory(e.aws)).map((x) => `${x.kind} ${x.name}`).sort();
}, 180_000);

afterAll(async () => {
  await proxy?.close();
});

/** Which (k, mode) to run: every one in full mode, else a spread; or KOPS_TS_CRASH_K. */
function cases(n: number): Array<[number, KillMode]> {
  const chosen = process.env.KOPS_TS_CRASH_K?.split(',').map(Number).filter((k) => k >= 1 && k <= n);
  if (chosen?.length) return chosen.flatMap((k) => [[k, 'before'], [k, 'after']] as Array<[number, KillMode]>);
  if (FULL) return Array.from({ length: n }, (_, i) => i + 1).flatMap((k) => [[k, 'before'], [k, 'after']] as Array<[number, KillMode]>);
  // First call (AWS made it, the run never knew), the middle (never made), the last (made, unknown).
  return [[1, 'after'], [Math.ceil(n / 2), 'before'], [n, 'after']];
}

describe('crash at every step: update cluster --yes', () => {
  it('a clean run makes mutating calls to count (otherwise the sweep proves nothing)', () => {
    expect(total).toBeGreaterThan(10);
    expect(cleanKinds.length).toBeGreaterThan(10);
  });

  it('killed at the k-th mutating call, then re-run: converges, empty plan, nothing twice, everything owned', async () => {
    const tried: string[] = [];
    for (const [k, mode] of cases(total)) {
      proxy.disarm();
      const e = await freshCluster(proxy.endpoint);
      const run = spawnBin(updateArgs(e.url), e.env);
      proxy.arm({ k, mode, kill: () => run.child.kill('SIGKILL') });
      const crashed = await run.done;
      expect(proxy.killed, `k=${k} ${mode}: the proxy killed the run`).toBe(true);
      expect(crashed.signal, `k=${k} ${mode}`).toBe('SIGKILL');
      proxy.disarm();
      const { final } = await rerun(e);
      expect(final.code, `k=${k} ${mode}: re-run\n${final.stderr}`).toBe(0);
      await expectConverged(e);
      // The same resources as a clean run: nothing extra survived the crash.
      expect((await inventory(e.aws)).map((x) => `${x.kind} ${x.name}`).sort(), `k=${k} ${mode}`).toEqual(cleanKinds);
      tried.push(`${k}/${mode}`);
    }
    expect(tried.length).toBe(cases(total).length);
    console.info(`crash-update: ${total} mutating calls in a clean run; killed and re-run at ${tried.join(' ')}`);
  }, FULL ? 7_200_000 : 600_000);
});
