import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { inferCloud, newCluster, spread } from '../../src/cloudup/new-cluster.js';

const names = (igs: { metadata: { name: string } }[]) => igs.map((g) => g.metadata.name);

describe('newCluster', () => {
  it('builds one control plane per control-plane zone and nodes spread over the zones', () => {
    const r = newCluster({ name: 'ha.example.com', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], nodeCount: 5 });
    expect(names(r.instanceGroups)).toEqual(['control-plane-us-east-1a', 'control-plane-us-east-1b', 'control-plane-us-east-1c', 'nodes-us-east-1a', 'nodes-us-east-1b', 'nodes-us-east-1c']);
    expect(r.instanceGroups.slice(3).map((g) => g.spec.minSize)).toEqual([2, 2, 1]);
    expect(r.cluster.spec.etcdClusters!.map((e) => [e.name, e.etcdMembers.map((m) => `${m.name}:${m.instanceGroup}`)])).toEqual([
      ['main', ['a:control-plane-us-east-1a', 'b:control-plane-us-east-1b', 'c:control-plane-us-east-1c']],
      ['events', ['a:control-plane-us-east-1a', 'b:control-plane-us-east-1b', 'c:control-plane-us-east-1c']],
    ]);
    expect(r.cluster.spec.api).toEqual({ loadBalancer: { class: 'Network', type: 'Public' } });
    expect(r.cluster.spec.topology?.dns?.type).toBe('None');
    expect(r.instanceGroups.every((g) => g.metadata.labels?.['kops.k8s.io/cluster'] === 'ha.example.com')).toBe(true);
  });

  it('builds private topology with utility subnets and a bastion', () => {
    const r = newCluster({ name: 'p.example.com', zones: ['us-east-1a', 'us-east-1b'], topology: 'private', bastion: true });
    expect(r.cluster.spec.subnets!.map((s) => `${s.name}/${s.type}/${s.cidr}`)).toEqual([
      'us-east-1a/Private/172.20.64.0/18',
      'us-east-1b/Private/172.20.128.0/18',
      'utility-us-east-1a/Utility/172.20.0.0/21',
      'utility-us-east-1b/Utility/172.20.8.0/21',
    ]);
    const bastion = r.instanceGroups.find((g) => g.spec.role === 'Bastion')!;
    expect(bastion.spec.subnets).toEqual(['utility-us-east-1a', 'utility-us-east-1b']);
    expect(bastion.spec.machineType).toBe('t3.micro');
  });

  it('uses DNS with a hosted zone, shared subnets, and an internal API when asked', () => {
    const r = newCluster({ name: 'd.example.com', zones: ['us-east-1a'], dnsZone: 'example.com', networkID: 'vpc-1', subnetIDs: ['subnet-1'] });
    expect(r.cluster.spec.topology?.dns?.type).toBe('Public');
    expect(r.cluster.spec.api).toEqual({ dns: {} });
    expect(r.cluster.spec.networkID).toBe('vpc-1');
    expect(r.cluster.spec.subnets![0]!.id).toBe('subnet-1');
    const internal = newCluster({ name: 'i.example.com', zones: ['us-east-1a'], apiLoadBalancerType: 'internal' });
    expect(internal.cluster.spec.api?.loadBalancer?.type).toBe('Internal');
  });

  it('rejects an even control-plane count, unknown clouds and IPv6, all at once', () => {
    try {
      newCluster({ name: 'x.example.com', zones: ['nowhere'], controlPlaneCount: 2, ipv6: true });
      expect.unreachable();
    } catch (e) {
      expect(KopsError.is(e, 'InvalidFlags')).toBe(true);
      expect((e as KopsError).diagnostics.map((d) => d.code)).toEqual(['UnknownCloud', 'InvalidControlPlaneCount', 'UnsupportedIPv6']);
    }
  });

  it('infers the cloud from zone names and spreads counts as kops does', () => {
    expect(inferCloud(['us-east-1a', 'eu-west-2b'])).toBe('aws');
    expect(inferCloud(['us-central1-a'])).toBe('gce');
    expect(inferCloud(['us-east-1a', 'us-central1-a'])).toBeUndefined();
    expect(spread(7, 3)).toEqual([3, 2, 2]);
    expect(spread(1, 3)).toEqual([1, 0, 0]);
  });
});
