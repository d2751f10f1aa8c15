/**
 * The Compute clients of a cluster: one auth for all of them, and the protos built once per
 * process. Each client's constructor hands gax the same protos object; gax's own cache would key
 * it by a hash of its JSON text (`JSON.stringify` of 11 MB, then a hash) on every construction,
 * which src/cloud/gce/clients.ts avoids by remembering the protos by the object itself.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeGceClients, gceClients, GCE_ENDPOINT_ENV, type GceClients } from '../../../src/cloud/gce/clients.js';

const require = createRequire(import.meta.url);
/** The protos object every Compute client passes to gax (Node's module cache: the same object). */
const protos: unknown = require('@google-cloud/compute/build/protos/protos.json');

const clientsOf = (c: GceClients) => [c.networks, c.subnetworks, c.firewalls, c.disks, c.addresses, c.targetPools, c.forwardingRules, c.routers, c.instanceTemplates, c.instanceGroupManagers, c.instances, c.globalOperations, c.regionOperations, c.zoneOperations];

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('gceClients', () => {
  it("against Google's endpoint, every client shares one auth (one credentials lookup, one token cache)", async () => {
    vi.stubEnv(GCE_ENDPOINT_ENV, '');
    delete process.env[GCE_ENDPOINT_ENV];
    const c = await gceClients({ project: 'p', region: 'us-central1' });
    const auths = new Set(clientsOf(c).map((x) => x.auth));
    expect(auths.size).toBe(1);
    // Compute's default scopes, set by the clients on the shared auth.
    expect([...auths][0]!.defaultScopes).toContain('https://www.googleapis.com/auth/cloud-platform');
    await closeGceClients(c);
  });

  it('against a custom endpoint, every client shares the pass-through auth', async () => {
    const c = await gceClients({ project: 'p', region: 'us-central1', endpoint: 'http://127.0.0.1:9' });
    expect(new Set(clientsOf(c).map((x) => x.auth)).size).toBe(1);
    await closeGceClients(c);
  });

  it('builds the protos once: a second set of clients never serializes the protos object', async () => {
    const first = await gceClients({ project: 'p', region: 'us-central1', endpoint: 'http://127.0.0.1:9' });
    const stringify = vi.spyOn(JSON, 'stringify');
    const second = await gceClients({ project: 'p', region: 'us-central1', endpoint: 'http://127.0.0.1:9' });
    expect(stringify.mock.calls.filter(([value]) => value === protos)).toEqual([]);
    // ... and the clients still describe their methods (the protos they were given are whole).
    expect(typeof second.instanceGroupManagers.listManagedInstances).toBe('function');
    await Promise.all([closeGceClients(first), closeGceClients(second)]);
  });
});
