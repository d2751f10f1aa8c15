import { describe, expect, it } from 'vitest';
import { diskKind } from '../../../src/tasks/gce/disk.js';
import { instanceGroupManagerKind } from '../../../src/tasks/gce/instance-group-manager.js';
import { instanceTemplateKind, templateName } from '../../../src/tasks/gce/instance-template.js';
import { networkKind } from '../../../src/tasks/gce/network.js';
import { subnetKind } from '../../../src/tasks/gce/subnet.js';
import type { GceDiskDesired, GceNetworkDesired, GceSubnetDesired } from '../../../src/tasks/gce/types.js';
import { ref, type Outputs, type Task } from '../../../src/tasks/types.js';
import { migTask, templateTask } from './fixtures.js';
import { converge, expectIdempotent, planKind, PROJECT, REGION, SAFE, staticRefs, useFakeGce, ZONE } from './harness.js';

const t = useFakeGce();

const diskTask = (name: string, over: Partial<GceDiskDesired> = {}): Task<GceDiskDesired> => ({
  kind: 'Disk',
  name,
  desired: { name, zone: ZONE, sizeGb: 20, type: 'pd-ssd', labels: { 'k8s-io-cluster-name': SAFE, 'k8s-io-etcd-main': 'a-a', 'k8s-io-role-master': 'master' }, ...over },
});

async function networkOutputs(): Promise<Record<string, Outputs>> {
  const net: Task<GceNetworkDesired> = { kind: 'Network', name: SAFE, desired: { name: SAFE, mode: 'custom' } };
  const out = await converge(t.ctx(), networkKind, [net]);
  const sub: Task<GceSubnetDesired> = { kind: 'Subnet', name: `${REGION}-${SAFE}`, desired: { name: `${REGION}-${SAFE}`, region: REGION, network: ref('Network', SAFE, 'selfLink'), ipCidrRange: '10.0.16.0/20' } };
  return { ...out, ...(await converge(t.ctx(), subnetKind, [sub], staticRefs(out))) };
}

describe('Disk', () => {
  it('creates an etcd disk with its labels, is idempotent, grows in place and refuses to shrink', async () => {
    await expectIdempotent(t, diskKind, [diskTask(`a-etcd-main-${SAFE}`)]);
    const stored = t.fake.get(PROJECT, `zones/${ZONE}`, 'disks', `a-etcd-main-${SAFE}`);
    expect(stored?.type).toMatch(/\/zones\/us-central1-a\/diskTypes\/pd-ssd$/);
    expect(stored?.labels).toEqual({ 'k8s-io-cluster-name': SAFE, 'k8s-io-etcd-main': 'a-a', 'k8s-io-role-master': 'master' });

    const bigger = diskTask(`a-etcd-main-${SAFE}`, { sizeGb: 40 });
    const [c] = await planKind(t.ctx(), diskKind, [bigger]);
    expect(c?.action).toBe('update');
    await expectIdempotent(t, diskKind, [bigger]);
    expect(t.fake.get(PROJECT, `zones/${ZONE}`, 'disks', `a-etcd-main-${SAFE}`)?.sizeGb).toBe('40');
    await expect(converge(t.ctx(), diskKind, [diskTask(`a-etcd-main-${SAFE}`, { sizeGb: 10 })])).rejects.toThrow(/cannot shrink it to 10 GB/);
  });

  it('refuses a disk without the cluster label, by which it is found', async () => {
    await expect(converge(t.ctx(), diskKind, [diskTask('unlabelled', { labels: { 'k8s-io-etcd-main': 'a-a' } })])).rejects.toThrow(/Disk unlabelled: labels must include k8s-io-cluster-name=minimal-example-com/);
    expect(t.fake.names(PROJECT, `zones/${ZONE}`, 'disks')).not.toContain('unlabelled');
  });

  it('plans a replacement for a type change, sets a new label with the fingerprint and keeps unmanaged labels', async () => {
    const name = `b-etcd-events-${SAFE}`;
    await converge(t.ctx(), diskKind, [diskTask(name)]);
    t.fake.mutate(PROJECT, `zones/${ZONE}`, 'disks', name, (d) => {
      d.labels = { ...(d.labels as Record<string, string>), 'backup-policy': 'daily' };
    });
    expect((await planKind(t.ctx(), diskKind, [diskTask(name, { type: 'pd-balanced' })]))[0]?.action).toBe('replace');
    const labelled = diskTask(name, { labels: { ...diskTask(name).desired.labels, team: 'infra' } });
    expect((await planKind(t.ctx(), diskKind, [labelled]))[0]?.fields.map((f) => f.field)).toEqual(['labels']);
    await expectIdempotent(t, diskKind, [labelled]);
    expect(t.fake.get(PROJECT, `zones/${ZONE}`, 'disks', name)?.labels).toMatchObject({ team: 'infra', 'backup-policy': 'daily' });
  });

  it('finds disks of the cluster no task describes as orphans (aggregated, any zone) and deletes them', async () => {
    const keep = diskTask(`c-etcd-main-${SAFE}`);
    const old = diskTask(`f-etcd-main-${SAFE}`, { zone: 'us-central1-f' });
    const foreign = diskTask('other-disk', { labels: { 'k8s-io-cluster-name': 'other-example-com' } });
    await converge(t.ctx(), diskKind, [keep, old]);
    await converge({ ...t.ctx(), clusterName: 'other.example.com', safeClusterName: 'other-example-com' }, diskKind, [foreign]);
    const all = [keep, diskTask(`a-etcd-main-${SAFE}`), diskTask(`b-etcd-events-${SAFE}`)];
    const orphans = (await diskKind.findOrphans?.(t.ctx(), all, await diskKind.find(t.ctx(), all))) ?? [];
    expect(orphans.map((o) => o.name)).toEqual([`us-central1-f/f-etcd-main-${SAFE}`]);
    await diskKind.delete?.(t.ctx(), orphans[0]?.actual as never);
    expect(t.fake.names(PROJECT, 'zones/us-central1-f', 'disks')).toEqual([]);
    expect(t.fake.names(PROJECT, `zones/${ZONE}`, 'disks')).toContain('other-disk');
  });
});

