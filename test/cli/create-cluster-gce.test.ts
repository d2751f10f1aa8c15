import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/model/api/parse.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { cli, KEY, snapshot, tempStore } from './harness.js';

const ZONES = 'us-central1-a,us-central1-b,us-central1-c';

function stored(dir: string, cluster: string): { cluster: Cluster; igs: InstanceGroup[] } {
  const files = Object.fromEntries(Object.entries(snapshot(dir)).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  const c = parseManifests(files[`${cluster}/config`] ?? '').objects[0] as Cluster;
  const igs = Object.entries(files).filter(([k]) => k.startsWith(`${cluster}/instancegroup/`)).sort().map(([, v]) => parseManifests(v).objects[0] as InstanceGroup);
  return { cluster: c, igs };
}

describe('kops-ts create cluster --cloud gce', () => {
  it("writes kops's GCE layout: one regional subnet, a control plane per zone, nodes-<zone> with their zone, the project", async () => {
    const s = tempStore();
    const r = await cli(['create', 'cluster', '--name', 'ha.example.com', '--cloud', 'gce', '--project', 'my-project', '--zones', ZONES, '--control-plane-count', '3', '--ssh-public-key', KEY, '--state', s.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { cluster, igs } = stored(s.dir, 'ha.example.com');
    expect(cluster.spec.cloudProvider).toBe('gce');
    expect(cluster.spec.project).toBe('my-project');
    expect(cluster.spec.subnets).toEqual([{ name: 'us-central1', region: 'us-central1', type: 'Public' }]);
    expect(cluster.spec.etcdClusters?.map((e) => e.etcdMembers.map((m) => `${m.name}:${m.instanceGroup}`))).toEqual([
      ['a:control-plane-us-central1-a', 'b:control-plane-us-central1-b', 'c:control-plane-us-central1-c'],
    ]);
    expect(igs.map((g) => [g.metadata.name, g.spec.role, g.spec.subnets, g.spec.zones, g.spec.machineType])).toEqual([
      ['control-plane-us-central1-a', 'Master', ['us-central1'], ['us-central1-a'], 'e2-medium'],
      ['control-plane-us-central1-b', 'Master', ['us-central1'], ['us-central1-b'], 'e2-medium'],
      ['control-plane-us-central1-c', 'Master', ['us-central1'], ['us-central1-c'], 'e2-medium'],
      ['nodes-us-central1-a', 'Node', ['us-central1'], ['us-central1-a'], 'e2-medium'],
      ['nodes-us-central1-b', 'Node', ['us-central1'], ['us-central1-b'], 'e2-medium'],
      ['nodes-us-central1-c', 'Node', ['us-central1'], ['us-central1-c'], 'e2-medium'],
    ]);
    // The channel's GCE image, as kops's stable channel names it.
    expect(igs.every((g) => g.spec.image?.startsWith('ubuntu-os-cloud/ubuntu-2404-noble-amd64-'))).toBe(true);
    const table = await cli(['get', 'clusters', '--state', s.url]);
    // ZONES lists the subnets' zones, as kops's does: GCE subnets are regional, so it is empty.
    expect(table.stdout.split('\n')[1]?.trim()).toBe('ha.example.com   gce');
  });

  it('takes the project from CLOUDSDK_CORE_PROJECT (gcloud\'s setting, which kops reads) when --project is not given', async () => {
    const s = tempStore();
    const r = await cli(['create', 'cluster', '--name', 'g.example.com', '--zones', 'europe-west4-b', '--state', s.url], { env: { CLOUDSDK_CORE_PROJECT: 'from-env' } });
    expect(r.code).toBe(0);
    expect(stored(s.dir, 'g.example.com').cluster.spec.project).toBe('from-env');
  });

  it('refuses --network-cidr on GCE naming the flag (not the spec field it would write), and writes nothing', async () => {
    const s = tempStore();
    const r = await cli(['create', 'cluster', '--name', 'g.example.com', '--cloud', 'gce', '--project', 'p', '--zones', 'us-central1-a', '--network-cidr', '10.0.0.0/16', '--state', s.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--network-cidr: a GCE network takes no network CIDR');
    expect(r.stderr).toContain('drop --network-cidr');
    expect(r.stderr).not.toContain('spec.networkCIDR');
    expect(snapshot(s.dir)).toEqual({});
  });

  it('--help names the gs:// state store next to s3://', async () => {
    const r = await cli(['--help']);
    expect(r.stdout).toContain('gs://bucket[/prefix]');
  });

  it('refuses a GCE cluster without a project, naming the flag and the variable, and writes nothing', async () => {
    const s = tempStore();
    const r = await cli(['create', 'cluster', '--name', 'g.example.com', '--cloud', 'gce', '--zones', 'us-central1-a', '--state', s.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--project');
    expect(r.stderr).toContain('a GCE cluster needs a project');
    expect(r.stderr).toContain('CLOUDSDK_CORE_PROJECT');
    expect(snapshot(s.dir)).toEqual({});
  });

  it('passes validation and completes the subnet range kops would allocate (validate of the written spec)', async () => {
    const s = tempStore();
    expect((await cli(['create', 'cluster', '--name', 'g.example.com', '--project', 'p1', '--zones', 'us-central1-a', '--networking', 'gce', '--state', s.url])).code).toBe(0);
    const { cluster } = stored(s.dir, 'g.example.com');
    expect(cluster.spec.networking).toEqual({ gce: {} });
    const full = await cli(['get', 'cluster', 'g.example.com', '--full', '-o', 'yaml', '--state', s.url]);
    expect(full.code).toBe(0);
    const completed = parseManifests(full.stdout).objects[0] as Cluster;
    // IP alias: kops's allocation in a new network (pods /14, services /16, nodes /19 of 10.0.0.0/8).
    expect([completed.spec.podCIDR, completed.spec.serviceClusterIPRange, completed.spec.subnets?.[0]?.cidr, completed.spec.nonMasqueradeCIDR]).toEqual([
      '10.4.0.0/14', '10.1.0.0/16', '10.0.32.0/19', '10.0.0.0/8',
    ]);
  });
});
