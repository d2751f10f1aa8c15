/**
 * A resource found by the exact name the model gives a task but that is another cluster's (or made
 * by hand) is never adopted: each kind's `find` marks it (`notOurs`, code GceResourceNotOurs, the
 * resource and its owner named), the plan refuses it before anything is applied, and the cluster's
 * own resource of the same kind is not marked. Against the fake Compute API.
 *
 * The clusters: `minimal.example.com` (ours) and `foo.minimal.example.com`, whose names all end
 * with ours: its group `nodes`'s MIG is our group `nodes-foo`'s name.
 */
import { describe, expect, it } from 'vitest';
import { addressKind } from '../../../src/tasks/gce/address.js';
import { done } from '../../../src/tasks/gce/common.js';
import type { GceTaskContext } from '../../../src/tasks/gce/context.js';
import { diskKind } from '../../../src/tasks/gce/disk.js';
import { firewallRuleKind } from '../../../src/tasks/gce/firewall-rule.js';
import { forwardingRuleKind } from '../../../src/tasks/gce/forwarding-rule.js';
import { httpHealthCheckKind } from '../../../src/tasks/gce/http-health-check.js';
import { instanceGroupManagerKind } from '../../../src/tasks/gce/instance-group-manager.js';
import { instanceTemplateKind, templateName } from '../../../src/tasks/gce/instance-template.js';
import { networkKind } from '../../../src/tasks/gce/network.js';
import { GCE_RESOURCE_NOT_OURS } from '../../../src/tasks/gce/owned-names.js';
import { gceTaskRegistry } from '../../../src/tasks/gce/registry.js';
import { routerKind } from '../../../src/tasks/gce/router.js';
import { subnetKind } from '../../../src/tasks/gce/subnet.js';
import { targetPoolKind } from '../../../src/tasks/gce/target-pool.js';
import type {
  GceAddressDesired,
  GceDiskDesired,
  GceFirewallRuleDesired,
  GceForwardingRuleDesired,
  GceHttpHealthCheckDesired,
  GceNetworkDesired,
  GceRouterDesired,
  GceSubnetDesired,
  GceTargetPoolDesired,
} from '../../../src/tasks/gce/types.js';
import { planTasks } from '../../../src/tasks/plan.js';
import { ref, type NotOurs, type Outputs, type Task, type TaskKind } from '../../../src/tasks/types.js';
import { migTask, templateTask } from './fixtures.js';
import { converge, PROJECT, REGION, SAFE, staticRefs, useFakeGce, ZONE } from './harness.js';

const t = useFakeGce();

const OTHER = 'foo.minimal.example.com';
const OTHER_SAFE = 'foo-minimal-example-com';
const other = (): GceTaskContext => ({ ...t.ctx(), clusterName: OTHER, safeClusterName: OTHER_SAFE });
const LINK = `https://www.googleapis.com/compute/v1/projects/${PROJECT}`;

const netTask = (name: string): Task<GceNetworkDesired> => ({ kind: 'Network', name, desired: { name, mode: 'custom' } });
const subTask = (net: string, cidr: string): Task<GceSubnetDesired> => ({
  kind: 'Subnet',
  name: `${REGION}-${net}`,
  desired: { name: `${REGION}-${net}`, region: REGION, network: ref('Network', net, 'selfLink'), ipCidrRange: cidr },
});
const fwTask = (name: string, over: Partial<GceFirewallRuleDesired> = {}): Task<GceFirewallRuleDesired> => ({
  kind: 'FirewallRule',
  name,
  desired: { name, network: ref('Network', SAFE, 'selfLink'), sourceRanges: ['0.0.0.0/0'], targetTags: [`${SAFE}-k8s-io-role-control-plane`], allowed: [{ protocol: 'tcp', ports: ['443'] }], ...over },
});

let refs: Record<string, Outputs> = {};

async function networks(): Promise<Record<string, Outputs>> {
  if (Object.keys(refs).length > 0) return refs;
  const nets = await converge(t.ctx(), networkKind, [netTask(SAFE), netTask('hand-made-net')]);
  refs = { ...nets, ...(await converge(t.ctx(), subnetKind, [subTask(SAFE, '10.0.16.0/20'), subTask('hand-made-net', '10.1.16.0/20')], staticRefs(nets))) };
  return refs;
}

/** What `find` says about the one task's resource: found, and whether (and why) it is not ours. */
async function verdict<D, A>(kind: TaskKind<D, A, GceTaskContext>, task: Task<D>): Promise<NotOurs | undefined> {
  const found = await kind.find(t.ctx(), [task]);
  const actual = found.get(task.name);
  expect(actual, `${task.kind} ${task.name} found`).toBeDefined();
  return kind.notOurs?.(actual as A);
}

