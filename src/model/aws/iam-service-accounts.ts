/**
 * IAM roles for service accounts (IRSA's second half, kops's `spec.iam.serviceAccountExternalPermissions`,
 * pkg/model/awsmodel/iam.go): for each entry, a role that exactly that Kubernetes service account may
 * assume with its projected token, through the cluster's IAM OIDC provider (src/model/aws/oidc-provider.ts).
 *
 * - The role is named as kops names it, `<name>.<namespace>.sa.<cluster>` (a `*` in the namespace
 *   spelled `wildcard`), fitted to IAM's 64 characters as kops fits it (cut, `-`, a hash of the whole
 *   name: src/tasks/aws/truncate.ts); tagged with the cluster's tags and kops's
 *   `service-account.kops.k8s.io/name` and `/namespace`.
 * - Its trust policy lets the cluster's OIDC provider (a ref to its ARN, so the provider is made
 *   first) federate `sts:AssumeRoleWithWebIdentity` when the token's `sub` is
 *   `system:serviceaccount:<namespace>:<name>` (`StringLike` when the namespace has a `*`, as kops)
 *   and, unlike kops, its `aud` is `amazonaws.com`: a token minted for another of the provider's
 *   audiences (`additionalAudiences`) is not a key to the role (docs/iam.md).
 * - `aws.policyARNs` are attached (`IAMRolePolicyAttachment` each); `aws.inlinePolicy`, a JSON array
 *   of statements as kops reads it, is the role's inline policy named like the role (`IAMRolePolicy`).
 *
 * Built only while the cluster has its OIDC provider (validation refuses entries without it). An
 * entry removed from the spec leaves a role no task describes: the IAMRole kind's orphan, deleted.
 *
 * `spec.iam.useServiceAccountExternalPermissions` (kops's: its addons' grants move from the instance
 * roles to their service accounts' roles): the cluster autoscaler's grants are the inline policy of
 * `cluster-autoscaler.kube-system.sa.<cluster>` instead of the control plane's, and its Deployment
 * (src/bootstrap/cluster-autoscaler.ts) gets the role's ARN and a projected token.
 */
import { attachmentName } from '../../tasks/aws/iam-role-policy-attachment.js';
import { TAG_SERVICE_ACCOUNT_NAME, TAG_SERVICE_ACCOUNT_NAMESPACE, iamRoleRef } from '../../tasks/aws/iam-role.js';
import { ref, type Ref } from '../../tasks/types.js';
import type { ClusterSpec, ServiceAccountExternalPermission } from '../api/types.js';
import { AWS_AUDIENCE, discoveryIssuer, usesServiceAccountRoles, wantsAwsOidcProvider } from '../issuer-discovery.js';
import type { AwsModelContext } from './context.js';
import { additionalPolicyDocument, parseAdditionalPolicy, permissionsBoundary } from './iam-spec-policies.js';
import { fitAwsName } from './names.js';
import { clusterAutoscalerPolicy, policyFacts } from './iam-policies.js';
import { clusterAutoscalerEnabled } from '../cluster-autoscaler.js';

export const SA_PERMISSIONS_FIELD = 'spec.iam.serviceAccountExternalPermissions';

/** A service account's role name: kops's `<name>.<namespace>.sa.<cluster>`, fitted to 64 characters. */
export function serviceAccountRoleName(name: string, namespace: string, cluster: string): string {
  return fitAwsName('iamRole', `${name}.${namespace.replaceAll('*', 'wildcard')}.sa.${cluster}`);
}

/** The token subject Kubernetes gives a service account. */
export function serviceAccountSubject(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

export interface ServiceAccountTrustPolicy {
  readonly Version: '2012-10-17';
  readonly Statement: readonly [{
    readonly Effect: 'Allow';
    readonly Principal: { readonly Federated: string | Ref };
    readonly Action: 'sts:AssumeRoleWithWebIdentity';
    readonly Condition: Readonly<Record<string, Readonly<Record<string, string>>>>;
  }];
}

/**
 * The trust policy of a service account's role: `provider` (the OIDC provider's ARN, or a ref to it)
 * may federate the service account's tokens for `amazonaws.com`. `issuer` is the issuer's URL.
 */
export function serviceAccountTrustPolicy(provider: string | Ref, issuer: string, namespace: string, name: string): ServiceAccountTrustPolicy {
  const host = issuer.replace(/^https:\/\//, '');
  const sub = { [`${host}:sub`]: serviceAccountSubject(namespace, name) };
  const aud = { [`${host}:aud`]: AWS_AUDIENCE };
  const Condition: Record<string, Record<string, string>> = namespace.includes('*') ? { StringLike: sub, StringEquals: aud } : { StringEquals: { ...sub, ...aud } };
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition }],
  };
}

