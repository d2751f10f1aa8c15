/**
 * The kops-ts cluster API: `kops.k8s.io/v1alpha2` Cluster and InstanceGroup, with kops's own field
 * names for the subset kops-ts acts on.
 *
 * These interfaces describe the fields kops-ts reads. At run time an object may carry more: every
 * other field of kops's v1alpha2 API is accepted and preserved (see `schema.ts`), so a manifest that
 * kops wrote loads, round-trips and is written back whole. Code must therefore never rebuild an
 * object from these interfaces' fields alone; it clones and edits.
 *
 * The InstanceGroup's own types are in `types-instance-group.ts`, re-exported here; this file holds
 * the Cluster's and what both share (metadata, kubelet, rolling update).
 */

export const API_VERSION = 'kops.k8s.io/v1alpha2';
export const KIND_CLUSTER = 'Cluster';
export const KIND_INSTANCE_GROUP = 'InstanceGroup';

export interface ObjectMeta {
  name: string;
  creationTimestamp?: string | null;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** An integer or a percentage string such as "25%" (Kubernetes' IntOrString). */
export type IntOrString = number | string;

export interface RollingUpdate {
  drainAndTerminate?: boolean;
  maxUnavailable?: IntOrString;
  maxSurge?: IntOrString;
}

export type SubnetType = 'Public' | 'Private' | 'Utility' | 'DualStack';

export interface ClusterSubnetSpec {
  name: string;
  zone?: string;
  region?: string;
  cidr?: string;
  ipv6CIDR?: string;
  /** Id of an existing (shared) subnet: used, never modified. */
  id?: string;
  /**
   * Egress for private subnets: unset (kops-ts creates a NAT gateway with an elastic IP), `nat-...`
   * (the user's NAT gateway), `eipalloc-...` (a NAT gateway on the user's elastic IP), `i-...` (a
   * NAT instance), `tgw-...` (a transit gateway) or `External` (routing is the user's).
   */
  egress?: string;
  type: SubnetType;
}

export type DNSType = 'Public' | 'Private' | 'None';

export interface TopologySpec {
  /** Deprecated in kops (the IG role decides), kept for manifests that carry it. */
  masters?: 'public' | 'private';
  nodes?: 'public' | 'private';
  dns?: { type: DNSType };
  bastion?: { bastionPublicName?: string; loadBalancer?: BastionLoadBalancerSpec };
}

/** The bastion's load balancer (kops's `BastionLoadBalancerSpec`). */
export interface BastionLoadBalancerSpec {
  type?: LoadBalancerType;
  additionalSecurityGroups?: string[];
}

export type LoadBalancerClass = 'Network' | 'Classic';
export type LoadBalancerType = 'Public' | 'Internal';

export interface LoadBalancerAccessSpec {
  class?: LoadBalancerClass;
  type?: LoadBalancerType;
  crossZoneLoadBalancing?: boolean;
  additionalSecurityGroups?: string[];
  sslCertificate?: string;
  /** The TLS listener's policy (with `sslCertificate`); kops's default `ELBSecurityPolicy-2016-08`. */
  sslPolicy?: string;
}

export interface APISpec {
  dns?: Record<string, never>;
  loadBalancer?: LoadBalancerAccessSpec;
  publicName?: string;
}

export interface EtcdMemberSpec {
  name: string;
  instanceGroup?: string;
  volumeType?: string;
  volumeIops?: number;
  volumeThroughput?: number;
  volumeSize?: number;
  kmsKeyId?: string;
  encryptedVolume?: boolean;
}

export interface EtcdClusterSpec {
  name: string;
  provider?: string;
  etcdMembers: EtcdMemberSpec[];
  version?: string;
  manager?: { backupRetentionDays?: number; [k: string]: unknown };
  cpuRequest?: string;
  memoryRequest?: string;
}

/** One sub-object per CNI; exactly one is set. */
export interface NetworkingSpec {
  kubenet?: Record<string, unknown>;
  cni?: Record<string, unknown>;
  calico?: Record<string, unknown>;
  cilium?: Record<string, unknown>;
  flannel?: Record<string, unknown>;
  kindnet?: Record<string, unknown>;
  amazonvpc?: Record<string, unknown>;
  canal?: Record<string, unknown>;
  kuberouter?: Record<string, unknown>;
  gcp?: Record<string, unknown>;
}

export interface AuthorizationSpec {
  rbac?: Record<string, unknown>;
  alwaysAllow?: Record<string, unknown>;
}

export interface IAMSpec {
  legacy?: boolean;
  allowContainerRegistry?: boolean;
  useServiceAccountExternalPermissions?: boolean;
  /** AWS: an IAM role per Kubernetes service account, trusted through the cluster's OIDC provider (src/model/aws/iam-service-accounts.ts). */
  serviceAccountExternalPermissions?: ServiceAccountExternalPermission[];
  /** AWS: a managed policy's ARN set as the permissions boundary of every IAM role the cluster makes (kops's field). */
  permissionsBoundary?: string;
}

/** kops's ServiceAccountExternalPermission: what one service account may do outside the cluster. */
export interface ServiceAccountExternalPermission {
  name?: string;
  namespace?: string;
  aws?: AWSPermission;
}

/** kops's AWSPermission: managed policies to attach, or an inline policy (a JSON array of statements). */
export interface AWSPermission {
  policyARNs?: string[];
  inlinePolicy?: string;
}

/**
 * kops's KubeletConfigSpec (componentconfig.go): the fields kops-ts acts on (src/bootstrap/kubelet-config.ts
 * maps them to kubelet.config.k8s.io/v1beta1, src/model/validation-kubelet.ts checks them); kops's
 * others are kept with a warning. Durations are Go durations (`30s`, `1m30s`); evictions are kops's
 * strings (`memory.available<100Mi,nodefs.available<10%`).
 */
export interface KubeletConfigSpec {
  anonymousAuth?: boolean;
  featureGates?: Record<string, string>;
  maxPods?: number;
  podPidsLimit?: number;
  kubeReserved?: Record<string, string>;
  systemReserved?: Record<string, string>;
  kubeReservedCgroup?: string;
  systemReservedCgroup?: string;
  enforceNodeAllocatable?: string;
  evictionHard?: string;
  evictionSoft?: string;
  evictionSoftGracePeriod?: string;
  imageGCHighThresholdPercent?: number;
  imageGCLowThresholdPercent?: number;
  cpuManagerPolicy?: string;
  topologyManagerPolicy?: string;
  serializeImagePulls?: boolean;
  maxParallelImagePulls?: number;
  registryPullQPS?: number;
  registryBurst?: number;
  cpuCFSQuota?: boolean;
  cpuCFSQuotaPeriod?: string;
  readOnlyPort?: number;
  shutdownGracePeriod?: string;
  shutdownGracePeriodCriticalPods?: string;
  allowedUnsafeSysctls?: string[];
  logLevel?: number;
  [k: string]: unknown;
}

export interface CloudProviderSpec {
  aws?: Record<string, unknown>;
  gce?: Record<string, unknown>;
}

export interface ClusterSpec {
  channel?: string;
  configBase?: string;
  /** v1alpha2 accepts a string (`aws`, `gce`) as well as the struct form. */
  cloudProvider?: string | CloudProviderSpec;
  kubernetesVersion?: string;
  /** GCE project. */
  project?: string;
  networkCIDR?: string;
  networkID?: string;
  /** More IPv4 ranges of the VPC (VPC CIDR associations); subnets may sit in them. Not for a shared VPC. */
  additionalNetworkCIDRs?: string[];
  /**
   * v1alpha2's spelling of kops's `tagSubnets: false` (`create cluster --disable-subnet-tags`):
   * `true` leaves the user's shared subnets untagged and subnets kops-ts creates without their
   * load-balancer role tags.
   */
  DisableSubnetTags?: boolean;
  nonMasqueradeCIDR?: string;
  podCIDR?: string;
  serviceClusterIPRange?: string;
  subnets?: ClusterSubnetSpec[];
  topology?: TopologySpec;
  api?: APISpec;
  dnsZone?: string;
  masterPublicName?: string;
  kubernetesApiAccess?: string[];
  sshAccess?: string[];
  /**
   * An existing EC2 key pair to use instead of importing the state store's admin key; `""` means
   * no key pair at all (kops's semantics for its `*string`).
   */
  sshKeyName?: string;
  nodePortAccess?: string[];
  etcdClusters?: EtcdClusterSpec[];
  networking?: NetworkingSpec;
  authorization?: AuthorizationSpec;
  iam?: IAMSpec;
  kubelet?: KubeletConfigSpec;
  /** The control planes' kubelet, merged over `kubelet` (docs/spec.md, "Kubelet"). */
  masterKubelet?: KubeletConfigSpec;
  rollingUpdate?: RollingUpdate;
  cloudLabels?: Record<string, string>;
  kubeAPIServer?: Record<string, unknown>;
  /** Every group's (filtered by their roles): src/bootstrap/node-extras.ts. */
  fileAssets?: FileAssetSpec[];
  hooks?: HookSpec[];
  sysctlParameters?: string[];
  /**
   * AWS: more statements for an instance role, by role key (`node`, `control-plane` or its older
   * name `master`, `bastion`, `apiserver`): a JSON array of IAM statements, put as the role's
   * inline policy `additional.<role name>` (src/model/aws/iam.ts, docs/iam.md).
   */
  additionalPolicies?: Record<string, string>;
  /** AWS: managed policies (ARNs) attached to an instance role, by role key as `additionalPolicies`. */
  externalPolicies?: Record<string, string[]>;
  /** Every group's registry mirrors (the group's own merged over them) and extra apt packages: node-extras.ts. */
  containerd?: ContainerdSpec;
  packages?: string[];
  /** The cluster autoscaler addon (AWS): src/model/cluster-autoscaler.ts, src/bootstrap/cluster-autoscaler.ts. */
  clusterAutoscaler?: ClusterAutoscalerSpec;
  /** AWS: the service-account issuer published in S3, trusted by IAM (src/model/issuer-discovery.ts, docs/spec.md). */
  serviceAccountIssuerDiscovery?: ServiceAccountIssuerDiscoverySpec;
}

/** kops's ServiceAccountIssuerDiscoveryConfig (`discoveryService` is kept, not acted on). */
export interface ServiceAccountIssuerDiscoverySpec {
  /** `s3://bucket[/path]`: where the OIDC discovery documents are published (publicly readable). */
  discoveryStore?: string;
  /** An IAM OIDC identity provider trusting the issuer (client ids `amazonaws.com` + `additionalAudiences`). */
  enableAWSOIDCProvider?: boolean;
  additionalAudiences?: string[];
}

export interface Cluster {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND_CLUSTER;
  metadata: ObjectMeta;
  spec: ClusterSpec;
}

export type {
  ExternalLoadBalancer,
  InstanceGroup,
  InstanceGroupRole,
  InstanceGroupSpec,
  InstanceGroupVolume,
  InstanceMetadataOptions,
  MixedInstancesPolicySpec,
  NormalizedRole,
  VolumeMount,
  VolumeSpec,
} from './types-instance-group.js';
export { LABEL_CLUSTER_NAME, normalizeRole } from './types-instance-group.js';
import type { InstanceGroup } from './types-instance-group.js';

export type { ContainerdSpec, ExecContainerAction, FileAssetSpec, HookSpec, UserDataPart } from './types-node-extras.js';
import type { ContainerdSpec, FileAssetSpec, HookSpec } from './types-node-extras.js';
import type { ClusterAutoscalerSpec } from './types-cluster-autoscaler.js';
export type { ClusterAutoscalerSpec } from './types-cluster-autoscaler.js';

export type KopsObject = Cluster | InstanceGroup;

/** The cloud provider of a cluster, whichever v1alpha2 spelling the manifest uses. */
export function cloudProviderOf(spec: ClusterSpec): 'aws' | 'gce' | string | undefined {
  const cp = spec.cloudProvider;
  if (typeof cp === 'string') return cp;
  if (cp && typeof cp === 'object') {
    if (cp.aws !== undefined) return 'aws';
    if (cp.gce !== undefined) return 'gce';
    const keys = Object.keys(cp);
    return keys[0];
  }
  return undefined;
}
