/**
 * The API's Cloud DNS record on GCE (kops's DNSModelBuilder with dnsprovider/google/clouddns):
 * with a DNS zone (`spec.dnsZone`, topology DNS Public or Private) the managed zone is found (a
 * shared `DNSZone` task, the user's) and `api.<cluster>` (`spec.api.publicName` /
 * `masterPublicName` when set) is an A record to the static address of the API load balancer
 * (`Address` `api-<safe cluster>`), TTL 60 as kops's dns-controller writes it.
 *
 * Without a load balancer kops pre-creates placeholder records and its in-cluster dns-controller
 * points them at the control planes; kops-ts runs no dns-controller and, as it does on AWS
 * (where the record aliases the API's NLB), points the record at the load balancer, which follows
 * control-plane replacements by itself. So a GCE cluster that publishes DNS has one (completion
 * adds it, validation asks for it). `api.internal.<cluster>` is not published: kops-ts's nodes
 * reach the API by the public name (docs/gce.md). DNS None, and a gossip name (`*.k8s.local`),
 * build nothing here.
 */
import { ref } from '../../tasks/types.js';
import { GCE_KINDS, type GceDnsRecordSetDesired, type GceDnsZoneDesired } from '../../tasks/gce/types.js';
import type { GceModelContext } from './context.js';
import { apiLoadBalancerName } from './names.js';

/** kops's dns-controller TTL for the API records. */
export const GCE_API_RECORD_TTL = 60;

/** Whether the cluster publishes its API in Cloud DNS: a DNS zone, DNS not None, not a gossip name. */
export function publishesDns(m: GceModelContext): boolean {
  const spec = m.cluster.spec;
  const dnsType = spec.topology?.dns?.type ?? 'None';
  return dnsType !== 'None' && Boolean(spec.dnsZone) && !m.name.replace(/\.$/, '').endsWith('.k8s.local');
}

/** The API's public name: `api.publicName`, else `masterPublicName`, else `api.<cluster>`. */
export function apiPublicName(m: GceModelContext): string {
  const spec = m.cluster.spec;
  return spec.api?.publicName || spec.masterPublicName || `api.${m.name}`;
}

export function buildDns(m: GceModelContext): void {
  if (!publishesDns(m) || !m.publicApiLoadBalancer) return;
  const spec = m.cluster.spec;
  const zoneValue = spec.dnsZone ?? '';
  const zone: GceDnsZoneDesired = { name: zoneValue, private: spec.topology?.dns?.type === 'Private' };
  m.add<GceDnsZoneDesired>({ kind: GCE_KINDS.dnsZone, name: zoneValue, shared: true, desired: zone });
  const name = apiPublicName(m);
  m.add<GceDnsRecordSetDesired>({
    kind: GCE_KINDS.dnsRecordSet,
    name,
    desired: {
      zone: ref(GCE_KINDS.dnsZone, zoneValue, 'name'),
      zoneLookup: zone,
      name,
      type: 'A',
      ttl: GCE_API_RECORD_TTL,
      rrdatas: [ref(GCE_KINDS.address, apiLoadBalancerName(m.name), 'address')],
    },
  });
}
