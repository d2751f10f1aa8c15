/**
 * Service-account issuer discovery (kops's `spec.serviceAccountIssuerDiscovery`, the first half of
 * IAM Roles for Service Accounts): pure functions from the spec to the issuer URL, the API server's
 * flags, the OIDC provider's client ids and the discovery document. The keys document is
 * src/pki/jwks.ts; publishing is src/cloudup/issuer-discovery.ts (docs/spec.md, "Service account
 * issuer discovery").
 *
 * - The issuer is the discovery store's HTTPS URL as kops computes it (the S3 endpoint of the
 *   bucket's region, virtual-hosted: `https://<bucket>.s3.<region>.amazonaws.com/<path>`).
 *   kops-ts takes the cluster's region and pre-flight checks the bucket is there
 *   (src/cloudup/aws/preflight-discovery.ts), so the URL is known without a call.
 * - The API server signs with that issuer and still accepts kubeadm's own
 *   (`https://kubernetes.default.svc.cluster.local`), a second `--service-account-issuer`: tokens
 *   minted before the change stay valid. kops leaves this to the user
 *   (`kubeAPIServer.additionalServiceAccountIssuers`, docs/operations/service_account_issuer_migration.md).
 * - `--service-account-jwks-uri` is `<issuer>/openid/v1/jwks`, as kops sets it.
 */
import type { Cluster, ClusterSpec } from './api/types.js';
import { findClusterRegion } from '../cloudup/aws/regions.js';

export const DISCOVERY_FIELD = 'spec.serviceAccountIssuerDiscovery';
/** kubeadm's issuer (its `service-account-issuer` default with the cluster DNS domain kops-ts uses). */
export const KUBEADM_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** kops's OIDC provider audience (pkg/model/awsmodel/oidc_provider.go), first of the client ids. */
export const AWS_AUDIENCE = 'amazonaws.com';
export const OPENID_CONFIGURATION_PATH = '.well-known/openid-configuration';
export const JWKS_PATH = 'openid/v1/jwks';

export interface DiscoveryStore {
  readonly bucket: string;
  /** The path inside the bucket, without leading or trailing `/` ('' for the bucket's root). */
  readonly path: string;
}

/** S3's bucket naming rules, without dots (kops refuses them: the wildcard certificate would not match). */
const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** The problem with a `discoveryStore` value, or undefined when it is an `s3://bucket[/path]` kops-ts can publish to. */
export function discoveryStoreProblem(url: string): string | undefined {
  const m = /^s3:\/\/([^/]*)(\/.*)?$/.exec(url);
  if (!m) return url.startsWith('gs://') ? 'is a gs:// URL; kops-ts publishes the discovery documents to S3 only (s3://bucket/path)' : 'is not an s3://bucket[/path] URL';
  const bucket = m[1]!;
  if (bucket.includes('.')) return `names bucket ${JSON.stringify(bucket)}, which has dots: its HTTPS name would not match S3's wildcard certificate (kops refuses it too)`;
  if (!BUCKET.test(bucket) || bucket.startsWith('xn--') || /-s3alias$|--ol-s3$/.test(bucket)) return `names ${JSON.stringify(bucket)}, which is not an S3 bucket name (3 to 63 lower-case letters, digits and hyphens)`;
  const path = trimSlash(m[2] ?? '');
  if (path !== '' && path.split('/').some((s) => s === '' || s === '.' || s === '..')) return 'has an empty, `.` or `..` path segment';
  if (/[^A-Za-z0-9._~\-/]/.test(path)) return 'has a path with characters outside letters, digits, `.`, `_`, `~`, `-` and `/` (the issuer URL must stay as written)';
  return undefined;
}

/** The spec's discovery store, when set and well-formed (validation reports the others). */
export function discoveryStoreOf(spec: ClusterSpec): DiscoveryStore | undefined {
  const url = spec.serviceAccountIssuerDiscovery?.discoveryStore;
  if (typeof url !== 'string' || url === '' || discoveryStoreProblem(url) !== undefined) return undefined;
  const m = /^s3:\/\/([^/]+)(\/.*)?$/.exec(url)!;
  return { bucket: m[1]!, path: trimSlash(m[2] ?? '') };
}

/** One leading and one trailing `/` off (`/a/b/` → `a/b`). */
function trimSlash(p: string): string {
  return p.replace(/^\//, '').replace(/\/$/, '');
}

/** The object key of a discovery document (`<path>/<document>`). */
export function discoveryObjectKey(store: DiscoveryStore, document: string): string {
  return store.path === '' ? document : `${store.path}/${document}`;
}

/** The S3 endpoint's host suffix of a region's partition. */
function s3Domain(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** A store's HTTPS URL in `region`, as S3's endpoint rules make it (virtual-hosted). */
export function discoveryStoreHttpsUrl(store: DiscoveryStore, region: string): string {
  const base = `https://${store.bucket}.s3.${region}.${s3Domain(region)}`;
  return store.path === '' ? base : `${base}/${store.path}`;
}

/** The issuer a cluster with a discovery store signs with, or undefined without one (or without a region). */
export function discoveryIssuer(c: Pick<Cluster, 'spec'>): string | undefined {
  const store = discoveryStoreOf(c.spec);
  const region = store ? findClusterRegion(c as Cluster).region : undefined;
  return store && region ? discoveryStoreHttpsUrl(store, region) : undefined;
}

/**
 * The API server's issuer flags with a discovery store (none without one: kubeadm's defaults stand):
 * the discovery issuer signs, kubeadm's is still accepted, and the JWKS URI is the published one.
 */
export function serviceAccountIssuerArgs(c: Pick<Cluster, 'spec'>): { name: string; value: string }[] {
  const issuer = discoveryIssuer(c);
  if (!issuer) return [];
  return [
    { name: 'service-account-issuer', value: issuer },
    { name: 'service-account-issuer', value: KUBEADM_ISSUER },
    { name: 'service-account-jwks-uri', value: `${issuer}/${JWKS_PATH}` },
  ];
}

/** Whether the cluster wants an IAM OIDC provider for its issuer. */
export function wantsAwsOidcProvider(spec: ClusterSpec): boolean {
  return spec.serviceAccountIssuerDiscovery?.enableAWSOIDCProvider === true && discoveryStoreOf(spec) !== undefined;
}

/**
 * `spec.iam.useServiceAccountExternalPermissions` acted on: kops-ts's own addons whose grants it
 * moves to a role of their service account (the cluster autoscaler) need the OIDC provider.
 */
export function usesServiceAccountRoles(spec: ClusterSpec): boolean {
  return spec.iam?.useServiceAccountExternalPermissions === true && wantsAwsOidcProvider(spec);
}

/** The OIDC provider's client ids: `amazonaws.com` (kops's), then `additionalAudiences`, each once. */
export function oidcClientIds(spec: ClusterSpec): string[] {
  const extra = (spec.serviceAccountIssuerDiscovery?.additionalAudiences ?? []).filter((a): a is string => typeof a === 'string' && a !== '');
  return [...new Set([AWS_AUDIENCE, ...extra])];
}

/** The OIDC discovery document (`.well-known/openid-configuration`) of an issuer, kops's fields. */
export function openidConfiguration(issuer: string, signingAlgs: readonly string[]): string {
  const doc = {
    issuer,
    jwks_uri: `${issuer}/${JWKS_PATH}`,
    authorization_endpoint: 'urn:kubernetes:programmatic_authorization',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: signingAlgs.length > 0 ? [...signingAlgs] : ['RS256'],
    claims_supported: ['sub', 'iss'],
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
