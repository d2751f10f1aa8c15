/**
 * The label selector as the API server reads it (apimachinery's LabelSelectorAsSelector):
 * matchLabels AND every matchExpressions requirement; a null selector matches nothing, `{}` all.
 */
import { describe, expect, it } from 'vitest';
import { selectorMatches, type LabelSelector } from '../../src/kube/label-selector.js';

const web = { app: 'web', tier: 'frontend' };
const db = { app: 'db', tier: 'backend', 'example.com/critical': '' };
const bare = {};

function picks(sel: LabelSelector | null | undefined): string[] {
  return Object.entries({ web, db, bare })
    .filter(([, l]) => selectorMatches(sel, l))
    .map(([n]) => n);
}

describe('selectorMatches', () => {
  it('null or absent selects nothing; an empty selector selects everything (policy/v1)', () => {
    expect(picks(null)).toEqual([]);
    expect(picks(undefined)).toEqual([]);
    expect(picks({})).toEqual(['web', 'db', 'bare']);
    expect(picks({ matchLabels: {}, matchExpressions: [] })).toEqual(['web', 'db', 'bare']);
  });

  it('matchLabels: every pair must be present with its value', () => {
    expect(picks({ matchLabels: { app: 'web' } })).toEqual(['web']);
    expect(picks({ matchLabels: { app: 'web', tier: 'backend' } })).toEqual([]);
    // An empty value is a value: the key must be there, set to "".
    expect(picks({ matchLabels: { 'example.com/critical': '' } })).toEqual(['db']);
  });

  it('In: the key is set to one of the values', () => {
    expect(picks({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'cache'] }] })).toEqual(['web']);
    expect(picks({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] })).toEqual(['web', 'db']);
  });

  it('NotIn: the key is unset, or set to none of the values', () => {
    expect(picks({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] })).toEqual(['db', 'bare']);
  });

  it('Exists and DoesNotExist look at the key only', () => {
    expect(picks({ matchExpressions: [{ key: 'example.com/critical', operator: 'Exists' }] })).toEqual(['db']);
    expect(picks({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] })).toEqual(['bare']);
  });

  it('matchLabels and matchExpressions are ANDed, as are the requirements', () => {
    const sel: LabelSelector = {
      matchLabels: { tier: 'backend' },
      matchExpressions: [
        { key: 'app', operator: 'In', values: ['db', 'web'] },
        { key: 'example.com/critical', operator: 'Exists' },
      ],
    };
    expect(picks(sel)).toEqual(['db']);
    expect(picks({ ...sel, matchExpressions: [...sel.matchExpressions!, { key: 'app', operator: 'NotIn', values: ['db'] }] })).toEqual([]);
  });

  it('an operator the API does not define matches nothing', () => {
    expect(picks({ matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] })).toEqual([]);
  });

  it('a label named like an Object property is only a label when the object has it', () => {
    expect(selectorMatches({ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, {})).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'toString', operator: 'DoesNotExist' }] }, {})).toBe(true);
  });
});
