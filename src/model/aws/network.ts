/**
 * The network of a cluster, as kops's NetworkModelBuilder lays it out: VPC (or the user's shared
 * VPC), DHCP options, internet gateway, a public route table with the default route, one subnet
 * per spec subnet; private topology adds per zone an elastic IP, a NAT gateway in the utility
 * subnet and a private route table. Shared subnets (given by id) are used, never changed.
 */
import { ref } from '../../tasks/types.js';
import { dhcpDomainName } from '../../tasks/aws/dhcp-options.js';
import { privateRouteTableName, routeTableRoleTags } from '../../tasks/aws/route-table.js';
import { routeTaskName } from '../../tasks/aws/route.js';
import { subnetRoleTags } from '../../tasks/aws/subnet.js';
import type { ClusterSubnetSpec } from '../api/types.js';
import type { AwsModelContext } from './context.js';
import { subnetTaskName } from './names.js';

export function buildNetwork(m: AwsModelContext): void {
  const c = m.name;
  const spec = m.cluster.spec;
  if (m.sharedVpc) {
    m.add({ kind: 'VPC', name: c, shared: true, desired: { id: spec.networkID } });
    m.add({ kind: 'InternetGateway', name: c, shared: true, desired: { vpcId: spec.networkID!, shared: true } });
  } else {
    m.add({ kind: 'VPC', name: c, desired: { cidr: spec.networkCIDR, enableDnsHostnames: true, enableDnsSupport: true, tags: m.tags(c) } });
    m.add({ kind: 'DHCPOptions', name: c, desired: { domainName: dhcpDomainName(m.region), domainNameServers: ['AmazonProvidedDNS'], tags: m.tags(c) } });
    m.add({ kind: 'VPCDHCPOptionsAssociation', name: c, desired: { vpcId: ref('VPC', c), dhcpOptionsId: ref('DHCPOptions', c) } });
    m.add({ kind: 'InternetGateway', name: c, desired: { vpcId: ref('VPC', c), tags: m.tags(c) } });
  }
  const vpcId = m.sharedVpc ? spec.networkID! : ref('VPC', c);
  const ownSubnets = m.subnets.filter((s) => !s.id);
  const publicLike = ownSubnets.filter((s) => s.type === 'Public' || s.type === 'Utility');
  if (publicLike.length > 0) {
    m.add({ kind: 'RouteTable', name: c, desired: { vpcId, tags: m.tags(c, routeTableRoleTags()) } });
    m.add({ kind: 'Route', name: routeTaskName('0.0.0.0/0'), desired: { routeTableId: ref('RouteTable', c), cidr: '0.0.0.0/0', internetGatewayId: ref('InternetGateway', c) } });
  }
  for (const s of m.subnets) {
    const name = subnetTaskName(s.name, c);
    if (s.id) {
      m.add({ kind: 'Subnet', name, shared: true, desired: { vpcId, id: s.id } });
      continue;
    }
    m.add({
      kind: 'Subnet',
      name,
      // DualStack subnets are tagged like private ones (internal load balancers), keeping their type.
      desired: { vpcId, cidr: s.cidr, availabilityZone: s.zone, tags: m.tags(name, { ...subnetRoleTags(s.type === 'DualStack' ? 'Private' : s.type), SubnetType: s.type }) },
    });
    if (s.type === 'Public' || s.type === 'Utility') {
      m.add({ kind: 'RouteTableAssociation', name, desired: { routeTableId: ref('RouteTable', c), subnetId: ref('Subnet', name) } });
    }
  }
  buildPrivateEgress(m, ownSubnets.filter((s) => s.type === 'Private'));
}

/** Per zone with private subnets: EIP + NAT gateway in the zone's utility subnet, a route table. */
function buildPrivateEgress(m: AwsModelContext, privateSubnets: readonly ClusterSubnetSpec[]): void {
  const c = m.name;
  const zones = [...new Set(privateSubnets.map((s) => s.zone ?? ''))].sort();
  for (const zone of zones) {
    const zoneSubnets = privateSubnets.filter((s) => s.zone === zone);
    const egress = zoneSubnets.find((s) => s.egress)?.egress;
    const rt = privateRouteTableName(zone, c);
    m.add({ kind: 'RouteTable', name: rt, desired: { vpcId: m.sharedVpc ? m.cluster.spec.networkID! : ref('VPC', c), tags: m.tags(rt, routeTableRoleTags(zone)) } });
    let nat: ReturnType<typeof ref> | string | undefined;
    if (egress?.startsWith('nat-')) {
      nat = egress;
    } else if (!egress) {
      const utility = m.subnets.find((s) => s.type === 'Utility' && s.zone === zone);
      const natName = `${zone}.${c}`;
      m.add({ kind: 'ElasticIP', name: natName, desired: { tags: m.tags(natName) } });
      m.add({
        kind: 'NatGateway',
        name: natName,
        desired: { subnetId: ref('Subnet', subnetTaskName(utility?.name ?? '', c)), allocationId: ref('ElasticIP', natName), tags: m.tags(natName) },
      });
      nat = ref('NatGateway', natName);
    }
    if (nat !== undefined) {
      m.add({ kind: 'Route', name: routeTaskName('0.0.0.0/0', zone), desired: { routeTableId: ref('RouteTable', rt), cidr: '0.0.0.0/0', natGatewayId: nat } });
    }
    for (const s of zoneSubnets) {
      const name = subnetTaskName(s.name, c);
      m.add({ kind: 'RouteTableAssociation', name: `private-${name}`, desired: { routeTableId: ref('RouteTable', rt), subnetId: ref('Subnet', name) } });
    }
  }
}
