/**
 * Completion of instance groups, as kops's populate_instancegroup_spec.go and its AWS model
 * (launch template defaults) fill them: machine type and image, sizes, subnets, root volume and
 * instance metadata options.
 */
import {
  DEFAULT_AWS_BASTION_MACHINE_TYPE,
  DEFAULT_AWS_MACHINE_TYPE,
  DEFAULT_AWS_ROOT_VOLUME_TYPE,
  DEFAULT_GCE_BASTION_MACHINE_TYPE,
  DEFAULT_GCE_MACHINE_TYPE,
  DEFAULT_GCE_ROOT_VOLUME_TYPE,
  DEFAULT_ROOT_VOLUME_SIZE,
  defaultImage,
} from './defaults.js';
import { normalizeRole, type ClusterSpec, type InstanceGroup, type InstanceGroupSpec, type NormalizedRole } from './api/types.js';

export function completeInstanceGroup(ig: InstanceGroup, spec: ClusterSpec, cloud: string | undefined): void {
  const s = ig.spec;
  const role = normalizeRole(s.role);
  if (cloud === 'aws' || cloud === 'gce') {
    s.machineType ??= defaultMachineType(cloud, role);
    const image = spec.kubernetesVersion ? defaultImage(cloud, spec.kubernetesVersion, s.machineType) : undefined;
    if (image) s.image ??= image;
  }
  completeSizes(s, role);
  if (role !== 'ControlPlane' && (s.subnets == null || s.subnets.length === 0)) {
    const subnets = defaultSubnets(spec);
    if (subnets.length > 0) s.subnets = subnets;
  }
  if (cloud === 'aws' || cloud === 'gce') completeRootVolume(s, role, cloud);
  if (cloud === 'aws') {
    // IMDSv2 only, and a hop limit of 1 so that pods cannot reach the instance's credentials.
    s.instanceMetadata ??= {};
    s.instanceMetadata.httpTokens ??= 'required';
    s.instanceMetadata.httpPutResponseHopLimit ??= 1;
  }
}

function defaultMachineType(cloud: 'aws' | 'gce', role: NormalizedRole): string {
  if (cloud === 'gce') return role === 'Bastion' ? DEFAULT_GCE_BASTION_MACHINE_TYPE : DEFAULT_GCE_MACHINE_TYPE;
  return role === 'Bastion' ? DEFAULT_AWS_BASTION_MACHINE_TYPE : DEFAULT_AWS_MACHINE_TYPE;
}

/**
 * kops: 1/1 for control planes and bastions, 2/2 for the others. When only one bound is given the
 * other follows it (kops would pair `minSize: 5` with its default `maxSize: 2`, which is invalid).
 */
function completeSizes(s: InstanceGroupSpec, role: NormalizedRole): void {
  const fallback = role === 'ControlPlane' || role === 'Bastion' ? 1 : 2;
  if (s.minSize == null && s.maxSize == null) {
    s.minSize = fallback;
    s.maxSize = fallback;
  }
  // A negative bound is the user's error to see once, not to be copied into the other bound.
  s.minSize ??= Math.max(s.maxSize!, 0);
  s.maxSize ??= Math.max(s.minSize, 0);
}

/** kops: an instance group without subnets runs in every subnet but the Utility (and DualStack) ones. */
function defaultSubnets(spec: ClusterSpec): string[] {
  const subnets = spec.subnets ?? [];
  const main = subnets.filter((s) => s.type !== 'Utility' && s.type !== 'DualStack').map((s) => s.name);
  return main.length > 0 ? main : subnets.filter((s) => s.type !== 'Utility').map((s) => s.name);
}

/** Filled in whichever spelling the group uses: v1alpha2's flat fields, or `rootVolume`. */
function completeRootVolume(s: InstanceGroupSpec, role: NormalizedRole, cloud: 'aws' | 'gce'): void {
  const size = DEFAULT_ROOT_VOLUME_SIZE[role];
  const type = cloud === 'aws' ? DEFAULT_AWS_ROOT_VOLUME_TYPE : DEFAULT_GCE_ROOT_VOLUME_TYPE;
  if (s.rootVolume != null) {
    s.rootVolume.size ??= size;
    s.rootVolume.type ??= type;
    if (cloud === 'aws') s.rootVolume.encryption ??= true;
    return;
  }
  s.rootVolumeSize ??= size;
  s.rootVolumeType ??= type;
  if (cloud === 'aws') s.rootVolumeEncryption ??= true;
}
