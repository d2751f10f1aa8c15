/**
 * Tasks of the network kinds as kops's network model builder makes them (names, tags), and a
 * small in-order converge over several kinds so that a test can build the prerequisites of the
 * kind under test with the real kinds (refs resolve from the outputs collected so far).
 */
import { ownershipTags, type AwsTaskContext, type Tags } from '../../../src/tasks/aws/context.js';
import { dhcpOptionsKind, type DhcpOptionsDesired } from '../../../src/tasks/aws/dhcp-options.js';
import { elasticIpKind, type ElasticIpDesired } from '../../../src/tasks/aws/elastic-ip.js';
import { internetGatewayKind, type InternetGatewayDesired } from '../../../src/tasks/aws/internet-gateway.js';
import { routeTableKind, routeTableRoleTags, type RouteTableDesired } from '../../../src/tasks/aws/route-table.js';
import { subnetKind, subnetRoleTags, type SubnetDesired, type SubnetType } from '../../../src/tasks/aws/subnet.js';
import { vpcKind, type VpcDesired } from '../../../src/tasks/aws/vpc.js';
import { ref, type Outputs, type RefResolver, type Task, type TaskKind } from '../../../src/tasks/types.js';
import { awsTestContext, converge, staticRefs } from './harness.js';

export type TestContext = ReturnType<typeof awsTestContext>;

export const CLUSTER = 'test.example.com';

/** kops's CloudTags: Name, the two ownership tags, and any kind-specific extras. */
export function clusterTags(name: string, extra: Tags = {}): Tags {
  return { Name: name, ...ownershipTags(CLUSTER), ...extra };
}

export const vpcRef = ref('VPC', CLUSTER);

export function vpcTask(cidr = '172.20.0.0/16', name = CLUSTER): Task<VpcDesired> {
  return { kind: 'VPC', name, desired: { cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: clusterTags(name) } };
}

export function dhcpTask(domainName = 'ec2.internal'): Task<DhcpOptionsDesired> {
  return { kind: 'DHCPOptions', name: CLUSTER, desired: { domainName, domainNameServers: ['AmazonProvidedDNS'], tags: clusterTags(CLUSTER) } };
}

export function igwTask(): Task<InternetGatewayDesired> {
  return { kind: 'InternetGateway', name: CLUSTER, desired: { vpcId: vpcRef, tags: clusterTags(CLUSTER) } };
}

/** `Subnet/<subnet>.<cluster>`; the subnet's spec name is the zone, prefixed `utility-` for utility subnets. */
export function subnetTask(zone: string, type: SubnetType, cidr: string): Task<SubnetDesired> {
  const name = `${type === 'Utility' ? 'utility-' : ''}${zone}.${CLUSTER}`;
  return { kind: 'Subnet', name, desired: { vpcId: vpcRef, cidr, availabilityZone: zone, tags: clusterTags(name, subnetRoleTags(type)) } };
}

/** The public table (`zone` undefined) or a zone's private table. */
export function routeTableTask(zone?: string): Task<RouteTableDesired> {
  const name = zone === undefined ? CLUSTER : `private-${zone}.${CLUSTER}`;
  return { kind: 'RouteTable', name, desired: { vpcId: vpcRef, tags: clusterTags(name, routeTableRoleTags(zone)) } };
}

export function eipTask(zone: string): Task<ElasticIpDesired> {
  const name = `${zone}.${CLUSTER}`;
  return { kind: 'ElasticIP', name, desired: { tags: clusterTags(name) } };
}

/** Outputs collected across kinds, and a resolver that reads them as they grow. */
export class Stack {
  readonly outputs: Record<string, Outputs> = {};
  readonly refs: RefResolver = staticRefs(this.outputs);
  readonly ctx: TestContext;
  constructor(ctx: TestContext) {
    this.ctx = ctx;
  }

  async add<D, A>(kind: TaskKind<D, A, AwsTaskContext>, tasks: readonly Task<D>[]): Promise<Record<string, Outputs>> {
    const out = await converge(this.ctx, kind, tasks, this.refs);
    Object.assign(this.outputs, out);
    return out;
  }

  id(key: string): string {
    const id = this.outputs[key]?.id;
    if (id === undefined) throw new Error(`no output for ${key}`);
    return id;
  }
}

/** VPC, internet gateway, and the given subnets (default: one public subnet in us-east-1a). */
export async function baseNetwork(ctx: TestContext, subnets: Task<SubnetDesired>[] = [subnetTask('us-east-1a', 'Public', '172.20.32.0/19')]): Promise<Stack> {
  const stack = new Stack(ctx);
  await stack.add(vpcKind, [vpcTask()]);
  await stack.add(internetGatewayKind, [igwTask()]);
  await stack.add(subnetKind, subnets);
  return stack;
}

export { dhcpOptionsKind, elasticIpKind, internetGatewayKind, routeTableKind, subnetKind, vpcKind };
