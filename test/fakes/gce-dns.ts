/**
 * A fake of Cloud DNS v1, served by the fake Compute server (test/fakes/gce-compute.ts) on the
 * same endpoint, as kops-ts reaches it through `KOPS_GCE_COMPUTE_ENDPOINT` (src/cloud/gce/dns-api.ts):
 *
 *  - `GET /dns/v1/projects/<p>/managedZones` (`dnsName` filter, `maxResults`, `pageToken`) and
 *    `GET .../managedZones/<zone>` (by name or numeric id);
 *  - `GET .../managedZones/<zone>/rrsets` (`name`, `type` — `type` only with `name`, else 400 —,
 *    `maxResults`, `pageToken`), `POST .../rrsets` (create), `PATCH` and `DELETE
 *    .../rrsets/<name>/<type>`.
 *
 * As Cloud DNS: a new zone holds its apex `SOA` and `NS` record sets, which cannot be deleted;
 * names are fully qualified (a trailing dot) and must lie in the zone's DNS name; an A record's
 * values are IPv4 addresses; one record set per name and type (create of an existing one is 409
 * `alreadyExists`; patch or delete of a missing one 404 `notFound`); a zone that does not exist is
 * 404 `notFound`. Errors are Cloud DNS's shape `{error:{code,message,errors:[{domain,reason,message}]}}`.
 * Permissions as Google's reference names them (`dns.managedZones.list`,
 * `dns.resourceRecordSets.create`, ...; a create, patch or delete is also a change of the zone and
 * needs `dns.changes.create`), checked with the Compute fake's permission set (403 `forbidden`).
 *
 * Not modelled: the `changes` collection (kops-ts does not use it), DNSSEC, routing policies,
 * wildcard and CNAME-exclusivity rules, zone creation through the API (tests add zones with
 * `addZone`), and propagation time (a change is visible at once).
 */
import { isIPv4 } from 'node:net';

export type Json = Record<string, unknown>;

export interface DnsReply {
  readonly status: number;
  readonly body: Json;
}

interface Zone {
  kind: 'dns#managedZone';
  name: string;
  dnsName: string;
  id: string;
  visibility: 'public' | 'private';
  description: string;
  nameServers: string[];
}

interface RecordSet {
  kind: 'dns#resourceRecordSet';
  name: string;
  type: string;
  ttl: number;
  rrdatas: string[];
}

const TYPES = new Set(['A', 'AAAA', 'CAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SPF', 'SRV', 'TXT']);

class DnsError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The permissions Google checks for a Cloud DNS REST call, or undefined if not one it serves. */
export function dnsPermissionsOf(method: string, path: string): string[] | undefined {
  if (/^\/dns\/v1\/projects\/[^/]+\/managedZones$/.test(path)) return method === 'GET' ? ['dns.managedZones.list'] : undefined;
  if (/^\/dns\/v1\/projects\/[^/]+\/managedZones\/[^/]+$/.test(path)) return method === 'GET' ? ['dns.managedZones.get'] : undefined;
  if (/^\/dns\/v1\/projects\/[^/]+\/managedZones\/[^/]+\/rrsets$/.test(path)) {
    return ({ GET: ['dns.resourceRecordSets.list'], POST: ['dns.resourceRecordSets.create', 'dns.changes.create'] } as Record<string, string[]>)[method];
  }
  if (/^\/dns\/v1\/projects\/[^/]+\/managedZones\/[^/]+\/rrsets\/[^/]+\/[^/]+$/.test(path)) {
    return ({ GET: ['dns.resourceRecordSets.get'], PATCH: ['dns.resourceRecordSets.update', 'dns.changes.create'], DELETE: ['dns.resourceRecordSets.delete', 'dns.changes.create'] } as Record<string, string[]>)[method];
  }
  return undefined;
}

