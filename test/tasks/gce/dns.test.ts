/**
 * The Cloud DNS kinds against the fake Cloud DNS (served by the fake Compute server, reached the
 * way kops-ts reaches it): `DNSZone` (found by DNS name with its visibility or by managed zone
 * name, never created) and `DNSRecordSet` (create, no-op second run, change in place, delete of
 * only its own record), and the provider's pre-flight.
 */
import { describe, expect, it } from 'vitest';
import { closeGceClients, gceClients } from '../../../src/cloud/gce/clients.js';
import { GCE_DNS_ENDPOINT_ENV } from '../../../src/cloud/gce/dns-api.js';
import { gceDnsPreflight } from '../../../src/cloud/gce/dns-preflight.js';
import { gceDeletion } from '../../../src/cloud/gce/deletion.js';
import { dnsRecordSetKind } from '../../../src/tasks/gce/dns-record-set.js';
import { dnsZoneKind } from '../../../src/tasks/gce/dns-zone.js';
import type { GceDnsRecordSetDesired, GceDnsZoneDesired } from '../../../src/tasks/gce/types.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { CLUSTER, converge, expectIdempotent, planKind, PROJECT, SAFE, staticRefs, useFakeGce } from './harness.js';

const t = useFakeGce();

const PUBLIC = 'example-com';
const PRIVATE = 'example-com-private';

const zoneTask = (name: string, priv = false): Task<GceDnsZoneDesired> => ({ kind: 'DNSZone', name, shared: true, desired: { name, private: priv } });
const record = (zone: GceDnsZoneDesired, name = `api.${CLUSTER}`, ttl = 60): Task<GceDnsRecordSetDesired> => ({
  kind: 'DNSRecordSet',
  name,
  desired: { zone: ref('DNSZone', zone.name, 'name'), zoneLookup: zone, name, type: 'A', ttl, rrdatas: [ref('Address', `api-${SAFE}`, 'address')] },
});
const refsFor = (zone: string, ip: string) => staticRefs({ [`DNSZone/example.com`]: { name: zone }, [`Address/api-${SAFE}`]: { address: ip } });
const apiRecord = (zone = PUBLIC) => t.fake.dns.recordSets(PROJECT, zone).find((r) => r.name === `api.${CLUSTER}.` && r.type === 'A');

describe('DNSZone', () => {
  it('finds the zone of a DNS name by visibility, and one by its managed zone name; never creates one', async () => {
    t.fake.dns.addZone(PROJECT, PUBLIC, 'example.com');
    t.fake.dns.addZone(PROJECT, PRIVATE, 'example.com', 'private');
    t.fake.dns.addZone(PROJECT, 'other', 'other.org');
    const found = await dnsZoneKind.find(t.ctx(), [zoneTask('example.com'), zoneTask('example.com.', true), zoneTask('other')]);
    expect(found.get('example.com')).toMatchObject({ name: PUBLIC, dnsName: 'example.com.', visibility: 'public' });
    expect(found.get('example.com.')).toMatchObject({ name: PRIVATE, visibility: 'private' });
    expect(found.get('other')).toMatchObject({ name: 'other', dnsName: 'other.org.' });
    // By DNS name, the list asks Cloud DNS for that name only.
    expect(t.fake.calls.some((c) => c.path === `/dns/v1/projects/${PROJECT}/managedZones` && c.query.dnsName === 'example.com.')).toBe(true);

    const [missing] = await planKind(t.ctx(), dnsZoneKind, [zoneTask('nowhere.example.net')]);
    expect(missing?.action).toBe('create');
    const err = dnsZoneKind.apply(t.ctx(), { action: 'create', name: 'nowhere.example.net', desired: { name: 'nowhere.example.net', private: false }, fields: [], refs: staticRefs({}) });
    await expect(err).rejects.toMatchObject({ code: 'ManagedZoneNotFound' });
    await expect(err).rejects.toThrow(/spec\.dnsZone is "nowhere\.example\.net", but project kops-test has no public Cloud DNS managed zone for nowhere\.example\.net\./);
    expect(t.fake.calls.filter((c) => c.path.startsWith('/dns/') && c.method !== 'GET')).toEqual([]);
  });

  it('refuses two zones of the same name and visibility, naming both', async () => {
    t.fake.dns.addZone(PROJECT, 'dup-a', 'dup.example.org');
    t.fake.dns.addZone(PROJECT, 'dup-b', 'dup.example.org');
    await expect(dnsZoneKind.find(t.ctx(), [zoneTask('dup.example.org')])).rejects.toThrow(/2 public Cloud DNS managed zones .* \(dup-a, dup-b\)/);
  });

  it('pages through the project\'s zones and a zone\'s record sets (pageToken)', async () => {
    t.fake.dns.defaultPageSize = 1;
    try {
      const found = await dnsZoneKind.find(t.ctx(), [zoneTask('other')]);
      expect(found.get('other')?.name).toBe('other');
      expect(t.fake.calls.filter((c) => c.path === `/dns/v1/projects/${PROJECT}/managedZones` && c.query.pageToken !== undefined).length).toBeGreaterThan(2);
      t.fake.dns.addRecord(PROJECT, 'other', { name: 'a.other.org', type: 'A', rrdatas: ['192.0.2.1'] });
      const all = await t.ctx().clients.dns.listRecordSets(PROJECT, 'other');
      expect(all.map((r) => `${r.name ?? ''} ${r.type ?? ''}`)).toEqual(['a.other.org. A', 'other.org. NS', 'other.org. SOA']);
      expect(t.fake.calls.filter((c) => c.path === `/dns/v1/projects/${PROJECT}/managedZones/other/rrsets` && c.query.pageToken !== undefined)).toHaveLength(2);
    } finally {
      t.fake.dns.defaultPageSize = 100;
    }
  });
});

