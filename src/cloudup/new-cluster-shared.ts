/**
 * `create cluster --subnets ... --utility-subnets ...` on AWS, as kops's new_cluster.go does it:
 * the subnets are looked up in the cloud (one DescribeSubnets) so that each is matched to its own
 * zone, and without `--network-id` the VPC is the first subnet's. Their CIDRs are not written:
 * they are the cloud's, as in kops's spec. The result feeds `newCluster` (which stays pure).
 */
import { paginateDescribeSubnets, type Subnet } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../cloud/aws/clients.js';
import { KopsError, error, type Diagnostic } from '../diagnostics.js';

export interface SharedSubnetsInput {
  readonly networkID?: string;
  readonly subnetIDs?: readonly string[];
  readonly utilitySubnetIDs?: readonly string[];
}

export interface SharedSubnets {
  /** The VPC: `--network-id`, else the first subnet's (kops's setupVPC). */
  readonly networkID: string;
  /** Subnet id → its availability zone. */
  readonly zones: Readonly<Record<string, string>>;
}

/** Whether `create cluster` needs to look the subnets up (AWS, subnets given). */
export function needsSubnetLookup(o: SharedSubnetsInput): boolean {
  return (o.subnetIDs?.length ?? 0) + (o.utilitySubnetIDs?.length ?? 0) > 0;
}

/**
 * Reads the given subnets; every problem at once (`InvalidFlags`, exit 2): a subnet that does not
 * exist, or that is not in the VPC (`--network-id`, else the first subnet's).
 */
export async function lookupSharedSubnets(clients: AwsClients, o: SharedSubnetsInput): Promise<SharedSubnets> {
  const given = [...(o.subnetIDs ?? []).map((id) => ({ id, flag: '--subnets' })), ...(o.utilitySubnetIDs ?? []).map((id) => ({ id, flag: '--utility-subnets' }))];
  const ids = [...new Set(given.map((g) => g.id))];
  const found: Subnet[] = [];
  // A filter, not SubnetIds: an unknown id is simply absent (SubnetIds fails the whole call).
  for await (const page of paginateDescribeSubnets({ client: clients.ec2 }, { Filters: [{ Name: 'subnet-id', Values: ids }] })) found.push(...(page.Subnets ?? []));
  const byId = new Map(found.map((s) => [s.SubnetId ?? '', s]));
  const first = o.subnetIDs?.[0] ?? o.utilitySubnetIDs?.[0];
  const networkID = o.networkID ?? (first === undefined ? undefined : byId.get(first)?.VpcId);
  const problems: Diagnostic[] = [];
  const zones: Record<string, string> = {};
  for (const { id, flag } of given) {
    const s = byId.get(id);
    if (s === undefined) {
      problems.push(error('SubnetNotFound', `subnet ${id} was not found in region ${clients.region}`, { path: flag, hint: 'give the id of an existing subnet in the region of --zones' }));
      continue;
    }
    if (networkID !== undefined && s.VpcId !== networkID) {
      problems.push(error('SubnetNotInVPC', `subnet ${id} is in VPC ${s.VpcId ?? '(none)'}, not in ${networkID}`, { path: flag, hint: o.networkID ? 'give subnets of the --network-id VPC' : 'give subnets of one VPC' }));
      continue;
    }
    zones[id] = s.AvailabilityZone ?? '';
  }
  if (problems.length > 0 || networkID === undefined) {
    throw new KopsError('InvalidFlags', problems.map((d) => d.summary).join('; ') || 'cannot tell the VPC of the given subnets', { diagnostics: problems, exitCode: 2 });
  }
  return { networkID, zones };
}
