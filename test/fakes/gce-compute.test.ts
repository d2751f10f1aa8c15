import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeGceClients, gceClients, type GceClients } from '../../src/cloud/gce/clients.js';
import { describeGceError, isGceNotFound } from '../../src/cloud/gce/errors.js';
import { awaitOperation } from '../../src/cloud/gce/operations.js';
import { rejectionOf } from '../helpers/errors.js';
import { FakeGceCompute } from './gce-compute.js';

const P = 'fake-proj';
const R = 'us-central1';
const Z = 'us-central1-a';
let fake: FakeGceCompute;
let c: GceClients;

beforeAll(async () => {
  fake = new FakeGceCompute();
  c = await gceClients({ project: P, region: R, endpoint: await fake.start() });
});
afterAll(async () => {
  await closeGceClients(c);
  await fake.stop();
});

async function network(name: string): Promise<string> {
  await awaitOperation(c, await c.networks.insert({ project: P, networkResource: { name, autoCreateSubnetworks: false } }));
  return `https://www.googleapis.com/compute/v1/projects/${P}/global/networks/${name}`;
}

async function template(name: string, machineType = 'e2-medium'): Promise<string> {
  await awaitOperation(
    c,
    await c.instanceTemplates.insert({
      project: P,
      instanceTemplateResource: { name, properties: { machineType, labels: { 'k8s-io-cluster-name': 'c1' }, metadata: { items: [{ key: 'user-data', value: 'boot' }] } } },
    }),
  );
  return `https://www.googleapis.com/compute/v1/projects/${P}/global/instanceTemplates/${name}`;
}

