/**
 * `DNSZone` on GCE: the Cloud DNS managed zone a cluster publishes its API record in
 * (`spec.dnsZone`). Find only: the zone is the user's and must exist (and be delegated) before
 * the cluster is created, as kops requires; kops-ts never creates, changes or deletes it. A plan
 * that would create it fails with `ManagedZoneNotFound` naming `spec.dnsZone` (the provider's
 * pre-flight says it before anything is changed: `gceDnsPreflight`).
 *
 * kops's rule for `spec.dnsZone`: a value with a dot is a DNS name (`example.com`), found with
 * `managedZones.list?dnsName=example.com.`; one without a dot is the managed zone's name (or its
 * numeric id), found in the project's list. Among the zones of that DNS name, a private one is
 * taken for `topology.dns.type: Private`, a public one otherwise. Two zones that both match are an
 * error naming both: set `spec.dnsZone` to the managed zone's name instead.
 *
 * Cloud DNS method: managedZones.list (memoised per run, shared with `DNSRecordSet`).
 */
import { KopsError } from '../../diagnostics.js';
import { fqdn, type DnsManagedZone } from '../../cloud/gce/dns-api.js';
import type { TaskKind, View } from '../types.js';
import type { GceTaskContext } from './context.js';
import type { GceDnsZoneDesired } from './types.js';

export interface GceDnsZoneActual {
  /** The managed zone's name (what the record-set calls take). */
  readonly name: string;
  /** With the trailing dot, lowercase. */
  readonly dnsName: string;
  readonly id: string;
  readonly visibility: 'public' | 'private';
}

function actualOf(z: DnsManagedZone): GceDnsZoneActual {
  return { name: z.name ?? '', dnsName: fqdn(z.dnsName ?? ''), id: String(z.id ?? ''), visibility: z.visibility === 'private' ? 'private' : 'public' };
}

/** kops's rule: a `dnsZone` with a dot is a DNS name, else the managed zone's name or id. */
export function byDnsName(value: string): boolean {
  return value.replace(/\.$/, '').includes('.');
}

/** The project's zones that can be `d` (one list call per distinct lookup and run). */
function candidates(ctx: GceTaskContext, d: GceDnsZoneDesired): Promise<GceDnsZoneActual[]> {
  if (byDnsName(d.name)) {
    const dnsName = fqdn(d.name);
    return ctx.once(`dns:zones-named:${dnsName}`, async () => (await ctx.clients.dns.listManagedZones(ctx.project, dnsName)).map(actualOf));
  }
  return ctx.once('dns:zones', async () => (await ctx.clients.dns.listManagedZones(ctx.project)).map(actualOf));
}

/** The one managed zone `d` names (undefined: none); several is an error naming them. */
export async function findManagedZone(ctx: GceTaskContext, d: GceDnsZoneDesired): Promise<GceDnsZoneActual | undefined> {
  const zones = await candidates(ctx, d);
  const visibility = d.private ? 'private' : 'public';
  const hits = byDnsName(d.name)
    ? zones.filter((z) => z.dnsName === fqdn(d.name) && z.visibility === visibility)
    : zones.filter((z) => z.name === d.name || z.id === d.name);
  if (hits.length > 1) {
    throw new KopsError('ManagedZoneAmbiguous', `spec.dnsZone: ${hits.length} ${visibility} Cloud DNS managed zones of project ${ctx.project} are named ${fqdn(d.name)} (${hits.map((z) => z.name).join(', ')})`, {
      hint: `set spec.dnsZone to the managed zone's name (kops-ts edit cluster ${ctx.clusterName}), e.g. ${hits[0]?.name ?? ''}`,
    });
  }
  return hits[0];
}

/** The error for a zone that does not exist: names the field, the project and what to do. */
export function managedZoneNotFound(project: string, d: GceDnsZoneDesired): KopsError {
  const visibility = d.private ? 'private' : 'public';
  const what = byDnsName(d.name) ? `no ${visibility} Cloud DNS managed zone for ${fqdn(d.name)}` : `no Cloud DNS managed zone named ${d.name}`;
  const dns = byDnsName(d.name) ? fqdn(d.name) : '<domain>.';
  return new KopsError('ManagedZoneNotFound', `spec.dnsZone is ${JSON.stringify(d.name)}, but project ${project} has ${what}`, {
    hint:
      'kops-ts publishes the API record in an existing zone and never creates one: create it ' +
      `(gcloud dns managed-zones create <zone-name> --dns-name ${dns} --description kops${d.private ? ' --visibility private --networks <network>' : ''}) ` +
      'and delegate it from its parent domain, or set spec.dnsZone to an existing zone (its DNS name or managed zone name), ' +
      'or use topology.dns.type: None to reach the API by the load balancer\'s address',
  });
}

export const dnsZoneKind: TaskKind<GceDnsZoneDesired, GceDnsZoneActual, GceTaskContext> = {
  kind: 'DNSZone',
  fields: {},

  async find(ctx, tasks) {
    const found = new Map<string, GceDnsZoneActual>();
    for (const t of tasks) {
      const z = await findManagedZone(ctx, t.desired);
      if (z) found.set(t.name, z);
    }
    return found;
  },

  // Compared on nothing: a found zone is the zone, whatever it holds.
  view: (): View => ({}),
  actualView: (): View => ({}),

  async apply(ctx, req) {
    if (req.actual && req.action !== 'create') return req.actual;
    throw managedZoneNotFound(ctx.project, req.desired);
  },

  outputs: (a) => ({ id: a.id, name: a.name, dnsName: a.dnsName }),
};
