/**
 * The check of the PodDisruptionBudgets that will block a drain: the pure decisions (which budgets
 * at 0 refuse which pods on the nodes to drain, by the API server's eviction rule; which pods there
 * two budgets or more select) and its read of the fake API (read-only; the pods of only the
 * namespaces with a budget at 0 or two budgets or more).
 */
import type * as k8s from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { evictionRefused, findBlockingBudgets, findPodsUnderSeveralBudgets, readBlockingBudgets } from '../../src/kube/pdb-check.js';
import { kubeOps } from '../../src/kube/ops.js';
import { startKube, type KubeFixture } from './kube-setup.js';

function pod(name: string, node: string | undefined, labels: Record<string, string>, o: { namespace?: string; phase?: string; ready?: boolean; owner?: string; terminating?: boolean; mirror?: boolean } = {}): k8s.V1Pod {
  const phase = o.phase ?? 'Running';
  const ready = o.ready ?? phase === 'Running';
  return {
    metadata: {
      name,
      namespace: o.namespace ?? 'shop',
      labels,
      ...(o.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'x' } } : {}),
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: o.owner, name: 'x', uid: 'u', controller: true }] } : {}),
      ...(o.terminating ? { deletionTimestamp: new Date(0) } : {}),
    },
    spec: { containers: [], ...(node ? { nodeName: node } : {}) },
    status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function pdb(name: string, selector: k8s.V1LabelSelector | undefined, st: { allowed: number; current: number; desired: number }, o: { namespace?: string; policy?: string } = {}): k8s.V1PodDisruptionBudget {
  return {
    metadata: { name, namespace: o.namespace ?? 'shop' },
    spec: { ...(selector ? { selector } : {}), ...(o.policy ? { unhealthyPodEvictionPolicy: o.policy } : {}) },
    status: { disruptionsAllowed: st.allowed, currentHealthy: st.current, desiredHealthy: st.desired, expectedPods: st.current, observedGeneration: 1 },
  };
}

const AT_ZERO = { allowed: 0, current: 2, desired: 2 };

describe('evictionRefused (a budget at 0 allowed disruptions)', () => {
  const b = pdb('db', { matchLabels: { app: 'db' } }, AT_ZERO);
  it('refuses a Ready pod', () => {
    expect(evictionRefused(b, pod('db-0', 'n1', { app: 'db' }))).toBe(true);
  });
  it('lets through a terminating, Succeeded, Failed or Pending pod (canIgnorePDB)', () => {
    expect(evictionRefused(b, pod('a', 'n1', {}, { terminating: true }))).toBe(false);
    for (const phase of ['Succeeded', 'Failed', 'Pending']) expect(evictionRefused(b, pod('a', 'n1', {}, { phase }))).toBe(false);
  });
  it('an unready running pod: AlwaysAllow lets it through; IfHealthyBudget only while the budget is healthy and desires some', () => {
    const unready = pod('db-1', 'n1', { app: 'db' }, { ready: false });
    expect(evictionRefused(pdb('db', {}, { allowed: 0, current: 1, desired: 2 }, { policy: 'AlwaysAllow' }), unready)).toBe(false);
    expect(evictionRefused(pdb('db', {}, { allowed: 0, current: 1, desired: 2 }), unready)).toBe(true);
    expect(evictionRefused(pdb('db', {}, { allowed: 0, current: 2, desired: 2 }, { policy: 'IfHealthyBudget' }), unready)).toBe(false);
    expect(evictionRefused(pdb('db', {}, { allowed: 0, current: 0, desired: 0 }), unready)).toBe(true);
  });
});

