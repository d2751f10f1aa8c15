/**
 * The instance groups of a new cluster with the per-role flags applied (sizes, images, volumes,
 * security groups, public IPs), as kops's NewCluster and RunCreateCluster set them.
 */
import type { ClusterSpec, InstanceGroup, InstanceGroupSpec } from '../model/api/types.js';
import { DEFAULT_AWS_BASTION_MACHINE_TYPE, DEFAULT_AWS_MACHINE_TYPE, DEFAULT_GCE_MACHINE_TYPE, defaultImage } from '../model/defaults.js';
import { DEFAULT_KUBERNETES_VERSION } from '../version.js';
import type { NewClusterOptions } from './new-cluster.js';
import { gceRegionOf } from './new-cluster-parse.js';
import { instanceGroup, placeControlPlanes, spread } from './new-cluster-groups.js';

/** kops's GCE bastion default (populate_instancegroup_spec.go: defaultBastionMachineTypeGCE). */
const DEFAULT_GCE_BASTION_MACHINE_TYPE = 'e2-micro';

type Role = 'ControlPlane' | 'Node' | 'Bastion';

function defaultMachineType(cloud: string, role: Role): string {
  if (cloud === 'gce') return role === 'Bastion' ? DEFAULT_GCE_BASTION_MACHINE_TYPE : DEFAULT_GCE_MACHINE_TYPE;
  return role === 'Bastion' ? DEFAULT_AWS_BASTION_MACHINE_TYPE : DEFAULT_AWS_MACHINE_TYPE;
}

/** Machine type, mixed-instances policy (AWS, several sizes) and image of one role. */
function machine(o: NewClusterOptions, cloud: string, role: Role, version: string): Partial<InstanceGroupSpec> & Record<string, unknown> {
  const sizes = role === 'ControlPlane' ? o.controlPlaneSizes : role === 'Node' ? o.nodeSizes : undefined;
  const machineType = sizes?.[0] ?? defaultMachineType(cloud, role);
  const roleImage = role === 'ControlPlane' ? o.controlPlaneImage : role === 'Node' ? o.nodeImage : o.bastionImage;
  const image = roleImage ?? o.image ?? defaultImage(cloud, version, machineType);
  return {
    ...(image ? { image } : {}),
    machineType,
    ...(cloud === 'aws' && sizes && sizes.length > 1 ? { mixedInstancesPolicy: { instances: [...sizes] } } : {}),
  };
}

function extras(o: NewClusterOptions, role: Role): Partial<InstanceGroupSpec> {
  const groups = role === 'ControlPlane' ? o.controlPlaneSecurityGroups : role === 'Node' ? o.nodeSecurityGroups : undefined;
  const size = role === 'ControlPlane' ? o.controlPlaneVolumeSize : role === 'Node' ? o.nodeVolumeSize : undefined;
  const type = role === 'ControlPlane' ? o.controlPlaneVolumeType : role === 'Node' ? o.nodeVolumeType : undefined;
  return {
    ...(groups && groups.length > 0 ? { additionalSecurityGroups: [...groups] } : {}),
    ...(o.associatePublicIP !== undefined ? { associatePublicIp: o.associatePublicIP } : {}),
    ...(size ? { rootVolumeSize: size } : {}),
    ...(type ? { rootVolumeType: type } : {}),
  };
}

/** The subnet a zone's groups use: the zone's own subnet on AWS, the region's on GCE. */
function subnetOf(cloud: string, zone: string): string {
  return cloud === 'gce' ? gceRegionOf(zone) : zone;
}

/**
 * kops: a zone's nodes use its subnets but the first (the main subnet, which may be small) when
 * the zone has more than one: the subnets of further `--network-cidr` values.
 */
function nodeSubnets(cloud: string, zone: string, spec: ClusterSpec): string[] {
  const main = subnetOf(cloud, zone);
  const more = (spec.subnets ?? []).filter((s) => s.zone === zone && s.type !== 'Utility' && s.name.startsWith(`${zone}-`)).map((s) => s.name);
  return more.length > 0 ? more : [main];
}

export function buildInstanceGroups(o: NewClusterOptions, cloud: string, spec: ClusterSpec): InstanceGroup[] {
  const version = spec.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
  const zonesOf = (zone: string) => (cloud === 'gce' ? { zones: [zone] } : {});
  const out: InstanceGroup[] = [];
  const cpZones = o.controlPlaneZones && o.controlPlaneZones.length > 0 ? o.controlPlaneZones : o.zones;
  const cpCount = o.controlPlaneCount ?? (o.controlPlaneZones && o.controlPlaneZones.length > 0 ? o.controlPlaneZones.length : 1);
  for (const p of placeControlPlanes(cpCount, cpZones)) {
    out.push(
      instanceGroup(o.name, p.name, 'Master', {
        ...machine(o, cloud, 'ControlPlane', version),
        ...extras(o, 'ControlPlane'),
        maxSize: 1,
        minSize: 1,
        subnets: [subnetOf(cloud, p.zone)],
        ...zonesOf(p.zone),
      }),
    );
  }
  const counts = spread(o.nodeCount ?? o.zones.length, o.zones.length);
  o.zones.forEach((zone, i) => {
    const n = counts[i] ?? 0;
    out.push(
      instanceGroup(o.name, `nodes-${zone}`, 'Node', {
        ...machine(o, cloud, 'Node', version),
        ...extras(o, 'Node'),
        maxSize: n,
        minSize: n,
        subnets: nodeSubnets(cloud, zone, spec),
        ...zonesOf(zone),
      }),
    );
  });
  if (o.bastion) {
    // kops puts bastions in the cluster's private subnets (every subnet but Utility and
    // DualStack); they are reached through a load balancer in the utility subnets.
    const subnets = (spec.subnets ?? []).filter((s) => s.type !== 'Utility' && s.type !== 'DualStack').map((s) => s.name);
    const allZones = [...new Set([...o.zones, ...(o.controlPlaneZones ?? [])])].sort();
    out.push(
      instanceGroup(o.name, 'bastions', 'Bastion', {
        ...machine(o, cloud, 'Bastion', version),
        ...(o.associatePublicIP !== undefined ? { associatePublicIp: o.associatePublicIP } : {}),
        maxSize: 1,
        minSize: 1,
        subnets,
        ...(cloud === 'gce' ? { zones: allZones } : {}),
      }),
    );
  }
  return out;
}
