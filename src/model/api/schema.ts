/**
 * The v1alpha2 field table: which fields exist, and of those which kops-ts acts on.
 *
 * Three kinds of field:
 * - acted on: described here with their shape, and checked (`string`, `object` with `fields`, ...);
 * - kops's own fields that kops-ts does not act on yet (`kops`): accepted with whatever value,
 *   preserved untouched, and named in one warning each;
 * - anything else: an `UnknownField` error with a "did you mean" among the siblings.
 *
 * The kops field names come from kops's `pkg/apis/kops/v1alpha2` (ClusterSpec, InstanceGroupSpec
 * and their sub-structs), so a manifest kops wrote loads here.
 */

export type FieldShape =
  | { readonly t: 'string' | 'number' | 'int' | 'boolean' | 'intOrString' | 'null' }
  | { readonly t: 'enum'; readonly values: readonly string[] }
  | { readonly t: 'object'; readonly fields: Readonly<Record<string, FieldShape>>; readonly open?: boolean }
  | { readonly t: 'array'; readonly of: FieldShape }
  | { readonly t: 'map'; readonly of: FieldShape }
  /** A kops field kops-ts does not act on: any value, kept, one warning. */
  | { readonly t: 'kops' }
  /** A free-form value kops-ts reads loosely (e.g. a CNI's options): any value, no warning. */
  | { readonly t: 'any' };

const str: FieldShape = { t: 'string' };
const int: FieldShape = { t: 'int' };
const bool: FieldShape = { t: 'boolean' };
const strList: FieldShape = { t: 'array', of: str };
const strMap: FieldShape = { t: 'map', of: str };
const kopsField: FieldShape = { t: 'kops' };
const any: FieldShape = { t: 'any' };

function obj(fields: Record<string, FieldShape>, ...kopsOnly: string[]): FieldShape {
  const all: Record<string, FieldShape> = { ...fields };
  for (const k of kopsOnly) all[k] = kopsField;
  return { t: 'object', fields: all };
}

const rollingUpdate = obj({ drainAndTerminate: bool, maxUnavailable: { t: 'intOrString' }, maxSurge: { t: 'intOrString' } });

const metadata = obj(
  {
    name: str,
    creationTimestamp: { t: 'any' },
    generation: int,
    labels: strMap,
    annotations: strMap,
  },
  'namespace',
  'uid',
  'resourceVersion',
  'selfLink',
  'finalizers',
  'ownerReferences',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generateName',
);

const subnet = obj(
  {
    name: str,
    zone: str,
    region: str,
    cidr: str,
    ipv6CIDR: str,
    id: str,
    egress: str,
    type: { t: 'enum', values: ['Public', 'Private', 'Utility', 'DualStack'] },
  },
  'publicIP',
  'additionalRoutes',
);

const topology = obj(
  {
    masters: str,
    nodes: str,
    dns: obj({ type: { t: 'enum', values: ['Public', 'Private', 'None'] } }),
    bastion: obj({ bastionPublicName: str, idleTimeoutSeconds: int }, 'loadBalancer'),
  },
);

const loadBalancer = obj(
  {
    class: { t: 'enum', values: ['Network', 'Classic'] },
    type: { t: 'enum', values: ['Public', 'Internal'] },
    idleTimeoutSeconds: int,
    crossZoneLoadBalancing: bool,
    additionalSecurityGroups: strList,
    sslCertificate: str,
  },
  'securityGroupOverride',
  'useForInternalApi',
  'sslPolicy',
  'subnets',
  'accessLog',
);

const etcdMember = obj(
  {
    name: str,
    instanceGroup: str,
    volumeType: str,
    volumeIops: int,
    volumeThroughput: int,
    volumeSize: int,
    kmsKeyId: str,
    encryptedVolume: bool,
  },
);

const etcdCluster = obj(
  {
    name: str,
    provider: str,
    etcdMembers: { t: 'array', of: etcdMember },
    version: str,
    manager: { t: 'any' },
    cpuRequest: { t: 'any' },
    memoryRequest: { t: 'any' },
  },
  'enableEtcdTLS',
  'enableTLSAuth',
  'leaderElectionTimeout',
  'heartbeatInterval',
  'image',
  'backups',
);