describe('DNSRecordSet', () => {
  const zone: GceDnsZoneDesired = { name: 'example.com', private: false };

  it('creates api.<cluster> A to the address; a second run finds it, no change', async () => {
    const { outputs } = await expectIdempotent(t, dnsRecordSetKind, [record(zone)], refsFor(PUBLIC, '203.0.113.10'));
    expect(apiRecord()).toMatchObject({ type: 'A', ttl: 60, rrdatas: ['203.0.113.10'] });
    expect(outputs[`DNSRecordSet/api.${CLUSTER}`]).toMatchObject({ name: `api.${CLUSTER}`, zone: PUBLIC });
    expect(t.fake.count('POST', new RegExp(`/managedZones/${PUBLIC}/rrsets$`))).toBe(1);
    // The private zone of the same name is not touched.
    expect(t.fake.dns.recordSets(PROJECT, PRIVATE).map((r) => r.type).sort()).toEqual(['NS', 'SOA']);
  });

  it('changes the address and the TTL in place (patch), nothing else', async () => {
    const [c] = await planKind(t.ctx(), dnsRecordSetKind, [record(zone, undefined, 30)], refsFor(PUBLIC, '203.0.113.20'));
    expect(c?.action).toBe('update');
    expect(c?.fields.map((f) => f.field).sort()).toEqual(['rrdatas', 'ttl']);
    const posts = t.fake.count('POST', /\/rrsets$/);
    await expectIdempotent(t, dnsRecordSetKind, [record(zone, undefined, 30)], refsFor(PUBLIC, '203.0.113.20'));
    expect(apiRecord()).toMatchObject({ ttl: 30, rrdatas: ['203.0.113.20'] });
    expect(t.fake.count('PATCH', new RegExp(`/rrsets/${encodeURIComponent(`api.${CLUSTER}.`)}/A$`))).toBe(1);
    expect(t.fake.count('POST', /\/rrsets$/)).toBe(posts);
  });

  it('takes a record made since the find (409 alreadyExists) and patches it to its values', async () => {
    const other = record(zone, `api2.${CLUSTER}`);
    const ctx = t.ctx();
    expect((await dnsRecordSetKind.find(ctx, [other])).size).toBe(0);
    t.fake.dns.addRecord(PROJECT, PUBLIC, { name: `api2.${CLUSTER}`, type: 'A', rrdatas: ['198.51.100.1'] });
    const after = await dnsRecordSetKind.apply(ctx, { action: 'create', name: other.name, desired: other.desired, fields: [], refs: refsFor(PUBLIC, '203.0.113.20') });
    expect(after.rrdatas).toEqual(['203.0.113.20']);
    expect(t.fake.dns.recordSets(PROJECT, PUBLIC).find((r) => r.name === `api2.${CLUSTER}.`)).toMatchObject({ ttl: 60, rrdatas: ['203.0.113.20'] });
    const found = await dnsRecordSetKind.find(t.ctx(), [other]);
    await dnsRecordSetKind.delete!(t.ctx(), found.get(other.name)!);
  });

  it('deletes only its own record: the decoys of the zone (another type, another name) stay', async () => {
    t.fake.dns.addRecord(PROJECT, PUBLIC, { name: `api.${CLUSTER}`, type: 'TXT', rrdatas: ['"the user\'s"'] });
    t.fake.dns.addRecord(PROJECT, PUBLIC, { name: `www.${CLUSTER}`, type: 'A', rrdatas: ['198.51.100.7'] });
    const found = await dnsRecordSetKind.find(t.ctx(), [record(zone)]);
    const ours = found.get(`api.${CLUSTER}`);
    expect(ours).toBeDefined();
    expect(dnsRecordSetKind.findOrphans).toBeUndefined();
    // delete cluster's own sweep lists no record: records carry no labels.
    expect((await gceDeletion.tagged(t.ctx(), new Set())).resources.filter((r) => r.kind === 'DNSRecordSet')).toEqual([]);
    await dnsRecordSetKind.delete!(t.ctx(), ours!);
    await dnsRecordSetKind.delete!(t.ctx(), ours!); // already gone: not an error
    const left = t.fake.dns.recordSets(PROJECT, PUBLIC).map((r) => `${String(r.name)} ${String(r.type)}`).sort();
    expect(left).toEqual([`api.${CLUSTER}. TXT`, 'example.com. NS', 'example.com. SOA', `www.${CLUSTER}. A`]);
    expect(gceDeletion.alwaysKept('DNSZone', 'example.com', '1', { name: PUBLIC, dnsName: 'example.com.' })).toEqual({ what: `Cloud DNS managed zone ${PUBLIC} (example.com, id 1)`, why: "managed zones are never deleted (only the cluster's records in it)" });
  });

  it('with DNS Private, writes the record in the private zone of that name, not the public one', async () => {
    const priv: GceDnsZoneDesired = { name: 'example.com', private: true };
    await converge(t.ctx(), dnsRecordSetKind, [record(priv)], refsFor(PRIVATE, '10.0.16.5'));
    expect(t.fake.dns.recordSets(PROJECT, PRIVATE).find((r) => r.name === `api.${CLUSTER}.`)).toMatchObject({ rrdatas: ['10.0.16.5'] });
    expect(apiRecord()).toBeUndefined();
  });
});

