/**
 * CIDR arithmetic for the spec (IPv4 and IPv6 parsing through ipaddr.js; splitting is IPv4, as
 * kops's automatic subnet assignment is).
 */
import ipaddr from 'ipaddr.js';

export interface Cidr {
  readonly text: string;
  readonly kind: 'ipv4' | 'ipv6';
  readonly bits: number;
  /** First address as a bigint, and the number of addresses. */
  readonly start: bigint;
  readonly size: bigint;
}

function toBigInt(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return addr.toByteArray().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

/** Parses `a.b.c.d/n` or an IPv6 CIDR; `undefined` when it is not one. Host bits must be zero. */
export function parseCidr(text: string): Cidr | undefined {
  if (typeof text !== 'string' || !text.includes('/')) return undefined;
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(text);
  } catch {
    return undefined;
  }
  const [addr, bits] = parsed;
  const kind = addr.kind();
  const width = kind === 'ipv4' ? 32 : 128;
  const size = 1n << BigInt(width - bits);
  const start = toBigInt(addr);
  if (start % size !== 0n) return undefined;
  return { text, kind, bits, start, size };
}

/** Like parseCidr, but says why a string is not a usable CIDR. */
export function cidrProblem(text: string): string | undefined {
  if (typeof text !== 'string' || !text.includes('/')) return 'is not a CIDR (expected a.b.c.d/n)';
  try {
    const [addr, bits] = ipaddr.parseCIDR(text);
    const width = addr.kind() === 'ipv4' ? 32 : 128;
    if (toBigInt(addr) % (1n << BigInt(width - bits)) !== 0n) return `has host bits set (the network is ${networkOf(addr, bits)})`;
    return undefined;
  } catch {
    return 'is not a valid CIDR';
  }
}

function networkOf(addr: ipaddr.IPv4 | ipaddr.IPv6, bits: number): string {
  if (addr.kind() === 'ipv4') return `${ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${bits}`).toString()}/${bits}`;
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${bits}`).toString()}/${bits}`;
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return outer.kind === inner.kind && inner.start >= outer.start && inner.start + inner.size <= outer.start + outer.size;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.kind === b.kind && a.start < b.start + b.size && b.start < a.start + a.size;
}

function v4Text(start: bigint, bits: number): string {
  const n = Number(start);
  return `${[24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')}/${bits}`;
}

/** Splits an IPv4 network into 2^extraBits equal subnets (kops's SplitInto). */
export function splitInto(parent: Cidr, extraBits: number): Cidr[] {
  if (parent.kind !== 'ipv4') throw new Error(`cannot split ${parent.text}: only IPv4 networks are split automatically`);
  const bits = parent.bits + extraBits;
  if (bits > 32) throw new Error(`cannot split ${parent.text} into ${2 ** extraBits} subnets`);
  const size = 1n << BigInt(32 - bits);
  return Array.from({ length: 2 ** extraBits }, (_, i) => parseCidr(v4Text(parent.start + BigInt(i) * size, bits))!);
}
