/**
 * `create instancegroup` on a GCE cluster, as kops's: subnets are regional, so a group's zones come
 * from `--zone` (required there); the group has the fields `create cluster --cloud gce` gives its
 * own groups of that role, and it applies on the fake Compute API with one MIG per zone. Control
 * planes take one zone each and add their etcd members. Refusals name the flag. `delete
 * instancegroup` says what is left in each cloud's words.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/model/api/parse.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { instanceGroupManagerName } from '../../src/model/gce/names.js';
import { useFakeGceCompute } from './gce-harness.js';
import { cli, cliOk, KEY, snapshot, tempStore } from './harness.js';

const PROJECT = 'kops-create-ig';
const CLUSTER = 'ig.example.com';

const fake = useFakeGceCompute(PROJECT);

function stored(dir: string): { cluster: Cluster; igs: Map<string, InstanceGroup> } {
  const files = Object.fromEntries(Object.entries(snapshot(dir)).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  const c = parseManifests(files[`${CLUSTER}/config`] ?? '').objects[0] as Cluster;
  const igs = Object.entries(files).filter(([k]) => k.startsWith(`${CLUSTER}/instancegroup/`)).map(([, v]) => parseManifests(v).objects[0] as InstanceGroup);
  return { cluster: c, igs: new Map(igs.map((g) => [g.metadata.name, g])) };
}

const ok = cliOk;

/** A group's spec without what differs by name and zone. */
function shape(ig: InstanceGroup): Record<string, unknown> {
  const { nodeLabels, zones, ...rest } = ig.spec;
  return { ...rest, nodeLabels: Object.keys(nodeLabels ?? {}).sort() };
}

