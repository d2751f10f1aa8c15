import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/model/api/parse.js';
import { cli, KEY, snapshot, tempStore } from './harness.js';

const HA = ['--name', 'ha.example.com', '--zones', 'us-east-1a,us-east-1b,us-east-1c', '--control-plane-zones', 'us-east-1a,us-east-1b,us-east-1c', '--ssh-public-key', KEY];

describe('kops-ts create cluster', () => {
  it("writes config and six instance groups in kops's layout; get ig -o json lists them", async () => {
    const s = tempStore();
    const r = await cli(['create', 'cluster', ...HA, '--state', s.url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Cluster configuration has been created.');
    const files = Object.keys(snapshot(s.dir)).sort();
    expect(files.filter((f) => !f.includes('/pki/'))).toEqual([
      'ha.example.com/config',
      'ha.example.com/instancegroup/control-plane-us-east-1a',
      'ha.example.com/instancegroup/control-plane-us-east-1b',
      'ha.example.com/instancegroup/control-plane-us-east-1c',
      'ha.example.com/instancegroup/nodes-us-east-1a',
      'ha.example.com/instancegroup/nodes-us-east-1b',
      'ha.example.com/instancegroup/nodes-us-east-1c',
    ]);
    expect(files.some((f) => f.startsWith('ha.example.com/pki/ssh/public/admin/'))).toBe(true);
    const igs = await cli(['get', 'ig', '--name', 'ha.example.com', '-o', 'json', '--state', s.url]);
    expect(igs.code).toBe(0);
    const parsed = JSON.parse(igs.stdout) as { metadata: { name: string }; spec: { role: string; subnets: string[] } }[];
    expect(parsed.map((g) => [g.metadata.name, g.spec.role])).toEqual([
      ['control-plane-us-east-1a', 'Master'],
      ['control-plane-us-east-1b', 'Master'],
      ['control-plane-us-east-1c', 'Master'],
      ['nodes-us-east-1a', 'Node'],
      ['nodes-us-east-1b', 'Node'],
      ['nodes-us-east-1c', 'Node'],
    ]);
    const table = await cli(['get', 'clusters', '--state', s.url]);
    expect(table.stdout).toBe('NAME             CLOUD   ZONES\nha.example.com   aws     us-east-1a,us-east-1b,us-east-1c\n');
  });

  it('refuses a second create of the same name with one line, changing nothing', async () => {
    const s = tempStore();
    expect((await cli(['create', 'cluster', ...HA, '--state', s.url])).code).toBe(0);
    const before = snapshot(s.dir);
    const r = await cli(['create', 'cluster', ...HA, '--node-count', '9', '--state', s.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: cluster "ha.example.com" already exists: use 'kops-ts update cluster --name ha.example.com' to apply changes, or 'kops-ts replace -f <file>' to replace the spec\n`,
    );
    expect(snapshot(s.dir)).toEqual(before);
  });

  it('prints the manifests with --dry-run -o yaml and writes nothing', async () => {
    const s = tempStore();
    const r = await cli(['create', 'cluster', ...HA, '--dry-run', '-o', 'yaml', '--state', s.url]);
    expect(r.code).toBe(0);
    const objs = parseManifests(r.stdout).objects;
    expect(objs.map((o) => o.kind)).toEqual(['Cluster', ...Array(6).fill('InstanceGroup')]);
    expect(snapshot(s.dir)).toEqual({});
  });

  it('accepts kops flag aliases and --set', async () => {
    const r = await cli(['create', 'cluster', '--name', 'a.example.com', '--zones', 'us-east-1a', '--master-size', 'm5.large', '--set', 'spec.kubernetesVersion=1.35.2', '--dry-run', '-o', 'json']);
    expect(r.code).toBe(0);
    const objs = JSON.parse(r.stdout) as { kind: string; spec: { kubernetesVersion?: string; machineType?: string; role?: string } }[];
    expect(objs[0]!.spec.kubernetesVersion).toBe('1.35.2');
    expect(objs.find((o) => o.spec.role === 'Master')!.spec.machineType).toBe('m5.large');
  });

  it("turns kube-proxy off for Calico's eBPF data plane, as kops's create cluster does, and warns about nothing", async () => {
    const calico = ['create', 'cluster', '--name', 'calico-bpf.example.com', '--zones', 'us-east-1a', '--networking', 'calico', '--dry-run', '-o', 'yaml'];
    const r = await cli([...calico, '--set', 'cluster.spec.networking.calico.bpfEnabled=true']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const cluster = parseManifests(r.stdout).objects[0]!.spec as Record<string, unknown>;
    // kops's tests/integration/create_cluster/calico_bpf writes exactly these two.
    expect(cluster.networking).toEqual({ calico: { bpfEnabled: true } });
    expect(cluster.kubeProxy).toEqual({ enabled: false });
    // Without BPF, kube-proxy is left alone (kops writes no kubeProxy for plain calico).
    const plain = parseManifests((await cli(calico)).stdout).objects[0]!.spec as Record<string, unknown>;
    expect(plain.kubeProxy).toBeUndefined();
    // Turning kube-proxy back on is refused, as kops refuses it.
    const on = await cli([...calico, '--set', 'cluster.spec.networking.calico.bpfEnabled=true', '--set', 'cluster.spec.kubeProxy.enabled=true']);
    expect(on.code).toBe(2);
    expect(on.stderr).toMatch(/^error: spec\.kubeProxy\.enabled: calico in BPF mode \(spec\.networking\.calico\.bpfEnabled: true\) requires kube-proxy to be disabled/m);
  });

  it.each([
    [['--network-cidr', '10.0.0.0/33'], /^error: --network-cidr: 10.0.0.0\/33 is not a valid CIDR: pass an IPv4 network such as 10.0.0.0\/16$/m, 2],
    [['--set', 'spec.netwrokCIDR=10.0.0.0/16'], /^error: spec.netwrokCIDR: unknown field.*networkCIDR/m, 2],
    [['--set', 'instancegroup.spec.maxSize=lots'], /^error: spec.maxSize: cannot interpret "lots" as an integer: use a whole number$/m, 2],
    [['--dry-run'], /^error: --dry-run needs an output format: add -o yaml or -o json$/m, 2],
    [['--zonez', 'us-east-1a'], /^error: unknown option '--zonez' \(Did you mean --zones\?\): see kops-ts --help$/m, 2],
    [['--control-plane-count', '2'], /^error: --control-plane-count: 2 control planes: etcd needs an odd number: use 1, 3 or 5$/m, 2],
    [['--networking', 'weavy'], /^error: --networking: unknown networking weavy/m, 2],
  ])('rejects %j with a specific one-line error and an untouched store', async (extra, message, code) => {
    const s = tempStore();
    const r = await cli(['create', 'cluster', '--name', 'x.example.com', '--zones', 'us-east-1a', '--state', s.url, ...extra]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
    expect(snapshot(s.dir)).toEqual({});
  });

  it('spreads --control-plane-count over the zones, and warns when control planes must share a zone', async () => {
    const r = await cli(['create', 'cluster', '--name', 'x.example.com', '--zones', 'us-east-1a,us-east-1b,us-east-1c', '--control-plane-count', '3', '--dry-run', '-o', 'json']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const objs = JSON.parse(r.stdout) as { metadata: { name: string }; spec: { role?: string; subnets?: string[] } }[];
    expect(objs.filter((o) => o.spec.role === 'Master').map((o) => [o.metadata.name, o.spec.subnets])).toEqual([
      ['control-plane-us-east-1a', ['us-east-1a']],
      ['control-plane-us-east-1b', ['us-east-1b']],
      ['control-plane-us-east-1c', ['us-east-1c']],
    ]);
    const shared = await cli(['create', 'cluster', '--name', 'x.example.com', '--zones', 'us-east-1a,us-east-1b', '--control-plane-count', '3', '--dry-run', '-o', 'json']);
    // kops accepts etcd members sharing a zone (with a warning): losing that zone loses quorum.
    expect(shared.code).toBe(0);
    expect(shared.stderr).toMatch(/^warning: --control-plane-zones: several control planes share a zone: losing that zone loses etcd quorum/);
    const sharedObjs = JSON.parse(shared.stdout) as { spec: { role?: string; subnets?: string[] } }[];
    expect(sharedObjs.filter((o) => o.spec.role === 'Master').map((o) => o.spec.subnets?.[0]).sort()).toEqual(['us-east-1a', 'us-east-1a', 'us-east-1b']);
  });

  it('sets list fields from comma-separated --set values, after --unset', async () => {
    const r = await cli(['create', 'cluster', '--name', 'x.example.com', '--zones', 'us-east-1a', '--unset', 'spec.sshAccess', '--set', 'spec.sshAccess=10.0.0.0/8', '--set', 'cluster.spec.nodePortAccess=1.2.3.4/32,10.20.30.0/24', '--dry-run', '-o', 'json']);
    expect(r.code).toBe(0);
    const spec = (JSON.parse(r.stdout) as { spec: Record<string, unknown> }[])[0]!.spec;
    expect([spec.sshAccess, spec.nodePortAccess]).toEqual([['10.0.0.0/8'], ['1.2.3.4/32', '10.20.30.0/24']]);
    // A list of objects given a string: the hint names --set, there being no manifest
    const bad = await cli(['create', 'cluster', '--name', 'x.example.com', '--zones', 'us-east-1a', '--set', 'spec.subnets=foo', '--dry-run', '-o', 'json']);
    expect([bad.code, bad.stderr]).toEqual([2, 'error: spec.subnets[1]: expected an object, got string "foo": fix the value given to --set\n']);
  });

  it('records the state store as configBase, as kops does', async () => {
    const s = tempStore();
    expect((await cli(['create', 'cluster', ...HA, '--state', s.url])).code).toBe(0);
    const r = await cli(['get', 'cluster', 'ha.example.com', '-o', 'json', '--state', s.url]);
    expect((JSON.parse(r.stdout) as { spec: { configBase: string } }).spec.configBase).toBe(`${s.url}/ha.example.com`);
  });

  it('says how to give a state store when none is set', async () => {
    const r = await cli(['create', 'cluster', '--name', 'x.example.com', '--zones', 'us-east-1a']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/KOPS_STATE_STORE/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('kops-ts create cluster --dns without --dns-zone', () => {
  it('accepts Route53 DNS with no zone on AWS, as kops does (update cluster finds the zone)', async () => {
    const s = tempStore();
    const r = await cli(['create', 'cluster', '--name', 'dz.example.com', '--zones', 'us-east-1a', '--dns', 'private', '--topology', 'private', '--ssh-public-key', KEY, '--state', s.url]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const c = parseManifests((await cli(['get', 'cluster', 'dz.example.com', '-o', 'yaml', '--state', s.url])).stdout).objects[0]!;
    expect(c.kind === 'Cluster' && c.spec.topology?.dns?.type).toBe('Private');
    expect(c.kind === 'Cluster' && c.spec.dnsZone).toBeUndefined();
  });
});
