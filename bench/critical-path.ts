/**
 * The critical path of a task graph: the dependency chain whose tasks, run one after another,
 * weigh the most. Weighed by each task's sequential request depth (`sequentialDepth` in
 * src/cloud/aws/call-scope.ts: requests made concurrently count once), no apply can beat
 * `weight × delay` with a fixed delay per request: every task on the chain waits for the ones
 * before it, and each request of a task's sequential chain waits for the one before it. Weighed
 * by the count of requests instead, it over-counts tasks that issue requests at once.
 */
export interface DependencyGraph<K extends string = string> {
  /** Every key, dependencies before dependents (`Graph.order()`). */
  order(): readonly K[];
  /** What `key` depends on (runs before it). */
  dependencies(key: K): readonly K[];
}

export interface CriticalPath<K extends string = string> {
  /** The chain, first task first (empty for an empty graph or when every weight is 0). */
  readonly path: readonly K[];
  /** The sum of the weights along it. */
  readonly weight: number;
  /** Tasks on the longest chain by count of tasks (weights ignored). */
  readonly depth: number;
}

/**
 * The heaviest chain, by `weight(key)` (e.g. the sequential depth of its apply's requests; a task absent from the run
 * weighs 0). Ties go to the key first in `order()`, so the answer is deterministic.
 */
export function criticalPath<K extends string>(graph: DependencyGraph<K>, weight: (key: K) => number): CriticalPath<K> {
  const best = new Map<K, { weight: number; depth: number; via: K | undefined }>();
  for (const key of graph.order()) {
    let w = 0;
    let depth = 0;
    let via: K | undefined;
    for (const d of graph.dependencies(key)) {
      const b = best.get(d);
      if (!b) throw new Error(`critical path: ${key} depends on ${d}, which comes later in the order (or is not in the graph)`);
      if (via === undefined || b.weight > w) {
        w = b.weight;
        via = d;
      }
      depth = Math.max(depth, b.depth);
    }
    const own = weight(key);
    if (!(own >= 0)) throw new Error(`critical path: weight of ${key} must be a number >= 0, got ${own}`);
    best.set(key, { weight: w + own, depth: depth + 1, via });
  }
  let end: K | undefined;
  let depth = 0;
  for (const key of graph.order()) {
    const b = best.get(key)!;
    if (end === undefined || b.weight > best.get(end)!.weight) end = key;
    depth = Math.max(depth, b.depth);
  }
  if (end === undefined || best.get(end)!.weight === 0) return { path: [], weight: 0, depth };
  const path: K[] = [];
  for (let k: K | undefined = end; k !== undefined; k = best.get(k)!.via) path.unshift(k);
  // Leading tasks of weight 0 are on the chain but cost nothing: leave them out of the display.
  while (path.length > 0 && weight(path[0]!) === 0) path.shift();
  return { path, weight: best.get(end)!.weight, depth };
}
