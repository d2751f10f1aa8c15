/**
 * Security groups and kops's rule set (pkg/model/awsmodel/firewall.go, external_access.go): the
 * groups `masters.<cluster>` and `nodes.<cluster>` with kops's names and descriptions (so that a
 * kops-built cluster is adopted without replacing them), all egress, everything within a role and
 * from control planes to nodes, nodes to control planes on every port EXCEPT etcd's, SSH from
 * `sshAccess` (without a bastion), NodePorts from `nodePortAccess`.
 *
 * The API is never opened on the control planes directly: it is reached through the API load
 * balancer, whose own group (`api-elb.<cluster>`, src/model/aws/api.ts) is the only source of 443.
 * The bastion's groups are built in src/model/aws/bastion.ts.
 */
import { securityGroupRuleName } from '../../tasks/aws/security-group-rule.js';
import { ref, type Val } from '../../tasks/types.js';
import { normalizeRole, type InstanceGroup } from '../api/types.js';
import { nodePortRange } from '../control-plane-components.js';
import type { AwsModelContext } from './context.js';
import { securityGroupName } from './names.js';

/** kops's descriptions (`GetSecurityGroups`, api_loadbalancer.go, bastion.go): a change would replace the group. */
export const SECURITY_GROUP_DESCRIPTIONS = {
  masters: 'Security group for masters',
  nodes: 'Security group for nodes',
  bastion: 'Security group for bastion',
  'api-elb': 'Security group for api ELB',
  'bastion-elb': 'Security group for bastion ELB',
} as const;

/** kops's group of an instance group: `masters.<c>` (control planes and API servers), `bastion.<c>`, `nodes.<c>`. */
export function roleSecurityGroupName(ig: InstanceGroup, cluster: string): string {
  switch (normalizeRole(ig.spec.role)) {
    case 'ControlPlane':
    case 'APIServer':
      return securityGroupName('masters', cluster);
    case 'Bastion':
      return securityGroupName('bastion', cluster);
    default:
      return securityGroupName('nodes', cluster);
  }
}

/** kops's `ELBSecurityGroupName`: `api-elb.<c>`, `bastion-elb.<c>`. */
export function elbSecurityGroupName(prefix: 'api' | 'bastion', cluster: string): string {
  return `${prefix}-elb.${cluster}`;
}

export interface RuleSpec {
  readonly group: string;
  readonly direction: 'ingress' | 'egress';
  readonly protocol: string;
  readonly from?: number;
  readonly to?: number;
  /** A CIDR (IPv4 or IPv6) or a managed prefix list id (`pl-...`). */
  readonly cidr?: string;
  readonly sourceGroup?: string;
}

export function isV6(cidr: string): boolean {
  return cidr.includes(':');
}

/** An AWS managed prefix list id, which access lists may hold instead of a CIDR (kops's `SetCidrOrPrefix`). */
export function isPrefixList(peer: string): boolean {
  return peer.startsWith('pl-');
}

export function addRule(m: AwsModelContext, r: RuleSpec): void {
  const name = securityGroupRuleName({ direction: r.direction, protocol: r.protocol, fromPort: r.from, toPort: r.to, groupName: r.group, peer: r.cidr ?? r.sourceGroup ?? '' });
  const desired: Record<string, unknown> = {
    group: ref('SecurityGroup', r.group) as Val,
    direction: r.direction,
    protocol: r.protocol,
    ...(r.from !== undefined ? { fromPort: r.from } : {}),
    ...(r.to !== undefined ? { toPort: r.to } : {}),
    ...(r.cidr ? (isPrefixList(r.cidr) ? { prefixList: r.cidr } : isV6(r.cidr) ? { ipv6Cidr: r.cidr } : { cidr: r.cidr }) : {}),
    ...(r.sourceGroup ? { sourceGroup: ref('SecurityGroup', r.sourceGroup) } : {}),
    tags: m.tags(name),
  };
  m.add({ kind: 'SecurityGroupRule', name, desired });
}

/** A security group of the cluster in its VPC, with kops's full egress (IPv4 and IPv6). */
export function addSecurityGroup(m: AwsModelContext, name: string, description: string): void {
  const spec = m.cluster.spec;
  const vpc = m.sharedVpc ? spec.networkID! : ref('VPC', m.name);
  m.add({ kind: 'SecurityGroup', name, desired: { name, vpc, description, tags: m.tags(name) } });
  for (const cidr of ['0.0.0.0/0', '::/0']) addRule(m, { group: name, direction: 'egress', protocol: '-1', cidr });
}

