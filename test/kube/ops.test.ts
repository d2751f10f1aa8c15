/**
 * KubeOps against the fake API server: node listing, the update taint and cordon (idempotent),
 * drain with kubectl drain's semantics on a simulated clock, and node deletion.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { blockingPdb, DrainTimeoutError, instanceIdFromProviderId, kubeOps, SCHEDULED_FOR_UPDATE_TAINT, SeveralBudgetsError } from '../../src/kube/ops.js';
import type { KubeOps } from '../../src/rolling-update/types.js';
import { SimClock } from '../helpers/sim-clock.js';
import { startKube, type KubeFixture } from './kube-setup.js';

let fx: KubeFixture;
let ops: KubeOps;
afterEach(async () => {
  await fx?.fake.close();
});

async function setup(opts: Parameters<typeof startKube>[0] = {}): Promise<void> {
  fx = await startKube(opts);
  ops = kubeOps(fx.client);
}

const taintsOf = (name: string) => ((fx.fake.nodes.get(name)?.['spec'] as { taints?: { key: string; effect: string }[] }).taints ?? []);

describe('listNodes', () => {
  it('maps provider id, readiness, roles, instance group and the needs-update annotation', async () => {
    await setup();
    fx.fake.addNode('ip-10-0-0-1.ec2.internal', { providerId: 'aws:///us-east-1a/i-0aaa', controlPlane: true, instanceGroup: 'control-plane-us-east-1a' });
    fx.fake.addNode('ip-10-0-0-2.ec2.internal', { providerId: 'aws:///us-east-1a/i-0bbb', instanceGroup: 'nodes', ready: false, annotations: { 'kops.k8s.io/needs-update': '' } });
    const nodes = (await ops.listNodes()).sort((a, b) => a.name.localeCompare(b.name));
    expect(nodes).toEqual([
      { name: 'ip-10-0-0-1.ec2.internal', providerId: 'aws:///us-east-1a/i-0aaa', instanceId: 'i-0aaa', ready: true, unschedulable: false, instanceGroup: 'control-plane-us-east-1a', roles: ['control-plane'], needsUpdate: false },
      { name: 'ip-10-0-0-2.ec2.internal', providerId: 'aws:///us-east-1a/i-0bbb', instanceId: 'i-0bbb', ready: false, unschedulable: false, instanceGroup: 'nodes', roles: ['node'], needsUpdate: true },
    ]);
  });

  it('parses instance ids from AWS and GCE provider ids', () => {
    expect(instanceIdFromProviderId('aws:///eu-west-1b/i-0123')).toBe('i-0123');
    expect(instanceIdFromProviderId('gce://project/europe-west1-b/nodes-abcd')).toBe('nodes-abcd');
    expect(instanceIdFromProviderId('kind-node')).toBeUndefined();
    expect(instanceIdFromProviderId(undefined)).toBeUndefined();
  });
});

describe('taint and cordon', () => {
  it('adds the PreferNoSchedule update taint once, keeping the existing taints', async () => {
    await setup();
    fx.fake.addNode('n1');
    (fx.fake.nodes.get('n1')!['spec'] as Record<string, unknown>)['taints'] = [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }];
    await ops.taintForUpdate('n1');
    await ops.taintForUpdate('n1');
    expect(taintsOf('n1')).toEqual([
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: SCHEDULED_FOR_UPDATE_TAINT, effect: 'PreferNoSchedule' },
    ]);
    const patches = fx.fake.requests.filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(patches[0]?.contentType).toBe('application/strategic-merge-patch+json');
  });

  it('retries the taint when the node changed between read and patch (409)', async () => {
    await setup();
    fx.fake.addNode('n1');
    let bumped = false;
    const original = fx.client.core.patchNode.bind(fx.client.core);
    fx.client.core.patchNode = (async (...args: Parameters<typeof original>) => {
      if (!bumped) {
        bumped = true;
        fx.fake.setNodeReady('n1', true); // a kubelet status update bumps the resourceVersion
      }
      return original(...args);
    }) as typeof original;
    await ops.taintForUpdate('n1');
    expect(taintsOf('n1').map((t) => t.key)).toEqual([SCHEDULED_FOR_UPDATE_TAINT]);
    expect(fx.fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2);
  });

  it('cordons with the load-balancer exclusion label, idempotently', async () => {
    await setup();
    fx.fake.addNode('n1');
    await ops.cordon('n1');
    await ops.cordon('n1');
    const n = fx.fake.nodes.get('n1')!;
    expect((n['spec'] as { unschedulable?: boolean }).unschedulable).toBe(true);
    expect((n['metadata'] as { labels: Record<string, string> }).labels['node.kubernetes.io/exclude-from-external-load-balancers']).toBe('');
    expect((await ops.listNodes())[0]?.unschedulable).toBe(true);
  });

  it('a missing node is a KopsError with the server message', async () => {
    await setup();
    await expect(ops.cordon('ghost')).rejects.toMatchObject({ code: 'KubeApiError', message: expect.stringContaining('nodes "ghost" not found') });
  });
});

describe('drain', () => {
  function cluster(): void {
    fx.fake.addNode('a');
    fx.fake.addNode('b');
    fx.fake.addPod({ name: 'web-1', node: 'a', labels: { app: 'web' }, owner: 'ReplicaSet/web-rs' });
    fx.fake.addPod({ name: 'web-2', node: 'b', labels: { app: 'web' }, owner: 'ReplicaSet/web-rs' });
    fx.fake.addPod({ namespace: 'kube-system', name: 'cilium-a', node: 'a', owner: 'DaemonSet/cilium', priorityClassName: 'system-node-critical' });
    fx.fake.addPod({ namespace: 'kube-system', name: 'static-a', node: 'a', mirror: true, owner: 'Node/a' });
    fx.fake.addPod({ name: 'bare', node: 'a' });
  }

  it('evicts every pod but DaemonSet and mirror pods, and waits until they are gone', async () => {
    await setup();
    cluster();
    const clock = new SimClock();
    await ops.drain('a', { timeoutMs: 60_000, clock });
    expect(fx.fake.podsOn('a').sort()).toEqual(['kube-system/cilium-a', 'kube-system/static-a']);
    const evictions = fx.fake.requests.filter((r) => r.path.endsWith('/eviction')).map((r) => r.path).sort();
    expect(evictions).toEqual(['/api/v1/namespaces/default/pods/bare/eviction', '/api/v1/namespaces/default/pods/web-1/eviction']);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries a PDB-refused eviction every retry delay until a replica becomes Ready', async () => {
    await setup();
    cluster();
    fx.fake.addPod({ name: 'web-3', node: 'b', labels: { app: 'web' }, owner: 'ReplicaSet/web-rs', ready: false });
    fx.fake.addPdb({ name: 'web-pdb', matchLabels: { app: 'web' }, minAvailable: 2 });
    const clock = new SimClock();
    const start = clock.now();
    clock.onSleep = (n) => {
      if (n === 3) fx.fake.setPodReady('default', 'web-3', true);
    };
    await ops.drain('a', { timeoutMs: 60_000, retryDelayMs: 5_000, clock });
    expect(fx.fake.pods.has('default/web-1')).toBe(false);
    expect(clock.sleeps).toEqual([5_000, 5_000, 5_000]);
    expect(clock.now() - start).toBe(15_000);
    expect(fx.fake.requests.filter((r) => r.path === '/api/v1/namespaces/default/pods/web-1/eviction')).toHaveLength(4);
  });

  it('times out naming the pod and the PodDisruptionBudget that never allows the eviction', async () => {
    await setup();
    cluster();
    fx.fake.addPdb({ name: 'web-pdb', matchLabels: { app: 'web' }, maxUnavailable: 0 });
    const clock = new SimClock();
    const start = clock.now();
    const err = await ops.drain('a', { timeoutMs: 60_000, retryDelayMs: 5_000, clock }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DrainTimeoutError);
    const d = err as DrainTimeoutError;
    expect(d).toMatchObject({ code: 'DrainTimeout', node: 'a', pod: 'default/web-1', pdb: 'default/web-pdb' });
    expect(d.message).toBe('drain of node a timed out after 1m: pod default/web-1 cannot be evicted: PodDisruptionBudget default/web-pdb allows no disruption (The disruption budget web-pdb needs 2 healthy pods and has 2 currently)');
    expect(clock.now() - start).toBe(60_000);
    expect(fx.fake.pods.has('default/web-1')).toBe(true);
    // the other pod was still evicted
    expect(fx.fake.pods.has('default/bare')).toBe(false);
  });

  it('a pod two budgets select: fails at once, naming the pod and the budgets that select it (read when the 500 comes)', async () => {
    await setup();
    cluster();
    fx.fake.addPdb({ name: 'web-pdb', matchLabels: { app: 'web' }, maxUnavailable: 1 });
    fx.fake.addPdb({ name: 'all-pdb', matchExpressions: [{ key: 'app', operator: 'Exists' }], maxUnavailable: 1 });
    fx.fake.addPdb({ name: 'db-pdb', matchLabels: { app: 'db' }, maxUnavailable: 1 });
    const clock = new SimClock();
    const err = await ops.drain('a', { timeoutMs: 60_000, retryDelayMs: 5_000, clock }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SeveralBudgetsError);
    expect(err).toMatchObject({ code: 'PodUnderSeveralBudgets', node: 'a', pod: 'default/web-1', budgets: ['default/all-pdb', 'default/web-pdb'] });
    expect((err as Error).message).toBe(
      'cannot evict pod default/web-1 from node a: PodDisruptionBudgets default/all-pdb, default/web-pdb all select pod default/web-1, and the eviction API refuses to evict a pod that more than one budget selects (it answered 500)',
    );
    expect((err as SeveralBudgetsError).diagnostics[0]?.hint).toMatch(/^merge the budgets or narrow their selectors so that one budget selects the pod/);
    // No retry, no wait: the refusal does not pass with time.
    expect(clock.sleeps).toEqual([]);
    expect(fx.fake.requests.filter((r) => r.path === '/api/v1/namespaces/default/pods/web-1/eviction')).toHaveLength(1);
    expect(fx.fake.pods.has('default/web-1')).toBe(true);
  });

  it('a pod two budgets select, the budgets unreadable at the refusal: says that more than one budget selects it', async () => {
    await setup();
    cluster();
    fx.fake.addPdb({ name: 'web-pdb', matchLabels: { app: 'web' }, maxUnavailable: 1 });
    fx.fake.addPdb({ name: 'web-pdb-2', matchLabels: { app: 'web' }, maxUnavailable: 1 });
    fx.fake.resetRequest((q) => q.path.startsWith('/apis/policy/v1/namespaces/default/poddisruptionbudgets'), 3);
    const err = await ops.drain('a', { timeoutMs: 60_000, clock: new SimClock() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'PodUnderSeveralBudgets', pod: 'default/web-1', budgets: [] });
    expect((err as Error).message).toBe(
      'cannot evict pod default/web-1 from node a: more than one PodDisruptionBudget selects pod default/web-1, and the eviction API refuses to evict a pod that more than one budget selects (it answered 500)',
    );
    expect(fx.fake.resetRequests).toHaveLength(3);
  });

  it('waits, polling every second on the clock, until evicted pods have terminated', async () => {
    await setup({ terminationRequests: 6 });
    cluster();
    const clock = new SimClock();
    await ops.drain('a', { timeoutMs: 60_000, clock });
    expect(fx.fake.podsOn('a').sort()).toEqual(['kube-system/cilium-a', 'kube-system/static-a']);
    expect(clock.sleeps.length).toBeGreaterThan(0);
    expect(clock.sleeps.every((ms) => ms === 1_000)).toBe(true);
  });

  it('times out naming the evicted pod that never goes', async () => {
    await setup({ terminationRequests: Infinity });
    fx.fake.addNode('a');
    fx.fake.addPod({ name: 'stuck', node: 'a' });
    const clock = new SimClock();
    const start = clock.now();
    await expect(ops.drain('a', { timeoutMs: 30_000, clock })).rejects.toMatchObject({ code: 'DrainTimeout', pod: 'default/stuck', message: 'drain of node a timed out after 30s: evicted pod default/stuck was not deleted' });
    expect(clock.now() - start).toBe(30_000);
  });

  it('stops when the caller aborts', async () => {
    await setup();
    cluster();
    fx.fake.addPdb({ name: 'web-pdb', matchLabels: { app: 'web' }, maxUnavailable: 0 });
    const clock = new SimClock();
    const ac = new AbortController();
    clock.onSleep = (n) => {
      if (n === 2) ac.abort(new Error('interrupted'));
    };
    await expect(ops.drain('a', { timeoutMs: 600_000, clock, signal: ac.signal })).rejects.toThrow('interrupted');
  });
});

describe('blockingPdb', () => {
  it('without a cause in the 429, names the budget whose full selector (matchExpressions too) selects the pod', async () => {
    await setup();
    fx.fake.addNode('a');
    fx.fake.addPdb({ namespace: 'shop', name: 'canary', matchExpressions: [{ key: 'track', operator: 'In', values: ['canary'] }], minAvailable: 1 });
    fx.fake.addPdb({ namespace: 'shop', name: 'nothing', nullSelector: true, minAvailable: 1 });
    fx.fake.addPdb({ namespace: 'shop', name: 'stable', matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }], minAvailable: 1 });
    const pod = { metadata: { name: 'db-0', namespace: 'shop', labels: { app: 'db', track: 'stable' } } };
    expect(await blockingPdb(fx.client, pod, [])).toBe('shop/stable');
    expect(await blockingPdb(fx.client, pod, [{ reason: 'DisruptionBudget', message: 'The disruption budget canary needs 1 healthy pods and has 0 currently' }])).toBe('shop/canary');
  });
});

describe('deleteNode', () => {
  it('deletes the node and treats a missing one as done', async () => {
    await setup();
    fx.fake.addNode('n1');
    await ops.deleteNode('n1');
    await ops.deleteNode('n1');
    expect(fx.fake.nodes.has('n1')).toBe(false);
  });
});
