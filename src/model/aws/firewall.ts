/**
 * Security groups and kops's rule set (pkg/model/firewall.go, external_access.go): SSH and the API
 * from the admin CIDRs, everything within a role and from control planes to nodes, nodes to
 * control planes on every port EXCEPT etcd's (2380/2381 peers, 4001/4002 clients), all egress.
 * With a bastion, SSH to instances comes only from the bastion.
 */
import { securityGroupRuleName } from '../../tasks/aws/security-group-rule.js';
import { ref, type Val } from '../../tasks/types.js';
import type { AwsModelContext } from './context.js';
import { securityGroupName } from './names.js';

interface RuleSpec {
  readonly group: string;
  readonly direction: 'ingress' | 'egress';
  readonly protocol: string;
  readonly from?: number;
  readonly to?: number;
  readonly cidr?: string;
  readonly sourceGroup?: string;
}

function isV6(cidr: string): boolean {
  return cidr.includes(':');
}

function addRule(m: AwsModelContext, r: RuleSpec): void {
  const name = securityGroupRuleName({ direction: r.direction, protocol: r.protocol, fromPort: r.from, toPort: r.to, groupName: r.group, peer: r.cidr ?? r.sourceGroup ?? '' });
  const desired: Record<string, unknown> = {
    group: ref('SecurityGroup', r.group) as Val,
    direction: r.direction,
    protocol: r.protocol,
    ...(r.from !== undefined ? { fromPort: r.from } : {}),
    ...(r.to !== undefined ? { toPort: r.to } : {}),
    ...(r.cidr ? (isV6(r.cidr) ? { ipv6Cidr: r.cidr } : { cidr: r.cidr }) : {}),
    ...(r.sourceGroup ? { sourceGroup: ref('SecurityGroup', r.sourceGroup) } : {}),
    tags: m.tags(name),
  };
  m.add({ kind: 'SecurityGroupRule', name, desired });
}

export function buildFirewall(m: AwsModelContext): void {
  const c = m.name;
  const spec = m.cluster.spec;
  const masters = securityGroupName('masters', c);
  const nodes = securityGroupName('nodes', c);
  const bastions = securityGroupName('bastions', c);
  const vpc = m.sharedVpc ? spec.networkID! : ref('VPC', c);
  const groups: [string, string][] = [
    [masters, 'Security group for control-plane instances'],
    [nodes, 'Security group for nodes'],
  ];
  if (m.hasBastion) groups.push([bastions, 'Security group for bastion instances']);
  for (const [name, description] of groups) {
    m.add({ kind: 'SecurityGroup', name, desired: { name, vpc, description, tags: m.tags(name) } });
    for (const cidr of ['0.0.0.0/0', '::/0']) addRule(m, { group: name, direction: 'egress', protocol: '-1', cidr });
  }
  // Within a role, and from the control plane to nodes: everything.
  addRule(m, { group: masters, direction: 'ingress', protocol: '-1', sourceGroup: masters });
  addRule(m, { group: nodes, direction: 'ingress', protocol: '-1', sourceGroup: nodes });
  addRule(m, { group: nodes, direction: 'ingress', protocol: '-1', sourceGroup: masters });
  // Nodes to the control plane: every port but etcd's peer (2380, 2381) and client (4001, 4002) ports.
  for (const [from, to] of [
    [1, 2379],
    [2382, 4000],
    [4003, 65535],
  ] as const) {
    addRule(m, { group: masters, direction: 'ingress', protocol: 'tcp', from, to, sourceGroup: nodes });
  }
  addRule(m, { group: masters, direction: 'ingress', protocol: 'udp', from: 1, to: 65535, sourceGroup: nodes });
  // The API from the admin CIDRs (the NLB keeps client addresses), and the NLB's health checks.
  for (const cidr of spec.kubernetesApiAccess ?? []) {
    if (!cidr.startsWith('pl-')) addRule(m, { group: masters, direction: 'ingress', protocol: 'tcp', from: 443, to: 443, cidr });
  }
  if (spec.networkCIDR) addRule(m, { group: masters, direction: 'ingress', protocol: 'tcp', from: 443, to: 443, cidr: spec.networkCIDR });
  // SSH: from the admin CIDRs, or, with a bastion, only through it.
  const sshTargets = m.hasBastion ? [bastions] : [masters, nodes];
  for (const group of sshTargets) {
    for (const cidr of spec.sshAccess ?? []) {
      if (!cidr.startsWith('pl-')) addRule(m, { group, direction: 'ingress', protocol: 'tcp', from: 22, to: 22, cidr });
    }
  }
  if (m.hasBastion) {
    for (const group of [masters, nodes]) addRule(m, { group, direction: 'ingress', protocol: 'tcp', from: 22, to: 22, sourceGroup: bastions });
  }
}
