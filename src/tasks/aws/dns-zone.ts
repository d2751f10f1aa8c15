/**
 * `DNSZone`: the Route53 hosted zone a cluster publishes its API records in (`--dns-zone`). Find
 * only: as in kops the zone belongs to the user and must exist (and be delegated) before the
 * cluster is created, so `apply` of a create fails with `HostedZoneNotFound` and says what to do.
 * kops-ts never creates, changes or deletes a hosted zone.
 *
 * kops's rule for the spec's `dnsZone`: a value without a dot is a hosted-zone id, anything else
 * a DNS name; the task is named after that value. Looking a zone up by name matches public zones
 * unless `private` is set (kops: `topology.dns: Private`). Two zones that both match (same name
 * and visibility) are an error naming both ids: pass the id instead.
 *
 * The lookups are memoised per run and shared with `DNSName`, which finds the zone its records
 * live in the same way (refs are not resolved at find time).
 *
 * A private zone (`privateVpc` set) must answer inside the cluster's VPC: as kops does
 * (`DNSZone.PrivateVPC`), the VPC is associated with the zone when it is not yet
 * (AssociateVPCWithHostedZone), the one change kops-ts makes to the user's zone. Without it the
 * instances of a new VPC cannot resolve the API's name. Other associations are left as they are.
 * The plan shows the association as added (`vpcs` compares as `includes`). `delete cluster`
 * removes it again before it deletes the VPC (src/cloud/aws/delete-shared.ts); kops does not.
 */
import {
  AssociateVPCWithHostedZoneCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  paginateListHostedZones,
  type HostedZone,
  type Route53Client,
  type VPC,
  type VPCRegion,
} from '@aws-sdk/client-route-53';
import { KopsError } from '../../diagnostics.js';
import type { AwsTaskContext } from './context.js';
import type { TaskKind, Val, View } from '../types.js';

export interface DnsZoneDesired {
  /** The zone's DNS name (`example.com`), or its id (`Z0123...`: kops treats a name without a dot as an id). */
  readonly name: string;
  /** A private zone (kops: `topology.dns: Private`); default public when found by name. */
  readonly private?: boolean;
  /** The hosted-zone id, when the spec gives it. */
  readonly id?: string;
  /** A private zone's: the cluster's VPC (a ref, or a shared VPC's id), associated with the zone if it is not. */
  readonly privateVpc?: Val<string>;
}

export interface DnsZoneActual {
  /** Without the `/hostedzone/` prefix. */
  readonly id: string;
  /** Without the trailing dot, lowercase. */
  readonly name: string;
  readonly private: boolean;
  /** A private zone's associated VPCs (`<region>/<vpc id>`), when read (GetHostedZone). */
  readonly vpcs?: readonly string[];
}

/** What to look a zone up by: an id, or a name with a visibility. */
export interface ZoneLookup {
  readonly id?: string;
  readonly name?: string;
  readonly private?: boolean;
}

/**
 * A DNS name as Route53 compares it: lowercase, with a trailing dot, and Route53's octal escapes
 * decoded (`\052` is `*` in a wildcard record's name as ListResourceRecordSets returns it).
 */
