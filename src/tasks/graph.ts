/**
 * The task graph. Edges come from typed refs (every `Ref` in `desired`, plus `dependsOn`), and the
 * graph is checked when it is built — duplicate keys, refs to tasks that do not exist (with the
 * closest known keys), cycles (with their path) — before any cloud call. kops finds cycles only at
 * run time, as tasks that never finish.
 *
 * An edge `A -> B` means "A depends on B": B runs first.
 */
import { KopsError, error, type Diagnostic } from '../diagnostics.js';
import { taskRefs } from './refs.js';
import { closest } from './suggest.js';
import { refKey, taskKey, type Task, type TaskKey } from './types.js';

export interface GraphNode {
  readonly key: TaskKey;
  readonly kind: string;
}

export class Graph {
  private readonly kinds: ReadonlyMap<TaskKey, string>;
  private readonly deps: ReadonlyMap<TaskKey, readonly TaskKey[]>;
  private readonly rdeps: ReadonlyMap<TaskKey, readonly TaskKey[]>;
  private readonly topo: readonly TaskKey[];
  private readonly position: ReadonlyMap<TaskKey, number>;

  private constructor(kinds: Map<TaskKey, string>, deps: Map<TaskKey, TaskKey[]>, topo: TaskKey[]) {
    this.kinds = kinds;
    this.deps = deps;
    const rdeps = new Map<TaskKey, TaskKey[]>([...kinds.keys()].map((k) => [k, []]));
    for (const [k, ds] of deps) for (const d of ds) rdeps.get(d)?.push(k);
    for (const list of rdeps.values()) list.sort();
    this.rdeps = rdeps;
    this.topo = topo;
    this.position = new Map(topo.map((k, i) => [k, i]));
  }

  /**
   * A graph of the given nodes and "depends on" edges. Throws `DependencyCycle` (with the cycle's
   * path) if the edges are not a DAG; an edge to a node not given is a programming error.
   */
  static of(nodes: readonly GraphNode[], dependencies: ReadonlyMap<TaskKey, Iterable<TaskKey>>): Graph {
    const kinds = new Map(nodes.map((n) => [n.key, n.kind]));
    const deps = new Map<TaskKey, TaskKey[]>();
    for (const n of nodes) {
      const ds = [...new Set(dependencies.get(n.key) ?? [])].sort();
      for (const d of ds) if (!kinds.has(d)) throw new Error(`graph edge ${n.key} -> ${d}: no such node`);
      deps.set(n.key, ds);
    }
    const result = topologicalOrder([...kinds.keys()], deps);
    if ('cycle' in result) {
      const path = result.cycle.join(' -> ');
      throw new KopsError('DependencyCycle', `the tasks depend on each other in a cycle: ${path}`, {
        diagnostics: [error('DependencyCycle', `dependency cycle: ${path}`, { task: result.cycle[0] ?? '', hint: 'a task cannot (even indirectly) refer to itself; fix the model builder that made these refs' })],
      });
    }
    return new Graph(kinds, deps, result.order);
  }

  get size(): number {
    return this.kinds.size;
  }

  has(key: TaskKey): boolean {
    return this.kinds.has(key);
  }

  /** All keys, sorted. */
  keys(): TaskKey[] {
    return [...this.kinds.keys()].sort();
  }

  kindOf(key: TaskKey): string {
    return this.kinds.get(key) ?? key.slice(0, key.indexOf('/'));
  }

  /** What `key` depends on (runs before it), sorted. */
  dependencies(key: TaskKey): readonly TaskKey[] {
    return this.deps.get(key) ?? [];
  }

  /** What depends on `key` (runs after it), sorted. */
  dependents(key: TaskKey): readonly TaskKey[] {
    return this.rdeps.get(key) ?? [];
  }

  /** Every key that depends on `key`, directly or not, sorted. */
  transitiveDependents(key: TaskKey): TaskKey[] {
    const seen = new Set<TaskKey>();
    const stack = [...this.dependents(key)];
    while (stack.length > 0) {
      const k = stack.pop() as TaskKey;
      if (seen.has(k)) continue;
      seen.add(k);
      stack.push(...this.dependents(k));
    }
    return [...seen].sort();
  }

  /** A topological order: dependencies first; ties broken by key, so the order is deterministic. */
  order(): readonly TaskKey[] {
    return this.topo;
  }

  /** The position of `key` in `order()` (used to start ready tasks deterministically). */
  indexOf(key: TaskKey): number {
    return this.position.get(key) ?? -1;
  }
}

