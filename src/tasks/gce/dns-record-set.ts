/**
 * `DNSRecordSet`: one Cloud DNS record set (name + type) in the cluster's managed zone, e.g.
 * `api.<cluster>` type A to the API load balancer's static address (kops's DNSName task on GCE,
 * kops's dnsprovider/google/clouddns underneath). The task is named after the record, as kops
 * names it.
 *
 * Found by its exact name and type in the zone (`rrsets?name=<fqdn>&type=<type>`); the zone is
 * resolved at find time the way `DNSZone` finds it (shared memo), since refs are not known yet.
 * Created with `rrsets.create` (an `alreadyExists`, a record made since the find, is patched
 * instead), changed in place with `rrsets.patch` (the values and the TTL), deleted with
 * `rrsets.delete`. Record sets carry no labels: the cluster owns exactly the names its model
 * builds, so `delete cluster` deletes those and no other record of the zone, and there is no
 * orphan search (a name the model stopped building is not known to be ours).
 *
 * Cloud DNS methods: resourceRecordSets.list, create, patch, delete.
 */
import { fqdn, type DnsRecordSet } from '../../cloud/gce/dns-api.js';
import { isGceAlreadyExists, isGceNotFound } from '../../cloud/gce/errors.js';
import type { RefResolver, TaskKind, View } from '../types.js';
import type { GceTaskContext } from './context.js';
import { findManagedZone } from './dns-zone.js';
import type { GceDnsRecordSetDesired } from './types.js';

export interface GceDnsRecordSetActual {
  /** The managed zone's name. */
  readonly zone: string;
  /** Fully qualified, lowercase. */
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly rrdatas: readonly string[];
}

function actualOf(zone: string, r: DnsRecordSet): GceDnsRecordSetActual {
  return { zone, name: fqdn(r.name ?? ''), type: r.type ?? '', ttl: r.ttl ?? 0, rrdatas: [...(r.rrdatas ?? [])] };
}

/** A name as the plan shows it: lowercase, no trailing dot. */
function shown(name: string): string {
  return fqdn(name).replace(/\.$/, '');
}

function body(d: GceDnsRecordSetDesired, refs: RefResolver): DnsRecordSet {
  return { name: fqdn(d.name), type: d.type, ttl: d.ttl, rrdatas: d.rrdatas.map((v) => refs.known(v)) };
}

async function deleteRecordSet(ctx: GceTaskContext, a: GceDnsRecordSetActual): Promise<void> {
  try {
    await ctx.clients.dns.deleteRecordSet(ctx.project, a.zone, a.name, a.type);
  } catch (e) {
    // Already gone, or its zone is.
    if (!isGceNotFound(e)) throw e;
  }
}

export const dnsRecordSetKind: TaskKind<GceDnsRecordSetDesired, GceDnsRecordSetActual, GceTaskContext> = {
  kind: 'DNSRecordSet',
  fields: {
    zone: { mode: 'replace' },
    name: { mode: 'replace' },
    type: { mode: 'replace' },
    rrdatas: { compare: 'set' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, GceDnsRecordSetActual>();
    for (const t of tasks) {
      const zone = await findManagedZone(ctx, t.desired.zoneLookup);
      if (!zone) continue;
      const name = fqdn(t.desired.name);
      const list = await ctx.clients.dns.listRecordSets(ctx.project, zone.name, name, t.desired.type);
      const hit = list.find((r) => fqdn(r.name ?? '') === name && r.type === t.desired.type);
      if (hit) found.set(t.name, actualOf(zone.name, hit));
    }
    return found;
  },

  view(d, refs): View {
    return { zone: refs.resolve(d.zone), name: shown(d.name), type: d.type, ttl: d.ttl, rrdatas: d.rrdatas.map((v) => refs.resolve(v)) };
  },

  actualView: (a): View => ({ zone: a.zone, name: shown(a.name), type: a.type, ttl: a.ttl, rrdatas: [...a.rrdatas] }),

  async apply(ctx, req) {
    const { desired: d, refs } = req;
    const zone = refs.known(d.zone);
    const rrset = body(d, refs);
    const name = rrset.name ?? fqdn(d.name);
    if (req.action === 'update' && req.actual) {
      return actualOf(zone, await ctx.clients.dns.patchRecordSet(ctx.project, zone, name, d.type, rrset));
    }
    try {
      return actualOf(zone, await ctx.clients.dns.createRecordSet(ctx.project, zone, rrset));
    } catch (e) {
      // Made since the find (another run, or the user): make it ours by value.
      if (!isGceAlreadyExists(e)) throw e;
      return actualOf(zone, await ctx.clients.dns.patchRecordSet(ctx.project, zone, name, d.type, rrset));
    }
  },

  outputs: (a) => ({ id: `${a.zone}/${a.name}/${a.type}`, name: shown(a.name), zone: a.zone }),

  delete: deleteRecordSet,
};
