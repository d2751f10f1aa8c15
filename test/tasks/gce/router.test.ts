/**
 * The `Router` kind (the private subnets' Cloud NAT) against the fake Compute API through the real
 * client: create with its NAT, a second run that changes nothing, a subnet added → one patch, the
 * NAT's other settings and someone else's NAT on the router, orphans by the one exact name, delete.
 */
import { describe, expect, it } from 'vitest';
import { routerName } from '../../../src/model/gce/names.js';
import { networkKind } from '../../../src/tasks/gce/network.js';
import { routerKind } from '../../../src/tasks/gce/router.js';
import { subnetKind } from '../../../src/tasks/gce/subnet.js';
import type { GceNetworkDesired, GceRouterDesired, GceSubnetDesired } from '../../../src/tasks/gce/types.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import type { Json } from '../../fakes/gce-compute.js';
import { CLUSTER, converge, expectIdempotent, planKind, PROJECT, REGION, staticRefs, useFakeGce } from './harness.js';

const t = useFakeGce();
const BASE = `https://www.googleapis.com/compute/v1/projects/${PROJECT}`;
const ROUTERS = new RegExp(`/projects/${PROJECT}/regions/${REGION}/routers`);

const netTask = (name: string): Task<GceNetworkDesired> => ({ kind: 'Network', name, desired: { name, mode: 'custom' } });
const subnetTask = (net: string, sub: string, cidr: string): Task<GceSubnetDesired> => ({
  kind: 'Subnet',
  name: sub,
  desired: { name: sub, region: REGION, network: ref('Network', net, 'selfLink'), ipCidrRange: cidr },
});
const routerTask = (name: string, net: string, subnets: readonly string[]): Task<GceRouterDesired> => ({
  kind: 'Router',
  name,
  desired: {
    name,
    region: REGION,
    network: ref('Network', net, 'selfLink'),
    nat: { name, natIpAllocateOption: 'AUTO_ONLY', sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS', subnetworks: subnets.map((s) => ref('Subnet', s, 'selfLink')) },
  },
});

/** A network and its subnets, converged; the refs to them. */
async function network(net: string, subnets: Record<string, string>) {
  const outputs = { ...(await converge(t.ctx(), networkKind, [netTask(net)])) };
  const refs = staticRefs(outputs);
  Object.assign(outputs, await converge(t.ctx(), subnetKind, Object.entries(subnets).map(([s, cidr]) => subnetTask(net, s, cidr)), refs));
  return staticRefs(outputs);
}

const stored = (name: string): Json => {
  const r = t.fake.get(PROJECT, `regions/${REGION}`, 'routers', name);
  if (!r) throw new Error(`no router ${name}`);
  return r;
};
const natOf = (r: Json, name: string): Json => ((r.nats as Json[]).find((n) => n.name === name) ?? {}) as Json;

describe('Router (Cloud NAT)', () => {
  it('creates the router in the network with kops\'s NAT (AUTO_ONLY, LIST_OF_SUBNETWORKS, ALL_IP_RANGES), and a second run is a no-op', async () => {
    const refs = await network('net-a', { 'priv-a': '10.0.16.0/20' });
    const { outputs } = await expectIdempotent(t, routerKind, [routerTask('nat-a', 'net-a', ['priv-a'])], refs);
    expect(outputs['Router/nat-a']?.selfLink).toBe(`${BASE}/regions/${REGION}/routers/nat-a`);
    const r = stored('nat-a');
    expect(r.network).toBe(`${BASE}/global/networks/net-a`);
    expect(r.nats).toHaveLength(1);
    const nat = natOf(r, 'nat-a');
    expect(nat.natIpAllocateOption).toBe('AUTO_ONLY');
    expect(nat.sourceSubnetworkIpRangesToNat).toBe('LIST_OF_SUBNETWORKS');
    expect(nat.subnetworks).toEqual([{ name: `${BASE}/regions/${REGION}/subnetworks/priv-a`, sourceIpRangesToNat: ['ALL_IP_RANGES'] }]);
    // The second run read the router and wrote nothing.
    expect(t.fake.count('PATCH', ROUTERS)).toBe(0);
    expect(t.fake.count('POST', ROUTERS)).toBe(1);
  });

  it('a subnet added to the NAT is one patch that keeps the router and the other NAT on it', async () => {
    const refs = await network('net-b', { 'priv-b1': '10.0.32.0/20', 'priv-b2': '10.0.48.0/20' });
    await converge(t.ctx(), routerKind, [routerTask('nat-b', 'net-b', ['priv-b1'])], refs);
    const id = stored('nat-b').id;
    // Someone else's NAT on the same router (e.g. added with gcloud): a patch must keep it.
    t.fake.mutate(PROJECT, `regions/${REGION}`, 'routers', 'nat-b', (r) => {
      (r.nats as Json[]).push({ name: 'users-nat', natIpAllocateOption: 'AUTO_ONLY', sourceSubnetworkIpRangesToNat: 'ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES', endpointTypes: ['ENDPOINT_TYPE_VM'] });
    });
    const wanted = routerTask('nat-b', 'net-b', ['priv-b1', 'priv-b2']);
    const [c] = await planKind(t.ctx(), routerKind, [wanted], refs);
    expect(c?.action).toBe('update');
    expect(c?.fields.map((f) => f.field)).toEqual(['natSubnetworks']);
    const patches = t.fake.count('PATCH', ROUTERS);
    await expectIdempotent(t, routerKind, [wanted], refs);
    expect(t.fake.count('PATCH', ROUTERS)).toBe(patches + 1);
    const r = stored('nat-b');
    expect(r.id).toBe(id);
    expect((natOf(r, 'nat-b').subnetworks as Json[]).map((s) => s.name)).toEqual([`${BASE}/regions/${REGION}/subnetworks/priv-b1`, `${BASE}/regions/${REGION}/subnetworks/priv-b2`]);
    expect(natOf(r, 'users-nat').sourceSubnetworkIpRangesToNat).toBe('ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES');
  });

  it('drift in the NAT (a subnet NATed with its primary range only, another allocation) is patched back; a missing NAT is added', async () => {
    const refs = await network('net-c', { 'priv-c': '10.0.64.0/20' });
    await converge(t.ctx(), routerKind, [routerTask('nat-c', 'net-c', ['priv-c'])], refs);
    t.fake.mutate(PROJECT, `regions/${REGION}`, 'routers', 'nat-c', (r) => {
      const nat = natOf(r, 'nat-c');
      (nat.subnetworks as Json[])[0]!.sourceIpRangesToNat = ['PRIMARY_IP_RANGE'];
      nat.natIpAllocateOption = 'MANUAL_ONLY';
    });
    const [c] = await planKind(t.ctx(), routerKind, [routerTask('nat-c', 'net-c', ['priv-c'])], refs);
    expect(c?.fields.map((f) => f.field).sort()).toEqual(['natIpAllocateOption', 'natSubnetworks']);
    await expectIdempotent(t, routerKind, [routerTask('nat-c', 'net-c', ['priv-c'])], refs);
    expect((natOf(stored('nat-c'), 'nat-c').subnetworks as Json[])[0]?.sourceIpRangesToNat).toEqual(['ALL_IP_RANGES']);

    t.fake.mutate(PROJECT, `regions/${REGION}`, 'routers', 'nat-c', (r) => {
      r.nats = [];
    });
    const [gone] = await planKind(t.ctx(), routerKind, [routerTask('nat-c', 'net-c', ['priv-c'])], refs);
    expect(gone?.action).toBe('update');
    await expectIdempotent(t, routerKind, [routerTask('nat-c', 'net-c', ['priv-c'])], refs);
    expect(stored('nat-c').nats).toHaveLength(1);
  });

  it('another network forces a replacement', async () => {
    const refs = await network('net-d', { 'priv-d': '10.0.80.0/20' });
    await converge(t.ctx(), routerKind, [routerTask('nat-d', 'net-d', ['priv-d'])], refs);
    const moved = await network('net-d2', { 'priv-d2': '10.0.96.0/20' });
    const [c] = await planKind(t.ctx(), routerKind, [routerTask('nat-d', 'net-d2', ['priv-d2'])], moved);
    expect(c?.action).toBe('replace');
    expect(c?.fields.find((f) => f.field === 'network')?.forcesReplacement).toBe(true);
  });

  it('the subnetworks and network a NAT names cannot go before the router; delete removes it, and again is no error', async () => {
    const refs = await network('net-e', { 'priv-e': '10.0.112.0/20' });
    await converge(t.ctx(), routerKind, [routerTask('nat-e', 'net-e', ['priv-e'])], refs);
    const subnet = (await subnetKind.find(t.ctx(), [subnetTask('net-e', 'priv-e', '10.0.112.0/20')])).get('priv-e');
    await expect(subnetKind.delete!(t.ctx(), subnet!)).rejects.toThrow(/already being used by 'projects\/kops-test\/regions\/us-central1\/routers\/nat-e'/);
    const found = (await routerKind.find(t.ctx(), [routerTask('nat-e', 'net-e', ['priv-e'])])).get('nat-e');
    expect(found).toBeDefined();
    await routerKind.delete!(t.ctx(), found!);
    expect(t.fake.names(PROJECT, `regions/${REGION}`, 'routers')).not.toContain('nat-e');
    await routerKind.delete!(t.ctx(), found!);
    await subnetKind.delete!(t.ctx(), subnet!);
  });

  it('orphans: only the router named for this cluster, never another cluster\'s that ends with the same name', async () => {
    const refs = await network('net-f', { 'priv-f': '10.0.128.0/20' });
    const mine = routerName(CLUSTER);
    const other = routerName(`other.${CLUSTER}`); // nat-other-minimal-example-com: ends with -minimal-example-com
    expect(other.endsWith(`-${mine.slice('nat-'.length)}`)).toBe(true);
    await converge(t.ctx(), routerKind, [routerTask(mine, 'net-f', ['priv-f']), routerTask(other, 'net-f', ['priv-f'])], refs);
    const orphans = await routerKind.findOrphans!(t.ctx(), [], new Map());
    expect(orphans.map((o) => o.name)).toEqual([mine]);
    // Described: not an orphan.
    expect(await routerKind.findOrphans!(t.ctx(), [routerTask(mine, 'net-f', ['priv-f'])], new Map())).toEqual([]);
  });

  it('a NAT naming a subnetwork of another network is refused with Google\'s 400', async () => {
    const refs = await network('net-g', { 'priv-g': '10.0.144.0/20' });
    const other = await network('net-g2', { 'priv-g2': '10.0.160.0/20' });
    const both = staticRefs({ ...Object.fromEntries(['Network/net-g', 'Subnet/priv-g'].map((k) => [k, { selfLink: refs.known(ref(k.split('/')[0]!, k.split('/')[1]!, 'selfLink')) }])), 'Subnet/priv-g2': { selfLink: other.known(ref('Subnet', 'priv-g2', 'selfLink')) } });
    await expect(converge(t.ctx(), routerKind, [routerTask('nat-g', 'net-g', ['priv-g2'])], both)).rejects.toThrow(/router's region and network/);
    expect(t.fake.names(PROJECT, `regions/${REGION}`, 'routers')).not.toContain('nat-g');
  });
});
