/**
 * The pure half of pre-flight: given what AWS answered (the region's zones, the offerings of the
 * instance types in use, the hosted zones of a name), say what in the spec cannot work, with its
 * spec path. No calls here, so every rule is table-testable.
 */
import type { AvailabilityZone, InstanceTypeOffering, Subnet } from '@aws-sdk/client-ec2';
import type { HostedZone } from '@aws-sdk/client-route-53';
import { error, warning, type Diagnostic } from '../../diagnostics.js';
import { objectLabel } from '../../model/api/parse.js';
import type { Cluster, InstanceGroup } from '../../model/api/types.js';
import { overlaps, parseCidr } from '../../model/cidr.js';

/** The machine types an instance group asks for (kops accepts a comma-separated list). */
export function machineTypesOf(ig: InstanceGroup): string[] {
  return (ig.spec.machineType ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0);
}

/** Every type a group launches, with the spec path naming it: machineType's, then its mixed policy's (as kops checks both). */
function typesWithPaths(ig: InstanceGroup): { type: string; path: string }[] {
  return [
    ...machineTypesOf(ig).map((type) => ({ type, path: 'spec.machineType' })),
    ...(ig.spec.mixedInstancesPolicy?.instances ?? []).map((type, i) => ({ type, path: `spec.mixedInstancesPolicy.instances[${i}]` })),
  ];
}

/** Every machine type used by the instance groups (mixed policies' included), once each, sorted. */
export function machineTypesInUse(igs: readonly InstanceGroup[]): string[] {
  return [...new Set(igs.flatMap((ig) => typesWithPaths(ig).map((t) => t.type)))].sort();
}

/** The zones an instance group runs in: its subnets' zones, plus `spec.zones` when set. */
export function zonesOfInstanceGroup(cluster: Cluster, ig: InstanceGroup): string[] {
  const byName = new Map((cluster.spec.subnets ?? []).map((s) => [s.name, s.zone]));
  const zones = (ig.spec.subnets ?? []).map((n) => byName.get(n)).filter((z): z is string => typeof z === 'string');
  return [...new Set([...zones, ...(ig.spec.zones ?? [])])];
}

/** A zone is usable when it exists for the account and, if opt-in, is opted in. */
function usable(z: AvailabilityZone): boolean {
  return z.OptInStatus === undefined || z.OptInStatus !== 'not-opted-in';
}

/**
 * Every zone the spec names (subnets, instance groups' `spec.zones`) must be a zone of the region.
 * `azs` is DescribeAvailabilityZones with AllAvailabilityZones, so a local zone that exists but is
 * not enabled is told apart from a zone that does not exist.
 */
