/**
 * A connection reset before any answer (a request sent on a kept-alive connection the API server,
 * or the load balancer in front of it, has just closed as idle), through the real client-node
 * stack against the fake API server's `resetRequest`: reads and the idempotent mutations are sent
 * again (3 attempts in all, src/kube/resend.ts), other mutations are not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KubeUnreachableError } from '../../src/kube/client.js';
import { readKubeletVersions } from '../../src/kube/kubelets.js';
import { kubeOps, SCHEDULED_FOR_UPDATE_TAINT } from '../../src/kube/ops.js';
import { KUBE_RESET_ATTEMPTS, resendable, resetBeforeAnswer } from '../../src/kube/resend.js';
import { clusterValidator, waitForValidation } from '../../src/kube/validate.js';
import type { InstanceGroup } from '../../src/model/api/types.js';
import type { CloudInstanceGroup, CloudProvider } from '../../src/rolling-update/types.js';
import type { RecordedRequest } from '../fakes/kube-apiserver.js';
import { rejectionOf } from '../helpers/errors.js';
import { SimClock } from '../helpers/sim-clock.js';
import { CLUSTER, startKube, type KubeFixture } from './kube-setup.js';

let fx: KubeFixture;
afterEach(async () => {
  await fx?.fake.close();
});

const IGS: Pick<InstanceGroup, 'metadata' | 'spec'>[] = [{ metadata: { name: 'nodes' }, spec: { role: 'Node', machineType: 't3.small', minSize: 1, maxSize: 1, subnets: ['us-east-1a'] } }];
const GROUPS: CloudInstanceGroup[] = [
  { name: 'nodes', role: 'Node', cloudName: `nodes.${CLUSTER}`, minSize: 1, maxSize: 1, targetSize: 1, instances: [{ id: 'i-0n1', group: 'nodes', status: 'UpToDate', state: 'InService', nodeName: 'n1', providerId: 'aws:///us-east-1a/i-0n1' }] },
];
const cloud: CloudProvider = { name: 'aws', listGroups: async () => GROUPS, detach: async () => undefined, terminate: async () => undefined, deregister: async () => undefined };

async function cluster(): Promise<void> {
  fx = await startKube();
  fx.fake.addNode('n1', { providerId: 'aws:///us-east-1a/i-0n1', instanceGroup: 'nodes', kubeletVersion: 'v1.32.4' });
  fx.fake.addPod({ name: 'web-1', node: 'n1', owner: 'ReplicaSet/web' });
}

const nodeList = (r: RecordedRequest): boolean => r.method === 'GET' && r.path.startsWith('/api/v1/nodes?');
/** How many times the fake saw a request `match` accepts (reset or answered). */
const seen = (match: (r: RecordedRequest) => boolean): number => fx.fake.requests.filter(match).length;

describe('Kubernetes API reads after a connection reset before any answer', () => {
  it('a validation lists the nodes again and passes (it used to report the API server unreachable)', async () => {
    await cluster();
    fx.fake.resetRequest(nodeList);
    const r = await clusterValidator({ clusterName: CLUSTER, instanceGroups: IGS, cloud, client: fx.client }).validate();
    expect(r.failures).toEqual([]);
    expect(r.nodes.map((n) => n.name)).toEqual(['n1']);
    expect(fx.fake.resetRequests).toHaveLength(1);
    expect(seen(nodeList)).toBe(2);
  });

  it('a node list (the roll, quorum check, get instances) and the kubelet read are sent again', async () => {
    await cluster();
    fx.fake.resetRequest(nodeList, 2);
    expect((await kubeOps(fx.client).listNodes()).map((n) => n.name)).toEqual(['n1']);
    expect(seen(nodeList)).toBe(3);
    fx.fake.resetRequest(nodeList);
    expect(await readKubeletVersions(fx.client)).toEqual([{ node: 'n1', version: 'v1.32.4' }]);
    expect(fx.fake.resetRequests).toHaveLength(3);
  });

  it("a drain's pod list and its wait for the evicted pod are sent again; the drain completes", async () => {
    await cluster();
    fx.fake.resetRequest((r) => r.method === 'GET' && r.path.startsWith('/api/v1/pods?'));
    fx.fake.resetRequest((r) => r.method === 'GET' && r.path === '/api/v1/namespaces/default/pods/web-1');
    await kubeOps(fx.client).drain('n1', { timeoutMs: 60_000, clock: new SimClock() });
    expect(fx.fake.podsOn('n1')).toEqual([]);
    expect(fx.fake.resetRequests.map((r) => r.path.split('?')[0])).toEqual(['/api/v1/pods', '/api/v1/namespaces/default/pods/web-1']);
  });

  it('gives up after 3 attempts in all: the API is unreachable', async () => {
    expect(KUBE_RESET_ATTEMPTS).toBe(3);
    await cluster();
    fx.fake.resetRequest(nodeList, 3);
    const e = await rejectionOf(kubeOps(fx.client).listNodes(), KubeUnreachableError);
    expect(e.message).toContain('ECONNRESET');
    expect(seen(nodeList)).toBe(3);
    const v = await clusterValidator({ clusterName: CLUSTER, instanceGroups: IGS, cloud, client: fx.client }).validate();
    expect(v.failures).toEqual([]);
  });

  it('past the attempts a validation reports the API server; only a waiting validation tries again, an interval later', async () => {
    await cluster();
    const validator = clusterValidator({ clusterName: CLUSTER, instanceGroups: IGS, cloud, client: fx.client });
    fx.fake.resetRequest(nodeList, 3);
    const once = await waitForValidation({ validator, clock: new SimClock(), waitMs: 0 });
    expect(once.ok).toBe(false);
    expect(once.result.failures).toEqual([expect.objectContaining({ kind: 'ApiServer', message: expect.stringContaining('ECONNRESET') })]);
    fx.fake.resetRequest(nodeList, 3);
    const clock = new SimClock();
    const waited = await waitForValidation({ validator, clock, waitMs: 60_000, intervalMs: 10_000 });
    expect(waited).toMatchObject({ ok: true, attempts: 2 });
    expect(clock.sleeps).toEqual([10_000]);
  });

  it('GET /version (ping) is sent again', async () => {
    await cluster();
    fx.fake.resetRequest((r) => r.path === '/version');
    await fx.client.ping();
    expect(seen((r) => r.path === '/version')).toBe(2);
  });
});