/** Kahn's algorithm with a sorted ready list; on a cycle, the path of one cycle. */
export function topologicalOrder(
  keys: readonly TaskKey[],
  deps: ReadonlyMap<TaskKey, readonly TaskKey[]>,
): { order: TaskKey[] } | { cycle: TaskKey[] } {
  const waiting = new Map<TaskKey, number>();
  const rdeps = new Map<TaskKey, TaskKey[]>();
  for (const k of keys) {
    waiting.set(k, (deps.get(k) ?? []).length);
    for (const d of deps.get(k) ?? []) rdeps.set(d, [...(rdeps.get(d) ?? []), k]);
  }
  const ready = keys.filter((k) => waiting.get(k) === 0).sort();
  const order: TaskKey[] = [];
  while (ready.length > 0) {
    const k = ready.shift() as TaskKey;
    order.push(k);
    for (const r of rdeps.get(k) ?? []) {
      const n = (waiting.get(r) ?? 0) - 1;
      waiting.set(r, n);
      if (n === 0) insertSorted(ready, r);
    }
  }
  if (order.length === keys.length) return { order };
  const stuck = new Set(keys.filter((k) => (waiting.get(k) ?? 0) > 0));
  return { cycle: findCycle([...stuck].sort(), deps, stuck) };
}

function insertSorted(list: TaskKey[], k: TaskKey): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as TaskKey) < k) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, k);
}

/**
 * One cycle among `within` (every node there is on or behind a cycle), as a path that starts and
 * ends with the same key: `A -> B -> A`. Iterative DFS, so deep graphs cannot overflow the stack.
 */
function findCycle(start: readonly TaskKey[], deps: ReadonlyMap<TaskKey, readonly TaskKey[]>, within: ReadonlySet<TaskKey>): TaskKey[] {
  const state = new Map<TaskKey, 'open' | 'closed'>();
  for (const root of start) {
    if (state.has(root)) continue;
    const path: TaskKey[] = [root];
    const iters: number[] = [0];
    state.set(root, 'open');
    while (path.length > 0) {
      const k = path[path.length - 1] as TaskKey;
      const next = (deps.get(k) ?? []).filter((d) => within.has(d));
      const i = iters[iters.length - 1] as number;
      if (i >= next.length) {
        state.set(k, 'closed');
        path.pop();
        iters.pop();
        continue;
      }
      iters[iters.length - 1] = i + 1;
      const d = next[i] as TaskKey;
      if (state.get(d) === 'open') return [...path.slice(path.indexOf(d)), d];
      if (!state.has(d)) {
        state.set(d, 'open');
        path.push(d);
        iters.push(0);
      }
    }
  }
  return [...start];
}

/** What `buildGraph` needs of a registry: whether a kind exists. */
export interface KindLookup {
  has(kind: string): boolean;
  kinds(): string[];
}

/**
 * The graph of a set of tasks. Every problem is collected before throwing one `KopsError` whose
 * diagnostics list them all (`DuplicateTask`, `UnknownTaskKind`, `UnknownRef`); a cycle is
 * `DependencyCycle`.
 */
export function buildGraph(tasks: readonly Task[], registry?: KindLookup): Graph {
  const diags: Diagnostic[] = [];
  const keys = new Set<TaskKey>();
  for (const t of tasks) {
    const key = taskKey(t.kind, t.name);
    if (keys.has(key)) diags.push(error('DuplicateTask', `two tasks have the key ${key}`, { task: key, hint: 'task names must be unique within a kind; fix the model builder that emitted both' }));
    keys.add(key);
  }
  if (registry) {
    for (const kind of new Set(tasks.map((t) => t.kind))) {
      if (!registry.has(kind)) diags.push(error('UnknownTaskKind', `no task kind "${kind}" is registered (known kinds: ${registry.kinds().join(', ') || 'none'})`, { hint: 'register the kind in the provider\'s task registry' }));
    }
  }
  const deps = new Map<TaskKey, TaskKey[]>();
  for (const t of tasks) {
    const key = taskKey(t.kind, t.name);
    const list = deps.get(key) ?? [];
    for (const { ref, path } of taskRefs(t)) {
      const target = refKey(ref);
      if (keys.has(target)) list.push(target);
      else diags.push(unknownRef(key, target, path, keys));
    }
    deps.set(key, list);
  }
  if (diags.length > 0) {
    const first = diags[0] as Diagnostic;
    const more = diags.length > 1 ? ` (and ${diags.length - 1} more problem${diags.length > 2 ? 's' : ''})` : '';
    throw new KopsError(first.code, `${first.task ? `${first.task}: ` : ''}${first.summary}${more}`, { diagnostics: diags });
  }
  const seen = new Set<TaskKey>();
  const nodes: GraphNode[] = [];
  for (const t of tasks) {
    const key = taskKey(t.kind, t.name);
    if (!seen.has(key)) nodes.push({ key, kind: t.kind });
    seen.add(key);
  }
  return Graph.of(nodes, deps);
}

function unknownRef(from: TaskKey, target: TaskKey, path: string, keys: ReadonlySet<TaskKey>): Diagnostic {
  const near = closest(target, keys);
  const kind = target.slice(0, target.indexOf('/'));
  const sameKind = [...keys].filter((k) => k.startsWith(`${kind}/`)).sort();
  let hint: string;
  if (near.length > 0) hint = `did you mean ${near.join(', ')}?`;
  else if (sameKind.length > 0) hint = `known ${kind} tasks: ${sameKind.slice(0, 10).join(', ')}${sameKind.length > 10 ? ', ...' : ''}`;
  else hint = `there is no task of kind ${kind}; fix the model builder that made this ref`;
  return error('UnknownRef', `${path} refers to ${target}, which is not a task`, { task: from, hint });
}
