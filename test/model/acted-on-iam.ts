/**
 * The acted-on audit's cases for the instance roles' extra grants (acted-on-fields.test.ts spreads
 * them into its ACTED table): each edit and every task change it makes.
 */
import type { AuditSpec } from './acted-on-spot.js';

const GRANT = '[{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]';
const SSM = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';

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
  };
}
