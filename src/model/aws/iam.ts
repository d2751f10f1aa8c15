/**
 * IAM: one role, inline policy and instance profile per role kind present (masters, nodes,
 * bastions, apiservers), named as kops names them (`masters.<cluster>`). IAM takes names, so refs
 * between IAM tasks use the `name` output. A role whose document grants nothing (bastions; nodes
 * of a cluster whose state store is not on S3, without ECR or a CNI that needs AWS) gets no inline
 * policy, as kops: an existing one is then planned for deletion.
 *
 * The user's grants, as kops's IAMModelBuilder adds them: `spec.additionalPolicies.<role>` is a
 * second inline policy `additional.<role name>` holding the statements as given;
 * `spec.externalPolicies.<role>` are managed policies attached to the role, one
 * `IAMRolePolicyAttachment` each. Removed from the spec, both are orphans of their kinds (the
 * cluster's own roles are read in full), so the next update deletes or detaches them.
 *
 * A group with `spec.iam.profile` uses the user's profile (src/model/aws/ig-overrides.ts): when
 * every group of a role has one, that role's IAM is not built (an existing role's policies are then
 * orphans, deleted or detached; the role and profile, not orphaned kinds, stay until delete cluster).
 */
import { attachmentName } from '../../tasks/aws/iam-role-policy-attachment.js';
import { ref } from '../../tasks/types.js';
import type { AwsModelContext } from './context.js';
import { apiServerPolicy, bastionPolicy, controlPlanePolicy, ec2AssumeRolePolicy, nodePolicy, policyFacts, type PolicyDocument } from './iam-policies.js';
import { additionalPolicyDocument, additionalStatements, externalPoliciesField, externalPolicyArns, permissionsBoundary } from './iam-spec-policies.js';
import { iamName } from './names.js';
import { addUserProfiles, rolesWithManagedIam } from './ig-overrides.js';

export function buildIam(m: AwsModelContext): void {
  // A role's own IAM only while a group of it has no instance profile of its own (spec.iam.profile).
  const prefixes = rolesWithManagedIam(m.instanceGroups);
  addUserProfiles(m);
  const facts = policyFacts(m.cluster, {
    region: m.region,
    ...(m.input.partition ? { partition: m.input.partition } : {}),
    ...(m.input.stateStore ? { state: m.input.stateStore } : {}),
  });
  for (const prefix of ['masters', 'nodes', 'bastions', 'apiservers'] as const) {
    if (!prefixes.has(prefix)) continue;
    const name = iamName(prefix, m.name);
    const document: PolicyDocument =
      prefix === 'masters' ? controlPlanePolicy(facts) : prefix === 'apiservers' ? apiServerPolicy(facts) : prefix === 'bastions' ? bastionPolicy(facts) : nodePolicy(facts);
    m.add({ kind: 'IAMRole', name, desired: { assumeRolePolicy: ec2AssumeRolePolicy(), tags: m.tags(name), ...permissionsBoundary(m.cluster.spec) } });
    if (document.Statement.length > 0) m.add({ kind: 'IAMRolePolicy', name, desired: { role: ref('IAMRole', name, 'name'), document } });
    const extra = additionalStatements(m.cluster.spec, prefix);
    if (extra.length > 0) {
      m.add({ kind: 'IAMRolePolicy', name: `additional.${name}`, desired: { role: ref('IAMRole', name, 'name'), document: additionalPolicyDocument(extra) } });
    }
    for (const policyArn of externalPolicyArns(m.cluster.spec, prefix)) {
      m.add({
        kind: 'IAMRolePolicyAttachment',
        name: attachmentName(name, policyArn),
        desired: { role: ref('IAMRole', name, 'name'), policyArn, specField: externalPoliciesField(m.cluster.spec, prefix) },
      });
    }
    m.add({ kind: 'IAMInstanceProfile', name, desired: { tags: m.tags(name) } });
    m.add({ kind: 'IAMInstanceProfileRole', name, desired: { instanceProfile: ref('IAMInstanceProfile', name, 'name'), role: ref('IAMRole', name, 'name') } });
  }
}
