/**
 * IAM: one role, inline policy and instance profile per role kind present (masters, nodes,
 * bastions), named as kops names them (`masters.<cluster>`). IAM takes names, so refs between
 * IAM tasks use the `name` output.
 */
import { ref } from '../../tasks/types.js';
import type { AwsModelContext } from './context.js';
import { bastionPolicy, controlPlanePolicy, ec2AssumeRolePolicy, nodePolicy, type PolicyDocument } from './iam-policies.js';
import { iamName, roleGroupPrefix } from './names.js';

export function buildIam(m: AwsModelContext): void {
  const prefixes = new Set(m.instanceGroups.map((ig) => roleGroupPrefix(ig)));
  const partition = m.input.partition ?? 'aws';
  for (const prefix of ['masters', 'nodes', 'bastions', 'apiservers'] as const) {
    if (!prefixes.has(prefix)) continue;
    const name = iamName(prefix, m.name);
    const document: PolicyDocument =
      prefix === 'masters' || prefix === 'apiservers' ? controlPlanePolicy(m.name, partition, m.input.stateStore) : prefix === 'bastions' ? bastionPolicy() : nodePolicy();
    m.add({ kind: 'IAMRole', name, desired: { assumeRolePolicy: ec2AssumeRolePolicy(), tags: m.tags(name) } });
    m.add({ kind: 'IAMRolePolicy', name, desired: { role: ref('IAMRole', name, 'name'), document } });
    m.add({ kind: 'IAMInstanceProfile', name, desired: { tags: m.tags(name) } });
    m.add({ kind: 'IAMInstanceProfileRole', name, desired: { instanceProfile: ref('IAMInstanceProfile', name, 'name'), role: ref('IAMRole', name, 'name') } });
  }
}
