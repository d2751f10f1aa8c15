/**
 * kops's names for the AWS resources of a cluster (pkg/model/names.go), so that a kops user
 * recognises every task key in a plan. Pure functions of the cluster name and the spec.
 */
import { createHash } from 'node:crypto';
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

/**
 * AWS load-balancer and target-group names are limited to 32 characters of [a-zA-Z0-9-]. kops
 * keeps a readable prefix and, when the name would be too long, truncates it and appends a short
 * hash of the whole name so distinct clusters stay distinct.
 */
export function awsLimitedName(base: string, max = 32): string {
  const clean = base.replace(/\./g, '-').replace(/[^a-zA-Z0-9-]/g, '');
  if (clean.length <= max) return clean;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 6);
  return `${clean.slice(0, max - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

export function apiLoadBalancerName(cluster: string): string {
  return awsLimitedName(`api-${cluster}`);
}

export function apiTargetGroupName(cluster: string): string {
  return awsLimitedName(`tcp-${cluster}`);
}
