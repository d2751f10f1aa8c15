/**
 * Bastions as kops's BastionModelBuilder (pkg/model/awsmodel/bastion.go) builds them: SSH reaches
 * the bastion instances only through a Network Load Balancer `bastion.<cluster>` on port 22, in
 * the utility (public) subnets, one per zone.
 *
 * - `bastion.<cluster>` ("Security group for bastion"): 22 and ICMP 3/4 from the load balancer's
 *   group, all egress; the control planes and nodes accept SSH from it (and, with a bastion, from
 *   nowhere else: firewall.ts opens no direct SSH then).
 * - `bastion-elb.<cluster>` ("Security group for bastion ELB"): 22 and path-MTU ICMP from
 *   `sshAccess` and from the CIDRs of the load balancer's subnet type, as kops; all egress.
 * - The load balancer: kops's name (`bastion-<cluster>-<hash>`, 32 characters), scheme from
 *   `topology.bastion.loadBalancer.type` (default Public), its groups `bastion-elb` plus
 *   `topology.bastion.loadBalancer.additionalSecurityGroups`, dual-stack when an instance group
 *   has an IPv6 subnet; a TCP 22 target group (same name) the bastion autoscaling groups join,
 *   and a listener `bastion.<cluster>-22`.
 * - With DNS, an alias record `topology.bastion.bastionPublicName` (default `bastion.<cluster>`).
 *
 * The bastion instances run in their instance group's subnets (kops's default for `--bastion`:
 * the private subnets), reachable only through the load balancer.
 */
import { ref, type Val } from '../../tasks/types.js';
import type { AwsModelContext } from './context.js';
import { addAliasRecord, addListener, addTargetGroup, bastionLoadBalancerAwsName, loadBalancerSubnets, type DnsZoneRef } from './api.js';
import { SECURITY_GROUP_DESCRIPTIONS, addPmtuRule, addRule, addSecurityGroup, cidrsOf, elbSecurityGroupName } from './firewall.js';
import { securityGroupName, subnetTaskName } from './names.js';

/** Builds the bastion's tasks; returns the target group (task name) bastion groups join, if any. */
export function buildBastion(m: AwsModelContext, dnsZone: DnsZoneRef | undefined): string | undefined {
  if (!m.hasBastion) return undefined;
  const c = m.name;
  const spec = m.cluster.spec;
  const bastionSpec = spec.topology?.bastion;
  const bastion = securityGroupName('bastion', c);
  const lbSG = elbSecurityGroupName('bastion', c);
  const internal = bastionSpec?.loadBalancer?.type === 'Internal';

  addSecurityGroup(m, bastion, SECURITY_GROUP_DESCRIPTIONS.bastion);
  for (const target of [securityGroupName('masters', c), securityGroupName('nodes', c)]) {
    addRule(m, { group: target, direction: 'ingress', protocol: 'tcp', from: 22, to: 22, sourceGroup: bastion });
  }

  addSecurityGroup(m, lbSG, SECURITY_GROUP_DESCRIPTIONS['bastion-elb']);
  const subnets = loadBalancerSubnets(m, internal);
  const zones = new Set(subnets.map((s) => s.zone));
  // kops allows SSH from every subnet of the load balancer's type in its zones, then sshAccess.
  const types = internal ? ['Private', 'DualStack'] : ['Public', 'Utility'];
  const subnetCidrs = m.subnets.filter((s) => types.includes(s.type) && zones.has(s.zone) && s.cidr).map((s) => s.cidr!);
  for (const cidr of new Set([...subnetCidrs, ...cidrsOf(spec.sshAccess)])) {
    addRule(m, { group: lbSG, direction: 'ingress', protocol: 'tcp', from: 22, to: 22, cidr });
    addPmtuRule(m, lbSG, cidr);
  }
  addRule(m, { group: bastion, direction: 'ingress', protocol: 'tcp', from: 22, to: 22, sourceGroup: lbSG });
  addRule(m, { group: bastion, direction: 'ingress', protocol: 'icmp', from: 3, to: 4, sourceGroup: lbSG });
  addRule(m, { group: lbSG, direction: 'ingress', protocol: 'icmp', from: 3, to: 4, sourceGroup: bastion });

  const lbTask = `bastion.${c}`;
  const tg = bastionLoadBalancerAwsName(c);
  addTargetGroup(m, tg, 'TCP', 22);
  addListener(m, lbTask, 22, tg);
  const dualStack = m.instanceGroups.some((ig) => (ig.spec.subnets ?? []).some((n) => Boolean(m.subnet(n)?.ipv6CIDR)));
  m.add({
    kind: 'NetworkLoadBalancer',
    name: lbTask,
    desired: {
      loadBalancerName: bastionLoadBalancerAwsName(c),
      scheme: internal ? 'internal' : 'internet-facing',
      subnets: subnets.map((s) => ref('Subnet', subnetTaskName(s.name, c))),
      securityGroups: [ref('SecurityGroup', lbSG), ...(bastionSpec?.loadBalancer?.additionalSecurityGroups ?? [])] as Val<string>[],
      ipAddressType: dualStack ? 'dualstack' : 'ipv4',
      // kops leaves it unset: AWS's default for a Network Load Balancer, off.
      crossZoneLoadBalancing: false,
      tags: m.tags(lbTask),
    },
  });
  if (dnsZone) addAliasRecord(m, dnsZone, bastionSpec?.bastionPublicName || `bastion.${c}`, lbTask);
  return tg;
}
