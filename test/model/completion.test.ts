import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignSubnetCIDRs, completeCluster } from '../../src/model/completion.js';
import type { ClusterSubnetSpec } from '../../src/model/api/types.js';
import { FIXTURES, loadFixture } from './fixtures.js';

const zones = (n: number) => Array.from({ length: n }, (_, i) => `us-east-1${'abcdefgh'[i]}`);

describe('completeCluster', () => {
  it.each([
    [1, ['172.20.0.0/16']],
    [3, ['172.20.0.0/18', '172.20.64.0/18', '172.20.128.0/18']],
    [6, ['172.20.0.0/19', '172.20.32.0/19', '172.20.64.0/19', '172.20.96.0/19', '172.20.128.0/19', '172.20.160.0/19']],
  ])('carves the network for %i public zones as kops does', (n, expected) => {
    const subnets: ClusterSubnetSpec[] = zones(n).map((z) => ({ name: z, zone: z, type: 'Public' }));
    assignSubnetCIDRs(subnets, '172.20.0.0/16');
    expect(subnets.map((s) => s.cidr)).toEqual(expected);
  });

  it('gives utility subnets eighths of one block, and skips blocks the user already took', () => {
    const subnets: ClusterSubnetSpec[] = [
      ...zones(2).map((z) => ({ name: z, zone: z, type: 'Private' as const })),
      ...zones(2).map((z) => ({ name: `utility-${z}`, zone: z, type: 'Utility' as const })),
    ];
    subnets[1]!.cidr = '172.20.64.0/18';
    assignSubnetCIDRs(subnets, '172.20.0.0/16');
    expect(subnets.map((s) => s.cidr)).toEqual(['172.20.128.0/18', '172.20.64.0/18', '172.20.0.0/21', '172.20.8.0/21']);
  });

  it('fills kops defaults into a copy and never changes the user spec', () => {
    const f = loadFixture('ha');
    delete f.cluster.spec.etcdClusters;
    const before = structuredClone(f);
    const c = completeCluster(f.cluster, f.instanceGroups);
    expect(f).toEqual(before);
    expect(c.cluster.spec.etcdClusters!.map((e) => e.name)).toEqual(['main', 'events']);
    expect(c.cluster.spec.etcdClusters![0]!.etcdMembers.map((m) => [m.name, m.instanceGroup, m.volumeType, m.volumeSize])).toEqual([
      ['a', 'control-plane-us-east-1a', 'gp3', 20],
      ['b', 'control-plane-us-east-1b', 'gp3', 20],
      ['c', 'control-plane-us-east-1c', 'gp3', 20],
    ]);
    expect(c.cluster.spec.nonMasqueradeCIDR).toBe('100.64.0.0/10');
    expect(c.cluster.spec.serviceClusterIPRange).toBe('100.64.0.0/13');
    const cp = c.instanceGroups[0]!.spec;
    expect([cp.rootVolumeSize, cp.rootVolumeType, cp.rootVolumeEncryption, cp.instanceMetadata?.httpTokens]).toEqual([64, 'gp3', true, 'required']);
    expect(c.instanceGroups[3]!.spec.rootVolumeSize).toBe(128);
    expect(cp.image).toMatch(/^099720109477\/ubuntu\/images\/hvm-ssd-gp3\/ubuntu-noble-24.04-amd64/);
  });

  it('defaults the API to a Network load balancer when DNS is None, and to DNS with a hosted zone', () => {
    const none = loadFixture('minimal');
    delete none.cluster.spec.api;
    expect(completeCluster(none.cluster, none.instanceGroups).cluster.spec.api).toEqual({ loadBalancer: { class: 'Network', type: 'Public' } });
    const dns = loadFixture('minimal');
    delete dns.cluster.spec.api;
    delete dns.cluster.spec.topology;
    dns.cluster.spec.dnsZone = 'example.com';
    const c = completeCluster(dns.cluster, dns.instanceGroups).cluster.spec;
    expect(c.topology?.dns?.type).toBe('Public');
    expect(c.api).toEqual({ dns: {} });
  });

  it('is idempotent: completing a completed spec changes nothing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIXTURES), fc.boolean(), fc.boolean(), (name, dropEtcd, dropCidrs) => {
        const f = loadFixture(name);
        if (dropEtcd) delete f.cluster.spec.etcdClusters;
        if (dropCidrs) for (const s of f.cluster.spec.subnets ?? []) delete s.cidr;
        const once = completeCluster(f.cluster, f.instanceGroups);
        const twice = completeCluster(once.cluster, once.instanceGroups);
        expect(twice).toEqual(once);
      }),
      { numRuns: 40 },
    );
  });
});