export function checkZones(cluster: Cluster, igs: readonly InstanceGroup[], region: string, azs: readonly AvailabilityZone[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byName = new Map(azs.filter((z) => z.ZoneName).map((z) => [z.ZoneName!, z]));
  const standard = azs.filter((z) => usable(z) && (z.ZoneType ?? 'availability-zone') === 'availability-zone').map((z) => z.ZoneName!).sort();
  const check = (zone: string, path: string): void => {
    const z = byName.get(zone);
    if (z && usable(z)) {
      if (z.State && z.State !== 'available') out.push(warning('ZoneNotAvailable', `zone ${zone} is ${z.State}`, { path, hint: 'launches there may fail; consider another zone' }));
      return;
    }
    if (z) {
      out.push(error('ZoneNotEnabled', `zone ${zone} exists but is not enabled for this account`, {
        path, hint: `opt in: aws ec2 modify-availability-zone-group --group-name ${z.GroupName ?? zone} --opt-in-status opted-in`,
      }));
      return;
    }
    const byId = azs.find((a) => a.ZoneId === zone);
    const hint = byId?.ZoneName
      ? `${zone} is a zone ID; in this account its zone name is ${byId.ZoneName}`
      : `use one of ${region}'s zones: ${standard.join(', ')}`;
    out.push(error('UnknownZone', `zone ${zone} is not a zone of region ${region}`, { path, hint }));
  };
  (cluster.spec.subnets ?? []).forEach((s, i) => {
    if (s.zone) check(s.zone, `spec.subnets[${i}].zone`);
  });
  for (const ig of igs) (ig.spec.zones ?? []).forEach((z, i) => check(z, `${objectLabel(ig)} spec.zones[${i}]`));
  return out;
}

/**
 * Each instance group's machine types must be offered in each of its zones. Zones that are not
 * zones of the region are skipped (`knownZones`): checkZones already names them.
 */
export function checkInstanceTypes(
  cluster: Cluster,
  igs: readonly InstanceGroup[],
  region: string,
  offerings: readonly InstanceTypeOffering[],
  knownZones?: ReadonlySet<string>,
): Diagnostic[] {
  const offered = new Map<string, Set<string>>();
  for (const o of offerings) {
    if (!o.InstanceType || !o.Location) continue;
    const zones = offered.get(o.InstanceType) ?? new Set<string>();
    zones.add(o.Location);
    offered.set(o.InstanceType, zones);
  }
  const out: Diagnostic[] = [];
  for (const ig of igs) {
    const zones = zonesOfInstanceGroup(cluster, ig).filter((z) => !knownZones || knownZones.has(z));
    for (const { type, path } of typesWithPaths(ig)) {
      const where = offered.get(type) ?? new Set<string>();
      const missing = zones.filter((z) => !where.has(z));
      if (missing.length === 0) continue;
      const elsewhere = [...where].sort();
      const hint = elsewhere.length > 0
        ? `${type} is offered in ${elsewhere.join(', ')}: move the instance group to subnets there, or choose another machine type`
        : `${type} is not offered anywhere in ${region}: check the name (e.g. t3.medium); \`aws ec2 describe-instance-type-offerings --location-type availability-zone --region ${region}\` lists what is`;
      out.push(error('UnknownInstanceType', `${type} is not offered in ${missing.join(', ')}`, { path: `${objectLabel(ig)} ${path}`, hint }));
    }
  }
  return out;
}

/** Whether `dnsZone` is a hosted zone ID (Z1D633PJN98FT9, /hostedzone/Z1D...) rather than a name. */
export function isHostedZoneId(dnsZone: string): boolean {
  return !dnsZone.includes('.') && /^(\/hostedzone\/)?[A-Z0-9]+$/.test(dnsZone);
}

function normalizeDnsName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * The cluster's `spec.dnsZone` must be an existing hosted zone of the right kind: private for
 * `topology.dns.type: Private`, public otherwise. `zones` are the hosted zones AWS listed from the
 * zone's name (or the one zone fetched by ID).
 */
export function checkHostedZone(cluster: Cluster, zones: readonly HostedZone[]): Diagnostic[] {
  const dnsZone = cluster.spec.dnsZone;
  if (!dnsZone) return [];
  const wantPrivate = cluster.spec.topology?.dns?.type === 'Private';
  const kind = wantPrivate ? 'private' : 'public';
  const matching = isHostedZoneId(dnsZone)
    ? zones
    : zones.filter((z) => z.Name !== undefined && normalizeDnsName(z.Name) === normalizeDnsName(dnsZone));
  if (matching.some((z) => (z.Config?.PrivateZone ?? false) === wantPrivate)) return [];
  const other = matching.length > 0 ? ` (there is a ${wantPrivate ? 'public' : 'private'} one)` : '';
  return [error('HostedZoneNotFound', `no ${kind} Route53 hosted zone ${dnsZone}${other}`, {
    path: 'spec.dnsZone',
    hint: `create the ${kind} hosted zone and delegate it (kops-ts does not create it), fix spec.dnsZone, `
      + `or use topology.dns.type: ${matching.length > 0 ? (wantPrivate ? 'Public' : 'Private') : 'None'}`,
  })];
}

/** The hosted zone found for a cluster with Route53 DNS and no `spec.dnsZone`. */
export interface FoundHostedZone {
  /** Without `/hostedzone/`: what kops records in the completed spec's `dnsZone`. */
  readonly id: string;
  /** Lowercase, without the trailing dot. */
  readonly name: string;
  readonly private: boolean;
}

/** Whether the cluster publishes DNS in Route53 but does not say in which zone (kops then finds it). */
export function needsHostedZoneDiscovery(cluster: Cluster): boolean {
  const type = cluster.spec.topology?.dns?.type;
  return (type === 'Public' || type === 'Private') && !cluster.spec.dnsZone;
}

/** The cluster name and each parent domain of it with at least two labels, longest first. */
export function hostedZoneCandidates(clusterName: string): string[] {
  const labels = normalizeDnsName(clusterName).split('.');
  const out: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join('.'));
  return out;
}

/**
 * kops's `FindDNSHostedZone`: among the account's hosted zones of the right kind (private for
 * `topology.dns.type: Private`, public otherwise), the one whose name is the longest suffix of the
 * cluster name (the cluster name itself included) on a label boundary. Two zones of that name are
 * ambiguous; none is an error naming the names looked for.
 */
