import { describe, expect, it } from 'vitest';
import { addressKind } from '../../../src/tasks/gce/address.js';
import { forwardingRuleKind } from '../../../src/tasks/gce/forwarding-rule.js';
import { httpHealthCheckKind } from '../../../src/tasks/gce/http-health-check.js';
import { instanceGroupManagerKind } from '../../../src/tasks/gce/instance-group-manager.js';
import { instanceTemplateKind } from '../../../src/tasks/gce/instance-template.js';
import { networkKind } from '../../../src/tasks/gce/network.js';
import { gceTaskRegistry } from '../../../src/tasks/gce/registry.js';
import { subnetKind } from '../../../src/tasks/gce/subnet.js';
import { targetPoolKind } from '../../../src/tasks/gce/target-pool.js';
import {
  GCE_KINDS,
  type GceAddressDesired,
  type GceForwardingRuleDesired,
  type GceHttpHealthCheckDesired,
  type GceNetworkDesired,
  type GceSubnetDesired,
  type GceTargetPoolDesired,
} from '../../../src/tasks/gce/types.js';
import { ref, type Outputs, type Task } from '../../../src/tasks/types.js';
import { migTask, templateTask } from './fixtures.js';
import { converge, expectIdempotent, planKind, PROJECT, REGION, SAFE, staticRefs, useFakeGce, ZONE } from './harness.js';

const t = useFakeGce();

const addr = (labels?: Record<string, string>): Task<GceAddressDesired> => ({ kind: 'Address', name: 'api', desired: { name: `api-${SAFE}`, region: REGION, ...(labels ? { labels } : {}) } });
const hc = (port = 3990): Task<GceHttpHealthCheckDesired> => ({ kind: 'HTTPHealthCheck', name: 'api', desired: { name: `api-${SAFE}`, port, requestPath: '/healthz' } });
const hc2: Task<GceHttpHealthCheckDesired> = { kind: 'HTTPHealthCheck', name: 'api-2', desired: { name: `api-2-${SAFE}`, port: 443, requestPath: '/readyz' } };
const pool = (checks = ['api']): Task<GceTargetPoolDesired> => ({ kind: 'TargetPool', name: 'api', desired: { name: `api-${SAFE}`, region: REGION, healthChecks: checks.map((c) => ref('HTTPHealthCheck', c, 'selfLink')) } });
const rule = (over: Partial<GceForwardingRuleDesired> = {}): Task<GceForwardingRuleDesired> => ({
  kind: 'ForwardingRule',
  name: 'api',
  desired: { name: `api-${SAFE}`, region: REGION, ipAddress: ref('Address', 'api', 'address'), ipProtocol: 'TCP', portRange: '443', target: ref('TargetPool', 'api', 'selfLink'), labels: { 'k8s-io-cluster-name': SAFE }, ...over },
});

describe('the GCE registry', () => {
  it('registers every kind of the contract', () => {
    const r = gceTaskRegistry();
    for (const k of Object.values(GCE_KINDS)) expect(r.has(k), k).toBe(true);
  });
});

