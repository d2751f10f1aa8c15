/**
 * bootstrap.sh's control-plane part (docs/bootstrap.md), after the part every group shares
 * (src/bootstrap/node-scripts.ts), and the files only a control plane writes. A control plane
 *  1. fetches the cluster's shared key material (`CONTROL_PLANE_PKI_FILES`);
 *  2. attaches and mounts this member's etcd volume at /var/lib/etcd (the cloud's attacher and
 *     `etcdVolumeFunctions`; formatted only when blank);
 *  3. decides between `kubeadm init` (the first control-plane group, when no API server answers
 *     yet, or to restore the only member's data) and `kubeadm join` (`join_cp`: after removing the
 *     etcd members of control planes lost uncleanly, src/bootstrap/etcd-prune.ts, and bringing the
 *     cluster's kubeadm-config up to this group's ClusterConfiguration, src/bootstrap/kubeadm-upload.ts);
 *     every path uses kubeadm-init.yaml only when its first line names the cluster configuration
 *     digest its launch template does (`fetch_init`), and a restore then runs kubeadm-upload.sh's
 *     `restored` step (kube-proxy's removal when it is off);
 *  4. enables the unit whose stop at power-off (not at reboot) runs `kubeadm reset`, which removes
 *     this member from etcd (docs/security.md, "Node bootstrap");
 *  5. fetches the etcd backup program and the cloud's store helper and enables their 15-minute
 *     timer (src/bootstrap/etcd-backup.ts), best effort;
 *  6. applies the addons (`apply_addons`: addons.sh, src/bootstrap/addons-script.ts), checked
 *     against the sha256 its launch template names.
 */
import type { StateStoreLocation } from '../model/aws/iam-policies.js';
import {
  ADDONS_FILE, BOOTSTRAP_ENV_FILE, CONTROL_PLANE_PKI_FILES, ETCD_PRUNE_FILE, KUBEADM_INIT_FILE, KUBEADM_JOIN_FILE, KUBEADM_UPLOAD_FILE,
  type CloudBootstrap, type WriteFile,
} from './cloud-bootstrap.js';
import { ETCD_BACKUP_FILE, ETCD_BACKUP_STORE_FILE, ETCD_BACKUP_TIMER, etcdBackupDir, etcdBackupUnits } from './etcd-backup.js';
import { KUBELET_ETCD_MOUNT_DROPIN, KUBELET_ETCD_MOUNT_DROPIN_PATH } from './etcd-volume.js';
import { ETCD_DATA_DIR } from './kubeadm.js';
import { CLUSTER_CONFIG_LABEL, IDENTITY_FILE, UPLOAD_RUN_DIR } from './kubeadm-upload.js';

/** The first line of bootstrap.sh's control-plane part. */
const CONTROL_PLANE_PART = '# The control plane.';

/**
 * bootstrap.sh's control-plane part, with the cloud's etcd volume functions; it uses the shared
 * part's `die`, `fetch`, `wait_api`, `kubeadm_logged` and `$endpoint`.
 */
