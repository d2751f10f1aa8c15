import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignSubnetCIDRs, completeCluster, memberNames } from '../../src/model/completion.js';
import type { Cluster, ClusterSubnetSpec, InstanceGroup } from '../../src/model/api/types.js';
import { FIXTURES, ig, loadFixture, userCluster, userIGs } from './helpers.js';

const zones = (n: number) => Array.from({ length: n }, (_, i) => `us-east-1${'abcdefghij'[i]}`);
const cidrsOf = (subnets: readonly ClusterSubnetSpec[]) => Object.fromEntries(subnets.map((s) => [s.name, s.cidr]));

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

describe('subnet CIDRs (kops assignCIDRsToSubnets)', () => {
  it.each([
    [1, ['172.20.0.0/16']],
    [3, ['172.20.0.0/18', '172.20.64.0/18', '172.20.128.0/18']],
    [6, ['172.20.0.0/19', '172.20.32.0/19', '172.20.64.0/19', '172.20.96.0/19', '172.20.128.0/19', '172.20.160.0/19']],
  ])('carves the network for %i public zones', (n, expected) => {
    const c = completeCluster(userCluster(zones(n)), userIGs(zones(n))).cluster;
    expect(c.spec.subnets!.map((s) => s.cidr)).toEqual(expected);
  });

  it('gives private subnets big blocks and utility subnets eighths of the first, as kops does', () => {
    // kops's own create_cluster/private test: one private zone gets the upper /17, its utility subnet a /20.
    expect(cidrsOf(completeCluster(userCluster(['us-test-1a'], { private: true }), userIGs(['us-test-1a'])).cluster.spec.subnets!)).toEqual({
      'us-test-1a': '172.20.128.0/17',
      'utility-us-test-1a': '172.20.0.0/20',
    });
    expect(cidrsOf(completeCluster(userCluster(zones(3), { private: true }), userIGs(zones(3))).cluster.spec.subnets!)).toEqual({
      'us-east-1a': '172.20.64.0/18',
      'us-east-1b': '172.20.128.0/18',
      'us-east-1c': '172.20.192.0/18',
      'utility-us-east-1a': '172.20.0.0/21',
      'utility-us-east-1b': '172.20.8.0/21',
      'utility-us-east-1c': '172.20.16.0/21',
    });
    const six = cidrsOf(completeCluster(userCluster(zones(6), { private: true }), userIGs(zones(6))).cluster.spec.subnets!);
    expect(six['us-east-1a']).toBe('172.20.32.0/19');
    expect(six['us-east-1f']).toBe('172.20.192.0/19');
    expect(six['utility-us-east-1a']).toBe('172.20.0.0/22');
    expect(six['utility-us-east-1f']).toBe('172.20.20.0/22');
  });

  it('serves subnets in zone order, skips blocks the user took, and leaves shared and foreign subnets alone', () => {
    const subnets: ClusterSubnetSpec[] = [
      { name: 'c', zone: 'us-east-1c', type: 'Public' },
      { name: 'a', zone: 'us-east-1a', type: 'Public', cidr: '172.20.0.0/18' },
      { name: 'b', zone: 'us-east-1b', type: 'Public' },
      { name: 'x', zone: 'us-east-1a', type: 'Public', cidr: '10.1.0.0/16' },
    ];
    expect(assignSubnetCIDRs(subnets, '172.20.0.0/16')).toEqual([]);
    expect(cidrsOf(subnets)).toEqual({ a: '172.20.0.0/18', b: '172.20.64.0/18', c: '172.20.128.0/18', x: '10.1.0.0/16' });
    const shared: ClusterSubnetSpec[] = [{ name: 'a', zone: 'us-east-1a', type: 'Public', id: 'subnet-1' }];
    expect(assignSubnetCIDRs(shared, '172.20.0.0/16')).toEqual([]);
    expect(shared[0]!.cidr).toBeUndefined();
  });

  it('returns the subnets it cannot fit (kops carves at most 8 blocks)', () => {
    const nine: ClusterSubnetSpec[] = zones(9).map((z) => ({ name: z, zone: z, type: 'Public' }));
    expect(assignSubnetCIDRs(nine, '172.20.0.0/16')).toEqual(['us-east-1i']);
    const tiny: ClusterSubnetSpec[] = zones(3).map((z) => ({ name: z, zone: z, type: 'Public' }));
    expect(assignSubnetCIDRs(tiny, '10.0.0.0/31')).toEqual(zones(3));
  });
});

