/**
 * The InstanceGroup's part of the v1alpha2 field table (schema.ts, which holds the shapes, the
 * Cluster's spec and what both share): every field of kops's InstanceGroupSpec (instancegroup.go),
 * and for each whether kops-ts acts on it.
 */
import {
  bool,
  enumOf,
  ignoredByKops,
  int32,
  int64,
  kubelet,
  nodeExtras,
  obj,
  rollingUpdate,
  str,
  strList,
  strMap,
  unreadByKops,
  type ObjectShape,
} from './schema.js';

const IG_KOPS_ONLY = [
  'manager',
  'spotDurationInMinutes',
  'compressUserData',
  'updatePolicy', 'warmPool', 'guestAccelerators',
];

export const INSTANCE_GROUP_SPEC: ObjectShape = obj(
  {
    role: enumOf('Master', 'ControlPlane', 'Node', 'Bastion', 'APIServer'),
    kubelet,
    image: str,
    minSize: int32,
    maxSize: int32,
    machineType: str,
    rootVolumeSize: int32,
    rootVolumeType: str,
    rootVolumeIops: int32,
    rootVolumeThroughput: int32,
    rootVolumeEncryption: bool,
    rootVolumeEncryptionKey: str,
    /** kops's v1alpha3 spelling of the root volume, accepted as types-instance-group.ts declares it. */
    rootVolume: obj({
      size: int32,
      type: str,
      iops: int32,
      throughput: int32,
      encryption: bool,
      encryptionKey: str,
      optimization: bool,
      // In kops's own test manifests, never read by kops (it has rootVolume.iops/throughput).
      volumeIops: ignoredByKops('use rootVolume.iops (or the flat rootVolumeIops, which kops writes)'),
      volumeThroughput: ignoredByKops('use rootVolume.throughput (or the flat rootVolumeThroughput, which kops writes)'),
    }),
    subnets: strList,
    zones: strList,
    associatePublicIp: bool,
    additionalSecurityGroups: strList,
    cloudLabels: strMap,
    nodeLabels: strMap,
    taints: strList,
    rollingUpdate,
    instanceMetadata: obj({ httpPutResponseHopLimit: int64, httpTokens: enumOf('required', 'optional') }),
    // AWS: the autoscaling group's MixedInstancesPolicy (docs/spec.md, "Spot and mixed instances");
    // on GCE kept, with a warning (validation-mixed.ts). instanceRequirements is not acted on.
    mixedInstancesPolicy: obj(
      { instances: strList, onDemandAllocationStrategy: str, onDemandBase: int64, onDemandAboveBase: int64, spotAllocationStrategy: str, spotInstancePools: int64 },
      ['instanceRequirements'],
    ),
    maxPrice: str,
    // AWS: the autoscaling group's (docs/spec.md, "Autoscaling group and launch template options");
    // on GCE kept, with a warning (validation-asg.ts).
    suspendProcesses: strList,
    capacityRebalance: bool,
    instanceProtection: bool,
    detailedInstanceMonitoring: bool,
    cpuCredits: enumOf('standard', 'unlimited'),
    tenancy: enumOf('default', 'dedicated', 'host'),
    /** A Go duration, as kops's metav1.Duration (`168h0m0s`). */
    maxInstanceLifetime: str,
    externalLoadBalancers: { t: 'array', of: obj({ loadBalancerName: str, targetGroupArn: str }) },
    // AWS: launch-template block devices and boot-time mounts (validation-volumes.ts); refused on GCE.
    volumes: { t: 'array', of: obj({ device: str, size: int64, type: str, iops: int64, throughput: int64, encrypted: bool, key: str, deleteOnTermination: bool }) },
    volumeMounts: { t: 'array', of: obj({ device: str, filesystem: str, formatOptions: strList, mountOptions: strList, path: str }) },
    ...nodeExtras,
    // AWS: parts of a MIME multipart user data after kops-ts's (src/bootstrap/user-data-parts.ts).
    additionalUserData: { t: 'array', of: obj({ name: str, type: str, content: str }) },
    // AWS: the user's instance profile and security group, EbsOptimized, the Spot interruption
    // behaviour (validation-ig-aws.ts; docs/spec.md "Instance profile and security group override").
    iam: obj({ profile: str }),
    securityGroupOverride: str,
    rootVolumeOptimization: bool,
    instanceInterruptionBehavior: enumOf('terminate', 'stop', 'hibernate'),
    rootVolumeDeleteOnTermination: unreadByKops("kops's API marks it unused: kops and kops-ts always delete the root volume with its instance; kept as is"),
    // The cluster autoscaler's (src/model/cluster-autoscaler.ts): kept with a warning when it is not enabled.
    autoscale: bool,
    autoscalePriority: int32,
    // GCE: Spot instances (the instance template's scheduling); kept with a warning elsewhere (validation-asg.ts).
    gcpProvisioningModel: enumOf('STANDARD', 'SPOT'),
  },
  IG_KOPS_ONLY,
);