describe('findBlockingBudgets', () => {
  const pods = [
    pod('db-0', 'n1', { app: 'db', tier: 'data' }),
    pod('db-1', 'n2', { app: 'db', tier: 'data' }),
    pod('db-2', 'n3', { app: 'db', tier: 'data' }),
    pod('web-0', 'n1', { app: 'web' }),
    pod('log-x', 'n1', { app: 'db', tier: 'data' }, { owner: 'DaemonSet' }),
    pod('static', 'n1', { app: 'db', tier: 'data' }, { mirror: true }),
    pod('other-ns', 'n1', { app: 'db', tier: 'data' }, { namespace: 'blog' }),
  ];

  it('names a budget at 0 with its pods on the nodes to drain, by node; DaemonSet, mirror and other namespaces\' pods do not count', () => {
    const got = findBlockingBudgets([pdb('db-pdb', { matchLabels: { app: 'db' } }, AT_ZERO)], pods, ['n1', 'n2']);
    expect(got).toEqual([{ namespace: 'shop', name: 'db-pdb', currentHealthy: 2, desiredHealthy: 2, pods: [{ node: 'n1', pods: ['shop/db-0'] }, { node: 'n2', pods: ['shop/db-1'] }] }]);
  });

  it('no warning for a budget that allows a disruption, or whose pods are all on nodes not drained', () => {
    expect(findBlockingBudgets([pdb('db-pdb', { matchLabels: { app: 'db' } }, { allowed: 1, current: 3, desired: 2 })], pods, ['n1'])).toEqual([]);
    expect(findBlockingBudgets([pdb('db-pdb', { matchLabels: { app: 'db' } }, AT_ZERO)], pods, ['n4'])).toEqual([]);
    expect(findBlockingBudgets([pdb('web-pdb', { matchLabels: { app: 'web' } }, AT_ZERO)], pods, ['n2', 'n3'])).toEqual([]);
  });

  it('selects with matchExpressions, a null selector selecting nothing and {} the whole namespace', () => {
    const expr = pdb('expr', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['data'] }, { key: 'app', operator: 'NotIn', values: ['web'] }] }, AT_ZERO);
    expect(findBlockingBudgets([expr], pods, ['n1']).map((b) => b.pods)).toEqual([[{ node: 'n1', pods: ['shop/db-0'] }]]);
    const noWeb = pdb('no-web', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, AT_ZERO);
    expect(findBlockingBudgets([noWeb], pods, ['n1'])).toEqual([]);
    expect(findBlockingBudgets([pdb('null', undefined, AT_ZERO)], pods, ['n1'])).toEqual([]);
    expect(findBlockingBudgets([pdb('all', {}, AT_ZERO)], pods, ['n1']).map((b) => b.pods)).toEqual([[{ node: 'n1', pods: ['shop/db-0', 'shop/web-0'] }]]);
  });

  it('sorts the budgets by namespace and name', () => {
    const got = findBlockingBudgets([pdb('z', { matchLabels: { app: 'web' } }, AT_ZERO), pdb('a', {}, AT_ZERO, { namespace: 'blog' }), pdb('b', { matchLabels: { app: 'db' } }, AT_ZERO)], pods, ['n1']);
    expect(got.map((b) => `${b.namespace}/${b.name}`)).toEqual(['blog/a', 'shop/b', 'shop/z']);
  });

  it('leaves out a pod that a second budget (even one allowing disruptions) selects: its eviction fails on that first', () => {
    const got = findBlockingBudgets([pdb('db-pdb', { matchLabels: { app: 'db' } }, AT_ZERO), pdb('web-pdb', { matchLabels: { app: 'web' } }, AT_ZERO), pdb('n1-data', { matchLabels: { tier: 'data' } }, { allowed: 3, current: 3, desired: 0 })], pods, ['n1', 'n2']);
    expect(got).toEqual([{ namespace: 'shop', name: 'web-pdb', currentHealthy: 2, desiredHealthy: 2, pods: [{ node: 'n1', pods: ['shop/web-0'] }] }]);
  });
});

