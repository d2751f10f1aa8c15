/**
 * The graph apply walks: the task graph plus one node per planned deletion of an orphan.
 *
 * Orphans have no desired state, hence no refs, so their order comes from the kinds: if tasks of
 * kind X refer (even indirectly) to tasks of kind Y, an orphan X is deleted before an orphan Y
 * (an autoscaling group before its launch template, a subnet before its network). Every deletion
 * also waits for all creates, updates and replaces of the run, so nothing is deleted while a
 * resource that used it is still being moved off it; a failure anywhere therefore skips every
 * deletion. Kinds that depend on each other both ways are not ordered (the provider's
 * `isRetryableDelete` — "still has dependencies" — covers them until the task deadline).
 */
import { Graph, type GraphNode } from './graph.js';
import type { PlannedChange } from './plan.js';
import type { TaskKey } from './types.js';

export function applyGraph(tasks: Graph, changes: readonly PlannedChange[]): Graph {
  const nodes: GraphNode[] = tasks.order().map((key) => ({ key, kind: tasks.kindOf(key) }));
  const deps = new Map<TaskKey, TaskKey[]>(tasks.order().map((k) => [k, [...tasks.dependencies(k)]]));
  const deletes = changes.filter((c) => c.action === 'delete' && !tasks.has(c.key));
  if (deletes.length === 0) return tasks;
  const writes = changes.filter((c) => c.action !== 'delete').map((c) => c.key);
  const kindDeps = kindClosure(tasks);
  const dependsOnKind = (a: string, b: string) => a !== b && (kindDeps.get(a)?.has(b) ?? false) && !(kindDeps.get(b)?.has(a) ?? false);
  for (const d of deletes) {
    nodes.push({ key: d.key, kind: d.kind });
    // Delete d after every write, and after the orphans of kinds that depend on d's kind.
    const after = deletes.filter((o) => dependsOnKind(o.kind, d.kind)).map((o) => o.key);
    deps.set(d.key, [...writes, ...after]);
  }
  return Graph.of(nodes, deps);
}

/** Kind → every kind its tasks depend on, directly or not. */
export function kindClosure(g: Graph): Map<string, Set<string>> {
  const direct = new Map<string, Set<string>>();
  for (const k of g.order()) {
    const kind = g.kindOf(k);
    const set = direct.get(kind) ?? new Set<string>();
    for (const d of g.dependencies(k)) if (g.kindOf(d) !== kind) set.add(g.kindOf(d));
    direct.set(kind, set);
  }
  const closure = new Map<string, Set<string>>();
  for (const kind of direct.keys()) {
    const seen = new Set<string>();
    const stack = [...(direct.get(kind) ?? [])];
    while (stack.length > 0) {
      const k = stack.pop() as string;
      if (seen.has(k)) continue;
      seen.add(k);
      stack.push(...(direct.get(k) ?? []));
    }
    closure.set(kind, seen);
  }
  return closure;
}