describe('Cloud DNS pre-flight', () => {
  it('names spec.dnsZone when the zone does not exist, and spec.api.publicName when the name is outside the zone', async () => {
    const missing: GceDnsZoneDesired = { name: 'nope.example.net', private: false };
    await expect(gceDnsPreflight(t.ctx(), [zoneTask('nope.example.net'), record(missing)])).rejects.toMatchObject({ code: 'ManagedZoneNotFound' });
    const z: GceDnsZoneDesired = { name: 'example.com', private: false };
    await expect(gceDnsPreflight(t.ctx(), [zoneTask('example.com'), record(z, 'api.elsewhere.org')])).rejects.toThrow(/spec\.api\.publicName: the API's name api\.elsewhere\.org is not inside the Cloud DNS managed zone example-com \(example\.com\)/);
    await expect(gceDnsPreflight(t.ctx(), [zoneTask('example.com'), record(z)])).resolves.toBeUndefined();
  });
});

describe('the Cloud DNS endpoint', () => {
  it(`is ${GCE_DNS_ENDPOINT_ENV} when set, whatever the Compute endpoint`, async () => {
    const saved = process.env[GCE_DNS_ENDPOINT_ENV];
    process.env[GCE_DNS_ENDPOINT_ENV] = t.fake.endpoint;
    // Nothing listens on the Compute endpoint: only the DNS override can answer.
    const clients = await gceClients({ project: PROJECT, region: 'us-central1', endpoint: 'http://127.0.0.1:9' });
    try {
      expect((await clients.dns.listManagedZones(PROJECT, 'example.com.')).map((z) => z.name).sort()).toEqual([PUBLIC, PRIVATE]);
    } finally {
      if (saved === undefined) delete process.env[GCE_DNS_ENDPOINT_ENV];
      else process.env[GCE_DNS_ENDPOINT_ENV] = saved;
      await closeGceClients(clients);
    }
  });
});

describe('the fake Cloud DNS', () => {
  it("answers Google's error shapes: 404 notFound, 409 alreadyExists, 400 invalid, 403 forbidden", async () => {
    const base = `${t.fake.endpoint}/dns/v1/projects/${PROJECT}/managedZones`;
    const post = (zone: string, body: unknown) => fetch(`${base}/${zone}/rrsets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const nf = await fetch(`${base}/no-such-zone/rrsets`);
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { error: { errors: { reason: string }[] } }).error.errors[0]?.reason).toBe('notFound');
    await post(PUBLIC, { name: 'dup.example.com.', type: 'A', ttl: 60, rrdatas: ['192.0.2.1'] });
    const dup = await post(PUBLIC, { name: 'dup.example.com.', type: 'A', ttl: 60, rrdatas: ['192.0.2.1'] });
    expect(dup.status).toBe(409);
    expect(((await dup.json()) as { error: { errors: { reason: string }[] } }).error.errors[0]?.reason).toBe('alreadyExists');
    expect((await post(PUBLIC, { name: 'x.other.org.', type: 'A', rrdatas: ['192.0.2.1'] })).status).toBe(400);
    expect((await post(PUBLIC, { name: 'y.example.com.', type: 'A', rrdatas: ['not-an-ip'] })).status).toBe(400);
    expect((await fetch(`${base}/${PUBLIC}/rrsets?type=A`)).status).toBe(400);
    expect((await fetch(`${base}/${PUBLIC}/rrsets/example.com./SOA`, { method: 'DELETE' })).status).toBe(400);
    t.fake.permissions = new Set(['dns.managedZones.list', 'dns.resourceRecordSets.list', 'dns.resourceRecordSets.create']);
    try {
      const denied = await post(PUBLIC, { name: 'z.example.com.', type: 'A', rrdatas: ['192.0.2.1'] });
      expect(denied.status).toBe(403);
      expect(((await denied.json()) as { error: { message: string } }).error.message).toMatch(/Required 'dns\.changes\.create' permission/);
    } finally {
      t.fake.permissions = undefined;
    }
  });
});
