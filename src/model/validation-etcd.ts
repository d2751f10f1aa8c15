/** Validation of etcd clusters against the control-plane instance groups. */
import { normalizeRole, type ClusterSpec, type InstanceGroup } from './api/types.js';
import type { Reporter } from './validation-util.js';

/** The zone an instance group runs in (its first subnet's zone). */
export function zoneOfInstanceGroup(ig: InstanceGroup, spec: ClusterSpec): string | undefined {
  const subnet = ig.spec.subnets?.[0];
  return spec.subnets?.find((s) => s.name === subnet)?.zone ?? ig.spec.zones?.[0];
}

export function validateEtcd(r: Reporter, spec: ClusterSpec, igs: readonly InstanceGroup[]): void {
  const controlPlanes = igs.filter((ig) => normalizeRole(ig.spec.role) === 'ControlPlane');
  const cpNames = new Set(controlPlanes.map((ig) => ig.metadata.name));
  const clusters = spec.etcdClusters ?? [];
  if (clusters.length === 0) {
    r.err('MissingEtcd', 'spec.etcdClusters', 'no etcd clusters are defined', 'define main and events (create cluster does)');
    return;
  }
  const seen = new Set<string>();
  clusters.forEach((etcd, i) => {
    const p = `spec.etcdClusters[${i}]`;
    if (seen.has(etcd.name)) r.err('DuplicateEtcdCluster', `${p}.name`, `etcd cluster ${etcd.name} is defined twice`);
    seen.add(etcd.name);
    const members = etcd.etcdMembers ?? [];
    if (members.length === 0) {
      r.err('InvalidEtcdMembers', `${p}.etcdMembers`, `etcd cluster ${etcd.name} has no members`, 'add one member per control-plane instance group');
      return;
    }
    if (members.length % 2 === 0) {
      r.err('InvalidEtcdMembers', `${p}.etcdMembers`, `etcd cluster ${etcd.name} has ${members.length} members; an even count adds no fault tolerance`, 'use an odd number of members (1, 3 or 5)');
    }
    const names = new Set<string>();
    const used = new Map<string, number>();
    const zones = new Map<string, number>();
    members.forEach((m, j) => {
      const mp = `${p}.etcdMembers[${j}]`;
      if (names.has(m.name)) r.err('DuplicateEtcdMember', `${mp}.name`, `member name ${m.name} is used twice in etcd cluster ${etcd.name}`);
      names.add(m.name);
      if (!m.instanceGroup || !cpNames.has(m.instanceGroup)) {
        r.err('InvalidEtcdMember', `${mp}.instanceGroup`, `${JSON.stringify(m.instanceGroup ?? '')} is not a control-plane instance group`, `name one of: ${[...cpNames].join(', ') || '(none defined)'}`);
        return;
      }
      const prev = used.get(m.instanceGroup);
      if (prev !== undefined) r.err('InvalidEtcdMember', `${mp}.instanceGroup`, `instance group ${m.instanceGroup} already holds member ${members[prev]!.name}`, 'use one member per control-plane instance group');
      used.set(m.instanceGroup, j);
      const ig = controlPlanes.find((c) => c.metadata.name === m.instanceGroup)!;
      const zone = zoneOfInstanceGroup(ig, spec);
      if (zone && members.length > 1) {
        const other = zones.get(zone);
        if (other !== undefined) r.err('EtcdMembersSameZone', `${mp}.instanceGroup`, `members ${members[other]!.name} and ${m.name} are both in ${zone}`, 'for HA, put each member in a different zone');
        zones.set(zone, j);
      }
    });
    for (const cp of cpNames) {
      if (!used.has(cp)) r.err('MissingEtcdMember', `${p}.etcdMembers`, `control-plane instance group ${cp} has no member in etcd cluster ${etcd.name}`, 'add a member for it');
    }
  });
}
