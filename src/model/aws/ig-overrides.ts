/**
 * An instance group's own instance profile and security group, as kops builds them
 * (pkg/model/awsmodel/iam.go, autoscalinggroup.go buildSecurityGroups):
 *
 * - `spec.iam.profile` (an instance profile ARN the user owns): the group's launch template names
 *   that profile, a `shared` IAMInstanceProfile task (found, never created, changed or deleted).
 *   The role's own role, policies and profile (`nodes.<cluster>`) are built only while some group
 *   of that role has no profile of its own: they are per role, shared by the role's groups.
 * - `spec.securityGroupOverride` (a group id the user owns): the group's instances get it INSTEAD
 *   of the role's group (`nodes.<cluster>`), plus the group's additionalSecurityGroups; a `shared`
 *   SecurityGroup task, named by its id. The role's group and rules are still built (the other
 *   groups and the cluster's rules use them).
 *
 * Pure: the spec in, tasks and refs out.
 */
import { ref, type Val } from '../../tasks/types.js';
import { profileNameFromArn } from '../../tasks/aws/iam-instance-profile.js';
import type { InstanceGroup } from '../api/types.js';
import type { LaunchTemplateDesired } from '../../tasks/aws/launch-template.js';
import { specRootVolume } from './root-volume.js';
import type { AwsModelContext } from './context.js';
import { roleSecurityGroupName } from './firewall.js';
import { iamName, roleGroupPrefix } from './names.js';

/** The user's instance profile ARN of a group, if it names one. */
export function userProfileArn(ig: InstanceGroup): string | undefined {
  const p = ig.spec.iam?.profile;
  return typeof p === 'string' && p !== '' ? p : undefined;
}

/** The task name of a user's profile: its name (the ARN's last path segment), as kops names it. */
export function userProfileTaskName(arn: string): string {
  return profileNameFromArn(arn);
}

/** The role prefixes whose own IAM (role, policies, profile) is built: a group of it has no profile of its own. */
export function rolesWithManagedIam(igs: readonly InstanceGroup[]): Set<string> {
  return new Set(igs.filter((ig) => userProfileArn(ig) === undefined).map((ig) => roleGroupPrefix(ig)));
}

/** The shared profile tasks of the groups that name one (one task a profile). */
export function addUserProfiles(m: AwsModelContext): void {
  const seen = new Set<string>();
  for (const ig of m.instanceGroups) {
    const arn = userProfileArn(ig);
    if (arn === undefined || seen.has(arn)) continue;
    seen.add(arn);
    m.add({ kind: 'IAMInstanceProfile', name: userProfileTaskName(arn), shared: true, desired: { tags: {}, arn } });
  }
}

/** What the group's launch template names: the user's profile, or the role's. */
export function instanceProfileOf(ig: InstanceGroup, cluster: string): Val<string> {
  const arn = userProfileArn(ig);
  return ref('IAMInstanceProfile', arn !== undefined ? userProfileTaskName(arn) : iamName(roleGroupPrefix(ig), cluster), 'name');
}

/** The group's security groups: the override (a shared task, added here) or the role's, then its additional ones. */
export function securityGroupsOf(m: AwsModelContext, ig: InstanceGroup): Val[] {
  const override = ig.spec.securityGroupOverride;
  const extra = (ig.spec.additionalSecurityGroups ?? []) as Val[];
  if (typeof override !== 'string' || override === '') return [ref('SecurityGroup', roleSecurityGroupName(ig, m.name)), ...extra];
  if (!m.built().some((t) => t.kind === 'SecurityGroup' && t.name === override)) {
    const vpc = m.sharedVpc ? m.cluster.spec.networkID! : ref('VPC', m.name);
    m.add({ kind: 'SecurityGroup', name: override, shared: true, desired: { name: override, vpc, description: '', tags: {}, id: override } });
  }
  return [ref('SecurityGroup', override), ...extra];
}

/**
 * kops's other launch-template options of a group: EbsOptimized when the spec gives
 * rootVolumeOptimization (either spelling), and the Spot interruption behaviour, which kops puts in
 * the template's Spot options, so only when the template requests Spot (maxPrice, no mixed policy).
 */
export function launchOptions(ig: InstanceGroup): Pick<LaunchTemplateDesired, 'ebsOptimized' | 'spotInterruptionBehavior'> {
  const optimized = specRootVolume(ig.spec).optimization;
  const spot = ig.spec.maxPrice !== undefined && !ig.spec.mixedInstancesPolicy;
  const behavior = ig.spec.instanceInterruptionBehavior;
  return {
    ...(typeof optimized === 'boolean' ? { ebsOptimized: optimized } : {}),
    ...(spot && behavior != null ? { spotInterruptionBehavior: behavior } : {}),
  };
}