export function controlPlaneBody(cloud: CloudBootstrap): string {
  // The cloud's store variables (bootstrap.sh's own) that its reader in addons.sh uses.
  const storeEnv = Object.keys(cloud.storeVars).map((k) => ` ${k}="$${k}"`).join('');
  return `${CONTROL_PLANE_PART}
${cloud.etcdVolumeFunctions.replace(/^\n/, '')}
grep -q '^controlPlane:' "$CONFIG_DIR/${KUBEADM_JOIN_FILE}" ||
  die "the join configuration of a control-plane group has no controlPlane section"
for f in ${CONTROL_PLANE_PKI_FILES.join(' ')}; do
  fetch "$f" "/etc/kubernetes/$f"
  case "$f" in
    *.crt | *.pub) chmod 0644 "/etc/kubernetes/$f" ;;
  esac
done

# This member's etcd volume, mounted at ${ETCD_DATA_DIR} before kubeadm runs (docs/bootstrap.md).
fetch ${BOOTSTRAP_ENV_FILE} "$CONFIG_DIR/${BOOTSTRAP_ENV_FILE}"
# shellcheck source=/dev/null
members=$(. "$CONFIG_DIR/${BOOTSTRAP_ENV_FILE}" && printf '%s' "\${ETCD_MEMBERS:-}")
[ -n "$members" ] || die "${BOOTSTRAP_ENV_FILE} names no ETCD_MEMBERS for this control-plane group"
attached=$(${cloud.etcdAttachCommand}) ||
  die "cannot attach this control plane's etcd volume (members $members)"
read -r volume all_members <<<"$attached"
ETCD_VOLUME_USED=0
ETCD_VOLUME_DEV=
mount_etcd_volume "$volume"
printf '%s\\n' "$all_members" >/etc/kops-ts/etcd-members
IFS=, read -r -a everyone <<<"$all_members"

# prune_etcd_members: remove the members of control planes lost without leaving (etcd-prune.ts). Best effort.
prune_etcd_members() {
  (fetch ${ETCD_PRUNE_FILE} "$CONFIG_DIR/${ETCD_PRUNE_FILE}") &&
    python3 "$CONFIG_DIR/${ETCD_PRUNE_FILE}" ${cloud.controlPlaneAddressesCommand} ||
    echo "kops-ts: the etcd member cleanup failed; joining anyway" >&2
}

# fetch_init: ${KUBEADM_INIT_FILE}, only if its first line names the cluster configuration this instance was launched for.
fetch_init() {
  local want
  want=$(sed -n 's/^clusterConfig: //p' ${IDENTITY_FILE} 2>/dev/null || true)
  [ -n "$want" ] || die "${IDENTITY_FILE} names no clusterConfig digest"
  fetch ${KUBEADM_INIT_FILE} "$CONFIG_DIR/${KUBEADM_INIT_FILE}"
  [ "$(head -n 1 "$CONFIG_DIR/${KUBEADM_INIT_FILE}")" = "${CLUSTER_CONFIG_LABEL}$want" ] ||
    die "${KUBEADM_INIT_FILE} is not the one this instance was launched for"
}

# upload [restored]: kubeadm-upload.sh (kubeadm-upload.ts), before a join or after a restore.
upload() {
  fetch ${KUBEADM_UPLOAD_FILE} "$CONFIG_DIR/${KUBEADM_UPLOAD_FILE}"
  bash "$CONFIG_DIR/${KUBEADM_UPLOAD_FILE}" "$CONFIG_DIR/${KUBEADM_INIT_FILE}" "$KUBEADM_LOG" ${IDENTITY_FILE} ${UPLOAD_RUN_DIR} "$@" || exit 1
}

# join_cp: this group's ClusterConfiguration into the cluster, then join.
join_cp() {
  prune_etcd_members
  fetch_init
  upload
  kubeadm_logged join --config "$CONFIG_DIR/${KUBEADM_JOIN_FILE}" --ignore-preflight-errors="$KEEP_DIR"
}

# apply_addons: this group's addons.sh (addons-script.ts), checked against the sha256 this instance
# was launched with, run once this control plane's API server is up. Idempotent (server-side apply).
apply_addons() {
  local want
  want=$(sed -n 's/^addons: //p' ${IDENTITY_FILE} 2>/dev/null || true)
  [ -n "$want" ] || die "${IDENTITY_FILE} names no addons digest"
  fetch ${ADDONS_FILE} "$CONFIG_DIR/${ADDONS_FILE}"
  [ "$(sha256sum "$CONFIG_DIR/${ADDONS_FILE}" | cut -d ' ' -f 1)" = "$want" ] ||
    die "${ADDONS_FILE} is not the one this instance was launched for"
  STATE_BUCKET="$STATE_BUCKET" CLUSTER_DIR="\${IGCONFIG%/igconfig/*}"${storeEnv} bash "$CONFIG_DIR/${ADDONS_FILE}" || exit 1
}

# --ignore-preflight-errors: the mounted volume is never empty (lost+found); what it holds is decided here.
KEEP_DIR=DirAvailable--var-lib-etcd
if [ -d ${ETCD_DATA_DIR}/member ] && [ "\${#everyone[@]}" = 1 ]; then
  # The only member's data: the cluster. Restore it, whatever answers at the endpoint.
  [ "$INIT_CANDIDATE" = 1 ] || die "the etcd volume $volume holds the data of the cluster's only member, but this group is not the one that inits; refusing to join over it"
  echo "kops-ts: the etcd volume $volume holds the cluster's data; restoring it with kubeadm init"
  fetch_init
  kubeadm_logged init --config "$CONFIG_DIR/${KUBEADM_INIT_FILE}" --ignore-preflight-errors="$KEEP_DIR"
  set_peer_url
  upload restored
elif [ -d ${ETCD_DATA_DIR}/member ]; then
  # A member of several: its data is a removed member's. Never init over it; join once the API answers.
  wait_api "$endpoint" 90 || die "no API server answered at $endpoint for 15 minutes; the etcd volume $volume keeps its data"
  echo "kops-ts: the etcd volume $volume holds a former member's data; wiping it to join as a new member"
  rm -rf ${ETCD_DATA_DIR}/member
  join_cp
elif [ "$INIT_CANDIDATE" = 1 ] && [ "$ETCD_VOLUME_USED" = 1 ] && [ "\${#everyone[@]}" != 1 ]; then
  # A member was established on this volume (a clean leave empties it): the cluster exists. Never init another.
  wait_api "$endpoint" 90 ||
    die "no API server answered at $endpoint for 15 minutes; an etcd member was established on the volume $volume before, so this control plane does not start a new cluster"
  join_cp
elif [ "$INIT_CANDIDATE" = 1 ] && ! wait_api "$endpoint" 3; then
  # No API server answers and no data: this is the cluster's first control plane.
  fetch_init
  kubeadm_logged init --config "$CONFIG_DIR/${KUBEADM_INIT_FILE}" --ignore-preflight-errors="$KEEP_DIR"
else
  wait_api "$endpoint" 90 || die "no API server answered at $endpoint for 15 minutes"
  join_cp
fi
mark_etcd_volume_used
systemctl daemon-reload
systemctl enable --now kops-ts-etcd-leave.service
# etcd backups to the state store every 15 minutes (the leader's; src/bootstrap/etcd-backup.ts).
# Best effort: this control plane is up whatever happens here.
if (fetch ${ETCD_BACKUP_FILE} "$CONFIG_DIR/${ETCD_BACKUP_FILE}") && (fetch ${ETCD_BACKUP_STORE_FILE} "$CONFIG_DIR/${ETCD_BACKUP_STORE_FILE}"); then
  systemctl enable --now ${ETCD_BACKUP_TIMER} || echo "kops-ts: cannot start the etcd backup timer" >&2
else
  echo "kops-ts: cannot read the etcd backup program; this control plane takes no etcd backups" >&2
fi
# ${cloud.addonsComment}, by every control plane after its init or join (the API server is up):
# a new version in this group's addons.sh updates the cluster, the same one changes nothing. A
# failure stops the boot here, after the etcd member's own steps, without the done marker.
apply_addons
touch "$DONE"
`;
}

