import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { rejectionOf, thrownBy } from './errors.js';

const kops = new KopsError('Nope', 'nope');
const plain = new TypeError('not a KopsError');
class OtherError extends Error {}

describe('thrownBy', () => {
  it('returns what the call throws, of the class asked for', () => {
    expect(thrownBy(() => { throw 'anything'; })).toBe('anything');
    expect(thrownBy(() => { throw kops; }, KopsError).code).toBe('Nope');
  });

  it('rethrows an error of another class unchanged, and fails when nothing is thrown', () => {
    expect(() => thrownBy(() => { throw plain; }, KopsError)).toThrow(plain);
    expect(() => thrownBy(() => 1)).toThrow(/^expected an error$/);
    expect(() => thrownBy(() => 1, KopsError)).toThrow(/^expected a KopsError$/);
  });
});

describe('rejectionOf', () => {
  it('returns what the promise rejects with, of the class asked for', async () => {
    expect(await rejectionOf(Promise.reject(plain))).toBe(plain);
    expect((await rejectionOf(Promise.reject(kops), KopsError)).code).toBe('Nope');
  });

  it('rethrows an error of another class unchanged, and fails when the promise resolves', async () => {
    await expect(rejectionOf(Promise.reject(kops), OtherError)).rejects.toBe(kops);
    await expect(rejectionOf(Promise.resolve(1))).rejects.toThrow(/^expected an error$/);
    await expect(rejectionOf(Promise.resolve(1), OtherError)).rejects.toThrow(/^expected an OtherError$/);
  });
});
