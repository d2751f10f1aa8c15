/**
 * Cloud DNS v1 (`dns.googleapis.com/dns/v1`), which `@google-cloud/compute` has no client for,
 * called over REST through the auth client the Compute clients already hold (as IAM's calls are,
 * src/cloud/gce/iam-api.ts): the API records of a GCE cluster that publishes DNS.
 *
 *  - `managedZones.list` (`?dnsName=` narrows it to one DNS name; paged with `pageToken`);
 *  - `resourceRecordSets.list` (`?name=&type=`; paged), `create`, `patch`, `delete`
 *    (`managedZones/<zone>/rrsets[/<name>/<type>]`): each is one atomic change of Cloud DNS.
 *
 * Endpoint: `KOPS_GCE_DNS_ENDPOINT`, else the Compute override (`KOPS_GCE_COMPUTE_ENDPOINT`: the
 * tests' fake serves it too), else Google's. Errors are the transport's `GaxiosError`s with Cloud
 * DNS's body `{error:{code,message,errors:[{reason}]}}` (`notFound`, `alreadyExists`, `invalid`,
 * `forbidden`), read by src/cloud/gce/errors.ts.
 */
import type { AuthRequester } from './iam-api.js';

export const GCE_DNS_ENDPOINT_ENV = 'KOPS_GCE_DNS_ENDPOINT';

/** A Cloud DNS managed zone (`dns#managedZone`). `dnsName` ends with a dot. */
export interface DnsManagedZone {
  readonly name?: string;
  readonly dnsName?: string;
  readonly id?: string;
  readonly visibility?: 'public' | 'private' | string;
  readonly description?: string;
}

/** A record set (`dns#resourceRecordSet`): identified by name (fully qualified, with a dot) and type. */
export interface DnsRecordSet {
  readonly name?: string;
  readonly type?: string;
  readonly ttl?: number;
  readonly rrdatas?: readonly string[];
}

export interface GceDnsApi {
  /** The project's managed zones; with `dnsName` (`example.com.`) only those of that name. */
  listManagedZones(project: string, dnsName?: string): Promise<DnsManagedZone[]>;
  /** A zone's record sets; with `name` (and `type`) only those. */
  listRecordSets(project: string, zone: string, name?: string, type?: string): Promise<DnsRecordSet[]>;
  createRecordSet(project: string, zone: string, rrset: DnsRecordSet): Promise<DnsRecordSet>;
  patchRecordSet(project: string, zone: string, name: string, type: string, rrset: DnsRecordSet): Promise<DnsRecordSet>;
  deleteRecordSet(project: string, zone: string, name: string, type: string): Promise<void>;
}

export function gceDnsApi(auth: AuthRequester, base: string): GceDnsApi {
  const zones = (project: string) => `${base}/dns/v1/projects/${encodeURIComponent(project)}/managedZones`;
  const rrsets = (project: string, zone: string) => `${zones(project)}/${encodeURIComponent(zone)}/rrsets`;
  const one = (project: string, zone: string, name: string, type: string) => `${rrsets(project, zone)}/${encodeURIComponent(name)}/${encodeURIComponent(type)}`;
  async function paged<T>(url: string, field: string, filter: Record<string, string>): Promise<T[]> {
    const out: T[] = [];
    let pageToken: string | undefined;
    do {
      const params: Record<string, string> = { ...filter, ...(pageToken ? { pageToken } : {}) };
      const { data } = await auth.request<Record<string, unknown>>({ url, method: 'GET', params });
      out.push(...((data[field] as T[] | undefined) ?? []));
      const next = data.nextPageToken;
      pageToken = typeof next === 'string' && next !== '' ? next : undefined;
    } while (pageToken);
    return out;
  }
  return {
    listManagedZones(project, dnsName) {
      return paged<DnsManagedZone>(zones(project), 'managedZones', dnsName ? { dnsName } : {});
    },
    listRecordSets(project, zone, name, type) {
      return paged<DnsRecordSet>(rrsets(project, zone), 'rrsets', { ...(name ? { name } : {}), ...(name && type ? { type } : {}) });
    },
    async createRecordSet(project, zone, rrset) {
      return (await auth.request<DnsRecordSet>({ url: rrsets(project, zone), method: 'POST', data: rrset })).data;
    },
    async patchRecordSet(project, zone, name, type, rrset) {
      return (await auth.request<DnsRecordSet>({ url: one(project, zone, name, type), method: 'PATCH', data: rrset })).data;
    },
    async deleteRecordSet(project, zone, name, type) {
      await auth.request<unknown>({ url: one(project, zone, name, type), method: 'DELETE' });
    },
  };
}

/** A DNS name as Cloud DNS stores it: lowercase, fully qualified (a trailing dot). */
export function fqdn(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}
