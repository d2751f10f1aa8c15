/**
 * The PodDisruptionBudgets that will block a drain, said before the first drain (and in the
 * previews): one warning per budget that allows no disruption now and covers pods on a node the
 * roll (or `delete instance`) is going to drain, and one per pod to be evicted that two budgets or
 * more select (the eviction API refuses it whatever they allow). A warning, not a refusal: a
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

/** The warning for a pod that several budgets select (no leading "warning:"). Pure. */
export function severalBudgetsMessage(p: PodUnderSeveralBudgets, o: DrainPolicy): string {
  const then = o.failOnDrainError ? 'the roll then stops' : 'the roll then goes on without draining, with --fail-on-drain-error=false';
  return (
    `pod ${p.pod} on node ${p.node} is selected by ${p.budgets.length} PodDisruptionBudgets (${p.budgets.join(', ')}), and the eviction API refuses to evict a pod ` +
    `that more than one budget selects, whatever they allow: the drain of ${p.node} will fail on it without waiting for --drain-timeout, and ${then}; ` +
    `merge the budgets or narrow their selectors so that one budget selects the pod`
  );
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
 * The warnings for `nodes`: one per blocking budget, then one per pod under several budgets, or the one line saying the budgets could not
 * be read. Never throws but for an abort of `signal`.
 */
export async function blockingBudgetWarnings(kube: KubeOps, nodes: readonly string[], o: DrainPolicy, signal?: AbortSignal): Promise<string[]> {
  if (!kube.blockingBudgets || nodes.length === 0) return [];
  try {
    const found = await kube.blockingBudgets(nodes, signal);
    return [...found.atZero.map((b) => blockingBudgetMessage(b, o)), ...found.severalBudgets.map((p) => severalBudgetsMessage(p, o))];
  } catch (e) {
    if (signal?.aborted) throw e;
    return [unreadBudgetsMessage(e instanceof Error ? e.message : String(e))];
  }
}
