/**
 * The GCE Cloud's pure parts: the ownership label agreed between the model and the kinds (also for
 * a cluster name past 63 characters), a new instance template name when the startup script
 * changes, kops's type words, the dump's reading of etcd disk labels, and the kinds' find of a
 * long-named cluster's disks against the fake.
 */
import { describe, expect, it } from 'vitest';
import { gceDeletion, gceResourceType } from '../../../src/cloud/gce/deletion.js';
import { decodeGceLabel, gceDumpDetails } from '../../../src/cloud/gce/dump.js';
import { newCluster } from '../../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../../src/model/completion.js';
import { buildGceTasks } from '../../../src/model/gce/index.js';
import { clusterLabels, encodeGceLabel, etcdDiskLabels } from '../../../src/model/gce/labels.js';
import { clusterLabelFilter } from '../../../src/tasks/gce/common.js';
import { diskKind } from '../../../src/tasks/gce/disk.js';
import { gceClusterLabel, safeClusterName } from '../../../src/tasks/gce/context.js';
import { templateName } from '../../../src/tasks/gce/instance-template.js';
import { GCE_KINDS, GCE_LABEL_CLUSTER, type GceDiskDesired, type GceInstanceTemplateDesired } from '../../../src/tasks/gce/types.js';
import type { Task } from '../../../src/tasks/types.js';
import { PROJECT, staticRefs, useFakeGce, ZONE } from '../../tasks/gce/harness.js';

const LONG = 'a-very-long-cluster-name-that-goes-on.and-on-past-the-limit.example.com';

function templates(kubernetesVersion?: string): Map<string, string> {
  const built = newCluster({ name: 'minimal.example.com', zones: ['us-central1-a'], project: 'p' });
  const c = completeCluster(built.cluster, built.instanceGroups);
  const cluster = kubernetesVersion ? { ...c.cluster, spec: { ...c.cluster.spec, kubernetesVersion } } : c.cluster;
  const tasks = buildGceTasks({ cluster, instanceGroups: c.instanceGroups, stateStore: { bucket: 'b', prefix: '' } });
  return new Map(tasks.filter((t) => t.kind === GCE_KINDS.instanceTemplate).map((t) => [t.name, templateName((t as Task<GceInstanceTemplateDesired>).desired)]));
}

describe('GCE ownership label', () => {
  it('is the same in the model, the kinds\' filter and delete\'s check, and fits 63 characters for a long name', () => {
    expect(safeClusterName(LONG).length).toBeGreaterThan(63);
    const value = clusterLabels(LONG)[GCE_LABEL_CLUSTER]!;
    expect(value.length).toBeLessThanOrEqual(63);
    expect(value).toBe(gceClusterLabel(LONG));
    expect(clusterLabelFilter({ clusterName: LONG } as Parameters<typeof clusterLabelFilter>[0])).toBe(`labels.${GCE_LABEL_CLUSTER} = "${value}"`);
    expect(gceDeletion.ownedByLabels({ labels: { [GCE_LABEL_CLUSTER]: value } }, LONG)).toBe(true);
    expect(gceDeletion.ownedByLabels({ labels: { [GCE_LABEL_CLUSTER]: safeClusterName(LONG) } }, LONG)).toBe(false);
    expect(gceDeletion.ownedByLabels({ labels: {} }, LONG)).toBe(false);
    expect(gceDeletion.ownedByLabels({ name: 'no-labels-field' }, LONG)).toBeUndefined();
    // A short name is kops's safe name as it is.
    expect(gceClusterLabel('minimal.example.com')).toBe('minimal-example-com');
  });

  describe('a long-named cluster\'s etcd disk is found by its kind after it is created', () => {
    const t = useFakeGce();
    it('finds it (the filter uses the cut label value the model wrote)', async () => {
      const ctx = { ...t.ctx(), clusterName: LONG, safeClusterName: safeClusterName(LONG) };
      const desired: GceDiskDesired = { name: 'a-etcd-main-long', zone: ZONE, sizeGb: 20, type: 'pd-ssd', labels: etcdDiskLabels(LONG, 'main', 'a') };
      const task = { kind: GCE_KINDS.disk, name: desired.name, desired };
      expect(await diskKind.find(ctx, [task])).toEqual(new Map());
      await diskKind.apply(ctx, { action: 'create', name: desired.name, desired, fields: [], refs: staticRefs({}) });
      const found = await diskKind.find({ ...ctx, once: t.ctx().once }, [task]);
      expect(found.get(desired.name)?.labels[GCE_LABEL_CLUSTER]).toBe(gceClusterLabel(LONG));
      expect(t.fake.get(PROJECT, `zones/${ZONE}`, 'disks', desired.name)).toBeDefined();
    });
  });
});

describe('GCE instance templates follow the startup script', () => {
  it('a Kubernetes version change (in the startup script) gives every template a new name', () => {
    const before = templates();
    const after = templates('1.35.1');
    expect([...before.keys()]).toEqual([...after.keys()]);
    for (const [task, name] of before) expect(after.get(task), task).not.toBe(name);
    // The same spec gives the same names (no change planned).
    expect(templates()).toEqual(before);
  });
});

describe('GCE deletion and dump', () => {
  it("uses kops's type words", () => {
    expect(['Network', 'Subnet', 'FirewallRule', 'HTTPHealthCheck', 'InstanceGroupManager', 'InstanceTemplate', 'ClusterInstance'].map(gceResourceType)).toEqual([
      'Network', 'Subnet', 'FirewallRule', 'HTTPHealthcheck', 'InstanceGroupManager', 'InstanceTemplate', 'Instance',
    ]);
  });

  it('orders a MIG before its instances, and those before the templates and etcd disks', () => {
    const closure = new Map<string, Set<string>>([['InstanceGroupManager', new Set(['InstanceTemplate', 'TargetPool'])], ['InstanceTemplate', new Set(['Subnet', 'Network'])]]);
    gceDeletion.order(closure);
    expect(closure.get('InstanceGroupManager')?.has('ClusterInstance')).toBe(true);
    expect([...(closure.get('ClusterInstance') ?? [])]).toEqual(expect.arrayContaining(['InstanceTemplate', 'Disk', 'Subnet', 'Network']));
    expect(closure.get('ClusterInstance')?.has('InstanceGroupManager')).toBe(false);
  });

  it('reads the etcd member back from the encoded label', () => {
    expect(decodeGceLabel(encodeGceLabel('b/b'))).toBe('b/b');
    const labels = etcdDiskLabels('c.example.com', 'events', 'b');
    const d = gceDumpDetails([{ kind: 'Disk', name: 'b-etcd-events-c-example-com', shared: false, actual: { id: '7', name: 'b-etcd-events-c-example-com', zone: 'us-central1-b', sizeGb: 20, type: 'pd-ssd', labels, labelFingerprint: 'x', selfLink: '' } }]);
    expect(d.etcdVolumes).toEqual([{ id: '7', name: 'b-etcd-events-c-example-com', zone: 'us-central1-b', sizeGb: 20, volumeType: 'pd-ssd', encrypted: true, state: '', etcdCluster: 'events', etcdMember: 'b' }]);
  });
});
