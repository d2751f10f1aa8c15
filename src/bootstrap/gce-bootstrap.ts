/**
 * GCE's parts of the node bootstrap (docs/bootstrap.md, "On GCE"): the `gs://` state store is read
 * with the instance's service-account token from the metadata server (`gcsget.py`), and a control
 * plane attaches its etcd persistent disk itself with the Compute API (`gcedisk.py`; kops leaves
 * this to etcd-manager, which kops-ts does not run), which then appears as
 * `/dev/disk/by-id/google-<disk name>` (the device name it asks for is the disk's name).
 */
import type { CloudBootstrap } from './cloud-bootstrap.js';
import { ETCD_BACKUP_STORE_PATH } from './etcd-backup.js';
import { etcdMountFunctions } from './etcd-mount.js';
import { gceControlPlanesCommand, GCE_CONTROL_PLANES_PATH, GCE_CONTROL_PLANES_PY } from './gce-control-planes.js';
import { GCE_DISK_PATH, GCE_DISK_PY, GCS_FETCH_PATH, GCS_FETCH_PY } from './gce-helpers.js';

/** Where a disk attached with device name NAME appears (the guest environment's udev rules). */
export const GCE_DISK_BY_ID = '/dev/disk/by-id/google-';

const GCE_ETCD_DEVICE = `
# etcd_device DISK: the block device of the attached disk, once it appears (2 minutes at most).
etcd_device() {
  local i dev="${GCE_DISK_BY_ID}$1"
  for ((i = 0; i < 60; i++)); do
    if [ -e "$dev" ]; then
      readlink -f "$dev"
      return 0
    fi
    sleep 2
  done
  return 1
}

`;

/** `clusterLabel`: the value of the cluster's `k8s-io-cluster-name` label on its disks. */
export function gceCloudBootstrap(clusterLabel: string): CloudBootstrap {
  return {
    storeScheme: 'gs://',
    credentials: "the instance's service account",
    noStoreMessage: 'the state store is not a gs:// bucket, so this instance cannot read its bootstrap files; use a gs:// state store',
    fetchCommand: (key, dest) => `python3 ${GCS_FETCH_PATH} "$STATE_BUCKET" ${key} ${dest}`,
    etcdAttachCommand: `python3 ${GCE_DISK_PATH} "$CLUSTER_LABEL" "$members"`,
    // The cluster's control planes by their labels (gcecp.py), for the etcd member cleanup.
    controlPlaneAddressesCommand: gceControlPlanesCommand,
    // gce-helpers.ts GCS_STORE_PY: GCS with the service account's token, for the etcd backups.
    etcdBackupStore: (bucket) => ['/usr/bin/python3', ETCD_BACKUP_STORE_PATH, bucket],
    etcdVolumeFunctions: etcdMountFunctions(GCE_ETCD_DEVICE, `${GCE_DISK_BY_ID}$1`),
    addonsComment: 'The CNI and the GCE cloud controller',
    addonsWhat: 'CNI, GCE cloud controller',
    storeVars: {},
    etcdVars: () => ({ CLUSTER_LABEL: clusterLabel }),
    helperFiles: (role) => [
      { path: GCS_FETCH_PATH, permissions: '0755', content: GCS_FETCH_PY },
      ...(role === 'control-plane'
        ? [
            { path: GCE_DISK_PATH, permissions: '0755', content: GCE_DISK_PY },
            { path: GCE_CONTROL_PLANES_PATH, permissions: '0755', content: GCE_CONTROL_PLANES_PY },
          ]
        : []),
    ],
  };
}
