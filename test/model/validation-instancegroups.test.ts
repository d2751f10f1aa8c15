import { describe, expect, it } from 'vitest';
import { validateCluster } from '../../src/model/validation.js';
import type { InstanceGroup } from '../../src/model/api/types.js';
import { errorLines, ig, userCluster, userIGs } from './helpers.js';

const ZONES = ['us-east-1a', 'us-east-1b'];

/** A valid two-zone cluster with one more instance group to test. */
function withGroup(g: InstanceGroup, opts: { private?: boolean } = {}): string[] {
  return errorLines(validateCluster(userCluster(ZONES, opts), [...userIGs(ZONES), g]));
}

describe('sizes', () => {
  it('are >= 0 with maxSize >= minSize', () => {
    expect(withGroup(ig('big', 'Node', ['us-east-1a'], { minSize: -1 }))).toEqual(['InstanceGroup/big spec.minSize: minSize -1 is negative']);
    expect(withGroup(ig('big', 'Node', ['us-east-1a'], { minSize: 5, maxSize: 2 }))).toEqual(['InstanceGroup/big spec.maxSize: maxSize 2 is smaller than minSize 5']);
    expect(withGroup(ig('big', 'Node', ['us-east-1a'], { minSize: 0, maxSize: 0 }))).toEqual([]);
    expect(withGroup(ig('big', 'Node', ['us-east-1a'], { minSize: 3, maxSize: -1 }))).toEqual(['InstanceGroup/big spec.maxSize: maxSize -1 is negative']);
  });

  it('are one instance per control-plane group (more control planes are more groups)', () => {
    const igs = [ig('control-plane-us-east-1a', 'ControlPlane', ['us-east-1a'], { minSize: 3, maxSize: 3 })];
    expect(errorLines(validateCluster(userCluster(ZONES), igs))).toEqual([
      'InstanceGroup/control-plane-us-east-1a spec.minSize: a control-plane instance group runs one instance, not 3',
      'InstanceGroup/control-plane-us-east-1a spec.maxSize: a control-plane instance group runs one instance, not 3',
    ]);
  });
});

describe('placement', () => {
  it('uses subnets of the cluster, and zones that agree with them', () => {
    expect(withGroup(ig('odd', 'Node', ['us-east-1z']))).toEqual(['InstanceGroup/odd spec.subnets[0]: subnet us-east-1z is not defined in the cluster']);
    expect(withGroup(ig('odd', 'Node', ['us-east-1a'], { zones: ['us-east-1b'] }))).toEqual([
      "InstanceGroup/odd spec.zones[0]: zone us-east-1b is not the zone of any of the group's subnets (us-east-1a)",
    ]);
    expect(errorLines(validateCluster(userCluster(ZONES), [ig('control-plane-us-east-1a', 'Master', [])]))).toEqual(
      expect.arrayContaining(['InstanceGroup/control-plane-us-east-1a spec.subnets: a control-plane instance group must name its subnet']),
    );
  });

  it('has a bastion only with private topology', () => {
    expect(withGroup(ig('bastions', 'Bastion', ['us-east-1a']))).toEqual([
      'InstanceGroup/bastions spec.role: a bastion is only used with private topology (instances in Private subnets)',
    ]);
    expect(withGroup(ig('bastions', 'Bastion', ['us-east-1a']), { private: true })).toEqual([]);
  });

  it('refuses APIServer groups, whose instances kops-ts cannot bootstrap (kops\'s dedicated API server nodes)', () => {
    expect(withGroup(ig('apiservers', 'APIServer', ['us-east-1a']))).toEqual([
      "InstanceGroup/apiservers spec.role: APIServer instance groups (kops's dedicated API server nodes) are not built by kops-ts: its kubeadm bootstrap has no configuration for them, so their instances would never join",
    ]);
  });

  it('belongs to this cluster', () => {
    const g = ig('nodes-x', 'Node', ['us-east-1a']);
    g.metadata.labels = { 'kops.k8s.io/cluster': 'other.example.com' };
    expect(withGroup(g)).toEqual(['InstanceGroup/nodes-x metadata.labels["kops.k8s.io/cluster"]: labelled for cluster other.example.com, not test.example.com']);
  });
});

