/**
 * AWS pre-flight: before `update cluster` builds or runs a single task, ask AWS the few questions
 * whose wrong answers would otherwise surface halfway through an apply — are there credentials and
 * do they work, is the region real, are the zones the region's, is every machine type offered
 * where its instance group runs, does the hosted zone exist — and report every problem at once,
 * each with its spec path and the AWS error code.
 *
 * The number of calls does not grow with the cluster: STS GetCallerIdentity, EC2
 * DescribeAvailabilityZones and one DescribeInstanceTypeOfferings for all machine types, plus one
 * Route53 lookup when the cluster publishes DNS in `spec.dnsZone`, and one DescribeSubnets when it
 * creates subnets in a shared VPC (`checkSharedVpcSubnets`), and those of preflight-user-resources.ts
 * when instance groups name their own instance profile or security group. They run in parallel with the
 * clients' normal SDK retries; nothing is retried beyond that.
 *
 * With Route53 DNS (`topology.dns.type` Public or Private) and no `spec.dnsZone`, the zone is found
 * as kops finds it (`findClusterHostedZone`: one paged ListHostedZones) and returned as `dnsZone`;
 * `update cluster` records its id in the completed spec, as kops does.
 */
import { DescribeAvailabilityZonesCommand, paginateDescribeInstanceTypeOfferings, paginateDescribeSubnets, type InstanceTypeOffering, type Subnet } from '@aws-sdk/client-ec2';
import { GetHostedZoneCommand, ListHostedZonesByNameCommand, paginateListHostedZones, type HostedZone } from '@aws-sdk/client-route-53';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsClients } from '../../cloud/aws/clients.js';
import { error, KopsError, type Diagnostic } from '../../diagnostics.js';
import type { Cluster, InstanceGroup } from '../../model/api/types.js';
import {
  checkHostedZone,
  checkInstanceTypes,
  checkSharedVpcSubnets,
  checkZones,
  createsSubnetsInSharedVpc,
  findClusterHostedZone,
  isHostedZoneId,
  machineTypesInUse,
  needsHostedZoneDiscovery,
  type FoundHostedZone,
} from './preflight-checks.js';
import { failureDiagnostic, inspectAwsFailure, isCredentialDiagnostic, type AwsFailure } from './preflight-errors.js';
import { findClusterRegion, partitionOfRegion } from './regions.js';
import { checkUserResources } from './preflight-user-resources.js';
import { checkDiscoveryBucket, hasDiscoveryStore } from './preflight-discovery.js';

export { regionOfCluster } from './regions.js';

/** The account the credentials belong to, as STS tells it. */
export interface AwsAccount {
  readonly id: string;
  readonly partition: string;
  readonly arn: string;
}

export interface AwsPreflightResult {
  /** Set when the credentials work. */
  readonly account?: AwsAccount;
  /** Every problem found; an `error` among them means `update` must stop before any change. */
  readonly diagnostics: Diagnostic[];
  /** The hosted zone found for a cluster with Route53 DNS and no `spec.dnsZone`. */
  readonly dnsZone?: FoundHostedZone;
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: AwsFailure };

async function settle<T>(p: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await p() };
  } catch (e) {
    return { ok: false, failure: inspectAwsFailure(e) };
  }
}

/** Whether the cluster publishes DNS records in a hosted zone that must exist already. */
function usesHostedZone(cluster: Cluster): boolean {
  return !!cluster.spec.dnsZone && cluster.spec.topology?.dns?.type !== 'None';
}

