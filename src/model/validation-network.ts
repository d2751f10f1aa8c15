/**
 * Validation of the cluster network: the VPC CIDR, the pod and service ranges kops carves out of
 * nonMasqueradeCIDR, the admin access lists and the networking (CNI) option.
 */
import { contains, overlaps, type Cidr } from './cidr.js';
import type { ClusterSpec } from './api/types.js';
import { checkCidr, type Reporter } from './validation-util.js';

/** The parsed ranges other checks need (subnets must sit in the network, off pod/service ranges). */
export interface NetworkRanges {
  readonly networks: Cidr[];
  readonly pod?: Cidr;
  readonly service?: Cidr;
}

/** The CNIs kops-ts accepts (kops's current options; `kopeio` is kops's but not kops-ts's). */
export const SUPPORTED_NETWORKING = ['kubenet', 'cni', 'calico', 'cilium', 'flannel', 'kindnet', 'amazonvpc', 'kuberouter', 'gce'] as const;

export function validateNetwork(r: Reporter, spec: ClusterSpec, cloud: string | undefined): NetworkRanges {
  const networks: Cidr[] = [];
  if (spec.networkCIDR != null && cloud === 'gce') {
    r.err('UnsupportedField', 'spec.networkCIDR', 'GCE does not take a networkCIDR: kops allocates the subnet ranges in the VPC', 'remove spec.networkCIDR');
  } else if (spec.networkCIDR != null) {
    const network = checkCidr(r, 'spec.networkCIDR', spec.networkCIDR, 'network CIDR');
    if (network) networks.push(network);
  }
  const labels = networks.map(() => `spec.networkCIDR ${spec.networkCIDR ?? ''}`);
  const extra = spec.additionalNetworkCIDRs;
  if (Array.isArray(extra)) extra.forEach((c, i) => {
    const path = `spec.additionalNetworkCIDRs[${i}]`;
    const cidr = checkCidr(r, path, c, 'network CIDR');
    if (!cidr) return;
    if (cidr.kind !== 'ipv4') {
      r.err('InvalidCIDR', path, `${c} is not an IPv4 range: additional VPC ranges are IPv4 (the IPv6 block is Amazon's)`, 'give an IPv4 CIDR such as 10.1.0.0/16');
      return;
    }
    const clash = networks.findIndex((n) => overlaps(n, cidr));
    if (clash >= 0) {
      r.err('OverlappingCIDR', path, `${c} overlaps ${labels[clash] ?? 'another network range'}`, 'a VPC\'s ranges must not overlap; pick a range outside the others');
      return;
    }
    networks.push(cidr);
    labels.push(`${path} ${c}`);
  });
  const ranges = validateClusterRanges(r, spec, networks, cloud);
  for (const field of ['kubernetesApiAccess', 'sshAccess', 'nodePortAccess'] as const) {
    spec[field]?.forEach((c, i) => checkAccess(r, `spec.${field}[${i}]`, c, cloud));
  }
  validateNetworking(r, spec, cloud);
  return ranges;
}

