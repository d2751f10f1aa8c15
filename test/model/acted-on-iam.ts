/**
 * The acted-on audit's cases for the instance roles' extra grants (acted-on-fields.test.ts spreads
 * them into its ACTED table): each edit and every task change it makes.
 */
import type { AuditSpec } from './acted-on-spot.js';

const GRANT = '[{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]';
const SSM = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
const BOUNDARY = 'arn:aws:iam::123456789012:policy/boundaries/kops';

export function iamCases(cluster: string): Record<string, { edit: (s: AuditSpec) => void; changes: string[] }> {
  return {
    'Cluster spec.additionalPolicies': {
      edit: (s) => (s.cluster.spec.additionalPolicies = { node: GRANT, master: GRANT }),
      changes: [`+ IAMRolePolicy/additional.masters.${cluster}`, `+ IAMRolePolicy/additional.nodes.${cluster}`],
    },
    'Cluster spec.externalPolicies': {
      edit: (s) => (s.cluster.spec.externalPolicies = { node: [SSM], 'control-plane': [SSM] }),
      changes: [`+ IAMRolePolicyAttachment/masters.${cluster}/${SSM}`, `+ IAMRolePolicyAttachment/nodes.${cluster}/${SSM}`],
    },
    'Cluster spec.iam.permissionsBoundary': {
      edit: (s) => (s.cluster.spec.iam = { ...s.cluster.spec.iam, permissionsBoundary: BOUNDARY }),
      changes: [`~ IAMRole/masters.${cluster} permissionsBoundary: (none) -> "${BOUNDARY}"`, `~ IAMRole/nodes.${cluster} permissionsBoundary: (none) -> "${BOUNDARY}"`],
    },
  };
}