/** Runs the pre-flight checks for `cluster` with `clients` (which must be for the cluster's region). */
export async function awsPreflight(clients: AwsClients, cluster: Cluster, instanceGroups: readonly InstanceGroup[]): Promise<AwsPreflightResult> {
  const { region, problem } = findClusterRegion(cluster);
  if (!region) return { diagnostics: [error(problem!.code, problem!.summary, { path: problem!.path, hint: problem!.hint })] };
  if (clients.region !== region) {
    return {
      diagnostics: [error('RegionMismatch', `the AWS clients are for region ${clients.region}, but the cluster's zones are in ${region}`, {
        path: 'spec.subnets',
        hint: 'a cluster\'s region comes from its subnets\' zones (regionOfCluster); AWS_REGION does not move a cluster',
      })],
    };
  }
  const types = machineTypesInUse(instanceGroups);
  const [identity, zones, offerings, hosted, allZones, vpcSubnets, userResources, discovery] = await Promise.all([
    settle(() => clients.sts.send(new GetCallerIdentityCommand({}))),
    settle(async () => (await clients.ec2.send(new DescribeAvailabilityZonesCommand({ AllAvailabilityZones: true }))).AvailabilityZones ?? []),
    types.length > 0 ? settle(() => instanceTypeOfferings(clients, types)) : undefined,
    usesHostedZone(cluster) ? settle(() => hostedZones(clients, cluster.spec.dnsZone!)) : undefined,
    needsHostedZoneDiscovery(cluster) ? settle(() => listAllHostedZones(clients)) : undefined,
    // A shared VPC the cluster creates subnets in: what is in it already (one paged DescribeSubnets).
    createsSubnetsInSharedVpc(cluster) ? settle(() => subnetsOfVpc(clients, cluster.spec.networkID!)) : undefined,
    // The instance groups' own profiles and security groups (spec.iam.profile, securityGroupOverride).
    checkUserResources(clients, cluster, instanceGroups),
    // The service-account issuer's bucket: there, and in the cluster's region (preflight-discovery.ts).
    hasDiscoveryStore(cluster) ? settle(() => checkDiscoveryBucket(clients, cluster, region)) : undefined,
  ]);

  const report = new Report(region, identity.ok);
  let account: AwsAccount | undefined;
  if (identity.ok) account = accountOf(identity.value, region);
  else report.fail(identity.failure, 'sts:GetCallerIdentity');

  let knownZones: Set<string> | undefined;
  if (zones.ok) {
    report.add(checkZones(cluster, instanceGroups, region, zones.value));
    knownZones = new Set(zones.value.filter((z) => z.OptInStatus !== 'not-opted-in').map((z) => z.ZoneName ?? ''));
  } else report.fail(zones.failure, 'ec2:DescribeAvailabilityZones');

  if (offerings?.ok) report.add(checkInstanceTypes(cluster, instanceGroups, region, offerings.value, knownZones));
  else if (offerings) report.fail(offerings.failure, 'ec2:DescribeInstanceTypeOfferings');

  if (hosted?.ok) report.add(checkHostedZone(cluster, hosted.value));
  else if (hosted) {
    const action = isHostedZoneId(cluster.spec.dnsZone!) ? 'route53:GetHostedZone' : 'route53:ListHostedZonesByName';
    report.fail(hosted.failure, action, 'spec.dnsZone');
  }

  if (vpcSubnets?.ok) report.add(checkSharedVpcSubnets(cluster, vpcSubnets.value));
  else if (vpcSubnets) report.fail(vpcSubnets.failure, 'ec2:DescribeSubnets', 'spec.networkID');

  if (discovery?.ok) report.add(discovery.value);
  else if (discovery) report.fail(discovery.failure, 's3:GetBucketLocation', 'spec.serviceAccountIssuerDiscovery.discoveryStore');

  report.add(userResources.diagnostics);
  for (const f of userResources.failures) report.fail(inspectAwsFailure(f.error), f.action, f.path);

  let dnsZone: FoundHostedZone | undefined;
  if (allZones?.ok) {
    const found = findClusterHostedZone(cluster, allZones.value);
    report.add(found.diagnostics);
    dnsZone = found.zone;
  } else if (allZones) report.fail(allZones.failure, 'route53:ListHostedZones', 'spec.dnsZone');
  return { ...(account ? { account } : {}), diagnostics: report.out, ...(dnsZone ? { dnsZone } : {}) };
}

