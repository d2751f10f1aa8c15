/**
 * A private GCE cluster end to end through the CLI against the fake Compute API: `create cluster
 * --topology private` (instances without external IPs), `update --yes` builds kops's Cloud Router
 * with the Cloud NAT of the private subnet, a second update changes nothing, `egress: External`
 * removes the router and taking it away brings it back, and `delete cluster` removes the router
 * (before the subnet and network it names) while routers of other clusters and of the user, one
 * whose name even ends with this cluster's safe name, stay untouched.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gceOperatorPermissions } from '../../src/tasks/gce/permissions.js';
import type { Json } from '../fakes/gce-compute.js';
import { computeRest, useFakeGceCompute } from './gce-harness.js';
import { cli, cliOk, KEY, tempStore } from './harness.js';

const PROJECT = 'kops-private';
const REGION = 'us-central1';
const NAME = 'priv.example.com';
const SAFE = 'priv-example-com';
const BASE = `https://www.googleapis.com/compute/v1/projects/${PROJECT}`;

const fake = useFakeGceCompute(PROJECT);

const ok = cliOk;

const rest = computeRest(fake, PROJECT);

const routers = (): Json[] => fake.all(PROJECT, 'routers');
const router = (name: string): Json | undefined => routers().find((r) => r.name === name);

/**
 * Decoys: the user's network and subnet with two routers: another cluster's (`nat-other-example-com`)
 * and one named `nat-other-priv-example-com`, which ends with `-priv-example-com` (kops's suffix
 * match would take it for this cluster's).
 */
