/**
 * kops's names for the AWS resources of a cluster (pkg/model/names.go), so that a kops user
 * recognises every task key in a plan. Pure functions of the cluster name and the spec.
 *
 * Each name is also the AWS name, so each is fitted to its service's limit as kops fits it
 * (`fitAwsName`: cut, plus a stable hash of the whole name; see src/tasks/aws/truncate.ts): a
 * long cluster name still gives valid names, and the same ones on every run.
 */
import { normalizeRole, type InstanceGroup } from '../api/types.js';
import { fitAwsName } from '../../tasks/aws/truncate.js';

export { AWS_NAME_LIMITS, fitAwsName, truncateName } from '../../tasks/aws/truncate.js';

/** kops's group name, before fitting: `<ig>.masters.<cluster>`, `<ig>.apiservers.<cluster>`, else `<ig>.<cluster>`. */
function instanceGroupResourceName(ig: InstanceGroup, cluster: string): string {
  switch (normalizeRole(ig.spec.role)) {
    case 'ControlPlane':
      return `${ig.metadata.name}.masters.${cluster}`;
    case 'APIServer':
      return `${ig.metadata.name}.apiservers.${cluster}`;
    default:
      return `${ig.metadata.name}.${cluster}`;
  }
}

/** `<ig>.masters.<cluster>` for control planes, `<ig>.apiservers.<cluster>`, else `<ig>.<cluster>` (255). */
export function autoscalingGroupName(ig: InstanceGroup, cluster: string): string {
  return fitAwsName('autoscalingGroup', instanceGroupResourceName(ig, cluster));
}

/** The group's launch template: kops names it like the group; launch template names stop at 128. */
export function launchTemplateName(ig: InstanceGroup, cluster: string): string {
  return fitAwsName('launchTemplate', instanceGroupResourceName(ig, cluster));
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

/** `<prefix>.<cluster>` (255). */
export function securityGroupName(prefix: string, cluster: string): string {
  return fitAwsName('securityGroup', `${prefix}.${cluster}`);
}

/** The IAM role, its inline policy and its instance profile: `<prefix>.<cluster>` (64, a role's limit). */
export function iamName(prefix: string, cluster: string): string {
  return fitAwsName('iamRole', `${prefix}.${cluster}`);
}

/** kops's key pair name `kubernetes.<cluster>-<fingerprint>` (255). */
export function sshKeyName(cluster: string, fingerprint: string): string {
  return fitAwsName('keyPair', `kubernetes.${cluster}-${fingerprint}`);
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
