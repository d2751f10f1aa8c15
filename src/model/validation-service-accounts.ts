/**
 * Validation of `spec.iam.serviceAccountExternalPermissions` (src/model/aws/iam-service-accounts.ts):
 * kops's validateSAExternalPermissions (pkg/apis/kops/validation/validation.go) — a name and a
 * namespace each, no (namespace, name) twice, `aws` given with exactly one of `policyARNs` or
 * `inlinePolicy` — plus what kops leaves to IAM or to the cluster to fail on later:
 *
 * - AWS only: refused on any other cloud (kops-ts makes no GCE workload identity bindings);
 * - `serviceAccountIssuerDiscovery.enableAWSOIDCProvider` (and so a discoveryStore): the roles trust
 *   the cluster's OIDC provider, which kops-ts makes only then. kops does not check this (a user may
 *   have made the provider by hand); kops-ts names the provider in the trust by its task, so it
 *   needs it;
 * - the name a service account's (a DNS-1123 subdomain) without `*` (kops refuses a wildcard
 *   there when it builds the trust); the namespace a DNS-1123 label, where kops's `*` wildcards are
 *   allowed (the trust then matches the namespace with StringLike);
 * - each policy ARN a managed policy's, once; the inline policy a JSON array of IAM statements, as
 *   kops reads it (iam.ParseStatements: no `{{ }}` templating), within IAM's size.
 */
import { cloudProviderOf, type ClusterSpec } from './api/types.js';
import { POLICY_ARN, parseAdditionalPolicy } from './aws/iam-spec-policies.js';
import { CLUSTER_AUTOSCALER_SERVICE_ACCOUNT, SA_PERMISSIONS_FIELD, clusterAutoscalerHasOwnRole } from './aws/iam-service-accounts.js';
import { DISCOVERY_FIELD } from './issuer-discovery.js';
import { DNS_LABEL, isDnsSubdomain, type Reporter } from './validation-util.js';

const CODE = 'InvalidServiceAccountExternalPermission';

export function validateServiceAccountPermissions(r: Reporter, spec: ClusterSpec, cluster: string): void {
  validateUseExternalPermissions(r, spec, cluster);
  const list = spec.iam?.serviceAccountExternalPermissions;
  if (!Array.isArray(list) || list.length === 0) return;
  const edit = `fix it with kops-ts edit cluster ${cluster}`;
  const cloud = cloudProviderOf(spec);
  if (cloud !== 'aws') {
    r.err('UnsupportedServiceAccountExternalPermissions', SA_PERMISSIONS_FIELD, `makes IAM roles for service accounts, on AWS clusters only (this cluster is on ${cloud ?? 'no cloud'})`, `remove it with kops-ts edit cluster ${cluster}`);
    return;
  }
  if (spec.serviceAccountIssuerDiscovery?.enableAWSOIDCProvider !== true) {
    r.err(
      'ServiceAccountPermissionsNeedOIDCProvider',
      SA_PERMISSIONS_FIELD,
      `needs ${DISCOVERY_FIELD}.enableAWSOIDCProvider: the roles trust the cluster's IAM OIDC provider, which kops-ts makes only then`,
      `set ${DISCOVERY_FIELD}.discoveryStore (s3://bucket/path) and ${DISCOVERY_FIELD}.enableAWSOIDCProvider: true; ${edit}`,
    );
  }
  const seen = new Map<string, number>();
  list.forEach((entry, i) => {
    const at = `${SA_PERMISSIONS_FIELD}[${i}]`;
    const name = entry?.name;
    const namespace = entry?.namespace;
    checkName(r, `${at}.name`, name, edit);
    checkNamespace(r, `${at}.namespace`, namespace, edit);
    if (typeof name === 'string' && typeof namespace === 'string') {
      const key = `${namespace}/${name}`;
      const first = seen.get(key);
      if (first !== undefined) r.err(CODE, at, `service account ${key} is also ${SA_PERMISSIONS_FIELD}[${first}]: one role per service account`, `merge the two entries; ${edit}`);
      else seen.set(key, i);
    }
    checkAws(r, `${at}.aws`, entry?.aws, edit);
    const ca = CLUSTER_AUTOSCALER_SERVICE_ACCOUNT;
    if (name === ca.name && namespace === ca.namespace && clusterAutoscalerHasOwnRole(spec)) {
      r.err(CODE, at, `${ca.namespace}/${ca.name} is the cluster autoscaler's: with iam.useServiceAccountExternalPermissions kops-ts makes its role and grants`, `remove the entry; ${edit}`);
    }
  });
}

