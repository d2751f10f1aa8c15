/**
 * kops's defaults, in one place: the values completion fills in and `create cluster` writes. Each
 * says where kops takes it from (paths in kubernetes/kops).
 */
import semver from 'semver';
import type { NormalizedRole } from './api/types.js';

/** upup/pkg/fi/cloudup/defaults.go `defaultAWSNetworkCIDR`. */
export const DEFAULT_AWS_NETWORK_CIDR = '172.20.0.0/16';
/**
 * Kept for `create cluster` callers. kops allocates GCE ranges from the live VPC and its
 * validation forbids `networkCIDR` on GCE, so completion never writes it there.
 */
export const DEFAULT_GCE_NETWORK_CIDR = '10.0.0.0/16';
/** upup/pkg/fi/cloudup/defaults.go `defaultNonMasqueradeCIDR`. */
export const DEFAULT_NON_MASQUERADE_CIDR = '100.64.0.0/10';
/** populate_cluster_spec.go `assignSubnets`: fixed, whatever the nonMasqueradeCIDR. */
export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '100.64.0.0/13';
export const DEFAULT_SERVICE_CLUSTER_IP_RANGE_IPV6 = 'fd00:5e4f:ce::/108';
/** The upper half of the default nonMasqueradeCIDR, as populate_cluster_spec.go derives it. */
export const DEFAULT_POD_CIDR = '100.96.0.0/11';
/** new_cluster.go: `--admin-access` and `--ssh-access` default to everyone, IPv4 and IPv6. */
export const DEFAULT_ACCESS = ['0.0.0.0/0', '::/0'] as const;
/** pkg/apis/kops `DefaultChannel`. */
export const DEFAULT_CHANNEL = 'stable';
/** new_cluster.go: cilium for new clusters. */
export const DEFAULT_NETWORKING = 'cilium';

/** awsup/aws_cloud.go `DefaultInstanceType`: the first candidate (t3.medium; bastions t3.micro). */
export const DEFAULT_AWS_MACHINE_TYPE = 't3.medium';
export const DEFAULT_AWS_BASTION_MACHINE_TYPE = 't3.micro';
/** populate_instancegroup_spec.go: e2-medium for control plane and nodes, e2-micro for bastions. */
export const DEFAULT_GCE_MACHINE_TYPE = 'e2-medium';
export const DEFAULT_GCE_BASTION_MACHINE_TYPE = 'e2-micro';

/** pkg/model/defaults/volumes.go: root volume sizes in GiB per role. */
export const DEFAULT_ROOT_VOLUME_SIZE: Readonly<Record<NormalizedRole, number>> = { ControlPlane: 64, Node: 128, APIServer: 128, Bastion: 32 };
/** pkg/model/awsmodel/autoscalinggroup.go (gp3, encrypted); pkg/model/gcemodel (pd-standard). */
export const DEFAULT_AWS_ROOT_VOLUME_TYPE = 'gp3';
export const DEFAULT_GCE_ROOT_VOLUME_TYPE = 'pd-standard';
/** Kept under its first name for callers. */
export const DEFAULT_ROOT_VOLUME_TYPE = DEFAULT_AWS_ROOT_VOLUME_TYPE;

/** pkg/model/master_volumes.go: etcd volumes of 20 GiB; gp3 with 3000 IOPS and 125 MiB/s on AWS. */
export const DEFAULT_ETCD_VOLUME = { size: 20, awsType: 'gp3', gceType: 'pd-ssd', gp3Iops: 3000, gp3Throughput: 125, io1Iops: 100 } as const;
/** upup/pkg/fi/cloudup/defaults.go `PerformAssignments`. */
export const DEFAULT_ETCD_BACKUP_RETENTION_DAYS = 90;
/** new_cluster.go: the requests kops writes for `main`, the one etcd cluster completion adds (kops's `events`: 100m). */
export const DEFAULT_ETCD_MAIN_REQUESTS = { cpuRequest: '200m', memoryRequest: '100Mi' } as const;
/** kops's requests for its other etcd clusters (`events`, `cilium`), which `create cluster --etcd-clusters` may name. */
export const DEFAULT_ETCD_OTHER_REQUESTS = { cpuRequest: '100m', memoryRequest: '100Mi' } as const;
/**
 * The one etcd cluster kops-ts runs: kubeadm's stacked etcd, which keeps the events too. kops's
 * other etcd clusters (`events`, `cilium`, `leases`) are accepted in a spec, as kops writes them,
 * and get no volumes: nothing would attach them.
 */
export const STACKED_ETCD_CLUSTER = 'main';
/** The etcd-manager provider, the only one kops supports. */
export const DEFAULT_ETCD_PROVIDER = 'Manager';

/** pkg/model/components/etcd.go: the etcd version for the cluster's Kubernetes version. */
export function defaultEtcdVersion(kubernetesVersion: semver.SemVer): string {
  if (semver.lt(kubernetesVersion, '1.34.0')) return '3.5.31';
  if (semver.lt(kubernetesVersion, '1.37.0')) return '3.6.12';
  return '3.7.0';
}

/** kops's oldest recommended (not deprecated) version (apply_cluster.go). */
export const OLDEST_RECOMMENDED_KUBERNETES_VERSION = '1.34.0';

/** The images kops's stable channel lists for Kubernetes >= 1.32 (channels/stable `spec.images`). */
const CHANNEL_IMAGES: Readonly<Record<string, Readonly<Record<'amd64' | 'arm64', string>>>> = {
  aws: {
    amd64: '099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20260714',
    arm64: '099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20260714',
  },
  gce: {
    amd64: 'ubuntu-os-cloud/ubuntu-2404-noble-amd64-v20260615',
    arm64: 'ubuntu-os-cloud/ubuntu-2404-noble-arm64-v20260615',
  },
};

/**
 * The CPU architecture of a machine type. kops asks EC2; without a cloud call we read the name:
 * AWS Graviton families carry a `g` after the generation digit (t4g, m7gd, c7gn, x2gd) and `a1`;
 * GCE Arm series are t2a, c4a and n4a.
 */
export function architectureOf(machineType: string): 'amd64' | 'arm64' {
  if (machineType.includes('.')) {
    const family = machineType.split('.')[0] ?? '';
    if (family === 'a1') return 'arm64';
    const m = /^[a-z]+\d+([a-z-]*)$/.exec(family);
    return m && m[1]!.includes('g') ? 'arm64' : 'amd64';
  }
  const series = machineType.split('-')[0] ?? '';
  return ['t2a', 'c4a', 'n4a'].includes(series) ? 'arm64' : 'amd64';
}

/** The channel image for a cloud, Kubernetes version and machine type; `undefined` if none applies. */
export function defaultImage(cloud: string, kubernetesVersion: string, machineType: string): string | undefined {
  const v = semver.coerce(kubernetesVersion);
  if (!v || semver.lt(v, '1.32.0')) return undefined;
  return CHANNEL_IMAGES[cloud]?.[architectureOf(machineType)];
}
