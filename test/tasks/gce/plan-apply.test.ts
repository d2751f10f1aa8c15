/** The GCE kinds through the engine: planTasks/applyPlan on a small cluster graph, then no-op and change plans. */
import { describe, expect, it } from 'vitest';
import { gceErrorCode, isRetryableGceDeleteError, isRetryableGceError } from '../../../src/cloud/gce/errors.js';
import { applyPlan, type ApplyOptions } from '../../../src/tasks/apply.js';
import { gceTaskRegistry } from '../../../src/tasks/gce/registry.js';
import { templateName } from '../../../src/tasks/gce/instance-template.js';
import type { GceDiskDesired, GceFirewallRuleDesired, GceInstanceTemplateDesired, GceNetworkDesired, GceSubnetDesired } from '../../../src/tasks/gce/types.js';
import { planTasks } from '../../../src/tasks/plan.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { migTask, templateTask } from './fixtures.js';
import { PROJECT, REGION, SAFE, useFakeGce, ZONE } from './harness.js';

const t = useFakeGce();
const registry = gceTaskRegistry();
const opts = { isRetryable: isRetryableGceError, isRetryableDelete: isRetryableGceDeleteError, errorCode: gceErrorCode, backoff: { baseMs: 1, capMs: 5 } } satisfies ApplyOptions;

function cluster(machineType = 'e2-medium'): Task[] {
  const net: Task<GceNetworkDesired> = { kind: 'Network', name: SAFE, desired: { name: SAFE, mode: 'custom' } };
  const sub: Task<GceSubnetDesired> = { kind: 'Subnet', name: `${REGION}-${SAFE}`, desired: { name: `${REGION}-${SAFE}`, region: REGION, network: ref('Network', SAFE, 'selfLink'), ipCidrRange: '10.0.16.0/20' } };
  const fw: Task<GceFirewallRuleDesired> = {
    kind: 'FirewallRule',
    name: `node-to-node-${SAFE}`,
    desired: { name: `node-to-node-${SAFE}`, network: ref('Network', SAFE, 'selfLink'), sourceTags: [`${SAFE}-k8s-io-role-node`], targetTags: [`${SAFE}-k8s-io-role-node`], allowed: [{ protocol: 'tcp' }, { protocol: 'udp' }, { protocol: 'icmp' }] },
  };
  const disk: Task<GceDiskDesired> = { kind: 'Disk', name: `a-etcd-main-${SAFE}`, desired: { name: `a-etcd-main-${SAFE}`, zone: ZONE, sizeGb: 20, type: 'pd-ssd', labels: { 'k8s-io-cluster-name': SAFE } } };
  const tpl: Task<GceInstanceTemplateDesired> = templateTask('nodes', { machineType });
  return [net, sub, fw, disk, tpl, migTask()];
}