const networking = obj(
  {
    kubenet: any,
    cni: any,
    calico: any,
    cilium: any,
    flannel: any,
    kindnet: any,
    amazonvpc: any,
    canal: any,
    kuberouter: any,
    gce: any,
  },
  'classic',
  'external',
  'kopeio',
  'weave',
  'romana',
  'lyftvpc',
);

/** Only these kubelet fields are read; the rest of KubeletConfigSpec is kops's, kept as is. */
const kubelet = obj(
  { anonymousAuth: bool, featureGates: strMap },
  ...[
    'apiServers', 'authorizationMode', 'bootstrapKubeconfig', 'clientCaFile', 'tlsCertFile', 'tlsPrivateKeyFile', 'tlsCipherSuites',
    'tlsMinVersion', 'kubeconfigPath', 'requireKubeconfig', 'logFormat', 'logLevel', 'podManifestPath', 'hostnameOverride',
    'podInfraContainerImage', 'seccompDefault', 'seccompProfileRoot', 'allowPrivileged', 'enableDebuggingHandlers', 'registerNode',
    'nodeStatusUpdateFrequency', 'clusterDomain', 'clusterDNS', 'networkPluginName', 'cloudProvider', 'kubeletCgroups', 'runtimeCgroups',
    'readOnlyPort', 'systemCgroups', 'cgroupRoot', 'configureCbr0', 'hairpinMode', 'babysitDaemons', 'maxPods', 'nvidiaGPUs', 'podCIDR',
    'resolvConf', 'reconcileCIDR', 'registerSchedulable', 'serializeImagePulls', 'nodeLabels', 'nonMasqueradeCIDR', 'enableCustomMetrics',
    'networkPluginMTU', 'imageMinimumGCAge', 'imageMaximumGCAge', 'maxParallelImagePulls', 'imageGCHighThresholdPercent',
    'imageGCLowThresholdPercent', 'imagePullProgressDeadline', 'evictionHard', 'evictionSoft', 'evictionSoftGracePeriod',
    'evictionPressureTransitionPeriod', 'evictionMaxPodGracePeriod', 'evictionMinimumReclaim', 'volumePluginDirectory', 'taints',
    'kernelMemcgNotification', 'kubeReserved', 'kubeReservedCgroup', 'systemReserved', 'systemReservedCgroup', 'enforceNodeAllocatable',
    'runtimeRequestTimeout', 'volumeStatsAggPeriod', 'failSwapOn', 'experimentalAllowedUnsafeSysctls', 'allowedUnsafeSysctls',
    'streamingConnectionIdleTimeout', 'dockerDisableSharedPID', 'rootDir', 'authenticationTokenWebhook',
    'authenticationTokenWebhookCacheTtl', 'cpuCFSQuota', 'cpuCFSQuotaPeriod', 'cpuManagerPolicy', 'registryPullQPS', 'registryBurst',
    'topologyManagerPolicy', 'rotateCertificates', 'protectKernelDefaults', 'cgroupDriver', 'housekeepingInterval', 'eventQPS',
    'eventBurst', 'containerLogMaxSize', 'containerLogMaxFiles', 'enableCadvisorJsonEndpoints', 'podPidsLimit',
    'experimentalAllocatableIgnoreEviction', 'shutdownGracePeriod', 'shutdownGracePeriodCriticalPods', 'memorySwapBehavior',
    'crashLoopBackOffMaxContainerRestartPeriod', 'kubeAPIQPS', 'eventRecordQPS', 'nodeLeaseDurationSeconds',
  ],
);