describe('fake Compute API through @google-cloud/compute', () => {
  it('serves the real paths; inserts return operations awaited with wait', async () => {
    const link = await network('net-a');
    const [n] = await c.networks.get({ project: P, network: 'net-a' });
    expect(n.selfLink).toBe(link);
    expect(n.autoCreateSubnetworks).toBe(false);
    expect('labels' in n).toBe(false); // networks take no labels
    expect(fake.count('POST', /^\/compute\/v1\/projects\/fake-proj\/global\/networks$/)).toBeGreaterThan(0);
    const op = [...fake.calls].reverse().find((x) => x.path.includes('/operations/'));
    expect(op).toBeUndefined(); // DONE at once: awaitOperation needs no wait
  });

  it('keeps an operation RUNNING for operationPolls polls; awaitOperation waits with backoff', async () => {
    fake.operationPolls = 2;
    const sleeps: number[] = [];
    try {
      const res = await c.networks.insert({ project: P, networkResource: { name: 'net-slow', autoCreateSubnetworks: false } });
      const op = await awaitOperation(c, res, { backoffMs: 5, sleep: async (ms) => void sleeps.push(ms) });
      expect(op.status).toBe('DONE');
    } finally {
      fake.operationPolls = 0;
    }
    expect(fake.count('POST', /\/global\/operations\/operation-[^/]+\/wait$/)).toBe(3);
    expect(sleeps).toEqual([5, 10]);
  });

  it('answers 404 notFound and 409 alreadyExists in Google JSON', async () => {
    const e404 = await rejectionOf(c.networks.get({ project: P, network: 'nope' }));
    expect(isGceNotFound(e404)).toBe(true);
    expect(describeGceError(e404)).toMatchObject({ status: 404, reason: 'notFound' });
    await network('net-dup');
    const e409 = await rejectionOf(c.networks.insert({ project: P, networkResource: { name: 'net-dup', autoCreateSubnetworks: false } }));
    expect(describeGceError(e409)).toMatchObject({ status: 409, reason: 'alreadyExists' });
  });

  it('rejects a bad name with 400 invalid and a subnetwork on a missing network with 404', async () => {
    const bad = await rejectionOf(c.networks.insert({ project: P, networkResource: { name: 'Bad_Name' } }));
    expect(describeGceError(bad)).toMatchObject({ status: 400, reason: 'invalid' });
    const missing = await rejectionOf(
      c.subnetworks.insert({ project: P, region: R, subnetworkResource: { name: 's', ipCidrRange: '10.0.0.0/20', network: `projects/${P}/global/networks/none` } }),
    );
    expect(isGceNotFound(missing)).toBe(true);
  });

  it('pages lists with maxResults/pageToken and filters them', async () => {
    for (const n of ['pg-1', 'pg-2', 'pg-3']) await network(n);
    const names: string[] = [];
    for await (const n of c.networks.listAsync({ project: P, maxResults: 2, filter: 'name eq "pg-.*"' }, { autoPaginate: false })) names.push(n.name ?? '');
    expect(names).toEqual(['pg-1', 'pg-2', 'pg-3']);
    const pages = fake.calls.filter((x) => x.method === 'GET' && x.path.endsWith('/global/networks') && x.query.filter === 'name eq "pg-.*"');
    expect(pages.length).toBe(2);
    expect(pages[1]?.query.pageToken).toBeTruthy();
  });

  it('keeps labels with a fingerprint and refuses setLabels with a stale one (412)', async () => {
    await awaitOperation(c, await c.disks.insert({ project: P, zone: Z, diskResource: { name: 'd1', sizeGb: '20', type: `projects/${P}/zones/${Z}/diskTypes/pd-ssd`, labels: { a: '1' } } }));
    const [d] = await c.disks.get({ project: P, zone: Z, disk: 'd1' });
    expect(d.labels).toEqual({ a: '1' });
    expect(String(d.sizeGb)).toBe('20');
    await awaitOperation(c, await c.disks.setLabels({ project: P, zone: Z, resource: 'd1', zoneSetLabelsRequestResource: { labels: { a: '2' }, labelFingerprint: d.labelFingerprint ?? '' } }));
    const stale = await rejectionOf(c.disks.setLabels({ project: P, zone: Z, resource: 'd1', zoneSetLabelsRequestResource: { labels: { a: '3' }, labelFingerprint: d.labelFingerprint ?? '' } }));
    expect(describeGceError(stale)).toMatchObject({ status: 412 });
    const agg: string[] = [];
    for await (const [scope, list] of c.disks.aggregatedListAsync({ project: P, filter: 'labels.a = "2"' }, { autoPaginate: false })) for (const x of list.disks ?? []) agg.push(`${scope}/${x.name ?? ''}`);
    expect(agg).toEqual([`zones/${Z}/d1`]);
    // Aggregated lists page across scopes; empty scopes carry a warning, not a list.
    for (const z of ['us-central1-b', 'us-central1-c']) {
      await awaitOperation(c, await c.disks.insert({ project: P, zone: z, diskResource: { name: `d-${z}`, sizeGb: '10', labels: { a: '2' } } }));
    }
    const paged: string[] = [];
    for await (const [scope, list] of c.disks.aggregatedListAsync({ project: P, maxResults: 1, filter: 'labels.a = "2"' }, { autoPaginate: false })) {
      for (const x of list.disks ?? []) paged.push(`${scope}/${x.name ?? ''}`);
      if ((list.disks ?? []).length === 0) expect(list.warning?.code).toBe('NO_RESULTS_ON_PAGE');
    }
    expect(paged).toEqual([`zones/${Z}/d1`, 'zones/us-central1-b/d-us-central1-b', 'zones/us-central1-c/d-us-central1-c']);
    expect(fake.calls.filter((x) => x.path.endsWith('/aggregated/disks') && x.query.maxResults === '1')).toHaveLength(3);
  });

  it('reports a failed operation through its error, and the resource is not created', async () => {
    fake.failOperation((x) => x.path.endsWith('/global/networks'), { status: 403, reason: 'QUOTA_EXCEEDED', message: "Quota 'NETWORKS' exceeded" });
    const e = await rejectionOf(awaitOperation(c, await c.networks.insert({ project: P, networkResource: { name: 'net-q', autoCreateSubnetworks: false } })));
    expect(String(e)).toMatch(/QUOTA_EXCEEDED: Quota 'NETWORKS' exceeded \(HTTP 403\)/);
    expect(fake.names(P, 'global', 'networks')).not.toContain('net-q');
  });

  it('resets the connection of a request resetRequest matches, before any effect, and answers the next', async () => {
    const url = `${fake.endpoint}/compute/v1/projects/${P}/global/networks`;
    fake.resetRequest((x) => x.method === 'POST' && x.path.endsWith('/global/networks'));
    const e = await rejectionOf(fetch(url, { method: 'POST', body: JSON.stringify({ name: 'net-reset' }), headers: { 'content-type': 'application/json' } }), TypeError);
    expect((e.cause as { code?: string }).code).toBe('ECONNRESET');
    expect(fake.resetCalls.at(-1)).toMatchObject({ method: 'POST', body: { name: 'net-reset' } });
    expect(fake.names(P, 'global', 'networks')).not.toContain('net-reset');
    expect((await fetch(`${url}/net-reset`)).status).toBe(404);
  });

  it('runs a managed instance group: instances from the template, resize, setInstanceTemplate for new instances only', async () => {
    fake.random = (() => {
      let i = 0;
      return () => ((i++ * 7) % 36) / 36;
    })();
    const t1 = await template('tpl-1');
    await awaitOperation(c, await c.instanceGroupManagers.insert({ project: P, zone: Z, instanceGroupManagerResource: { name: 'mig', baseInstanceName: 'nodes', instanceTemplate: t1, targetSize: 2 } }));
    const list = async () => {
      const out: { name: string; template: string }[] = [];
      for await (const m of c.instanceGroupManagers.listManagedInstancesAsync({ project: P, zone: Z, instanceGroupManager: 'mig' }, { autoPaginate: false })) {
        out.push({ name: (m.instance ?? '').split('/').pop() ?? '', template: (m.version?.instanceTemplate ?? '').split('/').pop() ?? '' });
      }
      return out;
    };
    const first = await list();
    expect(first).toHaveLength(2);
    for (const m of first) expect(m.name).toMatch(/^nodes-[a-z0-9]{4}$/);
    expect(first.every((m) => m.template === 'tpl-1')).toBe(true);
    const [inst] = await c.instances.get({ project: P, zone: Z, instance: first[0]?.name ?? '' });
    expect(inst.labels).toEqual({ 'k8s-io-cluster-name': 'c1' });

    const t2 = await template('tpl-2', 'e2-standard-4');
    await awaitOperation(c, await c.instanceGroupManagers.setInstanceTemplate({ project: P, zone: Z, instanceGroupManager: 'mig', instanceGroupManagersSetInstanceTemplateRequestResource: { instanceTemplate: t2 } }));
    await awaitOperation(c, await c.instanceGroupManagers.resize({ project: P, zone: Z, instanceGroupManager: 'mig', size: 3 }));
    const after = await list();
    expect(after.map((m) => m.template).sort()).toEqual(['tpl-1', 'tpl-1', 'tpl-2']);
    // The old template is in use by nobody now; the new one is, and cannot be deleted.
    const inUse = await rejectionOf(c.instanceTemplates.delete({ project: P, instanceTemplate: 'tpl-2' }));
    expect(describeGceError(inUse)).toMatchObject({ status: 400, reason: 'resourceInUseByAnotherResource' });

    // instances.delete of a member: the group recreates it under the same name, from tpl-2.
    const old = after.find((m) => m.template === 'tpl-1')?.name ?? '';
    await awaitOperation(c, await c.instances.delete({ project: P, zone: Z, instance: old }));
    const recreated = await list();
    expect(recreated.find((m) => m.name === old)?.template).toBe('tpl-2');

    // deleteInstances and abandonInstances lower targetSize (GCE's documented behaviour).
    const url = (n: string) => `https://www.googleapis.com/compute/v1/projects/${P}/zones/${Z}/instances/${n}`;
    await awaitOperation(c, await c.instanceGroupManagers.deleteInstances({ project: P, zone: Z, instanceGroupManager: 'mig', instanceGroupManagersDeleteInstancesRequestResource: { instances: [url(old)] } }));
    const abandoned = (await list())[0]?.name ?? '';
    await awaitOperation(c, await c.instanceGroupManagers.abandonInstances({ project: P, zone: Z, instanceGroupManager: 'mig', instanceGroupManagersAbandonInstancesRequestResource: { instances: [url(abandoned)] } }));
    const [mig] = await c.instanceGroupManagers.get({ project: P, zone: Z, instanceGroupManager: 'mig' });
    expect(mig.targetSize).toBe(1);
    expect(await list()).toHaveLength(1);
    expect(fake.names(P, `zones/${Z}`, 'instances')).toContain(abandoned);
    expect(fake.names(P, `zones/${Z}`, 'instances')).not.toContain(old);
  });

  it("gives instances the template's interfaces with internal IPs from the subnetwork; stop/start; aggregatedList filters on labels", async () => {
    const net = await network('net-ip');
    await awaitOperation(c, await c.subnetworks.insert({ project: P, region: R, subnetworkResource: { name: 'sub-ip', network: net, ipCidrRange: '10.0.16.0/28' } }));
    const sub = `https://www.googleapis.com/compute/v1/projects/${P}/regions/${R}/subnetworks/sub-ip`;
    const tpl = async (name: string, labels: Record<string, string>) => {
      const properties = { machineType: 'e2-medium', labels, networkInterfaces: [{ network: net, subnetwork: sub, accessConfigs: [] }] };
      await awaitOperation(c, await c.instanceTemplates.insert({ project: P, instanceTemplateResource: { name, properties } }));
      return `https://www.googleapis.com/compute/v1/projects/${P}/global/instanceTemplates/${name}`;
    };
    const cp = await tpl('tpl-ip-cp', { 'k8s-io-cluster-name': 'ipc', 'k8s-io-role-control-plane': 'control-plane' });
    const nodes = await tpl('tpl-ip-nodes', { 'k8s-io-cluster-name': 'ipc', 'k8s-io-role-node': 'node' });
    await awaitOperation(c, await c.instanceGroupManagers.insert({ project: P, zone: Z, instanceGroupManagerResource: { name: 'mig-ip-cp', baseInstanceName: 'cp', instanceTemplate: cp, targetSize: 2 } }));
    await awaitOperation(c, await c.instanceGroupManagers.insert({ project: P, zone: 'us-central1-b', instanceGroupManagerResource: { name: 'mig-ip-nodes', baseInstanceName: 'nodes', instanceTemplate: nodes, targetSize: 1 } }));
    const all = fake.all(P, 'instances').filter((i) => (i.labels as Record<string, string>)['k8s-io-cluster-name'] === 'ipc');
    const ips = all.map((i) => (i.networkInterfaces as { networkIP: string }[])[0]?.networkIP);
    expect(ips.sort()).toEqual(['10.0.16.2', '10.0.16.3', '10.0.16.4']);
    const [one] = await c.instances.get({ project: P, zone: Z, instance: String(all.find((i) => String(i.name).startsWith('cp-'))?.name) });
    expect(one.networkInterfaces).toHaveLength(1);
    expect(one.networkInterfaces?.[0]).toMatchObject({ kind: 'compute#networkInterface', name: 'nic0', network: net, subnetwork: sub, networkIP: expect.stringMatching(/^10\.0\.16\.[234]$/) as unknown, stackType: 'IPV4_ONLY', accessConfigs: [] });

    await awaitOperation(c, await c.instances.stop({ project: P, zone: Z, instance: one.name ?? '' }));
    const [stopped] = await c.instances.get({ project: P, zone: Z, instance: one.name ?? '' });
    expect(stopped.status).toBe('TERMINATED');
    expect(stopped.networkInterfaces?.[0]?.networkIP).toBe(one.networkInterfaces?.[0]?.networkIP);
    expect(fake.used.has('compute.instances.stop')).toBe(true);

    // Compute's filter on labels, across zones: the stopped control plane too, never the node.
    const listed: string[] = [];
    for await (const [, scoped] of c.instances.aggregatedListAsync({ project: P, filter: 'labels.k8s-io-cluster-name = "ipc" AND labels.k8s-io-role-control-plane = "control-plane"', maxResults: 1 }, { autoPaginate: false })) {
      for (const i of scoped.instances ?? []) listed.push(`${i.name ?? ''} ${i.status ?? ''}`);
    }
    expect(listed.sort()).toEqual(all.filter((i) => String(i.name).startsWith('cp-')).map((i) => `${String(i.name)} ${i.name === one.name ? 'TERMINATED' : 'RUNNING'}`).sort());

    await awaitOperation(c, await c.instances.start({ project: P, zone: Z, instance: one.name ?? '' }));
    expect((await c.instances.get({ project: P, zone: Z, instance: one.name ?? '' }))[0].status).toBe('RUNNING');
  });

  it('with requireToken, answers a Compute call without that bearer token 401', async () => {
    fake.requireToken = 'tok-1';
    try {
      const url = `${fake.endpoint}/compute/v1/projects/${P}/aggregated/instances`;
      const none = await fetch(url);
      expect(none.status).toBe(401);
      expect(((await none.json()) as { error: { code: number } }).error.code).toBe(401);
      expect((await fetch(url, { headers: { authorization: 'Bearer other' } })).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: 'Bearer tok-1' } })).status).toBe(200);
    } finally {
      fake.requireToken = undefined;
    }
  });

  it('fails a request with an injected HTTP error (rate limit)', async () => {
    fake.failRequest((x) => x.method === 'GET' && x.path.endsWith('/networks/net-a'), { status: 403, reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' });
    const e = await rejectionOf(c.networks.get({ project: P, network: 'net-a' }));
    expect(describeGceError(e)).toMatchObject({ status: 403, reason: 'rateLimitExceeded' });
    const [n] = await c.networks.get({ project: P, network: 'net-a' });
    expect(n.name).toBe('net-a');
  });
});

