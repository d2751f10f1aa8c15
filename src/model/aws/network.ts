/**
 * The network of a cluster, as kops's NetworkModelBuilder (pkg/model/awsmodel/network.go) lays it
 * out: the VPC (or the user's shared VPC) with its Amazon-provided IPv6 block and its additional
 * IPv4 ranges, DHCP options, the internet gateway, a public route table with the IPv4 and IPv6
 * default routes, one subnet per spec subnet; private subnets get, per zone, a route table whose
 * default route follows the zone's `egress` (a NAT gateway kops-ts creates, the user's NAT
 * gateway, a NAT gateway on the user's elastic IP, an instance, a transit gateway, or nothing for
 * `External`). Shared subnets (given by id) are only tagged, as kops tags them, never changed.
 */
import { AMAZON_IPV6_TASK_NAME } from '../../tasks/aws/vpc-amazon-ipv6-cidr-block.js';
import { ownershipTagKey, type Tags } from '../../tasks/aws/context.js';
import { dhcpDomainName } from '../../tasks/aws/dhcp-options.js';
import { privateRouteTableName, routeTableRoleTags } from '../../tasks/aws/route-table.js';
import { routeTaskName, type RouteDesired } from '../../tasks/aws/route.js';
import { TAG_ELB, TAG_INTERNAL_ELB, TAG_SUBNET_TYPE } from '../../tasks/aws/subnet.js';
import { ref, type Ref, type Val } from '../../tasks/types.js';
import { contains, parseCidr } from '../cidr.js';
import type { ClusterSubnetSpec } from '../api/types.js';
import type { AwsModelContext } from './context.js';
import { subnetTaskName } from './names.js';

/** kops's `isUnmanaged`: the user routes this subnet (`egress: External`). */
function unmanaged(s: ClusterSubnetSpec): boolean {
  return s.egress === 'External';
}

function privateLike(s: ClusterSubnetSpec): boolean {
  return s.type === 'Private' || s.type === 'DualStack';
}

