/**
 * Validation of the cluster's subnets: names, CIDRs (inside the network, off the pod and service
 * ranges, not overlapping each other), zones in one region, shared-subnet rules, egress, and the
 * utility subnets that private subnets need for their NAT gateways.
 */
import { contains, overlaps, type Cidr } from './cidr.js';
import type { ClusterSpec, ClusterSubnetSpec } from './api/types.js';
import type { NetworkRanges } from './validation-network.js';
import { checkCidr, isDnsLabel, regionOfZone, type Reporter } from './validation-util.js';

const EGRESS_PREFIXES = ['nat-', 'eipalloc-', 'i-', 'tgw-'];

export function validateSubnets(r: Reporter, spec: ClusterSpec, cloud: string | undefined, ranges: NetworkRanges): void {
  const subnets = spec.subnets ?? [];
  if (subnets.length === 0) {
    r.err('MissingSubnets', 'spec.subnets', 'the cluster has no subnets', 'add at least one subnet (create cluster --zones does)');
    return;
  }
  const names = new Set<string>();
  const cidrs: { i: number; cidr: Cidr }[] = [];
  subnets.forEach((s, i) => {
    const p = `spec.subnets[${i}]`;
    if (!isDnsLabel(s.name)) {
      r.err('InvalidName', `${p}.name`, `${JSON.stringify(s.name)} is not a valid subnet name`, 'use lower-case letters, digits and -, e.g. us-east-1a or utility-us-east-1a');
    } else if (names.has(s.name)) {
      r.err('DuplicateName', `${p}.name`, `subnet name ${s.name} is used twice`, 'give each subnet its own name');
    }
    names.add(s.name);
    const cidr = checkSubnetCidr(r, p, s, spec, ranges, cloud);
    if (!cidr) return;
    for (const other of cidrs) {
      if (overlaps(other.cidr, cidr)) r.err('OverlappingCIDR', `${p}.cidr`, `${s.cidr} overlaps spec.subnets[${other.i}].cidr ${other.cidr.text}`, 'subnets must not share addresses');
    }
    cidrs.push({ i, cidr });
  });
  checkZones(r, subnets, cloud);
  checkShared(r, subnets);
  subnets.forEach((s, i) => checkEgress(r, `spec.subnets[${i}]`, s, cloud));
  checkZoneEgress(r, subnets);
  if (cloud !== 'gce') checkUtilitySubnets(r, subnets); // GCE needs no utility subnets
}

/** Runs on the completed spec: a missing CIDR is one completion could not carve out of the network. */
function checkSubnetCidr(r: Reporter, p: string, s: ClusterSubnetSpec, spec: ClusterSpec, ranges: NetworkRanges, cloud: string | undefined): Cidr | undefined {
  if (s.ipv6CIDR != null) checkIPv6(r, `${p}.ipv6CIDR`, s.ipv6CIDR);
  if (s.ipv6CIDR?.startsWith('/') && spec.networkID != null && cloud === 'aws') {
    r.err('InvalidCIDR', `${p}.ipv6CIDR`, `${s.ipv6CIDR} counts /64s in the IPv6 block of a VPC kops-ts owns; the shared VPC ${spec.networkID} is the user's`, 'give the subnet a literal IPv6 /64 of the shared VPC\'s block');
  }
  if (s.cidr == null) {
    // Shared subnets and GCE subnets get theirs from the cloud; IPv6-only private ones need none.
    const needed = cloud === 'aws' && s.id == null && !(s.ipv6CIDR != null && s.type === 'Private');
    if (needed && ranges.networks.length > 0) {
      r.err('MissingCIDR', `${p}.cidr`, `subnet ${s.name} has no CIDR and none could be assigned from ${spec.networkCIDR}`, 'give the subnet a CIDR, or use a larger networkCIDR (kops carves at most 8 subnets automatically)');
    }
    return undefined;
  }
  const cidr = checkCidr(r, `${p}.cidr`, s.cidr, 'subnet CIDR');
  if (!cidr) return undefined;
  if (ranges.networks.length > 0 && !ranges.networks.some((n) => contains(n, cidr))) {
    r.err('CIDRNotContained', `${p}.cidr`, `${s.cidr} is not inside the network CIDR ${spec.networkCIDR}`, 'pick a subnet CIDR inside spec.networkCIDR (or an additionalNetworkCIDRs entry)');
  }
  if (ranges.pod && overlaps(ranges.pod, cidr) && spec.networking?.amazonvpc == null) {
    r.err('OverlappingCIDR', `${p}.cidr`, `${s.cidr} overlaps podCIDR ${spec.podCIDR}`, 'subnets must stay clear of the pod range');
  }
  if (ranges.service && overlaps(ranges.service, cidr)) {
    r.err('OverlappingCIDR', `${p}.cidr`, `${s.cidr} overlaps serviceClusterIPRange ${spec.serviceClusterIPRange}`, 'subnets must stay clear of the service range');
  }
  return cidr;
}

