/**
 * Validation of etcd clusters against the control-plane instance groups: every control-plane group
 * holds exactly one member of every etcd cluster, member counts are odd (quorum), and (against the
 * last applied spec) clusters are not removed nor members moved, since their data lives on volumes
 * tied to the member.
 */
import semver from 'semver';
import { normalizeRole, type ClusterSpec, type EtcdClusterSpec, type InstanceGroup } from './api/types.js';
import { STACKED_ETCD_CLUSTER } from './defaults.js';
import type { Reporter } from './validation-util.js';

const ETCD_CLUSTER_NAMES = ['main', 'events', 'cilium', 'leases'];
const AWS_ETCD_VOLUME_TYPES = ['gp3', 'gp2', 'io1', 'io2', 'st1', 'sc1', 'standard'];

/** The zone an instance group runs in: its first subnet's zone (AWS), or its first zone (GCE). */
export function zoneOfInstanceGroup(ig: InstanceGroup, spec: ClusterSpec): string | undefined {
  const subnet = ig.spec.subnets?.[0];
  return spec.subnets?.find((s) => s.name === subnet)?.zone ?? ig.spec.zones?.[0] ?? undefined;
}

export function validateEtcd(r: Reporter, spec: ClusterSpec, igs: readonly InstanceGroup[], cloud: string | undefined, previous?: ClusterSpec): void {
  const controlPlanes = igs.filter((ig) => normalizeRole(ig.spec.role) === 'ControlPlane');
  const clusters = spec.etcdClusters ?? [];
  if (clusters.length === 0) {
    r.err('MissingEtcd', 'spec.etcdClusters', 'no etcd clusters are defined', 'define main with one member per control-plane instance group (completion does when there are control-plane groups)');
    return;
  }
  const seen = new Set<string>();
  clusters.forEach((etcd, i) => {
    const p = `spec.etcdClusters[${i}]`;
    if (!ETCD_CLUSTER_NAMES.includes(etcd.name)) r.err('InvalidEtcdCluster', `${p}.name`, `${JSON.stringify(etcd.name)} is not an etcd cluster kops knows`, 'use main or events');
    else if (seen.has(etcd.name)) r.err('DuplicateName', `${p}.name`, `etcd cluster ${etcd.name} is defined twice`, 'define each etcd cluster once');
    seen.add(etcd.name);
    if (etcd.provider != null && etcd.provider !== 'Manager') r.err('InvalidEtcdCluster', `${p}.provider`, `provider ${etcd.provider} is not supported`, 'use Manager, or leave it unset');
    checkEtcdVersion(r, p, etcd, clusters[0]!);
    validateMembers(r, p, etcd, spec, controlPlanes, cloud);
  });
  if (!seen.has(STACKED_ETCD_CLUSTER)) {
    r.err('MissingEtcd', 'spec.etcdClusters', `no etcd cluster is named ${STACKED_ETCD_CLUSTER}: kops-ts runs one etcd, kubeadm's stacked etcd, as ${STACKED_ETCD_CLUSTER} (it keeps the events too; events, cilium and leases get no volumes)`, `add ${STACKED_ETCD_CLUSTER} with one member per control-plane instance group`);
  }
  if (previous) validateEtcdUpdate(r, clusters, previous.etcdClusters ?? []);
}

function checkEtcdVersion(r: Reporter, p: string, etcd: EtcdClusterSpec, first: EtcdClusterSpec): void {
  if (etcd.version == null) return;
  const v = semver.parse(String(etcd.version).replace(/^v/, ''));
  if (!v) r.err('InvalidEtcdVersion', `${p}.version`, `${JSON.stringify(etcd.version)} is not an etcd version`, 'use a version such as 3.6.12, or leave it unset');
  else if (v.major !== 3) r.err('InvalidEtcdVersion', `${p}.version`, `etcd ${etcd.version} is not supported: only major version 3 is`, 'use 3.x, or leave it unset');
  else if (first.version != null && etcd.version !== first.version) {
    r.err('InvalidEtcdVersion', `${p}.version`, `etcd cluster ${etcd.name} runs ${etcd.version} but ${first.name} runs ${first.version}`, 'all etcd clusters must run the same version');
  }
}

