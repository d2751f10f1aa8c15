/**
 * The v1alpha2 field table: every field of kops's Cluster and InstanceGroup, and for each whether
 * kops-ts acts on it.
 *
 * Three kinds of field:
 * - acted on (the fields of `types.ts`): described with their shape and checked;
 * - kops's own fields that kops-ts does not act on yet: accepted with whatever value, preserved
 *   untouched, and named in one warning each (a whole subtree such as `kubeControllerManager` gets
 *   one warning at its root);
 * - anything else: an `UnknownField` error with a "did you mean" among the siblings.
 * A few kops fields that kops itself now rejects (gossip, Docker, removed CNIs) are `removed`:
 * an error saying so, rather than a silent warning.
 *
 * Field names are those of kubernetes/kops `pkg/apis/kops/v1alpha2` (cluster.go, instancegroup.go,
 * networking.go, topology.go, bastion.go, componentconfig.go), so a manifest kops wrote loads here.
 *
 * This file holds the shapes, the Cluster's spec and what both kinds share (metadata, kubelet,
 * rolling update, node customisations); the InstanceGroup's spec is in schema-instance-group.ts,
 * the control plane components' in schema-components.ts.
 */
import {
  AMAZONVPC_FIELDS,
  CALICO_FIELDS,
  CILIUM_FIELDS,
  CNI_FIELDS,
  FLANNEL_FIELDS,
  KINDNET_FIELDS,
  KUBELET_FIELDS,
  KUBEROUTER_FIELDS,
  KUBE_APISERVER_FIELDS,
  KUBE_CONTROLLER_MANAGER_FIELDS,
  KUBE_PROXY_FIELDS,
  KUBE_SCHEDULER_FIELDS,
} from './schema-kops-fields.js';
import { componentShape } from './schema-components.js';

/** kops's Go integer types: a value outside the type's range is refused, as kops could not read it. */
export type IntType = 'int32' | 'int64' | 'uint32';

export type FieldShape =
  | { readonly t: 'string' | 'boolean' | 'quantity' }
  | { readonly t: 'int'; readonly type: IntType }
  /** kops's `intstr.IntOrString`: the number is an int32. */
  | { readonly t: 'intOrString' }
  | { readonly t: 'enum'; readonly values: readonly string[] }
  | { readonly t: 'object'; readonly fields: Readonly<Record<string, FieldShape>> }
  | { readonly t: 'array'; readonly of: FieldShape }
  | { readonly t: 'map'; readonly of: FieldShape }
  /** A string, or (kops's v1alpha3 spelling) an object: e.g. `cloudProvider: aws` or `{aws: {}}`. */
  | { readonly t: 'stringOrObject'; readonly string: FieldShape; readonly object: FieldShape }
  /** A kops field kops-ts does not act on: any value, kept, one warning (with `reason` if given). */
  | { readonly t: 'kops'; readonly reason?: string }
  /** An object kops-ts acts on by its presence; contents are kops's, kept, one warning if any. */
  | { readonly t: 'presence' }
  /** A kops field that kops (and so kops-ts) no longer supports: an error with the reason. */
  | { readonly t: 'removed'; readonly reason: string; readonly hint: string }
  /**
   * Not a field of kops's v1alpha2 API, but found in manifests kops accepts: kops's decoder drops
   * unknown fields silently, so it ignores it. kops-ts ignores it too, keeps it, and says so.
   */
  | { readonly t: 'ignored'; readonly reason: string; readonly hint: string };

export type ObjectShape = Extract<FieldShape, { t: 'object' }>;

