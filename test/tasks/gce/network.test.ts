import { describe, expect, it } from 'vitest';
import { firewallRuleKind } from '../../../src/tasks/gce/firewall-rule.js';
import { networkKind } from '../../../src/tasks/gce/network.js';
import { subnetKind } from '../../../src/tasks/gce/subnet.js';
import type { GceFirewallRuleDesired, GceNetworkDesired, GceSubnetDesired } from '../../../src/tasks/gce/types.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { converge, expectIdempotent, planKind, PROJECT, REGION, SAFE, staticRefs, useFakeGce } from './harness.js';

const t = useFakeGce();

const netTask = (name = SAFE, mode: 'custom' | 'auto' = 'custom'): Task<GceNetworkDesired> => ({ kind: 'Network', name, desired: { name, mode } });
const netRef = (name = SAFE) => ref('Network', name, 'selfLink');
const subnetTask = (net: string, cidr = '10.0.16.0/20', secondaryRanges?: Record<string, string>): Task<GceSubnetDesired> => ({
  kind: 'Subnet',
  name: `${REGION}-${net}`,
  desired: { name: `${REGION}-${net}`, region: REGION, network: netRef(net), ipCidrRange: cidr, ...(secondaryRanges ? { secondaryRanges } : {}) },
});
const fwTask = (net: string, over: Partial<GceFirewallRuleDesired> = {}): Task<GceFirewallRuleDesired> => ({
  kind: 'FirewallRule',
  name: `https-api-${net}`,
  desired: { name: `https-api-${net}`, network: netRef(net), sourceRanges: ['0.0.0.0/0'], targetTags: [`${net}-k8s-io-role-control-plane`], allowed: [{ protocol: 'tcp', ports: ['443'] }], ...over },
});

async function network(name: string) {
  const out = await converge(t.ctx(), networkKind, [netTask(name)]);
  return staticRefs(out);
}

