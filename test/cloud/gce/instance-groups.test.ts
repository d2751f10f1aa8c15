/**
 * The rolling update on GCE, end to end through the real clients: a small cluster's network,
 * templates and managed instance groups applied with the GCE kinds to the fake Compute API, a fake
 * Kubernetes API whose Nodes follow the fake's instances (node name = instance name, provider id
 * gce://…), then a machine-type change (new templates, MIGs switched) rolled with the policy
 * (`rollingUpdateCluster`) and `GceCloudProvider`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeGceClients, gceClients, type GceClients } from '../../../src/cloud/gce/clients.js';
import { gceErrorCode, isRetryableGceDeleteError, isRetryableGceError } from '../../../src/cloud/gce/errors.js';
import {
  GCE_LABEL_DETACHED_FROM,
  GceCloudProvider,
  lazyGceCloudProvider,
  managedState,
  roleFromLabels,
  templateStatus,
} from '../../../src/cloud/gce/instance-groups.js';
import { RecordingSink } from '../../../src/events.js';
import { kubeOps } from '../../../src/kube/ops.js';
import { clusterValidator } from '../../../src/kube/validate.js';
import type { InstanceGroup, NormalizedRole, RollingUpdate } from '../../../src/model/api/types.js';
import { instanceGroupLabels } from '../../../src/model/gce/labels.js';
import { instanceGroupManagerName, instanceTemplatePrefix, tagForRole } from '../../../src/model/gce/names.js';
import { MemoryProgress } from '../../../src/rolling-update/progress.js';
import { rollingUpdateCluster, type RollingUpdateOptions } from '../../../src/rolling-update/roll.js';
import { applyPlan, type ApplyOptions } from '../../../src/tasks/apply.js';
import { gceTaskRegistry } from '../../../src/tasks/gce/registry.js';
import { done } from '../../../src/tasks/gce/common.js';
import { newMemo, safeClusterName, type GceTaskContext } from '../../../src/tasks/gce/context.js';
import type {
  GceHttpHealthCheckDesired,
  GceInstanceGroupManagerDesired,
  GceInstanceTemplateDesired,
  GceNetworkDesired,
  GceSubnetDesired,
  GceTargetPoolDesired,
} from '../../../src/tasks/gce/types.js';
import { planTasks } from '../../../src/tasks/plan.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { FakeGceCompute, type GceCall } from '../../fakes/gce-compute.js';
import { gceInstanceSource } from '../../fakes/kube-apiserver.js';
import { startKube, type KubeFixture } from '../../kube/kube-setup.js';
import { SimClock } from '../../helpers/sim-clock.js';

const PROJECT = 'kops-test';
const REGION = 'us-central1';
const CLUSTER = 'kube.example.com'; // the kubeconfig context startKube writes
const SAFE = safeClusterName(CLUSTER);

interface GroupDef {
  readonly name: string;
  readonly role: NormalizedRole;
  /** Instances per zone. */
  readonly zones: Readonly<Record<string, number>>;
  readonly rollingUpdate?: RollingUpdate;
}

const MINIMAL: GroupDef[] = [
  { name: 'control-plane-us-central1-a', role: 'ControlPlane', zones: { 'us-central1-a': 1 } },
  { name: 'nodes-us-central1-a', role: 'Node', zones: { 'us-central1-a': 2 } },
];

const HA: GroupDef[] = [
  { name: 'control-plane-us-central1-a', role: 'ControlPlane', zones: { 'us-central1-a': 1 } },
  { name: 'control-plane-us-central1-b', role: 'ControlPlane', zones: { 'us-central1-b': 1 } },
  { name: 'control-plane-us-central1-c', role: 'ControlPlane', zones: { 'us-central1-c': 1 } },
  // One kops group over two zonal MIGs.
  { name: 'nodes', role: 'Node', zones: { 'us-central1-a': 2, 'us-central1-b': 1 } },
];

function ig(g: GroupDef): InstanceGroup {
  return { apiVersion: 'kops.k8s.io/v1alpha2', kind: 'InstanceGroup', metadata: { name: g.name }, spec: { role: g.role, minSize: 1, maxSize: 1 } } as InstanceGroup;
}

