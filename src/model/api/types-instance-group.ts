/**
 * The kops-ts InstanceGroup API (`kops.k8s.io/v1alpha2`): an instance group's spec with kops's own
 * field names for the subset kops-ts acts on, its role, and the label tying it to its cluster.
 * Re-exported by `types.ts`, which holds the Cluster and what both share; the same caveat applies:
 * an object may carry more of kops's fields than these interfaces name (see `schema.ts`).
 */
import type { API_VERSION, KIND_INSTANCE_GROUP, KubeletConfigSpec, ObjectMeta, RollingUpdate } from './types.js';
import type { ContainerdSpec, FileAssetSpec, HookSpec, UserDataPart } from './types-node-extras.js';

/** `Master` is v1alpha2's spelling of `ControlPlane`; both are accepted, kops writes `Master`. */
export type InstanceGroupRole = 'Master' | 'ControlPlane' | 'Node' | 'Bastion' | 'APIServer';

export interface VolumeSpec {
  size?: number;
  type?: string;
  iops?: number;
  throughput?: number;
  encryption?: boolean;
  encryptionKey?: string;
  /** AWS: EbsOptimized on the launch template (v1alpha2's flat spelling: rootVolumeOptimization). */
  optimization?: boolean;
}

export interface InstanceMetadataOptions {
  httpPutResponseHopLimit?: number;
  httpTokens?: 'required' | 'optional';
}

export interface InstanceGroupSpec {
  role: InstanceGroupRole;
  /** This group's kubelet, merged over the cluster's (docs/spec.md, "Kubelet"). */
  kubelet?: KubeletConfigSpec;
  image?: string;
  machineType?: string;
  minSize?: number;
  maxSize?: number;
  subnets?: string[];
  zones?: string[];
  rootVolume?: VolumeSpec;
  /** kops's older flat root-volume fields, still accepted in v1alpha2. */
  rootVolumeSize?: number;
  rootVolumeType?: string;
  rootVolumeIops?: number;
  rootVolumeThroughput?: number;
  rootVolumeEncryption?: boolean;
  /** A KMS key (id, ARN, alias) for the encrypted root volume; used only when encryption is on, as kops. */
  rootVolumeEncryptionKey?: string;
  nodeLabels?: Record<string, string>;
  taints?: string[];
  cloudLabels?: Record<string, string>;
  rollingUpdate?: RollingUpdate;
  instanceMetadata?: InstanceMetadataOptions;
  associatePublicIp?: boolean;
  additionalSecurityGroups?: string[];
  /** AWS: the instance types and On-Demand/Spot split of the autoscaling group (kops's MixedInstancesPolicySpec). */
  mixedInstancesPolicy?: MixedInstancesPolicySpec;
  /** AWS: the Spot maximum price per hour (e.g. "0.05"): the group's SpotMaxPrice when mixed, else the launch template's. */
  maxPrice?: string;
  /** AWS: scaling processes the autoscaling group keeps suspended (e.g. AZRebalance); the others run. */
  suspendProcesses?: string[];
  /** AWS: the group replaces Spot instances at an elevated risk of interruption (CapacityRebalance). */
  capacityRebalance?: boolean;
  /** AWS: the group's new instances are protected from scale-in (NewInstancesProtectedFromScaleIn). */
  instanceProtection?: boolean;
  /** AWS: detailed (1-minute) CloudWatch monitoring of the instances (the launch template's Monitoring). */
  detailedInstanceMonitoring?: boolean;
  /** AWS: the CPU credit option of burstable instance types (the launch template's CreditSpecification). */
  cpuCredits?: 'standard' | 'unlimited';
  /** GCE: `SPOT` runs the group's instances as Spot VMs (preemptible, no restart, terminated on host maintenance); `STANDARD` (the default) as standard ones. */
  gcpProvisioningModel?: 'STANDARD' | 'SPOT';
  /** AWS: the instances' tenancy (the launch template's Placement.Tenancy). */
  tenancy?: 'default' | 'dedicated' | 'host';
  /** AWS: an instance profile the user owns (ARN), used instead of the role's; kops-ts builds no IAM for the group. */
  iam?: { profile?: string };
  /** AWS: a security group the user owns (`sg-...`), used instead of the role's. */
  securityGroupOverride?: string;
  /** AWS: EbsOptimized on the launch template. */
  rootVolumeOptimization?: boolean;
  /** AWS: what a Spot instance does when interrupted (the template's Spot options; only with maxPrice, no mixed policy). */
  instanceInterruptionBehavior?: 'terminate' | 'stop' | 'hibernate';
  /** AWS: how long an instance may serve before the group replaces it, a Go duration (`168h`); at least 24h. */
  maxInstanceLifetime?: string;
  /** AWS: load balancers the group registers its instances with besides kops-ts's own; one of the two each. */
  externalLoadBalancers?: ExternalLoadBalancer[];
  /** Added to the cluster's (src/bootstrap/node-extras.ts). */
  fileAssets?: FileAssetSpec[];
  hooks?: HookSpec[];
  sysctlParameters?: string[];
  /** Merged over the cluster's (a registry the group names replaces the cluster's mirrors for it). */
  containerd?: ContainerdSpec;
  /** Installed after the cluster's. */
  packages?: string[];
  /** AWS: more parts of the user data, after kops-ts's cloud-config (src/bootstrap/user-data-parts.ts). */
  additionalUserData?: UserDataPart[];
  /** AWS: extra EBS volumes of every instance (block-device mappings of the launch template after the root's). */
  volumes?: InstanceGroupVolume[];
  /** AWS: devices formatted (only when blank) and mounted at boot, before containerd and kubelet start. */
  volumeMounts?: VolumeMount[];
  /** With the cluster autoscaler: false keeps it from scaling the group (its discovery tags are not set). */
  autoscale?: boolean;
  /** With the priority expander: the group's priority in its ConfigMap (default 0). */
  autoscalePriority?: number;
}