/** The entries the model builds: named, with a namespace (validation reports the others). */
export function serviceAccountPermissions(spec: ClusterSpec): { entry: ServiceAccountExternalPermission; index: number; name: string; namespace: string }[] {
  const list = spec.iam?.serviceAccountExternalPermissions;
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry, index) => {
    const name = entry?.name;
    const namespace = entry?.namespace;
    return typeof name === 'string' && name !== '' && typeof namespace === 'string' && namespace !== '' ? [{ entry, index, name, namespace }] : [];
  });
}

/** The cluster autoscaler's service account (src/bootstrap/cluster-autoscaler.ts). */
export const CLUSTER_AUTOSCALER_SERVICE_ACCOUNT = { name: 'cluster-autoscaler', namespace: 'kube-system' } as const;

/** Whether the cluster autoscaler runs with a role of its own (useServiceAccountExternalPermissions, the provider, the autoscaler on). */
export function clusterAutoscalerHasOwnRole(spec: ClusterSpec): boolean {
  return usesServiceAccountRoles(spec) && clusterAutoscalerEnabled(spec);
}

/** The cluster autoscaler's role ARN, when it has its own role and the account is known. */
export function clusterAutoscalerRoleArn(spec: ClusterSpec, cluster: string, account: { id?: string; partition?: string }): string | undefined {
  if (!clusterAutoscalerHasOwnRole(spec) || !account.id) return undefined;
  const { name, namespace } = CLUSTER_AUTOSCALER_SERVICE_ACCOUNT;
  return `arn:${account.partition ?? 'aws'}:iam::${account.id}:role/${serviceAccountRoleName(name, namespace, cluster)}`;
}

export function buildServiceAccountRoles(m: AwsModelContext): void {
  const spec = m.cluster.spec;
  const issuer = discoveryIssuer(m.cluster);
  if (!wantsAwsOidcProvider(spec) || !issuer) return;
  const provider = ref('IAMOIDCProvider', m.name, 'arn');
  const seen = new Set<string>();
  /** The service account's role (once), tagged with it; its name, or undefined when already made. */
  const addRole = (name: string, namespace: string): string | undefined => {
    const role = serviceAccountRoleName(name, namespace, m.name);
    if (seen.has(role)) return undefined;
    seen.add(role);
    const tags = m.tags(role, { [TAG_SERVICE_ACCOUNT_NAME]: name, [TAG_SERVICE_ACCOUNT_NAMESPACE]: namespace.replaceAll('*', 'wildcard') });
    m.add({ kind: 'IAMRole', name: role, desired: { assumeRolePolicy: serviceAccountTrustPolicy(provider, issuer, namespace, name), tags, ...permissionsBoundary(spec) } });
    return role;
  };
  if (clusterAutoscalerHasOwnRole(spec)) {
    const { name, namespace } = CLUSTER_AUTOSCALER_SERVICE_ACCOUNT;
    const role = addRole(name, namespace)!;
    const facts = policyFacts(m.cluster, { region: m.region, ...(m.input.partition ? { partition: m.input.partition } : {}) });
    m.add({ kind: 'IAMRolePolicy', name: role, desired: { role: iamRoleRef(role), document: clusterAutoscalerPolicy(facts) } });
  }
  for (const { entry, index, name, namespace } of serviceAccountPermissions(spec)) {
    const role = addRole(name, namespace);
    if (role === undefined) continue;
    const inline = entry.aws?.inlinePolicy;
    if (typeof inline === 'string' && inline.trim() !== '') {
      // Validated by update; an unparsable one (a spec modelled unvalidated, for delete) gives none.
      const { statements, problems } = parseAdditionalPolicy(inline);
      if (problems.length === 0) m.add({ kind: 'IAMRolePolicy', name: role, desired: { role: iamRoleRef(role), document: additionalPolicyDocument(statements) } });
    }
    for (const policyArn of [...new Set(entry.aws?.policyARNs ?? [])].sort()) {
      m.add({
        kind: 'IAMRolePolicyAttachment',
        name: attachmentName(role, policyArn),
        desired: { role: iamRoleRef(role), policyArn, specField: `${SA_PERMISSIONS_FIELD}[${index}].aws.policyARNs` },
      });
    }
  }
}
