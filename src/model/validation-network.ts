/** Validation of the network: CIDRs, subnets, zones, topology, API access. */
import { contains, overlaps, parseCidr } from './cidr.js';
import type { ClusterSpec } from './api/types.js';
import { checkCidr, DNS_LABEL, regionOfZone, type Reporter } from './validation-util.js';

export function validateNetwork(r: Reporter, spec: ClusterSpec, cloud: string | undefined): void {
  const networkOk = spec.networkCIDR !== undefined && checkCidr(r, 'spec.networkCIDR', spec.networkCIDR, 'network CIDR');
  const network = networkOk ? parseCidr(spec.networkCIDR!) : undefined;
  if (spec.nonMasqueradeCIDR !== undefined && checkCidr(r, 'spec.nonMasqueradeCIDR', spec.nonMasqueradeCIDR)) {
    const nm = parseCidr(spec.nonMasqueradeCIDR)!;
    if (network && overlaps(nm, network)) {
      r.err('OverlappingCIDR', 'spec.nonMasqueradeCIDR', `${spec.nonMasqueradeCIDR} overlaps the network CIDR ${spec.networkCIDR}`, 'pods and services need addresses outside the VPC; the default is 100.64.0.0/10');
    }
    for (const f of ['serviceClusterIPRange', 'podCIDR'] as const) {
      const v = spec[f];
      if (v !== undefined && checkCidr(r, `spec.${f}`, v) && !contains(nm, parseCidr(v)!)) {
        r.err('CIDRNotContained', `spec.${f}`, `${v} is not inside nonMasqueradeCIDR ${spec.nonMasqueradeCIDR}`);
      }
    }
  }
  spec.kubernetesApiAccess?.forEach((c, i) => checkAccess(r, `spec.kubernetesApiAccess[${i}]`, c));
  spec.sshAccess?.forEach((c, i) => checkAccess(r, `spec.sshAccess[${i}]`, c));
  validateSubnets(r, spec, network, cloud);
  const lb = spec.api?.loadBalancer;
  if (lb?.class === 'Classic') {
    r.err('UnsupportedLoadBalancer', 'spec.api.loadBalancer.class', 'Classic load balancers are not supported for the API (as in kops)', 'use class: Network');
  }
  if (spec.topology?.dns?.type && spec.topology.dns.type !== 'None' && !spec.dnsZone && !spec.api?.loadBalancer) {
    r.err('MissingDNSZone', 'spec.dnsZone', `DNS type ${spec.topology.dns.type} needs a hosted zone`, 'set spec.dnsZone (create cluster --dns-zone), or use topology.dns.type: None');
  }
  const cnis = Object.keys(spec.networking ?? {});
  if (spec.networking && cnis.length !== 1) {
    r.err('InvalidNetworking', 'spec.networking', cnis.length === 0 ? 'no networking option is set' : `only one networking option may be set, found ${cnis.join(', ')}`, 'set exactly one, e.g. cilium: {}');
  }
}

function checkAccess(r: Reporter, path: string, value: string): void {
  if (typeof value === 'string' && value.startsWith('pl-')) return; // an AWS prefix list, as kops allows
  checkCidr(r, path, value, 'access CIDR');
}

function validateSubnets(r: Reporter, spec: ClusterSpec, network: ReturnType<typeof parseCidr>, cloud: string | undefined): void {
  const subnets = spec.subnets ?? [];
  if (subnets.length === 0) {
    r.err('MissingSubnets', 'spec.subnets', 'the cluster has no subnets', 'add at least one subnet (create cluster --zones does)');
    return;
  }
  const names = new Set<string>();
  const regions = new Map<string, string>();
  const parsed: { i: number; cidr: NonNullable<ReturnType<typeof parseCidr>> }[] = [];
  subnets.forEach((s, i) => {
    const p = `spec.subnets[${i}]`;
    if (!s.name || !DNS_LABEL.test(s.name.toLowerCase())) r.err('InvalidName', `${p}.name`, `${JSON.stringify(s.name ?? '')} is not a valid subnet name`, 'use letters, digits and -');
    else if (names.has(s.name)) r.err('DuplicateSubnet', `${p}.name`, `subnet name ${s.name} is used twice`);
    names.add(s.name);
    if (!s.zone && cloud !== 'gce') r.err('MissingZone', `${p}.zone`, `subnet ${s.name} has no zone`, 'set the availability zone, e.g. us-east-1a');
    if (s.zone && !regions.has(regionOfZone(s.zone))) regions.set(regionOfZone(s.zone), `${p}.zone`);
    if (s.cidr === undefined) {
      // With an invalid network CIDR that is the one problem to report, not each subnet.
      if (!s.id && (network || spec.networkCIDR === undefined)) r.err('MissingCIDR', `${p}.cidr`, `subnet ${s.name} has no CIDR and none could be assigned from ${spec.networkCIDR}`, 'give the subnet a CIDR, or a larger networkCIDR');
      return;
    }
    if (!checkCidr(r, `${p}.cidr`, s.cidr, 'subnet CIDR')) return;
    const c = parseCidr(s.cidr)!;
    if (network && !spec.networkID && !contains(network, c)) {
      r.err('CIDRNotContained', `${p}.cidr`, `${s.cidr} is not inside the network CIDR ${spec.networkCIDR}`, 'pick a subnet CIDR inside spec.networkCIDR');
    }
    for (const other of parsed) {
      if (overlaps(other.cidr, c)) r.err('OverlappingCIDR', `${p}.cidr`, `${s.cidr} overlaps spec.subnets[${other.i}].cidr ${other.cidr.text}`, 'subnets must not share addresses');
    }
    parsed.push({ i, cidr: c });
  });
  if (regions.size > 1) {
    const [first, ...rest] = [...regions.entries()];
    for (const [region, path] of rest) {
      r.err('MixedRegions', path, `zone is in region ${region}, but ${first![1]} is in ${first![0]}`, 'all zones of a cluster must be in one region');
    }
  }
  const utilityZones = new Set(subnets.filter((s) => s.type === 'Utility').map((s) => s.zone));
  subnets.forEach((s, i) => {
    if (s.type === 'Private' && !s.egress && !s.id && !utilityZones.has(s.zone)) {
      r.err('MissingUtilitySubnet', `spec.subnets[${i}]`, `private subnet ${s.name} in ${s.zone} has no utility subnet in its zone for its NAT gateway`, 'add a subnet of type Utility in the same zone, or set egress');
    }
  });
}