/** The cluster's tasks as the GCE model builds them, enough of them for a roll. */
function clusterTasks(groups: readonly GroupDef[], machineType: string, withPool: boolean): Task[] {
  const net: Task<GceNetworkDesired> = { kind: 'Network', name: SAFE, desired: { name: SAFE, mode: 'custom' } };
  const sub: Task<GceSubnetDesired> = { kind: 'Subnet', name: `${REGION}-${SAFE}`, desired: { name: `${REGION}-${SAFE}`, region: REGION, network: ref('Network', SAFE, 'selfLink'), ipCidrRange: '10.0.16.0/20' } };
  const tasks: Task[] = [net, sub];
  if (withPool) {
    const hc: Task<GceHttpHealthCheckDesired> = { kind: 'HTTPHealthCheck', name: 'api', desired: { name: `api-${SAFE}`, port: 3990, requestPath: '/healthz' } };
    const pool: Task<GceTargetPoolDesired> = { kind: 'TargetPool', name: 'api', desired: { name: `api-${SAFE}`, region: REGION, healthChecks: [ref('HTTPHealthCheck', 'api', 'selfLink')] } };
    tasks.push(hc, pool);
  }
  for (const g of groups) {
    const group = ig(g);
    const prefix = instanceTemplatePrefix(group, CLUSTER);
    const tpl: Task<GceInstanceTemplateDesired> = {
      kind: 'InstanceTemplate',
      name: prefix,
      desired: {
        namePrefix: prefix,
        machineType,
        subnetwork: ref('Subnet', `${REGION}-${SAFE}`, 'selfLink'),
        network: ref('Network', SAFE, 'selfLink'),
        externalIp: true,
        canIpForward: true,
        disks: [{ boot: true, sizeGb: 64, type: 'pd-balanced', sourceImage: 'projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64' }],
        tags: [tagForRole(CLUSTER, g.role)],
        labels: instanceGroupLabels(CLUSTER, undefined, group),
        metadata: { 'cluster-name': CLUSTER },
        serviceAccount: { email: 'default', scopes: ['https://www.googleapis.com/auth/compute'] },
        shieldedVm: { secureBoot: false, vtpm: true, integrityMonitoring: true },
      },
    };
    tasks.push(tpl);
    for (const [zone, size] of Object.entries(g.zones)) {
      const name = instanceGroupManagerName(CLUSTER, g.name, zone);
      const mig: Task<GceInstanceGroupManagerDesired> = {
        kind: 'InstanceGroupManager',
        name,
        desired: {
          name,
          zone,
          instanceTemplate: ref('InstanceTemplate', prefix, 'selfLink'),
          baseInstanceName: g.name,
          targetSize: size,
          ...(withPool && g.role === 'ControlPlane' ? { targetPools: [ref('TargetPool', 'api', 'selfLink')] } : {}),
        },
      };
      tasks.push(mig);
    }
  }
  return tasks;
}

const applyOpts = { isRetryable: isRetryableGceError, isRetryableDelete: isRetryableGceDeleteError, errorCode: gceErrorCode, backoff: { baseMs: 1, capMs: 5 } } satisfies ApplyOptions;

let fake: FakeGceCompute;
let clients: GceClients;
let kube: KubeFixture | undefined;

beforeAll(async () => {
  fake = new FakeGceCompute();
  clients = await gceClients({ project: PROJECT, region: REGION, endpoint: await fake.start() });
});
afterAll(async () => {
  await closeGceClients(clients);
  await fake.stop();
});
afterEach(async () => {
  await kube?.fake.close();
  kube = undefined;
});

function ctx(): GceTaskContext {
  return { clients, project: PROJECT, region: REGION, clusterName: CLUSTER, safeClusterName: SAFE, once: newMemo(), wait: { backoffMs: 1 } };
}

async function apply(tasks: Task[]): Promise<void> {
  const registry = gceTaskRegistry();
  const plan = await planTasks(ctx(), registry, tasks);
  const r = await applyPlan(ctx(), registry, tasks, plan, applyOpts);
  expect(r.diagnostics).toEqual([]);
  expect(r.ok).toBe(true);
}

