/**
 * create instancegroup: kops's defaults per role, control-plane groups adding their etcd members in
 * the same validated change, the refusals (even member count, a member without a control-plane
 * group, wrong subnet counts), the store left as it was when the write fails, and the CLI.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { checkNewInstanceGroups, createInstanceGroups, newInstanceGroups } from '../../src/cloudup/new-instancegroup.js';
import { KopsError } from '../../src/diagnostics.js';
import { completeCluster } from '../../src/model/completion.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { KEY, cli, snapshot, tempStore } from '../cli/harness.js';
import { rejectionOf, thrownBy } from '../helpers/errors.js';

const NAME = 'ig.example.com';
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function built() {
  return newCluster({ name: NAME, zones: ZONES });
}

let n = 0;
async function stored(): Promise<Clientset> {
  const cs = new Clientset(openStateStore(`memory://create-ig-${n++}`));
  const b = built();
  await cs.createCluster(b.cluster, b.instanceGroups);
  return cs;
}

describe('newInstanceGroups: defaults per role', () => {
  it("gives a node group kops's defaults: two instances, the cluster's subnets, the channel image", () => {
    const b = built();
    const r = newInstanceGroups({ cluster: b.cluster, existing: b.instanceGroups, names: ['workers'] });
    expect(r.addedMembers).toEqual([]);
    expect(r.cluster).toBeUndefined();
    const ig = r.instanceGroups[0]!;
    expect(ig.metadata).toEqual({ name: 'workers', labels: { 'kops.k8s.io/cluster': NAME } });
    expect(ig.spec).toMatchObject({ role: 'Node', machineType: 't3.medium', minSize: 2, maxSize: 2, subnets: ZONES, nodeLabels: { 'kops.k8s.io/instancegroup': 'workers' } });
    expect(ig.spec.image).toBe(b.instanceGroups.find((g) => g.spec.role === 'Node')!.spec.image);
  });

  it.each([
    ['bastion', 'Bastion', 't3.micro', 1],
    ['APIServer', 'APIServer', 't3.medium', 2],
    ['node', 'Node', 't3.medium', 2],
  ])('--role %s → %s, %s, size %i', (role, written, machineType, size) => {
    const b = built();
    const ig = newInstanceGroups({ cluster: b.cluster, existing: b.instanceGroups, names: ['x'], role, subnets: ['us-east-1b'] }).instanceGroups[0]!;
    expect([ig.spec.role, ig.spec.machineType, ig.spec.minSize, ig.spec.maxSize, ig.spec.subnets]).toEqual([written, machineType, size, size, ['us-east-1b']]);
  });

  it('refuses an unknown role, an existing name, several names for a node group', () => {
    const b = built();
    const t = (f: () => unknown) => thrownBy(f, KopsError);
    expect(t(() => newInstanceGroups({ cluster: b.cluster, existing: b.instanceGroups, names: ['x'], role: 'worker' })).diagnostics[0]).toMatchObject({ code: 'InvalidRole', hint: 'use ControlPlane, Node or Bastion' });
    expect(t(() => newInstanceGroups({ cluster: b.cluster, existing: b.instanceGroups, names: ['nodes-us-east-1a'] })).code).toBe('InstanceGroupExists');
    expect(t(() => newInstanceGroups({ cluster: b.cluster, existing: b.instanceGroups, names: ['x', 'y'], role: 'Node' })).code).toBe('TooManyNames');
  });
});

describe('control-plane groups and their etcd members', () => {
  it('adds members named after the zone to every etcd cluster, with the existing members\u2019 volume settings', () => {
    const b = built();
    // kops's specs also have events (kops-ts makes no volumes for it, but keeps its members right).
    b.cluster.spec.etcdClusters!.push({ ...structuredClone(b.cluster.spec.etcdClusters![0]!), name: 'events' });
    const r = newInstanceGroups({ cluster: b.cluster, existing: b.instanceGroups, names: ['cp-b', 'cp-c'], role: 'ControlPlane', subnets: ['us-east-1b', 'us-east-1c'] });
    expect(r.instanceGroups.map((g) => [g.metadata.name, g.spec.role, g.spec.subnets, g.spec.minSize, g.spec.maxSize])).toEqual([
      ['cp-b', 'Master', ['us-east-1b'], 1, 1],
      ['cp-c', 'Master', ['us-east-1c'], 1, 1],
    ]);
    expect(r.addedMembers).toEqual([
      { etcdCluster: 'main', member: 'b', instanceGroup: 'cp-b' },
      { etcdCluster: 'main', member: 'c', instanceGroup: 'cp-c' },
      { etcdCluster: 'events', member: 'b', instanceGroup: 'cp-b' },
      { etcdCluster: 'events', member: 'c', instanceGroup: 'cp-c' },
    ]);
    const main = r.cluster!.spec.etcdClusters![0]!;
    expect(main.etcdMembers).toEqual([
      { encryptedVolume: true, instanceGroup: 'control-plane-us-east-1a', name: 'a' },
      { encryptedVolume: true, instanceGroup: 'cp-b', name: 'b' },
      { encryptedVolume: true, instanceGroup: 'cp-c', name: 'c' },
    ]);
    // The input is not modified.
    expect(b.cluster.spec.etcdClusters![0]!.etcdMembers).toHaveLength(1);
    // Validation accepts the 1 → 3 change against the applied single-member spec.
    const applied = completeCluster(b.cluster, b.instanceGroups).cluster;
    expect(checkNewInstanceGroups(r.cluster!, b.instanceGroups, r.instanceGroups, applied).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('names a second member in the same zone apart', () => {
    const b = built();
    const r = newInstanceGroups({ cluster: b.cluster, existing: b.instanceGroups, names: ['cp-a2', 'cp-b'], role: 'ControlPlane', subnets: ['us-east-1a', 'us-east-1b'] });
    expect(r.cluster!.spec.etcdClusters![0]!.etcdMembers.map((m) => m.name)).toEqual(['a', 'a-2', 'b']);
  });

  it('refuses one subnet for two groups, or two subnets for one', () => {
    const b = built();
    for (const [names, subnets] of [[['cp-b', 'cp-c'], ['us-east-1b']], [['cp-b'], ['us-east-1b', 'us-east-1c']]] as const) {
      let e: KopsError | undefined;
      try {
        newInstanceGroups({ cluster: b.cluster, existing: b.instanceGroups, names, role: 'ControlPlane', subnets });
      } catch (x) {
        e = x as KopsError;
      }
      expect(e?.code).toBe('ControlPlaneSubnets');
      expect(e?.message).toContain('each control-plane group runs in exactly one subnet');
    }
  });

  it('refuses a member whose instance group is not a control plane, naming the field', () => {
    const b = built();
    const r = newInstanceGroups({ cluster: b.cluster, existing: b.instanceGroups, names: ['cp-b', 'cp-c'], role: 'ControlPlane', subnets: ['us-east-1b', 'us-east-1c'] });
    r.cluster!.spec.etcdClusters![0]!.etcdMembers[2]!.instanceGroup = 'nodes-us-east-1c';
    const errors = checkNewInstanceGroups(r.cluster!, b.instanceGroups, r.instanceGroups).filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.path}: ${d.summary}`)).toEqual(
      expect.arrayContaining([
        'spec.etcdClusters[0].etcdMembers[2].instanceGroup: "nodes-us-east-1c" is not a control-plane instance group',
        'spec.etcdClusters[0].etcdMembers: control-plane instance group cp-c has no member in etcd cluster main',
      ]),
    );
  });
});

describe('createInstanceGroups: one validated write', () => {
  it('refuses a single new control plane (an even member count), saying how to grow 1 → 3, and writes nothing', async () => {
    const cs = await stored();
    const e = await rejectionOf(createInstanceGroups({ clientset: cs, clusterName: NAME, names: ['cp-b'], role: 'ControlPlane', subnets: ['us-east-1b'] }), KopsError);
    expect(e.code).toBe('InvalidSpec');
    const even = e.diagnostics.filter((d) => d.code === 'InvalidEtcdMembers');
    expect(even.map((d) => d.summary)).toEqual(['etcd cluster main has 2 members; quorum needs an odd number']);
    expect(even[0]!.hint).toContain(`create the groups together, one subnet each, e.g. kops-ts create instancegroup NAME1 NAME2 --name ${NAME} --role ControlPlane --subnet ZONE1,ZONE2 for 1 → 3`);
    expect((await cs.listInstanceGroups(NAME)).map((v) => v.object.metadata.name)).not.toContain('cp-b');
    expect((await cs.getCluster(NAME)).object.spec.etcdClusters![0]!.etcdMembers).toHaveLength(1);
  });

  it('warns when a new member would take over initialising the cluster (its name sorts first)', async () => {
    const cs = new Clientset(openStateStore(`memory://create-ig-${n++}`));
    const b = newCluster({ name: NAME, zones: ZONES, controlPlaneZones: ['us-east-1b'] });
    await cs.createCluster(b.cluster, b.instanceGroups);
    const r = await createInstanceGroups({ clientset: cs, clusterName: NAME, names: ['cp-a', 'cp-c'], role: 'ControlPlane', subnets: ['us-east-1a', 'us-east-1c'] });
    expect(r.written).toBe(true);
    expect(r.warnings.filter((w) => w.code === 'InitGroupChanged').map((w) => w.summary)).toEqual([
      'the new group cp-a holds the first etcd member by name, so it becomes the group that initialises the cluster instead of control-plane-us-east-1b',
    ]);
    const grown = await stored();
    const ok = await createInstanceGroups({ clientset: grown, clusterName: NAME, names: ['cp-b', 'cp-c'], role: 'ControlPlane', subnets: ['us-east-1b', 'us-east-1c'] });
    expect(ok.warnings.filter((w) => w.code === 'InitGroupChanged')).toEqual([]);
  });

  it('deletes the groups it created when the cluster write fails (a concurrent change)', async () => {
    const cs = await stored();
    const before = (await cs.listInstanceGroups(NAME)).map((v) => v.object.metadata.name);
    vi.spyOn(cs, 'updateCluster').mockRejectedValueOnce(new KopsError('StateConflict', 'config changed'));
    const e = await rejectionOf(createInstanceGroups({ clientset: cs, clusterName: NAME, names: ['cp-b', 'cp-c'], role: 'ControlPlane', subnets: ['us-east-1b', 'us-east-1c'] }), KopsError);
    expect(e.code).toBe('StateConflict');
    expect((await cs.listInstanceGroups(NAME)).map((v) => v.object.metadata.name)).toEqual(before);
  });
});

describe('kops-ts create instancegroup', () => {
  it('creates two control planes with their members; --edit opens each in the editor first', async () => {
    const store = tempStore();
    const c = await cli(['create', 'cluster', '--name', NAME, '--state', store.url, '--zones', ZONES.join(','), '--ssh-public-key', KEY]);
    expect(c.code, c.stderr).toBe(0);
    const opened: string[] = [];
    const r = await cli(['create', 'instancegroup', 'cp-b', 'cp-c', '--name', NAME, '--state', store.url, '--role', 'ControlPlane', '--subnet', 'us-east-1b,us-east-1c'], {
      editor: (path) => {
        opened.push(path.replace(/.*\//, ''));
        writeFileSync(path, readFileSync(path, 'utf8').replace('machineType: t3.medium', 'machineType: m5.large'));
        return 0;
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(opened).toEqual(['instancegroup-cp-b.yaml', 'instancegroup-cp-c.yaml']);
    expect(r.stdout).toContain('Created InstanceGroup/cp-b in cluster ig.example.com\nCreated InstanceGroup/cp-c in cluster ig.example.com\n');
    expect(r.stdout).toContain('Added member c (instance group cp-c) to etcd cluster main\n');
    expect(r.stdout).toContain(`Apply the change with: kops-ts update cluster --name ${NAME} --yes`);
    const igs = await cli(['get', 'instancegroups', '--name', NAME, '--state', store.url]);
    expect(igs.stdout).toMatch(/cp-b\s+ControlPlane\s+m5\.large\s+1\s+1\s+us-east-1b/);
  });

  it('with --edit=false refuses a bad subnet and leaves the store as it was', async () => {
    const store = tempStore();
    await cli(['create', 'cluster', '--name', NAME, '--state', store.url, '--zones', 'us-east-1a', '--ssh-public-key', KEY]);
    const before = snapshot(store.dir);
    const r = await cli(['create', 'ig', 'nodes-x', '--name', NAME, '--state', store.url, '--subnet', 'us-west-2a', '--edit=false']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('InstanceGroup/nodes-x spec.subnets[0]: subnet us-west-2a is not defined in the cluster');
    expect(snapshot(store.dir)).toEqual(before);
  });

  it('--dry-run prints the groups and the cluster with its new members, and writes nothing', async () => {
    const store = tempStore();
    await cli(['create', 'cluster', '--name', NAME, '--state', store.url, '--zones', ZONES.join(','), '--ssh-public-key', KEY]);
    const before = snapshot(store.dir);
    const r = await cli(['create', 'ig', 'cp-b', 'cp-c', '--name', NAME, '--state', store.url, '--role', 'ControlPlane', '--subnet', 'us-east-1b,us-east-1c', '--dry-run', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const objects = JSON.parse(r.stdout) as Array<{ kind: string; metadata: { name: string }; spec: { etcdClusters?: Array<{ etcdMembers: Array<{ name: string }> }> } }>;
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['InstanceGroup/cp-b', 'InstanceGroup/cp-c', `Cluster/${NAME}`]);
    expect(objects[2]!.spec.etcdClusters!.map((e) => e.etcdMembers.map((m) => m.name).join(','))).toEqual(['a,b,c']);
    expect(snapshot(store.dir)).toEqual(before);
  });
});