const str: FieldShape = { t: 'string' };
const int32: FieldShape = { t: 'int', type: 'int32' };
const int64: FieldShape = { t: 'int', type: 'int64' };
const uint32: FieldShape = { t: 'int', type: 'uint32' };
const bool: FieldShape = { t: 'boolean' };
const quantity: FieldShape = { t: 'quantity' };
const intOrString: FieldShape = { t: 'intOrString' };
const strList: FieldShape = { t: 'array', of: str };
const strMap: FieldShape = { t: 'map', of: str };
const kops: FieldShape = { t: 'kops' };
const presence: FieldShape = { t: 'presence' };
const enumOf = (...values: string[]): FieldShape => ({ t: 'enum', values });
const removed = (reason: string, hint = 'remove this field'): FieldShape => ({ t: 'removed', reason, hint });
const ignoredByKops = (hint = 'remove it: it has no effect in kops or kops-ts'): FieldShape => ({
  t: 'ignored',
  reason: "not a field of kops's v1alpha2 API: kops drops it when it reads the manifest, and kops-ts ignores it too; kept as is",
  hint,
});

/** An object: `fields` are acted on; `kopsOnly` are kops's fields that are only kept. */
function obj(fields: Record<string, FieldShape>, kopsOnly: readonly string[] = []): ObjectShape {
  const all: Record<string, FieldShape> = {};
  for (const k of kopsOnly) all[k] = kops;
  return { t: 'object', fields: { ...all, ...fields } };
}

const rollingUpdate = obj({ drainAndTerminate: bool, maxUnavailable: intOrString, maxSurge: intOrString });

const metadata = obj({ name: str, creationTimestamp: str, generation: int64, labels: strMap, annotations: strMap }, [
  'namespace', 'uid', 'resourceVersion', 'selfLink', 'finalizers', 'ownerReferences', 'managedFields',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'generateName',
]);

const subnet = obj(
  {
    name: str,
    zone: str,
    region: str,
    cidr: str,
    ipv6CIDR: str,
    id: str,
    egress: str,
    type: enumOf('Public', 'Private', 'Utility', 'DualStack'),
  },
  ['publicIP', 'additionalRoutes'],
);

/** A kops field that kops itself no longer reads: kept, with a warning saying so. */
const unreadByKops = (reason: string): FieldShape => ({ t: 'kops', reason });

const topology = obj({
  // v1alpha2 still has them, but kops's conversion drops them: the instance groups' subnets decide.
  masters: unreadByKops("deprecated: kops no longer reads it (each instance group's subnets decide where it runs), nor does kops-ts; kept as is"),
  nodes: unreadByKops("deprecated: kops no longer reads it (each instance group's subnets decide where it runs), nor does kops-ts; kept as is"),
  dns: obj({ type: enumOf('Public', 'Private', 'None') }),
  // idleTimeoutSeconds configured kops's Classic bastion ELB; a Network Load Balancer has none.
  bastion: obj({ bastionPublicName: str, loadBalancer: obj({ type: enumOf('Public', 'Internal'), additionalSecurityGroups: strList }) }, ['idleTimeoutSeconds']),
});

const loadBalancer = obj(
  {
    class: enumOf('Network', 'Classic'),
    type: enumOf('Public', 'Internal'),
    crossZoneLoadBalancing: bool,
    additionalSecurityGroups: strList,
    sslCertificate: str,
    sslPolicy: str,
  },
  // idleTimeoutSeconds is the Classic ELB's (kops ignores it for a Network Load Balancer).
  ['securityGroupOverride', 'useForInternalApi', 'subnets', 'accessLog', 'idleTimeoutSeconds'],
);

/**
 * v1alpha2's APISpec is `dns` | `loadBalancer`; `publicName`/`additionalSANs` are the later API's
 * (v1alpha3, kops's internal spec). `additionalSANs` names the API certificate's extra names: kops-ts
 * makes no certificates yet, so it is kept with a warning.
 */
const api = obj({ dns: obj({}), loadBalancer, publicName: str }, ['additionalSANs']);

const etcdMember = obj({
  name: str,
  instanceGroup: str,
  volumeType: str,
  volumeIops: int32,
  volumeThroughput: int32,
  volumeSize: int32,
  kmsKeyId: str,
  encryptedVolume: bool,
});