/** Removes every resource of the previous test (one fake for the file). */
async function reset(): Promise<void> {
  const registry = gceTaskRegistry();
  const plan = await planTasks(ctx(), registry, []);
  await applyPlan(ctx(), registry, [], plan, applyOpts);
  for (const i of fake.all(PROJECT, 'instances')) {
    const zone = String(i.zone).split('/').pop() ?? '';
    await clients.instances.delete({ project: PROJECT, zone, instance: String(i.name) });
  }
  expect(fake.all(PROJECT, 'instanceGroupManagers')).toEqual([]);
  expect(fake.all(PROJECT, 'instances')).toEqual([]);
}

/** Instance names, sorted. */
function liveInstances(): string[] {
  return fake
    .all(PROJECT, 'instances')
    .map((i) => String(i.name))
    .sort();
}

function templateOf(name: string): string {
  const i = fake.all(PROJECT, 'instances').find((x) => x.name === name);
  const items = ((i?.metadata as { items?: { key: string; value: string }[] } | undefined)?.items ?? []);
  return items.find((x) => x.key === 'instance-template')?.value ?? '';
}

/** `instances.delete` calls, by instance name. */
function deletes(from = 0): string[] {
  return fake.calls
    .slice(from)
    .filter((c: GceCall) => c.method === 'DELETE' && /\/zones\/[^/]+\/instances\/[^/]+$/.test(c.path))
    .map((c) => c.path.split('/').pop() ?? '');
}

function provider(): GceCloudProvider {
  return new GceCloudProvider(clients, { wait: { backoffMs: 1 } });
}

async function setup(groups: GroupDef[], opts: { withPool?: boolean } = {}) {
  await reset();
  await apply(clusterTasks(groups, 'e2-medium', opts.withPool ?? false));
  kube = await startKube({ instances: gceInstanceSource(fake, PROJECT) });
  const cloud = provider();
  const specGroups = groups.map((g) => ({ name: g.name, role: g.role, ...(g.rollingUpdate ? { rollingUpdate: g.rollingUpdate } : {}) }));
  const validator = clusterValidator({ clusterName: CLUSTER, instanceGroups: groups.map(ig), cloud, client: kube.client });
  const events = new RecordingSink();
  const progress = new MemoryProgress();
  const k = kube;
  const roll = (o: Partial<RollingUpdateOptions> = {}) =>
    rollingUpdateCluster({
      cluster: CLUSTER,
      cloud,
      kube: kubeOps(k.client),
      validator,
      clock: new SimClock(),
      events: events.sink,
      progress,
      specGroups,
      validateCount: 1,
      postDrainDelayMs: 0,
      controlPlaneIntervalMs: 0,
      nodeIntervalMs: 0,
      bastionIntervalMs: 0,
      ...o,
    });
  return { cloud, validator, events, progress, roll, specGroups, kube: k };
}

describe('GceCloudProvider: pure parts', () => {
  it('compares the instance template an instance was created from with its MIG’s', () => {
    const a = 'https://www.googleapis.com/compute/v1/projects/p/global/instanceTemplates/nodes-x-1';
    expect(templateStatus(a, 'projects/p/global/instanceTemplates/nodes-x-1')).toBe('UpToDate');
    expect(templateStatus(a, 'projects/p/global/instanceTemplates/nodes-x-2')).toBe('NeedsUpdate');
    expect(templateStatus(a, undefined)).toBe('NeedsUpdate');
    expect(templateStatus(undefined, undefined)).toBe('NeedsUpdate');
  });

  it('maps a managed instance to a state: InService only when the MIG is done with it and it runs', () => {
    expect(managedState('NONE', 'RUNNING')).toBe('InService');
    expect(managedState('CREATING', 'PROVISIONING')).toBe('CREATING');
    expect(managedState('RECREATING', 'RUNNING')).toBe('RECREATING');
    expect(managedState('NONE', 'STAGING')).toBe('STAGING');
    expect(managedState(undefined, undefined)).toBe('UNKNOWN');
  });

  it('reads the role from kops’s labels', () => {
    expect(roleFromLabels({ 'k8s-io-role-control-plane': 'control-plane' })).toBe('ControlPlane');
    expect(roleFromLabels({ 'k8s-io-role-master': 'master' })).toBe('ControlPlane');
    expect(roleFromLabels({ 'k8s-io-role-bastion': 'bastion' })).toBe('Bastion');
    expect(roleFromLabels({ 'k8s-io-role-node': 'node' })).toBe('Node');
  });
});