const ETCD_LEAVE_SCRIPT = `#!/bin/bash
# Stopped with the system: at power-off (an instance terminated or stopped; the autoscaling group
# replaces a stopped instance too) this control plane leaves etcd, so a dead member never counts
# against quorum. At reboot it stays a member.
set -uo pipefail

jobs=$(systemctl list-jobs --no-legend 2>/dev/null || true)
if grep -Eq '(reboot|kexec)\\.target[[:space:]]+start' <<<"$jobs"; then
  echo "kops-ts: rebooting; this control plane stays an etcd member"
  exit 0
fi
if ! grep -Eq '(poweroff|halt)\\.target[[:space:]]+start' <<<"$jobs"; then
  echo "kops-ts: not powering off; this control plane stays an etcd member"
  exit 0
fi
if [ ! -f /etc/kubernetes/manifests/etcd.yaml ]; then
  exit 0
fi
# The only member cannot leave, and kubeadm reset would then empty its data directory: the
# cluster's data on the etcd volume, which the replacement restores.
members=$(cat /etc/kops-ts/etcd-members 2>/dev/null || true)
if [ -n "$members" ] && [[ "$members" != *,* ]]; then
  echo "kops-ts: the cluster's only etcd member; it stays, with its data on the etcd volume"
  exit 0
fi
echo "kops-ts: powering off; removing this control plane's etcd member (kubeadm reset)"
timeout 150 kubeadm reset --force
`;

const ETCD_LEAVE_UNIT = `[Unit]
Description=kops-ts: leave etcd when this control plane powers off
Wants=network-online.target
After=network-online.target containerd.service kubelet.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
ExecStop=/opt/kops-ts/etcd-leave.sh
TimeoutStopSec=180

[Install]
WantedBy=multi-user.target
`;

/** The files a control plane writes besides install.sh and bootstrap.sh: the etcd-leave unit, the kubelet's etcd mount drop-in, the etcd backup units. */
export function controlPlaneFiles(cloud: CloudBootstrap, cluster: string, stateStore: StateStoreLocation | undefined): WriteFile[] {
  return [
    { path: '/opt/kops-ts/etcd-leave.sh', permissions: '0700', content: ETCD_LEAVE_SCRIPT },
    { path: '/etc/systemd/system/kops-ts-etcd-leave.service', permissions: '0644', content: ETCD_LEAVE_UNIT },
    { path: KUBELET_ETCD_MOUNT_DROPIN_PATH, permissions: '0644', content: KUBELET_ETCD_MOUNT_DROPIN },
    ...etcdBackupUnits(etcdBackupDir(stateStore?.prefix ?? '', cluster), cloud.etcdBackupStore(stateStore?.bucket ?? '')),
  ];
}
