/**
 * Completion: the user's spec plus kops's defaults, as a new object (the user's spec is never
 * changed; the completed one is what `update cluster` acts on and writes as
 * `cluster-completed.spec`). Completing a completed spec changes nothing.
 */
import { DEFAULT_KUBERNETES_VERSION } from '../version.js';
import { parseCidr, splitInto } from './cidr.js';
import {
  DEFAULT_ACCESS,
  DEFAULT_AWS_BASTION_MACHINE_TYPE,
  DEFAULT_AWS_MACHINE_TYPE,
  DEFAULT_AWS_NETWORK_CIDR,
  DEFAULT_CHANNEL,
  DEFAULT_ETCD_BACKUP_RETENTION_DAYS,
  DEFAULT_ETCD_VOLUME,
  DEFAULT_GCE_MACHINE_TYPE,
  DEFAULT_GCE_NETWORK_CIDR,
  DEFAULT_NETWORKING,
  DEFAULT_NON_MASQUERADE_CIDR,
  DEFAULT_POD_CIDR,
  DEFAULT_ROOT_VOLUME,
  DEFAULT_ROOT_VOLUME_TYPE,
  DEFAULT_SERVICE_CLUSTER_IP_RANGE,
  defaultImage,
} from './defaults.js';
import { cloudProviderOf, normalizeRole, type Cluster, type ClusterSpec, type ClusterSubnetSpec, type EtcdClusterSpec, type InstanceGroup } from './api/types.js';

export interface CompletedCluster {
  readonly cluster: Cluster;
  readonly instanceGroups: InstanceGroup[];
}

export function completeCluster(cluster: Cluster, instanceGroups: readonly InstanceGroup[]): CompletedCluster {
  const c = structuredClone(cluster);
  const igs = instanceGroups.map((ig) => structuredClone(ig));
  const spec = c.spec;
  const cloud = cloudProviderOf(spec) ?? 'aws';
  spec.channel ??= DEFAULT_CHANNEL;
  spec.kubernetesVersion ??= DEFAULT_KUBERNETES_VERSION;
  completeNetwork(spec, cloud);
  completeTopologyAndAPI(spec);
  spec.kubernetesApiAccess ??= [...DEFAULT_ACCESS];
  spec.sshAccess ??= [...DEFAULT_ACCESS];
  spec.authorization ??= { rbac: {} };
  spec.iam ??= { legacy: false, allowContainerRegistry: true };
  spec.iam.legacy ??= false;
  spec.networking ??= { [DEFAULT_NETWORKING]: {} };
  spec.kubelet ??= {};
  spec.kubelet.anonymousAuth ??= false;
  spec.etcdClusters ??= defaultEtcdClusters(igs);
  for (const etcd of spec.etcdClusters) completeEtcd(etcd);
  for (const ig of igs) completeInstanceGroup(ig, cloud, spec.kubernetesVersion);
  return { cluster: c, instanceGroups: igs };
}

function completeNetwork(spec: ClusterSpec, cloud: string): void {
  spec.networkCIDR ??= cloud === 'gce' ? DEFAULT_GCE_NETWORK_CIDR : DEFAULT_AWS_NETWORK_CIDR;
  spec.nonMasqueradeCIDR ??= DEFAULT_NON_MASQUERADE_CIDR;
  if (spec.nonMasqueradeCIDR === DEFAULT_NON_MASQUERADE_CIDR) {
    spec.serviceClusterIPRange ??= DEFAULT_SERVICE_CLUSTER_IP_RANGE;
    spec.podCIDR ??= DEFAULT_POD_CIDR;
  }
  if (spec.subnets) assignSubnetCIDRs(spec.subnets, spec.networkCIDR);
}

/**
 * kops's assignCIDRsToSubnets: the network is cut into 1, 2, 4 or 8 equal blocks (one per
 * Public/Private subnet, plus one shared by all Utility subnets, which get eighths of it);
 * blocks overlapping a CIDR the user gave are skipped; subnets are served in zone order.
 */
