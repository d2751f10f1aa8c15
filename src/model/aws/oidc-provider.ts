/**
 * The IAM OIDC provider that trusts the cluster's service-account issuer, with
 * `spec.serviceAccountIssuerDiscovery.enableAWSOIDCProvider` (kops's OIDCProviderBuilder): named
 * after the cluster, the issuer's URL, client ids `amazonaws.com` plus `additionalAudiences`, kops's
 * fixed S3 root-CA thumbprints, the cluster's tags.
 */
import { S3_ROOT_CA_THUMBPRINTS, type IamOidcProviderDesired } from '../../tasks/aws/iam-oidc-provider.js';
import { discoveryIssuer, oidcClientIds, wantsAwsOidcProvider } from '../issuer-discovery.js';
import type { AwsModelContext } from './context.js';

export function buildOidcProvider(m: AwsModelContext): void {
  const spec = m.cluster.spec;
  const url = discoveryIssuer(m.cluster);
  if (!wantsAwsOidcProvider(spec) || !url) return;
  m.add<IamOidcProviderDesired>({ kind: 'IAMOIDCProvider', name: m.name, desired: { url, clientIds: oidcClientIds(spec), thumbprints: S3_ROOT_CA_THUMBPRINTS, tags: m.tags(m.name) } });
}
