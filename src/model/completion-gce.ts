/**
 * GCE completion (kops's `gce.PerformNetworkAssignments` for a new network): subnet regions from
 * the instance groups' zones, and the ranges kops allocates from 10.0.0.0/8 when the spec gives
 * none. kops allocates against the ranges the live network already uses; completion is pure and
 * allocates against the ranges the spec already names (the same result for a network kops-ts
 * creates, which is new and empty).
 *
 *  - Routes-based networking (kubenet, cilium, calico...): each subnet without a range gets the
 *    next free /20.
 *  - IP-alias networking (`gce`/`gcp`, kindnet; exactly one subnet): pods a /14, services a /16,
 *    the nodes' subnet a /19, and `nonMasqueradeCIDR` 10.0.0.0/8.
 *
 * kops's allocator steps through the network from its first block and never offers the first
 * one, so a new network's first /20 is 10.0.16.0/20, and IP alias gives pods 10.4.0.0/14,
 * services 10.1.0.0/16, nodes 10.0.32.0/19.
 */
import { makeCidr, overlaps, parseCidr, type Cidr } from './cidr.js';
import type { ClusterSpec, InstanceGroup } from './api/types.js';
import { regionOfZone } from './validation-util.js';

export const GCE_NETWORK_RANGE = '10.0.0.0/8';

/** Whether the cluster's pods take alias ranges of the subnet (kops's `UsesIPAliases`). */
export function gceUsesIPAliases(spec: ClusterSpec): boolean {
  const n = (spec.networking ?? {}) as Record<string, unknown>;
  return n['gce'] != null || n['gcp'] != null || n['kindnet'] != null;
}

/** kops's `CIDRMap.Allocate`: the first block of `bits` after the network's first that overlaps none used. */
export function allocateGceRange(used: Cidr[], bits: number, from: string = GCE_NETWORK_RANGE): string | undefined {
  const network = parseCidr(from);
  if (!network) return undefined;
  const size = 1n << BigInt(32 - bits);
  for (let start = network.start + size; start < network.start + network.size; start += size) {
    const candidate = makeCidr('ipv4', start, bits);
    if (!used.some((u) => overlaps(u, candidate))) {
      used.push(candidate);
      return candidate.text;
    }
  }
  return undefined;
}

export function completeGceNetwork(spec: ClusterSpec, igs: readonly InstanceGroup[]): void {
  const subnets = spec.subnets ?? [];
  for (const s of subnets) {
    if (s.region != null || s.zone != null) continue;
    const zone = igs.find((ig) => ig.spec?.subnets?.includes(s.name) && (ig.spec.zones ?? []).length > 0)?.spec.zones?.[0];
    if (zone) s.region = regionOfZone(zone, 'gce');
  }
  const used: Cidr[] = [];
  for (const text of [spec.podCIDR, spec.serviceClusterIPRange, ...subnets.map((s) => s.cidr)]) {
    const c = parseCidr(text);
    if (c?.kind === 'ipv4') used.push(c);
  }
  if (gceUsesIPAliases(spec)) {
    if (subnets.length !== 1) return; // validation says an IP-alias cluster has one subnet
    const node = subnets[0]!;
    if (spec.podCIDR != null && spec.serviceClusterIPRange != null && (node.cidr != null || node.id != null)) return;
    spec.podCIDR ??= allocateGceRange(used, 14);
    spec.serviceClusterIPRange ??= allocateGceRange(used, 16);
    if (node.cidr == null && node.id == null) {
      const cidr = allocateGceRange(used, 19);
      if (cidr) node.cidr = cidr;
    }
    // kops sets it whatever it was: the pods and services are now inside the network.
    spec.nonMasqueradeCIDR = GCE_NETWORK_RANGE;
    return;
  }
  for (const s of subnets) {
    if (s.cidr != null || s.id != null) continue;
    const cidr = allocateGceRange(used, 20);
    if (cidr) s.cidr = cidr;
  }
}