export function assignSubnetCIDRs(subnets: ClusterSubnetSpec[], networkCIDR: string): void {
  if (subnets.every((s) => s.cidr || s.id)) return;
  const network = parseCidr(networkCIDR);
  if (!network || network.kind !== 'ipv4') return; // validation reports it
  const byZone = (a: ClusterSubnetSpec, b: ClusterSubnetSpec) => (a.zone ?? '').localeCompare(b.zone ?? '');
  const big = subnets.filter((s) => s.type !== 'Utility' && !s.id).sort(byZone);
  const little = subnets.filter((s) => s.type === 'Utility' && !s.id).sort(byZone);
  const reserved = subnets.flatMap((s) => (s.cidr ? [parseCidr(s.cidr)].filter((x) => x !== undefined) : []));
  const count = big.length + (little.length > 0 ? 1 : 0);
  const extra = count <= 1 ? 0 : count <= 2 ? 1 : count <= 4 ? 2 : 3;
  // Too small a network to carve: leave the CIDRs unset, and validation says so.
  if (network.bits + extra + (little.length > 0 ? 3 : 0) > 30) return;
  const blocks = splitInto(network, extra).filter((b) => !reserved.some((r) => r.start < b.start + b.size && b.start < r.start + r.size));
  if (little.length > 0 && little.some((s) => !s.cidr)) {
    const first = blocks.shift();
    const eighths = first && first.bits + 3 <= 32 ? splitInto(first, 3) : [];
    for (const s of little) if (!s.cidr) s.cidr = eighths.shift()?.text;
  }
  for (const s of big) if (!s.cidr) s.cidr = blocks.shift()?.text;
}

function completeTopologyAndAPI(spec: ClusterSpec): void {
  spec.topology ??= {};
  spec.topology.dns ??= { type: spec.dnsZone ? 'Public' : 'None' };
  if (spec.topology.dns.type === 'None') {
    spec.api ??= {};
    spec.api.loadBalancer ??= {};
  }
  if (spec.api?.loadBalancer) {
    spec.api.loadBalancer.class ??= 'Network';
    spec.api.loadBalancer.type ??= 'Public';
  } else {
    spec.api ??= { dns: {} };
  }
}

function defaultEtcdClusters(igs: readonly InstanceGroup[]): EtcdClusterSpec[] {
  const cps = igs.filter((ig) => normalizeRole(ig.spec.role) === 'ControlPlane');
  const members = memberNames(cps).map(([name, ig]) => ({ name, instanceGroup: ig, encryptedVolume: true }));
  return ['main', 'events'].map((name) => ({
    name,
    etcdMembers: members.map((m) => ({ ...m })),
    manager: { backupRetentionDays: DEFAULT_ETCD_BACKUP_RETENTION_DAYS },
  }));
}

/** kops names members by the zone's letter (`a`, `b`, `c`), or by the IG name when letters clash. */
export function memberNames(controlPlanes: readonly InstanceGroup[]): [string, string][] {
  const letters = controlPlanes.map((ig) => {
    const zone = ig.spec.subnets?.[0] ?? ig.spec.zones?.[0] ?? ig.metadata.name;
    return zone.slice(-1);
  });
  const unique = new Set(letters).size === letters.length;
  return controlPlanes.map((ig, i) => [unique ? letters[i]! : ig.metadata.name, ig.metadata.name]);
}

function completeEtcd(etcd: EtcdClusterSpec): void {
  etcd.manager ??= { backupRetentionDays: DEFAULT_ETCD_BACKUP_RETENTION_DAYS };
  for (const m of etcd.etcdMembers ?? []) {
    m.volumeType ??= DEFAULT_ETCD_VOLUME.type;
    m.volumeSize ??= DEFAULT_ETCD_VOLUME.size;
    if (m.volumeType === 'gp3') {
      m.volumeIops ??= DEFAULT_ETCD_VOLUME.iops;
      m.volumeThroughput ??= DEFAULT_ETCD_VOLUME.throughput;
    }
  }
}

function completeInstanceGroup(ig: InstanceGroup, cloud: string, kubernetesVersion: string): void {
  const s = ig.spec;
  const role = normalizeRole(s.role);
  if (cloud === 'gce') s.machineType ??= DEFAULT_GCE_MACHINE_TYPE;
  else s.machineType ??= role === 'Bastion' ? DEFAULT_AWS_BASTION_MACHINE_TYPE : DEFAULT_AWS_MACHINE_TYPE;
  const image = defaultImage(cloud, kubernetesVersion, s.machineType);
  if (s.image === undefined && image) s.image = image;
  s.minSize ??= 1;
  s.maxSize ??= Math.max(s.minSize, 1);
  if (!s.rootVolume) {
    s.rootVolumeSize ??= DEFAULT_ROOT_VOLUME[role];
    s.rootVolumeType ??= DEFAULT_ROOT_VOLUME_TYPE;
    s.rootVolumeEncryption ??= true;
  }
  s.instanceMetadata ??= {};
  s.instanceMetadata.httpTokens ??= 'required';
  s.instanceMetadata.httpPutResponseHopLimit ??= 1;
}
