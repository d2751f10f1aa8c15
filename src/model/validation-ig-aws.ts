/**
 * Validation of an instance group's AWS-only identity and launch fields (src/model/aws/ig-overrides.ts):
 *
 * - `iam.profile`: an instance profile ARN (kops: `arn:<partition>:iam::<account>:instance-profile/[path/]name`);
 *   one profile serves groups of one role only (kops refuses a profile shared by two roles: each
 *   role's bootstrap needs its own grants). That it exists is asked by the pre-flight.
 * - `securityGroupOverride`: a security group id, `sg-` and 8 or 17 hex digits.
 * - `instanceInterruptionBehavior`: kops puts it in the launch template's Spot options, which exist
 *   only with `maxPrice` and no mixed-instances policy; elsewhere it is kept with a warning, as kops
 *   ignores it. `stop` and `hibernate` are refused: AWS allows them only for persistent Spot
 *   requests, and an autoscaling group launches one-time requests.
 *
 * On any other cloud they are kept with a FieldNotActedOn warning each (as validation-asg.ts does).
 */
import { normalizeRole, type InstanceGroup, type InstanceGroupSpec } from './api/types.js';
import { igPath, warnOtherCloud, type Reporter } from './validation-util.js';
import { iamName } from './aws/names.js';

/** kops's check (arn.Parse, resource `instance-profile/...`), with IAM's name characters. */
export const INSTANCE_PROFILE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:instance-profile\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;
/** EC2's security group ids: `sg-` and 8 (older) or 17 hex digits. */
export const SECURITY_GROUP_ID = /^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

const AWS_ONLY = ['securityGroupOverride', 'rootVolumeOptimization', 'instanceInterruptionBehavior'] as const;

export function validateIgAwsFields(r: Reporter, s: InstanceGroupSpec, at: (f: string) => string, cloud: string | undefined): void {
  if (cloud !== 'aws') {
    const fields = [...AWS_ONLY.filter((f) => s[f] != null), ...(s.iam?.profile != null ? ['iam.profile'] : []), ...(s.rootVolume?.optimization != null ? ['rootVolume.optimization'] : [])];
    for (const f of fields) warnOtherCloud(r, at(`spec.${f}`), 'AWS', cloud);
    return;
  }
  const profile = s.iam?.profile;
  if (typeof profile === 'string' && !INSTANCE_PROFILE_ARN.test(profile)) {
    r.err('InvalidInstanceProfile', at('spec.iam.profile'), `${JSON.stringify(profile)} is not an instance profile ARN`, 'give the ARN of an existing instance profile, e.g. arn:aws:iam::123456789012:instance-profile/my-nodes (not a role ARN)');
  }
  const sg = s.securityGroupOverride;
  if (typeof sg === 'string' && !SECURITY_GROUP_ID.test(sg)) {
    r.err('InvalidSecurityGroupOverride', at('spec.securityGroupOverride'), `${JSON.stringify(sg)} is not a security group id`, 'give the id of an existing security group in the cluster\'s VPC, e.g. sg-0123456789abcdef0 (not its name)');
  }
  if (s.rootVolumeOptimization != null && s.rootVolume?.optimization != null && s.rootVolumeOptimization !== s.rootVolume.optimization) {
    r.err('ConflictingRootVolume', at('spec.rootVolumeOptimization'), 'rootVolumeOptimization and rootVolume.optimization disagree', 'give one of the two spellings');
  }
  interruptionBehavior(r, s, at);
}

function interruptionBehavior(r: Reporter, s: InstanceGroupSpec, at: (f: string) => string): void {
  const b = s.instanceInterruptionBehavior;
  if (b == null) return;
  const path = at('spec.instanceInterruptionBehavior');
  if (s.maxPrice == null || s.mixedInstancesPolicy != null) {
    const why = s.maxPrice == null ? 'the group launches On-Demand instances (no maxPrice)' : 'a mixed-instances policy requests its Spot instances without launch-template Spot options';
    r.warn('FieldNotActedOn', path, `kept as is: it applies to the launch template's Spot options, and ${why}; kops ignores it too`, 'remove it, or give maxPrice (without mixedInstancesPolicy)');
    return;
  }
  if (b === 'stop' || b === 'hibernate') {
    r.err(
      'UnsupportedInterruptionBehavior',
      path,
      `${b}: AWS stops or hibernates interrupted Spot instances only for persistent Spot requests, and an autoscaling group launches one-time requests (it replaces interrupted instances itself)`,
      'use terminate (the default), or remove the field',
    );
  }
}

/** The cluster's own instance profile names (`<prefix>.<cluster>`, as iam.ts builds them). */
const ROLE_PREFIXES = ['masters', 'nodes', 'bastions', 'apiservers'] as const;

/**
 * kops: one instance profile serves the groups of one role only. And a user's profile is not one of
 * the cluster's own (`nodes.<cluster>`): IAM names a profile uniquely whatever its path and case, so that is the
 * profile kops-ts builds, tags and deletes with the cluster, not one the user owns.
 */
export function validateSharedProfiles(r: Reporter, igs: readonly InstanceGroup[], cloud: string | undefined, clusterName: string): void {
  if (cloud !== 'aws') return;
  // IAM tells names apart without case: Nodes.<cluster> is the same profile.
  const own = new Map<string, string>(ROLE_PREFIXES.map((p) => [iamName(p, clusterName).toLowerCase(), p]));
  const roleOf = new Map<string, { role: string; group: string }>();
  for (const ig of igs) {
    const arn = ig.spec.iam?.profile;
    if (typeof arn !== 'string' || !INSTANCE_PROFILE_ARN.test(arn)) continue;
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    if (own.has(name.toLowerCase())) {
      r.err(
        'InstanceProfileIsClusters',
        igPath(ig.metadata.name, 'spec.iam.profile'),
        `${name} is the name of the cluster's own ${own.get(name.toLowerCase())} instance profile, which kops-ts builds, changes and deletes with the cluster`,
        `remove spec.iam.profile to use the cluster's profile, or give a profile of your own with another name`,
      );
      continue;
    }
    const role = normalizeRole(ig.spec.role) ?? '';
    const first = roleOf.get(arn);
    if (!first) roleOf.set(arn, { role, group: ig.metadata.name });
    else if (first.role !== role) {
      r.err(
        'InstanceProfileSharedByRoles',
        igPath(ig.metadata.name, 'spec.iam.profile'),
        `${arn} is also the profile of ${first.group}, a ${first.role} group; this group is a ${role} group`,
        `give each role its own instance profile: a role's instances need that role's grants, which \`kops-ts get iam-policy --name ${clusterName}\` prints`,
      );
    }
  }
}