export function normalizeDnsName(name: string): string {
  const decoded = name.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  const lower = decoded.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

export function stripZoneIdPrefix(id: string): string {
  return id.replace(/^\/hostedzone\//, '');
}

/** kops's rule: a `dnsZone` without a dot is a hosted-zone id. */
export function zoneLookupOf(d: DnsZoneDesired): ZoneLookup {
  if (d.id !== undefined) return { id: stripZoneIdPrefix(d.id), ...(d.private !== undefined ? { private: d.private } : {}) };
  if (!d.name.includes('.')) return { id: stripZoneIdPrefix(d.name), ...(d.private !== undefined ? { private: d.private } : {}) };
  return { name: normalizeDnsName(d.name), private: d.private ?? false };
}

function summary(z: HostedZone, vpcs?: readonly VPC[]): DnsZoneActual {
  const base = { id: stripZoneIdPrefix(z.Id ?? ''), name: normalizeDnsName(z.Name ?? '').replace(/\.$/, ''), private: z.Config?.PrivateZone ?? false };
  return vpcs === undefined || !base.private ? base : { ...base, vpcs: vpcs.map((v) => vpcKey(v.VPCRegion ?? '', v.VPCId ?? '')).sort() };
}

function vpcKey(region: string, vpcId: string): string {
  return `${region}/${vpcId}`;
}

async function byId(route53: Route53Client, id: string): Promise<DnsZoneActual[]> {
  try {
    const out = await route53.send(new GetHostedZoneCommand({ Id: id }));
    return out.HostedZone ? [summary(out.HostedZone, out.VPCs ?? [])] : [];
  } catch (e) {
    if ((e as { name?: unknown }).name === 'NoSuchHostedZone') return [];
    throw e;
  }
}

/** Zones named exactly `name` (normalised): ListHostedZonesByName starts at the name; page on while it still matches. */
async function byName(route53: Route53Client, name: string): Promise<DnsZoneActual[]> {
  const out: DnsZoneActual[] = [];
  let next: { DNSName?: string; HostedZoneId?: string } = { DNSName: name };
  for (;;) {
    const page = await route53.send(new ListHostedZonesByNameCommand({ ...next, MaxItems: 100 }));
    const zones = (page.HostedZones ?? []).map((z) => summary(z));
    out.push(...zones.filter((z) => normalizeDnsName(z.name) === name));
    const more = page.IsTruncated && page.NextDNSName !== undefined && normalizeDnsName(page.NextDNSName) === name;
    if (!more) return out;
    next = { DNSName: page.NextDNSName, ...(page.NextHostedZoneId ? { HostedZoneId: page.NextHostedZoneId } : {}) };
  }
}

async function allZones(route53: Route53Client): Promise<DnsZoneActual[]> {
  const out: DnsZoneActual[] = [];
  for await (const page of paginateListHostedZones({ client: route53 }, {})) out.push(...(page.HostedZones ?? []).map((z) => summary(z)));
  return out;
}

/**
 * The hosted zones that can answer `lookups`: one call for a single lookup (GetHostedZone by id,
 * ListHostedZonesByName by name), else the full paged ListHostedZones. Memoised per run.
 */
export function hostedZoneCandidates(ctx: AwsTaskContext, lookups: readonly ZoneLookup[]): Promise<DnsZoneActual[]> {
  const route53 = ctx.clients.route53;
  const only = lookups.length === 1 ? lookups[0] : undefined;
  if (only?.id !== undefined) {
    const id = only.id;
    return ctx.once(`route53:zone-id:${id}`, () => byId(route53, id));
  }
  if (only?.name !== undefined) {
    const name = only.name;
    return ctx.once(`route53:zones-named:${name}`, () => byName(route53, name));
  }
  return ctx.once('route53:zones', () => allZones(route53));
}

/** The one zone matching `lookup` among `zones`; several is an error naming them. */
export function matchZone(zones: readonly DnsZoneActual[], lookup: ZoneLookup, what: string): DnsZoneActual | undefined {
  const hits = zones.filter(
    (z) =>
      (lookup.id === undefined || z.id === lookup.id) &&
      (lookup.name === undefined || normalizeDnsName(z.name) === lookup.name) &&
      (lookup.private === undefined || z.private === lookup.private),
  );
  if (hits.length > 1) {
    throw new KopsError('HostedZoneAmbiguous', `${hits.length} ${lookup.private ? 'private' : 'public'} hosted zones are named "${lookup.name ?? ''}" (${hits.map((z) => z.id).join(', ')}) for ${what}`, {
      hint: 'set the cluster\'s spec.dnsZone (--dns-zone) to the id of the zone to use',
    });
  }
  return hits[0];
}

export const dnsZoneKind: TaskKind<DnsZoneDesired, DnsZoneActual, AwsTaskContext> = {
  kind: 'DNSZone',
  // The zone is the user's (a shared task): only the association of the cluster's VPC is ever added;
  // the plan shows it as added (`+ <vpc>`), the zone's other VPCs staying.
  fields: { vpcs: { compare: 'includes', updateShared: true } },

  async find(ctx, tasks) {
    const found = new Map<string, DnsZoneActual>();
    if (tasks.length === 0) return found;
    const lookups = tasks.map((t) => zoneLookupOf(t.desired));
    const zones = await hostedZoneCandidates(ctx, lookups);
    await Promise.all(
      tasks.map(async (t, i) => {
        const z = matchZone(zones, lookups[i] ?? {}, `DNSZone/${t.name}`);
        if (!z) return;
        // A listing by name does not say which VPCs a private zone answers in: GetHostedZone does.
        const withVpcs = t.desired.privateVpc !== undefined && z.private && z.vpcs === undefined ? (await hostedZoneCandidates(ctx, [{ id: z.id }]))[0] : undefined;
        found.set(t.name, withVpcs ?? z);
      }),
    );
    return found;
  },

  view(d, refs): View {
    const l = zoneLookupOf(d);
    const vpc = d.privateVpc === undefined ? undefined : refs.resolve(d.privateVpc);
    return { id: l.id, name: l.name?.replace(/\.$/, ''), private: l.private, vpcs: vpc === undefined ? undefined : [vpc] };
  },

  actualView: (a): View => ({ id: a.id, name: a.name, private: a.private, vpcs: a.vpcs === undefined ? undefined : a.vpcs.map((k) => k.replace(/^[^/]*\//, '')) }),

  async apply(ctx, req) {
    const a = req.actual;
    if (a && req.action !== 'create') {
      if (req.desired.privateVpc === undefined) return a;
      const vpcId = req.refs.known(req.desired.privateVpc);
      const key = vpcKey(ctx.region, vpcId);
      if (a.vpcs?.includes(key)) return a;
      await ctx.clients.route53.send(new AssociateVPCWithHostedZoneCommand({ HostedZoneId: a.id, VPC: { VPCId: vpcId, VPCRegion: ctx.region as VPCRegion } }));
      return { ...a, vpcs: [...(a.vpcs ?? []), key].sort() };
    }
    const l = zoneLookupOf(req.desired);
    const shown = l.id ?? l.name?.replace(/\.$/, '') ?? req.desired.name;
    const visibility = l.private ? 'private ' : '';
    throw new KopsError('HostedZoneNotFound', `${visibility}hosted zone "${shown}" does not exist`, {
      hint:
        `kops-ts publishes the API records in an existing zone and never creates one: create it ` +
        `(aws route53 create-hosted-zone --name ${l.name?.replace(/\.$/, '') ?? '<domain>'} --caller-reference $(date +%s)` +
        `${l.private ? ' --vpc VPCRegion=<region>,VPCId=<vpc-id>' : ''}) and delegate it from its parent domain, ` +
        'or pass --dns-zone with an existing zone (name or id), or use --dns none to reach the API through a load balancer',
    });
  },

  outputs: (a) => ({ id: a.id, name: a.name }),
};