/** kops also accepts `/64#N`: "the N-th /64 of the VPC's IPv6 block", allocated at apply time. */
function checkIPv6(r: Reporter, path: string, value: string): void {
  if (/^\/\d{1,3}(#[0-9a-f]+)?$/.test(value)) return;
  const cidr = checkCidr(r, path, value, 'IPv6 CIDR');
  if (cidr && cidr.kind !== 'ipv6') r.err('InvalidCIDR', path, `${value} is not an IPv6 CIDR`, 'use an IPv6 CIDR, or /64#0 for the first /64 of the VPC');
}

/** Every subnet has a zone (AWS) or region (GCE), and all of them are in one region. */
function checkZones(r: Reporter, subnets: readonly ClusterSubnetSpec[], cloud: string | undefined): void {
  let first: { region: string; path: string } | undefined;
  subnets.forEach((s, i) => {
    const p = `spec.subnets[${i}]`;
    let region: string | undefined;
    if (cloud === 'gce') {
      if (s.region == null) r.err('MissingField', `${p}.region`, `subnet ${s.name} has no region`, 'set the GCE region, e.g. us-central1');
      if (s.zone != null) r.err('ZoneMismatch', `${p}.zone`, 'GCE subnets are regional and take no zone', 'remove the zone; instance groups list their zones');
      region = s.region ?? undefined;
    } else if (s.zone == null) {
      if (s.id == null) r.err('MissingField', `${p}.zone`, `subnet ${s.name} has no zone`, 'set the availability zone, e.g. us-east-1a');
    } else {
      region = regionOfZone(s.zone, cloud);
      if (s.region != null && s.region !== region) r.err('ZoneMismatch', `${p}.region`, `region ${s.region} does not hold zone ${s.zone}`, `use region ${region}, or remove it`);
    }
    if (region === undefined) return;
    if (!first) first = { region, path: p };
    else if (region !== first.region) {
      r.err('MixedRegions', `${p}.${cloud === 'gce' ? 'region' : 'zone'}`, `subnet ${s.name} is in region ${region}, but ${first.path} is in ${first.region}`, 'all subnets of a cluster must be in one region');
    }
  });
}

/** kops: subnets are either all shared (given by id) or all created; a mix is refused. */
function checkShared(r: Reporter, subnets: readonly ClusterSubnetSpec[]): void {
  const shared = subnets[0]?.id != null;
  subnets.forEach((s, i) => {
    if ((s.id != null) !== shared) r.err('MixedSharedSubnets', `spec.subnets[${i}].id`, 'subnets given by id (shared) and subnets to create cannot be mixed', 'give every subnet an id, or none');
  });
}

function checkEgress(r: Reporter, p: string, s: ClusterSubnetSpec, cloud: string | undefined): void {
  if (s.egress == null) return;
  if (cloud === 'gce') {
    // kops's gcemodel: a private subnet gets the cluster's Cloud NAT unless `External` opts it out.
    if (s.egress !== 'External') r.err('InvalidEgress', `${p}.egress`, `${s.egress} is not supported on GCE: only External (no Cloud NAT for this subnet: its egress is yours)`, "remove it to get the cluster's Cloud NAT, or set External");
    return;
  }
  if (s.egress !== 'External' && !EGRESS_PREFIXES.some((x) => s.egress!.startsWith(x))) {
    r.err('InvalidEgress', `${p}.egress`, `${s.egress} is not a NAT gateway (nat-), elastic IP (eipalloc-), instance (i-), transit gateway (tgw-) or External`, 'use an id of one of these, or External');
  } else if (s.egress !== 'External' && s.type !== 'Private' && s.type !== 'DualStack' && !(s.ipv6CIDR != null && s.type === 'Public')) {
    r.err('InvalidEgress', `${p}.egress`, 'egress can only be set on private (or IPv6 public) subnets', 'remove it');
  }
  if (cloud !== 'aws' && cloud !== 'gce') r.err('InvalidEgress', `${p}.egress`, 'egress is supported on AWS and GCE only', 'remove it');
}

/**
 * kops: the private subnets of a zone share one route table, hence one egress ("cannot mix egress
 * values in private or IPv6-capable subnets"). `External` subnets are not routed and do not count.
 */
function checkZoneEgress(r: Reporter, subnets: readonly ClusterSubnetSpec[]): void {
  const firstByZone = new Map<string, { i: number; egress: string }>();
  subnets.forEach((s, i) => {
    if ((s.type !== 'Private' && s.type !== 'DualStack') || s.id != null || s.egress === 'External' || s.zone == null) return;
    const egress = s.egress ?? '';
    const first = firstByZone.get(s.zone);
    if (!first) {
      firstByZone.set(s.zone, { i, egress });
    } else if (first.egress !== egress) {
      const show = (e: string) => (e === '' ? 'unset (a NAT gateway kops-ts creates)' : e);
      r.err(
        'MixedEgress',
        `spec.subnets[${i}].egress`,
        `private subnets in ${s.zone} route through one table, but ${s.name} has egress ${show(egress)} and spec.subnets[${first.i}] has ${show(first.egress)}`,
        `give every private subnet in ${s.zone} the same egress`,
      );
    }
  });
}

/**
 * A private subnet reaches the internet through a NAT gateway in a utility subnet of its zone:
 * the one kops-ts creates (egress unset) or one on the user's elastic IP (`eipalloc-`).
 */
function checkUtilitySubnets(r: Reporter, subnets: readonly ClusterSubnetSpec[]): void {
  const utilityZones = new Set(subnets.filter((s) => s.type === 'Utility').map((s) => s.zone));
  subnets.forEach((s, i) => {
    const needsNat = s.egress == null || s.egress.startsWith('eipalloc-');
    if (s.type !== 'Private' || !needsNat || s.zone == null || utilityZones.has(s.zone)) return;
    r.err(
      'MissingUtilitySubnet',
      `spec.subnets[${i}]`,
      `private subnet ${s.name} has no utility subnet in ${s.zone} for its NAT gateway`,
      `add a subnet of type Utility in ${s.zone} (create cluster --topology private adds utility-${s.zone}), or set egress`,
    );
  });
}
