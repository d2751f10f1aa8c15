import { describe, expect, it } from 'vitest';
import { validateCluster } from '../../src/model/validation.js';
import type { Cluster, EtcdClusterSpec } from '../../src/model/api/types.js';
import { errorLines, loadFixture } from './helpers.js';

/** The HA fixture (3 control planes in 3 zones) with its etcd clusters edited. */
function ha(edit: (etcd: EtcdClusterSpec[], c: Cluster) => void) {
  const f = loadFixture('kops-ha');
  edit(f.cluster.spec.etcdClusters!, f.cluster);
  return f;
}

const check = (f: ReturnType<typeof ha>, previous?: Cluster) => validateCluster(f.cluster, f.igs, previous ? { previous } : {});

describe('etcd members', () => {
  it('want an odd count, one per control-plane group, every control plane included', () => {
    const f = ha(([main, events]) => {
      main!.etcdMembers = main!.etcdMembers.slice(0, 2);
      events!.etcdMembers[2]!.instanceGroup = 'nodes-us-east-1a';
    });
    expect(errorLines(check(f))).toEqual([
      'spec.etcdClusters[0].etcdMembers: etcd cluster main has 2 members; quorum needs an odd number',
      'spec.etcdClusters[0].etcdMembers: control-plane instance group control-plane-us-east-1c has no member in etcd cluster main',
      'spec.etcdClusters[1].etcdMembers[2].instanceGroup: "nodes-us-east-1a" is not a control-plane instance group',
      'spec.etcdClusters[1].etcdMembers: control-plane instance group control-plane-us-east-1c has no member in etcd cluster events',
    ]);
  });

  it('refuse two members on one group and repeated names, naming the known groups', () => {
    const f = ha(([main]) => {
      main!.etcdMembers[1]!.instanceGroup = 'control-plane-us-east-1a';
      main!.etcdMembers[2]!.name = 'a';
      main!.etcdMembers.push({ name: 'd', instanceGroup: 'control-plane-us-east-1z' }, { name: 'e', instanceGroup: 'control-plane-us-east-1c' });
    });
    const diags = check(f);
    expect(errorLines(diags)).toEqual([
      'spec.etcdClusters[0].etcdMembers[1].instanceGroup: instance group control-plane-us-east-1a already holds member a of etcd cluster main',
      'spec.etcdClusters[0].etcdMembers[2].name: member a appears twice in etcd cluster main',
      'spec.etcdClusters[0].etcdMembers[3].instanceGroup: "control-plane-us-east-1z" is not a control-plane instance group',
      'spec.etcdClusters[0].etcdMembers[4].instanceGroup: instance group control-plane-us-east-1c already holds member a of etcd cluster main',
      'spec.etcdClusters[0].etcdMembers: control-plane instance group control-plane-us-east-1b has no member in etcd cluster main',
    ]);
    expect(diags.find((d) => d.summary.includes('us-east-1z'))!.hint).toBe('name one of: control-plane-us-east-1a, control-plane-us-east-1b, control-plane-us-east-1c');
  });

  it('warn when members share a zone: valid for kops, but a zone outage loses quorum', () => {
    const f = ha(() => {});
    f.igs.find((g) => g.metadata.name === 'control-plane-us-east-1b')!.spec.subnets = ['us-east-1a'];
    const diags = check(f);
    expect(errorLines(diags)).toEqual([]);
    expect(diags.map((d) => `${d.severity} ${d.path}: ${d.summary}`)).toEqual([
      'warning spec.etcdClusters[0].etcdMembers[1].instanceGroup: members a and b of etcd cluster main are both in us-east-1a',
      'warning spec.etcdClusters[1].etcdMembers[1].instanceGroup: members a and b of etcd cluster events are both in us-east-1a',
    ]);
  });

  it('check volumes', () => {
    const f = ha(([main]) => {
      Object.assign(main!.etcdMembers[0]!, { volumeType: 'gp9', volumeSize: 0, volumeIops: -1 });
    });
    expect(errorLines(check(f))).toEqual([
      'spec.etcdClusters[0].etcdMembers[0].volumeType: gp9 is not an EBS volume type',
      'spec.etcdClusters[0].etcdMembers[0].volumeSize: volume size 0 must be greater than 0',
      'spec.etcdClusters[0].etcdMembers[0].volumeIops: volume IOPS -1 cannot be negative',
    ]);
  });
});

describe('etcd clusters', () => {
  it('are kops\'s known clusters, once each, on one etcd 3 version', () => {
    const f = ha(([main, events]) => {
      main!.version = '3.6.12';
      events!.version = '3.5.31';
      events!.provider = 'Legacy';
      events!.name = 'main';
    });
    expect(errorLines(check(f))).toEqual([
      'spec.etcdClusters[1].name: etcd cluster main is defined twice',
      'spec.etcdClusters[1].provider: provider Legacy is not supported',
      'spec.etcdClusters[1].version: etcd cluster main runs 3.5.31 but main runs 3.6.12',
    ]);
    const old = ha(([main]) => (main!.version = '2.2.1'));
    expect(errorLines(check(old))).toContain('spec.etcdClusters[0].version: etcd 2.2.1 is not supported: only major version 3 is');
    const odd = ha(([main]) => (main!.name = 'data'));
    expect(errorLines(check(odd))).toEqual([
      'spec.etcdClusters[0].name: "data" is not an etcd cluster kops knows',
      "spec.etcdClusters: no etcd cluster is named main: kops-ts runs one etcd, kubeadm's stacked etcd, as main (it keeps the events too; events, cilium and leases get no volumes)",
    ]);
  });

  it('against the last applied spec: main never removed, members never moved; events may go (it has no volumes)', () => {
    const previous = loadFixture('kops-ha').cluster;
    expect(previous.spec.etcdClusters?.map((e) => e.name)).toEqual(['main', 'events']);
    const f = ha((etcd) => {
      etcd.pop();
      etcd[0]!.etcdMembers[0]!.instanceGroup = 'control-plane-us-east-1b';
      etcd[0]!.etcdMembers[1]!.instanceGroup = 'control-plane-us-east-1a';
    });
    expect(errorLines(check(f, previous))).toEqual([
      'spec.etcdClusters[0].etcdMembers[0].instanceGroup: member a moved from control-plane-us-east-1a to control-plane-us-east-1b',
      'spec.etcdClusters[0].etcdMembers[1].instanceGroup: member b moved from control-plane-us-east-1b to control-plane-us-east-1a',
    ]);
    const withoutMain = ha((etcd) => etcd.shift());
    expect(errorLines(check(withoutMain, previous))).toEqual([
      "spec.etcdClusters: no etcd cluster is named main: kops-ts runs one etcd, kubeadm's stacked etcd, as main (it keeps the events too; events, cilium and leases get no volumes)",
      'spec.etcdClusters: etcd cluster main was removed',
    ]);
    expect(check(ha((etcd) => etcd.pop()), previous)).toEqual([]);
    expect(check(ha(() => {}), previous)).toEqual([]);
  });

  it('are required once completion has nothing to build them from', () => {
    const f = ha((etcd, c) => (c.spec.etcdClusters = etcd.slice(0, 0)));
    f.igs = f.igs.filter((g) => g.spec.role !== 'Master');
    expect(errorLines(check(f))).toEqual([
      'spec.etcdClusters: no etcd clusters are defined',
      'instanceGroups: the cluster has no control-plane instance group',
    ]);
  });
});