describe('create instancegroup on GCE', () => {
  const s = tempStore();
  const state = ['--state', s.url];

  it("writes what create cluster writes for its node groups: the regional subnet, the zones from --zone, GCE's machine type and image", async () => {
    await ok(['create', 'cluster', '--name', CLUSTER, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--ssh-public-key', KEY, ...state]);
    const out = await ok(['create', 'instancegroup', 'extra', '--name', CLUSTER, '--role', 'Node', '--zone', 'us-central1-b,us-central1-c', '--edit=false', ...state]);
    expect(out).toContain(`Created InstanceGroup/extra in cluster ${CLUSTER}`);
    const { igs } = stored(s.dir);
    const extra = igs.get('extra')!;
    const nodes = igs.get('nodes-us-central1-a')!;
    expect(extra.spec.zones).toEqual(['us-central1-b', 'us-central1-c']);
    expect(extra.spec.subnets).toEqual(['us-central1']);
    expect(extra.spec.machineType).toBe('e2-medium');
    // Every field as create cluster's node group, but the size (kops's create ig default: 2).
    expect({ ...shape(extra), minSize: 1, maxSize: 1 }).toEqual(shape(nodes));
    expect([extra.spec.minSize, extra.spec.maxSize]).toEqual([2, 2]);
  });

  it('update --yes builds one MIG per zone of the new group, in those zones, its size spread over them', async () => {
    await ok(['update', 'cluster', '--name', CLUSTER, '--yes', ...state]);
    const migs = fake.all(PROJECT, 'instanceGroupManagers').filter((m) => m.baseInstanceName === 'extra');
    expect(migs.map((m) => [m.name, String(m.zone).split('/').pop(), m.targetSize]).sort()).toEqual([
      [instanceGroupManagerName(CLUSTER, 'extra', 'us-central1-b'), 'us-central1-b', 1],
      [instanceGroupManagerName(CLUSTER, 'extra', 'us-central1-c'), 'us-central1-c', 1],
    ]);
    const again = await cli(['update', 'cluster', '--name', CLUSTER, '--detailed-exitcode', ...state]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it('control planes take one zone each, as create cluster lays them out, and add their etcd members named after the zones', async () => {
    const out = await ok(['create', 'instancegroup', 'control-plane-us-central1-b', 'control-plane-us-central1-c', '--name', CLUSTER, '--role', 'ControlPlane', '--zone', 'us-central1-b,us-central1-c', '--dry-run', '-o', 'json', ...state]);
    const objects = JSON.parse(out) as (InstanceGroup | Cluster)[];
    const groups = objects.filter((o): o is InstanceGroup => o.kind === 'InstanceGroup');
    const cluster = objects.find((o): o is Cluster => o.kind === 'Cluster')!;
    const existing = stored(s.dir).igs.get('control-plane-us-central1-a')!;
    expect(groups.map((g) => [g.metadata.name, g.spec.zones, g.spec.subnets])).toEqual([
      ['control-plane-us-central1-b', ['us-central1-b'], ['us-central1']],
      ['control-plane-us-central1-c', ['us-central1-c'], ['us-central1']],
    ]);
    for (const g of groups) expect(shape(g)).toEqual(shape(existing));
    expect(cluster.spec.etcdClusters?.map((e) => e.etcdMembers.map((m) => `${m.name}:${m.instanceGroup}`))).toEqual([
      ['a:control-plane-us-central1-a', 'b:control-plane-us-central1-b', 'c:control-plane-us-central1-c'],
    ]);
  });

  it('a bastion (private topology) gets what create cluster --bastion writes for its own on GCE', async () => {
    const priv = tempStore();
    await ok(['create', 'cluster', '--name', 'private.example.com', '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--topology', 'private', '--bastion', '--ssh-public-key', KEY, '--state', priv.url]);
    const out = await ok(['create', 'instancegroup', 'more-bastions', '--name', 'private.example.com', '--role', 'Bastion', '--zone', 'us-central1-a', '--dry-run', '-o', 'json', '--state', priv.url]);
    const g = JSON.parse(out) as InstanceGroup;
    const files = Object.entries(snapshot(priv.dir)).find(([k]) => k === 'private.example.com/instancegroup/bastions');
    const theirs = parseManifests(Buffer.from(files![1], 'base64').toString('utf8')).objects[0] as InstanceGroup;
    expect([g.spec.role, g.spec.zones, g.spec.machineType]).toEqual(['Bastion', ['us-central1-a'], 'e2-micro']);
    expect(shape(g)).toEqual(shape(theirs));
  });

  it('refuses, naming --zone, a group without zones, a zone as --subnet, a zone outside the region, and a zone count unlike the control planes\'; nothing written', async () => {
    const before = snapshot(s.dir);
    const missing = await cli(['create', 'instancegroup', 'more', '--name', CLUSTER, '--edit=false', ...state]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('a GCE instance group needs its zones');
    expect(missing.stderr).toContain('--zone');
    expect(missing.stderr).toContain('us-central1-a');
    const zonal = await cli(['create', 'instancegroup', 'more', '--name', CLUSTER, '--subnet', 'us-central1-b', '--edit=false', ...state]);
    expect(zonal.code).toBe(2);
    expect(zonal.stderr).toContain('GCE subnets are regional');
    expect(zonal.stderr).toContain('--zone us-central1-b');
    const away = await cli(['create', 'instancegroup', 'more', '--name', CLUSTER, '--zone', 'europe-west4-a', '--edit=false', ...state]);
    expect(away.code).toBe(2);
    expect(away.stderr).toContain('--zone europe-west4-a is not in the region of subnet us-central1');
    const cps = await cli(['create', 'instancegroup', 'cp-b', 'cp-c', '--name', CLUSTER, '--role', 'ControlPlane', '--zone', 'us-central1-b', '--edit=false', ...state]);
    expect(cps.code).toBe(2);
    expect(cps.stderr).toContain('2 control-plane groups but 1 zone');
    expect(snapshot(s.dir)).toEqual(before);
  });

  it('delete instancegroup names what is left in GCE\'s words (its MIGs and template), which the next update plans to delete', async () => {
    const out = await ok(['delete', 'instancegroup', 'extra', '--name', CLUSTER, '--yes', ...state]);
    expect(out).toContain('Its managed instance groups (one per zone) and instance template still exist');
    expect(out).toContain("deleting the group's instances");
    expect(out).not.toMatch(/autoscaling|launch template|terminat/i);
    const plan = JSON.parse(await ok(['update', 'cluster', '--name', CLUSTER, '-o', 'json', ...state])) as { changes: { kind: string; action: string }[] };
    expect(plan.changes.map((x) => `${x.kind} ${x.action}`).sort()).toEqual(['InstanceGroupManager delete', 'InstanceGroupManager delete', 'InstanceTemplate delete']);
  });

  const aws = tempStore();
  it('refuses --zone on an AWS cluster, whose groups take their zones from their subnets', async () => {
    await ok(['create', 'cluster', '--name', 'aws.example.com', '--zones', 'us-east-1a', '--ssh-public-key', KEY, '--state', aws.url]);
    const before = snapshot(aws.dir);
    const r = await cli(['create', 'instancegroup', 'more', '--name', 'aws.example.com', '--zone', 'us-east-1a', '--edit=false', '--state', aws.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('only on GCE');
    expect(r.stderr).toContain('--subnet');
    expect(snapshot(aws.dir)).toEqual(before);
  });

  it("delete instancegroup on AWS names its autoscaling group and launch template", async () => {
    // As after an apply (a never-applied cluster has nothing in the cloud to name).
    writeFileSync(`${aws.dir}/aws.example.com/cluster-completed.spec`, readFileSync(`${aws.dir}/aws.example.com/config`));
    const out = await ok(['delete', 'instancegroup', 'nodes-us-east-1a', '--name', 'aws.example.com', '--yes', '--state', aws.url]);
    expect(out).toContain('Its autoscaling group and launch template still exist');
    expect(out).toContain("terminating the group's instances");
    expect(out).not.toMatch(/managed instance group|instance template/);
  });
});
