import { describe, expect, it } from 'vitest';
import { diffTask } from '../../src/tasks/diff.js';
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
