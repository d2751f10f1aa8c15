/**
 * CIDR arithmetic for the spec: parsing (as strictly as Go's net.ParseCIDR, which kops uses),
 * containment, overlap, and cutting a network into subnets (kops's SplitInto).
 *
 * Addresses are held as bigints so that IPv4 and IPv6 share one code path.
 */
import ipaddr from 'ipaddr.js';

export interface Cidr {
  /** The canonical text, e.g. `10.0.0.0/16` or `2001:db8::/56`. */
  readonly text: string;
  readonly kind: 'ipv4' | 'ipv6';
  /** The prefix length. */
  readonly bits: number;
  /** The first address, and the number of addresses. */
  readonly start: bigint;
  readonly size: bigint;
}

const WIDTH = { ipv4: 32, ipv6: 128 } as const;

function toBigInt(bytes: number[]): bigint {
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

function toAddress(kind: Cidr['kind'], n: bigint): string {
  const bytes: number[] = [];
  for (let i = WIDTH[kind] / 8 - 1; i >= 0; i--) bytes.push(Number((n >> BigInt(i * 8)) & 255n));
  return ipaddr.fromByteArray(bytes).toString();
}

/** A CIDR from its parts; `start` is masked to the prefix. */
export function makeCidr(kind: Cidr['kind'], start: bigint, bits: number): Cidr {
  const size = 1n << BigInt(WIDTH[kind] - bits);
  const network = start - (start % size);
  return { text: `${toAddress(kind, network)}/${bits}`, kind, bits, start: network, size };
}

/** Address and prefix, read as Go's net.ParseCIDR reads them (dotted quad, decimal prefix). */
function parseParts(text: string): { kind: Cidr['kind']; addr: bigint; bits: number } | undefined {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const [, addrText, bitsText] = m as unknown as [string, string, string];
  let kind: Cidr['kind'];
  if (ipaddr.IPv4.isValidFourPartDecimal(addrText)) kind = 'ipv4';
  else if (addrText.includes(':') && ipaddr.IPv6.isValid(addrText)) kind = 'ipv6';
  else return undefined;
  const bits = Number(bitsText);
  if (bits > WIDTH[kind]) return undefined;
  return { kind, addr: toBigInt(ipaddr.parse(addrText).toByteArray()), bits };
}

/** Parses `a.b.c.d/n` or an IPv6 CIDR; `undefined` when it is not one or has host bits set. */
export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const p = parseParts(text);
  if (!p) return undefined;
  const c = makeCidr(p.kind, p.addr, p.bits);
  return c.start === p.addr ? c : undefined;
}

/** Why `text` is not a usable CIDR (with kops's "did you mean"), or `undefined` when it is one. */
export function cidrProblem(text: string): string | undefined {
  const p = parseParts(text);
  if (!p) {
    if (!text.includes('/') && ipaddr.isValid(text) && (ipaddr.IPv4.isValidFourPartDecimal(text) || text.includes(':'))) {
      return `is not a valid CIDR (did you mean "${text}/${text.includes(':') ? 64 : 32}"?)`;
    }
    return 'is not a valid CIDR';
  }
  const c = makeCidr(p.kind, p.addr, p.bits);
  return c.start === p.addr ? undefined : `has bits set outside its prefix (did you mean "${c.text}"?)`;
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return outer.kind === inner.kind && inner.start >= outer.start && inner.start + inner.size <= outer.start + outer.size;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.kind === b.kind && a.start < b.start + b.size && b.start < a.start + a.size;
}

/** kops's SplitInto: cuts `parent` into 2^extraBits equal subnets, in address order. */
export function split(parent: Cidr, extraBits: number): Cidr[] {
  const bits = parent.bits + extraBits;
  if (extraBits < 0 || bits > WIDTH[parent.kind]) throw new RangeError(`cannot split ${parent.text} into /${bits} subnets`);
  const size = parent.size >> BigInt(extraBits);
  return Array.from({ length: 2 ** extraBits }, (_, i) => makeCidr(parent.kind, parent.start + BigInt(i) * size, bits));
}

/** The number of extra prefix bits kops uses for `count` subnets: 1, 2, 4 or 8 pieces (at most 8). */
export function splitBitsFor(count: number): number {
  return count <= 1 ? 0 : count <= 2 ? 1 : count <= 4 ? 2 : 3;
}

/** The first `count` subnets of prefix length `bits` inside `parent`. */
export function subnetsOfSize(parent: Cidr, bits: number, count: number): Cidr[] {
  if (bits < parent.bits || bits > WIDTH[parent.kind]) throw new RangeError(`${parent.text} has no /${bits} subnets`);
  const size = 1n << BigInt(WIDTH[parent.kind] - bits);
  if (BigInt(count) * size > parent.size) throw new RangeError(`${parent.text} holds fewer than ${count} /${bits} subnets`);
  return Array.from({ length: count }, (_, i) => makeCidr(parent.kind, parent.start + BigInt(i) * size, bits));
}

/** The upper half of a network (how kops derives podCIDR from nonMasqueradeCIDR). */
export function upperHalf(parent: Cidr): Cidr {
  return split(parent, 1)[1]!;
}
