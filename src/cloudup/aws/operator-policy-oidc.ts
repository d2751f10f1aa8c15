/**
 * The operator policy's statements for service-account issuer discovery (src/model/issuer-discovery.ts):
 *
 * - the IAM OIDC provider's mutations only on a provider tagged as a cluster's: created only with
 *   the `KubernetesCluster` tag in the request (with `--name`: that cluster's), changed, tagged and
 *   deleted only when it carries it (IAM supports `aws:RequestTag`/`aws:ResourceTag` for OIDC
 *   providers); its reads stay with IAM's other reads;
 * - the discovery store's two documents, whatever the bucket: only objects whose key ends in
 *   `/.well-known/openid-configuration` or `/openid/v1/jwks` (at a bucket's root too), read,
 *   written with their ACL and deleted; the bucket's location (pre-flight) and policy status.
 */
import type { PolicyStatement } from '../../model/aws/iam-policies.js';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH } from '../../model/issuer-discovery.js';
import { DISCOVERY_STORE_BUCKET_ACTIONS, DISCOVERY_STORE_OBJECT_ACTIONS, isReadAction } from '../../tasks/aws/iam-actions.js';

const CREATE = ['iam:CreateOpenIDConnectProvider', 'iam:TagOpenIDConnectProvider'];
const MANAGE = [
  'iam:AddClientIDToOpenIDConnectProvider', 'iam:RemoveClientIDFromOpenIDConnectProvider', 'iam:UpdateOpenIDConnectProviderThumbprint',
  'iam:TagOpenIDConnectProvider', 'iam:DeleteOpenIDConnectProvider',
];
/** The provider's mutations, each in a tag-conditioned statement rather than IAM's `*` one. */
export const OIDC_PROVIDER_ACTIONS: readonly string[] = [...new Set([...CREATE, ...MANAGE])];

function tagCondition(key: 'aws:RequestTag' | 'aws:ResourceTag', clusterName: string | undefined): Record<string, Record<string, string>> {
  return clusterName ? { StringEquals: { [`${key}/KubernetesCluster`]: clusterName } } : { Null: { [`${key}/KubernetesCluster`]: 'false' } };
}

export function oidcProviderStatements(partition: string, clusterName: string | undefined): PolicyStatement[] {
  const resource = `arn:${partition}:iam::*:oidc-provider/*`;
  return [
    { Sid: 'CreateClusterOIDCProvider', Effect: 'Allow', Action: CREATE, Resource: resource, Condition: tagCondition('aws:RequestTag', clusterName) },
    { Sid: 'ManageClusterOIDCProvider', Effect: 'Allow', Action: MANAGE, Resource: resource, Condition: tagCondition('aws:ResourceTag', clusterName) },
  ];
}

/** The two documents' object ARNs in any bucket, at any path. */
function documentArns(partition: string): string[] {
  return [OPENID_CONFIGURATION_PATH, JWKS_PATH].map((d) => `arn:${partition}:s3:::*/${d}`);
}

export function discoveryStoreStatements(partition: string, readOnly = false): PolicyStatement[] {
  const objects = DISCOVERY_STORE_OBJECT_ACTIONS.filter((a) => !readOnly || isReadAction(a));
  const bucket = DISCOVERY_STORE_BUCKET_ACTIONS.filter((a) => !readOnly || a === 's3:GetBucketLocation');
  return [
    { Sid: 'DiscoveryStoreDocuments', Effect: 'Allow', Action: objects, Resource: documentArns(partition) },
    { Sid: 'DiscoveryStoreBucket', Effect: 'Allow', Action: bucket, Resource: `arn:${partition}:s3:::*` },
  ];
}