export function findClusterHostedZone(cluster: Cluster, zones: readonly HostedZone[]): { zone?: FoundHostedZone; diagnostics: Diagnostic[] } {
  const clusterName = normalizeDnsName(cluster.metadata.name);
  const wantPrivate = cluster.spec.topology?.dns?.type === 'Private';
  const kind = wantPrivate ? 'private' : 'public';
  const suffixOf = (z: HostedZone) => z.Name !== undefined && `.${clusterName}`.endsWith(`.${normalizeDnsName(z.Name)}`);
  const matching = zones.filter(suffixOf);
  const right = matching.filter((z) => (z.Config?.PrivateZone ?? false) === wantPrivate);
  const length = Math.max(-1, ...right.map((z) => normalizeDnsName(z.Name ?? '').length));
  const longest = right.filter((z) => normalizeDnsName(z.Name ?? '').length === length);
  const found = (z: HostedZone): FoundHostedZone => ({ id: (z.Id ?? '').replace(/^\/hostedzone\//, ''), name: normalizeDnsName(z.Name ?? ''), private: wantPrivate });
  if (longest.length === 1) return { zone: found(longest[0]!), diagnostics: [] };
  if (longest.length > 1) {
    const name = normalizeDnsName(longest[0]!.Name ?? '');
    return {
      diagnostics: [error('HostedZoneAmbiguous', `${longest.length} ${kind} Route53 hosted zones are named ${name} (${longest.map((z) => found(z).id).join(', ')})`, {
        path: 'spec.dnsZone',
        hint: `set spec.dnsZone to the id of the zone to use (kops-ts edit cluster ${cluster.metadata.name})`,
      })],
    };
  }
  const others = matching.map((z) => `${normalizeDnsName(z.Name ?? '')} (${wantPrivate ? 'public' : 'private'})`);
  return {
    diagnostics: [error('HostedZoneNotFound', `no ${kind} Route53 hosted zone for ${clusterName}: looked for ${hostedZoneCandidates(clusterName).join(', ')}${others.length > 0 ? `; found only ${others.join(', ')}` : ''}`, {
      path: 'spec.dnsZone',
      hint: `create a ${kind} hosted zone for one of those names and delegate it (kops-ts does not create it), set spec.dnsZone to an existing zone, `
        + `or use topology.dns.type: ${others.length > 0 ? (wantPrivate ? 'Public' : 'Private') : 'None'}`,
    })],
  };
}

/** Whether pre-flight reads a shared VPC's subnets: the cluster creates subnets in a VPC it was given. */
export function createsSubnetsInSharedVpc(cluster: Cluster): boolean {
  return !!cluster.spec.networkID && (cluster.spec.subnets ?? []).some((s) => !s.id);
}

/**
 * A subnet the cluster creates in a shared VPC (`networkID`) must not overlap the VPC's other
 * subnets: AWS refuses it (`InvalidSubnet.Conflict`) only at apply, once much of the cluster
 * exists. `create cluster --network-id` without `--subnets` carves its subnets from the VPC's
 * range without looking at what is in it. The cluster's own subnets (its ownership tags) are not
 * "others".
 */
export function checkSharedVpcSubnets(cluster: Cluster, existing: readonly Subnet[]): Diagnostic[] {
  const name = cluster.metadata.name;
  const theirs = existing.filter((e) => {
    const tags = new Map((e.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    return tags.get('KubernetesCluster') !== name && tags.get(`kubernetes.io/cluster/${name}`) !== 'owned';
  });
  const out: Diagnostic[] = [];
  (cluster.spec.subnets ?? []).forEach((s, i) => {
    const mine = s.id ? undefined : parseCidr(s.cidr);
    if (!mine) return;
    for (const e of theirs) {
      const other = parseCidr(e.CidrBlock);
      if (!other || !overlaps(mine, other)) continue;
      out.push(error('SubnetCIDRConflict', `subnet ${s.name}'s CIDR ${s.cidr ?? ''} overlaps subnet ${e.SubnetId ?? ''} (${e.CidrBlock ?? ''}) of the shared VPC ${cluster.spec.networkID ?? ''}`, {
        path: `spec.subnets[${i}].cidr`,
        hint: `give it a free range of the VPC (kops-ts edit cluster ${name}), or use the existing subnet: set its id (create cluster --subnets)`,
      }));
      break;
    }
  });
  return out;
}
