/**
 * The fake Compute API's networking (test/fakes/gce-compute.ts): networks and firewall rules
 * (`/compute/v1/projects/<p>/global/{networks,firewalls}[/<name>]`), subnetworks and Cloud Routers
 * with their NATs (`/compute/v1/projects/<p>/regions/<r>/{subnetworks,routers}[/<name>]`): insert,
 * get, list, patch, delete. A network used by a subnetwork, firewall rule, router or forwarding
 * rule, and a subnetwork used by a forwarding rule or a router's NAT, is refused deletion (400
 * `resourceInUseByAnotherResource`); a subnetwork's patch needs its current `fingerprint` (412
 * `conditionNotMet`) and cannot change `ipCidrRange`; a router's cannot change its network.
 */
import type { ComputeState, ResourceKind } from './gce-compute-store.js';
import { fingerprint, HttpError, NAME_RE, need, type Json } from './gce-compute-wire.js';

/**
 * A router's `nats`, checked as Compute checks them and kept as sent, with the defaults Google
 * fills in (`endpointTypes`, `enableEndpointIndependentMapping`): a name, `natIpAllocateOption`
 * (`AUTO_ONLY`, or `MANUAL_ONLY` with `natIps`), `sourceSubnetworkIpRangesToNat`, and with
 * `LIST_OF_SUBNETWORKS` at least one subnetwork of the router's region and network, each with
 * `sourceIpRangesToNat`; subnetwork names are stored as full URLs.
 */
function routerNats(s: ComputeState, router: Json, nats: unknown): Json[] {
  if (nats === undefined || nats === null) return [];
  if (!Array.isArray(nats)) throw new HttpError(400, 'invalid', "Invalid value for field 'resource.nats'");
  const seen = new Set<string>();
  return (nats as Json[]).map((n, i) => {
    const field = (f: string) => `resource.nats[${i}].${f}`;
    if (typeof n.name !== 'string' || !NAME_RE.test(n.name)) throw new HttpError(400, 'invalid', `Invalid value for field '${field('name')}': '${String(n.name)}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`);
    if (seen.has(n.name)) throw new HttpError(400, 'invalid', `Invalid value for field '${field('name')}': '${n.name}'. Duplicate NAT name.`);
    seen.add(n.name);
    const alloc = n.natIpAllocateOption;
    if (alloc !== 'AUTO_ONLY' && alloc !== 'MANUAL_ONLY') throw new HttpError(400, alloc === undefined ? 'required' : 'invalid', `Invalid value for field '${field('natIpAllocateOption')}': '${String(alloc)}'.`);
    if (alloc === 'MANUAL_ONLY' && !((n.natIps as unknown[] | undefined) ?? []).length) throw new HttpError(400, 'invalid', `Invalid value for field '${field('natIps')}': NAT IPs must be specified with MANUAL_ONLY.`);
    const source = n.sourceSubnetworkIpRangesToNat;
    if (source !== 'ALL_SUBNETWORKS_ALL_IP_RANGES' && source !== 'ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES' && source !== 'LIST_OF_SUBNETWORKS') {
      throw new HttpError(400, source === undefined ? 'required' : 'invalid', `Invalid value for field '${field('sourceSubnetworkIpRangesToNat')}': '${String(source)}'.`);
    }
    const subnetworks = (n.subnetworks as Json[] | undefined) ?? [];
    if (source === 'LIST_OF_SUBNETWORKS' && subnetworks.length === 0) throw new HttpError(400, 'invalid', `Invalid value for field '${field('subnetworks')}': at least one subnetwork is required with LIST_OF_SUBNETWORKS.`);
    if (source !== 'LIST_OF_SUBNETWORKS' && subnetworks.length > 0) throw new HttpError(400, 'invalid', `Invalid value for field '${field('subnetworks')}': subnetworks can only be listed with LIST_OF_SUBNETWORKS.`);
    const stored = subnetworks.map((x, j) => {
      const sub = s.refTo(String(x.name ?? ''), 'subnetworks');
      if (sub.region !== router.region || sub.network !== router.network) {
        throw new HttpError(400, 'invalid', `Invalid value for field '${field(`subnetworks[${j}].name`)}': '${String(x.name)}'. The subnetwork must be in the router's region and network.`);
      }
      const ranges = (x.sourceIpRangesToNat as string[] | undefined) ?? [];
      if (ranges.length === 0 || ranges.some((v) => v !== 'ALL_IP_RANGES' && v !== 'PRIMARY_IP_RANGE' && v !== 'LIST_OF_SECONDARY_IP_RANGES')) {
        throw new HttpError(400, 'invalid', `Invalid value for field '${field(`subnetworks[${j}].sourceIpRangesToNat`)}': '${ranges.join(',')}'.`);
      }
      return { ...structuredClone(x), name: sub.selfLink };
    });
    return { endpointTypes: ['ENDPOINT_TYPE_VM'], enableEndpointIndependentMapping: false, ...structuredClone(n), ...(subnetworks.length > 0 ? { subnetworks: stored } : {}) };
  });
}