const etcdCluster = obj(
  {
    name: str,
    provider: str,
    etcdMembers: { t: 'array', of: etcdMember },
    version: str,
    manager: obj({ backupRetentionDays: uint32 }, [
      'image', 'env', 'backupInterval', 'discoveryPollInterval', 'listenMetricsURLs', 'listenClientHTTPURLs', 'logLevel',
    ]),
    cpuRequest: quantity,
    memoryRequest: quantity,
    // Found in kops's test manifests at the cluster level; kops has them per member only.
    type: ignoredByKops('set volumeType on each of etcdMembers'),
    volumeIops: ignoredByKops('set volumeIops on each of etcdMembers'),
    volumeThroughput: ignoredByKops('set volumeThroughput on each of etcdMembers'),
    volumeSize: ignoredByKops('set volumeSize on each of etcdMembers'),
  },
  ['enableEtcdTLS', 'enableTLSAuth', 'leaderElectionTimeout', 'heartbeatInterval', 'image', 'backups'],
);

/** The CNI chosen is acted on; its options are kops's (kept, one warning each). */
const networking = obj(
  {
    kubenet: obj({}),
    cni: obj({}, CNI_FIELDS),
    // The instance policies act on calico's awsSrcDstCheck and cilium's ipam (docs/iam.md); the
    // options `create cluster` writes are validated and stored for the node bootstrap.
    calico: obj({ awsSrcDstCheck: enumOf('Enable', 'Disable', 'DoNothing'), bpfEnabled: bool }, CALICO_FIELDS),
    cilium: obj({ enableNodePort: bool, etcdManaged: bool, ipam: enumOf('hostscope', 'kubernetes', 'crd', 'eni') }, CILIUM_FIELDS),
    flannel: obj({ backend: enumOf('vxlan', 'udp') }, FLANNEL_FIELDS),
    kindnet: obj({}, KINDNET_FIELDS),
    amazonvpc: obj({}, AMAZONVPC_FIELDS),
    kuberouter: obj({}, KUBEROUTER_FIELDS),
    gce: obj({}),
    classic: removed('classic networking is not supported by kops', 'choose another networking option, e.g. cilium: {}'),
    external: removed('external networking is not supported for Kubernetes >= 1.26', 'use cni: {} and install the CNI yourself'),
    weave: removed('Weave is no longer supported by kops', 'migrate to another networking option, e.g. cilium: {}'),
    canal: removed('Canal is not supported for Kubernetes >= 1.28', 'migrate to calico or cilium'),
    romana: removed('support for Romana has been removed from kops', 'migrate to another networking option, e.g. cilium: {}'),
    lyftvpc: removed('support for LyftVPC has been removed from kops', 'migrate to amazonvpc or cilium'),
  },
  ['kopeio'],
);

/** The kubelet fields kops-ts acts on (src/bootstrap/kubelet-config.ts); checked in src/model/validation-kubelet.ts. */
const kubelet = obj(
  {
    anonymousAuth: bool,
    featureGates: strMap,
    maxPods: int32,
    podPidsLimit: int64,
    kubeReserved: strMap,
    systemReserved: strMap,
    kubeReservedCgroup: str,
    systemReservedCgroup: str,
    enforceNodeAllocatable: str,
    evictionHard: str,
    evictionSoft: str,
    evictionSoftGracePeriod: str,
    imageGCHighThresholdPercent: int32,
    imageGCLowThresholdPercent: int32,
    cpuManagerPolicy: enumOf('none', 'static'),
    topologyManagerPolicy: enumOf('none', 'best-effort', 'restricted', 'single-numa-node'),
    serializeImagePulls: bool,
    maxParallelImagePulls: int32,
    registryPullQPS: int32,
    registryBurst: int32,
    cpuCFSQuota: bool,
    cpuCFSQuotaPeriod: str,
    readOnlyPort: int32,
    shutdownGracePeriod: str,
    shutdownGracePeriodCriticalPods: str,
    allowedUnsafeSysctls: strList,
    logLevel: int32,
  },
  KUBELET_FIELDS,
);