describe('GCE kinds through planTasks/applyPlan', () => {
  it('creates the graph in order, then plans nothing; a machine-type change touches only the template and its MIG', async () => {
    // A throttled insert is retried by the engine (isRetryableGceError), not fatal.
    t.fake.failRequest((c) => c.method === 'POST' && c.path.endsWith('/global/firewalls'), { status: 403, reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' });
    const first = await planTasks(t.ctx(), registry, cluster());
    expect(first.plan.summary).toMatchObject({ create: 6, update: 0, replace: 0, delete: 0 });
    const applied = await applyPlan(t.ctx(), registry, cluster(), first, opts);
    expect(applied.diagnostics).toEqual([]);
    expect(applied.ok).toBe(true);
    expect(t.fake.count('POST', /\/global\/firewalls$/)).toBe(2);
    // Each create went to the API after the resource it references.
    const posts = t.fake.calls.filter((c) => c.method === 'POST' && !c.path.includes('/operations/')).map((c) => c.path.split('/').slice(-1)[0]);
    expect(posts.indexOf('networks')).toBeLessThan(posts.indexOf('subnetworks'));
    expect(posts.indexOf('subnetworks')).toBeLessThan(posts.indexOf('instanceTemplates'));
    expect(posts.indexOf('instanceTemplates')).toBeLessThan(posts.indexOf('instanceGroupManagers'));

    const second = await planTasks(t.ctx(), registry, cluster());
    expect(second.plan.changes).toEqual([]);
    expect(second.plan.summary.noop).toBe(6);

    const changed = await planTasks(t.ctx(), registry, cluster('e2-standard-4'));
    expect(changed.plan.changes.map((c) => `${c.action} ${c.key}`)).toEqual([
      `update InstanceGroupManager/a-nodes-${SAFE}`,
      `create InstanceTemplate/nodes-${SAFE}`,
      `delete InstanceTemplate/${templateName(templateTask().desired)}`,
    ]);
    const applied2 = await applyPlan(t.ctx(), registry, cluster('e2-standard-4'), changed, opts);
    expect(applied2.ok).toBe(true);
    const v2 = templateName(templateTask('nodes', { machineType: 'e2-standard-4' }).desired);
    expect(t.fake.names(PROJECT, 'global', 'instanceTemplates')).toEqual([v2]);
    expect(String(t.fake.get(PROJECT, `zones/${ZONE}`, 'instanceGroupManagers', `a-nodes-${SAFE}`)?.instanceTemplate)).toMatch(new RegExp(`/global/instanceTemplates/${v2}$`));
    expect((await planTasks(t.ctx(), registry, cluster('e2-standard-4'))).plan.changes).toEqual([]);
  });

  it("reads the MIGs' template labels from the cluster's one template list: a no-op plan makes as many calls for 5 groups as for 1", async () => {
    const groups = (n: number): Task[] => [
      ...cluster().filter((x) => x.kind !== 'InstanceTemplate' && x.kind !== 'InstanceGroupManager'),
      ...Array.from({ length: n }, (_, i) => [templateTask(`ig${i}`), migTask(`ig${i}`)]).flat(),
    ];
    const callsOfNoopPlan = async (n: number): Promise<string[]> => {
      const tasks = groups(n);
      expect((await applyPlan(t.ctx(), registry, tasks, await planTasks(t.ctx(), registry, tasks), opts)).ok).toBe(true);
      t.fake.calls.splice(0);
      const plan = await planTasks(t.ctx(), registry, tasks);
      expect(plan.plan.changes).toEqual([]);
      return t.fake.calls.map((c) => `${c.method} ${c.path.replace(/^.*\/projects\/[^/]+\//, '').replace(/instanceTemplates\/.+$/, 'instanceTemplates/<name>')}`).sort();
    };
    const one = await callsOfNoopPlan(1);
    const five = await callsOfNoopPlan(5);
    expect(five).toEqual(one);
    expect(five.filter((c) => c.startsWith('GET global/instanceTemplates'))).toEqual(['GET global/instanceTemplates']);
  });

  it('with no tasks, plans every owned resource that has an orphan search as a deletion, and deletes it', async () => {
    const lb: Task[] = [
      { kind: 'Address', name: 'api', desired: { name: `api-${SAFE}`, region: REGION, labels: { 'k8s-io-cluster-name': SAFE } } },
      { kind: 'HTTPHealthCheck', name: 'api', desired: { name: `api-${SAFE}`, port: 3990, requestPath: '/healthz' } },
      { kind: 'TargetPool', name: 'api', desired: { name: `api-${SAFE}`, region: REGION, healthChecks: [ref('HTTPHealthCheck', 'api', 'selfLink')] } },
      {
        kind: 'ForwardingRule',
        name: 'api',
        desired: { name: `api-${SAFE}`, region: REGION, ipAddress: ref('Address', 'api', 'address'), ipProtocol: 'TCP', portRange: '443', target: ref('TargetPool', 'api', 'selfLink'), labels: { 'k8s-io-cluster-name': SAFE } },
      },
    ];
    const tasks = [...cluster('e2-standard-4'), ...lb];
    const applied = await applyPlan(t.ctx(), registry, tasks, await planTasks(t.ctx(), registry, tasks), opts);
    expect(applied.ok).toBe(true);

    const teardown = await planTasks(t.ctx(), registry, []);
    expect(teardown.plan.changes.map((c) => `${c.action} ${c.kind}`).sort()).toEqual(
      ['Address', 'Disk', 'FirewallRule', 'ForwardingRule', 'HTTPHealthCheck', 'InstanceGroupManager', 'InstanceTemplate', 'TargetPool'].map((k) => `delete ${k}`),
    );
    const done = await applyPlan(t.ctx(), registry, [], teardown, opts);
    expect(done.diagnostics).toEqual([]);
    for (const [scope, coll] of [
      ['global', 'firewalls'],
      ['global', 'instanceTemplates'],
      ['global', 'httpHealthChecks'],
      [`zones/${ZONE}`, 'disks'],
      [`zones/${ZONE}`, 'instanceGroupManagers'],
      [`zones/${ZONE}`, 'instances'],
      [`regions/${REGION}`, 'addresses'],
      [`regions/${REGION}`, 'targetPools'],
      [`regions/${REGION}`, 'forwardingRules'],
    ] as const) {
      expect(t.fake.names(PROJECT, scope, coll), `${scope}/${coll}`).toEqual([]);
    }
    // No labels and no cluster suffix: the network and subnetwork go with their tasks (delete cluster).
    expect(t.fake.names(PROJECT, 'global', 'networks')).toEqual([SAFE]);
  });
});