export const NETWORK_KINDS: Readonly<Record<string, ResourceKind>> = {
  networks: {
    scope: 'global',
    kind: 'compute#network',
    fields: ['autoCreateSubnetworks', 'routingConfig', 'mtu'],
    labels: false,
    patch: true,
    build(_s, r, body) {
      if (body.autoCreateSubnetworks === undefined) r.autoCreateSubnetworks = true;
      r.subnetworks = [];
      r.routingConfig = body.routingConfig ?? { routingMode: 'REGIONAL' };
    },
    checkUnused(s, collection, link) {
      s.inUse(collection, link, 'subnetworks', (o) => o.network === link);
      s.inUse(collection, link, 'firewalls', (o) => o.network === link);
      s.inUse(collection, link, 'routers', (o) => o.network === link);
      s.inUse(collection, link, 'forwardingRules', (o) => o.network === link);
    },
  },
  firewalls: {
    scope: 'global',
    kind: 'compute#firewall',
    fields: ['network', 'priority', 'direction', 'sourceRanges', 'sourceTags', 'targetTags', 'allowed', 'denied', 'disabled', 'destinationRanges'],
    labels: false,
    patch: true,
    build(s, r, body) {
      s.refTo(need(body, 'network') as string, 'networks');
      r.priority = body.priority ?? 1000;
      r.direction = body.direction ?? 'INGRESS';
      r.disabled = body.disabled ?? false;
      r.sourceRanges = body.sourceRanges ?? (body.sourceTags ? [] : ['0.0.0.0/0']);
    },
  },
  subnetworks: {
    scope: 'regions',
    kind: 'compute#subnetwork',
    fields: ['network', 'ipCidrRange', 'secondaryIpRanges', 'privateIpGoogleAccess', 'region', 'stackType', 'purpose'],
    labels: false,
    patch: true,
    build(s, r, body) {
      s.refTo(need(body, 'network') as string, 'networks');
      const cidr = need(body, 'ipCidrRange') as string;
      if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr)) throw new HttpError(400, 'invalid', `Invalid value for field 'resource.ipCidrRange': '${cidr}'. Invalid IPCidrRange: ${cidr}.`);
      r.gatewayAddress = cidr.replace(/\.\d+\/\d+$/, '.1');
      r.fingerprint = fingerprint(r);
      r.secondaryIpRanges = body.secondaryIpRanges ?? [];
    },
    checkUnused(s, collection, link) {
      s.inUse(collection, link, 'forwardingRules', (o) => o.subnetwork === link);
      s.inUse(collection, link, 'routers', (o) => ((o.nats as Json[] | undefined) ?? []).some((n) => ((n.subnetworks as Json[] | undefined) ?? []).some((x) => x.name === link)));
    },
    patchBody(_s, r, body) {
      if (body.fingerprint !== r.fingerprint) throw new HttpError(412, 'conditionNotMet', 'Supplied fingerprint does not match current metadata fingerprint.');
      if (body.ipCidrRange !== undefined && body.ipCidrRange !== r.ipCidrRange) throw new HttpError(400, 'invalid', "Invalid value for field 'resource.ipCidrRange': use expandIpCidrRange.");
      return body;
    },
    patched(r) {
      r.fingerprint = fingerprint({ ...r, fingerprint: undefined });
    },
  },
  routers: {
    scope: 'regions',
    kind: 'compute#router',
    fields: ['network', 'nats', 'bgp', 'bgpPeers', 'interfaces', 'region'],
    labels: false,
    patch: true,
    build(s, r, body) {
      s.refTo(need(body, 'network') as string, 'networks');
      r.nats = routerNats(s, r, body.nats);
    },
    patchBody(s, r, body) {
      if (body.network !== undefined && body.network !== r.network) throw new HttpError(400, 'invalid', "Invalid value for field 'resource.network': a router's network cannot be changed.");
      if (body.nats !== undefined) return { ...body, nats: routerNats(s, r, body.nats) };
      return body;
    },
  },
};
