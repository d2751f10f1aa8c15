/** The one edit distance of the "did you mean" suggestions: each kind of edit counts one, a swap included. */
import { describe, expect, it } from 'vitest';
import { editDistance } from '../../src/text/edit-distance.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['clusters', 'clusters', 0],
    // one edit of each kind
    ['clusters', 'clsuters', 1], // swap of two neighbours
    ['ab', 'ba', 1],
    ['cluster', 'clusters', 1], // insert
    ['clusters', 'cluster', 1], // delete
    ['secrets', 'secrats', 1], // substitute
    ['instancegroups', 'instancegrops', 1],
    // combinations
    ['kitten', 'sitting', 3],
    ['clsuter', 'clusters', 2], // a swap and an insert
    ['abcd', 'badc', 2], // two swaps
    ['ca', 'abc', 3], // optimal string alignment: no substring edited twice (Damerau would say 2)
    ['abc', 'cba', 2], // not neighbours: two substitutions
    ['Vpc', 'VPC', 2], // case counts; callers lower-case
  ])('%j to %j is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});