describe('findPodsUnderSeveralBudgets', () => {
  const pods = [
    pod('db-0', 'n1', { app: 'db', tier: 'data' }),
    pod('db-1', 'n2', { app: 'db', tier: 'data' }),
    pod('db-2', 'n3', { app: 'db', tier: 'data' }),
    pod('web-0', 'n1', { app: 'web' }),
    pod('log-x', 'n1', { app: 'db', tier: 'data' }, { owner: 'DaemonSet' }),
    pod('static', 'n1', { app: 'db', tier: 'data' }, { mirror: true }),
    pod('other-ns', 'n1', { app: 'db', tier: 'data' }, { namespace: 'blog' }),
    pod('done', 'n1', { app: 'db', tier: 'data' }, { phase: 'Succeeded' }),
    pod('going', 'n2', { app: 'db', tier: 'data' }, { terminating: true }),
    pod('starting', 'n2', { app: 'db', tier: 'data' }, { phase: 'Pending' }),
  ];
  const ROOMY = { allowed: 5, current: 5, desired: 0 };

  it('names each pod to evict on the nodes to drain that two budgets or more of its namespace select, whatever they allow, with the budgets, by node', () => {
    const budgets = [pdb('db-pdb', { matchLabels: { app: 'db' } }, ROOMY), pdb('data', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, AT_ZERO), pdb('web-pdb', { matchLabels: { app: 'web' } }, ROOMY), pdb('blog-all', {}, ROOMY, { namespace: 'blog' })];
    expect(findPodsUnderSeveralBudgets(budgets, pods, ['n2', 'n1'])).toEqual([
      { pod: 'shop/db-0', node: 'n1', budgets: ['shop/data', 'shop/db-pdb'] },
      { pod: 'shop/db-1', node: 'n2', budgets: ['shop/data', 'shop/db-pdb'] },
    ]);
    // A third budget is named too.
    expect(findPodsUnderSeveralBudgets([...budgets, pdb('all', {}, ROOMY)], pods, ['n1']).map((p) => p.budgets)).toEqual([['shop/all', 'shop/data', 'shop/db-pdb'], ['shop/all', 'shop/web-pdb']]);
  });

  it('nothing for one budget per pod, a budget of another namespace, a null selector, or nodes not drained', () => {
    expect(findPodsUnderSeveralBudgets([pdb('db-pdb', { matchLabels: { app: 'db' } }, ROOMY), pdb('web-pdb', { matchLabels: { app: 'web' } }, ROOMY)], pods, ['n1', 'n2'])).toEqual([]);
    expect(findPodsUnderSeveralBudgets([pdb('db-pdb', { matchLabels: { app: 'db' } }, ROOMY), pdb('db-blog', { matchLabels: { app: 'db' } }, ROOMY, { namespace: 'blog' })], pods, ['n1'])).toEqual([]);
    expect(findPodsUnderSeveralBudgets([pdb('db-pdb', { matchLabels: { app: 'db' } }, ROOMY), pdb('null', undefined, ROOMY)], pods, ['n1'])).toEqual([]);
    expect(findPodsUnderSeveralBudgets([pdb('a', {}, ROOMY), pdb('b', {}, ROOMY)], pods, ['n4'])).toEqual([]);
  });
});