async function addDecoys(): Promise<string[]> {
  await rest('POST', 'global/networks', { name: 'user-net', autoCreateSubnetworks: false });
  await rest('POST', `regions/${REGION}/subnetworks`, { name: 'user-subnet', network: `${BASE}/global/networks/user-net`, ipCidrRange: '192.168.0.0/24' });
  for (const name of ['nat-other-example-com', `nat-other-${SAFE}`]) {
    await rest('POST', `regions/${REGION}/routers`, {
      name,
      network: `${BASE}/global/networks/user-net`,
      nats: [{ name, natIpAllocateOption: 'AUTO_ONLY', sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS', subnetworks: [{ name: `${BASE}/regions/${REGION}/subnetworks/user-subnet`, sourceIpRangesToNat: ['ALL_IP_RANGES'] }] }],
    });
  }
  return decoys();
}
const decoys = (): string[] => [
  ...routers().filter((r) => r.name !== `nat-${SAFE}`).map((r) => `routers/${String(r.name)}#${String(r.id)} ${JSON.stringify(r.nats)}`),
  ...fake.all(PROJECT, 'networks').filter((n) => n.name === 'user-net').map((n) => `networks/${String(n.name)}#${String(n.id)}`),
  ...fake.all(PROJECT, 'subnetworks').filter((n) => n.name === 'user-subnet').map((n) => `subnetworks/${String(n.name)}#${String(n.id)}`),
].sort();

/** Edits the cluster's first subnet in the editor. */
async function editSubnet(state: string[], edit: (subnetYaml: string) => string): Promise<void> {
  await ok(['edit', 'cluster', NAME, ...state], {
    editor: (path) => {
      const text = readFileSync(path, 'utf8');
      const m = /^( {2}subnets:\n {2}- name: us-central1\n(?: {4}.*\n)+)/m.exec(text);
      if (!m) throw new Error(`no subnets in ${text}`);
      writeFileSync(path, text.replace(m[1]!, edit(m[1]!)));
      return 0;
    },
  });
}

describe('a private GCE cluster through the CLI: the Cloud NAT', () => {
  const s = tempStore();
  const state = ['--state', s.url];
  let before: string[] = [];

  it('create --topology private + update --yes builds the router with the NAT of the private subnet; a second update plans nothing', async () => {
    before = await addDecoys();
    // Every command below runs with exactly the declared operator permissions (the Router kind's too).
    fake.permissions = new Set(gceOperatorPermissions());
    await ok(['create', 'cluster', '--name', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', `${REGION}-a`, '--topology', 'private', '--ssh-public-key', KEY, ...state]);
    expect(readFileSync(`${s.dir}/${NAME}/config`, 'utf8')).toMatch(/- name: us-central1\n {4}region: us-central1\n {4}type: Private/);
    const plan = JSON.parse(await ok(['update', 'cluster', '--name', NAME, '-o', 'json', ...state])) as { changes: { kind: string; name: string; action: string }[] };
    expect(plan.changes.filter((c) => c.kind === 'Router')).toEqual([expect.objectContaining({ name: `nat-${SAFE}`, action: 'create' })]);
    const start = fake.calls.length;
    await ok(['update', 'cluster', '--name', NAME, '--yes', ...state]);
    // The MIGs (whose instances need the NAT at boot) are created after the router.
    const creates = fake.calls.slice(start).filter((x) => x.method === 'POST' && /\/(routers|instanceGroupManagers)$/.test(x.path)).map((x) => x.path.split('/').pop());
    expect(creates[0]).toBe('routers');
    expect(creates.filter((x) => x === 'instanceGroupManagers').length).toBeGreaterThan(0);

    const r = router(`nat-${SAFE}`);
    expect(r?.network).toBe(`${BASE}/global/networks/${SAFE}`);
    expect(r?.region).toBe(`${BASE}/regions/${REGION}`);
    expect(r?.nats).toEqual([
      expect.objectContaining({
        name: `nat-${SAFE}`,
        natIpAllocateOption: 'AUTO_ONLY',
        sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS',
        subnetworks: [{ name: `${BASE}/regions/${REGION}/subnetworks/${REGION}-${SAFE}`, sourceIpRangesToNat: ['ALL_IP_RANGES'] }],
      }),
    ]);
    // The instances the NAT serves have no external IP.
    const templates = fake.all(PROJECT, 'instanceTemplates').filter((t) => (t.properties as { labels?: Record<string, string> }).labels?.['k8s-io-cluster-name'] === SAFE);
    expect(templates.length).toBeGreaterThan(0);
    for (const t of templates) {
      const nics = (t.properties as { networkInterfaces: { accessConfigs?: unknown[] }[] }).networkInterfaces;
      expect(nics.every((n) => (n.accessConfigs ?? []).length === 0), String(t.name)).toBe(true);
    }

    const again = await ok(['update', 'cluster', '--name', NAME, ...state]);
    expect(again).toContain('No changes need to be applied');
    expect((await cli(['update', 'cluster', '--name', NAME, '--detailed-exitcode', ...state])).code).toBe(0);
    expect(decoys()).toEqual(before);
  });

  it('egress: External on the subnet takes the router away (update deletes it); without it again the router comes back', async () => {
    await editSubnet(state, (y) => y.replace('    type: Private\n', '    egress: External\n    type: Private\n'));
    const plan = JSON.parse(await ok(['update', 'cluster', '--name', NAME, '-o', 'json', ...state])) as { changes: { kind: string; name: string; action: string }[] };
    expect(plan.changes.map((c) => `${c.kind} ${c.name} ${c.action}`)).toEqual([`Router nat-${SAFE} delete`]);
    await ok(['update', 'cluster', '--name', NAME, '--yes', ...state]);
    expect(router(`nat-${SAFE}`)).toBeUndefined();
    expect(decoys()).toEqual(before);

    await editSubnet(state, (y) => y.replace('    egress: External\n', ''));
    await ok(['update', 'cluster', '--name', NAME, '--yes', ...state]);
    expect(router(`nat-${SAFE}`)?.nats).toHaveLength(1);
    expect((await cli(['update', 'cluster', '--name', NAME, '--detailed-exitcode', ...state])).code).toBe(0);
  });

  it('delete cluster lists the router; --yes removes it with the subnet and network (a user\'s router in the network blocks it, named), and leaves the other routers untouched', async () => {
    const listing = await ok(['delete', 'cluster', '--name', NAME, ...state]);
    expect(listing).toMatch(new RegExp(`^Router\\s+nat-${SAFE}\\s`, 'm'));
    expect(listing).not.toContain('nat-other-');
    expect(listing).not.toContain('user-net');
    // A router of the user's in the cluster's network keeps the network, and is named.
    await rest('POST', `regions/${REGION}/routers`, { name: 'users-bgp', network: `${BASE}/global/networks/${SAFE}` });
    const blocked = await cli(['delete', 'cluster', '--name', NAME, '--yes', '--count', '1', '--interval', '1ms', ...state]);
    expect(blocked.code, blocked.stderr).toBe(1);
    expect(blocked.stderr).toContain(`Network ${SAFE}: it is used by Router projects/${PROJECT}/regions/${REGION}/routers/users-bgp`);
    expect(router(`nat-${SAFE}`)).toBeUndefined();
    expect(fake.all(PROJECT, 'networks').map((x) => x.name).sort()).toEqual([SAFE, 'user-net']);
    await rest('DELETE', `regions/${REGION}/routers/users-bgp`);

    await ok(['delete', 'cluster', '--name', NAME, '--yes', ...state]);
    expect(router(`nat-${SAFE}`)).toBeUndefined();
    expect(fake.all(PROJECT, 'subnetworks').map((x) => x.name)).toEqual(['user-subnet']);
    expect(fake.all(PROJECT, 'networks').map((x) => x.name)).toEqual(['user-net']);
    expect(decoys()).toEqual(before);
    expect([...fake.used].filter((p) => p.startsWith('compute.routers.')).sort()).toEqual(['compute.routers.create', 'compute.routers.delete', 'compute.routers.get', 'compute.routers.list']);
  });
});
