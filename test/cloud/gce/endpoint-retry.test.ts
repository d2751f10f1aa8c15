/**
 * A GCE read whose connection is reset before any answer is sent again: a pooled keep-alive
 * connection the server has just closed as idle resets the next request sent on it, and a slow
 * client (a loaded machine) sends one on such a connection now and then. Google's Go clients (which
 * kops uses) re-send such an idempotent request on a new connection; here the watched clients do
 * it for reads (`get*`, `list*`, `aggregatedList*`, operations' `wait`), never for a mutation,
 * which may have been applied. Through the real `@google-cloud/compute` clients against the fake,
 * whose `resetRequest` hook resets the connection of a request after reading it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeGceClients, gceClients, type GceClients } from '../../../src/cloud/gce/clients.js';
import { GceEndpointError, GceRunHealth, watchedClients } from '../../../src/cloud/gce/endpoint.js';
import { FakeGceCompute, type GceCall } from '../../fakes/gce-compute.js';

const PROJECT = 'retry-p';
const REGION = 'us-central1';
const fake = new FakeGceCompute();
let raw: GceClients;

beforeAll(async () => {
  await fake.start();
  raw = await gceClients({ project: PROJECT, region: REGION, endpoint: fake.endpoint });
  const c = watchedClients(raw);
  for (const name of ['a1', 'a2']) await c.addresses.insert({ project: PROJECT, region: REGION, addressResource: { name } });
});
afterAll(async () => {
  await closeGceClients(raw);
  await fake.stop();
});

const addressGet = (c: GceCall) => c.method === 'GET' && c.path.endsWith('/addresses/a1');
const addressList = (c: GceCall) => c.method === 'GET' && c.path.endsWith(`/regions/${REGION}/addresses`);

describe('a GCE call whose connection is reset before an answer', () => {
  it('is sent again when it is a read (get), and succeeds', async () => {
    const before = fake.calls.filter(addressGet).length;
    fake.resetRequest(addressGet);
    const [a] = await watchedClients(raw).addresses.get({ project: PROJECT, region: REGION, address: 'a1' });
    expect(a.name).toBe('a1');
    expect(fake.calls.filter(addressGet).length - before).toBe(2);
  });

  it('is sent again when it is the first page of a list (listAsync), with every item once', async () => {
    const before = fake.calls.filter(addressList).length;
    fake.resetRequest(addressList);
    const names: string[] = [];
    for await (const a of watchedClients(raw).addresses.listAsync({ project: PROJECT, region: REGION }, { autoPaginate: false })) names.push(a.name ?? '');
    expect(names.sort()).toEqual(['a1', 'a2']);
    expect(fake.calls.filter(addressList).length - before).toBe(2);
  });

  it('counts each reset attempt with the run health, and a response clears it', async () => {
    const health = new GceRunHealth(fake.endpoint);
    fake.resetRequest(addressGet);
    await watchedClients(raw, health).addresses.get({ project: PROJECT, region: REGION, address: 'a1' });
    expect(health.endpoint.lastFailure?.failure).toBe('connection reset');
    expect(health.endpoint.failing).toBe(false);
  });

  it('gives up after 3 attempts with the connection reset, as a GceEndpointError', async () => {
    const health = new GceRunHealth(fake.endpoint);
    const before = fake.calls.filter(addressGet).length;
    fake.resetRequest(addressGet, 3);
    const e = await watchedClients(raw, health).addresses.get({ project: PROJECT, region: REGION, address: 'a1' }).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(GceEndpointError);
    expect((e as GceEndpointError).failure).toBe('connection reset');
    expect(fake.calls.filter(addressGet).length - before).toBe(3);
  });

  it('is not sent again when it is a mutation (it may have been applied)', async () => {
    const insert = (c: GceCall) => c.method === 'POST' && c.path.endsWith(`/regions/${REGION}/addresses`);
    const before = fake.calls.filter(insert).length;
    fake.resetRequest(insert);
    const e = await watchedClients(raw, new GceRunHealth(fake.endpoint)).addresses.insert({ project: PROJECT, region: REGION, addressResource: { name: 'a3' } }).then(() => undefined, (x: unknown) => x);
    expect((e as GceEndpointError).failure).toBe('connection reset');
    expect(fake.calls.filter(insert).length - before).toBe(1);
    expect(fake.names(PROJECT, `regions/${REGION}`, 'addresses')).toEqual(['a1', 'a2']);
  });
});
