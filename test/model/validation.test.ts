import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { completeCluster } from '../../src/model/completion.js';
import { validateCluster } from '../../src/model/validation.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { FIXTURES, loadFixture } from './fixtures.js';

function errorsOf(cluster: Cluster, igs: InstanceGroup[], previous?: Cluster): string[] {
  const c = completeCluster(cluster, igs);
  return validateCluster(c.cluster, c.instanceGroups, { file: 'spec.yaml', ...(previous ? { previous } : {}) })
    .filter((d) => d.severity === 'error')
    .map(formatDiagnostic);
}

function ha() {
  return loadFixture('ha');
}

describe('validateCluster', () => {
  it.each(FIXTURES)('accepts the %s fixture', (name) => {
    const f = loadFixture(name);
    expect(errorsOf(f.cluster, f.instanceGroups)).toEqual([]);
  });

  it('reports an invalid CIDR, a CIDR outside the network, and overlapping subnets with their paths', () => {
    const f = ha();
    f.cluster.spec.subnets![0]!.cidr = '10.0.0.0/33';
    f.cluster.spec.subnets![1]!.cidr = '10.9.0.0/18';
    f.cluster.spec.subnets![2]!.cidr = '172.20.0.0/17';
    f.cluster.spec.subnets!.push({ name: 'extra', zone: 'us-east-1a', type: 'Public', cidr: '172.20.64.0/18' });
    const errs = errorsOf(f.cluster, f.instanceGroups);
    expect(errs).toEqual(
      expect.arrayContaining([
        expect.stringContaining('spec.subnets[0].cidr: 10.0.0.0/33 is not a valid CIDR'),
        expect.stringContaining('spec.subnets[1].cidr: 10.9.0.0/18 is not inside the network CIDR 172.20.0.0/16'),
        expect.stringContaining('spec.subnets[3].cidr: 172.20.64.0/18 overlaps spec.subnets[2].cidr 172.20.0.0/17'),
      ]),
    );
  });

  it('reports zones in two regions and instance groups in subnets that do not exist', () => {
    const f = ha();
    f.cluster.spec.subnets![2]!.zone = 'eu-west-1c';
    f.instanceGroups[0]!.spec.subnets = ['us-east-1z'];
    const errs = errorsOf(f.cluster, f.instanceGroups);
    expect(errs).toEqual(
      expect.arrayContaining([
        expect.stringContaining('spec.subnets[2].zone: zone is in region eu-west-1, but spec.subnets[0].zone is in us-east-1'),
        expect.stringContaining('InstanceGroup/control-plane-us-east-1a spec.subnets[0]: subnet us-east-1z is not defined in the cluster'),
      ]),
    );
  });

  it('reports etcd member problems: even counts, unknown groups, same zone, missing members', () => {
    const f = ha();
    const main = f.cluster.spec.etcdClusters![0]!;
    main.etcdMembers = main.etcdMembers.slice(0, 2);
    const events = f.cluster.spec.etcdClusters![1]!;
    events.etcdMembers[2]!.instanceGroup = 'nodes-us-east-1a';
    f.instanceGroups[1]!.spec.subnets = ['us-east-1a'];
    const errs = errorsOf(f.cluster, f.instanceGroups);
    expect(errs).toEqual(
      expect.arrayContaining([
        expect.stringContaining('spec.etcdClusters[0].etcdMembers: etcd cluster main has 2 members'),
        expect.stringContaining('spec.etcdClusters[0].etcdMembers: control-plane instance group control-plane-us-east-1c has no member in etcd cluster main'),
        expect.stringContaining('spec.etcdClusters[1].etcdMembers[2].instanceGroup: "nodes-us-east-1a" is not a control-plane instance group'),
        expect.stringContaining('spec.etcdClusters[0].etcdMembers[1].instanceGroup: members a and b are both in us-east-1a'),
      ]),
    );
  });

  it('reports sizes, names and versions', () => {
    const f = ha();
    f.cluster.metadata.name = 'Bad_Name';
    f.cluster.spec.kubernetesVersion = '1.2x';
    const ig = f.instanceGroups[3]!;
    ig.spec.minSize = 5;
    ig.spec.maxSize = 2;
    ig.metadata.name = 'Nodes_A';
    const errs = errorsOf(f.cluster, f.instanceGroups);
    expect(errs).toEqual(
      expect.arrayContaining([
        expect.stringContaining('metadata.name: "Bad_Name" is not a valid cluster name'),
        expect.stringContaining('spec.kubernetesVersion: "1.2x" is not a Kubernetes version'),
        expect.stringContaining('InstanceGroup/Nodes_A spec.maxSize: maxSize 2 is smaller than minSize 5'),
        expect.stringContaining('InstanceGroup/Nodes_A metadata.name: "Nodes_A" is not a valid instance group name'),
      ]),
    );
  });

  it('enforces the supported range and one-minor-at-a-time upgrades', () => {
    const old = ha();
    old.cluster.spec.kubernetesVersion = '1.30.2';
    expect(errorsOf(old.cluster, old.instanceGroups)).toEqual([expect.stringContaining('older than the oldest supported version 1.32.0')]);
    const previous = ha().cluster;
    previous.spec.kubernetesVersion = '1.34.2';
    const jump = ha();
    jump.cluster.spec.kubernetesVersion = '1.36.0';
    expect(errorsOf(jump.cluster, jump.instanceGroups, previous)).toEqual([expect.stringContaining('skips a minor version')]);
    const down = ha();
    down.cluster.spec.kubernetesVersion = '1.33.5';
    expect(errorsOf(down.cluster, down.instanceGroups, previous)).toEqual([expect.stringContaining('is a downgrade from the running 1.34.2')]);
    const next = ha();
    next.cluster.spec.kubernetesVersion = '1.35.1';
    expect(errorsOf(next.cluster, next.instanceGroups, previous)).toEqual([]);
  });

  it('returns every problem of a broken spec in one run', () => {
    const f = ha();
    f.cluster.spec.networkCIDR = '172.20.0.0/33';
    f.cluster.spec.sshAccess = ['0.0.0.0/0', 'nope'];
    f.cluster.spec.api = { loadBalancer: { class: 'Classic' } };
    f.cluster.spec.networking = { cilium: {}, calico: {} };
    f.instanceGroups[4]!.spec.rollingUpdate = { maxSurge: '150%' };
    f.instanceGroups[5]!.spec.rootVolumeType = 'gp9';
    const errs = errorsOf(f.cluster, f.instanceGroups);
    expect(errs.length).toBeGreaterThanOrEqual(6);
    for (const path of ['spec.networkCIDR', 'spec.sshAccess[1]', 'spec.api.loadBalancer.class', 'spec.networking', 'InstanceGroup/nodes-us-east-1b spec.rollingUpdate.maxSurge', 'InstanceGroup/nodes-us-east-1c spec.rootVolumeType']) {
      expect(errs.some((e) => e.startsWith(`error: ${path}: `))).toBe(true);
    }
  });

  it('requires utility subnets for private subnets and private topology for a bastion', () => {
    const f = loadFixture('private');
    f.cluster.spec.subnets = f.cluster.spec.subnets!.filter((s) => s.name !== 'utility-us-east-1b');
    f.instanceGroups[0]!.spec.subnets = ['utility-us-east-1a'];
    expect(errorsOf(f.cluster, f.instanceGroups)).toEqual([expect.stringContaining('spec.subnets[1]: private subnet us-east-1b in us-east-1b has no utility subnet')]);
    const pub = ha();
    pub.instanceGroups.push({ ...structuredClone(pub.instanceGroups[3]!), metadata: { name: 'bastions' }, spec: { role: 'Bastion', subnets: ['us-east-1a'] } });
    expect(errorsOf(pub.cluster, pub.instanceGroups)).toEqual([expect.stringContaining('a bastion is only useful with private topology')]);
  });
});