function validateClusterRanges(r: Reporter, spec: ClusterSpec, networks: Cidr[], cloud: string | undefined): NetworkRanges {
  let nonMasquerade: Cidr | undefined;
  if (spec.nonMasqueradeCIDR != null) {
    nonMasquerade = checkCidr(r, 'spec.nonMasqueradeCIDR', spec.nonMasqueradeCIDR);
    if (nonMasquerade?.kind === 'ipv6' && spec.nonMasqueradeCIDR !== '::/0') {
      r.err('InvalidCIDR', 'spec.nonMasqueradeCIDR', `${spec.nonMasqueradeCIDR}: IPv6 clusters must have a nonMasqueradeCIDR of ::/0`, 'set nonMasqueradeCIDR: ::/0');
    } else if (nonMasquerade?.kind === 'ipv6' && cloud === 'aws') {
      // kops builds an egress-only gateway and NAT64 routes for these; kops-ts does not yet.
      r.err('UnsupportedIPv6', 'spec.nonMasqueradeCIDR', 'IPv6-only clusters are not supported by kops-ts yet (their egress-only gateway and NAT64 routes are not built)', 'use an IPv4 nonMasqueradeCIDR such as 100.64.0.0/10; subnets may still carry ipv6CIDR');
    }
    // With the Amazon VPC CNI (or Cilium's ENI IPAM) pods live in the VPC: overlap is the point.
    const podsInVpc = spec.networking?.amazonvpc != null || spec.networking?.cilium?.ipam === 'eni';
    const network = networks[0];
    if (nonMasquerade && network && !podsInVpc && overlaps(nonMasquerade, network)) {
      r.err(
        'OverlappingCIDR',
        'spec.nonMasqueradeCIDR',
        `${spec.nonMasqueradeCIDR} overlaps the network CIDR ${spec.networkCIDR}`,
        'pods and services need addresses outside the VPC; the default nonMasqueradeCIDR is 100.64.0.0/10',
      );
    }
  }
  let pod: Cidr | undefined;
  if (spec.podCIDR != null) {
    pod = checkCidr(r, 'spec.podCIDR', spec.podCIDR);
    if (pod && nonMasquerade && !contains(nonMasquerade, pod)) {
      r.err('CIDRNotContained', 'spec.podCIDR', `${spec.podCIDR} is not inside nonMasqueradeCIDR ${spec.nonMasqueradeCIDR}`, 'pick a podCIDR inside nonMasqueradeCIDR, or leave it unset');
    }
  }
  const service = spec.serviceClusterIPRange == null ? undefined : checkCidr(r, 'spec.serviceClusterIPRange', spec.serviceClusterIPRange);
  return { networks, ...(pod ? { pod } : {}), ...(service ? { service } : {}) };
}

function checkAccess(r: Reporter, path: string, value: string, cloud: string | undefined): void {
  if (typeof value === 'string' && value.startsWith('pl-')) {
    if (cloud !== 'aws') r.err('InvalidAccess', path, `${value}: prefix lists are supported on AWS only`, 'use a CIDR');
    return;
  }
  checkCidr(r, path, value, 'access CIDR');
}

/** Exactly one networking option, one kops-ts supports, on a cloud that has it. */
function validateNetworking(r: Reporter, spec: ClusterSpec, cloud: string | undefined): void {
  const set = Object.entries((spec.networking ?? {}) as Record<string, unknown>).filter(([, v]) => v != null).map(([k]) => k);
  if (set.length === 0) {
    r.err('MissingNetworking', 'spec.networking', 'no networking option is set', 'set exactly one, e.g. networking: {cilium: {}}');
    return;
  }
  if (set.length > 1) {
    r.err('InvalidNetworking', 'spec.networking', `only one networking option may be set, found ${set.join(', ')}`, 'keep exactly one');
  }
  for (const name of set) {
    const path = `spec.networking.${name}`;
    if (!(SUPPORTED_NETWORKING as readonly string[]).includes(name)) {
      r.err('UnsupportedNetworking', path, `networking ${name} is not supported by kops-ts`, `use one of ${SUPPORTED_NETWORKING.join(', ')}`);
    } else if (name === 'amazonvpc' && cloud !== 'aws') {
      r.err('UnsupportedNetworking', path, 'the Amazon VPC CNI runs on AWS only', 'use cilium or calico');
    } else if (name === 'gce' && cloud !== 'gce') {
      r.err('UnsupportedNetworking', path, 'GCE IP-alias networking runs on GCE only', 'use cilium or calico');
    }
  }
  validateCNIOptions(r, spec, cloud);
}

/** kops's rules for the CNI options kops-ts types (those `create cluster` writes). */
function validateCNIOptions(r: Reporter, spec: ClusterSpec, cloud: string | undefined): void {
  const n = spec.networking ?? {};
  // kops: Calico's eBPF data plane replaces kube-proxy (and binds its health port).
  const kubeProxy = (spec as { kubeProxy?: { enabled?: boolean } }).kubeProxy;
  if (n.calico?.bpfEnabled === true && kubeProxy?.enabled !== false) {
    r.err('KubeProxyWithCalicoBPF', 'spec.kubeProxy.enabled', 'calico in BPF mode (spec.networking.calico.bpfEnabled: true) requires kube-proxy to be disabled', 'set spec.kubeProxy.enabled: false (create cluster --set networking.calico.bpfEnabled=true does this)');
  }
  if (n.cilium?.ipam === 'eni' && cloud !== 'aws') r.err('UnsupportedNetworking', 'spec.networking.cilium.ipam', "Cilium's ENI IPAM runs on AWS only", 'remove ipam, or use cloudProvider aws');
}