describe('InstanceTemplate and InstanceGroupManager', () => {
  it('creates a hash-named template, a MIG running targetSize instances from it; both idempotent', async () => {
    const refs = staticRefs(await networkOutputs());
    const tpl = templateTask();
    const { outputs } = await expectIdempotent(t, instanceTemplateKind, [tpl], refs);
    const full = outputs[`InstanceTemplate/nodes-${SAFE}`]?.name ?? '';
    expect(full).toBe(templateName(tpl.desired));
    expect(full).toMatch(new RegExp(`^nodes-${SAFE}-[0-9a-f]{8}$`));
    const props = t.fake.get(PROJECT, 'global', 'instanceTemplates', full)?.properties as Record<string, unknown>;
    expect(props.shieldedInstanceConfig).toEqual({ enableSecureBoot: false, enableVtpm: true, enableIntegrityMonitoring: true });
    expect(props.metadata).toEqual({ items: [{ key: 'cluster-name', value: 'minimal.example.com' }, { key: 'user-data', value: '#!/bin/bash\necho bootstrap\n' }] });
    expect((props.networkInterfaces as { accessConfigs: unknown[] }[])[0]?.accessConfigs).toEqual([{ name: 'external-nat', type: 'ONE_TO_ONE_NAT' }]);

    const migRefs = staticRefs({ ...(await networkOutputs()), ...outputs });
    await expectIdempotent(t, instanceGroupManagerKind, [migTask()], migRefs);
    const instances = t.fake.names(PROJECT, `zones/${ZONE}`, 'instances').filter((n) => n.startsWith('nodes-'));
    expect(instances).toHaveLength(2);
    const inst = t.fake.get(PROJECT, `zones/${ZONE}`, 'instances', instances[0] ?? '');
    expect(inst?.labels).toEqual(tpl.desired.labels);
  });

  it('a Spot template (kops\'s gcpProvisioningModel SPOT) is created with Spot scheduling, read back as Spot, and idempotent', async () => {
    const refs = staticRefs(await networkOutputs());
    const tpl = templateTask('spot', { preemptible: true, provisioningModel: 'SPOT' });
    const { outputs } = await expectIdempotent(t, instanceTemplateKind, [tpl], refs);
    const full = outputs[`InstanceTemplate/spot-${SAFE}`]?.name ?? '';
    expect(full).not.toBe(templateName(templateTask('spot').desired));
    const props = t.fake.get(PROJECT, 'global', 'instanceTemplates', full)?.properties as Record<string, unknown>;
    expect(props.scheduling).toEqual({ preemptible: true, automaticRestart: false, onHostMaintenance: 'TERMINATE', provisioningModel: 'SPOT' });
    const standard = templateTask('std');
    const std = await expectIdempotent(t, instanceTemplateKind, [standard], refs);
    const stdProps = t.fake.get(PROJECT, 'global', 'instanceTemplates', std.outputs[`InstanceTemplate/std-${SAFE}`]?.name ?? '')?.properties as Record<string, unknown>;
    expect(stdProps.scheduling).toEqual({ preemptible: false, automaticRestart: true, onHostMaintenance: 'MIGRATE' });
    // The templates of the other cases here are counted as orphans: these go.
    const found = await instanceTemplateKind.find(t.ctx(), [tpl, standard]);
    for (const a of found.values()) await instanceTemplateKind.delete!(t.ctx(), a);
  });

  it('a machine-type change is a new template; the MIG switches in place, the old template becomes an orphan', async () => {
    const net = await networkOutputs();
    const refs = staticRefs(net);
    const v1 = templateTask();
    const out1 = await converge(t.ctx(), instanceTemplateKind, [v1], refs);
    await converge(t.ctx(), instanceGroupManagerKind, [migTask()], staticRefs({ ...net, ...out1 }));

    const v2 = templateTask('nodes', { machineType: 'e2-standard-4' });
    const [tc] = await planKind(t.ctx(), instanceTemplateKind, [v2], refs);
    expect(tc?.action).toBe('create');
    const out2 = await converge(t.ctx(), instanceTemplateKind, [v2], refs);
    const refs2 = staticRefs({ ...net, ...out2 });
    const [mc] = await planKind(t.ctx(), instanceGroupManagerKind, [migTask()], refs2);
    expect(mc?.action).toBe('update');
    expect(mc?.fields.map((f) => f.field)).toEqual(['instanceTemplate']);
    await expectIdempotent(t, instanceGroupManagerKind, [migTask()], refs2);
    expect(t.fake.count('POST', /\/instanceGroupManagers\/a-nodes-[^/]+\/setInstanceTemplate$/)).toBe(1);

    const found = await instanceTemplateKind.find(t.ctx(), [v2]);
    const orphans = (await instanceTemplateKind.findOrphans?.(t.ctx(), [v2], found)) ?? [];
    expect(orphans.map((o) => o.name)).toEqual([templateName(v1.desired)]);
    for (const o of orphans) await instanceTemplateKind.delete?.(t.ctx(), o.actual);
    expect(t.fake.names(PROJECT, 'global', 'instanceTemplates')).toEqual([templateName(v2.desired)]);
  });

  it('refuses a template without the cluster label (it could never be found again), and adopts an existing template of the same hashed name', async () => {
    const refs = staticRefs(await networkOutputs());
    const unlabelled = templateTask('bastion', { labels: { 'k8s-io-role-bastion': '' } });
    await expect(converge(t.ctx(), instanceTemplateKind, [unlabelled], refs)).rejects.toThrow(/labels must include k8s-io-cluster-name=minimal-example-com/);
    const tpl = templateTask('bastion');
    await converge(t.ctx(), instanceTemplateKind, [tpl], refs);
    const again = await instanceTemplateKind.apply(t.ctx(), { action: 'create', name: tpl.name, desired: tpl.desired, fields: [], refs });
    expect(again.name).toBe(templateName(tpl.desired));
  });

  it('resizes in place, replaces on a new base instance name, finds removed groups as orphans and deletes them with their instances', async () => {
    const net = await networkOutputs();
    const tpl = templateTask('nodes', { machineType: 'e2-standard-4' });
    const refs = staticRefs({ ...net, ...(await converge(t.ctx(), instanceTemplateKind, [tpl], staticRefs(net))) });
    await converge(t.ctx(), instanceGroupManagerKind, [migTask('nodes', { targetSize: 3 })], refs);
    expect(t.fake.get(PROJECT, `zones/${ZONE}`, 'instanceGroupManagers', `a-nodes-${SAFE}`)?.targetSize).toBe(3);
    expect((await planKind(t.ctx(), instanceGroupManagerKind, [migTask('nodes', { baseInstanceName: 'workers' })], refs))[0]?.action).toBe('replace');

    const zoneB = migTask('nodes', {}, 'us-central1-b');
    await converge(t.ctx(), instanceGroupManagerKind, [zoneB], refs);
    const keep = [migTask('nodes', { targetSize: 3 })];
    const orphans = (await instanceGroupManagerKind.findOrphans?.(t.ctx(), keep, await instanceGroupManagerKind.find(t.ctx(), keep))) ?? [];
    expect(orphans.map((o) => o.name)).toEqual([`us-central1-b/b-nodes-${SAFE}`]);
    await instanceGroupManagerKind.delete?.(t.ctx(), orphans[0]?.actual as never);
    expect(t.fake.names(PROJECT, 'zones/us-central1-b', 'instanceGroupManagers')).toEqual([]);
    expect(t.fake.names(PROJECT, 'zones/us-central1-b', 'instances')).toEqual([]);
  });

  it("a MIG named as the cluster's group would be but running a template labelled for another cluster is not an orphan; on the cluster's template it is", async () => {
    const net = await networkOutputs();
    const ours = templateTask('spare');
    const refs = staticRefs({ ...net, ...(await converge(t.ctx(), instanceTemplateKind, [ours], staticRefs(net))) });
    const c = t.ctx().clients;
    const theirs = { name: 'spare-other-example-com-1', properties: { machineType: 'e2-medium', labels: { 'k8s-io-cluster-name': 'other-example-com' } } };
    // Inserted directly: the kind refuses a template without this cluster's label.
    await c.instanceTemplates.insert({ project: PROJECT, instanceTemplateResource: theirs });
    const theirsLink = `https://www.googleapis.com/compute/v1/projects/${PROJECT}/global/instanceTemplates/${theirs.name}`;
    await converge(t.ctx(), instanceGroupManagerKind, [migTask('spare', { instanceTemplate: theirsLink })], refs);
    const orphanNames = async () => ((await instanceGroupManagerKind.findOrphans?.(t.ctx(), [], new Map())) ?? []).map((o) => o.name);
    expect(await orphanNames()).not.toContain(`${ZONE}/a-spare-${SAFE}`);
    await converge(t.ctx(), instanceGroupManagerKind, [migTask('spare')], refs);
    expect(await orphanNames()).toContain(`${ZONE}/a-spare-${SAFE}`);
  });
});