/**
 * The error to stop `update` with when pre-flight found errors (undefined when it found none).
 * Its code is the first problem's (`MissingCredentials`, `UnknownZone`, ...), so a pipeline reading
 * the JSON error sees the cause; every problem is in `diagnostics`.
 */
export function preflightError(result: AwsPreflightResult): KopsError | undefined {
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  if (!first) return undefined;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
  return new KopsError(first.code, `AWS pre-flight check failed: ${first.summary}${more}`, { diagnostics: result.diagnostics });
}

/** Collects diagnostics, keeping one of each cause that every call would report alike. */
class Report {
  readonly out: Diagnostic[] = [];
  private readonly once = new Set<string>();

  constructor(private readonly region: string, private readonly credentialsWork: boolean) {}

  add(ds: readonly Diagnostic[]): void {
    for (const d of ds) this.push(d);
  }

  fail(f: AwsFailure, action: string, path?: string): void {
    this.push(failureDiagnostic(f, { action, region: this.region, credentialsWork: this.credentialsWork, ...(path ? { path } : {}) }));
  }

  private push(d: Diagnostic): void {
    const key = isCredentialDiagnostic(d) ? 'credentials' : d.code === 'UnknownRegion' || d.code === 'RegionNotEnabled' ? 'region' : undefined;
    if (key) {
      if (this.once.has(key)) return;
      this.once.add(key);
    }
    this.out.push(d);
  }
}

function accountOf(id: { Account?: string; Arn?: string }, region: string): AwsAccount {
  const arn = id.Arn ?? '';
  // arn:<partition>:sts::<account>:...; fall back to the region's partition if AWS sent no ARN.
  const partition = arn.split(':')[1] || partitionOfRegion(region);
  return { id: id.Account ?? '', partition, arn };
}

/** Where each machine type is offered, for all types in one (paged) call. */
async function instanceTypeOfferings(clients: AwsClients, types: readonly string[]): Promise<InstanceTypeOffering[]> {
  const out: InstanceTypeOffering[] = [];
  const pages = paginateDescribeInstanceTypeOfferings({ client: clients.ec2, pageSize: 1000 }, {
    LocationType: 'availability-zone',
    Filters: [{ Name: 'instance-type', Values: [...types] }],
  });
  for await (const page of pages) out.push(...(page.InstanceTypeOfferings ?? []));
  return out;
}

/** Every hosted zone of the account (paged): what kops lists to find a cluster's zone. */
async function subnetsOfVpc(clients: AwsClients, vpcId: string): Promise<Subnet[]> {
  const out: Subnet[] = [];
  for await (const page of paginateDescribeSubnets({ client: clients.ec2 }, { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })) out.push(...(page.Subnets ?? []));
  return out;
}

async function listAllHostedZones(clients: AwsClients): Promise<HostedZone[]> {
  const out: HostedZone[] = [];
  for await (const page of paginateListHostedZones({ client: clients.route53 }, {})) out.push(...(page.HostedZones ?? []));
  return out;
}

/** The hosted zones `dnsZone` may refer to: by ID, the zone itself; by name, those listed from it. */
async function hostedZones(clients: AwsClients, dnsZone: string): Promise<HostedZone[]> {
  try {
    if (isHostedZoneId(dnsZone)) {
      const r = await clients.route53.send(new GetHostedZoneCommand({ Id: dnsZone.replace(/^\/hostedzone\//, '') }));
      return r.HostedZone ? [r.HostedZone] : [];
    }
    const r = await clients.route53.send(new ListHostedZonesByNameCommand({ DNSName: dnsZone, MaxItems: 100 }));
    return r.HostedZones ?? [];
  } catch (e) {
    // A zone ID that does not exist, or a name Route53 cannot take, is a missing zone, not a failed call.
    const f = inspectAwsFailure(e);
    if (f.kind === 'aws' && ['NoSuchHostedZone', 'InvalidInput', 'InvalidDomainName'].includes(f.code)) return [];
    throw e;
  }
}
