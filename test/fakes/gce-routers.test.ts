/**
 * The fake Compute API's `regions/<r>/routers` collection through `@google-cloud/compute`'s
 * RoutersClient: regional operations, the NAT fields kept as sent (plus Google's defaults), the
 * 404/409/400 shapes, list filters and paging, aggregated lists, patch semantics, and the
 * in-use refusals for the network and subnetworks a router names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeGceClients, gceClients, type GceClients } from '../../src/cloud/gce/clients.js';
import { describeGceError, isGceNotFound } from '../../src/cloud/gce/errors.js';
import { awaitOperation } from '../../src/cloud/gce/operations.js';
import { rejectionOf } from '../helpers/errors.js';
import { FakeGceCompute } from './gce-compute.js';

const P = 'router-proj';
const R = 'us-central1';
const BASE = `https://www.googleapis.com/compute/v1/projects/${P}`;
let fake: FakeGceCompute;
let c: GceClients;

beforeAll(async () => {
  fake = new FakeGceCompute();
  c = await gceClients({ project: P, region: R, endpoint: await fake.start() });
  await awaitOperation(c, await c.networks.insert({ project: P, networkResource: { name: 'net', autoCreateSubnetworks: false } }));
  await awaitOperation(c, await c.networks.insert({ project: P, networkResource: { name: 'net2', autoCreateSubnetworks: false } }));
  for (const [name, net, cidr] of [['sub-a', 'net', '10.0.16.0/20'], ['sub-b', 'net', '10.0.32.0/20'], ['sub-x', 'net2', '10.1.0.0/20']] as const) {
    await awaitOperation(c, await c.subnetworks.insert({ project: P, region: R, subnetworkResource: { name, network: `${BASE}/global/networks/${net}`, ipCidrRange: cidr } }));
  }
});
afterAll(async () => {
  await closeGceClients(c);
  await fake.stop();
});

const nat = (name: string, subnets: readonly string[]) => ({
  name,
  natIpAllocateOption: 'AUTO_ONLY',
  sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS',
  subnetworks: subnets.map((s) => ({ name: `${BASE}/regions/${R}/subnetworks/${s}`, sourceIpRangesToNat: ['ALL_IP_RANGES'] })),
  minPortsPerVm: 128,
});

describe('fake Compute API: routers', () => {
  it('inserts with a regional operation; get shows the router with its NAT as sent and Google\'s defaults', async () => {
    const [op] = await c.routers.insert({ project: P, region: R, routerResource: { name: 'rt-a', network: `${BASE}/global/networks/net`, nats: [nat('rt-a', ['sub-a'])] } });
    const o = (op as { latestResponse?: { region?: string; operationType?: string; targetLink?: string } }).latestResponse;
    expect(o?.region).toBe(`${BASE}/regions/${R}`);
    expect(o?.operationType).toBe('insert');
    expect(o?.targetLink).toBe(`${BASE}/regions/${R}/routers/rt-a`);
    await awaitOperation(c, [op]);
    const [r] = await c.routers.get({ project: P, region: R, router: 'rt-a' });
    expect(r.selfLink).toBe(`${BASE}/regions/${R}/routers/rt-a`);
    expect(r.network).toBe(`${BASE}/global/networks/net`);
    expect(r.region).toBe(`${BASE}/regions/${R}`);
    expect('labels' in r).toBe(false); // routers take no labels
    const n = r.nats?.[0];
    expect(n?.name).toBe('rt-a');
    expect(n?.natIpAllocateOption).toBe('AUTO_ONLY');
    expect(n?.sourceSubnetworkIpRangesToNat).toBe('LIST_OF_SUBNETWORKS');
    expect(n?.minPortsPerVm).toBe(128);
    expect(n?.endpointTypes).toEqual(['ENDPOINT_TYPE_VM']);
    expect(n?.subnetworks?.map((s) => [s.name, s.sourceIpRangesToNat])).toEqual([[`${BASE}/regions/${R}/subnetworks/sub-a`, ['ALL_IP_RANGES']]]);
  });

  it('answers 404 notFound for a missing router and 409 alreadyExists for a taken name', async () => {
    const missing = await rejectionOf(c.routers.get({ project: P, region: R, router: 'nope' }));
    expect(isGceNotFound(missing)).toBe(true);
    expect(describeGceError(missing).reason).toBe('notFound');
    const dup = await rejectionOf(c.routers.insert({ project: P, region: R, routerResource: { name: 'rt-a', network: `${BASE}/global/networks/net` } }));
    expect(describeGceError(dup)).toMatchObject({ reason: 'alreadyExists' });
    expect(describeGceError(dup).message).toContain(`projects/${P}/regions/${R}/routers/rt-a`);
  });

  it('refuses a NAT as Compute does: no allocation option, no subnetworks with LIST_OF_SUBNETWORKS, a subnetwork of another network, a missing one', async () => {
    const insert = (n: Record<string, unknown>) => rejectionOf(c.routers.insert({ project: P, region: R, routerResource: { name: 'rt-bad', network: `${BASE}/global/networks/net`, nats: [n] } }));
    const { natIpAllocateOption: _a, ...noAlloc } = nat('rt-bad', ['sub-a']);
    expect(describeGceError(await insert(noAlloc)).reason).toBe('required');
    expect(describeGceError(await insert(nat('rt-bad', []))).message).toContain('at least one subnetwork');
    expect(describeGceError(await insert(nat('rt-bad', ['sub-x']))).message).toContain("router's region and network");
    expect(describeGceError(await insert(nat('rt-bad', ['sub-none']))).reason).toBe('notFound');
    const noNetwork = await rejectionOf(c.routers.insert({ project: P, region: R, routerResource: { name: 'rt-bad' } }));
    expect(describeGceError(noNetwork).reason).toBe('required');
    expect(fake.names(P, `regions/${R}`, 'routers')).toEqual(['rt-a']);
  });

  it('lists with a name filter and pages; the aggregated list keys routers by region', async () => {
    for (const n of ['rt-b', 'rt-c']) await awaitOperation(c, await c.routers.insert({ project: P, region: R, routerResource: { name: n, network: `${BASE}/global/networks/net` } }));
    const names: string[] = [];
    for await (const r of c.routers.listAsync({ project: P, region: R, maxResults: 1 }, { autoPaginate: false })) names.push(r.name ?? '');
    expect(names).toEqual(['rt-a', 'rt-b', 'rt-c']);
    expect(fake.calls.filter((x) => x.method === 'GET' && x.path.endsWith(`/regions/${R}/routers`)).length).toBeGreaterThanOrEqual(3);
    const filtered: string[] = [];
    for await (const r of c.routers.listAsync({ project: P, region: R, filter: 'name eq "(rt-a|rt-c)"' }, { autoPaginate: false })) filtered.push(r.name ?? '');
    expect(filtered).toEqual(['rt-a', 'rt-c']);
    const scopes: Record<string, string[]> = {};
    for await (const [scope, list] of c.routers.aggregatedListAsync({ project: P }, { autoPaginate: false })) scopes[scope] = (list.routers ?? []).map((r) => r.name ?? '');
    expect(scopes[`regions/${R}`]).toEqual(['rt-a', 'rt-b', 'rt-c']);
  });

  it('patch replaces the NATs (JSON merge patch) and keeps the rest; the network cannot change', async () => {
    await awaitOperation(c, await c.routers.patch({ project: P, region: R, router: 'rt-a', routerResource: { nats: [nat('rt-a', ['sub-a', 'sub-b'])] } }));
    const [r] = await c.routers.get({ project: P, region: R, router: 'rt-a' });
    expect(r.network).toBe(`${BASE}/global/networks/net`);
    expect(r.nats?.[0]?.subnetworks?.map((s) => s.name?.split('/').pop())).toEqual(['sub-a', 'sub-b']);
    const moved = await rejectionOf(c.routers.patch({ project: P, region: R, router: 'rt-a', routerResource: { network: `${BASE}/global/networks/net2` } }));
    expect(describeGceError(moved).message).toContain('cannot be changed');
  });

  it('a network or subnetwork a router names cannot be deleted (resourceInUseByAnotherResource); the router can, then they can', async () => {
    const sub = await rejectionOf(c.subnetworks.delete({ project: P, region: R, subnetwork: 'sub-b' }));
    expect(describeGceError(sub).reason).toBe('resourceInUseByAnotherResource');
    expect(describeGceError(sub).message).toContain(`regions/${R}/routers/rt-a`);
    await awaitOperation(c, await c.routers.delete({ project: P, region: R, router: 'rt-a' }));
    await awaitOperation(c, await c.subnetworks.delete({ project: P, region: R, subnetwork: 'sub-b' }));
    await awaitOperation(c, await c.subnetworks.delete({ project: P, region: R, subnetwork: 'sub-a' }));
    const net = await rejectionOf(c.networks.delete({ project: P, network: 'net' }));
    expect(describeGceError(net).message).toMatch(/routers\/rt-[bc]/);
    for (const n of ['rt-b', 'rt-c']) await awaitOperation(c, await c.routers.delete({ project: P, region: R, router: n }));
    await awaitOperation(c, await c.networks.delete({ project: P, network: 'net' }));
    expect(isGceNotFound(await rejectionOf(c.routers.delete({ project: P, region: R, router: 'rt-a' })))).toBe(true);
  });
});