describe('InstanceGroupManager', () => {
  it("refuses foo.<c>'s MIG of group nodes, which has the name of <c>'s group nodes-foo; takes its own", async () => {
    const r = staticRefs(await networks());
    // foo.<c>'s template and its group `nodes`'s MIG, built as that cluster builds them.
    const theirTpl = templateTask('nodes', { namePrefix: `nodes-${OTHER_SAFE}`, labels: { 'k8s-io-cluster-name': OTHER_SAFE, 'k8s-io-role-node': '' } });
    const tplOut = await converge(other(), instanceTemplateKind, [theirTpl], r);
    const theirs = migTask('nodes', { name: `a-nodes-${OTHER_SAFE}`, targetSize: 1 });
    await converge(other(), instanceGroupManagerKind, [{ ...theirs, name: `a-nodes-${OTHER_SAFE}` }], staticRefs({ ...(await networks()), ...tplOut }));

    const ours = migTask('nodes-foo');
    expect(ours.desired.name).toBe(`a-nodes-${OTHER_SAFE}`);
    const n = await verdict(instanceGroupManagerKind, ours);
    expect(n?.code).toBe(GCE_RESOURCE_NOT_OURS);
    expect(n?.summary).toContain(`InstanceGroupManager ${ZONE}/a-nodes-${OTHER_SAFE}`);
    expect(n?.summary).toContain(`cluster ${OTHER_SAFE} (k8s-io-cluster-name=${OTHER_SAFE})`);
    expect(n?.hint).toMatch(/rename the instance group \(or the cluster\).*gcloud compute instance-groups managed delete/);

    // Our own group `nodes`, on our template: found, ours.
    const tplOurs = await converge(t.ctx(), instanceTemplateKind, [templateTask('nodes')], r);
    await converge(t.ctx(), instanceGroupManagerKind, [migTask('nodes', { targetSize: 1 })], staticRefs({ ...(await networks()), ...tplOurs }));
    expect(await verdict(instanceGroupManagerKind, migTask('nodes'))).toBeUndefined();
  });

  it('refuses a MIG on a template carrying no cluster label (made by hand), and one whose base instance name is another group', async () => {
    const r = staticRefs(await networks());
    const ctx = t.ctx();
    await done(ctx, ctx.clients.instanceTemplates.insert({ project: PROJECT, instanceTemplateResource: { name: 'hand-made', properties: { machineType: 'e2-small', labels: { team: 'web' } } } }));
    const handMade = migTask('web', { instanceTemplate: `${LINK}/global/instanceTemplates/hand-made`, targetSize: 0 });
    await converge(t.ctx(), instanceGroupManagerKind, [handMade], r);
    expect((await verdict(instanceGroupManagerKind, handMade))?.summary).toMatch(/is labelled for no cluster \(no k8s-io-cluster-name label/);

    // On our template, but its base instance name says it is the MIG of group `web2`.
    const tplOurs = await converge(t.ctx(), instanceTemplateKind, [templateTask('nodes')], r);
    const renamed = migTask('api', { baseInstanceName: 'web2', instanceTemplate: ref('InstanceTemplate', `nodes-${SAFE}`, 'selfLink'), targetSize: 0 });
    await converge(t.ctx(), instanceGroupManagerKind, [renamed], staticRefs({ ...(await networks()), ...tplOurs }));
    expect((await verdict(instanceGroupManagerKind, migTask('api')))?.summary).toContain('its base instance name is "web2"');
  });
});

describe('FirewallRule', () => {
  it("refuses ipv6.<c>'s https-api rule (the name of <c>'s https-api-ipv6), a hand-made untagged rule and one on another network; takes its own", async () => {
    const r = staticRefs(await networks());
    const v6 = `https-api-ipv6-${SAFE}`;
    await converge(t.ctx(), firewallRuleKind, [fwTask(v6, { targetTags: [`ipv6-${SAFE}-k8s-io-role-control-plane`] })], r);
    const n = await verdict(firewallRuleKind, fwTask(v6));
    expect(n?.code).toBe(GCE_RESOURCE_NOT_OURS);
    expect(n?.summary).toContain(`FirewallRule ${v6}`);
    expect(n?.summary).toContain(`target tags (ipv6-${SAFE}-k8s-io-role-control-plane) are not this cluster's role tags`);
    expect(n?.hint).toContain(`gcloud compute firewall-rules delete ${v6}`);

    const untagged = `node-to-node-${SAFE}`;
    await converge(t.ctx(), firewallRuleKind, [fwTask(untagged, { targetTags: [] })], r);
    expect((await verdict(firewallRuleKind, fwTask(untagged)))?.summary).toContain('it has no target tags');

    const elsewhere = `master-to-node-${SAFE}`;
    await converge(t.ctx(), firewallRuleKind, [fwTask(elsewhere, { network: ref('Network', 'hand-made-net', 'selfLink') })], r);
    expect((await verdict(firewallRuleKind, fwTask(elsewhere)))?.summary).toContain(`it is on the network hand-made-net, not the cluster's network ${SAFE}`);

    const own = `https-api-${SAFE}`;
    await converge(t.ctx(), firewallRuleKind, [fwTask(own)], r);
    expect(await verdict(firewallRuleKind, fwTask(own))).toBeUndefined();
  });

  it('the plan is refused (an error diagnostic naming the rule), so nothing is applied', async () => {
    const tasks = [netTask(SAFE), fwTask(`https-api-ipv6-${SAFE}`, { sourceRanges: ['10.0.0.0/8'] })] as Task[];
    const planned = await planTasks(t.ctx(), gceTaskRegistry(), tasks);
    const errors = planned.plan.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.code)).toEqual([GCE_RESOURCE_NOT_OURS]);
    expect(errors[0]?.task).toBe(`FirewallRule/https-api-ipv6-${SAFE}`);
    expect(t.fake.get(PROJECT, 'global', 'firewalls', `https-api-ipv6-${SAFE}`)?.sourceRanges).toEqual(['0.0.0.0/0']);
  });
});

