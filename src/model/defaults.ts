/**
 * kops's defaults, in one place: the values completion fills in and `create cluster` writes.
 * Each says where kops takes it from.
 */
import semver from 'semver';

/** kops: AWS networkCIDR default (upup/pkg/fi/cloudup/new_cluster.go). */
export const DEFAULT_AWS_NETWORK_CIDR = '172.20.0.0/16';
/** kops: GCE subnets default to 10.0.0.0/16 carving. */
export const DEFAULT_GCE_NETWORK_CIDR = '10.0.0.0/16';
export const DEFAULT_NON_MASQUERADE_CIDR = '100.64.0.0/10';
/** The first /13 of the non-masquerade range, as kops derives it. */
export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '100.64.0.0/13';
export const DEFAULT_POD_CIDR = '100.96.0.0/11';
export const DEFAULT_ACCESS = ['0.0.0.0/0', '::/0'] as const;
export const DEFAULT_CHANNEL = 'stable';
export const DEFAULT_NETWORKING = 'cilium';

/** kops's DefaultInstanceType picks the first offered of t3.medium, c5.large, ...; we pick t3.medium. */
export const DEFAULT_AWS_MACHINE_TYPE = 't3.medium';
export const DEFAULT_AWS_BASTION_MACHINE_TYPE = 't3.micro';
export const DEFAULT_GCE_MACHINE_TYPE = 'e2-medium';

/** Root volumes: kops's sizes per role (GiB), gp3 and encrypted. */
export const DEFAULT_ROOT_VOLUME = { ControlPlane: 64, Node: 128, APIServer: 64, Bastion: 32 } as const;
export const DEFAULT_ROOT_VOLUME_TYPE = 'gp3';

/** etcd volumes (pkg/model/master_volumes.go): 20 GiB gp3, 3000 IOPS, 125 MiB/s. */
export const DEFAULT_ETCD_VOLUME = { type: 'gp3', size: 20, iops: 3000, throughput: 125 } as const;
export const DEFAULT_ETCD_BACKUP_RETENTION_DAYS = 90;

/** kops's stable channel images for Kubernetes >= 1.32 (channels/stable `images`). */
const AWS_IMAGES = {
  amd64: '099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20260714',
  arm64: '099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20260714',
} as const;
const GCE_IMAGES = {
  amd64: 'ubuntu-os-cloud/ubuntu-2404-noble-amd64-v20260615',
  arm64: 'ubuntu-os-cloud/ubuntu-2404-noble-arm64-v20260615',
} as const;

/** AWS Graviton families (the `g` after the generation digit) boot arm64 images. */
export function architectureOf(machineType: string): 'amd64' | 'arm64' {
  const family = machineType.split('.')[0] ?? '';
  return /^[a-z]+\d+[a-z]*g[a-z]*$/.test(family) && !/^(g\d|p\d)/.test(family) ? 'arm64' : 'amd64';
}

export function defaultImage(cloud: string, kubernetesVersion: string, machineType: string): string | undefined {
  const v = semver.coerce(kubernetesVersion);
  if (!v || semver.lt(v, '1.32.0')) return undefined;
  const arch = architectureOf(machineType);
  if (cloud === 'aws') return AWS_IMAGES[arch];
  if (cloud === 'gce') return GCE_IMAGES[arch];
  return undefined;
}
