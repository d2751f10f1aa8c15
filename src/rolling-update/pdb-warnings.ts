/**
 * The PodDisruptionBudgets that will block a drain, said before the first drain (and in the
 * previews): one warning per budget that allows no disruption now and covers pods on a node the
 * roll (or `delete instance`) is going to drain, and one per set of budgets that together select
 * pods to be evicted (the eviction API refuses such a pod whatever they allow). A warning, not a refusal: a
 * budget at 0 may recover before its node's turn (a pod becoming ready, surge nodes taking pods),
 * and budgets may be fixed meanwhile. The reading is `KubeOps.blockingBudgets`; the words and the
 * choice of nodes are pure and here.
 */
import type { RollingUpdate } from '../model/api/types.js';
import { formatDuration } from './errors.js';
import { nodeOf } from './order.js';
import type { RollGroupSpec } from './roll-options.js';
import { resolveSettings } from './settings.js';
import type { BlockingBudget, CloudInstance, CloudInstanceGroup, CloudProvider, KubeNode, KubeOps, PodUnderSeveralBudgets } from './types.js';

export interface DrainPolicy {
  readonly drainTimeoutMs: number;
  readonly failOnDrainError: boolean;
}

/** The warning for one blocking budget (no leading "warning:"). Pure. */
export function blockingBudgetMessage(b: BlockingBudget, o: DrainPolicy): string {
  const count = b.pods.reduce((n, x) => n + x.pods.length, 0);
  const where = b.pods.map((x) => `${x.pods.length} on ${x.node}`).join(', ');
  const then = o.failOnDrainError ? 'stops the roll' : 'goes on without draining, with --fail-on-drain-error=false';
  return (
    `PodDisruptionBudget ${b.namespace}/${b.name} allows 0 disruptions now (currentHealthy ${b.currentHealthy}, desiredHealthy ${b.desiredHealthy}) ` +
    `and ${count === 1 ? '1 of its pods sits' : `${count} of its pods sit`} on nodes to be drained (${where}): ` +
    `their eviction will be refused until it allows one; the drain waits up to --drain-timeout ${formatDuration(o.drainTimeoutMs)}, then ${then}`
  );
}

/** Pod names shown in one warning before "and N more". */
const PODS_SHOWN = 5;

/**
 * The warnings for pods that several budgets select (no leading "warning:"): one per set of
 * budgets, so that a Deployment of many replicas under the same two budgets is one line. Pure.
 */
export function severalBudgetsMessages(pods: readonly PodUnderSeveralBudgets[], o: DrainPolicy): string[] {
  const bySet = new Map<string, PodUnderSeveralBudgets[]>();
  for (const p of pods) {
    const key = p.budgets.join(' ');
    bySet.set(key, [...(bySet.get(key) ?? []), p]);
  }
  return [...bySet.values()].map((same) => severalBudgetsMessage(same, o));
}

/** The warning for the pods (at least one) that the same budgets select. Pure. */
export function severalBudgetsMessage(same: readonly PodUnderSeveralBudgets[], o: DrainPolicy): string {
  const first = same[0]!;
  const budgets = `${first.budgets.length} PodDisruptionBudgets (${first.budgets.join(', ')})`;
  const then = o.failOnDrainError ? 'the roll then stops' : 'the roll then goes on without draining, with --fail-on-drain-error=false';
  const refusal = 'the eviction API refuses to evict a pod that more than one budget selects, whatever they allow';
  const fix = 'merge the budgets or narrow their selectors so that one budget selects the pod';
  if (same.length === 1) {
    return `pod ${first.pod} on node ${first.node} is selected by ${budgets}, and ${refusal}: the drain of ${first.node} will fail on it without waiting for --drain-timeout, and ${then}; ${fix}`;
  }
  const perNode = new Map<string, number>();
  for (const p of same) perNode.set(p.node, (perNode.get(p.node) ?? 0) + 1);
  const where = [...perNode].map(([node, n]) => `${n} on ${node}`).join(', ');
  const names = same.slice(0, PODS_SHOWN).map((p) => p.pod).join(', ') + (same.length > PODS_SHOWN ? `, and ${same.length - PODS_SHOWN} more` : '');
  const drains = perNode.size === 1 ? `the drain of ${first.node}` : 'the drain of each of these nodes';
  return `${same.length} pods on nodes to be drained (${where}: ${names}) are selected by ${budgets}, and ${refusal}: ${drains} will fail on them without waiting for --drain-timeout, and ${then}; merge the budgets or narrow their selectors so that one budget selects each pod`;
}

/** The one line said when the budgets cannot be read: the roll goes on (its own checks decide). */
export function unreadBudgetsMessage(reason: string): string {
  return `could not check the PodDisruptionBudgets before draining (${reason}); going on`;
}

/**
 * The Nodes the roll will drain: those of the instances to update in groups that are drained
 * (not bastions, not groups whose resolved `rollingUpdate.drainAndTerminate` is false). Pure.
 */
export function nodesToDrain(
  cloud: CloudProvider['name'],
  clusterRU: RollingUpdate | null | undefined,
  specGroups: readonly RollGroupSpec[] | undefined,
  groups: readonly { readonly group: CloudInstanceGroup; readonly update: readonly CloudInstance[] }[],
  nodes: readonly KubeNode[] | undefined,
): string[] {
  const out = new Set<string>();
  for (const { group, update } of groups) {
    if (group.role === 'Bastion') continue;
    const spec = specGroups?.find((s) => s.name === group.name);
    if (!resolveSettings(cloud, clusterRU, spec?.rollingUpdate, group.instances.length).drainAndTerminate) continue;
    for (const i of update) {
      const n = nodeOf(i, nodes);
      if (n) out.add(n.name);
    }
  }
  return [...out].sort();
}

/**
 * The warnings for `nodes`: one per blocking budget, then one per set of budgets selecting the same
 * pods, or the one line saying the budgets could not be read. Never throws but for an abort of `signal`.
 */
export async function blockingBudgetWarnings(kube: KubeOps, nodes: readonly string[], o: DrainPolicy, signal?: AbortSignal): Promise<string[]> {
  if (!kube.blockingBudgets || nodes.length === 0) return [];
  try {
    const found = await kube.blockingBudgets(nodes, signal);
    return [...found.atZero.map((b) => blockingBudgetMessage(b, o)), ...severalBudgetsMessages(found.severalBudgets, o)];
  } catch (e) {
    if (signal?.aborted) throw e;
    return [unreadBudgetsMessage(e instanceof Error ? e.message : String(e))];
  }
}