describe('readBlockingBudgets on the fake API', () => {
  let fx: KubeFixture;
  afterEach(async () => {
    await fx?.fake.close();
  });

  it('reads the budgets, then only the namespaces of those at 0; evicts nothing', async () => {
    fx = await startKube();
    fx.fake.addNode('n1');
    fx.fake.addNode('n2');
    fx.fake.addPod({ namespace: 'shop', name: 'db-0', node: 'n1', labels: { app: 'db' }, owner: 'StatefulSet/db' });
    fx.fake.addPod({ namespace: 'shop', name: 'db-1', node: 'n2', labels: { app: 'db' }, owner: 'StatefulSet/db' });
    fx.fake.addPdb({ namespace: 'shop', name: 'db-pdb', matchLabels: { app: 'db' }, minAvailable: 2 });
    fx.fake.addPod({ namespace: 'blog', name: 'web-0', node: 'n1', labels: { app: 'web' }, owner: 'ReplicaSet/web' });
    fx.fake.addPod({ namespace: 'blog', name: 'web-1', node: 'n2', labels: { app: 'web' }, owner: 'ReplicaSet/web' });
    fx.fake.addPdb({ namespace: 'blog', name: 'web-pdb', matchLabels: { app: 'web' }, maxUnavailable: 1 });
    const from = fx.fake.requests.length;

    const got = await readBlockingBudgets(fx.client, ['n1']);
    expect(got).toEqual({ atZero: [{ namespace: 'shop', name: 'db-pdb', currentHealthy: 2, desiredHealthy: 2, pods: [{ node: 'n1', pods: ['shop/db-0'] }] }], severalBudgets: [] });
    const paths = fx.fake.requests.slice(from).map((r) => `${r.method} ${r.path.split('?')[0]}`);
    expect(paths).toEqual(['GET /apis/policy/v1/poddisruptionbudgets', 'GET /api/v1/namespaces/shop/pods']);
    // The same through KubeOps, as the roll asks it.
    expect((await kubeOps(fx.client).blockingBudgets?.(['n2']))?.atZero).toEqual([{ namespace: 'shop', name: 'db-pdb', currentHealthy: 2, desiredHealthy: 2, pods: [{ node: 'n2', pods: ['shop/db-1'] }] }]);
    expect(fx.fake.podsOn('n1')).toEqual(['shop/db-0', 'blog/web-0']);
  });

  it('lists no pods when no budget is at 0, and nothing at all for no node', async () => {
    fx = await startKube();
    fx.fake.addNode('n1');
    fx.fake.addPod({ namespace: 'blog', name: 'web-0', node: 'n1', labels: { app: 'web' } });
    fx.fake.addPod({ namespace: 'blog', name: 'web-1', node: 'n1', labels: { app: 'web' } });
    fx.fake.addPdb({ namespace: 'blog', name: 'web-pdb', matchLabels: { app: 'web' }, maxUnavailable: 1 });
    const from = fx.fake.requests.length;
    const none = { atZero: [], severalBudgets: [] };
    expect(await readBlockingBudgets(fx.client, ['n1'])).toEqual(none);
    expect(await readBlockingBudgets(fx.client, [])).toEqual(none);
    expect(fx.fake.requests.slice(from).map((r) => r.path.split('?')[0])).toEqual(['/apis/policy/v1/poddisruptionbudgets']);
  });

  it('reads the pods of a namespace with two budgets, none at 0, and names the pod both select; not those of a namespace with one', async () => {
    fx = await startKube();
    fx.fake.addNode('n1');
    fx.fake.addNode('n2');
    fx.fake.addPod({ namespace: 'shop', name: 'api-0', node: 'n1', labels: { app: 'api', tier: 'front' }, owner: 'ReplicaSet/api' });
    fx.fake.addPod({ namespace: 'shop', name: 'api-1', node: 'n2', labels: { app: 'api', tier: 'front' }, owner: 'ReplicaSet/api' });
    fx.fake.addPod({ namespace: 'shop', name: 'ui-0', node: 'n1', labels: { app: 'ui', tier: 'front' }, owner: 'ReplicaSet/ui' });
    fx.fake.addPdb({ namespace: 'shop', name: 'api-pdb', matchLabels: { app: 'api' }, maxUnavailable: 1 });
    fx.fake.addPdb({ namespace: 'shop', name: 'front-pdb', matchLabels: { tier: 'front' }, maxUnavailable: 1 });
    fx.fake.addPod({ namespace: 'blog', name: 'web-0', node: 'n1', labels: { app: 'web' }, owner: 'ReplicaSet/web' });
    fx.fake.addPdb({ namespace: 'blog', name: 'web-pdb', matchLabels: { app: 'web' }, maxUnavailable: 1 });
    const from = fx.fake.requests.length;
    expect(await readBlockingBudgets(fx.client, ['n1'])).toEqual({ atZero: [], severalBudgets: [{ pod: 'shop/api-0', node: 'n1', budgets: ['shop/api-pdb', 'shop/front-pdb'] }] });
    expect(fx.fake.requests.slice(from).map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(['GET /apis/policy/v1/poddisruptionbudgets', 'GET /api/v1/namespaces/shop/pods']);
    expect(fx.fake.podsOn('n1')).toContain('shop/api-0');
  });

  it('an API that cannot be read is an error (the roll says it in one line and goes on)', async () => {
    fx = await startKube();
    fx.fake.unreachable = true;
    await expect(readBlockingBudgets(fx.client, ['n1'])).rejects.toThrow(/cannot reach the Kubernetes API .*poddisruptionbudgets/);
  });
});
