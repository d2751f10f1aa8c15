/**
 * The Pods' `eviction` subresource in the fake Kubernetes API server (test/fakes/kube-apiserver.ts),
 * policy/v1, as pkg/registry/core/pod/storage/eviction.go answers it:
 *
 *  - `POST /api/v1/namespaces/{ns}/pods/{name}/eviction` with a policy/v1 `Eviction` body: 201
 *    Status Success; 404 NotFound `pods "<name>" not found`; 405 MethodNotAllowed for any other
 *    method; 400 BadRequest for a body that is not an Eviction
 *  - 429 TooManyRequests with the apiserver's message and a `DisruptionBudget` cause when a
 *    PodDisruptionBudget (test/fakes/kube-pdbs.ts) would be violated; 500 when more than one
 *    budget covers the pod; no budget check for a terminating, terminal or Pending pod
 *    (`canIgnorePDB`); a pod not Ready evicted under `unhealthyPodEvictionPolicy`
 *
 * An evicted pod is gone at once or terminates for `terminationRequests` requests; a
 * ReplicaSet-owned pod gets a Pending, unscheduled replacement unless `recreateEvicted` is false.
 */
import { selectorMatches, withPdbStatus } from './kube-pdbs.js';
import { addPod, podReady } from './kube-pods.js';
import type { KubeStore } from './kube-store.js';
import { isObject, notFound, obj, status, str, type Answer, type Json, type JsonObject } from './kube-wire.js';

/** The answer to an eviction request, or undefined when the path is not a pod's eviction. */
export function routeEviction(s: KubeStore, method: string, p: string, body: string): Answer | undefined {
  const m = p.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/eviction$/);
  if (!m) return undefined;
  const ns = m[1] ?? '';
  const name = decodeURIComponent(m[2] ?? '');
  const pod = s.pods.get(`${ns}/${name}`);
  if (!pod) return notFound('pods', name);
  if (method !== 'POST') return { code: 405, body: status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource') };
  return evict(s, ns, name, pod, body);
}

function evict(s: KubeStore, ns: string, name: string, pod: JsonObject, body: string): Answer {
  let parsed: Json = null;
  try {
    parsed = JSON.parse(body || 'null') as Json;
  } catch {
    /* handled below */
  }
  if (!isObject(parsed) || parsed['kind'] !== 'Eviction') return { code: 400, body: status(400, 'BadRequest', 'body must be a policy/v1 Eviction') };
  const labels = (obj(pod, 'metadata')['labels'] ?? {}) as Record<string, Json>;
  // The apiserver deletes without a budget check a pod that is terminating (deletionTimestamp
  // set), terminal or Pending (`canIgnorePDB`, pkg/registry/core/pod/storage/eviction.go).
  const phase = obj(pod, 'status')['phase'];
  const ignorePdb = obj(pod, 'metadata')['deletionTimestamp'] !== undefined || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending';
  const budgets = ignorePdb ? [] : [...s.pdbs.values()].filter((d) => obj(d, 'metadata')['namespace'] === ns && selectorMatches(d, labels));
  // The apiserver's own Status for this: code 500, no reason, no details.
  if (budgets.length > 1) return { code: 500, body: status(500, '', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.') };
  for (const d of budgets) {
    const meta = obj(d, 'metadata');
    const st = obj(withPdbStatus(s, d), 'status');
    const healthy = Number(st['currentHealthy']);
    const desired = Number(st['desiredHealthy']);
    // A pod not Ready: AlwaysAllow evicts it; IfHealthyBudget when the budget is met and desires some.
    const unhealthyOk = obj(d, 'spec')['unhealthyPodEvictionPolicy'] === 'AlwaysAllow' || (healthy >= desired && desired > 0);
    const allowed = podReady(pod) ? healthy - desired > 0 : unhealthyOk;
    if (!allowed) {
      return {
        code: 429,
        body: status(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", 'Failure', {
          causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${str(meta['name'])} needs ${desired} healthy pods and has ${healthy} currently` }],
        }),
      };
    }
  }
  const grace = s.opts.terminationRequests ?? 0;
  if (grace > 0) {
    if (!s.terminating.has(`${ns}/${name}`)) {
      obj(pod, 'metadata')['deletionTimestamp'] = new Date(Date.UTC(2026, 0, 1)).toISOString();
      s.terminating.set(`${ns}/${name}`, grace);
    }
  } else s.pods.delete(`${ns}/${name}`);
  const owner = ((obj(pod, 'metadata')['ownerReferences'] ?? []) as JsonObject[])[0];
  if (owner && owner['kind'] === 'ReplicaSet' && s.opts.recreateEvicted !== false) {
    addPod(s, { namespace: ns, name: `${str(owner['name'])}-${s.nextSeq().toString(36).padStart(5, 'x')}`, labels: labels as Record<string, string>, owner: `ReplicaSet/${str(owner['name'])}`, phase: 'Pending', ready: false });
  }
  return { code: 201, body: status(201, '', '', 'Success') };
}