describe('network defaults', () => {
  it('fills the VPC, pod and service ranges as kops derives them', () => {
    const s = completeCluster(userCluster(['us-east-1a']), userIGs(['us-east-1a'])).cluster.spec;
    expect([s.networkCIDR, s.nonMasqueradeCIDR, s.podCIDR, s.serviceClusterIPRange]).toEqual(['172.20.0.0/16', '100.64.0.0/10', '100.96.0.0/11', '100.64.0.0/13']);
    expect([s.kubernetesApiAccess, s.sshAccess]).toEqual([['0.0.0.0/0', '::/0'], ['0.0.0.0/0', '::/0']]);
    const custom = userCluster(['us-east-1a']);
    custom.spec.nonMasqueradeCIDR = '10.0.0.0/8';
    custom.spec.networkCIDR = '192.168.0.0/16';
    expect(completeCluster(custom, []).cluster.spec.podCIDR).toBe('10.128.0.0/9');
  });

  it('lets pods use VPC addresses with the Amazon VPC CNI, and gives a GCE subnet the range kops allocates in a new network', () => {
    const vpc = userCluster(['us-east-1a']);
    vpc.spec.networking = { amazonvpc: {} };
    expect(completeCluster(vpc, []).cluster.spec.nonMasqueradeCIDR).toBe('172.20.0.0/16');
    const gce: Cluster = { ...userCluster([]), spec: { cloudProvider: 'gce', networking: { cilium: {} }, subnets: [{ name: 'us-central1', region: 'us-central1', type: 'Public' }] } };
    const s = completeCluster(gce, []).cluster.spec;
    expect(s.networkCIDR).toBeUndefined();
    expect(s.subnets![0]!.cidr).toBe('10.0.16.0/20');
    expect(s.api).toEqual({ loadBalancer: { type: 'Public' } });
  });

  it('reaches the API through a Network load balancer without DNS, and through records in a hosted zone', () => {
    const none = completeCluster(userCluster(['us-east-1a']), userIGs(['us-east-1a'])).cluster.spec;
    expect([none.topology, none.api, none.masterPublicName]).toEqual([{ dns: { type: 'None' } }, { loadBalancer: { type: 'Public', class: 'Network' } }, undefined]);
    const zoned = userCluster(['us-east-1a']);
    zoned.spec.dnsZone = 'example.com';
    const pub = completeCluster(zoned, userIGs(['us-east-1a'])).cluster.spec;
    expect([pub.topology, pub.api, pub.masterPublicName]).toEqual([{ dns: { type: 'Public' } }, { dns: {} }, 'api.test.example.com']);
    // kops's populate step: a control plane in a private subnet needs a load balancer even with DNS.
    const priv = userCluster(['us-east-1a'], { private: true });
    priv.spec.dnsZone = 'example.com';
    expect(completeCluster(priv, userIGs(['us-east-1a'])).cluster.spec.api).toEqual({ loadBalancer: { type: 'Public', class: 'Network' } });
  });
});

describe('etcd defaults', () => {
  it('builds main (not the events cluster kops adds: the stacked etcd keeps them) from the control-plane groups, as create cluster writes it', () => {
    const z = zones(3);
    const etcd = completeCluster(userCluster(z), userIGs(z, z)).cluster.spec.etcdClusters!;
    expect(etcd.map((e) => [e.name, e.cpuRequest, e.memoryRequest, e.manager?.backupRetentionDays, e.provider, e.version])).toEqual([['main', '200m', '100Mi', 90, 'Manager', '3.6.12']]);
    expect(etcd[0]!.etcdMembers).toEqual(
      ['a', 'b', 'c'].map((l) => ({ name: l, instanceGroup: `control-plane-us-east-1${l}`, encryptedVolume: true, volumeType: 'gp3', volumeSize: 20, volumeIops: 3000, volumeThroughput: 125 })),
    );
  });

  it('names members as kops does, also with several control planes in one zone', () => {
    const names = (igNames: string[]) => memberNames(igNames.map((n) => ig(n, 'Master', []))).map(([m]) => m);
    expect(names(['control-plane-us-east-1a'])).toEqual(['a']);
    expect(names(['control-plane-us-east-1a-1', 'control-plane-us-east-1a-2', 'control-plane-us-east-1a-3'])).toEqual(['etcd-1', 'etcd-2', 'etcd-3']);
    expect(names(['master-us-east-1a', 'master-us-east-1b', 'master-us-east-1c'])).toEqual(['a', 'b', 'c']);
  });

  it('fills volume defaults of existing members but never turns encryption on for them', () => {
    const c = userCluster(['us-east-1a']);
    c.spec.kubernetesVersion = '1.33.4';
    c.spec.etcdClusters = [{ name: 'main', etcdMembers: [{ name: 'a', instanceGroup: 'control-plane-us-east-1a', volumeType: 'io1' }] }];
    const [main] = completeCluster(c, userIGs(['us-east-1a'])).cluster.spec.etcdClusters!;
    expect(main!.etcdMembers[0]).toEqual({ name: 'a', instanceGroup: 'control-plane-us-east-1a', volumeType: 'io1', volumeSize: 20, volumeIops: 100 });
    expect(main!.version).toBe('3.5.31');
  });
});

