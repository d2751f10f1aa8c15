/**
 * Cloud DNS on GCE end to end through the CLI, against the fake Compute API and its fake Cloud
 * DNS: a cluster created with `--dns-zone` gets `api.<cluster>` A to the API load balancer's
 * static address on `update --yes`, a second `update` has nothing to do, `export kubeconfig` uses
 * the name (and the API server's certificate names it), and `delete cluster` removes our record
 * and leaves every other record of the zone and the zone itself. A zone that does not exist is
 * refused before anything is changed, naming spec.dnsZone.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { gceOperatorPermissions } from '../../src/tasks/gce/permissions.js';
import { useFakeGceCompute } from './gce-harness.js';
import { cli, KEY, tempStore } from './harness.js';

const PROJECT = 'kops-dns';
const NAME = 'dns.example.com';
const SAFE = 'dns-example-com';
const ZONE = 'example-com';
const fake = useFakeGceCompute(PROJECT);

const apiAddress = (): string | undefined => fake.all(PROJECT, 'addresses').find((a) => a.name === `api-${SAFE}`)?.address as string | undefined;
const records = () => fake.dns.recordSets(PROJECT, ZONE).map((r) => `${String(r.name)} ${String(r.type)} ${(r.rrdatas as string[]).join(',')}`).sort();
const APEX = ['example.com. NS ns-cloud-a1.googledomains.com.,ns-cloud-a2.googledomains.com.', 'example.com. SOA ns-cloud-a1.googledomains.com. cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300'];
const DECOYS = [`www.example.com. A 198.51.100.7`, `api.other.example.com. A 198.51.100.8`, `api.${NAME}. TXT "the user's note"`];

describe(`Cloud DNS on GCE (${NAME})`, () => {
  const s = tempStore();
  const state = ['--state', s.url];
  const dir = mkdtempSync(join(tmpdir(), 'kops-ts-gce-dns-'));
  const kubeconfig = join(dir, 'config');

  it('update --yes writes api.<cluster> A to the address of the API load balancer, and exports the name', async () => {
    fake.dns.addZone(PROJECT, ZONE, 'example.com');
    fake.dns.addRecord(PROJECT, ZONE, { name: 'www.example.com', type: 'A', rrdatas: ['198.51.100.7'] });
    fake.dns.addRecord(PROJECT, ZONE, { name: 'api.other.example.com', type: 'A', rrdatas: ['198.51.100.8'] });
    fake.dns.addRecord(PROJECT, ZONE, { name: `api.${NAME}`, type: 'TXT', rrdatas: ['"the user\'s note"'] });
    const created = await cli(['create', 'cluster', '--name', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--dns-zone', 'example.com', '--ssh-public-key', KEY, ...state]);
    expect(created.code, created.stderr).toBe(0);

    const plan = await cli(['update', 'cluster', '--name', NAME, ...state]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(new RegExp(`DNSRecordSet/api\\.${NAME.replace(/\./g, '\\.')}`));

    // With exactly the declared operator permissions (the fake checks Cloud DNS's, dns.changes.create included).
    fake.permissions = new Set(gceOperatorPermissions());
    try {
      const r = await cli(['update', 'cluster', '--name', NAME, '--yes', ...state], { env: { KUBECONFIG: kubeconfig } });
      expect(r.code, r.stderr).toBe(0);
    } finally {
      fake.permissions = undefined;
    }
    const ip = apiAddress();
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(fake.dns.recordSets(PROJECT, ZONE).find((x) => x.name === `api.${NAME}.` && x.type === 'A')).toMatchObject({ ttl: 60, rrdatas: [ip] });
    expect(records()).toEqual([...DECOYS, ...APEX, `api.${NAME}. A ${ip}`].sort());
    const kc = parse(readFileSync(kubeconfig, 'utf8')) as { clusters: { name: string; cluster: { server: string } }[] };
    expect(kc.clusters.find((c) => c.name === NAME)?.cluster.server).toBe(`https://api.${NAME}`);
  });

  it('a second update has nothing to do (and makes no Cloud DNS change)', async () => {
    const mutations = fake.calls.filter((c) => c.path.startsWith('/dns/') && c.method !== 'GET').length;
    const r = await cli(['update', 'cluster', '--name', NAME, '--detailed-exitcode', ...state]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(fake.calls.filter((c) => c.path.startsWith('/dns/') && c.method !== 'GET').length).toBe(mutations);
  });

  it('export kubeconfig uses the DNS name, and the API server certificate and the nodes name it', async () => {
    const file = join(dir, 'exported');
    const r = await cli(['export', 'kubeconfig', NAME, '--kubeconfig', file, ...state]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`kops-ts has set your kubectl context to ${NAME} (https://api.${NAME}) in ${file}`);
    const cp = join(s.dir, NAME, 'igconfig', 'control-plane', 'control-plane-us-central1-a');
    const docs = parseAllDocuments(readFileSync(join(cp, 'kubeadm-init.yaml'), 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
    const cc = docs.find((d) => d.kind === 'ClusterConfiguration') as { controlPlaneEndpoint: string; apiServer: { certSANs: string[] } };
    expect(cc.controlPlaneEndpoint).toBe(`api.${NAME}:443`);
    expect(cc.apiServer.certSANs).toEqual(expect.arrayContaining([`api.${NAME}`, apiAddress()!]));
  });

  it('an address change (drift) is put back in the record by the next update', async () => {
    fake.dns.addRecord(PROJECT, ZONE, { name: `api.${NAME}`, type: 'A', ttl: 60, rrdatas: ['192.0.2.99'] });
    const plan = await cli(['update', 'cluster', '--name', NAME, '--detailed-exitcode', ...state]);
    expect(plan.code).toBe(2);
    // Without the permission the fix needs, the apply fails naming it (Google's reason and message, not raw JSON).
    fake.permissions = new Set(gceOperatorPermissions().filter((p) => p !== 'dns.resourceRecordSets.update'));
    try {
      const denied = await cli(['update', 'cluster', '--name', NAME, '--yes', ...state], { env: { KUBECONFIG: kubeconfig } });
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toContain("Forbidden: Required 'dns.resourceRecordSets.update' permission for 'projects/kops-dns/managedZones/example-com/rrsets/");
      expect(denied.stderr).not.toContain('{"error"');
      expect(denied.stderr).not.toContain('forbidden: Forbidden');
    } finally {
      fake.permissions = undefined;
    }
    expect(fake.dns.recordSets(PROJECT, ZONE).find((x) => x.name === `api.${NAME}.` && x.type === 'A')?.rrdatas).toEqual(['192.0.2.99']);
    const r = await cli(['update', 'cluster', '--name', NAME, '--yes', ...state], { env: { KUBECONFIG: kubeconfig } });
    expect(r.code, r.stderr).toBe(0);
    expect(fake.dns.recordSets(PROJECT, ZONE).find((x) => x.name === `api.${NAME}.` && x.type === 'A')?.rrdatas).toEqual([apiAddress()]);
  });

  it('delete cluster lists and removes our record only: the decoys and the zone stay', async () => {
    const listed = await cli(['delete', 'cluster', '--name', NAME, ...state]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`DNSRecord\\s+api\\.${NAME.replace(/\./g, '\\.')}`));
    expect(fake.dns.recordSets(PROJECT, ZONE).some((x) => x.name === `api.${NAME}.` && x.type === 'A')).toBe(true);
    const r = await cli(['delete', 'cluster', '--name', NAME, '--yes', ...state]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(`${r.stdout}${r.stderr}`, `${r.stdout}${r.stderr}`).toContain("Cloud DNS managed zone example-com (example.com, id ");
    expect(`${r.stdout}${r.stderr}`).toContain("managed zones are never deleted (only the cluster's records in it)");
    expect(records()).toEqual([...DECOYS, ...APEX].sort());
    expect(fake.all(PROJECT, 'addresses').filter((a) => String(a.name).endsWith(SAFE))).toEqual([]);
  });
});

describe('Cloud DNS on GCE: a zone that does not exist', () => {
  const s = tempStore();
  const state = ['--state', s.url];
  const name = 'nozone.example.org';

  it('update refuses before anything is changed, naming spec.dnsZone and what to do', async () => {
    const created = await cli(['create', 'cluster', '--name', name, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--dns-zone', 'example.org', '--ssh-public-key', KEY, ...state]);
    expect(created.code, created.stderr).toBe(0);
    const before = fake.calls.filter((c) => c.method !== 'GET').length;
    const r = await cli(['update', 'cluster', '--name', name, '--yes', ...state]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`spec.dnsZone is "example.org", but project ${PROJECT} has no public Cloud DNS managed zone for example.org.`);
    expect(r.stderr).toContain('gcloud dns managed-zones create');
    expect(fake.calls.filter((c) => c.method !== 'GET').length).toBe(before);
  });
});
