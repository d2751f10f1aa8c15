/**
 * Pods in the fake Kubernetes API server (test/fakes/kube-apiserver.ts), core/v1:
 *
 *  - `GET /api/v1/pods` (all namespaces) and `GET /api/v1/namespaces/{ns}/pods`: fieldSelector
 *    `spec.nodeName`, labelSelector, `limit`/`continue`
 *  - `POST /api/v1/namespaces/{ns}/pods`
 *  - `GET`, `DELETE /api/v1/namespaces/{ns}/pods/{name}`: 404 NotFound `pods "<name>" not found`
 *
 * The `eviction` subresource is test/fakes/kube-eviction.ts. An evicted pod may terminate
 * (`deletionTimestamp` set, still listed) for a few requests before it is gone.
 */
import type { KubeStore } from './kube-store.js';
import { filter, list, notFound, obj, ok, str, type Answer, type JsonObject } from './kube-wire.js';
import { create } from './kube-write.js';

export interface PodSpecInput {
  readonly namespace?: string;
  readonly name: string;
  readonly node?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  /** `ReplicaSet/<name>`, `DaemonSet/<name>`, `Node/<name>`… */
  readonly owner?: string;
  readonly ready?: boolean;
  readonly phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  readonly priorityClassName?: string;
  /** A mirror pod (annotation kubernetes.io/config.mirror). */
  readonly mirror?: boolean;
}

export function addPod(s: KubeStore, p: PodSpecInput): JsonObject {
  const ns = p.namespace ?? 'default';
  const annotations: Record<string, string> = { ...(p.annotations ?? {}) };
  if (p.mirror) annotations['kubernetes.io/config.mirror'] = 'mirror-hash';
  const metadata: JsonObject = { name: p.name, namespace: ns, uid: s.uid(), resourceVersion: s.nextRv(), labels: { ...(p.labels ?? {}) }, annotations };
  if (p.owner) {
    const [kind, oname] = p.owner.split('/');
    metadata['ownerReferences'] = [{ apiVersion: kind === 'Node' ? 'v1' : 'apps/v1', kind: kind ?? '', name: oname ?? '', uid: `uid-${oname ?? ''}`, controller: true }];
  }
  const phase = p.phase ?? (p.node ? 'Running' : 'Pending');
  const ready = p.ready ?? phase === 'Running';
  const spec: JsonObject = { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] };
  if (p.node) spec['nodeName'] = p.node;
  if (p.priorityClassName) spec['priorityClassName'] = p.priorityClassName;
  const pod: JsonObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec,
    status: podStatus(phase, ready),
  };
  s.pods.set(`${ns}/${p.name}`, pod);
  return pod;
}

/** Make a pod Running and Ready (or not), e.g. a replacement replica becoming available. */
export function setPodReady(s: KubeStore, namespace: string, name: string, ready: boolean, node?: string): void {
  const p = s.pods.get(`${namespace}/${name}`);
  if (!p) throw new Error(`fake: no pod ${namespace}/${name}`);
  if (node) obj(p, 'spec')['nodeName'] = node;
  p['status'] = podStatus(ready || obj(p, 'spec')['nodeName'] ? 'Running' : 'Pending', ready);
  s.touch(p);
}

/** Put a pod in a phase (e.g. `Pending`, `Failed`) with its container not ready. */
export function setPodPhase(s: KubeStore, namespace: string, name: string, phase: string): void {
  const p = s.pods.get(`${namespace}/${name}`);
  if (!p) throw new Error(`fake: no pod ${namespace}/${name}`);
  p['status'] = podStatus(phase, false);
  s.touch(p);
}

export function podsOn(s: KubeStore, node: string): string[] {
  return [...s.pods.values()].filter((p) => obj(p, 'spec')['nodeName'] === node).map((p) => `${str(obj(p, 'metadata')['namespace'])}/${str(obj(p, 'metadata')['name'])}`);
}

/** A request moves each terminating pod's countdown on; a pod whose countdown ends is gone. */
export function advanceTerminations(s: KubeStore): void {
  for (const [key, left] of s.terminating) {
    if (left <= 1) {
      s.terminating.delete(key);
      s.pods.delete(key);
    } else s.terminating.set(key, left - 1);
  }
}

/** The answer to a Pods request, or undefined when the path and method are not a Pods request. */
export function routePods(s: KubeStore, method: string, p: string, q: URLSearchParams, body: string): Answer | undefined {
  let m: RegExpMatchArray | null;
  if (p === '/api/v1/pods' && method === 'GET') return ok(list('PodList', filter([...s.pods.values()], q), q));
  if ((m = p.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/)) && method === 'POST') {
    const ns = m[1] ?? '';
    return create(s, 'pods', body, ns, (name, o) => (s.pods.has(`${ns}/${name}`) ? false : (s.pods.set(`${ns}/${name}`, o), true)));
  }
  if ((m = p.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/)) && method === 'GET') {
    const ns = m[1] ?? '';
    return ok(list('PodList', filter([...s.pods.values()].filter((x) => obj(x, 'metadata')['namespace'] === ns), q), q));
  }
  if ((m = p.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/))) {
    const ns = m[1] ?? '';
    const name = decodeURIComponent(m[2] ?? '');
    const pod = s.pods.get(`${ns}/${name}`);
    if (!pod) return notFound('pods', name);
    if (method === 'GET') return ok(pod);
    if (method === 'DELETE') {
      s.pods.delete(`${ns}/${name}`);
      return ok(pod);
    }
  }
  return undefined;
}

function podStatus(phase: string, ready: boolean): JsonObject {
  return {
    phase,
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    containerStatuses: [{ name: 'main', ready, restartCount: ready ? 0 : 3, image: 'registry.k8s.io/pause:3.10', imageID: '', state: ready ? { running: {} } : { waiting: { reason: phase === 'Running' ? 'CrashLoopBackOff' : 'ContainerCreating' } } }],
  };
}

export function podReady(p: JsonObject): boolean {
  const st = obj(p, 'status');
  if (st['phase'] !== 'Running') return false;
  return ((st['conditions'] ?? []) as JsonObject[]).some((c) => c['type'] === 'Ready' && c['status'] === 'True');
}
