import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrProblem, contains, makeCidr, overlaps, parseCidr, split, splitBitsFor, subnetsOfSize, upperHalf } from '../../src/model/cidr.js';

const cidr = (t: string) => {
  const c = parseCidr(t);
  if (!c) throw new Error(`not a CIDR: ${t}`);
  return c;
};

describe('parseCidr', () => {
  it('reads IPv4 and IPv6 networks', () => {
    expect(cidr('172.20.0.0/16')).toMatchObject({ kind: 'ipv4', bits: 16, size: 65536n, text: '172.20.0.0/16' });
    expect(cidr('2001:db8::/56')).toMatchObject({ kind: 'ipv6', bits: 56, text: '2001:db8::/56' });
    expect(cidr('0.0.0.0/0').size).toBe(1n << 32n);
    expect(cidr('::/0').kind).toBe('ipv6');
  });

  it('rejects what Go net.ParseCIDR rejects, and host bits', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0.0', '10.0/8', '010.0.0.0/8', '10.0.0.0/-1', '10.0.0.0/ 8', 'abc/8', '', '10.0.0.1/8', '::1/200']) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
    expect(parseCidr(42)).toBeUndefined();
  });

  it('says why, with kops-style suggestions', () => {
    expect(cidrProblem('10.0.0.0/33')).toBe('is not a valid CIDR');
    expect(cidrProblem('10.0.0.1')).toBe('is not a valid CIDR (did you mean "10.0.0.1/32"?)');
    expect(cidrProblem('2001:db8::1')).toBe('is not a valid CIDR (did you mean "2001:db8::1/64"?)');
    expect(cidrProblem('10.0.0.1/16')).toBe('has bits set outside its prefix (did you mean "10.0.0.0/16"?)');
    expect(cidrProblem('10.0.0.0/16')).toBeUndefined();
  });
});

describe('contains and overlaps', () => {
  it('compare ranges of one family only', () => {
    expect(contains(cidr('172.20.0.0/16'), cidr('172.20.32.0/19'))).toBe(true);
    expect(contains(cidr('172.20.0.0/16'), cidr('172.21.0.0/19'))).toBe(false);
    expect(contains(cidr('172.20.32.0/19'), cidr('172.20.0.0/16'))).toBe(false);
    expect(overlaps(cidr('10.0.0.0/8'), cidr('10.5.0.0/16'))).toBe(true);
    expect(overlaps(cidr('10.0.0.0/24'), cidr('10.0.1.0/24'))).toBe(false);
    expect(overlaps(cidr('0.0.0.0/0'), cidr('::/0'))).toBe(false);
  });
});

describe('split (kops SplitInto)', () => {
  it('cuts a network into equal pieces in address order', () => {
    expect(split(cidr('172.20.0.0/16'), 2).map((c) => c.text)).toEqual(['172.20.0.0/18', '172.20.64.0/18', '172.20.128.0/18', '172.20.192.0/18']);
    expect(split(cidr('172.20.0.0/16'), 0).map((c) => c.text)).toEqual(['172.20.0.0/16']);
    expect(split(cidr('2001:db8::/56'), 1).map((c) => c.text)).toEqual(['2001:db8::/57', '2001:db8:0:80::/57']);
    expect(() => split(cidr('10.0.0.0/31'), 2)).toThrow(RangeError);
  });

  it('uses 1, 2, 4 or 8 pieces as kops does', () => {
    expect([1, 2, 3, 4, 5, 7, 8, 12].map(splitBitsFor)).toEqual([0, 1, 2, 2, 3, 3, 3, 3]);
  });

  it('gives the first N subnets of a size, and the upper half', () => {
    expect(subnetsOfSize(cidr('10.0.0.0/16'), 24, 3).map((c) => c.text)).toEqual(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24']);
    expect(() => subnetsOfSize(cidr('10.0.0.0/24'), 26, 5)).toThrow(RangeError);
    expect(upperHalf(cidr('100.64.0.0/10')).text).toBe('100.96.0.0/11');
  });

  it('pieces tile the parent exactly (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 28 }), fc.integer({ min: 0, max: 4 }), (addr, bits, extra) => {
        const parent = makeCidr('ipv4', BigInt(addr), bits);
        const pieces = split(parent, extra);
        expect(pieces).toHaveLength(2 ** extra);
        expect(pieces.every((p) => contains(parent, p) && parseCidr(p.text)?.start === p.start)).toBe(true);
        expect(pieces.reduce((n, p) => n + p.size, 0n)).toBe(parent.size);
        for (let i = 1; i < pieces.length; i++) expect(overlaps(pieces[i - 1]!, pieces[i]!)).toBe(false);
      }),
    );
  });
});