/**
 * `useServiceAccountExternalPermissions`: acted on for the cluster autoscaler on AWS with the OIDC
 * provider; otherwise kept, with a warning saying why (kops's other addons are not kops-ts's).
 */
function validateUseExternalPermissions(r: Reporter, spec: ClusterSpec, cluster: string): void {
  if (spec.iam?.useServiceAccountExternalPermissions !== true) return;
  const path = 'spec.iam.useServiceAccountExternalPermissions';
  const cloud = cloudProviderOf(spec);
  if (cloud !== 'aws') r.warn('FieldNotActedOn', path, `acted on only on AWS; kept as is on ${cloud ?? 'this cloud'}`, 'remove it');
  else if (spec.serviceAccountIssuerDiscovery?.enableAWSOIDCProvider !== true) {
    r.warn('FieldNotActedOn', path, `kept, not acted on: the cluster autoscaler's own role would trust the cluster's IAM OIDC provider, which needs ${DISCOVERY_FIELD}.enableAWSOIDCProvider`, `set ${DISCOVERY_FIELD}.discoveryStore and enableAWSOIDCProvider: true, or remove it (kops-ts edit cluster ${cluster})`);
  }
}

function checkName(r: Reporter, path: string, name: unknown, edit: string): void {
  if (typeof name !== 'string' || name === '') r.err(CODE, path, 'is required: the service account\'s name', edit);
  else if (name.includes('*')) r.err(CODE, path, `${JSON.stringify(name)} has a wildcard; a role is for one service account by name (kops refuses it too)`, `name the service account; ${edit}`);
  else if (!isDnsSubdomain(name)) r.err(CODE, path, `${JSON.stringify(name)} is not a service account name (lower-case letters, digits, '-' and '.', at most 253 characters)`, edit);
}

function checkNamespace(r: Reporter, path: string, ns: unknown, edit: string): void {
  if (typeof ns !== 'string' || ns === '') r.err(CODE, path, 'is required: the service account\'s namespace', edit);
  else if (!(ns.includes('*') ? /^[-a-z0-9*]{1,63}$/.test(ns) : DNS_LABEL.test(ns))) {
    r.err(CODE, path, `${JSON.stringify(ns)} is not a namespace (a DNS-1123 label: lower-case letters, digits and '-', at most 63; '*' matches any characters, as in kops)`, edit);
  }
}

function checkAws(r: Reporter, path: string, aws: unknown, edit: string): void {
  if (aws == null || typeof aws !== 'object') {
    r.err(CODE, path, 'is required: the AWS permissions (policyARNs or inlinePolicy)', `give policyARNs: [<managed policy ARN>] or inlinePolicy: '[<statements>]'; ${edit}`);
    return;
  }
  const { policyARNs, inlinePolicy } = aws as { policyARNs?: unknown; inlinePolicy?: unknown };
  const arns = Array.isArray(policyARNs) ? policyARNs : [];
  const inline = typeof inlinePolicy === 'string' && inlinePolicy.trim() !== '' ? inlinePolicy : undefined;
  if (arns.length === 0 && inline === undefined) r.err(CODE, path, 'gives no permissions: set policyARNs or inlinePolicy (kops requires one)', edit);
  if (arns.length > 0 && inline !== undefined) r.err(CODE, path, 'has both policyARNs and inlinePolicy; kops allows only one', `put the statements in a managed policy and list its ARN, or drop the ARNs; ${edit}`);
  const seen = new Set<unknown>();
  arns.forEach((arn, i) => {
    if (typeof arn !== 'string' || !POLICY_ARN.test(arn)) {
      r.err('InvalidPolicyArn', `${path}.policyARNs[${i}]`, `${JSON.stringify(arn)} is not a managed policy's ARN`, 'use arn:aws:iam::<account id or "aws">:policy/<name>, e.g. arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess');
    } else if (seen.has(arn)) {
      r.err('DuplicatePolicyArn', `${path}.policyARNs[${i}]`, `${arn} is listed twice`, 'list it once');
    }
    seen.add(arn);
  });
  if (inline === undefined) return;
  for (const p of parseAdditionalPolicy(inline).problems) {
    r.err('InvalidInlinePolicy', `${path}.inlinePolicy${p.at}`, p.summary, p.hint.replace('spec.externalPolicies', 'policyARNs'));
  }
}
