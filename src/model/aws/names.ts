/**
 * kops's names for the AWS resources of a cluster (pkg/model/names.go), so that a kops user
 * recognises every task key in a plan. Pure functions of the cluster name and the spec.
 */
import { normalizeRole, type InstanceGroup } from '../api/types.js';

/** `<ig>.masters.<cluster>` for control planes, `<ig>.apiservers.<cluster>`, else `<ig>.<cluster>`. */
export function autoscalingGroupName(ig: InstanceGroup, cluster: string): string {
  switch (normalizeRole(ig.spec.role)) {
    case 'ControlPlane':
      return `${ig.metadata.name}.masters.${cluster}`;
    case 'APIServer':
      return `${ig.metadata.name}.apiservers.${cluster}`;
    default:
      return `${ig.metadata.name}.${cluster}`;
  }
}

/** The security-group / IAM role prefix of a role: masters, nodes, bastions, apiservers. */
export function roleGroupPrefix(ig: InstanceGroup): 'masters' | 'nodes' | 'bastions' | 'apiservers' {
  switch (normalizeRole(ig.spec.role)) {
    case 'ControlPlane':
      return 'masters';
    case 'Bastion':
      return 'bastions';
    case 'APIServer':
      return 'apiservers';
    default:
      return 'nodes';
  }
}

export function securityGroupName(prefix: string, cluster: string): string {
  return `${prefix}.${cluster}`;
}

export function iamName(prefix: string, cluster: string): string {
  return `${prefix}.${cluster}`;
}

export function subnetTaskName(subnetName: string, cluster: string): string {
  return `${subnetName}.${cluster}`;
}

/** `a.etcd-main.<cluster>`. */
export function etcdVolumeName(member: string, etcdCluster: string, cluster: string): string {
  return `${member}.etcd-${etcdCluster}.${cluster}`;
}

/** AWS load-balancer and target-group names (32 characters, kops's hashing): see src/tasks/aws/elb-listing.ts. */
export { apiLoadBalancerAwsName, targetGroupName } from '../../tasks/aws/elb-listing.js';
