/**
 * The PodDisruptionBudgets that will block a drain, named up front (AWS emulator, fake Kubernetes
 * API with its budgets and Eviction API): `rolling-update cluster`'s preview (table: a warning line
 * on stderr; `-o json`: the document's `warnings`, stdout still one document) and its `--yes` roll
 * (the warning before any drain), `delete instance`'s preview; no warning for a budget whose pods
 * sit on nodes not rolled or one that allows a disruption; no check with `--cloudonly`; an API that
 * cannot be read for it is one line and the preview goes on.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FakeKubeApiServer } from '../fakes/kube-apiserver.js';
import { appliedCluster } from './applied-cluster.js';
import { FAST_ROLL, cli } from './harness.js';

const NAME = 'pdb.example.com';
let env: Record<string, string>;
let url: string;
let fake: FakeKubeApiServer;

/** The Node of instance group `ig` (one instance each here). */
function nodeOf(ig: string): string {
  const hit = [...fake.nodes.entries()].find(([, n]) => JSON.stringify(n).includes(`"kops.k8s.io/instancegroup":"${ig}"`));
  if (!hit) throw new Error(`no node of ${ig}`);
  return hit[0];
}

/** Budgets and pods: db-pdb (minAvailable = replicas) has a pod on A and one on B; web-pdb is at 0 with its pods on B only; cache-pdb allows one disruption. */
async function workloads(): Promise<{ a: string; b: string }> {
  // The fake brings its Nodes in line with the emulator's instances on each request.
  await fetch(`${fake.url}/api/v1/nodes`, { headers: { authorization: 'Bearer fake-token' } });
  const a = nodeOf('nodes-us-east-1a');
  const b = nodeOf('nodes-us-east-1b');
  for (const key of [...fake.pods.keys()].filter((k) => k.startsWith('shop/'))) fake.pods.delete(key);
  fake.pdbs.clear();
  fake.addPod({ namespace: 'shop', name: 'db-0', node: a, labels: { app: 'db' }, owner: 'StatefulSet/db' });
  fake.addPod({ namespace: 'shop', name: 'db-1', node: b, labels: { app: 'db' }, owner: 'StatefulSet/db' });
  fake.addPdb({ namespace: 'shop', name: 'db-pdb', matchLabels: { app: 'db' }, minAvailable: 2 });
  fake.addPod({ namespace: 'shop', name: 'web-0', node: b, labels: { app: 'web' }, owner: 'ReplicaSet/web' });
  fake.addPdb({ namespace: 'shop', name: 'web-pdb', matchLabels: { app: 'web' }, minAvailable: 1 });
  fake.addPod({ namespace: 'shop', name: 'cache-0', node: a, labels: { app: 'cache' }, owner: 'ReplicaSet/cache' });
  fake.addPod({ namespace: 'shop', name: 'cache-1', node: b, labels: { app: 'cache' }, owner: 'ReplicaSet/cache' });
  fake.addPdb({ namespace: 'shop', name: 'cache-pdb', matchLabels: { app: 'cache' }, maxUnavailable: 1 });
  return { a, b };
}

const roll = (args: string[]) => cli(['--state', url, 'rolling-update', 'cluster', NAME, '--force', '--instance-group', 'nodes-us-east-1a', ...args], { env });
const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.includes('warning: '));

beforeAll(async () => {
  ({ env, url, fake } = await appliedCluster(NAME, ['--zones', 'us-east-1a,us-east-1b', '--node-count', '2']));
}, 240_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await fake?.close();
});

