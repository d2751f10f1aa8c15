/**
 * The acted-on audit's cases for an instance group's own instance profile and security group and
 * its other launch-template options (src/model/aws/ig-overrides.ts; acted-on-fields.test.ts spreads
 * them into its ACTED table): each edit and every task change it makes.
 */
import type { AuditSpec } from './acted-on-spot.js';

export const USER_PROFILE = 'arn:aws:iam::123456789012:instance-profile/platform/my-nodes';
export const USER_SG = 'sg-0123456789abcdef0';

export function overrideCases(nodes: string, lt: string, cluster: string): Record<string, { edit: (s: AuditSpec) => void; changes: string[] }> {
  const node = (s: AuditSpec) => s.igs.find((g) => g.metadata.name === nodes)!;
  return {
    // The other node group keeps the role's profile, so the nodes role is still built.
    'InstanceGroup spec.iam.profile': {
      edit: (s) => (node(s).spec.iam = { profile: USER_PROFILE }),
      changes: [`+ IAMInstanceProfile/my-nodes`, `~ ${lt} iamInstanceProfile: ref(IAMInstanceProfile/nodes.${cluster}.name) -> ref(IAMInstanceProfile/my-nodes.name)`],
    },
    // Instead of the role's group, not besides it (kops); the role's group stays for the other groups.
    'InstanceGroup spec.securityGroupOverride': {
      edit: (s) => (node(s).spec.securityGroupOverride = USER_SG),
      changes: [`+ SecurityGroup/${USER_SG}`, `~ ${lt} securityGroupIds: ["ref(SecurityGroup/nodes.${cluster}.id)"] -> ["ref(SecurityGroup/${USER_SG}.id)"]`],
    },
    'InstanceGroup spec.rootVolumeOptimization': { edit: (s) => (node(s).spec.rootVolumeOptimization = true), changes: [`~ ${lt} ebsOptimized: (none) -> true`] },
    'InstanceGroup spec.rootVolume.optimization': { edit: (s) => (node(s).spec.rootVolume = { optimization: false }), changes: [`~ ${lt} ebsOptimized: (none) -> false`] },
    // In the template's Spot options, so only with maxPrice (without it: kept, with a warning).
    'InstanceGroup spec.instanceInterruptionBehavior': {
      edit: (s) => Object.assign(node(s).spec, { maxPrice: '0.05', instanceInterruptionBehavior: 'terminate' }),
      changes: [`~ ${lt} spotInterruptionBehavior: (none) -> "terminate"`, `~ ${lt} spotMaxPrice: (none) -> "0.05"`],
    },
  };
}