/**
 * kube-proxy: what `create cluster` writes (kube-proxy off with a replacing CNI, the feature gates
 * of `--kubernetes-feature-gates`) is validated and stored for the node bootstrap; the rest is
 * kops's, kept with a warning each. The control plane's components: schema-components.ts.
 */
const kubeProxy = obj({ enabled: bool, featureGates: strMap }, KUBE_PROXY_FIELDS);

const gossipRemoved = removed(
  'gossip DNS support was removed in kops 1.37',
  'remove this field; use topology.dns.type: None (a load balancer for the API) or a hosted DNS zone',
);

/** kops's node customisations (types-node-extras.ts), acted on by the node bootstrap (src/bootstrap/node-extras.ts). */
const igRoles: FieldShape = { t: 'array', of: enumOf('Master', 'ControlPlane', 'Node', 'Bastion', 'APIServer') };
const fileAssets: FieldShape = { t: 'array', of: obj({ name: str, path: str, roles: igRoles, content: str, isBase64: bool, mode: str }) };
const hooks: FieldShape = {
  t: 'array',
  of: obj({
    name: str, disabled: bool, roles: igRoles, requires: strList, before: strList,
    execContainer: obj({ image: str, command: strList, environment: strMap }), manifest: str, useRawManifest: bool,
  }),
};
/**
 * kops's ContainerdConfig: registryMirrors acted on (src/bootstrap/containerd-config.ts); configAdditions,
 * version, packages and runc typed so validation-containerd.ts can refuse what kops-ts cannot honour.
 */
const containerdPackages = obj({ urlAmd64: str, hashAmd64: str, urlArm64: str, hashArm64: str });
const containerd = obj(
  {
    registryMirrors: { t: 'map', of: strList },
    configAdditions: { t: 'map', of: intOrString },
    version: str,
    packages: containerdPackages,
    runc: obj({ version: str, packages: containerdPackages }),
  },
  [
    'address', 'configOverride', 'logLevel', 'root', 'skipInstall', 'state', 'nvidiaGPU', 'gvisor', 'selinuxEnabled', 'nri',
    'useECRCredentialsForMirrors', 'installCriCtl', 'installNerdCtl', 'sandboxImage',
  ],
);
const nodeExtras = { fileAssets, hooks, sysctlParameters: strList, containerd, packages: strList };

/** kops's ClusterAutoscalerConfig: defaulted and checked in src/model/cluster-autoscaler.ts. */
const clusterAutoscaler = obj({
  enabled: bool,
  expander: str,
  balanceSimilarNodeGroups: bool,
  emitPerNodegroupMetrics: bool,
  awsUseStaticInstanceList: bool,
  ignoreDaemonSetsUtilization: bool,
  // kops's *string; a YAML number (0.5, as kops's docs write it) is taken too: checked as a decimal in [0, 1].
  scaleDownUtilizationThreshold: quantity,
  skipNodesWithCustomControllerPods: bool,
  skipNodesWithSystemPods: bool,
  skipNodesWithLocalStorage: bool,
  newPodScaleUpDelay: str,
  scaleDownDelayAfterAdd: str,
  scaleDownUnneededTime: str,
  scaleDownUnreadyTime: str,
  maxNodeProvisionTime: str,
  cordonNodeBeforeTerminating: bool,
  image: str,
  memoryRequest: quantity,
  cpuRequest: quantity,
  podAnnotations: strMap,
  createPriorityExpanderConfig: bool,
  customPriorityExpanderConfig: { t: 'map', of: strList },
});

const CLUSTER_KOPS_ONLY = [
  'addons', 'containerRuntime', 'masterInternalName', 'secretStore', 'keyStore', 'configStore',
  'additionalSans', 'clusterDNSDomain', 'egressProxy', 'isolateMasters', 'updatePolicy',
  'kubeDNS', 'cloudControllerManager', 'externalDns',
  'ntp',
  'nodeTerminationHandler', 'nodeProblemDetector', 'metricsServer', 'certManager', 'awsLoadBalancerController',
  'authentication', 'assets', 'encryptionConfig', 'target', 'useHostCertificates',
  'warmPool', 'snapshotController', 'karpenter',
  'podIdentityWebhook',
];

