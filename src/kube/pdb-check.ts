/**
 * Before a drain: which PodDisruptionBudgets will refuse the eviction of pods on the nodes about to
 * be drained, named up front rather than when `--drain-timeout` runs out (the drain's own
 * `DrainTimeoutError` in ops.ts names one only then). Read-only: one list of the budgets in every
 * namespace (policy/v1), then the pods of only the namespaces that have a budget allowing no
 * disruption now or two budgets or more.
 *
 * Two findings:
 *  - a budget at 0 allowed disruptions that refuses some pod (`findBlockingBudgets`, below);
 *  - a pod that two or more budgets of its namespace select (`findPodsUnderSeveralBudgets`): the
 *    API server refuses its eviction outright, HTTP 500 "This pod has more than one
 *    PodDisruptionBudget, which the eviction subresource does not support.", whatever the budgets
 *    allow; only `canIgnorePDB` pods (below) are deleted before that check.
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
import type { BlockingBudget, BudgetFindings, PodUnderSeveralBudgets } from '../rolling-update/types.js';
import { listAll, type KubeClient } from './client.js';
import { translate } from './errors.js';
import { selectorMatches } from './label-selector.js';
import { podToEvict } from './pods.js';

export type { BlockingBudget, BudgetFindings, PodUnderSeveralBudgets } from '../rolling-update/types.js';

function podReady(p: k8s.V1Pod): boolean {
  return p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The API server deletes such a pod without looking at budgets (`canIgnorePDB`): terminating, Succeeded, Failed or Pending. */
function canIgnorePdb(pod: k8s.V1Pod): boolean {
  const phase = pod.status?.phase;
  return pod.metadata?.deletionTimestamp !== undefined || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending';
}

/** Whether a budget that allows no disruption now refuses the eviction of `pod` (see the file's comment). Pure. */
export function evictionRefused(pdb: k8s.V1PodDisruptionBudget, pod: k8s.V1Pod): boolean {
  if (canIgnorePdb(pod)) return false;
  if (podReady(pod)) return true;
  if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return false;
  const current = pdb.status?.currentHealthy ?? 0;
  const desired = pdb.status?.desiredHealthy ?? 0;
  return !(current >= desired && desired > 0);
}

/**
 * The budgets at 0 allowed disruptions that refuse the eviction of some pod the drain of `nodes`
 * would evict, sorted by namespace and name. `pdbs` are all the budgets (those that allow a
 * disruption are skipped): a pod that two or more select is left to `findPodsUnderSeveralBudgets`,
 * as its eviction fails on that before any budget's allowance counts. `pods` may hold pods of any
 * node and namespace. Pure.
 */
export function findBlockingBudgets(pdbs: readonly k8s.V1PodDisruptionBudget[], pods: readonly k8s.V1Pod[], nodes: readonly string[]): BlockingBudget[] {
  const candidates = toEvict(pods, nodes).filter((p) => budgetsSelecting(pdbs, p).length < 2);
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

/** The pods the drain of `nodes` would evict (`podToEvict`), of any namespace. */
function toEvict(pods: readonly k8s.V1Pod[], nodes: readonly string[]): k8s.V1Pod[] {
  const draining = new Set(nodes);
  return pods.filter((p) => p.spec?.nodeName !== undefined && draining.has(p.spec.nodeName) && podToEvict(p));
}

/**
 * The pods the drain of `nodes` would evict that two or more budgets of their namespace select,
 * whatever those budgets allow (the API server refuses their eviction with a 500), sorted by node
 * then pod; a pod it deletes without a budget check (`canIgnorePDB`) is left out. `pods` may hold
 * pods of any node and namespace. Pure.
 */
export function findPodsUnderSeveralBudgets(pdbs: readonly k8s.V1PodDisruptionBudget[], pods: readonly k8s.V1Pod[], nodes: readonly string[]): PodUnderSeveralBudgets[] {
  const out: PodUnderSeveralBudgets[] = [];
  for (const p of toEvict(pods, nodes)) {
    if (canIgnorePdb(p)) continue;
    const budgets = budgetsSelecting(pdbs, p);
    if (budgets.length < 2) continue;
    out.push({ pod: `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? ''}`, node: p.spec?.nodeName ?? '', budgets });
  }
  return out.sort((a, b) => a.node.localeCompare(b.node) || a.pod.localeCompare(b.pod));
}

/** The budgets of `pod`'s namespace whose selector selects it, `<namespace>/<name>` sorted. Pure. */
export function budgetsSelecting(pdbs: readonly k8s.V1PodDisruptionBudget[], pod: k8s.V1Pod): string[] {
  const namespace = pod.metadata?.namespace ?? 'default';
  return pdbs
    .filter((b) => (b.metadata?.namespace ?? 'default') === namespace && selectorMatches(b.spec?.selector, pod.metadata?.labels))
    .map((b) => `${namespace}/${b.metadata?.name ?? ''}`)
    .sort();
}

/**
 * Reads the budgets (and the pods of the namespaces with a budget at 0 or two budgets or more) and
 * decides with `findBlockingBudgets` and `findPodsUnderSeveralBudgets`.
 */
export async function readBlockingBudgets(client: KubeClient, nodes: readonly string[], signal?: AbortSignal): Promise<BudgetFindings> {
  if (nodes.length === 0) return { atZero: [], severalBudgets: [] };
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
  const perNamespace = new Map<string, number>();
  for (const b of pdbs) perNamespace.set(b.metadata?.namespace ?? 'default', (perNamespace.get(b.metadata?.namespace ?? 'default') ?? 0) + 1);
  const several = [...perNamespace].filter(([, n]) => n >= 2).map(([ns]) => ns);
  const namespaces = [...new Set([...atZero.map((b) => b.metadata?.namespace ?? 'default'), ...several])].sort();
  const pods: k8s.V1Pod[] = [];
  for (const namespace of namespaces) {
    pods.push(
      ...(await call(`listing the pods of namespace ${namespace}`, () =>
        listAll((limit, cont) => client.core.listNamespacedPod({ namespace, limit, ...(cont ? { _continue: cont } : {}) }, client.options(signal))),
      )),
    );
  }
  return { atZero: findBlockingBudgets(pdbs, pods, nodes), severalBudgets: findPodsUnderSeveralBudgets(pdbs, pods, nodes) };
}
