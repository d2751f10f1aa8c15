/** Property tests of the generic diff (src/tasks/diff.ts) that every kind relies on. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffViews, valuesEqual } from '../../src/tasks/diff.js';
import { UNKNOWN, type FieldRule } from '../../src/tasks/types.js';

const scalar = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean());
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 5 }), fc.dictionary(fc.string({ maxLength: 4 }), scalar, { maxKeys: 4 }));
const view = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), value, { maxKeys: 8 });
const rule: fc.Arbitrary<FieldRule> = fc.record(
  { mode: fc.constantFrom('in-place' as const, 'replace' as const), compare: fc.constantFrom('exact' as const, 'set' as const, 'tags' as const) },
  { requiredKeys: [] },
);

describe('diffViews properties', () => {
  it('a view diffed against itself is empty, whatever the rules', () => {
    fc.assert(
      fc.property(view, fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), rule), (v, rules) => {
        expect(diffViews(v, v, rules)).toEqual([]);
      }),
    );
  });

  it('set comparison ignores order (and exact comparison does not)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 5 }), { minLength: 2, maxLength: 8 }), fc.nat(), (arr, seed) => {
        const rotated = [...arr.slice(seed % arr.length), ...arr.slice(0, seed % arr.length)].reverse();
        expect(diffViews({ f: arr }, { f: rotated }, { f: { compare: 'set' } })).toEqual([]);
        expect(valuesEqual(arr, rotated, { compare: 'exact' })).toBe(arr.every((x, i) => x === rotated[i]));
      }),
    );
  });

  it('set comparison still sees a missing or extra element', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 8 }), (arr) => {
        expect(diffViews({ f: arr }, { f: arr.slice(1) }, { f: { compare: 'set' } })).toHaveLength(1);
        expect(diffViews({ f: arr.slice(1) }, { f: arr }, { f: { compare: 'set' } })).toHaveLength(1);
      }),
    );
  });

  it('tags comparison ignores extra actual keys but not changed desired ones', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.string({ maxLength: 5 })), fc.string({ maxLength: 5 }), (tags, extra) => {
        const actual = { ...tags, 'aws:extra': extra };
        expect(diffViews({ tags: actual }, { tags }, { tags: { compare: 'tags' } })).toEqual([]);
        const changed = { ...tags, owner: `${tags.owner ?? ''}x` };
        expect(diffViews({ tags: actual }, { tags: changed }, { tags: { compare: 'tags' } })).toHaveLength(1);
      }),
    );
  });

  it('undefined desired fields are never changes and UNKNOWN always is', () => {
    fc.assert(
      fc.property(view, fc.string({ minLength: 1, maxLength: 6 }), (actual, field) => {
        expect(diffViews(actual, { [field]: undefined }, {})).toEqual([]);
        const [c] = diffViews(actual, { [field]: UNKNOWN }, { [field]: { mode: 'replace' } });
        expect(c?.after).toBe(UNKNOWN);
        expect(c?.forcesReplacement).toBe(true);
      }),
    );
  });
});
