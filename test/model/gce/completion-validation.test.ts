import { describe, expect, it } from 'vitest';
import { newCluster } from '../../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../../src/model/completion.js';
import { allocateGceRange } from '../../../src/model/completion-gce.js';
import { parseCidr, type Cidr } from '../../../src/model/cidr.js';
import { validateCluster } from '../../../src/model/validation.js';

const gce = (extra: Partial<Parameters<typeof newCluster>[0]> = {}) => newCluster({ name: 'g.example.com', zones: ['us-central1-a', 'us-central1-b'], project: 'my-project', ...extra });

describe('GCE completion', () => {
  it("allocates ranges as kops's CIDRMap: the first free block after the network's first", () => {
    const used: Cidr[] = [];
    expect(allocateGceRange(used, 20)).toBe('10.0.16.0/20');
    expect(allocateGceRange(used, 20)).toBe('10.0.32.0/20');
    expect(allocateGceRange([parseCidr('10.0.0.0/12')!], 16)).toBe('10.16.0.0/16');
    expect(allocateGceRange([parseCidr('10.0.0.0/8')!], 20)).toBeUndefined();
  });

  it('gives each subnet without a range a /20 that no other subnet has, and keeps a given one', () => {
    const r = gce();
    r.cluster.spec.subnets = [
      { name: 'one', region: 'us-central1', type: 'Public', cidr: '10.0.16.0/20' },
      { name: 'two', region: 'us-central1', type: 'Public' },
    ];
    const s = completeCluster(r.cluster, r.instanceGroups).cluster.spec;
    expect(s.subnets?.map((x) => x.cidr)).toEqual(['10.0.16.0/20', '10.0.32.0/20']);
  });

  it("gives a subnet with no region its groups' region", () => {
    const r = gce();
    delete r.cluster.spec.subnets![0]!.region;
    expect(completeCluster(r.cluster, r.instanceGroups).cluster.spec.subnets![0]!.region).toBe('us-central1');
  });

  it('completes the spec create cluster --cloud gce writes into one that validates clean', () => {
    const r = gce({ controlPlaneCount: 3, zones: ['us-central1-a', 'us-central1-b', 'us-central1-c'] });
    expect(validateCluster(r.cluster, r.instanceGroups).filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('GCE validation', () => {
  const errors = (r: ReturnType<typeof gce>) => validateCluster(r.cluster, r.instanceGroups).filter((d) => d.severity === 'error').map((d) => `${d.path ?? ''}: ${d.code}`);

  it('needs spec.project, and says which field', () => {
    const r = gce();
    delete r.cluster.spec.project;
    const d = validateCluster(r.cluster, r.instanceGroups).find((x) => x.code === 'MissingField');
    expect(d?.path).toBe('spec.project');
    expect(d?.summary).toContain('GCP project');
  });

  it('wants one subnet per group, one zone per control plane, one subnet under IP alias, no internal API LB', () => {
    const r = gce();
    r.cluster.spec.subnets!.push({ name: 'extra', region: 'us-central1', type: 'Public' });
    r.cluster.spec.networking = { gce: {} } as typeof r.cluster.spec.networking;
    r.cluster.spec.api = { loadBalancer: { type: 'Internal' } };
    const cp = r.instanceGroups.find((g) => g.spec.role === 'Master')!;
    cp.spec.zones = ['us-central1-a', 'us-central1-b'];
    const node = r.instanceGroups.find((g) => g.spec.role === 'Node')!;
    node.spec.subnets = ['us-central1', 'extra'];
    expect(errors(r)).toEqual(expect.arrayContaining([
      'spec.subnets: InvalidSubnets',
      'spec.api.loadBalancer.type: UnsupportedLoadBalancer',
      `InstanceGroup/${cp.metadata.name} spec.zones: InvalidZones`,
      `InstanceGroup/${node.metadata.name} spec.subnets: InvalidSubnets`,
    ]));
  });
});