export function buildNetwork(m: AwsModelContext): void {
  const c = m.name;
  const spec = m.cluster.spec;
  const vpcId: Val = m.sharedVpc ? spec.networkID! : ref('VPC', c);
  if (m.sharedVpc) {
    m.add({ kind: 'VPC', name: c, shared: true, desired: { id: spec.networkID } });
  } else {
    m.add({ kind: 'VPC', name: c, desired: { cidr: spec.networkCIDR, enableDnsHostnames: true, enableDnsSupport: true, tags: m.tags(c) } });
    // kops gives every VPC it owns an Amazon IPv6 block, and adds the additional IPv4 ranges.
    m.add({ kind: 'VPCAmazonIPv6CIDRBlock', name: AMAZON_IPV6_TASK_NAME, desired: { vpcId } });
    for (const cidr of spec.additionalNetworkCIDRs ?? []) m.add({ kind: 'VPCCIDRBlock', name: cidr, desired: { vpcId, cidr } });
    m.add({ kind: 'DHCPOptions', name: c, desired: { domainName: dhcpDomainName(m.region), domainNameServers: ['AmazonProvidedDNS'], tags: m.tags(c) } });
    m.add({ kind: 'VPCDHCPOptionsAssociation', name: c, desired: { vpcId, dhcpOptionsId: ref('DHCPOptions', c) } });
  }

  const allUnmanaged = m.subnets.every(unmanaged);
  const allShared = m.subnets.every((s) => s.id);
  if (!allUnmanaged) {
    if (m.sharedVpc) {
      m.add({ kind: 'InternetGateway', name: c, shared: true, desired: { vpcId: spec.networkID!, shared: true } });
    } else {
      m.add({ kind: 'InternetGateway', name: c, desired: { vpcId, tags: m.tags(c) } });
    }
    if (!allShared) {
      m.add({ kind: 'RouteTable', name: c, desired: { vpcId, tags: m.tags(c, routeTableRoleTags()) } });
      const toIgw = { routeTableId: ref('RouteTable', c), internetGatewayId: ref('InternetGateway', c) };
      m.add({ kind: 'Route', name: routeTaskName('0.0.0.0/0'), desired: { ...toIgw, cidr: '0.0.0.0/0' } });
      m.add({
        kind: 'Route',
        name: routeTaskName('::/0'),
        desired: { ...toIgw, cidr: '::/0' },
        // After the VPC's IPv6 block, whose traffic it routes.
        ...(m.sharedVpc ? {} : { dependsOn: [ref('VPCAmazonIPv6CIDRBlock', AMAZON_IPV6_TASK_NAME)] }),
      });
    }
  }

  const tagSubnets = spec.DisableSubnetTags !== true;
  for (const s of m.subnets) {
    const name = subnetTaskName(s.name, c);
    if (s.id) {
      // kops tags shared subnets (`kubernetes.io/cluster/<c>: shared` and the role tags) so that
      // load balancers find them, unless told not to; nothing else of a shared subnet is changed.
      const tags = tagSubnets ? { [ownershipTagKey(c)]: 'shared', ...subnetRoleTagsOf(m, s) } : undefined;
      m.add({ kind: 'Subnet', name, shared: true, desired: { vpcId, id: s.id, ...(tags ? { tags } : {}) } });
      continue;
    }
    const range = m.sharedVpc ? undefined : additionalRangeOf(spec.additionalNetworkCIDRs ?? [], s.cidr);
    const ipv6 = s.ipv6CIDR
      ? { ipv6Cidr: s.ipv6CIDR, ...(m.sharedVpc ? {} : { vpcIpv6Cidr: ref('VPCAmazonIPv6CIDRBlock', AMAZON_IPV6_TASK_NAME, 'cidr') }) }
      : {};
    m.add({
      kind: 'Subnet',
      name,
      // (Name and the ownership tags stay even with DisableSubnetTags: kops-ts finds its subnets by them.)
      desired: { vpcId, cidr: s.cidr, ...ipv6, availabilityZone: s.zone, tags: m.tags(name, tagSubnets ? subnetRoleTagsOf(m, s) : {}) },
      // AWS refuses a subnet outside the VPC's ranges: the range it sits in must be added first.
      ...(range === undefined ? {} : { dependsOn: [ref('VPCCIDRBlock', range)] }),
    });
    if ((s.type === 'Public' || s.type === 'Utility') && !unmanaged(s)) {
      m.add({ kind: 'RouteTableAssociation', name, desired: { routeTableId: ref('RouteTable', c), subnetId: ref('Subnet', name) } });
    }
  }
  buildPrivateEgress(m, m.subnets.filter((s) => !s.id && privateLike(s) && !unmanaged(s)));
}

/** The additional range (`additionalNetworkCIDRs`) a subnet CIDR sits in, if any. */
function additionalRangeOf(ranges: readonly string[], cidr: string | undefined): string | undefined {
  const inner = parseCidr(cidr);
  if (inner === undefined) return undefined;
  return ranges.find((r) => {
    const outer = parseCidr(r);
    return outer !== undefined && outer.kind === inner.kind && contains(outer, inner);
  });
}

/**
 * kops's subnet tags (network.go): `SubnetType`; `kubernetes.io/role/elb` on public and utility
 * subnets (plus `internal-elb` when the cluster has no private subnet, so that internal load
 * balancers have somewhere to go); `internal-elb` on private subnets, unless a DualStack subnet
 * in the zone takes them, and on DualStack subnets.
 */
function subnetRoleTagsOf(m: AwsModelContext, s: ClusterSubnetSpec): Tags {
  const anyPrivate = m.subnets.some(privateLike);
  const dualStackInZone = m.subnets.some((x) => x.type === 'DualStack' && x.zone === s.zone);
  const tags: Record<string, string> = { [TAG_SUBNET_TYPE]: s.type };
  if (s.type === 'Public' || s.type === 'Utility') {
    tags[TAG_ELB] = '1';
    if (!anyPrivate && m.cluster.spec.nonMasqueradeCIDR !== '::/0') tags[TAG_INTERNAL_ELB] = '1';
  } else if (s.type === 'DualStack' || !dualStackInZone) {
    tags[TAG_INTERNAL_ELB] = '1';
  }
  return tags;
}