describe('rolling-update cluster names the PodDisruptionBudgets that will block its drains', () => {
  it('preview: one warning line on stderr for the budget at 0 with a pod on a node to be replaced; none for the others', async () => {
    const { a } = await workloads();
    const r = await roll([]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Must specify --yes to rolling-update.');
    expect(warnings(r.stderr)).toEqual([
      `warning: PodDisruptionBudget shop/db-pdb allows 0 disruptions now (currentHealthy 2, desiredHealthy 2) and 1 of its pods sits on nodes to be drained (1 on ${a}): ` +
        'their eviction will be refused until it allows one; the drain waits up to --drain-timeout 15m, then stops the roll',
    ]);
    // The flags say what happens after the timeout.
    const goesOn = await roll(['--drain-timeout', '2m', '--fail-on-drain-error=false']);
    expect(warnings(goesOn.stderr)[0]).toMatch(/--drain-timeout 2m, then goes on without draining, with --fail-on-drain-error=false$/);
  });

  it('preview -o json: the warnings in the document, stdout one document', async () => {
    await workloads();
    const r = await roll(['-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { required: boolean; warnings: string[] };
    expect(doc.required).toBe(true);
    expect(doc.warnings).toHaveLength(1);
    expect(doc.warnings[0]).toMatch(/^PodDisruptionBudget shop\/db-pdb allows 0 disruptions now/);
    expect(r.stderr).toBe('');
  });

  it('--cloudonly reads no budget; an API that cannot be read for the check is one line and the preview goes on', async () => {
    await workloads();
    const from = fake.requests.length;
    const cloudOnly = await roll(['--cloudonly']);
    expect(cloudOnly.code, cloudOnly.stderr).toBe(0);
    expect(warnings(cloudOnly.stderr)).toEqual([]);
    expect(fake.requests.slice(from).filter((q) => q.path.includes('poddisruptionbudgets'))).toEqual([]);

    // Every attempt at the budgets' list is reset (the client sends a read 3 times).
    fake.resetRequest((q) => q.path.startsWith('/apis/policy/v1/poddisruptionbudgets'), 3);
    const unread = await roll([]);
    expect(unread.code, unread.stderr).toBe(0);
    expect(unread.stdout).toContain('Must specify --yes to rolling-update.');
    expect(warnings(unread.stderr)).toEqual([expect.stringMatching(/^warning: could not check the PodDisruptionBudgets before draining \(.*\); going on$/)]);
  });

  it('delete instance: the preview names the budget blocking its drain (table and -o json)', async () => {
    const { a, b } = await workloads();
    const text = await cli(['--state', url, 'delete', 'instance', a, '--name', NAME], { env });
    expect(text.code, text.stderr).toBe(0);
    expect(warnings(text.stderr)).toEqual([expect.stringMatching(new RegExp(`^warning: PodDisruptionBudget shop/db-pdb allows 0 disruptions now .*\\(1 on ${a.replace(/\./g, '\\.')}\\)`))]);
    const json = await cli(['--state', url, 'delete', 'instance', b, '--name', NAME, '-o', 'json'], { env });
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as { warnings: string[] };
    // On B: db-pdb and web-pdb are at 0; cache-pdb allows one.
    expect(doc.warnings.map((w) => w.split(' ')[1])).toEqual(['shop/db-pdb', 'shop/web-pdb']);
  });

  it('--yes: the warning comes before any drain, and the drain then waits on that budget', async () => {
    const { a } = await workloads();
    const r = await roll(['--yes', ...FAST_ROLL, '--drain-timeout', '1s', '--fail-on-drain-error=false']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n');
    const warned = lines.findIndex((l) => l.startsWith('  warning: PodDisruptionBudget shop/db-pdb allows 0 disruptions now') && l.includes(`(1 on ${a})`));
    const firstDrain = lines.findIndex((l) => / draining$/.test(l));
    expect(warned).toBeGreaterThanOrEqual(0);
    expect(firstDrain).toBeGreaterThan(warned);
    expect(lines.filter((l) => l.includes('warning: PodDisruptionBudget'))).toHaveLength(1);
    // What it warned of: the drain timed out on db-0 and the roll went on.
    expect(lines.some((l) => l.includes(`ignoring error draining node ${a}`) && l.includes('shop/db-0'))).toBe(true);
  }, 120_000);

  it('--yes -o json: the warning is an event on stdout before the first drain step, every line JSON', async () => {
    const { a } = await workloads();
    const r = await roll(['--yes', '-o', 'json', ...FAST_ROLL, '--drain-timeout', '1s', '--fail-on-drain-error=false']);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { code: string; step?: string; message?: string });
    const warned = events.findIndex((e) => e.code === 'rolling-update.warning' && (e.message ?? '').startsWith('PodDisruptionBudget shop/db-pdb') && (e.message ?? '').includes(`(1 on ${a})`));
    expect(warned).toBeGreaterThanOrEqual(0);
    expect(events.findIndex((e) => e.code === 'rolling-update.step' && e.step === 'drain')).toBeGreaterThan(warned);
  }, 120_000);
});

/** A pod on A (api-0) and one on B (api-1) that two budgets select, each budget allowing a disruption. */
async function underTwoBudgets(): Promise<{ a: string; b: string }> {
  await fetch(`${fake.url}/api/v1/nodes`, { headers: { authorization: 'Bearer fake-token' } });
  const a = nodeOf('nodes-us-east-1a');
  const b = nodeOf('nodes-us-east-1b');
  for (const key of [...fake.pods.keys()].filter((k) => k.startsWith('shop/'))) fake.pods.delete(key);
  fake.pdbs.clear();
  fake.addPod({ namespace: 'shop', name: 'api-0', node: a, labels: { app: 'api', tier: 'front' }, owner: 'ReplicaSet/api' });
  fake.addPod({ namespace: 'shop', name: 'api-1', node: b, labels: { app: 'api', tier: 'front' }, owner: 'ReplicaSet/api' });
  fake.addPdb({ namespace: 'shop', name: 'api-pdb', matchLabels: { app: 'api' }, maxUnavailable: 1 });
  fake.addPdb({ namespace: 'shop', name: 'front-pdb', matchLabels: { tier: 'front' }, maxUnavailable: 1 });
  return { a, b };
}

describe('a pod that two PodDisruptionBudgets select, which the eviction API never evicts', () => {
  const line = (pod: string, node: string, then: string) =>
    `pod ${pod} on node ${node} is selected by 2 PodDisruptionBudgets (shop/api-pdb, shop/front-pdb), and the eviction API refuses to evict a pod that more than one budget selects, whatever they allow: ` +
    `the drain of ${node} will fail on it without waiting for --drain-timeout, and ${then}; merge the budgets or narrow their selectors so that one budget selects the pod`;

  it('rolling-update preview (table and -o json) and delete instance warn of it', async () => {
    const { a, b } = await underTwoBudgets();
    const r = await roll([]);
    expect(r.code, r.stderr).toBe(0);
    expect(warnings(r.stderr)).toEqual([`warning: ${line('shop/api-0', a, 'the roll then stops')}`]);
    const json = await roll(['-o', 'json', '--fail-on-drain-error=false']);
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { warnings: string[] }).warnings).toEqual([line('shop/api-0', a, 'the roll then goes on without draining, with --fail-on-drain-error=false')]);
    const del = await cli(['--state', url, 'delete', 'instance', b, '--name', NAME], { env });
    expect(del.code, del.stderr).toBe(0);
    expect(warnings(del.stderr)).toEqual([`warning: ${line('shop/api-1', b, 'the roll then stops')}`]);
  });

  it('--yes: warned before the first drain; the drain then fails at once naming the pod and the budgets, and the roll stops', async () => {
    const { a } = await underTwoBudgets();
    const r = await roll(['--yes', ...FAST_ROLL]);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n');
    const warned = lines.findIndex((l) => l.includes(`warning: ${line('shop/api-0', a, 'the roll then stops')}`));
    expect(warned).toBeGreaterThanOrEqual(0);
    const failed = lines.findIndex((l) => l.includes(`failed to drain node ${a}: cannot evict pod shop/api-0 from node ${a}: PodDisruptionBudgets shop/api-pdb, shop/front-pdb all select pod shop/api-0`));
    expect(failed, r.stderr).toBeGreaterThan(warned);
    // What to do is the budgets', not a longer drain.
    expect(lines[failed]).toMatch(/\(it answered 500\): merge the budgets or narrow their selectors so that one budget selects the pod, or pass --fail-on-drain-error=false to go on without draining$/);
    expect(fake.pods.has('shop/api-0')).toBe(true);
  }, 120_000);

  it('--yes -o json --fail-on-drain-error=false: the warning event before the drain step, then the drain error is ignored and the roll goes on', async () => {
    const { a } = await underTwoBudgets();
    const r = await roll(['--yes', '-o', 'json', ...FAST_ROLL, '--fail-on-drain-error=false']);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { code: string; step?: string; message?: string });
    const warned = events.findIndex((e) => e.code === 'rolling-update.warning' && e.message === line('shop/api-0', a, 'the roll then goes on without draining, with --fail-on-drain-error=false'));
    expect(warned).toBeGreaterThanOrEqual(0);
    expect(events.findIndex((e) => e.code === 'rolling-update.step' && e.step === 'drain')).toBeGreaterThan(warned);
    expect(events.some((e) => e.code === 'rolling-update.warning' && (e.message ?? '').startsWith(`ignoring error draining node ${a}: cannot evict pod shop/api-0 from node ${a}: PodDisruptionBudgets shop/api-pdb, shop/front-pdb all select pod shop/api-0`))).toBe(true);
  }, 120_000);
});
