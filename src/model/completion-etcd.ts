/**
 * Completion of etcd: the `main` cluster when none is given (kops writes `main` and `events`;
 * kops-ts runs only `main`, kubeadm's stacked etcd, which keeps the events too), and the defaults
 * kops fills into every cluster and member.
 */
import {
  DEFAULT_ETCD_BACKUP_RETENTION_DAYS,
  DEFAULT_ETCD_PROVIDER,
  DEFAULT_ETCD_MAIN_REQUESTS,
  DEFAULT_ETCD_VOLUME,
  STACKED_ETCD_CLUSTER,
  defaultEtcdVersion,
} from './defaults.js';
import { parseKubernetesVersion } from './kubernetes-version.js';
import { normalizeRole, type ClusterSpec, type EtcdClusterSpec, type EtcdMemberSpec, type InstanceGroup } from './api/types.js';

/**
 * kops's member names (new_cluster.go `createEtcdCluster`): the control-plane IG names without
 * their `control-plane-`/`master-` prefix, with the leading characters they all share trimmed
 * (`control-plane-us-east-1a`, `-1b`, `-1c` give `a`, `b`, `c`), and `etcd-` before a name that
 * would start with a digit. Returns `[member name, instance group name]` pairs in IG order.
 */
export function memberNames(controlPlanes: readonly InstanceGroup[]): [string, string][] {
  let names = controlPlanes.map((ig) => ig.metadata.name.replace(/^control-plane-/, '').replace(/^master-/, ''));
  while (names.length > 0 && names[0]!.length > 1) {
    const prefix = names[0]![0]!;
    if (!names.every((n) => n.startsWith(prefix))) break;
    names = names.map((n) => n.slice(1));
  }
  return names.map((n, i) => [/^\d/.test(n) ? `etcd-${n}` : n, controlPlanes[i]!.metadata.name]);
}

/** `main`, one member per control-plane IG, as `create cluster` writes it. */
export function defaultEtcdClusters(igs: readonly InstanceGroup[], cloud: string | undefined): EtcdClusterSpec[] {
  const controlPlanes = igs.filter((ig) => normalizeRole(ig.spec.role) === 'ControlPlane');
  if (controlPlanes.length === 0) return [];
  const pairs = memberNames(controlPlanes);
  return [
    {
      name: STACKED_ETCD_CLUSTER,
      etcdMembers: pairs.map(([member, ig]): EtcdMemberSpec => ({
        name: member,
        instanceGroup: ig,
        // kops encrypts etcd volumes of new clusters by default on AWS only.
        ...(cloud === 'aws' ? { encryptedVolume: true } : {}),
      })),
      manager: { backupRetentionDays: DEFAULT_ETCD_BACKUP_RETENTION_DAYS },
      ...DEFAULT_ETCD_MAIN_REQUESTS,
    },
  ];
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