describe('the API load balancer', () => {
  const hc = (name: string): Task<GceHttpHealthCheckDesired> => ({ kind: 'HTTPHealthCheck', name, desired: { name, port: 3990, requestPath: '/healthz' } });
  const pool = (name: string, check: string): Task<GceTargetPoolDesired> => ({ kind: 'TargetPool', name, desired: { name, region: REGION, healthChecks: [ref('HTTPHealthCheck', check, 'selfLink')] } });

  it('TargetPool: refuses api-<c> checked by a health check not the cluster\'s; HTTPHealthCheck: refuses api-<c> used by another pool; both take their own', async () => {
    const checks = await converge(t.ctx(), httpHealthCheckKind, [hc('web-check'), hc(`api-${SAFE}`)]);
    await converge(t.ctx(), targetPoolKind, [pool(`api-${SAFE}`, 'web-check'), pool('web-pool', `api-${SAFE}`)], staticRefs(checks));
    const n = await verdict(targetPoolKind, pool(`api-${SAFE}`, `api-${SAFE}`));
    expect(n?.code).toBe(GCE_RESOURCE_NOT_OURS);
    expect(n?.summary).toContain(`TargetPool ${REGION}/api-${SAFE}`);
    expect(n?.summary).toContain(`its health check web-check is not this cluster's (api-${SAFE})`);
    const h = await verdict(httpHealthCheckKind, hc(`api-${SAFE}`));
    expect(h?.summary).toContain(`HTTPHealthCheck api-${SAFE}`);
    expect(h?.summary).toContain("the target pool web-pool, not this cluster's, uses it");

    // Made right: the pool checked by api-<c>, the check used only by it.
    await targetPoolKind.delete!(t.ctx(), (await targetPoolKind.find(t.ctx(), [pool('web-pool', `api-${SAFE}`)])).get('web-pool')!);
    await targetPoolKind.delete!(t.ctx(), (await targetPoolKind.find(t.ctx(), [pool(`api-${SAFE}`, 'web-check')])).get(`api-${SAFE}`)!);
    await converge(t.ctx(), targetPoolKind, [pool(`api-${SAFE}`, `api-${SAFE}`)], staticRefs(checks));
    expect(await verdict(targetPoolKind, pool(`api-${SAFE}`, `api-${SAFE}`))).toBeUndefined();
    expect(await verdict(httpHealthCheckKind, hc(`api-${SAFE}`))).toBeUndefined();
  });

  it("Address and ForwardingRule: refuse the name carrying another cluster's label; an unlabelled one is labelled in place (not refused)", async () => {
    const addr = (labels: Record<string, string>): Task<GceAddressDesired> => ({ kind: 'Address', name: 'api', desired: { name: `api-${SAFE}`, region: REGION, labels } });
    await converge(t.ctx(), addressKind, [addr({ 'k8s-io-cluster-name': OTHER_SAFE })]);
    const n = await verdict(addressKind, addr({ 'k8s-io-cluster-name': SAFE }));
    expect(n?.summary).toContain(`Address ${REGION}/api-${SAFE}`);
    expect(n?.summary).toContain(`it is labelled for cluster ${OTHER_SAFE}`);

    const ctx = t.ctx();
    const name = `api-${SAFE}`;
    await done(ctx, ctx.clients.forwardingRules.insert({
      project: PROJECT,
      region: REGION,
      forwardingRuleResource: { name, IPProtocol: 'TCP', portRange: '443-443', target: `${LINK}/regions/${REGION}/targetPools/api-${SAFE}`, labels: { 'k8s-io-cluster-name': OTHER_SAFE } },
    }));
    const rule: Task<GceForwardingRuleDesired> = {
      kind: 'ForwardingRule',
      name: 'api',
      desired: { name, region: REGION, ipAddress: ref('Address', 'api', 'address'), ipProtocol: 'TCP', portRange: '443', target: ref('TargetPool', 'api', 'selfLink'), labels: { 'k8s-io-cluster-name': SAFE } },
    };
    expect((await verdict(forwardingRuleKind, rule))?.summary).toContain(`ForwardingRule ${REGION}/${name}`);

    const bare = `bare-${SAFE}`;
    await converge(t.ctx(), addressKind, [{ kind: 'Address', name: 'bare', desired: { name: bare, region: REGION } }]);
    expect(await verdict(addressKind, { kind: 'Address', name: 'bare', desired: { name: bare, region: REGION, labels: { 'k8s-io-cluster-name': SAFE } } })).toBeUndefined();
  });
});

