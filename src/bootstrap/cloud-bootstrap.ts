/**
 * What every cloud's node bootstrap shares (docs/bootstrap.md): the files a group fetches from the
 * state store, their layout, and the "cloud bootstrap" interface through which the cloud-neutral
 * scripts (src/bootstrap/node-scripts.ts: packages, containerd, a worker's join;
 * src/bootstrap/control-plane-script.ts: kubeadm init/join/restore, the etcd-leave unit;
 * src/bootstrap/addons-script.ts) reach the cloud-specific parts: how the state
 * store is read, how the etcd data disk is found, attached and mounted, and which helper programs
 * the instance needs for that. AWS's is in src/bootstrap/user-data.ts, GCE's in
 * src/bootstrap/gce-bootstrap.ts.
 */
/** The role directory under `igconfig/` (kops's layout). */
export type BootstrapRole = 'control-plane' | 'node';

/**
 * containerd from Ubuntu 24.04's archive, at this upstream series (apt installs the newest 1.7
 * version the archive offers): noble's release pocket, which never changes, has one, so the pin
 * always resolves. The package is held so unattended upgrades never move it under a running kubelet.
 */
export const CONTAINERD_PACKAGE_VERSION = '1.7.*';

export const KUBEADM_INIT_FILE = 'kubeadm-init.yaml';
/** The group's settings (src/bootstrap/kubeadm.ts): the first control plane reads the addons' paths from it. */
export const BOOTSTRAP_ENV_FILE = 'bootstrap.env';

/**
 * helm, to render the addons shipped as charts (cilium, the AWS cloud controller), from Helm's
 * release downloads (`https://get.helm.sh/helm-v<version>-linux-<arch>.tar.gz`). addons.sh checks
 * the tarball against the digest of the instance's architecture before extracting it; an
 * architecture without one is governed by ADDONS_ALLOW_UNPINNED, as an unpinned addon is.
 */
export const HELM_VERSION = '3.17.3';
/** sha256 of helm's release tarball per Debian architecture. */
export const HELM_SHA256: Readonly<Partial<Record<'amd64' | 'arm64', string>>> = {
  // kubernetes-sigs/kubespray, roles/kubespray_defaults/vars/main/checksums.yml (helm_archive_checksums, 3.17.3).
  amd64: 'ee88b3c851ae6466a3de507f7be73fe94d54cbf2987cbaa3d1a3832ea331f2cd',
  arm64: '7944e3defd386c76fd92d9e6fec5c2d65a323f6fadc19bfb5e704e3eee10348e',
};
export const KUBEADM_JOIN_FILE = 'kubeadm-join.yaml';

/**
 * The shared control-plane key material, as kubeadm names it under /etc/kubernetes/: with these
 * in place `kubeadm init` uses the cluster's CAs instead of making new ones, and `kubeadm join`
 * of a control plane needs no `--certificate-key` (whose uploaded certificates expire in two hours).
 */
export const CONTROL_PLANE_PKI_FILES: readonly string[] = [
  'pki/ca.crt', 'pki/ca.key',
  'pki/etcd/ca.crt', 'pki/etcd/ca.key',
  'pki/front-proxy-ca.crt', 'pki/front-proxy-ca.key',
  'pki/sa.key', 'pki/sa.pub',
];

/**
 * The etcd member cleanup a control plane runs before joining (src/bootstrap/etcd-prune.ts), read
 * from its group's igconfig rather than carried in the user data: AWS's user data is 16 KB at most,
 * gzip included, and the instance group's additionalUserData shares it.
 */
export const ETCD_PRUNE_FILE = 'etcd-prune.py';
/** What a control plane runs before joining, read from its igconfig like etcd-prune.py (src/bootstrap/kubeadm-upload.ts). */
export const KUBEADM_UPLOAD_FILE = 'kubeadm-upload.sh';

/**
 * The addons a control plane applies after its init or join (src/bootstrap/addons-script.ts), read
 * from its igconfig and checked against the sha256 its launch template carries.
 */
export const ADDONS_FILE = 'addons.sh';

/** Where bootstrap.sh puts the group's igconfig files on the instance. */
export const CONFIG_DIR = '/etc/kops-ts/igconfig';
/**
 * The group's kubelet settings (src/bootstrap/kubelet-config.ts), stored as KUBELET_PATCH_FILE and
 * put by bootstrap.sh in PATCHES_DIR as KUBELET_PATCH_NAME: kubeadm's patch file naming,
 * `target[suffix][+patchtype].extension` (a `+` the store's key does not need to carry).
 */