function fq(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

export class FakeGceDns {
  private readonly zones = new Map<string, Map<string, Zone>>();
  private readonly records = new Map<string, Map<string, RecordSet>>();
  private nextId = 4_100_000_000_000_000n;
  /** Page size when the request gives no `maxResults` (Cloud DNS's own default is larger; tests lower it to page). */
  defaultPageSize = 100;

  /** Adds a managed zone as its owner would (`gcloud dns managed-zones create`), with its SOA and NS. */
  addZone(project: string, name: string, dnsName: string, visibility: 'public' | 'private' = 'public'): Json {
    const zone: Zone = {
      kind: 'dns#managedZone',
      name,
      dnsName: fq(dnsName),
      id: String(this.nextId++),
      visibility,
      description: '',
      nameServers: ['ns-cloud-a1.googledomains.com.', 'ns-cloud-a2.googledomains.com.'],
    };
    this.projectZones(project).set(name, zone);
    const rs = this.zoneRecords(project, name);
    rs.set(`${zone.dnsName}|SOA`, { kind: 'dns#resourceRecordSet', name: zone.dnsName, type: 'SOA', ttl: 21600, rrdatas: [`ns-cloud-a1.googledomains.com. cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300`] });
    rs.set(`${zone.dnsName}|NS`, { kind: 'dns#resourceRecordSet', name: zone.dnsName, type: 'NS', ttl: 21600, rrdatas: [...zone.nameServers] });
    return { ...zone };
  }

  /** Adds a record set behind the client's back (the user's, or drift). */
  addRecord(project: string, zone: string, r: { name: string; type: string; ttl?: number; rrdatas: string[] }): void {
    this.zoneRecords(project, zone).set(`${fq(r.name)}|${r.type}`, { kind: 'dns#resourceRecordSet', name: fq(r.name), type: r.type, ttl: r.ttl ?? 300, rrdatas: [...r.rrdatas] });
  }

  /** A zone's record sets (copies), sorted by name and type. */
  recordSets(project: string, zone: string): Json[] {
    return this.sorted(project, zone).map((r) => ({ ...r, rrdatas: [...r.rrdatas] }));
  }

  /** Serves the call if it is Cloud DNS's (`/dns/v1/...`), else undefined. */
  handle(method: string, path: string, query: Readonly<Record<string, string>>, body: Json | undefined, permissions: ReadonlySet<string> | undefined, used: Set<string>): DnsReply | undefined {
    if (!path.startsWith('/dns/v1/')) return undefined;
    try {
      const needed = dnsPermissionsOf(method, path);
      if (!needed) throw new DnsError(404, 'notFound', `The requested URL ${path} was not found on this server.`);
      const m = /^\/dns\/v1\/projects\/([^/]+)\/managedZones(?:\/([^/]+)(?:\/rrsets(?:\/([^/]+)\/([^/]+))?)?)?$/.exec(path);
      const project = decodeURIComponent(m?.[1] ?? '');
      const resource = path.replace(/^\/dns\/v1\//, '');
      for (const p of needed) {
        used.add(p);
        if (permissions && !permissions.has(p)) throw new DnsError(403, 'forbidden', `Forbidden: Required '${p}' permission for '${resource}'`);
      }
      const zoneRef = m?.[2] === undefined ? undefined : decodeURIComponent(m[2]);
      const isRrsets = path.includes('/rrsets');
      if (zoneRef === undefined) return ok(this.page(this.listZones(project, query.dnsName), 'managedZones', query));
      const zone = this.zone(project, zoneRef);
      if (!isRrsets) return ok({ ...zone });
      const rname = m?.[3] === undefined ? undefined : decodeURIComponent(m[3]);
      const rtype = m?.[4] === undefined ? undefined : decodeURIComponent(m[4]);
      if (rname === undefined) {
        if (method === 'GET') return ok(this.page(this.listRecords(project, zone, query), 'rrsets', query));
        return ok({ ...this.create(project, zone, body ?? {}) });
      }
      const key = `${fq(rname)}|${rtype ?? ''}`;
      const rs = this.zoneRecords(project, zone.name);
      const existing = rs.get(key);
      if (!existing) throw new DnsError(404, 'notFound', `The 'parameters.name' resource named '${fq(rname)} (${rtype ?? ''})' does not exist.`);
      if (method === 'GET') return ok({ ...existing });
      if (method === 'DELETE') {
        if (existing.name === zone.dnsName && (existing.type === 'SOA' || existing.type === 'NS')) {
          throw new DnsError(400, 'invalidOperation', `The ${existing.type} record at the apex of zone ${zone.name} cannot be deleted.`);
        }
        rs.delete(key);
        return ok({});
      }
      // PATCH: the values and the TTL; name and type, if given, must be the record's.
      const b = body ?? {};
      if ((b.name !== undefined && fq(String(b.name)) !== existing.name) || (b.type !== undefined && b.type !== existing.type)) {
        throw new DnsError(400, 'invalid', `Invalid value for 'entity.rrset': the name and type of a record set cannot be changed`);
      }
      const next = this.validated(zone, { name: existing.name, type: existing.type, ttl: b.ttl ?? existing.ttl, rrdatas: b.rrdatas ?? existing.rrdatas });
      rs.set(key, next);
      return ok({ ...next });
    } catch (e) {
      if (!(e instanceof DnsError)) throw e;
      return { status: e.status, body: { error: { code: e.status, message: e.message, errors: [{ domain: 'global', reason: e.reason, message: e.message }] } } };
    }
  }

  // -------------------------------------------------------------------------------------------

  private projectZones(project: string): Map<string, Zone> {
    let z = this.zones.get(project);
    if (!z) this.zones.set(project, (z = new Map()));
    return z;
  }

  private zoneRecords(project: string, zone: string): Map<string, RecordSet> {
    const key = `${project}/${zone}`;
    let r = this.records.get(key);
    if (!r) this.records.set(key, (r = new Map()));
    return r;
  }

  private zone(project: string, ref: string): Zone {
    const zones = this.projectZones(project);
    const z = zones.get(ref) ?? [...zones.values()].find((x) => x.id === ref);
    if (!z) throw new DnsError(404, 'notFound', `The 'parameters.managedZone' resource named '${ref}' does not exist.`);
    return z;
  }

  private listZones(project: string, dnsName: string | undefined): Json[] {
    const all = [...this.projectZones(project).values()].sort((a, b) => a.name.localeCompare(b.name));
    return (dnsName ? all.filter((z) => z.dnsName === fq(dnsName)) : all).map((z) => ({ ...z }));
  }

  private sorted(project: string, zone: string): RecordSet[] {
    return [...this.zoneRecords(project, zone).values()].sort((a, b) => (a.name === b.name ? a.type.localeCompare(b.type) : a.name.localeCompare(b.name)));
  }

  private listRecords(project: string, zone: Zone, query: Readonly<Record<string, string>>): Json[] {
    if (query.type !== undefined && query.name === undefined) throw new DnsError(400, 'invalid', "Invalid value for 'parameters.type': type may only be given with name");
    return this.sorted(project, zone.name)
      .filter((r) => (query.name === undefined || r.name === fq(query.name)) && (query.type === undefined || r.type === query.type))
      .map((r) => ({ ...r, rrdatas: [...r.rrdatas] }));
  }

  private page(items: Json[], field: string, query: Readonly<Record<string, string>>): Json {
    const size = Math.min(Math.max(Number(query.maxResults ?? this.defaultPageSize) || this.defaultPageSize, 1), 1000);
    const start = query.pageToken ? Number(Buffer.from(query.pageToken, 'base64').toString('utf8')) : 0;
    if (!Number.isInteger(start) || start < 0 || start > items.length) throw new DnsError(400, 'invalid', "Invalid value for 'parameters.pageToken'");
    const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
    return { kind: field === 'rrsets' ? 'dns#resourceRecordSetsListResponse' : 'dns#managedZonesListResponse', [field]: items.slice(start, start + size), ...(next ? { nextPageToken: next } : {}) };
  }

  private create(project: string, zone: Zone, b: Json): RecordSet {
    const r = this.validated(zone, { name: String(b.name ?? ''), type: String(b.type ?? ''), ttl: b.ttl, rrdatas: b.rrdatas });
    const rs = this.zoneRecords(project, zone.name);
    const key = `${r.name}|${r.type}`;
    if (rs.has(key)) throw new DnsError(409, 'alreadyExists', `The resource 'entity.rrset' named '${r.name} (${r.type})' already exists`);
    rs.set(key, r);
    return r;
  }

  private validated(zone: Zone, b: { name: string; type: string; ttl: unknown; rrdatas: unknown }): RecordSet {
    if (!b.name) throw new DnsError(400, 'required', "Required property 'entity.rrset.name' is missing");
    const name = fq(b.name);
    if (name !== zone.dnsName && !name.endsWith(`.${zone.dnsName}`)) {
      throw new DnsError(400, 'invalid', `Invalid value for 'entity.rrset.name': '${name}' is not inside the zone's DNS name '${zone.dnsName}'`);
    }
    if (!TYPES.has(b.type)) throw new DnsError(400, 'invalid', `Invalid value for 'entity.rrset.type': '${b.type}'`);
    const ttl = b.ttl === undefined ? 300 : Number(b.ttl);
    if (!Number.isInteger(ttl) || ttl < 0) throw new DnsError(400, 'invalid', `Invalid value for 'entity.rrset.ttl': '${String(b.ttl)}'`);
    if (!Array.isArray(b.rrdatas) || b.rrdatas.length === 0) throw new DnsError(400, 'required', "Required property 'entity.rrset.rrdata' is missing");
    const rrdatas = b.rrdatas.map(String);
    rrdatas.forEach((v, i) => {
      if (b.type === 'A' && !isIPv4(v)) throw new DnsError(400, 'invalid', `Invalid value for 'entity.rrset.rrdata[${i}]': '${v}'`);
    });
    return { kind: 'dns#resourceRecordSet', name, type: b.type, ttl, rrdatas };
  }
}

function ok(body: Json): DnsReply {
  return { status: 200, body };
}
