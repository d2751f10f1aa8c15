/**
 * Before a drain: which PodDisruptionBudgets will refuse the eviction of pods on the nodes about to
 * be drained, named up front rather than when `--drain-timeout` runs out (the drain's own
 * `DrainTimeoutError` in ops.ts names one only then). Read-only: one list of the budgets in every
 * namespace (policy/v1), then, only when some allow no disruption now, the pods of those budgets'
 * namespaces.
 *
 * The decision is the API server's eviction rule (pkg/registry/core/pod/storage/eviction.go) for a
 * budget whose `status.disruptionsAllowed` is 0, applied to the pods the drain would evict
 * (`podToEvict`: not mirror or DaemonSet pods):
 *  - a pod that is terminating, or Succeeded, Failed or Pending, is deleted without a budget check
 *    (`canIgnorePDB`): not blocked;
 *  - a Ready pod needs a disruption the budget does not allow: blocked;
 *  - a running pod that is not Ready: evicted anyway under `unhealthyPodEvictionPolicy:
 *    AlwaysAllow`, and under `IfHealthyBudget` (the default) when `currentHealthy >=
 *    desiredHealthy` and `desiredHealthy > 0`; otherwise blocked.
 * Selection is `selectorMatches` (label-selector.ts): the same matcher names the budget when a
 * drain times out.
 */
import type * as k8s from '@kubernetes/client-node';
import type { BlockingBudget } from '../rolling-update/types.js';
import { listAll, type KubeClient } from './client.js';
import { translate } from './errors.js';
import { selectorMatches } from './label-selector.js';
import { podToEvict } from './pods.js';

export type { BlockingBudget } from '../rolling-update/types.js';

function podReady(p: k8s.V1Pod): boolean {
  return p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Whether a budget that allows no disruption now refuses the eviction of `pod` (see the file's comment). Pure. */
export function evictionRefused(pdb: k8s.V1PodDisruptionBudget, pod: k8s.V1Pod): boolean {
  const phase = pod.status?.phase;
  if (pod.metadata?.deletionTimestamp !== undefined || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending') return false;
  if (podReady(pod)) return true;
  if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return false;
  const current = pdb.status?.currentHealthy ?? 0;
  const desired = pdb.status?.desiredHealthy ?? 0;
  return !(current >= desired && desired > 0);
}

/**
 * The budgets at 0 allowed disruptions that refuse the eviction of some pod the drain of `nodes`
 * would evict, sorted by namespace and name. `pods` may hold pods of any node and namespace. Pure.
 */
export function findBlockingBudgets(pdbs: readonly k8s.V1PodDisruptionBudget[], pods: readonly k8s.V1Pod[], nodes: readonly string[]): BlockingBudget[] {
  const draining = new Set(nodes);
  const candidates = pods.filter((p) => p.spec?.nodeName !== undefined && draining.has(p.spec.nodeName) && podToEvict(p));
  const out: BlockingBudget[] = [];
  for (const b of pdbs) {
    if ((b.status?.disruptionsAllowed ?? 0) !== 0) continue;
    const namespace = b.metadata?.namespace ?? 'default';
    const byNode = new Map<string, string[]>();
    for (const p of candidates) {
      if ((p.metadata?.namespace ?? 'default') !== namespace) continue;
      if (!selectorMatches(b.spec?.selector, p.metadata?.labels) || !evictionRefused(b, p)) continue;
      const node = p.spec?.nodeName ?? '';
      byNode.set(node, [...(byNode.get(node) ?? []), `${namespace}/${p.metadata?.name ?? ''}`]);
    }
    if (byNode.size === 0) continue;
    out.push({
      namespace,
      name: b.metadata?.name ?? '',
      currentHealthy: b.status?.currentHealthy ?? 0,
      desiredHealthy: b.status?.desiredHealthy ?? 0,
      pods: [...byNode].sort(([a], [c]) => a.localeCompare(c)).map(([node, names]) => ({ node, pods: names.sort() })),
    });
  }
  return out.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/** Reads the budgets (and, when some are at 0, their namespaces' pods) and decides with `findBlockingBudgets`. */
export async function readBlockingBudgets(client: KubeClient, nodes: readonly string[], signal?: AbortSignal): Promise<BlockingBudget[]> {
  if (nodes.length === 0) return [];
  const call = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw translate(client, what, e);
    }
  };
  const pdbs = await call('listing PodDisruptionBudgets', () =>
    listAll((limit, cont) => client.policy.listPodDisruptionBudgetForAllNamespaces({ limit, ...(cont ? { _continue: cont } : {}) }, client.options(signal))),
  );
  const atZero = pdbs.filter((b) => (b.status?.disruptionsAllowed ?? 0) === 0);
  const namespaces = [...new Set(atZero.map((b) => b.metadata?.namespace ?? 'default'))].sort();
  const pods: k8s.V1Pod[] = [];
  for (const namespace of namespaces) {
    pods.push(
      ...(await call(`listing the pods of namespace ${namespace}`, () =>
        listAll((limit, cont) => client.core.listNamespacedPod({ namespace, limit, ...(cont ? { _continue: cont } : {}) }, client.options(signal))),
      )),
    );
  }
  return findBlockingBudgets(atZero, pods, nodes);
}
