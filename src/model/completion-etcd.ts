/**
 * Completion of etcd: the `main` cluster when none is given (kops writes `main` and `events`;
 * kops-ts runs only `main`, kubeadm's stacked etcd, which keeps the events too), and the defaults
 * kops fills into every cluster and member.
 */
import {
  DEFAULT_ETCD_BACKUP_RETENTION_DAYS,
  DEFAULT_ETCD_PROVIDER,
  DEFAULT_ETCD_MAIN_REQUESTS,
  DEFAULT_ETCD_OTHER_REQUESTS,
  DEFAULT_ETCD_VOLUME,
  STACKED_ETCD_CLUSTER,
  defaultEtcdVersion,
} from './defaults.js';
import { parseKubernetesVersion } from './kubernetes-version.js';
import { normalizeRole, type ClusterSpec, type EtcdClusterSpec, type EtcdMemberSpec, type InstanceGroup } from './api/types.js';

/**
 * kops's trimCommonPrefix: drop the first character while all names share it (and are longer
 * than one character); a name left starting with a digit gets an `etcd-` prefix.
 */
export function trimCommonPrefix(names: readonly string[]): string[] {
  let out = [...names];
  while (out.length > 0 && out[0]!.length > 1) {
    const prefix = out[0]![0]!;
    if (!out.every((n) => n.startsWith(prefix))) break;
    out = out.map((n) => n.slice(1));
  }
  return out.map((n) => (/^\d/.test(n) ? `etcd-${n}` : n));
}

/**
 * kops's member names (new_cluster.go `createEtcdCluster`): the control-plane IG names without
 * their `control-plane-`/`master-` prefix, with the leading characters they all share trimmed
 * (`control-plane-us-east-1a`, `-1b`, `-1c` give `a`, `b`, `c`), and `etcd-` before a name that
 * would start with a digit. Returns `[member name, instance group name]` pairs in IG order.
 */
export function memberNames(controlPlanes: readonly InstanceGroup[]): [string, string][] {
  const names = trimCommonPrefix(controlPlanes.map((ig) => ig.metadata.name.replace(/^control-plane-/, '').replace(/^master-/, '')));
  return names.map((n, i) => [n, controlPlanes[i]!.metadata.name]);
}

export interface EtcdClusterOptions {
  /** The etcd clusters, `main` first (kops's `--etcd-clusters`). */
  readonly names: readonly string[];
  /** `encryptedVolume: true` on every member (kops: `--encrypt-etcd-storage`, default on AWS). */
  readonly encrypted: boolean;
  readonly volumeType?: string;
}

/**
 * One etcd cluster per name with one member per control-plane group (names from `memberNames`),
 * kops's backup retention and its requests (`main`'s, the others' smaller): what `create cluster`
 * writes, and what completion fills into a spec that has none.
 */
export function etcdClusterSpecs(controlPlanes: readonly InstanceGroup[], o: EtcdClusterOptions): EtcdClusterSpec[] {
  const pairs = memberNames(controlPlanes);
  return o.names.map((name) => ({
    name,
    etcdMembers: pairs.map(([member, ig]): EtcdMemberSpec => ({
      name: member,
      instanceGroup: ig,
      ...(o.encrypted ? { encryptedVolume: true } : {}),
      ...(o.volumeType ? { volumeType: o.volumeType } : {}),
    })),
    manager: { backupRetentionDays: DEFAULT_ETCD_BACKUP_RETENTION_DAYS },
    ...(name === STACKED_ETCD_CLUSTER ? DEFAULT_ETCD_MAIN_REQUESTS : DEFAULT_ETCD_OTHER_REQUESTS),
  }));
}

/** `main`, one member per control-plane IG, as `create cluster` writes it (kops encrypts etcd volumes of new clusters by default on AWS only). */
export function defaultEtcdClusters(igs: readonly InstanceGroup[], cloud: string | undefined): EtcdClusterSpec[] {
  const controlPlanes = igs.filter((ig) => normalizeRole(ig.spec.role) === 'ControlPlane');
  if (controlPlanes.length === 0) return [];
  return etcdClusterSpecs(controlPlanes, { names: [STACKED_ETCD_CLUSTER], encrypted: cloud === 'aws' });
}

/**
 * Defaults of every etcd cluster and member. `encryptedVolume` is deliberately left alone: kops
 * reads a missing value as "not encrypted", and turning it on would replace existing volumes.
 */
export function completeEtcd(spec: ClusterSpec, igs: readonly InstanceGroup[], cloud: string | undefined): void {
  if (spec.etcdClusters == null || spec.etcdClusters.length === 0) {
    const defaults = defaultEtcdClusters(igs, cloud);
    if (defaults.length > 0) spec.etcdClusters = defaults;
  }
  const version = parseKubernetesVersion(spec.kubernetesVersion);
  for (const etcd of spec.etcdClusters ?? []) {
    etcd.provider ??= DEFAULT_ETCD_PROVIDER;
    if (version) etcd.version ??= defaultEtcdVersion(version);
    etcd.manager ??= {};
    etcd.manager.backupRetentionDays ??= DEFAULT_ETCD_BACKUP_RETENTION_DAYS;
    for (const m of etcd.etcdMembers ?? []) completeMember(m, cloud);
  }
}

function completeMember(m: EtcdMemberSpec, cloud: string | undefined): void {
  if (cloud !== 'aws' && cloud !== 'gce') return;
  m.volumeType ??= cloud === 'aws' ? DEFAULT_ETCD_VOLUME.awsType : DEFAULT_ETCD_VOLUME.gceType;
  m.volumeSize ??= DEFAULT_ETCD_VOLUME.size;
  if (m.volumeType === 'gp3') {
    m.volumeIops ??= DEFAULT_ETCD_VOLUME.gp3Iops;
    m.volumeThroughput ??= DEFAULT_ETCD_VOLUME.gp3Throughput;
  } else if (m.volumeType === 'io1' || m.volumeType === 'io2') {
    m.volumeIops ??= DEFAULT_ETCD_VOLUME.io1Iops;
  }
}