describe('Network', () => {
  it('creates a custom-mode network, finds it again as a no-op, and exposes its selfLink', async () => {
    const { outputs } = await expectIdempotent(t, networkKind, [netTask()]);
    expect(outputs[`Network/${SAFE}`]?.selfLink).toBe(`https://www.googleapis.com/compute/v1/projects/${PROJECT}/global/networks/${SAFE}`);
    expect(t.fake.get(PROJECT, 'global', 'networks', SAFE)?.autoCreateSubnetworks).toBe(false);
  });

  it('plans a replacement for a mode change, and deletes', async () => {
    await converge(t.ctx(), networkKind, [netTask('net-mode')]);
    const [c] = await planKind(t.ctx(), networkKind, [netTask('net-mode', 'auto')]);
    expect(c?.action).toBe('replace');
    const found = await networkKind.find(t.ctx(), [netTask('net-mode')]);
    await networkKind.delete?.(t.ctx(), found.get('net-mode') as never);
    expect(t.fake.names(PROJECT, 'global', 'networks')).not.toContain('net-mode');
  });

  it('finds every network with one filtered list call', async () => {
    await converge(t.ctx(), networkKind, [netTask('net-x'), netTask('net-y')]);
    const before = t.fake.calls.length;
    const found = await networkKind.find(t.ctx(), [netTask('net-x'), netTask('net-y'), netTask('net-none')]);
    expect([...found.keys()].sort()).toEqual(['net-x', 'net-y']);
    const calls = t.fake.calls.slice(before);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([`GET /compute/v1/projects/${PROJECT}/global/networks`]);
    expect(calls[0]?.query.filter).toBe('name eq "(net-none|net-x|net-y)"');
  });

  it('lists without the client library printing an AutopaginateTrueWarning on stderr', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      await networkKind.find(t.ctx(), [netTask('net-x')]);
      await new Promise<void>((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('AutopaginateTrueWarning');
  });

  it('never changes a shared network', async () => {
    await converge(t.ctx(), networkKind, [netTask('users-net')]);
    const shared: Task<GceNetworkDesired> = { ...netTask('users-net'), shared: true };
    const found = await networkKind.find(t.ctx(), [shared]);
    await expect(networkKind.delete?.(t.ctx(), found.get('users-net') as never)).rejects.toThrow(/shared/);
    expect(t.fake.names(PROJECT, 'global', 'networks')).toContain('users-net');
  });
});

describe('Subnet', () => {
  it('creates a subnetwork on the network, is idempotent, replaces on a range change', async () => {
    const refs = await network('net-sub');
    const { outputs } = await expectIdempotent(t, subnetKind, [subnetTask('net-sub')], refs);
    expect(outputs[`Subnet/${REGION}-net-sub`]?.selfLink).toMatch(new RegExp(`/regions/${REGION}/subnetworks/${REGION}-net-sub$`));
    const [c] = await planKind(t.ctx(), subnetKind, [subnetTask('net-sub', '10.1.0.0/20')], refs);
    expect(c?.action).toBe('replace');
    expect(c?.fields.map((f) => [f.field, f.before, f.after, f.forcesReplacement])).toEqual([['ipCidrRange', '10.0.16.0/20', '10.1.0.0/20', true]]);
  });

  it('adds secondary ranges in place with the fingerprint (patch)', async () => {
    const refs = await network('net-sec');
    await converge(t.ctx(), subnetKind, [subnetTask('net-sec')], refs);
    const want = subnetTask('net-sec', '10.0.16.0/20', { pods: '100.96.0.0/11' });
    const [c] = await planKind(t.ctx(), subnetKind, [want], refs);
    expect(c?.action).toBe('update');
    await expectIdempotent(t, subnetKind, [want], refs);
    expect(t.fake.count('PATCH', new RegExp(`/subnetworks/${REGION}-net-sec$`))).toBe(1);
    expect(t.fake.get(PROJECT, `regions/${REGION}`, 'subnetworks', `${REGION}-net-sec`)?.secondaryIpRanges).toEqual([{ rangeName: 'pods', ipCidrRange: '100.96.0.0/11' }]);
  });

  it('deletes, and a network with a subnetwork cannot be deleted first (resourceInUseByAnotherResource)', async () => {
    const refs = await network('net-del');
    await converge(t.ctx(), subnetKind, [subnetTask('net-del')], refs);
    const net = (await networkKind.find(t.ctx(), [netTask('net-del')])).get('net-del');
    await expect(networkKind.delete?.(t.ctx(), net as never)).rejects.toThrow(/already being used/);
    const sub = (await subnetKind.find(t.ctx(), [subnetTask('net-del')])).get(`${REGION}-net-del`);
    await subnetKind.delete?.(t.ctx(), sub as never);
    await networkKind.delete?.(t.ctx(), net as never);
    expect(t.fake.names(PROJECT, 'global', 'networks')).not.toContain('net-del');
  });
});

describe('FirewallRule', () => {
  it('creates the rule, is idempotent, patches a source range change in place (an ingress change)', async () => {
    const net = "fwnet-elsewhere";
    const refs = await network(net);
    await expectIdempotent(t, firewallRuleKind, [fwTask(net)], refs);
    const narrowed = fwTask(net, { sourceRanges: ['203.0.113.0/24'] });
    const [c] = await planKind(t.ctx(), firewallRuleKind, [narrowed], refs);
    expect(c?.action).toBe('update');
    expect(c?.security).toEqual(['ingress']);
    await expectIdempotent(t, firewallRuleKind, [narrowed], refs);
    expect(t.fake.count('PATCH', new RegExp(`/global/firewalls/https-api-${net}$`))).toBe(1);
    expect(t.fake.get(PROJECT, 'global', 'firewalls', `https-api-${net}`)?.sourceRanges).toEqual(['203.0.113.0/24']);
    expect(t.fake.get(PROJECT, 'global', 'firewalls', `https-api-${net}`)?.allowed).toEqual([{ IPProtocol: 'tcp', ports: ['443'] }]);
  });

  it('a rule with no source is read back as from everywhere (0.0.0.0/0) and stays a no-op', async () => {
    const net = 'fwnet-open';
    const refs = await network(net);
    const open = fwTask(net);
    const { sourceRanges: _s, ...noSource } = open.desired;
    await expectIdempotent(t, firewallRuleKind, [{ ...open, desired: noSource }], refs);
    expect(t.fake.get(PROJECT, 'global', 'firewalls', `https-api-${net}`)?.sourceRanges).toEqual(['0.0.0.0/0']);
  });

  it('finds rules of the cluster no task describes as orphans (a rule the model builds, with its role tags) and deletes them; never a rule of foo.<cluster> or one the model never builds', async () => {
    const refs = await network(SAFE);
    const rule = (name: string, targetTags: string[]) => ({ ...fwTask(SAFE), name, desired: { ...fwTask(SAFE).desired, name, targetTags } });
    const ours = [`${SAFE}-k8s-io-role-control-plane`];
    const keep = rule(`https-api-${SAFE}`, ours);
    const gone = rule(`kubernetes-master-https-${SAFE}`, ours);
    // foo.<cluster>'s rules end with -<safe cluster> too; a name outside the model's set is the user's.
    const decoy = rule(`https-api-foo-${SAFE}`, [`foo-${SAFE}-k8s-io-role-control-plane`]);
    const users = rule(`my-own-${SAFE}`, ours);
    const other = rule('other-cluster-com', ours);
    await converge(t.ctx(), firewallRuleKind, [keep, gone, decoy, users, other], refs);
    const found = await firewallRuleKind.find(t.ctx(), [keep]);
    const orphans = (await firewallRuleKind.findOrphans?.(t.ctx(), [keep], found)) ?? [];
    expect(orphans.map((o) => o.name)).toEqual([`kubernetes-master-https-${SAFE}`]);
    for (const o of orphans) await firewallRuleKind.delete?.(t.ctx(), o.actual);
    expect(t.fake.names(PROJECT, 'global', 'firewalls')).toEqual(expect.arrayContaining([`https-api-${SAFE}`, `https-api-foo-${SAFE}`, `my-own-${SAFE}`, 'other-cluster-com']));
    expect(t.fake.names(PROJECT, 'global', 'firewalls')).not.toContain(`kubernetes-master-https-${SAFE}`);
  });
});