/**
 * kops's path-MTU discovery rule from a CIDR: ICMP type 3 code 4 (fragmentation needed) for IPv4,
 * all ICMPv6 for IPv6 (packet-too-big has no port-like code to select); both for a prefix list,
 * which may hold either family.
 */
export function addPmtuRule(m: AwsModelContext, group: string, cidr: string): void {
  if (isV6(cidr) || isPrefixList(cidr)) addRule(m, { group, direction: 'ingress', protocol: 'icmpv6', from: -1, to: -1, cidr });
  if (!isV6(cidr)) addRule(m, { group, direction: 'ingress', protocol: 'icmp', from: 3, to: 4, cidr });
}

/** The entries of an access list (`kubernetesApiAccess`, `sshAccess`, `nodePortAccess`): CIDRs and prefix lists. */
export function cidrsOf(list: readonly string[] | undefined): string[] {
  return [...(list ?? [])];
}

/** The TCP port ranges nodes may reach on the control plane: all but etcd's (kops's `applyNodeToMasterBlockSpecificPorts`). */
export function nodeToMasterTcpRanges(m: AwsModelContext): [number, number][] {
  const spec = m.cluster.spec;
  // etcd main/events clients (4001, 4002) and peers (2380, 2381); leases 4004/2383; cilium's peer 2382.
  const blocked = new Set([4001, 4002, 2380, 2381]);
  if ((spec.etcdClusters ?? []).some((e) => e.name === 'leases')) for (const p of [4004, 2383]) blocked.add(p);
  if (spec.networking?.cilium?.['etcdManaged'] === true) blocked.add(2382);
  const ranges: [number, number][] = [];
  let start = 1;
  for (let port = 1; port <= 65536; port++) {
    if (port === 65536 || blocked.has(port)) {
      if (port > start) ranges.push([start, port - 1]);
      start = port + 1;
    }
  }
  return ranges;
}

export function buildFirewall(m: AwsModelContext): void {
  const c = m.name;
  const spec = m.cluster.spec;
  const masters = securityGroupName('masters', c);
  const nodes = securityGroupName('nodes', c);
  addSecurityGroup(m, masters, SECURITY_GROUP_DESCRIPTIONS.masters);
  addSecurityGroup(m, nodes, SECURITY_GROUP_DESCRIPTIONS.nodes);
  // Within a role, and from the control plane to nodes: everything.
  addRule(m, { group: masters, direction: 'ingress', protocol: '-1', sourceGroup: masters });
  addRule(m, { group: nodes, direction: 'ingress', protocol: '-1', sourceGroup: nodes });
  addRule(m, { group: nodes, direction: 'ingress', protocol: '-1', sourceGroup: masters });
  // Nodes to the control plane: every port but etcd's; UDP; IP-in-IP for calico and kube-router;
  // everything with the Amazon VPC CNI (pods on nodes reach pods on control planes directly).
  for (const [from, to] of nodeToMasterTcpRanges(m)) addRule(m, { group: masters, direction: 'ingress', protocol: 'tcp', from, to, sourceGroup: nodes });
  addRule(m, { group: masters, direction: 'ingress', protocol: 'udp', from: 1, to: 65535, sourceGroup: nodes });
  if (spec.networking?.calico || spec.networking?.kuberouter) addRule(m, { group: masters, direction: 'ingress', protocol: '4', sourceGroup: nodes });
  if (spec.networking?.amazonvpc) addRule(m, { group: masters, direction: 'ingress', protocol: '-1', sourceGroup: nodes });
  // SSH from the admin CIDRs, unless a bastion is in use (then only through it: bastion.ts).
  if (!m.hasBastion) {
    for (const group of [masters, nodes]) {
      for (const cidr of cidrsOf(spec.sshAccess)) addRule(m, { group, direction: 'ingress', protocol: 'tcp', from: 22, to: 22, cidr });
    }
  }
  // NodePort services from nodePortAccess, TCP and UDP, on the API server's range (kops's external_access.go).
  const range = nodePortRange(spec);
  for (const cidr of cidrsOf(spec.nodePortAccess)) {
    for (const protocol of ['tcp', 'udp']) addRule(m, { group: nodes, direction: 'ingress', protocol, from: range.from, to: range.to, cidr });
  }
}
