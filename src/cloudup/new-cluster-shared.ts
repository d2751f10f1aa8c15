/**
 * `create cluster --network-id/--vpc`, `--subnets`, `--utility-subnets` on AWS, as kops's
 * new_cluster.go and PerformAssignments do it: the given subnets are looked up (one
 * DescribeSubnets) so that each goes to its own zone and is written with its CIDR; without
 * `--network-id` the VPC is the first subnet's; without `--network-cidr` the network CIDR written
 * is the VPC's (one DescribeVpcs), from which new subnets are carved. The result feeds
 * `newCluster`, which stays pure.
 */
import { paginateDescribeSubnets, paginateDescribeVpcs, type Subnet, type Vpc } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../cloud/aws/clients.js';
import { KopsError, error, type Diagnostic } from '../diagnostics.js';

export interface SharedNetworkInput {
  readonly networkID?: string;
  readonly networkCIDRs?: readonly string[];
  readonly subnetIDs?: readonly string[];
  readonly utilitySubnetIDs?: readonly string[];
}

export interface SharedNetwork {
  /** The VPC: `--network-id`, else the first subnet's (kops's setupVPC). */
  readonly networkID: string;
  /** The VPC's primary CIDR, when `--network-cidr` was not given (kops's PerformAssignments). */
  readonly networkCIDR?: string;
  /** Subnet id → its zone and CIDR. */
  readonly subnets: Readonly<Record<string, { readonly zone: string; readonly cidr?: string }>>;
}

/** Whether `create cluster` reads the network from AWS: a shared VPC or shared subnets. */
export function usesSharedNetwork(o: SharedNetworkInput): boolean {
  return o.networkID !== undefined || (o.subnetIDs?.length ?? 0) + (o.utilitySubnetIDs?.length ?? 0) > 0;
}

async function describeSubnets(clients: AwsClients, ids: readonly string[]): Promise<Subnet[]> {
  const out: Subnet[] = [];
  if (ids.length === 0) return out;
  // A filter, not SubnetIds: an unknown id is simply absent (SubnetIds fails the whole call).
  for await (const page of paginateDescribeSubnets({ client: clients.ec2 }, { Filters: [{ Name: 'subnet-id', Values: [...ids] }] })) out.push(...(page.Subnets ?? []));
  return out;
}

async function describeVpc(clients: AwsClients, id: string): Promise<Vpc | undefined> {
  for await (const page of paginateDescribeVpcs({ client: clients.ec2 }, { Filters: [{ Name: 'vpc-id', Values: [id] }] })) {
    const hit = page.Vpcs?.find((v) => v.VpcId === id);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Reads the shared network; every problem at once (`InvalidFlags`, exit 2): a VPC or subnet that
 * does not exist, a subnet that is not in the VPC.
 */
export async function lookupSharedNetwork(clients: AwsClients, o: SharedNetworkInput): Promise<SharedNetwork> {
  const given = [...(o.subnetIDs ?? []).map((id) => ({ id, flag: '--subnets' })), ...(o.utilitySubnetIDs ?? []).map((id) => ({ id, flag: '--utility-subnets' }))];
  const found = await describeSubnets(clients, [...new Set(given.map((g) => g.id))]);
  const byId = new Map(found.map((s) => [s.SubnetId ?? '', s]));
  const first = given[0]?.id;
  const networkID = o.networkID ?? (first === undefined ? undefined : byId.get(first)?.VpcId);
  const problems: Diagnostic[] = [];
  const subnets: Record<string, { zone: string; cidr?: string }> = {};
  for (const { id, flag } of given) {
    const s = byId.get(id);
    if (s === undefined) {
      problems.push(error('SubnetNotFound', `subnet ${id} was not found in region ${clients.region}`, { path: flag, hint: 'give the id of an existing subnet in the region of --zones' }));
    } else if (networkID !== undefined && s.VpcId !== networkID) {
      problems.push(error('SubnetNotInVPC', `subnet ${id} is in VPC ${s.VpcId ?? '(none)'}, not in ${networkID}`, { path: flag, hint: o.networkID ? 'give subnets of the --network-id VPC' : 'give subnets of one VPC' }));
    } else {
      subnets[id] = { zone: s.AvailabilityZone ?? '', ...(s.CidrBlock ? { cidr: s.CidrBlock } : {}) };
    }
  }
  let networkCIDR: string | undefined;
  if (networkID !== undefined && (o.networkCIDRs?.length ?? 0) === 0) {
    const vpc = await describeVpc(clients, networkID);
    if (vpc === undefined) {
      problems.unshift(error('VPCNotFound', `VPC ${networkID} was not found in region ${clients.region}`, { path: '--network-id', hint: 'give the id of an existing VPC in the region of --zones' }));
    } else {
      networkCIDR = vpc.CidrBlock;
    }
  }
  if (problems.length > 0 || networkID === undefined) {
    throw new KopsError('InvalidFlags', problems.map((d) => d.summary).join('; ') || 'cannot tell the VPC of the given subnets', { diagnostics: problems, exitCode: 2 });
  }
  return { networkID, ...(networkCIDR ? { networkCIDR } : {}), subnets };
}