function validateMembers(r: Reporter, p: string, etcd: EtcdClusterSpec, spec: ClusterSpec, controlPlanes: readonly InstanceGroup[], cloud: string | undefined): void {
  const members = etcd.etcdMembers ?? [];
  if (members.length === 0) {
    r.err('InvalidEtcdMembers', `${p}.etcdMembers`, `etcd cluster ${etcd.name} has no members`, 'add one member per control-plane instance group');
  } else if (members.length % 2 === 0) {
    r.err('InvalidEtcdMembers', `${p}.etcdMembers`, `etcd cluster ${etcd.name} has ${members.length} members; quorum needs an odd number`, 'use 1, 3 or 5 control-plane instance groups, each with one member');
  }
  const cpNames = new Set(controlPlanes.map((ig) => ig.metadata.name));
  const names = new Set<string>();
  const byGroup = new Map<string, string>();
  const byZone = new Map<string, string>();
  members.forEach((m, j) => {
    const mp = `${p}.etcdMembers[${j}]`;
    if (names.has(m.name)) r.err('DuplicateName', `${mp}.name`, `member ${m.name} appears twice in etcd cluster ${etcd.name}`, 'give each member its own name');
    names.add(m.name);
    checkMemberVolume(r, mp, m, cloud);
    const group = m.instanceGroup;
    if (group == null || !cpNames.has(group)) {
      const known = [...cpNames].join(', ') || '(none defined)';
      r.err('InvalidEtcdMember', `${mp}.instanceGroup`, `${JSON.stringify(group ?? null)} is not a control-plane instance group`, `name one of: ${known}`);
      return;
    }
    const other = byGroup.get(group);
    if (other !== undefined) r.err('InvalidEtcdMember', `${mp}.instanceGroup`, `instance group ${group} already holds member ${other} of etcd cluster ${etcd.name}`, 'use one member per control-plane instance group');
    byGroup.set(group, m.name);
    const zone = zoneOfInstanceGroup(controlPlanes.find((ig) => ig.metadata.name === group)!, spec);
    const sameZone = zone === undefined ? undefined : byZone.get(zone);
    if (sameZone !== undefined) {
      r.warn('EtcdMembersSameZone', `${mp}.instanceGroup`, `members ${sameZone} and ${m.name} of etcd cluster ${etcd.name} are both in ${zone}`, 'losing that zone loses quorum; for HA put each member in its own zone');
    }
    if (zone !== undefined) byZone.set(zone, m.name);
  });
  for (const cp of cpNames) {
    if (!byGroup.has(cp)) r.err('MissingEtcdMember', `${p}.etcdMembers`, `control-plane instance group ${cp} has no member in etcd cluster ${etcd.name}`, `add a member with instanceGroup: ${cp}`);
  }
}

function checkMemberVolume(r: Reporter, mp: string, m: EtcdClusterSpec['etcdMembers'][number], cloud: string | undefined): void {
  if (cloud === 'aws' && m.volumeType != null && !AWS_ETCD_VOLUME_TYPES.includes(m.volumeType)) {
    r.err('InvalidVolume', `${mp}.volumeType`, `${m.volumeType} is not an EBS volume type`, `use one of ${AWS_ETCD_VOLUME_TYPES.join(', ')}`);
  }
  if (m.volumeSize != null && m.volumeSize <= 0) r.err('InvalidVolume', `${mp}.volumeSize`, `volume size ${m.volumeSize} must be greater than 0`);
  if (m.volumeIops != null && m.volumeIops < 0) r.err('InvalidVolume', `${mp}.volumeIops`, `volume IOPS ${m.volumeIops} cannot be negative`);
  if (m.volumeThroughput != null && m.volumeThroughput < 0) r.err('InvalidVolume', `${mp}.volumeThroughput`, `volume throughput ${m.volumeThroughput} cannot be negative`);
}

/** kops's ValidateClusterUpdate: an etcd cluster stays, and a member stays on its instance group. */
function validateEtcdUpdate(r: Reporter, clusters: readonly EtcdClusterSpec[], before: readonly EtcdClusterSpec[]): void {
  for (const old of before) {
    const now = clusters.find((c) => c.name === old.name);
    // Only main holds data (kops-ts makes no volumes for events, cilium or leases): those may go.
    if (!now && old.name !== STACKED_ETCD_CLUSTER) continue;
    if (!now) {
      r.err('EtcdClusterRemoved', 'spec.etcdClusters', `etcd cluster ${old.name} was removed`, 'etcd clusters cannot be removed; put it back');
      continue;
    }
    const i = clusters.indexOf(now);
    now.etcdMembers?.forEach((m, j) => {
      const was = old.etcdMembers?.find((o) => o.name === m.name);
      if (was && was.instanceGroup != null && was.instanceGroup !== m.instanceGroup) {
        r.err('EtcdMemberMoved', `spec.etcdClusters[${i}].etcdMembers[${j}].instanceGroup`, `member ${m.name} moved from ${was.instanceGroup} to ${m.instanceGroup ?? '(none)'}`, 'a member cannot change instance group: its data is on volumes tied to it');
      }
    });
  }
}
