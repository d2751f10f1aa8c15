/**
 * etcd volumes (kops's MasterVolumeBuilder): one EBS volume per member of the etcd cluster kops-ts
 * runs (`main`, kubeadm's stacked etcd), in the zone of the member's control-plane group, tagged
 * `k8s.io/etcd/main=<member>/<all members>` so that the control plane finds and attaches its own.
 * kops also makes volumes for `events`; kops-ts runs no events etcd (the stacked etcd keeps the
 * events), so such volumes would never be attached.
 */
import { STACKED_ETCD_CLUSTER } from '../defaults.js';
import { zoneOfInstanceGroup } from '../validation-etcd.js';
import type { AwsModelContext } from './context.js';
import { etcdVolumeName } from './names.js';

export function buildEtcdVolumes(m: AwsModelContext): void {
  for (const etcd of m.cluster.spec.etcdClusters ?? []) {
    if (etcd.name !== STACKED_ETCD_CLUSTER) continue;
    const members = etcd.etcdMembers ?? [];
    const all = members.map((x) => x.name).join(',');
    for (const member of members) {
      // From the whole spec: with `--instance-group nodes` the control-plane groups are not selected.
      const ig = m.instanceGroups.find((g) => g.metadata.name === member.instanceGroup);
      const zone = ig ? zoneOfInstanceGroup(ig, m.cluster.spec) : undefined;
      const name = etcdVolumeName(member.name, etcd.name, m.name);
      m.add({
        kind: 'EBSVolume',
        name,
        desired: {
          availabilityZone: zone ?? '',
          // The spec is completed: size and type are set (kops: 20 GiB gp3).
          ...(member.volumeSize !== undefined ? { sizeGb: member.volumeSize } : {}),
          ...(member.volumeType !== undefined ? { volumeType: member.volumeType } : {}),
          ...(member.volumeIops !== undefined ? { iops: member.volumeIops } : {}),
          ...(member.volumeThroughput !== undefined ? { throughput: member.volumeThroughput } : {}),
          encrypted: member.encryptedVolume ?? true,
          ...(member.kmsKeyId ? { kmsKeyId: member.kmsKeyId } : {}),
          tags: m.tags(name, { [`k8s.io/etcd/${etcd.name}`]: `${member.name}/${all}`, 'k8s.io/role/control-plane': '1', 'k8s.io/role/master': '1' }),
        },
      });
    }
  }
}