describe('instance-group defaults', () => {
  it('fills machine type, image, sizes, subnets, root volume and IMDSv2 per role', () => {
    const igs: InstanceGroup[] = [
      ig('control-plane-us-east-1a', 'Master', ['us-east-1a']),
      ig('nodes', 'Node', []),
      ig('arm', 'Node', ['us-east-1a'], { machineType: 'm7g.large', maxSize: 5 }),
      ig('bastions', 'Bastion', ['utility-us-east-1a']),
    ];
    const out = completeCluster(userCluster(['us-east-1a', 'us-east-1b'], { private: true }), igs).instanceGroups.map((g) => g.spec);
    expect(out.map((s) => [s.machineType, s.minSize, s.maxSize, s.rootVolumeSize, s.rootVolumeType, s.rootVolumeEncryption])).toEqual([
      ['t3.medium', 1, 1, 64, 'gp3', true],
      ['t3.medium', 2, 2, 128, 'gp3', true],
      ['m7g.large', 5, 5, 128, 'gp3', true],
      ['t3.micro', 1, 1, 32, 'gp3', true],
    ]);
    expect(out[1]!.subnets).toEqual(['us-east-1a', 'us-east-1b']);
    expect(out[0]!.image).toBe('099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20260714');
    expect(out[2]!.image).toBe('099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20260714');
    expect(out.every((s) => s.instanceMetadata?.httpTokens === 'required' && s.instanceMetadata.httpPutResponseHopLimit === 1)).toBe(true);
  });

  it('completes the root volume in whichever spelling the group uses', () => {
    const g = ig('nodes', 'Node', ['us-east-1a'], { rootVolume: { size: 200 } });
    const [s] = completeCluster(userCluster(['us-east-1a']), [g]).instanceGroups.map((x) => x.spec);
    expect(s!.rootVolume).toEqual({ size: 200, type: 'gp3', encryption: true });
    expect(s!.rootVolumeSize).toBeUndefined();
  });
});

describe('completeCluster is pure and idempotent', () => {
  it('never changes its input', () => {
    const { cluster, igs } = loadFixture('kops-private');
    for (const s of cluster.spec.subnets!) delete s.cidr;
    delete cluster.spec.etcdClusters;
    const before = structuredClone([cluster, igs]);
    expect(() => completeCluster(deepFreeze(cluster), deepFreeze(igs))).not.toThrow();
    expect([cluster, igs]).toEqual(before);
  });

  it('leaves kops-written fixtures alone apart from defaults, and strips the v from the version', () => {
    const { cluster, igs } = loadFixture('kops-private');
    const done = completeCluster(cluster, igs).cluster.spec;
    expect(done.kubernetesVersion).toBe('1.34.10');
    expect(cidrsOf(done.subnets!)).toEqual(cidrsOf(cluster.spec.subnets!));
  });

  it('completing a completed spec changes nothing (fixtures and generated specs)', () => {
    const spec = fc.record({
      zoneCount: fc.integer({ min: 1, max: 9 }),
      controlPlanes: fc.constantFrom(1, 3),
      private: fc.boolean(),
      dnsZone: fc.boolean(),
      version: fc.constantFrom(undefined, '1.33.1', 'v1.36.3'),
      dropCidrs: fc.boolean(),
      fixture: fc.constantFrom(undefined, ...FIXTURES),
      nodeSizes: fc.option(fc.record({ minSize: fc.option(fc.nat(5), { nil: undefined }), maxSize: fc.option(fc.nat(9), { nil: undefined }) }), { nil: undefined }),
    });
    fc.assert(
      fc.property(spec, (o) => {
        let cluster: Cluster;
        let igs: InstanceGroup[];
        if (o.fixture) {
          ({ cluster, igs } = loadFixture(o.fixture));
          if (o.dropCidrs) for (const s of cluster.spec.subnets ?? []) delete s.cidr;
        } else {
          const z = zones(o.zoneCount);
          cluster = userCluster(z, { private: o.private });
          if (o.dnsZone) cluster.spec.dnsZone = 'example.com';
          if (o.version) cluster.spec.kubernetesVersion = o.version;
          igs = userIGs(z, z.slice(0, Math.min(o.controlPlanes, z.length)));
          if (o.nodeSizes) Object.assign(igs[igs.length - 1]!.spec, o.nodeSizes);
        }
        const once = completeCluster(cluster, igs);
        const twice = completeCluster(once.cluster, once.instanceGroups);
        expect(twice).toEqual(once);
      }),
      { numRuns: 60 },
    );
  });
});