describe('machines', () => {
  it('checks root volumes as kops does (st1 and sc1 cannot boot)', () => {
    expect(withGroup(ig('v', 'Node', ['us-east-1a'], { rootVolumeSize: 0, rootVolumeType: 'st1' }))).toEqual([
      'InstanceGroup/v spec.rootVolumeSize: root volume size 0 must be greater than 0',
      'InstanceGroup/v spec.rootVolumeType: st1 cannot be a root volume',
    ]);
    expect(withGroup(ig('v', 'Node', ['us-east-1a'], { rootVolume: { size: 50, type: 'io2', iops: 3000 } }))).toEqual([]);
    expect(withGroup(ig('v', 'Node', ['us-east-1a'], { rootVolume: { size: 50 }, rootVolumeIops: 4000 }))).toEqual([
      'InstanceGroup/v spec.rootVolume: the root volume is given twice (rootVolume and the flat rootVolume* fields)',
    ]);
    expect(withGroup(ig('v', 'Node', ['us-east-1a'], { rootVolumeIops: -1, rootVolumeThroughput: -5, rootVolumeEncryptionKey: '' }))).toEqual([
      'InstanceGroup/v spec.rootVolumeIops: IOPS cannot be negative',
      'InstanceGroup/v spec.rootVolumeThroughput: throughput cannot be negative',
      'InstanceGroup/v spec.rootVolumeEncryptionKey: the KMS key is empty',
    ]);
  });

  it('names what kops drops or raises on the root volume in a warning, in either spelling', () => {
    const warnings = (g: InstanceGroup) =>
      validateCluster(userCluster(ZONES), [...userIGs(ZONES), g])
        .filter((d) => d.severity === 'warning')
        .map((d) => `${d.code} ${d.path}: ${d.summary}`);
    expect(warnings(ig('v', 'Node', ['us-east-1a'], { rootVolumeType: 'gp2', rootVolumeIops: 500, rootVolumeThroughput: 200 }))).toEqual([
      'RootVolumeFieldIgnored InstanceGroup/v spec.rootVolumeIops: gp2 volumes have no provisioned IOPS; ignored, as kops ignores it',
      'RootVolumeFieldIgnored InstanceGroup/v spec.rootVolumeThroughput: only gp3 volumes take a throughput; ignored for gp2, as kops ignores it',
    ]);
    expect(warnings(ig('v', 'Node', ['us-east-1a'], { rootVolume: { type: 'gp3', iops: 1000, throughput: 100 } }))).toEqual([
      "RootVolumeRaised InstanceGroup/v spec.rootVolume.iops: 1000 IOPS is below gp3's 3000; 3000 is used, as kops does",
      "RootVolumeRaised InstanceGroup/v spec.rootVolume.throughput: 100 MiB/s is below gp3's 125; 125 is used, as kops does",
    ]);
    expect(warnings(ig('v', 'Node', ['us-east-1a'], { rootVolumeType: 'io2', rootVolumeIops: 50, rootVolumeEncryption: false, rootVolumeEncryptionKey: 'alias/ebs' }))).toEqual([
      "RootVolumeRaised InstanceGroup/v spec.rootVolumeIops: 50 IOPS is below io2's 100; 100 is used, as kops does",
      'RootVolumeFieldIgnored InstanceGroup/v spec.rootVolumeEncryptionKey: the volume is not encrypted, so its KMS key is not used (as kops)',
    ]);
    // What kops-ts itself completes never warns.
    expect(warnings(ig('v', 'Node', ['us-east-1a'], { rootVolumeIops: 6000, rootVolumeThroughput: 500, rootVolumeEncryptionKey: 'alias/ebs' }))).toEqual([]);
  });

  it('refuses node labels and taints whose autoscaler tag key would pass AWS\'s 128 characters', () => {
    const long = `example.com/${'k'.repeat(71)}`; // 83 characters: 46 + 83 = 129
    expect(withGroup(ig('t', 'Node', ['us-east-1a'], { taints: [`${long}=x:NoSchedule`], nodeLabels: { [long]: 'x' } }))).toEqual([
      `InstanceGroup/t spec.nodeLabels["${long}"]: node label ${long} is too long for its autoscaler tag k8s.io/cluster-autoscaler/node-template/label/${long} (AWS tag keys are at most 128 characters)`,
      `InstanceGroup/t spec.taints[0]: taint key of ${long}=x:NoSchedule is too long for its autoscaler tag (AWS tag keys are at most 128 characters)`,
    ]);
    const fits = `example.com/${'k'.repeat(70)}`;
    expect(withGroup(ig('t', 'Node', ['us-east-1a'], { taints: [`${fits}=x:NoSchedule`], nodeLabels: { [fits]: 'x' } }))).toEqual([]);
  });

  it('checks instance metadata, security groups, taints and node labels', () => {
    const g = ig('m', 'Node', ['us-east-1a'], {
      instanceMetadata: { httpPutResponseHopLimit: 65 },
      additionalSecurityGroups: ['sg-0a', 'default'],
      taints: ['dedicated=gpu:NoSchedule', 'dedicated=gpu:NoSchedule', 'bad taint'],
      nodeLabels: { 'a/b/c': 'x', 'example.com/ok': 'y' },
      cloudLabels: { Name: 'x', 'kops.k8s.io/instancegroup': 'other' },
    });
    expect(withGroup(g)).toEqual([
      'InstanceGroup/m spec.instanceMetadata.httpPutResponseHopLimit: 65 is not between 1 and 64',
      'InstanceGroup/m spec.additionalSecurityGroups[1]: "default" is not a security group id',
      'InstanceGroup/m spec.taints[1]: taint dedicated=gpu:NoSchedule is listed twice',
      'InstanceGroup/m spec.taints[2]: "bad taint" is not a taint',
      'InstanceGroup/m spec.nodeLabels["a/b/c"]: node label a/b/c has more than one /',
      'InstanceGroup/m spec.cloudLabels["Name"]: Name is reserved for kops\'s own tags',
      'InstanceGroup/m spec.cloudLabels["kops.k8s.io/instancegroup"]: must be the instance group\'s name m',
    ]);
  });
});