describe('found by the cluster label: Disk and InstanceTemplate', () => {
  it("a disk with the name but another cluster's label is found by name and refused (not created over)", async () => {
    const disk = (cluster: string): Task<GceDiskDesired> => ({
      kind: 'Disk',
      name: `a-etcd-main-${SAFE}`,
      desired: { name: `a-etcd-main-${SAFE}`, zone: ZONE, sizeGb: 20, type: 'pd-ssd', labels: { 'k8s-io-cluster-name': cluster, 'k8s-io-etcd-main': 'a-a' } },
    });
    await converge(other(), diskKind, [disk(OTHER_SAFE)]);
    const n = await verdict(diskKind, disk(SAFE));
    expect(n?.summary).toContain(`Disk ${ZONE}/a-etcd-main-${SAFE}`);
    expect(n?.summary).toContain(`it is labelled for cluster ${OTHER_SAFE}`);
    expect(n?.hint).toContain(`gcloud compute disks delete a-etcd-main-${SAFE} --zone ${ZONE}`);
  });

  it('a template with the full hashed name but no cluster label is found by name and refused (an insert would take it as done)', async () => {
    await networks();
    const ours = templateTask('masters');
    const full = templateName(ours.desired);
    const ctx = t.ctx();
    await done(ctx, ctx.clients.instanceTemplates.insert({ project: PROJECT, instanceTemplateResource: { name: full, properties: { machineType: 'e2-small', labels: { team: 'web' } } } }));
    const n = await verdict(instanceTemplateKind, ours);
    expect(n?.summary).toContain(`InstanceTemplate ${full}`);
    expect(n?.summary).toContain('labelled for no cluster');
  });
});

describe('Router and Subnet', () => {
  it('refuse the name on a network that is not the cluster\'s; a shared subnetwork is never refused', async () => {
    const r = staticRefs(await networks());
    const nat = (network: string): Task<GceRouterDesired> => ({
      kind: 'Router',
      name: `nat-${SAFE}`,
      desired: { name: `nat-${SAFE}`, region: REGION, network: ref('Network', network, 'selfLink'), nat: { name: `nat-${SAFE}`, natIpAllocateOption: 'AUTO_ONLY', sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS', subnetworks: [ref('Subnet', `${REGION}-${network}`, 'selfLink')] } },
    });
    await converge(t.ctx(), routerKind, [nat('hand-made-net')], r);
    const n = await verdict(routerKind, nat(SAFE));
    expect(n?.summary).toContain(`Router ${REGION}/nat-${SAFE}`);
    expect(n?.summary).toContain(`it is on the network hand-made-net, not the cluster's network ${SAFE}`);

    // The subnetwork `<region>-hand-made-net` exists on hand-made-net; as the cluster's own (on its network): refused; as shared: found.
    const asOurs: Task<GceSubnetDesired> = { ...subTask('hand-made-net', '10.1.16.0/20'), desired: { ...subTask('hand-made-net', '10.1.16.0/20').desired, network: ref('Network', SAFE, 'selfLink') } };
    expect((await verdict(subnetKind, asOurs))?.summary).toContain('it is on the network hand-made-net');
    expect(await verdict(subnetKind, { ...asOurs, shared: true })).toBeUndefined();
    expect(await verdict(subnetKind, subTask(SAFE, '10.0.16.0/20'))).toBeUndefined();
  });
});