export const CLUSTER_SPEC: FieldShape = obj(
  {
    channel: str,
    configBase: str,
    cloudProvider: str,
    kubernetesVersion: str,
    project: str,
    subnets: { t: 'array', of: subnet },
    masterPublicName: str,
    networkCIDR: str,
    networkID: str,
    topology,
    dnsZone: str,
    serviceClusterIPRange: str,
    podCIDR: str,
    nonMasqueradeCIDR: str,
    sshAccess: strList,
    sshKeyName: str,
    kubernetesApiAccess: strList,
    nodePortAccess: strList,
    etcdClusters: { t: 'array', of: etcdCluster },
    kubelet,
    networking,
    api: obj({ dns: any, loadBalancer, publicName: str, additionalSANs: strList }, 'access'),
    authorization: obj({ rbac: any, alwaysAllow: any }),
    cloudLabels: strMap,
    iam: obj(
      { legacy: bool, allowContainerRegistry: bool, useServiceAccountExternalPermissions: bool },
      'permissionsBoundary',
      'serviceAccountExternalPermissions',
    ),
    rollingUpdate,
    kubeAPIServer: kopsField,
  },
  ...[
    'addons', 'gossipConfig', 'containerRuntime', 'masterInternalName', 'additionalNetworkCIDRs', 'secretStore', 'keyStore', 'configStore',
    'dnsControllerGossipConfig', 'additionalSans', 'clusterDNSDomain', 'egressProxy', 'isolateMasters', 'updatePolicy',
    'externalPolicies', 'additionalPolicies', 'fileAssets', 'docker', 'containerd', 'kubeDNS', 'kubeControllerManager',
    'cloudControllerManager', 'kubeScheduler', 'kubeProxy', 'masterKubelet', 'controlPlaneKubelet', 'cloudConfig', 'externalDns', 'ntp',
    'packages', 'nodeTerminationHandler', 'nodeProblemDetector', 'metricsServer', 'certManager', 'awsLoadBalancerController',
    'authentication', 'nodeAuthorization', 'hooks', 'assets', 'encryptionConfig', 'DisableSubnetTags', 'target', 'useHostCertificates',
    'sysctlParameters', 'clusterAutoscaler', 'warmPool', 'serviceAccountIssuerDiscovery', 'snapshotController', 'karpenter',
    'podIdentityWebhook',
  ],
);

export const INSTANCE_GROUP_SPEC: FieldShape = obj(
  {
    role: { t: 'enum', values: ['Master', 'ControlPlane', 'Node', 'Bastion', 'APIServer'] },
    image: str,
    minSize: int,
    maxSize: int,
    machineType: str,
    rootVolumeSize: int,
    rootVolumeType: str,
    rootVolumeEncryption: bool,
    rootVolume: obj({ size: int, type: str, iops: int, throughput: int, encryption: bool, encryptionKey: str }),
    subnets: strList,
    zones: strList,
    associatePublicIp: bool,
    additionalSecurityGroups: strList,
    cloudLabels: strMap,
    nodeLabels: strMap,
    taints: strList,
    rollingUpdate,
    instanceMetadata: obj({ httpPutResponseHopLimit: int, httpTokens: { t: 'enum', values: ['required', 'optional'] } }),
  },
  ...[
    'manager', 'autoscale', 'autoscalePriority', 'rootVolumeIops', 'rootVolumeThroughput', 'rootVolumeOptimization',
    'rootVolumeDeleteOnTermination', 'rootVolumeEncryptionKey', 'volumes', 'volumeMounts', 'hooks', 'maxPrice', 'spotDurationInMinutes',
    'cpuCredits', 'fileAssets', 'tenancy', 'kubelet', 'mixedInstancesPolicy', 'capacityRebalance', 'additionalUserData',
    'suspendProcesses', 'externalLoadBalancers', 'detailedInstanceMonitoring', 'iam', 'securityGroupOverride', 'instanceProtection',
    'sysctlParameters', 'instanceInterruptionBehavior', 'compressUserData', 'updatePolicy', 'warmPool', 'containerd', 'packages',
    'guestAccelerators', 'maxInstanceLifetime', 'gcpProvisioningModel',
  ],
);

export const OBJECT_ROOT = (spec: FieldShape): FieldShape =>
  ({ t: 'object', fields: { apiVersion: str, kind: str, metadata, spec } }) as const;
