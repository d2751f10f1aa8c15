/**
 * The fake API server, driven by @kubernetes/client-node exactly as a real cluster would be: the
 * paths, content types and Status error shapes the real apiserver uses.
 */
import { DescribeImagesCommand, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import * as k8s from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { listAll } from '../../src/kube/client.js';
import { apiStatus } from '../../src/kube/ops.js';
import { ec2InstanceSource } from '../fakes/kube-apiserver.js';
import { testAws } from '../helpers/aws.js';
import { rejectionOf } from '../helpers/errors.js';
import { startKube, type KubeFixture } from './kube-setup.js';

let fx: KubeFixture;
afterEach(async () => {
  await fx?.fake.close();
});

describe('fake kube-apiserver', () => {
  it('requires the bearer token and answers 401 with a Status otherwise', async () => {
    fx = await startKube();
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: fx.fake.url, skipTLSVerify: true }], users: [{ name: 'u', token: 'wrong' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c' });
    const e = await rejectionOf(kc.makeApiClient(k8s.CoreV1Api).listNode());
    // client-node drops a 401's body; the Status is what the apiserver sends.
    expect(apiStatus(e)?.code).toBe(401);
    const raw = await fetch(`${fx.fake.url}/api/v1/nodes`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('lists nodes by label selector and records the request', async () => {
    fx = await startKube();
    fx.fake.addNode('a', { instanceGroup: 'nodes' });
    fx.fake.addNode('b', { instanceGroup: 'other' });
    const list = await fx.client.core.listNode({ labelSelector: 'kops.k8s.io/instancegroup=nodes' });
    expect(list.items.map((n) => n.metadata?.name)).toEqual(['a']);
    expect(fx.fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/v1/nodes?labelSelector=kops.k8s.io%2Finstancegroup%3Dnodes' });
  });

  it('answers 404 NotFound with the apiserver Status shape', async () => {
    fx = await startKube();
    const e = await rejectionOf(fx.client.core.readNode({ name: 'ghost' }));
    expect(e).toBeInstanceOf(k8s.ApiException);
    expect(JSON.parse((e as k8s.ApiException<string>).body)).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'nodes "ghost" not found', reason: 'NotFound', details: { name: 'ghost', kind: 'nodes' }, code: 404 });
  });

  it('patches nodes with strategic-merge, merge and json-patch content types', async () => {
    fx = await startKube();
    fx.fake.addNode('a');
    const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
    await fx.client.core.patchNode({ name: 'a', body: { spec: { unschedulable: true } } }, strategic);
    await fx.client.core.patchNode({ name: 'a', body: { metadata: { labels: { x: 'y' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    const n = await fx.client.core.patchNode({ name: 'a', body: [{ op: 'add', path: '/metadata/annotations/k', value: 'v' }] });
    expect(n.spec?.unschedulable).toBe(true);
    expect(n.metadata?.labels?.['x']).toBe('y');
    expect(n.metadata?.annotations?.['k']).toBe('v');
    expect(fx.fake.requests.filter((r) => r.method === 'PATCH').map((r) => r.contentType)).toEqual([
      'application/strategic-merge-patch+json',
      'application/merge-patch+json',
      'application/json-patch+json',
    ]);
  });

  it('answers 409 Conflict to a patch made against a stale resourceVersion', async () => {
    fx = await startKube();
    const node = fx.fake.addNode('a');
    const stale = (node['metadata'] as { resourceVersion: string }).resourceVersion;
    fx.fake.setNodeReady('a', false);
    const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
    const e = await rejectionOf(fx.client.core.patchNode({ name: 'a', body: { metadata: { resourceVersion: stale }, spec: { unschedulable: true } } }, strategic));
    expect(apiStatus(e)).toMatchObject({ code: 409, reason: 'Conflict' });
  });

  it('lists pods by node and label, and evicts; a PDB with no room answers 429 naming it', async () => {
    fx = await startKube();
    fx.fake.addNode('a');
    fx.fake.addNode('b');
    fx.fake.addPod({ name: 'web-1', node: 'a', labels: { app: 'web' }, owner: 'ReplicaSet/web-rs' });
    fx.fake.addPod({ name: 'web-2', node: 'b', labels: { app: 'web' }, owner: 'ReplicaSet/web-rs' });
    fx.fake.addPod({ name: 'db-1', node: 'a', labels: { app: 'db' } });
    fx.fake.addPdb({ name: 'web-pdb', matchLabels: { app: 'web' }, minAvailable: 2 });
    const onA = await fx.client.core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=a' });
    expect(onA.items.map((p) => p.metadata?.name).sort()).toEqual(['db-1', 'web-1']);
    const web = await fx.client.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' });
    expect(web.items).toHaveLength(2);

    const pdbs = await fx.client.policy.listPodDisruptionBudgetForAllNamespaces();
    expect(pdbs.items[0]?.status).toMatchObject({ currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 });

    const e = await rejectionOf(fx.client.core.createNamespacedPodEviction({ name: 'web-1', namespace: 'default', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1', namespace: 'default' } } }));
    expect(apiStatus(e)).toEqual({
      code: 429,
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently' }],
    });
    expect(fx.fake.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/v1/namespaces/default/pods/web-1/eviction' });

    await fx.client.core.createNamespacedPodEviction({ name: 'db-1', namespace: 'default', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'db-1', namespace: 'default' } } });
    expect(fx.fake.pods.has('default/db-1')).toBe(false);
  });

  it('evicts a terminating pod again without a budget check, and answers 404 once it is gone', async () => {
    fx = await startKube({ terminationRequests: 3, recreateEvicted: false });
    fx.fake.addNode('a');
    for (const n of ['web-1', 'web-2']) fx.fake.addPod({ name: n, node: 'a', labels: { app: 'web' }, owner: 'ReplicaSet/web-rs' });
    fx.fake.addPdb({ name: 'web-pdb', matchLabels: { app: 'web' }, minAvailable: 1 });
    const evict = (name: string) => fx.client.core.createNamespacedPodEviction({ name, namespace: 'default', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } } });
    await evict('web-1');
    // web-1 terminates (still listed); the budget has no room left, yet web-1's second eviction passes.
    expect(apiStatus(await rejectionOf(evict('web-2')))?.code).toBe(429);
    expect(fx.fake.pods.get('default/web-1')?.['metadata']).toHaveProperty('deletionTimestamp');
    await evict('web-1');
    expect(fx.fake.pods.has('default/web-1')).toBe(true);
    // The third request after the first eviction finds web-1 gone.
    expect(apiStatus(await rejectionOf(evict('web-1')))?.code).toBe(404);
    expect(fx.fake.pods.has('default/web-1')).toBe(false);
  });

  it('evicting a ReplicaSet pod leaves a Pending, unscheduled replacement', async () => {
    fx = await startKube();
    fx.fake.addNode('a');
    fx.fake.addPod({ name: 'web-1', node: 'a', labels: { app: 'web' }, owner: 'ReplicaSet/web-rs' });
    await fx.client.core.createNamespacedPodEviction({ name: 'web-1', namespace: 'default', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1', namespace: 'default' } } });
    const pods = await fx.client.core.listNamespacedPod({ namespace: 'default' });
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0]?.metadata?.name).toMatch(/^web-rs-/);
    expect(pods.items[0]?.status?.phase).toBe('Pending');
    expect(pods.items[0]?.spec?.nodeName).toBeUndefined();
  });

  it('answers /version and drops connections when unreachable', async () => {
    fx = await startKube();
    await fx.client.ping();
    fx.fake.unreachable = true;
    await expect(fx.client.ping()).rejects.toMatchObject({ code: 'KubeUnreachable' });
  });

  it('resets the connection of a request resetRequest matches, before any effect, and answers the next', async () => {
    fx = await startKube();
    fx.fake.addNode('a');
    fx.fake.resetRequest((r) => r.method === 'DELETE' && r.path === '/api/v1/nodes/a');
    const del = (): Promise<Response> => fetch(`${fx.fake.url}/api/v1/nodes/a`, { method: 'DELETE', headers: { authorization: `Bearer ${fx.fake.token}` } });
    const e = await rejectionOf(del(), TypeError);
    expect((e.cause as { code?: string }).code).toBe('ECONNRESET');
    expect(fx.fake.resetRequests).toEqual([expect.objectContaining({ method: 'DELETE', path: '/api/v1/nodes/a' })]);
    expect(fx.fake.nodes.has('a')).toBe(true);
    expect((await del()).status).toBe(200);
    expect(fx.fake.nodes.has('a')).toBe(false);
    expect(fx.fake.resetRequests).toHaveLength(1);
  });

  it('pages lists with limit/continue, and listAll follows the pages', async () => {
    fx = await startKube();
    fx.fake.addNode('a');
    for (let i = 0; i < 1201; i++) fx.fake.addPod({ name: `p-${i}`, node: 'a' });
    const first = await fx.client.core.listPodForAllNamespaces({ limit: 500 });
    expect(first.items).toHaveLength(500);
    expect(first.metadata?._continue).toBeTruthy();
    const all = await listAll((limit, cont) => fx.client.core.listPodForAllNamespaces({ limit, ...(cont ? { _continue: cont } : {}) }));
    expect(new Set(all.map((p) => p.metadata?.name)).size).toBe(1201);
    expect(fx.fake.requests.filter((r) => r.path.startsWith('/api/v1/pods')).map((r) => new URL(r.path, 'http://x').searchParams.has('continue'))).toEqual([false, false, true, true]);
  });

  it('creates pods and answers 409 AlreadyExists for a taken name', async () => {
    fx = await startKube();
    const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    const made = await fx.client.core.createNamespacedPod({ namespace: 'default', body });
    expect(made.metadata?.uid).toBeTruthy();
    const e = await rejectionOf(fx.client.core.createNamespacedPod({ namespace: 'default', body }));
    expect(apiStatus(e)).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'pods "x" already exists' });
  });

  it('refuses to evict a pod covered by two PodDisruptionBudgets, as the apiserver does', async () => {
    fx = await startKube();
    fx.fake.addNode('a');
    fx.fake.addPod({ name: 'web-1', node: 'a', labels: { app: 'web' } });
    fx.fake.addPdb({ name: 'one', matchLabels: { app: 'web' }, maxUnavailable: 1 });
    fx.fake.addPdb({ name: 'two', matchLabels: { app: 'web' }, maxUnavailable: 1 });
    const e = await rejectionOf(fx.client.core.createNamespacedPodEviction({ name: 'web-1', namespace: 'default', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1', namespace: 'default' } } }));
    expect(apiStatus(e)).toEqual({ code: 500, message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', causes: [] });
  });

  it("selects a budget's pods by matchLabels and matchExpressions (a null selector none), and evicts a pod not Ready by the budget's unhealthyPodEvictionPolicy", async () => {
    fx = await startKube({ recreateEvicted: false });
    fx.fake.addNode('a');
    fx.fake.addPod({ namespace: 'shop', name: 'db-0', node: 'a', labels: { app: 'db', tier: 'data' } });
    fx.fake.addPod({ namespace: 'shop', name: 'db-1', node: 'a', labels: { app: 'db', tier: 'data' }, ready: false });
    fx.fake.addPod({ namespace: 'shop', name: 'web-0', node: 'a', labels: { app: 'web' } });
    fx.fake.addPdb({ namespace: 'shop', name: 'data', matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['data'] }, { key: 'canary', operator: 'DoesNotExist' }], minAvailable: 2 });
    fx.fake.addPdb({ namespace: 'shop', name: 'not-db', matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['db'] }], minAvailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    fx.fake.addPdb({ namespace: 'shop', name: 'none', nullSelector: true, maxUnavailable: 0 });
    const list = await fx.client.policy.listNamespacedPodDisruptionBudget({ namespace: 'shop' });
    const st = Object.fromEntries(list.items.map((b) => [b.metadata?.name, b.status]));
    expect(st['data']).toMatchObject({ expectedPods: 2, currentHealthy: 1, desiredHealthy: 2, disruptionsAllowed: 0 });
    expect(st['not-db']).toMatchObject({ expectedPods: 1, currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 0 });
    expect(st['none']).toMatchObject({ expectedPods: 0, disruptionsAllowed: 0 });
    expect(list.items.find((b) => b.metadata?.name === 'none')?.spec?.selector).toBeUndefined();
    const evict = (name: string) => fx.client.core.createNamespacedPodEviction({ name, namespace: 'shop', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'shop' } } });
    // IfHealthyBudget (the default): a pod not Ready is refused while the budget is not met.
    expect(apiStatus(await rejectionOf(evict('db-1')))?.code).toBe(429);
    // web-0 is Ready and its budget (AlwaysAllow only lets unready pods through) is at 0.
    expect(apiStatus(await rejectionOf(evict('web-0')))?.code).toBe(429);
    fx.fake.setPodReady('shop', 'web-0', false, 'a');
    await evict('web-0');
    expect(fx.fake.pods.has('shop/web-0')).toBe(false);
  });

  it('deletes a node, then answers 404 for it', async () => {
    fx = await startKube();
    fx.fake.addNode('a');
    await fx.client.core.deleteNode({ name: 'a' });
    expect(apiStatus(await rejectionOf(fx.client.core.deleteNode({ name: 'a' })))?.code).toBe(404);
  });
});

describe('fake kube-apiserver: nodes backed by the emulator instances', () => {
  it('gives a running instance a Ready node (control planes their static pods) and drops it once terminated', async () => {
    const aws = testAws();
    const ec2 = aws.clients.ec2;
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
    const run = async (tags: Record<string, string>) =>
      (await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro', TagSpecifications: [{ ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }] }))).Instances![0]!;
    const cp = await run({ 'kops.k8s.io/instancegroup': 'control-plane-us-east-1a', 'k8s.io/role/control-plane': '1' });
    const node = await run({ 'kops.k8s.io/instancegroup': 'nodes-us-east-1a', 'k8s.io/role/node': '1' });
    fx = await startKube({ instances: ec2InstanceSource(ec2) });

    const nodes = (await fx.client.core.listNode()).items;
    const byName = new Map(nodes.map((n) => [n.metadata!.name!, n]));
    const cpNode = byName.get(cp.PrivateDnsName!)!;
    expect(cpNode.spec?.providerID).toBe(`aws:///${cp.Placement!.AvailabilityZone}/${cp.InstanceId}`);
    expect(cpNode.metadata?.labels).toMatchObject({ 'kops.k8s.io/instancegroup': 'control-plane-us-east-1a', 'node-role.kubernetes.io/control-plane': '' });
    expect(cpNode.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(byName.get(node.PrivateDnsName!)?.metadata?.labels).toMatchObject({ 'node-role.kubernetes.io/node': '' });

    const sys = (await fx.client.core.listNamespacedPod({ namespace: 'kube-system', fieldSelector: `spec.nodeName=${cp.PrivateDnsName}` })).items;
    expect(sys.map((p) => p.metadata?.name).sort()).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((a) => `${a}-${cp.PrivateDnsName}`));
    expect(sys.every((p) => p.spec?.priorityClassName === 'system-node-critical' && p.metadata?.annotations?.['kubernetes.io/config.mirror'])).toBe(true);

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [cp.InstanceId!] }));
    const after = (await fx.client.core.listNode()).items.map((n) => n.metadata?.name);
    expect(after).toEqual([node.PrivateDnsName]);
    expect((await fx.client.core.listNamespacedPod({ namespace: 'kube-system' })).items).toHaveLength(0);
  });
});

describe('fake kube-apiserver: joining nodes', () => {
  it('a new instance’s Node can start NotReady and turn Ready a few requests later', async () => {
    const aws = testAws();
    const ec2 = aws.clients.ec2;
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
    const i = (await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }))).Instances![0]!;
    fx = await startKube({ instances: ec2InstanceSource(ec2), joinRequests: 2 });
    const ready = async () => (await fx.client.core.readNode({ name: i.PrivateDnsName! })).status?.conditions?.find((c) => c.type === 'Ready')?.status;
    expect(await ready()).toBe('False');
    expect(await ready()).toBe('False');
    expect(await ready()).toBe('True');
  });
});
