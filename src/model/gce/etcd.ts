/**
 * etcd disks (kops's MasterVolumeBuilder, GCE): one persistent disk per member of the etcd cluster
 * kops-ts runs (`main`: no disks for kops's `events`, as on AWS, src/model/aws/etcd.ts), in the zone of the member's control-plane group, `pd-ssd` of 20 GB unless the member says
 * otherwise, labelled so that the control plane finds and attaches its own
 * (`k8s-io-etcd-<etcd cluster>`, `k8s-io-role-master`, the ownership label).
 */
import { KopsError } from '../../diagnostics.js';
import { GCE_KINDS, type GceDiskDesired } from '../../tasks/gce/types.js';
import { DEFAULT_ETCD_VOLUME, STACKED_ETCD_CLUSTER } from '../defaults.js';
import type { GceModelContext } from './context.js';
import { etcdDiskLabels } from './labels.js';
import { etcdDiskName } from './names.js';

export function buildEtcdDisks(m: GceModelContext): void {
  (m.cluster.spec.etcdClusters ?? []).forEach((etcd, i) => {
    if (etcd.name !== STACKED_ETCD_CLUSTER) return;
    (etcd.etcdMembers ?? []).forEach((member, j) => {
      // From the whole spec: with `--instance-group nodes` the control-plane groups are not selected.
      const ig = m.instanceGroups.find((g) => g.metadata.name === member.instanceGroup);
      const zone = ig?.spec.zones?.[0];
      if (!zone) {
        throw new KopsError('MissingZones', `spec.etcdClusters[${i}].etcdMembers[${j}]: member ${member.name} of etcd ${etcd.name} has no zone: its instance group ${JSON.stringify(member.instanceGroup ?? '')} ${ig ? 'lists no zones' : 'does not exist'}`, {
          hint: 'name a control-plane instance group that lists its zone',
        });
      }
      const name = etcdDiskName(member.name, etcd.name, m.name);
      m.add<GceDiskDesired>({
        kind: GCE_KINDS.disk,
        name,
        desired: {
          name,
          zone,
          sizeGb: member.volumeSize ?? DEFAULT_ETCD_VOLUME.size,
          type: member.volumeType ?? DEFAULT_ETCD_VOLUME.gceType,
          labels: etcdDiskLabels(m.name, etcd.name, member.name),
        },
      });
    });
  });
}
