/**
 * Completion of the network: the VPC and pod/service ranges, subnet CIDRs carved out of the
 * network as kops's `assignCIDRsToSubnets` carves them, DNS topology and how the API is reached.
 */
import { contains, overlaps, parseCidr, split, splitBitsFor, upperHalf, type Cidr } from './cidr.js';
import {
  DEFAULT_ACCESS,
  DEFAULT_AWS_NETWORK_CIDR,
  DEFAULT_NON_MASQUERADE_CIDR,
  DEFAULT_SERVICE_CLUSTER_IP_RANGE,
  DEFAULT_SERVICE_CLUSTER_IP_RANGE_IPV6,
} from './defaults.js';
import { normalizeRole, type ClusterSpec, type ClusterSubnetSpec, type InstanceGroup } from './api/types.js';

/** networkCIDR, nonMasqueradeCIDR, podCIDR, serviceClusterIPRange and subnet CIDRs. */
export function completeNetwork(spec: ClusterSpec, cloud: string | undefined): void {
  // A shared VPC's CIDR is the VPC's own: the cloud layer reads it, completion does not guess.
  if (cloud === 'aws' && !spec.networkID) spec.networkCIDR ??= DEFAULT_AWS_NETWORK_CIDR;
  if (spec.nonMasqueradeCIDR == null) {
    // With the Amazon VPC CNI, pods take VPC addresses, so nothing is masqueraded inside the VPC.
    const vpcCni = cloud === 'aws' && spec.networking?.amazonvpc != null && spec.networkCIDR;
    spec.nonMasqueradeCIDR = vpcCni ? spec.networkCIDR! : DEFAULT_NON_MASQUERADE_CIDR;
  }
  const nonMasquerade = parseCidr(spec.nonMasqueradeCIDR);
  if (nonMasquerade) {
    if (spec.podCIDR == null && nonMasquerade.kind === 'ipv4' && nonMasquerade.bits < 32) spec.podCIDR = upperHalf(nonMasquerade).text;
    spec.serviceClusterIPRange ??= nonMasquerade.kind === 'ipv6' ? DEFAULT_SERVICE_CLUSTER_IP_RANGE_IPV6 : DEFAULT_SERVICE_CLUSTER_IP_RANGE;
  }
  // GCE subnet ranges: completion-gce.ts (kops allocates them from 10.0.0.0/8, not from networkCIDR).
  if (cloud === 'aws' && spec.subnets && spec.networkCIDR) assignSubnetCIDRs(spec.subnets, spec.networkCIDR);
}

function needsCidr(s: ClusterSubnetSpec): boolean {
  // Shared subnets (by id) have their CIDR in the cloud; IPv6-only private subnets need none.
  return s.cidr == null && s.id == null && !(s.ipv6CIDR != null && s.type === 'Private');
}

function byZone(a: ClusterSubnetSpec, b: ClusterSubnetSpec): number {
  const za = a.zone ?? '';
  const zb = b.zone ?? '';
  return za < zb ? -1 : za > zb ? 1 : 0;
}

/**
 * kops's assignCIDRsToSubnets, in place: the network is cut into 1, 2, 4 or 8 equal blocks, one per
 * Public/Private/DualStack subnet plus (when there are Utility subnets) one more, the lowest, cut
 * again into eighths for the Utility subnets. Blocks overlapping a CIDR already given are skipped;
 * subnets are served in zone order. So 3 public zones in a /16 get /18s; 6 private zones get /19s
 * and their utility subnets /22s. Returns the names of subnets left without a CIDR (validation
 * reports them).
 */
export function assignSubnetCIDRs(subnets: ClusterSubnetSpec[], networkCIDR: string): string[] {
  const pending = subnets.filter(needsCidr);
  if (pending.length === 0) return [];
  const network = parseCidr(networkCIDR);
  if (!network || network.kind !== 'ipv4') return pending.map((s) => s.name);
  const big: ClusterSubnetSpec[] = [];
  const little: ClusterSubnetSpec[] = [];
  const reserved: Cidr[] = [];
  for (const s of subnets) {
    if (s.id != null && s.cidr == null) continue;
    const given = s.cidr == null ? undefined : parseCidr(s.cidr);
    if (s.cidr != null && (!given || !contains(network, given))) continue; // invalid, or in an additional network CIDR
    if (s.type === 'Utility') little.push(s);
    else if (s.type === 'Public' || s.type === 'Private' || s.type === 'DualStack') big.push(s);
    else continue;
    if (given) reserved.push(given);
  }
  big.sort(byZone);
  little.sort(byZone);
  const extra = splitBitsFor(big.length + (little.length > 0 ? 1 : 0));
  let blocks = network.bits + extra <= 32 ? split(network, extra) : [];
  blocks = blocks.filter((b) => !reserved.some((r) => overlaps(r, b)));
  if (little.length > 0 && blocks.length > 0) {
    const first = blocks.shift()!;
    const eighths = first.bits + 3 <= 32 ? split(first, 3) : [];
    for (const s of little) if (needsCidr(s) && eighths.length > 0) s.cidr = eighths.shift()!.text;
  }
  for (const s of big) if (needsCidr(s) && blocks.length > 0) s.cidr = blocks.shift()!.text;
  return subnets.filter(needsCidr).map((s) => s.name);
}

/**
 * DNS topology (None when there is no DNS zone, as `create cluster` decides) and how the API is
 * reached: with DNS None through a load balancer; otherwise as kops's populate step decides from
 * the control plane's subnets (a private one needs a load balancer, public ones get DNS records).
 */
export function completeTopologyAndAPI(spec: ClusterSpec, clusterName: string, igs: readonly InstanceGroup[], cloud: string | undefined): void {
  spec.topology ??= {};
  spec.topology.dns ??= { type: spec.dnsZone ? 'Public' : 'None' };
  spec.topology.dns.type ??= spec.dnsZone ? 'Public' : 'None';
  const dnsType = spec.topology.dns.type;
  spec.api ??= {};
  if (spec.api.dns == null && spec.api.loadBalancer == null) {
    // GCE: the API's Cloud DNS record points at the load balancer (src/model/gce/dns.ts).
    if (dnsType === 'None' || controlPlaneInPrivateSubnet(spec, igs) || cloud === 'gce') spec.api.loadBalancer = {};
    else spec.api.dns = {};
  }
  const lb = spec.api.loadBalancer;
  if (lb != null) {
    lb.type ??= 'Public';
    if (cloud === 'aws') lb.class ??= 'Network';
  }
  if (dnsType !== 'None' && spec.api.publicName == null) spec.masterPublicName ??= `api.${clusterName}`;
  spec.kubernetesApiAccess ??= [...DEFAULT_ACCESS];
  spec.sshAccess ??= [...DEFAULT_ACCESS];
}

function controlPlaneInPrivateSubnet(spec: ClusterSpec, igs: readonly InstanceGroup[]): boolean {
  const types = new Map((spec.subnets ?? []).map((s) => [s.name, s.type]));
  const apiServers = igs.filter((ig) => normalizeRole(ig.spec.role) === 'APIServer');
  const serving = apiServers.length > 0 ? apiServers : igs.filter((ig) => normalizeRole(ig.spec.role) === 'ControlPlane');
  return serving.some((ig) => (ig.spec.subnets ?? []).some((n) => types.get(n) === 'Private'));
}
