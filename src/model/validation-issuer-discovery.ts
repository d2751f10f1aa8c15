/**
 * Validation of `spec.serviceAccountIssuerDiscovery` (src/model/issuer-discovery.ts), as kops
 * validates it (pkg/apis/kops/validation/legacy.go) plus what kops-ts needs:
 * - AWS only: kops publishes to gs:// on GCE; kops-ts does not yet (refused, not ignored);
 * - `discoveryStore` an `s3://bucket[/path]` URL, the bucket without dots (kops's rule);
 * - `discoveryService` (kops's alternative) not with `discoveryStore` (kops's rule), and not acted on;
 * - `enableAWSOIDCProvider` only with a `discoveryStore` (kops: a store or a service);
 * - `additionalAudiences` non-empty strings without spaces or commas, at most IAM's 100 client ids;
 * - the issuer order: kubeadm before 1.36 sorts repeated `extraArgs` by value, so the discovery
 *   issuer must sort before kubeadm's own or it would not be the one that signs.
 */
import { cloudProviderOf, type ClusterSpec } from './api/types.js';
import { DISCOVERY_FIELD, KUBEADM_ISSUER, discoveryIssuer, discoveryStoreProblem } from './issuer-discovery.js';
import { parseKubernetesVersion } from './kubernetes-version.js';
import type { Reporter } from './validation-util.js';

const CODE = 'InvalidServiceAccountIssuerDiscovery';
/** IAM's limit on an OpenID Connect provider's client ids. */
const MAX_CLIENT_IDS = 100;
/** The first Kubernetes minor whose kubeadm keeps the order of repeated extraArgs (kubernetes#135400). */
const ORDERED_EXTRA_ARGS_MINOR = 36;

export function validateIssuerDiscovery(r: Reporter, spec: ClusterSpec, cluster: string): void {
  const said = spec.serviceAccountIssuerDiscovery as (ClusterSpec['serviceAccountIssuerDiscovery'] & { discoveryService?: unknown }) | undefined;
  if (said == null) return;
  const edit = `fix it with kops-ts edit cluster ${cluster}`;
  const cloud = cloudProviderOf(spec);
  if (cloud !== 'aws') {
    r.err('UnsupportedServiceAccountIssuerDiscovery', DISCOVERY_FIELD, `is for AWS clusters only in kops-ts (this cluster is on ${cloud ?? 'no cloud'}): it publishes to S3 and trusts the issuer in IAM`, `remove it with kops-ts edit cluster ${cluster}`);
    return;
  }
  const store = said.discoveryStore;
  if (store !== undefined && store !== '') {
    const problem = discoveryStoreProblem(store);
    if (problem) r.err(CODE, `${DISCOVERY_FIELD}.discoveryStore`, `${JSON.stringify(store)} ${problem}`, `give an S3 bucket and path the cluster's discovery documents may be published to, e.g. s3://my-oidc-bucket/${cluster}; ${edit}`);
    if (said.discoveryService != null) r.err(CODE, `${DISCOVERY_FIELD}.discoveryStore`, 'only one of discoveryStore or discoveryService may be set (kops refuses both)', edit);
  }
  const hasStore = store !== undefined && store !== '';
  if (said.enableAWSOIDCProvider === true && !hasStore) {
    r.err(CODE, `${DISCOVERY_FIELD}.enableAWSOIDCProvider`, 'needs a discoveryStore: IAM trusts the issuer whose documents kops-ts publishes there', `set ${DISCOVERY_FIELD}.discoveryStore (s3://bucket/path); ${edit}`);
  }
  const audiences = said.additionalAudiences ?? [];
  audiences.forEach((a, i) => {
    if (typeof a !== 'string' || a === '' || /[\s,]/.test(a) || a.length > 255) {
      r.err(CODE, `${DISCOVERY_FIELD}.additionalAudiences[${i}]`, `${JSON.stringify(a)} is not an audience (1 to 255 characters, no spaces or commas)`, edit);
    }
  });
  if (audiences.length + 1 > MAX_CLIENT_IDS) r.err(CODE, `${DISCOVERY_FIELD}.additionalAudiences`, `has ${audiences.length} audiences; with amazonaws.com that is over IAM's ${MAX_CLIENT_IDS} client ids`, edit);
  checkIssuerOrder(r, spec, cluster);
}

function checkIssuerOrder(r: Reporter, spec: ClusterSpec, cluster: string): void {
  const issuer = discoveryIssuer({ spec });
  const v = parseKubernetesVersion(spec.kubernetesVersion);
  if (!issuer || !v || issuer < KUBEADM_ISSUER || v.major > 1 || v.minor >= ORDERED_EXTRA_ARGS_MINOR) return;
  r.err(
    CODE,
    `${DISCOVERY_FIELD}.discoveryStore`,
    `gives the issuer ${issuer}, which sorts after kubeadm's ${KUBEADM_ISSUER}: kubeadm ${v.major}.${v.minor} orders repeated flags by value, so kubeadm's issuer would sign the tokens and IAM would not trust them`,
    `use a bucket whose name sorts before "kubernetes" (e.g. starts with a letter a to j), or Kubernetes 1.36 or later (kops-ts upgrade cluster --name ${cluster})`,
  );
}