describe('rolling update on GCE (fake Compute API, fake Kubernetes API)', () => {
  it('lists one group per kops group over its zonal MIGs, with node names, provider ids and templates', async () => {
    const { cloud } = await setup(HA);
    const groups = await cloud.listGroups(CLUSTER);
    expect(groups.map((g) => [g.name, g.role, g.targetSize, g.instances.length])).toEqual([
      ['control-plane-us-central1-a', 'ControlPlane', 1, 1],
      ['control-plane-us-central1-b', 'ControlPlane', 1, 1],
      ['control-plane-us-central1-c', 'ControlPlane', 1, 1],
      ['nodes', 'Node', 3, 3],
    ]);
    const nodes = groups[3]!;
    expect(nodes.cloudName).toBe(`${instanceGroupManagerName(CLUSTER, 'nodes', 'us-central1-a')},${instanceGroupManagerName(CLUSTER, 'nodes', 'us-central1-b')}`);
    for (const i of groups.flatMap((g) => g.instances)) {
      expect(i).toMatchObject({ status: 'UpToDate', state: 'InService', nodeName: i.id, machineType: 'e2-medium' });
      expect(i.providerId).toMatch(new RegExp(`^gce://${PROJECT}/us-central1-[abc]/${i.id}$`));
    }
    // Only the groups asked for; a spec group the cloud lacks is left out.
    const some = await cloud.listGroups(CLUSTER, [{ name: 'nodes', role: 'Node' }, { name: 'missing', role: 'Node' }]);
    expect(some.map((g) => g.name)).toEqual(['nodes']);
  });

  it("never takes another cluster's MIG that has a group's MIG name (group nodes-foo of <c>, nodes of foo.<c>): not listed, so never rolled", async () => {
    const { cloud } = await setup(MINIMAL);
    const zone = 'us-central1-a';
    const theirs = `foo.${CLUSTER}`;
    const name = instanceGroupManagerName(theirs, 'nodes', zone);
    expect(instanceGroupManagerName(CLUSTER, 'nodes-foo', zone)).toBe(name);
    const c = ctx();
    await done(c, clients.instanceTemplates.insert({ project: PROJECT, instanceTemplateResource: { name: 'nodes-foo-theirs', properties: { machineType: 'e2-small', labels: { 'k8s-io-cluster-name': safeClusterName(theirs) } } } }));
    await done(c, clients.instanceGroupManagers.insert({
      project: PROJECT,
      zone,
      instanceGroupManagerResource: { name, baseInstanceName: 'nodes', instanceTemplate: `projects/${PROJECT}/global/instanceTemplates/nodes-foo-theirs`, targetSize: 0 },
    }));
    try {
      const wanted = [{ name: 'nodes-foo', role: 'Node' as const }, { name: 'nodes-us-central1-a', role: 'Node' as const }];
      expect((await cloud.listGroups(CLUSTER, wanted)).map((g) => g.name)).toEqual(['nodes-us-central1-a']);
    } finally {
      await done(c, clients.instanceGroupManagers.delete({ project: PROJECT, zone, instanceGroupManager: name }));
      await done(c, clients.instanceTemplates.delete({ project: PROJECT, instanceTemplate: 'nodes-foo-theirs' }));
    }
  });

  for (const [label, groups] of [['minimal', MINIMAL], ['HA (3 zones)', HA]] as const) {
    it(`${label}: a machine-type change rolls every instance once, control planes first and one at a time, Nodes deleted and re-registered; a second roll does nothing`, async () => {
      const withPool = groups === HA;
      const { cloud, events, roll, kube: k } = await setup(groups, { withPool });
      const originals = liveInstances();
      await apply(clusterTasks(groups, 'e2-standard-4', withPool));
      const before = await cloud.listGroups(CLUSTER);
      expect(before.flatMap((g) => g.instances.map((i) => i.status))).toEqual(originals.map(() => 'NeedsUpdate'));

      const from = fake.calls.length;
      const kubeFrom = k.fake.requests.length;
      const result = await roll();

      // Every instance deleted exactly once (the MIG recreates it under the same name).
      expect(deletes(from).sort()).toEqual(originals);
      expect([...result.replaced].sort()).toEqual(originals);
      expect(liveInstances()).toEqual(originals);
      const after = await cloud.listGroups(CLUSTER);
      for (const i of after.flatMap((g) => g.instances)) {
        expect(i).toMatchObject({ status: 'UpToDate', state: 'InService', machineType: 'e2-standard-4' });
        expect(templateOf(i.id)).toMatch(/instanceTemplates\//);
      }
      // Control planes first, one at a time: each replaced before the next is drained.
      const steps = events.of('rolling-update.step').filter((e) => e.step === 'drain' || e.step === 'terminate' || e.step === 'replaced');
      const cpNames = new Set(after.filter((g) => g.role === 'ControlPlane').flatMap((g) => g.instances.map((i) => i.id)));
      const terminated = steps.filter((e) => e.step === 'terminate').map((e) => e.instance);
      expect(terminated.slice(0, cpNames.size).every((n) => cpNames.has(n))).toBe(true);
      let inFlight = 0;
      for (const e of steps) {
        if (!cpNames.has(e.instance)) continue;
        if (e.step === 'drain') inFlight++;
        if (e.step === 'replaced') inFlight--;
        expect(inFlight).toBeLessThanOrEqual(1);
      }
      // GCE reuses names: the roll deleted each Node, and it came back (not cordoned).
      const nodeDeletes = k.fake.requests.slice(kubeFrom).filter((r) => r.method === 'DELETE' && /^\/api\/v1\/nodes\//.test(r.path)).map((r) => r.path.split('/').pop()?.split('?')[0]);
      expect(nodeDeletes.sort()).toEqual(originals);
      const nodes = await kubeOps(k.client).listNodes();
      expect(nodes.map((n) => n.name).sort()).toEqual(originals);
      expect(nodes.every((n) => !n.unschedulable)).toBe(true);
      // HA: a control plane was taken out of the API's target pool before it went down.
      if (withPool) expect(fake.count('POST', /\/targetPools\/[^/]+\/removeInstance$/)).toBe(3);
      else expect(fake.count('POST', /\/removeInstance$/)).toBe(0);

      const again = fake.calls.length;
      const second = await roll();
      expect(second.replaced).toEqual([]);
      expect(deletes(again)).toEqual([]);
      expect(fake.calls.slice(again).filter((c) => c.method !== 'GET' && !c.path.endsWith('/listManagedInstances'))).toEqual([]);
    });
  }

  it('waits for each recreated VM to boot (MIG action CREATING) before going on; operations are awaited until DONE', async () => {
    const { roll, events } = await setup(MINIMAL);
    const originals = liveInstances();
    await apply(clusterTasks(MINIMAL, 'e2-standard-2', false));
    fake.bootPolls = 2;
    fake.operationPolls = 1;
    const statusAtReplaced: string[] = [];
    try {
      const r = await roll({
        events: (e) => {
          events.sink(e);
          if (e.code === 'rolling-update.step' && e.step === 'replaced') {
            statusAtReplaced.push(String(fake.all(PROJECT, 'instances').find((i) => i.name === e.instance)?.status));
          }
        },
      });
      expect([...r.replaced].sort()).toEqual(originals);
    } finally {
      fake.bootPolls = 0;
      fake.operationPolls = 0;
    }
    // Each replacement was running (and its MIG done with it) before the roll called it replaced.
    expect(statusAtReplaced).toEqual(originals.map(() => 'RUNNING'));
    // The roll polled the group while the VM booted.
    expect(events.of('rolling-update.step').filter((e) => e.step === 'wait-replacement')).toHaveLength(originals.length);
    expect(fake.count('POST', /\/operations\/[^/]+\/wait$/)).toBeGreaterThan(0);
  });

  it('--cloudonly replaces every instance without the Kubernetes API', async () => {
    const { roll, kube: k } = await setup(MINIMAL);
    const originals = liveInstances();
    await apply(clusterTasks(MINIMAL, 'e2-standard-2', false));
    const from = fake.calls.length;
    const kubeFrom = k.fake.requests.length;
    const r = await roll({ cloudOnly: true, kube: undefined, validator: undefined });
    expect(deletes(from).sort()).toEqual(originals);
    expect([...r.replaced].sort()).toEqual(originals);
    expect(k.fake.requests.length).toBe(kubeFrom);
  });

  it('an interrupted roll resumes: every instance still replaced exactly once', async () => {
    const { roll, events } = await setup(MINIMAL);
    const originals = liveInstances();
    await apply(clusterTasks(MINIMAL, 'e2-standard-2', false));
    const from = fake.calls.length;
    const ac = new AbortController();
    let replacedSteps = 0;
    const first = await roll({
      signal: ac.signal,
      events: (e) => {
        events.sink(e);
        // Stop after the control plane and the first node are replaced.
        if (e.code === 'rolling-update.step' && e.step === 'replaced' && ++replacedSteps === 2) ac.abort(new Error('interrupted'));
      },
    }).then(
      () => 'completed',
      (e: unknown) => (e as Error).message,
    );
    expect(first).toBe('interrupted');
    expect(deletes(from)).toHaveLength(2);
    const second = await roll();
    expect(second.resumed).toBe(true);
    expect(second.replaced).toHaveLength(1);
    expect(deletes(from).sort()).toEqual(originals);
    expect((await roll()).replaced).toEqual([]);
  });

  it('surge: abandons the instance (labelled), resizes the MIG back so a replacement launches first, then deletes the old one', async () => {
    const groups: GroupDef[] = [MINIMAL[0]!, { ...MINIMAL[1]!, rollingUpdate: { maxSurge: 1 } }];
    const { roll, cloud } = await setup(groups);
    const nodes = instanceGroupManagerName(CLUSTER, 'nodes-us-central1-a', 'us-central1-a');
    const originals = liveInstances();
    await apply(clusterTasks(groups, 'e2-standard-2', false));
    const from = fake.calls.length;
    const r = await roll();
    expect([...r.replaced].sort()).toEqual(originals);
    const posts = fake.calls.slice(from).filter((c) => c.method === 'POST').map((c) => c.path.split('/').pop());
    expect(posts.filter((p) => p === 'abandonInstances')).toHaveLength(1);
    // setLabels, abandon, resize: in that order.
    expect(posts.indexOf('setLabels')).toBeLessThan(posts.indexOf('abandonInstances'));
    expect(posts.indexOf('abandonInstances')).toBeLessThan(posts.indexOf('resize'));
    // The MIG kept its size; the abandoned instance is gone; nothing carries the detach label.
    expect(fake.get(PROJECT, 'zones/us-central1-a', 'instanceGroupManagers', nodes)?.targetSize).toBe(2);
    const live = fake.all(PROJECT, 'instances');
    expect(live).toHaveLength(3);
    expect(live.every((i) => (i.labels as Record<string, string>)[GCE_LABEL_DETACHED_FROM] === undefined)).toBe(true);
    const groupsAfter = await cloud.listGroups(CLUSTER);
    expect(groupsAfter.flatMap((g) => g.instances).every((i) => i.status === 'UpToDate' && i.state === 'InService')).toBe(true);
  });

  it('a detach interrupted after the abandon shows the instance Detached; the next roll restores the MIG size and finishes it', async () => {
    const { roll, cloud } = await setup(MINIMAL);
    const mig = instanceGroupManagerName(CLUSTER, 'nodes-us-central1-a', 'us-central1-a');
    await apply(clusterTasks(MINIMAL, 'e2-standard-2', false));
    const [group] = await cloud.listGroups(CLUSTER, [{ name: 'nodes-us-central1-a', role: 'Node' }]);
    const victim = group!.instances[0]!;
    fake.failRequest((c) => c.method === 'POST' && c.path.endsWith(`/instanceGroupManagers/${mig}/resize`), { status: 503, reason: 'backendError', message: 'Backend Error' });
    await expect(cloud.detach(group!, victim)).rejects.toThrow(/Backend Error/);
    expect(fake.get(PROJECT, 'zones/us-central1-a', 'instanceGroupManagers', mig)?.targetSize).toBe(1);

    const [g2] = await cloud.listGroups(CLUSTER, [{ name: 'nodes-us-central1-a', role: 'Node' }]);
    expect(g2!.instances.find((i) => i.id === victim.id)).toMatchObject({ status: 'Detached', state: 'Detached' });
    expect(g2!.instances).toHaveLength(2);

    await roll();
    expect(fake.get(PROJECT, 'zones/us-central1-a', 'instanceGroupManagers', mig)?.targetSize).toBe(2);
    expect(liveInstances()).not.toContain(victim.id);
    const [g3] = await cloud.listGroups(CLUSTER, [{ name: 'nodes-us-central1-a', role: 'Node' }]);
    expect(g3!.instances.map((i) => [i.status, i.state])).toEqual([
      ['UpToDate', 'InService'],
      ['UpToDate', 'InService'],
    ]);
  });

  it('detach is idempotent: a second detach of an abandoned instance changes nothing', async () => {
    const { cloud } = await setup(MINIMAL);
    const mig = instanceGroupManagerName(CLUSTER, 'nodes-us-central1-a', 'us-central1-a');
    const [group] = await cloud.listGroups(CLUSTER, [{ name: 'nodes-us-central1-a', role: 'Node' }]);
    const victim = group!.instances[0]!;
    await cloud.detach(group!, victim);
    expect(fake.get(PROJECT, 'zones/us-central1-a', 'instanceGroupManagers', mig)?.targetSize).toBe(2);
    const [g2] = await cloud.listGroups(CLUSTER, [{ name: 'nodes-us-central1-a', role: 'Node' }]);
    expect(g2!.instances).toHaveLength(3);
    expect(g2!.targetSize).toBe(2);
    expect(g2!.instances.filter((i) => i.status === 'Detached').map((i) => i.id)).toEqual([victim.id]);
    const from = fake.calls.length;
    await cloud.detach(g2!, g2!.instances.find((i) => i.id === victim.id)!);
    const writes = fake.calls.slice(from).filter((c) => c.method === 'POST' && !c.path.includes('/operations/')).map((c) => c.path.split('/').pop());
    expect(writes).toEqual(['abandonInstances']);
    expect(fake.get(PROJECT, 'zones/us-central1-a', 'instanceGroupManagers', mig)?.targetSize).toBe(2);
    expect(fake.all(PROJECT, 'instances')).toHaveLength(4);
  });

  it('lazyGceCloudProvider opens the clients once, on first use, and again after a failed open', async () => {
    await setup(MINIMAL);
    let opens = 0;
    const lazy = lazyGceCloudProvider(async () => {
      if (++opens === 1) throw new Error('no credentials yet');
      return clients;
    });
    expect(lazy.name).toBe('gce');
    expect(opens).toBe(0);
    await expect(lazy.listGroups(CLUSTER)).rejects.toThrow('no credentials yet');
    expect((await lazy.listGroups(CLUSTER)).map((g) => g.name)).toEqual(['control-plane-us-central1-a', 'nodes-us-central1-a']);
    await lazy.listGroups(CLUSTER);
    expect(opens).toBe(2);
  });

  it('terminate counts an instance already gone as terminated; deregister is a no-op outside a target pool', async () => {
    const { cloud } = await setup(MINIMAL);
    const [group] = await cloud.listGroups(CLUSTER, [{ name: 'nodes-us-central1-a', role: 'Node' }]);
    const victim = group!.instances[0]!;
    const from = fake.calls.length;
    await cloud.deregister(group!, victim, new SimClock());
    expect(fake.calls.slice(from).filter((c) => c.method !== 'GET')).toEqual([]);
    fake.failRequest((c) => c.method === 'DELETE' && c.path.endsWith(`/instances/${victim.id}`), { status: 404, reason: 'notFound', message: 'gone' });
    await expect(cloud.terminate(group!, victim)).resolves.toBeUndefined();
  });
});