describe('Kubernetes API mutations after a connection reset before any answer', () => {
  const evictions = (r: RecordedRequest): boolean => r.method === 'POST' && r.path === '/api/v1/namespaces/default/pods/web-1/eviction';

  it('an eviction reset before any effect is sent again and the drain completes', async () => {
    await cluster();
    fx.fake.resetRequest(evictions);
    await kubeOps(fx.client).drain('n1', { timeoutMs: 60_000, clock: new SimClock() });
    expect(fx.fake.podsOn('n1')).toEqual([]);
    expect(seen(evictions)).toBe(2);
  });

  it('cordon, the update taint and the Node delete are sent again', async () => {
    await cluster();
    const ops = kubeOps(fx.client);
    const patch = (r: RecordedRequest): boolean => r.method === 'PATCH' && r.path === '/api/v1/nodes/n1';
    fx.fake.resetRequest(patch);
    await ops.cordon('n1');
    expect(fx.fake.nodes.get('n1')?.['spec']).toMatchObject({ unschedulable: true });
    fx.fake.resetRequest(patch);
    await ops.taintForUpdate('n1');
    expect(fx.fake.nodes.get('n1')?.['spec']).toMatchObject({ taints: [{ key: SCHEDULED_FOR_UPDATE_TAINT, effect: 'PreferNoSchedule' }] });
    expect(seen(patch)).toBe(4);
    const del = (r: RecordedRequest): boolean => r.method === 'DELETE' && r.path === '/api/v1/nodes/n1';
    fx.fake.resetRequest(del);
    await ops.deleteNode('n1');
    expect(fx.fake.nodes.has('n1')).toBe(false);
    expect(seen(del)).toBe(2);
  });

  it('a mutation that is not idempotent (creating a pod) is not sent again', async () => {
    await cluster();
    const create = (r: RecordedRequest): boolean => r.method === 'POST' && r.path === '/api/v1/namespaces/default/pods';
    fx.fake.resetRequest(create);
    const e = await rejectionOf(fx.client.core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'once' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } }));
    expect(resetBeforeAnswer(e)).toBe(true);
    expect(seen(create)).toBe(1);
    expect(fx.fake.pods.has('default/once')).toBe(false);
  });

  it('counts only a failed request as reset before any answer, not a reset while an answer was read', () => {
    const fetchError = (message: string, code: string): Error => Object.assign(new Error(message), { name: 'FetchError', type: 'system', code });
    expect(resetBeforeAnswer(fetchError('request to http://api/api/v1/nodes failed, reason: socket hang up', 'ECONNRESET'))).toBe(true);
    expect(resetBeforeAnswer(fetchError('Invalid response body while trying to fetch http://api/api/v1/nodes: read ECONNRESET', 'ECONNRESET'))).toBe(false);
    expect(resetBeforeAnswer(fetchError('request to http://api/api/v1/nodes failed, reason: connect ECONNREFUSED', 'ECONNREFUSED'))).toBe(false);
  });

  it('re-sends exactly the reads and the three idempotent mutations', () => {
    expect(['readNode', 'listNode', 'listPodForAllNamespaces', 'readNamespacedPod', 'listNamespacedPodDisruptionBudget', 'getCode', 'patchNode', 'deleteNode', 'createNamespacedPodEviction'].filter((m) => !resendable(m))).toEqual([]);
    expect(['createNamespacedPod', 'deleteNamespacedPod', 'patchNamespacedPod', 'createNode', 'replaceNode', 'deleteCollectionNamespacedPod'].filter(resendable)).toEqual([]);
  });
});