/**
 * Per zone with private subnets kops-ts routes: a route table, its default route by the zone's
 * `egress` (validation refuses mixed values in a zone), and the subnets' associations.
 */
function buildPrivateEgress(m: AwsModelContext, privateSubnets: readonly ClusterSubnetSpec[]): void {
  const c = m.name;
  const zones = [...new Set(privateSubnets.map((s) => s.zone ?? ''))].sort();
  const instances = new Set<string>();
  for (const zone of zones) {
    const zoneSubnets = privateSubnets.filter((s) => s.zone === zone);
    const egress = zoneSubnets.find((s) => s.egress)?.egress;
    const rt = privateRouteTableName(zone, c);
    m.add({ kind: 'RouteTable', name: rt, desired: { vpcId: m.sharedVpc ? m.cluster.spec.networkID! : ref('VPC', c), tags: m.tags(rt, routeTableRoleTags(zone)) } });
    const target = egressTarget(m, zone, egress, instances);
    m.add({ kind: 'Route', name: routeTaskName('0.0.0.0/0', zone), desired: { routeTableId: ref('RouteTable', rt), cidr: '0.0.0.0/0', ...target } });
    for (const s of zoneSubnets) {
      const name = subnetTaskName(s.name, c);
      m.add({ kind: 'RouteTableAssociation', name: `private-${name}`, desired: { routeTableId: ref('RouteTable', rt), subnetId: ref('Subnet', name) } });
    }
  }
}

type RouteTarget = Pick<RouteDesired, 'natGatewayId' | 'instanceId' | 'transitGatewayId'>;

/**
 * The default route's target for a zone (kops's network.go): unset → a NAT gateway with a new
 * elastic IP; `nat-` → the user's NAT gateway (shared: it must exist, it is never changed);
 * `eipalloc-` → a NAT gateway kops-ts creates on the user's elastic IP (shared); `i-` → an
 * instance (a NAT instance, shared: it must exist); `tgw-` → a transit gateway.
 */
function egressTarget(m: AwsModelContext, zone: string, egress: string | undefined, instances: Set<string>): RouteTarget {
  const c = m.name;
  const natName = `${zone}.${c}`;
  if (egress?.startsWith('nat-')) {
    m.add({ kind: 'NatGateway', name: natName, shared: true, desired: { id: egress } });
    return { natGatewayId: ref('NatGateway', natName) };
  }
  if (egress?.startsWith('i-')) {
    // kops's shared Instance task (one per instance, whichever zones route through it): a
    // missing instance is a planning error, not a failed route.
    if (!instances.has(egress)) m.add({ kind: 'Instance', name: egress, shared: true, desired: { id: egress } });
    instances.add(egress);
    return { instanceId: ref('Instance', egress) };
  }
  if (egress?.startsWith('tgw-')) return { transitGatewayId: egress };
  let allocationId: Ref;
  if (egress?.startsWith('eipalloc-')) {
    m.add({ kind: 'ElasticIP', name: natName, shared: true, desired: { id: egress } });
    allocationId = ref('ElasticIP', natName);
  } else {
    m.add({ kind: 'ElasticIP', name: natName, desired: { tags: m.tags(natName) } });
    allocationId = ref('ElasticIP', natName);
  }
  const utility = m.subnets.find((s) => s.type === 'Utility' && s.zone === zone);
  m.add({ kind: 'NatGateway', name: natName, desired: { subnetId: ref('Subnet', subnetTaskName(utility?.name ?? '', c)), allocationId, tags: m.tags(natName) } });
  return { natGatewayId: ref('NatGateway', natName) };
}