export const KUBELET_PATCH_FILE = 'kubelet-patch.yaml';
export const PATCHES_DIR = `${CONFIG_DIR}/patches`;
export const KUBELET_PATCH_NAME = 'kubeletconfiguration+merge.yaml';
/** The etcd backup program and the cloud's store helper (src/bootstrap/etcd-backup.ts), fetched like etcd-prune.py. */
export const ETCD_BACKUP_FILE = 'etcd-backup.py';
export const ETCD_BACKUP_STORE_FILE = 'etcd-backup-store.py';
export const ETCD_BACKUP_FILES: readonly string[] = [ETCD_BACKUP_FILE, ETCD_BACKUP_STORE_FILE];

/** The files an instance of a group fetches from `<cluster>/igconfig/<role>/<ig>/`. */
export function bootstrapFiles(role: BootstrapRole, _initCandidate: boolean): string[] {
  if (role === 'node') return [KUBEADM_JOIN_FILE, KUBELET_PATCH_FILE];
  // Every control plane reads kubeadm-init.yaml: the init group to init, any group before it joins (kubeadm-upload.ts).
  return [KUBEADM_INIT_FILE, KUBEADM_JOIN_FILE, KUBELET_PATCH_FILE, ...CONTROL_PLANE_PKI_FILES, ETCD_PRUNE_FILE, KUBEADM_UPLOAD_FILE, ...ETCD_BACKUP_FILES, ADDONS_FILE];
}

/** `<cluster>/igconfig/<role>/<ig>`: the group's directory, relative to the state store's root. */
export function igconfigDir(cluster: string, role: BootstrapRole, instanceGroup: string): string {
  return `${cluster}/igconfig/${role}/${instanceGroup}`;
}

/** A file the instance writes before its scripts run. */
export interface WriteFile {
  readonly path: string;
  readonly permissions: string;
  readonly content: string;
}

/** The cloud-specific parts of a node's bootstrap. Shell snippets are bash, run under `set -euo pipefail`. */
export interface CloudBootstrap {
  /** `s3://` or `gs://`: how messages name a state-store object. */
  readonly storeScheme: string;
  /** What reads the store, for comments: `the instance role`. */
  readonly credentials: string;
  /** The error when the cluster's state store is not one instances of this cloud can read. */
  readonly noStoreMessage: string;
  /** The command that copies the store object KEY (relative to `$STATE_BUCKET`) to DEST (mode 0600); both are shell words. */
  fetchCommand(key: string, dest: string): string;
  /** The command printing `<volume> <all members>` once this control plane's etcd volume is attached (`$members`: its group's members). */
  readonly etcdAttachCommand: string;
  /**
   * Shell words (expanded by bootstrap.sh, which passes them to etcd-prune.py as its arguments) of a
   * command printing the private IPv4 address of every existing control-plane instance of this
   * cluster, one a line, and failing when it cannot list them (src/bootstrap/etcd-prune.ts).
   */
  readonly controlPlaneAddressesCommand: string;
  /**
   * The command (argv; for a systemd ExecStart) of the cloud's store helper for the etcd backups,
   * to which etcd-backup.py appends `put KEY FILE`, `list PREFIX` or `delete KEY VERSION`
   * (src/bootstrap/etcd-backup.ts). `bucket`: the state store's bucket.
   */
  etcdBackupStore(bucket: string): readonly string[];
  /** Shell functions `mount_etcd_volume VOLUME`, `mark_etcd_volume_used` and `set_peer_url` (src/bootstrap/etcd-mount.ts). */
  readonly etcdVolumeFunctions: string;
  /** bootstrap.sh's comment on the addons it applies. */
  readonly addonsComment: string;
  /** addons.sh's header comment: what it applies. */
  readonly addonsWhat: string;
  /** Variables of bootstrap.sh and addons.sh placed after ROLE/INIT_CANDIDATE and after CLUSTER_DIR (e.g. AWS's REGION). */
  readonly storeVars: Readonly<Record<string, string>>;
  /** Variables of a control plane's bootstrap.sh that its attacher needs (e.g. AWS's CLUSTER and ETCD_DEVICE). */
  etcdVars(cluster: string): Readonly<Record<string, string>>;
  /** The helper programs, written before install.sh (a control plane's include its etcd-volume attacher). */
  helperFiles(role: BootstrapRole): WriteFile[];
}