describe('rolling update', () => {
  it('takes whole numbers >= 0 or percentages, never both zero, and never surges a control plane', () => {
    expect(withGroup(ig('r', 'Node', ['us-east-1a'], { rollingUpdate: { maxSurge: '150%', maxUnavailable: '0%' } }))).toEqual([]);
    expect(withGroup(ig('r', 'Node', ['us-east-1a'], { rollingUpdate: { maxSurge: 'lots', maxUnavailable: 1.5 } }))).toEqual([
      'InstanceGroup/r spec.rollingUpdate.maxSurge: "lots" is not a whole number >= 0 or a percentage such as "25%"',
      'InstanceGroup/r spec.rollingUpdate.maxUnavailable: 1.5 is not a whole number >= 0',
    ]);
    expect(withGroup(ig('r', 'Node', ['us-east-1a'], { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } }))).toEqual([
      'InstanceGroup/r spec.rollingUpdate.maxSurge: maxSurge and maxUnavailable cannot both be zero',
    ]);
    const cp = [ig('control-plane-us-east-1a', 'Master', ['us-east-1a'], { rollingUpdate: { maxSurge: 1 } })];
    expect(errorLines(validateCluster(userCluster(ZONES), cp))).toEqual(['InstanceGroup/control-plane-us-east-1a spec.rollingUpdate.maxSurge: control-plane instance groups cannot surge']);
  });
});