export const CLUSTER_SPEC: ObjectShape = obj(
  {
    channel: str,
    configBase: str,
    cloudProvider: {
      t: 'stringOrObject',
      string: str,
      object: obj({ aws: presence, gce: presence, azure: presence, do: presence, hetzner: presence, openstack: presence, scaleway: presence, linode: presence, metal: presence }),
    },
    kubernetesVersion: str,
    project: str,
    subnets: { t: 'array', of: subnet },
    masterPublicName: str,
    networkCIDR: str,
    networkID: str,
    additionalNetworkCIDRs: strList,
    DisableSubnetTags: bool,
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
    masterKubelet: kubelet,
    kubeProxy,
    // src/model/control-plane-components.ts: the flags kops-ts passes through kubeadm's extraArgs.
    kubeAPIServer: componentShape('kubeAPIServer', KUBE_APISERVER_FIELDS),
    kubeControllerManager: componentShape('kubeControllerManager', KUBE_CONTROLLER_MANAGER_FIELDS),
    kubeScheduler: componentShape('kubeScheduler', KUBE_SCHEDULER_FIELDS),
    // GCE's `create cluster` writes `cloudConfig: {}`; anything in it is kops's, kept, one warning.
    cloudConfig: presence,
    networking,
    api,
    authorization: obj({ rbac: obj({}), alwaysAllow: obj({}) }),
    cloudLabels: strMap,
    // AWS roles for service accounts (src/model/aws/iam-service-accounts.ts): the user's, and with
    // useServiceAccountExternalPermissions the cluster autoscaler's (docs/spec.md).
    iam: obj({
      legacy: bool,
      allowContainerRegistry: bool,
      useServiceAccountExternalPermissions: bool,
      serviceAccountExternalPermissions: { t: 'array', of: obj({ name: str, namespace: str, aws: obj({ policyARNs: strList, inlinePolicy: str }) }) },
      permissionsBoundary: str,
    }),
    rollingUpdate,
    // AWS: the instance roles' extra grants (src/model/validation-iam-policies.ts, src/model/aws/iam.ts).
    additionalPolicies: strMap,
    externalPolicies: { t: 'map', of: strList },
    gossipConfig: gossipRemoved,
    dnsControllerGossipConfig: gossipRemoved,
    docker: removed('Docker support was removed in Kubernetes 1.24', 'remove this field: kops-ts runs containerd'),
    // Found in manifests kops accepts (its own tests), but not fields of its API.
    serviceOIDCProvider: ignoredByKops('for IRSA use serviceAccountIssuerDiscovery (enableAWSOIDCProvider)'),
    openstackServiceAccount: ignoredByKops(),
    // AWS IRSA's discovery half (src/model/issuer-discovery.ts); discoveryService is kops's, kept.
    serviceAccountIssuerDiscovery: obj({ discoveryStore: str, enableAWSOIDCProvider: bool, additionalAudiences: strList }, ['discoveryService']),
    nodeAuthorization: removed('nodeAuthorization was reimplemented in Kubernetes 1.19 and must be empty'),
    ...nodeExtras,
    clusterAutoscaler,
  },
  CLUSTER_KOPS_ONLY,
);

/** The whole object: TypeMeta, ObjectMeta and the spec (v1alpha2 objects carry no status). */
export function objectShape(spec: ObjectShape): ObjectShape {
  return obj({ apiVersion: str, kind: str, metadata, spec });
}

/** The field table's vocabulary and the parts both kinds share, for schema-instance-group.ts. */
export { bool, enumOf, ignoredByKops, int32, int64, kubelet, nodeExtras, obj, rollingUpdate, str, strList, strMap, unreadByKops };
