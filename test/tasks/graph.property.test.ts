/** Property tests: any DAG orders every edge correctly; any back edge is found as a cycle. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { buildGraph } from '../../src/tasks/graph.js';
import { ref, type Task } from '../../src/tasks/types.js';

/** A random DAG: node i may only depend on nodes j < i (names shuffled so keys don't follow the order). */
const dag = fc
  .integer({ min: 1, max: 40 })
  .chain((n) =>
    fc.record({
      names: fc.shuffledSubarray(
        Array.from({ length: 200 }, (_, i) => `t${i}`),
        { minLength: n, maxLength: n },
      ),
      edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 3 }),
    }),
  )
  .map(({ names, edges }) => {
    const deps = names.map(() => new Set<number>());
    for (const [a, b] of edges) if (a !== b) deps[Math.max(a, b)]?.add(Math.min(a, b));
    return { names, deps: deps.map((s) => [...s]) };
  });

function tasksOf(names: string[], deps: number[][]): Task[] {
  return names.map((name, i) => ({
    kind: i % 2 === 0 ? 'A' : 'B',
    name,
    // Half the edges as nested refs in desired, half as dependsOn.
    desired: { refs: (deps[i] ?? []).filter((_, k) => k % 2 === 0).map((j) => ({ r: ref(j % 2 === 0 ? 'A' : 'B', names[j] as string) })) },
    dependsOn: (deps[i] ?? []).filter((_, k) => k % 2 === 1).map((j) => ref(j % 2 === 0 ? 'A' : 'B', names[j] as string)),
  }));
}

const key = (names: string[], i: number) => `${i % 2 === 0 ? 'A' : 'B'}/${names[i]}`;

describe('graph properties', () => {
  it('the topological order contains every task once and respects every edge', () => {
    fc.assert(
      fc.property(dag, ({ names, deps }) => {
        const g = buildGraph(tasksOf(names, deps));
        const order = g.order();
        expect([...order].sort()).toEqual(names.map((_, i) => key(names, i)).sort());
        const pos = new Map(order.map((k, i) => [k, i]));
        deps.forEach((ds, i) => {
          for (const j of ds) expect(pos.get(key(names, j))).toBeLessThan(pos.get(key(names, i)) as number);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('the order is deterministic whatever order the tasks come in', () => {
    fc.assert(
      fc.property(dag, fc.integer(), ({ names, deps }, seed) => {
        const tasks = tasksOf(names, deps);
        const shuffled = [...tasks].sort((a, b) => ((a.name.length * 31 + seed) % 7) - ((b.name.length * 31 + seed) % 7) || (a.name < b.name ? 1 : -1));
        expect(buildGraph(shuffled).order()).toEqual(buildGraph(tasks).order());
      }),
      { numRuns: 100 },
    );
  });

  it('adding a back edge along any dependency path is reported as a cycle through it', () => {
    const withPath = dag.filter(({ deps }) => deps.some((d) => d.length > 0));
    fc.assert(
      fc.property(withPath, fc.nat(), ({ names, deps }, pick) => {
        // Follow dependencies from some node down to a node with none, then make that one depend on the start.
        const starts = deps.map((d, i) => (d.length > 0 ? i : -1)).filter((i) => i >= 0);
        const start = starts[pick % starts.length] as number;
        let end = start;
        while ((deps[end] ?? []).length > 0) end = (deps[end] as number[])[0] as number;
        const cyclic = deps.map((d, i) => (i === end ? [...d, start] : d));
        let err: unknown;
        try {
          buildGraph(tasksOf(names, cyclic));
        } catch (e) {
          err = e;
        }
        expect(KopsError.is(err, 'DependencyCycle')).toBe(true);
        const path = (err as KopsError).message.split(': ').pop()?.split(' -> ') ?? [];
        expect(path[0]).toBe(path[path.length - 1]);
        // Every step of the reported path is a real edge of the cyclic graph.
        const edges = new Set(cyclic.flatMap((ds, i) => ds.map((j) => `${key(names, i)}>${key(names, j)}`)));
        for (let s = 0; s + 1 < path.length; s++) expect(edges.has(`${path[s]}>${path[s + 1]}`)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
