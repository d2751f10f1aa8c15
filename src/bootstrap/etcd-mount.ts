/**
 * The cloud-neutral half of a control plane's etcd volume (docs/bootstrap.md): given the cloud's
 * `etcd_device VOLUME` shell function (which prints the block device of the attached volume once
 * it appears), `mount_etcd_volume` formats the volume only when it is blank (`blkid -p` exit 2:
 * no signature at all), refuses anything that holds something other than a filesystem, records it
 * in /etc/fstab by UUID (`nofail`) and mounts it at /var/lib/etcd; `mark_etcd_volume_used` labels
 * it once a member was established on it; `set_peer_url` points a restored single member at this
 * instance's peer URL.
 */
import { ETCD_DATA_DIR } from './kubeadm.js';

export const ETCD_LABEL_NEW = 'kops-etcd';
export const ETCD_LABEL_USED = 'kops-etcd-used';

/**
 * The shell functions, after `etcdDevice` (the cloud's `etcd_device`); `deviceWhere` says, in the
 * error when no device appears, where it was looked for (shell text inside double quotes).
 */
export function etcdMountFunctions(etcdDevice: string, deviceWhere: string): string {
  return `${etcdDevice}mount_etcd_volume() {
  local dev fstype uuid label rc=0
  dev=$(etcd_device "$1") ||
    die "the etcd volume $1 is attached but no block device appeared (${deviceWhere})"
  ETCD_VOLUME_DEV=$dev
  # blkid -p exits 2 when it finds no signature at all: only then is the volume blank.
  fstype=$(blkid -p -o value -s TYPE "$dev") || rc=$?
  if [ "$rc" = 2 ]; then
    echo "kops-ts: the etcd volume $1 ($dev) is blank; formatting it ext4"
    mkfs.ext4 -q -L ${ETCD_LABEL_NEW} "$dev" || die "cannot format the etcd volume $1 ($dev)"
    fstype=ext4
  elif [ "$rc" != 0 ]; then
    die "cannot read what the etcd volume $1 ($dev) holds (blkid exit $rc); not formatting it"
  elif [ -z "$fstype" ]; then
    die "the etcd volume $1 ($dev) holds something other than a filesystem; refusing to format it"
  fi
  label=$(blkid -p -o value -s LABEL "$dev" || true)
  if [ "$label" = ${ETCD_LABEL_USED} ] || [ "$fstype" != ext4 ]; then ETCD_VOLUME_USED=1; fi
  if mountpoint -q ${ETCD_DATA_DIR}; then
    echo "kops-ts: ${ETCD_DATA_DIR} is already mounted"
    return 0
  fi
  uuid=$(blkid -p -o value -s UUID "$dev" || true)
  [ -n "$uuid" ] || die "the filesystem of the etcd volume $1 ($dev) has no UUID to record in /etc/fstab"
  install -d -m 0700 ${ETCD_DATA_DIR}
  grep -v '[[:space:]]${ETCD_DATA_DIR}[[:space:]]' /etc/fstab >/etc/fstab.kops-ts || true
  echo "UUID=$uuid ${ETCD_DATA_DIR} $fstype defaults,nofail 0 2" >>/etc/fstab.kops-ts
  mv /etc/fstab.kops-ts /etc/fstab
  mount ${ETCD_DATA_DIR} || die "cannot mount the etcd volume $1 ($dev) at ${ETCD_DATA_DIR}"
  chmod 0700 ${ETCD_DATA_DIR}
}

mark_etcd_volume_used() {
  if [ "$ETCD_VOLUME_USED" = 0 ]; then
    e2label "$ETCD_VOLUME_DEV" ${ETCD_LABEL_USED} ||
      echo "kops-ts: warning: cannot label the etcd volume $ETCD_VOLUME_DEV as used" >&2
  fi
}

set_peer_url() {
  local peer cid line why=
  peer=$(sed -n 's/^[[:space:]]*- --initial-advertise-peer-urls=//p' /etc/kubernetes/manifests/etcd.yaml | head -n 1) || true
  cid=$(crictl --runtime-endpoint unix:///run/containerd/containerd.sock ps -q --name '^etcd$' | head -n 1) || true
  etcdctl_in() {
    crictl --runtime-endpoint unix:///run/containerd/containerd.sock exec "$cid" etcdctl \\
      --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt \\
      --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key "$@"
  }
  if [ -z "$peer" ]; then
    why="kubeadm's etcd manifest names no --initial-advertise-peer-urls"
  elif [ -z "$cid" ]; then
    why="no running etcd container"
  elif ! line=$(etcdctl_in member list -w simple); then
    why="etcdctl member list failed"
  elif [ "$(grep -c . <<<"$line")" != 1 ]; then
    why="the restored etcd has more than one member"
  elif ! etcdctl_in member update "\${line%%,*}" --peer-urls="$peer" >/dev/null; then
    why="etcdctl member update failed"
  fi
  if [ -n "$why" ]; then
    # The cluster runs with its data; only the next member's join needs the new URL.
    echo "kops-ts: warning: the restored etcd member still advertises the replaced instance's peer URL ($why); set it with etcdctl member update before another control plane joins" >&2
    return 0
  fi
  echo "kops-ts: the restored etcd member now advertises $peer"
}
`;
}