describe('API load balancer kinds', () => {
  let out: Record<string, Outputs> = {};

  it('Address: reserves the IP, is idempotent, adds a label in place', async () => {
    const first = await expectIdempotent(t, addressKind, [addr()]);
    const ip = first.outputs['Address/api']?.address ?? '';
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const [c] = await planKind(t.ctx(), addressKind, [addr({ 'k8s-io-cluster-name': SAFE })]);
    expect(c?.action).toBe('update');
    const again = await expectIdempotent(t, addressKind, [addr({ 'k8s-io-cluster-name': SAFE })]);
    expect(again.outputs['Address/api']?.address).toBe(ip);
    out = { ...out, ...again.outputs };
  });

  it('HTTPHealthCheck: the legacy check on global/httpHealthChecks, patched in place', async () => {
    await expectIdempotent(t, httpHealthCheckKind, [hc()]);
    expect(t.fake.get(PROJECT, 'global', 'httpHealthChecks', `api-${SAFE}`)).toMatchObject({ port: 3990, requestPath: '/healthz' });
    expect((await planKind(t.ctx(), httpHealthCheckKind, [hc(3991)]))[0]?.action).toBe('update');
    await expectIdempotent(t, httpHealthCheckKind, [hc(3991)]);
    expect(t.fake.count('PATCH', new RegExp(`/global/httpHealthChecks/api-${SAFE}$`))).toBe(1);
    out = { ...out, ...(await converge(t.ctx(), httpHealthCheckKind, [hc(), hc2])) };
  });

  it('TargetPool: created with its health check, which changes in place (add/remove)', async () => {
    const refs = staticRefs(out);
    out = { ...out, ...(await expectIdempotent(t, targetPoolKind, [pool()], refs)).outputs };
    const [c] = await planKind(t.ctx(), targetPoolKind, [pool(['api-2'])], refs);
    expect(c?.action).toBe('update');
    await expectIdempotent(t, targetPoolKind, [pool(['api-2'])], refs);
    expect(t.fake.count('POST', /\/targetPools\/[^/]+\/addHealthCheck$/)).toBe(1);
    expect(t.fake.count('POST', /\/targetPools\/[^/]+\/removeHealthCheck$/)).toBe(1);
    expect(t.fake.get(PROJECT, `regions/${REGION}`, 'targetPools', `api-${SAFE}`)?.healthChecks).toEqual([expect.stringMatching(new RegExp(`/global/httpHealthChecks/api-2-${SAFE}$`))]);
  });

  it('a control-plane MIG naming the pool registers its instances in it', async () => {
    const net: Task<GceNetworkDesired> = { kind: 'Network', name: SAFE, desired: { name: SAFE, mode: 'custom' } };
    const n = await converge(t.ctx(), networkKind, [net]);
    const sub: Task<GceSubnetDesired> = { kind: 'Subnet', name: `${REGION}-${SAFE}`, desired: { name: `${REGION}-${SAFE}`, region: REGION, network: ref('Network', SAFE, 'selfLink'), ipCidrRange: '10.0.16.0/20' } };
    const s = await converge(t.ctx(), subnetKind, [sub], staticRefs(n));
    const tp = await converge(t.ctx(), instanceTemplateKind, [templateTask('control-plane-us-central1-a')], staticRefs({ ...n, ...s }));
    const refs = staticRefs({ ...out, ...tp });
    const mig = migTask('control-plane-us-central1-a', { targetSize: 1, targetPools: [ref('TargetPool', 'api', 'selfLink')] });
    await expectIdempotent(t, instanceGroupManagerKind, [mig], refs);
    const found = (await targetPoolKind.find(t.ctx(), [pool(['api-2'])])).get('api');
    expect(found?.instances).toEqual([expect.stringMatching(new RegExp(`^projects/${PROJECT}/zones/${ZONE}/instances/control-plane-us-central1-a-[a-z0-9]{4}$`))]);
    // Removing the pool from the group is an in-place setTargetPools.
    const [c] = await planKind(t.ctx(), instanceGroupManagerKind, [migTask('control-plane-us-central1-a', { targetSize: 1 })], refs);
    expect(c?.action).toBe('update');
    expect(c?.fields.map((f) => f.field)).toEqual(['targetPools']);
  });

  it('ForwardingRule: TCP 443 on the address to the pool; a port change replaces it; labels in place; deleted', async () => {
    const refs = staticRefs(out);
    await expectIdempotent(t, forwardingRuleKind, [rule()], refs);
    const stored = t.fake.get(PROJECT, `regions/${REGION}`, 'forwardingRules', `api-${SAFE}`);
    expect(stored).toMatchObject({ IPAddress: out['Address/api']?.address, IPProtocol: 'TCP', portRange: '443' });
    expect((await planKind(t.ctx(), forwardingRuleKind, [rule({ portRange: '8443' })], refs))[0]?.action).toBe('replace');
    const [c] = await planKind(t.ctx(), forwardingRuleKind, [rule({ labels: { 'k8s-io-cluster-name': SAFE, team: 'x' } })], refs);
    expect(c?.action).toBe('update');
    await expectIdempotent(t, forwardingRuleKind, [rule({ labels: { 'k8s-io-cluster-name': SAFE, team: 'x' } })], refs);

    // Deleting in dependency order works. (GCE also lets the address go while the rule holds it:
    // the rule keeps the IP as an ephemeral one, which cloud-provider-gcp relies on; the model's
    // order deletes the rule first all the same.)
    const a = (await addressKind.find(t.ctx(), [addr()])).get('api');
    const orphans = (await forwardingRuleKind.findOrphans?.(t.ctx(), [], new Map())) ?? [];
    expect(orphans.map((o) => o.name)).toEqual([`api-${SAFE}`]);
    await forwardingRuleKind.delete?.(t.ctx(), orphans[0]?.actual as never);
    await addressKind.delete?.(t.ctx(), a as never);
    expect(t.fake.names(PROJECT, `regions/${REGION}`, 'forwardingRules')).toEqual([]);
    expect(t.fake.names(PROJECT, `regions/${REGION}`, 'addresses')).toEqual([]);
  });
});
