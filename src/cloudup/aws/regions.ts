/**
 * AWS regions and zones as far as pre-flight needs them: which region a cluster lives in (from its
 * subnets' zones), whether a region name has AWS's form, and whether it is one kops-ts knows.
 *
 * The known-region list is advisory only: a region AWS opens after this list was written still
 * works, because pre-flight asks EC2 and only calls a region unknown when EC2 cannot be reached
 * there either.
 */
import { KopsError } from '../../diagnostics.js';
import type { Cluster } from '../../model/api/types.js';

/** `<area>[-gov|-iso*]-<direction>-<n>`: us-east-1, us-gov-west-1, us-isob-east-1, eu-isoe-west-1. */
const REGION_FORM = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+$/;

/**
 * A zone name: the region plus a letter (us-east-1a), or the region plus a suffix for local zones
 * (us-west-2-lax-1a) and Wavelength zones (us-east-1-wl1-bos-wlz-1).
 */
const ZONE_FORM = /^([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)(?:[a-z]|-[a-z0-9-]+)$/;

/** A zone ID (use1-az1, usw2-lax1-az1): the same physical zone in every account, but not a name EC2 takes here. */
const ZONE_ID_FORM = /^[a-z]+\d+-(?:[a-z]+\d+-)?az\d+$/;

/** Regions that an account must enable before use ("opt-in" regions, launched after March 2019). */
const OPT_IN_REGIONS = new Set([
  'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-south-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5',
  'ap-southeast-6', 'ap-southeast-7', 'ca-west-1', 'eu-central-2', 'eu-south-1', 'eu-south-2', 'il-central-1',
  'me-central-1', 'me-south-1', 'mx-central-1',
]);

const DEFAULT_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1',
  'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1',
  'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
];

const OTHER_PARTITION_REGIONS = [
  'cn-north-1', 'cn-northwest-1', 'us-gov-east-1', 'us-gov-west-1',
  'us-iso-east-1', 'us-iso-west-1', 'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1', 'us-isof-east-1',
];

const KNOWN_REGIONS: ReadonlySet<string> = new Set([...DEFAULT_REGIONS, ...OPT_IN_REGIONS, ...OTHER_PARTITION_REGIONS]);

/** Whether `name` has the form of an AWS region name (not whether it exists). */
export function isRegionName(name: string): boolean {
  return REGION_FORM.test(name);
}

/** Whether kops-ts knows `region` as an AWS region (see the module comment: advisory). */
export function isKnownRegion(region: string): boolean {
  return KNOWN_REGIONS.has(region);
}

/** Whether an account must enable `region` before it can be used. */
export function isOptInRegion(region: string): boolean {
  return OPT_IN_REGIONS.has(region);
}

/** The AWS partition a region belongs to: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, ... */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  const iso = /^[a-z]{2}-iso([a-z]?)-/.exec(region);
  if (iso) return iso[1] ? `aws-iso-${iso[1]}` : 'aws-iso';
  return 'aws';
}

/**
 * The region of an AWS zone: `us-east-1a` → `us-east-1`, `us-west-2-lax-1a` → `us-west-2`,
 * `us-east-1-wl1-bos-wlz-1` → `us-east-1`. Undefined when the name has no zone form.
 */
export function awsRegionOfZone(zone: string): string | undefined {
  return ZONE_FORM.exec(zone)?.[1];
}

/** A problem with a cluster's region, with the spec path it comes from. */
export interface RegionProblem {
  readonly code: 'UnknownRegion' | 'UnknownZone' | 'MixedRegions';
  readonly path: string;
  readonly summary: string;
  readonly hint: string;
}

/** The cluster's region, or the problem that keeps it from having exactly one. Pure. */
export function findClusterRegion(cluster: Cluster): { region?: string; problem?: RegionProblem } {
  const subnets = cluster.spec.subnets ?? [];
  let found: { region: string; path: string } | undefined;
  for (const [i, s] of subnets.entries()) {
    const path = `spec.subnets[${i}].zone`;
    // A zone ID names no region by its form; checkZones reports it with the zone's name.
    if (!s.zone || ZONE_ID_FORM.test(s.zone)) continue;
    const region = awsRegionOfZone(s.zone);
    if (!region && isRegionName(s.zone)) {
      return {
        problem: {
          code: 'UnknownZone', path,
          summary: `${s.zone} is a region, not a zone`,
          hint: `name one of the region's availability zones, e.g. ${s.zone}a`,
        },
      };
    }
    if (!region) {
      return {
        problem: {
          code: 'UnknownRegion', path,
          summary: `zone ${JSON.stringify(s.zone)} does not name an AWS region`,
          hint: 'AWS zones are a region plus a letter, e.g. us-east-1a (region us-east-1); local zones look like us-west-2-lax-1a',
        },
      };
    }
    if (found && found.region !== region) {
      return {
        problem: {
          code: 'MixedRegions', path,
          summary: `zone ${s.zone} is in region ${region}, but ${found.path} is in ${found.region}`,
          hint: 'all zones of a cluster must be in one region',
        },
      };
    }
    found ??= { region, path };
  }
  if (!found) {
    return {
      problem: {
        code: 'UnknownRegion', path: 'spec.subnets',
        summary: 'no subnet names an availability zone (by name), so the cluster has no region',
        hint: 'set spec.subnets[].zone, e.g. us-east-1a (create cluster --zones does)',
      },
    };
  }
  return { region: found.region };
}

/**
 * The AWS region of a cluster, from its subnets' zones (kops has no region field on AWS).
 * Throws `KopsError` `UnknownRegion` when no zone names a region, `MixedRegions` when zones span
 * regions: the caller needs a region to build its clients before anything else can happen.
 */
export function regionOfCluster(cluster: Cluster): string {
  const { region, problem } = findClusterRegion(cluster);
  if (region) return region;
  const p = problem!;
  throw new KopsError(p.code, `${p.path}: ${p.summary}`, { hint: p.hint, diagnostics: [{ severity: 'error', code: p.code, summary: p.summary, path: p.path, hint: p.hint }] });
}