describe('fake Compute API: locations and IAM', () => {
  it('names the permission Google checks for each REST call', async () => {
    const { permissionOf } = await import('./gce-compute.js');
    expect(permissionOf('GET', `/compute/v1/projects/${P}`)).toBe('compute.projects.get');
    expect(permissionOf('GET', `/compute/v1/projects/${P}/zones/${Z}`)).toBe('compute.zones.get');
    expect(permissionOf('POST', `/compute/v1/projects/${P}/global/firewalls`)).toBe('compute.firewalls.create');
    expect(permissionOf('PATCH', `/compute/v1/projects/${P}/regions/${R}/subnetworks/s`)).toBe('compute.subnetworks.update');
    expect(permissionOf('GET', `/compute/v1/projects/${P}/aggregated/disks`)).toBe('compute.disks.list');
    expect(permissionOf('POST', `/compute/v1/projects/${P}/zones/${Z}/instanceGroupManagers/m/setInstanceTemplate`)).toBe('compute.instanceGroupManagers.update');
    expect(permissionOf('POST', `/compute/v1/projects/${P}/zones/${Z}/operations/op-1/wait`)).toBe('compute.zoneOperations.get');
    expect(permissionOf('POST', `/compute/v1/projects/${P}/zones/${Z}/disks/d/setLabels`)).toBe('compute.disks.setLabels');
    expect(permissionOf('GET', `/compute/v1/projects/${P}/aggregated/instances`)).toBe('compute.instances.list');
    expect(permissionOf('POST', `/compute/v1/projects/${P}/zones/${Z}/instances/i/stop`)).toBe('compute.instances.stop');
  });

  it("refuses a call without its permission with Google's 403, before any effect", async () => {
    fake.permissions = new Set(['compute.networks.list']);
    try {
      const e = await rejectionOf(c.networks.insert({ project: P, networkResource: { name: 'denied', autoCreateSubnetworks: false } }));
      expect(describeGceError(e)).toEqual({ status: 403, reason: 'forbidden', message: `Required 'compute.networks.create' permission for 'projects/${P}/global/networks'` });
    } finally {
      fake.permissions = undefined;
    }
    expect(fake.names(P, 'global', 'networks')).not.toContain('denied');
  });

  it('serves real regions and zones, 404 for unknown ones and for an unknown project', async () => {
    const compute = await import('@google-cloud/compute');
    const { endpointOptions } = await import('../../src/cloud/gce/clients.js');
    const o = await endpointOptions(fake.endpoint);
    const zones = new compute.ZonesClient(o);
    const regions = new compute.RegionsClient(o);
    try {
      const [z] = await zones.get({ project: P, zone: Z });
      expect(z.name).toBe(Z);
      expect(z.region).toMatch(/\/regions\/us-central1$/);
      const [r] = await regions.get({ project: P, region: R });
      expect(r.zones?.length).toBe(4);
      expect(isGceNotFound(await rejectionOf(zones.get({ project: P, zone: 'us-central1-x' })))).toBe(true);
      fake.projects = new Set(['other']);
      expect(isGceNotFound(await rejectionOf(regions.get({ project: P, region: R })))).toBe(true);
    } finally {
      fake.projects = undefined;
      await zones.close();
      await regions.close();
    }
  });

  it("holds a Service's load balancer as the cloud controller makes it, and refuses deletes in the wrong order (resourceInUseByAnotherResource)", async () => {
    const net = await network('net-lb');
    await awaitOperation(c, await c.instanceGroupManagers.insert({ project: P, zone: Z, instanceGroupManagerResource: { name: 'mig-lb', baseInstanceName: 'lbnode', instanceTemplate: await template('tpl-lb'), targetSize: 1 } }));
    const node = fake.all(P, 'instances').find((i) => String(i.name).startsWith('lbnode-'))?.selfLink as string;
    const lb = 'a0123456789abcdef0123456789abcde';
    const described = JSON.stringify({ 'kubernetes.io/service-name': 'default/web' });
    const rest = async (method: string, path: string, body?: Record<string, unknown>) => {
      const r = await fetch(`${fake.endpoint}/compute/v1/projects/${P}/${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
      return { status: r.status, body: (await r.json()) as { error?: { errors: { reason: string }[]; message: string } } };
    };
    const ok = async (method: string, path: string, body?: Record<string, unknown>) => expect((await rest(method, path, body)).status).toBe(200);
    const refused = async (method: string, path: string, by: string) => {
      const r = await rest(method, path);
      expect(r.status).toBe(400);
      expect(r.body.error?.errors[0]?.reason).toBe('resourceInUseByAnotherResource');
      expect(r.body.error?.message).toContain(`is already being used by 'projects/${P}/${by}'`);
    };
    // A pool of an instance that does not exist is refused, as GCE refuses it.
    expect((await rest('POST', `regions/${R}/targetPools`, { name: 'bad', instances: [node.replace(/lbnode-\w+$/, 'gone')] })).status).toBe(404);
    await ok('POST', 'global/httpHealthChecks', { name: 'k8s-0123456789abcdef-node', port: 10256, requestPath: '/healthz', description: JSON.stringify({ 'kubernetes.io/service-name': 'k8s-0123456789abcdef-node' }) });
    const hc = `https://www.googleapis.com/compute/v1/projects/${P}/global/httpHealthChecks/k8s-0123456789abcdef-node`;
    await ok('POST', `regions/${R}/addresses`, { name: lb, description: described });
    const ip = (await c.addresses.get({ project: P, region: R, address: lb }))[0].address ?? '';
    await ok('POST', `regions/${R}/targetPools`, { name: lb, description: described, instances: [node], healthChecks: [hc], sessionAffinity: 'NONE' });
    const pool = `https://www.googleapis.com/compute/v1/projects/${P}/regions/${R}/targetPools/${lb}`;
    await ok('POST', `regions/${R}/forwardingRules`, { name: lb, description: described, IPAddress: ip, IPProtocol: 'TCP', portRange: '80-80', target: pool });
    await ok('POST', 'global/firewalls', { name: `k8s-fw-${lb}`, network: net, description: described, targetTags: ['c1-k8s-io-role-node'], allowed: [{ IPProtocol: 'tcp', ports: ['80'] }] });
    // An internal load balancer's rule names its network.
    await ok('POST', `regions/${R}/forwardingRules`, { name: 'ilb', loadBalancingScheme: 'INTERNAL', network: net, allPorts: true });

    const [tp] = await c.targetPools.get({ project: P, region: R, targetPool: lb });
    expect(tp.instances).toEqual([node]);
    expect(tp.healthChecks).toEqual([hc]);
    expect(tp.description).toBe(described);
    const [fr] = await c.forwardingRules.get({ project: P, region: R, forwardingRule: lb });
    expect({ target: fr.target, IPAddress: fr.IPAddress, description: fr.description }).toEqual({ target: pool, IPAddress: ip, description: described });

    await refused('DELETE', `regions/${R}/targetPools/${lb}`, `regions/${R}/forwardingRules/${lb}`);
    // Releasing the address the rule holds is allowed (it becomes the rule's ephemeral IP), as the controller relies on.
    await ok('DELETE', `regions/${R}/addresses/${lb}`);
    expect((await c.forwardingRules.get({ project: P, region: R, forwardingRule: lb }))[0].IPAddress).toBe(ip);
    await refused('DELETE', 'global/httpHealthChecks/k8s-0123456789abcdef-node', `regions/${R}/targetPools/${lb}`);
    await refused('DELETE', 'global/networks/net-lb', `global/firewalls/k8s-fw-${lb}`);
    await ok('DELETE', `global/firewalls/k8s-fw-${lb}`);
    await refused('DELETE', 'global/networks/net-lb', `regions/${R}/forwardingRules/ilb`);
    // In order, everything goes.
    for (const path of [`regions/${R}/forwardingRules/ilb`, `regions/${R}/forwardingRules/${lb}`, `regions/${R}/targetPools/${lb}`, 'global/httpHealthChecks/k8s-0123456789abcdef-node', 'global/networks/net-lb']) await ok('DELETE', path);
    await ok('DELETE', `zones/${Z}/instanceGroupManagers/mig-lb`);
  });
});