/** kops's `VolumeSpec` of `spec.volumes`: one extra EBS volume. Size in GiB. */
export interface InstanceGroupVolume {
  device?: string;
  size?: number;
  /** Default gp3. */
  type?: string;
  iops?: number;
  throughput?: number;
  /** Default true. */
  encrypted?: boolean;
  /** A KMS key (id, ARN, alias) of the encrypted volume. */
  key?: string;
  /** Default true. */
  deleteOnTermination?: boolean;
}

/** kops's `VolumeMountSpec`: a device formatted when blank and mounted at `path`. */
export interface VolumeMount {
  device?: string;
  /** ext4 or xfs. */
  filesystem?: string;
  /** Arguments added to mkfs when the device is formatted. */
  formatOptions?: string[];
  /** Mount options (fstab's fourth field, with nofail always added). */
  mountOptions?: string[];
  path?: string;
}

/** kops's `LoadBalancer` of an instance group: a classic load balancer by name, or a target group by ARN. */
export interface ExternalLoadBalancer {
  loadBalancerName?: string;
  targetGroupArn?: string;
}

/**
 * kops's `MixedInstancesPolicySpec`, as kops-ts acts on it (AWS). kops's `instanceRequirements`
 * is kept but not acted on (a warning); the list of types is required instead.
 */
export interface MixedInstancesPolicySpec {
  instances?: string[];
  onDemandAllocationStrategy?: string;
  onDemandBase?: number;
  onDemandAboveBase?: number;
  spotAllocationStrategy?: string;
  spotInstancePools?: number;
}

export interface InstanceGroup {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND_INSTANCE_GROUP;
  metadata: ObjectMeta & { labels?: Record<string, string> };
  spec: InstanceGroupSpec;
}

/** The role as kops-ts reasons about it (`Master` folded into `ControlPlane`). */
export type NormalizedRole = 'ControlPlane' | 'Node' | 'Bastion' | 'APIServer';

export function normalizeRole(role: InstanceGroupRole): NormalizedRole {
  return role === 'Master' ? 'ControlPlane' : role;
}

/** The label kops puts on every InstanceGroup to tie it to its cluster. */
export const LABEL_CLUSTER_NAME = 'kops.k8s.io/cluster';
