/**
 * Validation of `spec.additionalPolicies` and `spec.externalPolicies` (kops's
 * validateAdditionalPolicy and validateExternalPolicies, pkg/apis/kops/validation/validation.go,
 * plus what IAM would refuse later): each key a role kops accepts (`master` and `control-plane`
 * not both: they name the same role), each additional policy a JSON array of statements, each
 * external policy a managed policy's ARN, listed once; more than IAM's default 10 for a role is kept
 * with a warning (the quota can be raised). A statement granting every action on every
 * resource is kops users' habit and is kept, with a warning naming the role. A key whose role no
 * instance group has is kept, with a warning (nothing gets the grant).
 *
 * `spec.iam.permissionsBoundary`, the boundary of every role the cluster makes, must be a managed
 * policy's ARN too.
 *
 * On AWS they are acted on (src/model/aws/iam.ts); on GCE they are kept with a FieldNotActedOn
 * warning each, as before.
 */
import type { ClusterSpec, InstanceGroup } from './api/types.js';
import { iamName, roleGroupPrefix } from './aws/names.js';
import {
  ALL_POLICY_ROLE_KEYS, POLICY_ARN, POLICY_ROLE_KEYS, isWildcardGrant, parseAdditionalPolicy, prefixOfRoleKey, type RolePrefix,
} from './aws/iam-spec-policies.js';
import { warnOtherCloud, type Reporter } from './validation-util.js';

const FIELDS = ['additionalPolicies', 'externalPolicies'] as const;
/** IAM's default quota of managed policies attached to one role (adjustable in Service Quotas). */
const IAM_DEFAULT_ATTACHED_POLICIES = 10;

export function validateIamPolicies(r: Reporter, spec: ClusterSpec, igs: readonly InstanceGroup[], clusterName: string, cloud: string | undefined): void {
  const boundary = spec.iam?.permissionsBoundary;
  if (cloud !== 'aws') {
    for (const f of FIELDS) {
      if (spec[f] != null && Object.keys(spec[f]).length > 0) {
        warnOtherCloud(r, `spec.${f}`, 'AWS', cloud);
      }
    }
    if (boundary) warnOtherCloud(r, 'spec.iam.permissionsBoundary', 'AWS', cloud);
    return;
  }
  if (typeof boundary === 'string' && boundary !== '' && !POLICY_ARN.test(boundary)) {
    r.err('InvalidPolicyArn', 'spec.iam.permissionsBoundary', `${JSON.stringify(boundary)} is not a managed policy's ARN (the permissions boundary of every IAM role the cluster makes)`, 'use arn:aws:iam::<account id or "aws">:policy/<name>, e.g. arn:aws:iam::123456789012:policy/boundaries/kops');
  }
  const present = new Set(igs.map((ig) => roleGroupPrefix(ig)));
  for (const f of FIELDS) checkKeys(r, f, spec[f], present);
  for (const [key, text] of Object.entries(spec.additionalPolicies ?? {})) {
    const prefix = prefixOfRoleKey(key);
    if (prefix === undefined) continue;
    checkAdditional(r, `spec.additionalPolicies.${key}`, text, iamName(prefix, clusterName));
  }
  for (const [key, arns] of Object.entries(spec.externalPolicies ?? {})) {
    if (prefixOfRoleKey(key) !== undefined) checkArns(r, `spec.externalPolicies.${key}`, arns ?? []);
  }
}

function checkKeys(r: Reporter, field: string, map: Readonly<Record<string, unknown>> | undefined, present: ReadonlySet<RolePrefix>): void {
  if (!map) return;
  for (const key of Object.keys(map)) {
    const prefix = prefixOfRoleKey(key);
    if (prefix === undefined) {
      r.err('InvalidPolicyRole', `spec.${field}.${key}`, `${JSON.stringify(key)} is not an instance role`, `use one of ${ALL_POLICY_ROLE_KEYS.join(', ')}`);
    } else if (!present.has(prefix)) {
      r.warn('PolicyRoleUnused', `spec.${field}.${key}`, `no instance group has the ${key} role, so no role gets this; kept for when one does`, 'remove it, or add an instance group with that role');
    }
  }
  const [controlPlane, master] = POLICY_ROLE_KEYS.masters;
  if (map[controlPlane!] !== undefined && map[master!] !== undefined) {
    r.err('DuplicatePolicyRole', `spec.${field}.${master}`, `${master} and ${controlPlane} name the same role (kops reads master as ${controlPlane}); only one may be given`, `merge them under ${controlPlane}`);
  }
}

function checkAdditional(r: Reporter, path: string, text: unknown, roleName: string): void {
  if (typeof text !== 'string') return; // the schema reports a value that is not a string
  if (text.trim() === '') return;
  const { statements, problems } = parseAdditionalPolicy(text);
  for (const p of problems) r.err('InvalidAdditionalPolicy', `${path}${p.at}`, p.summary, p.hint);
  statements.forEach((s, i) => {
    if (!isWildcardGrant(s)) return;
    r.warn(
      'WildcardIAMGrant',
      `${path}[${i}]`,
      `grants every action on every resource to the role ${roleName}: anything running on those instances (any pod that reaches the instance metadata) can do anything in the account`,
      'grant only the actions and resources the workload needs, or give the pods their own IAM role',
    );
  });
}

function checkArns(r: Reporter, path: string, arns: readonly unknown[]): void {
  const seen = new Set<unknown>();
  arns.forEach((arn, i) => {
    if (typeof arn !== 'string' || !POLICY_ARN.test(arn)) {
      r.err('InvalidPolicyArn', `${path}[${i}]`, `${JSON.stringify(arn)} is not a managed policy's ARN`, 'use arn:aws:iam::<account id or "aws">:policy/<name>, e.g. arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore');
    } else if (seen.has(arn)) {
      r.err('DuplicatePolicyArn', `${path}[${i}]`, `${arn} is listed twice`, 'list it once');
    }
    seen.add(arn);
  });
  if (seen.size > IAM_DEFAULT_ATTACHED_POLICIES) {
    r.warn(
      'ManagedPolicyQuota',
      path,
      `${seen.size} managed policies for one role: IAM attaches at most ${IAM_DEFAULT_ATTACHED_POLICIES} to a role unless the account's quota is raised, so update --yes fails with LimitExceeded on the ones past it`,
      "raise the quota first (Service Quotas: IAM, \"Managed policies per role\"), or merge grants into fewer policies (or into additionalPolicies)",
    );
  }
}
