import { describe, expect, it } from 'vitest';
import { diffTask, valuesEqual } from '../../src/tasks/diff.js';
import type { RefResolver, Task, TaskKind } from '../../src/tasks/types.js';

interface D {
  readonly id?: string;
  readonly cidr?: string;
  readonly tags?: Record<string, string>;
}

const refs: RefResolver = { resolve: (v) => v as string, known: (v) => v as string };

function kindWith(updateShared: boolean): TaskKind<D, D, unknown> {
  return {
    kind: 'Thing',
    fields: { cidr: { mode: 'replace' }, tags: { compare: 'tags', ...(updateShared ? { updateShared: true } : {}) } },
    find: async () => new Map(),
    view: (d) => ({ cidr: d.cidr, tags: d.tags }),
    actualView: (a) => ({ cidr: a.cidr, tags: a.tags }),
    apply: async (_c, r) => r.desired,
    outputs: (a) => ({ id: a.id }),
  };
}

const shared: Task<D> = { kind: 'Thing', name: 't', shared: true, desired: { id: 'x-1', cidr: '10.0.0.0/16', tags: { owner: 'shared' } } };
const actual: D = { id: 'x-1', cidr: '10.9.0.0/16', tags: { Name: 'theirs' } };

describe('diff of shared tasks', () => {
  it('never changes a shared resource: a different replace-only field and missing tags are not a change', () => {
    expect(diffTask(kindWith(false), shared, actual, refs).action).toBe('noop');
  });

  it('updates only the fields a kind marks updateShared (in place, never a replace)', () => {
    const c = diffTask(kindWith(true), shared, actual, refs);
    expect(c.action).toBe('update');
    expect(c.fields.map((f) => [f.field, f.forcesReplacement])).toEqual([['tags', false]]);
    expect(diffTask(kindWith(true), shared, { ...actual, tags: { Name: 'theirs', owner: 'shared' } }, refs).action).toBe('noop');
  });
});

describe("compare: 'includes'", () => {
  it('asks only that the desired members be among the actual ones (others stay), and flags the change as additive', () => {
    const rule = { compare: 'includes' as const };
    expect(valuesEqual(['vpc-a', 'vpc-b'], ['vpc-b'], rule)).toBe(true);
    expect(valuesEqual(['vpc-a'], ['vpc-b'], rule)).toBe(false);
    expect(valuesEqual(undefined, ['vpc-b'], rule)).toBe(false);
    const kind: TaskKind<{ vpcs: string[] }, { vpcs: string[] }, unknown> = {
      kind: 'Zone',
      fields: { vpcs: { compare: 'includes', updateShared: true } },
      find: async () => new Map(),
      view: (d) => ({ vpcs: d.vpcs }),
      actualView: (a) => ({ vpcs: a.vpcs }),
      apply: async (_c, r) => r.desired,
      outputs: () => ({}),
    };
    const task = { kind: 'Zone', name: 'z', shared: true, desired: { vpcs: ['vpc-c'] } };
    const c = diffTask(kind, task, { vpcs: ['vpc-a'] }, refs);
    expect(c.fields).toEqual([{ field: 'vpcs', before: ['vpc-a'], after: ['vpc-c'], forcesReplacement: false, additive: true }]);
    expect(diffTask(kind, task, { vpcs: ['vpc-a', 'vpc-c'] }, refs).action).toBe('noop');
  });
});
