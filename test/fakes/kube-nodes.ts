/**
 * Nodes in the fake Kubernetes API server (test/fakes/kube-apiserver.ts), core/v1:
 *
 *  - `GET /api/v1/nodes` (labelSelector, fieldSelector, `limit`/`continue`), `POST /api/v1/nodes`
 *  - `GET`, `PATCH` (strategic-merge, merge and json-patch), `DELETE /api/v1/nodes/{name}`: 404
 *    NotFound `nodes "<name>" not found`
 *
 * A Node is Ready (a `Ready` condition from the kubelet) unless a test or a join countdown says
 * otherwise; a control-plane Node carries its static control-plane mirror pods.
 */
import { addPod } from './kube-pods.js';
import type { KubeStore } from './kube-store.js';
import { filter, list, notFound, obj, ok, type Answer, type JsonObject } from './kube-wire.js';
import { create, patch } from './kube-write.js';

const CONTROL_PLANE_PODS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'] as const;

/** What `FakeKubeApiServer.addNode` takes. */
export interface NodeInput {
  ready?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  providerId?: string;
  controlPlane?: boolean;
  instanceGroup?: string;
  kubeletVersion?: string;
}

export function addNode(s: KubeStore, name: string, o: NodeInput = {}): JsonObject {
  const labels: Record<string, string> = { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) };
  if (o.instanceGroup) labels['kops.k8s.io/instancegroup'] = o.instanceGroup;
  labels[o.controlPlane ? 'node-role.kubernetes.io/control-plane' : 'node-role.kubernetes.io/node'] = '';
  const node: JsonObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: s.uid(), resourceVersion: s.nextRv(), labels, annotations: { ...(o.annotations ?? {}) } },
    spec: o.providerId ? { providerID: o.providerId } : {},
    status: {
      conditions: [readyCondition(o.ready ?? true)],
      addresses: [{ type: 'Hostname', address: name }],
      ...(o.kubeletVersion ? { nodeInfo: { kubeletVersion: o.kubeletVersion } } : {}),
    },
  };
  s.nodes.set(name, node);
  if (o.controlPlane) for (const app of CONTROL_PLANE_PODS) addPod(s, { namespace: 'kube-system', name: `${app}-${name}`, node: name, labels: { 'k8s-app': app, component: app }, mirror: true, owner: `Node/${name}`, priorityClassName: 'system-node-critical' });
  return node;
}

export function setNodeReady(s: KubeStore, name: string, ready: boolean): void {
  const n = s.nodes.get(name);
  if (!n) throw new Error(`fake: no node ${name}`);
  obj(n, 'status')['conditions'] = [readyCondition(ready)];
  s.touch(n);
}

/** What the Node's kubelet reports (`status.nodeInfo.kubeletVersion`), as after the kubelet restarts at another version. */
export function setKubeletVersion(s: KubeStore, name: string, version: string): void {
  const n = s.nodes.get(name);
  if (!n) throw new Error(`fake: no node ${name}`);
  obj(n, 'status')['nodeInfo'] = { ...(obj(n, 'status')['nodeInfo'] as JsonObject | undefined), kubeletVersion: version };
  s.touch(n);
}

/** A request moves each joining node's countdown on; a node whose countdown ends becomes Ready. */
export function advanceJoins(s: KubeStore): void {
  for (const [name, left] of s.joining) {
    if (left <= 1) {
      s.joining.delete(name);
      if (s.nodes.has(name)) setNodeReady(s, name, true);
    } else s.joining.set(name, left - 1);
  }
}

/** The answer to a Nodes request, or undefined when the path and method are not a Nodes request. */
export function routeNodes(s: KubeStore, method: string, p: string, q: URLSearchParams, body: string, ct: string): Answer | undefined {
  let m: RegExpMatchArray | null;
  if (p === '/api/v1/nodes' && method === 'GET') return ok(list('NodeList', filter([...s.nodes.values()], q), q));
  if (p === '/api/v1/nodes' && method === 'POST') return create(s, 'nodes', body, null, (name, o) => (s.nodes.has(name) ? false : (s.nodes.set(name, o), true)));
  if ((m = p.match(/^\/api\/v1\/nodes\/([^/]+)$/))) {
    const name = decodeURIComponent(m[1] ?? '');
    const node = s.nodes.get(name);
    if (!node) return notFound('nodes', name);
    if (method === 'GET') return ok(node);
    if (method === 'DELETE') {
      s.nodes.delete(name);
      s.backed.delete(name);
      s.joining.delete(name);
      return ok(node);
    }
    if (method === 'PATCH') return patch(s, 'nodes', name, node, body, ct, (n) => s.nodes.set(name, n));
  }
  return undefined;
}

function readyCondition(ready: boolean): JsonObject {
  return { type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'KubeletReady' : 'KubeletNotReady', message: ready ? 'kubelet is posting ready status' : 'container runtime network not ready' };
}
