/**
 * The API server's structured authentication configuration (`--authentication-config`), which
 * kops-ts writes when the spec says `kubeAPIServer.anonymousAuth: false` (docs/security.md,
 * "Anonymous requests"):
 *
 * - `--anonymous-auth=false` alone would make kubeadm's liveness, readiness and startup probes of
 *   the API server (anonymous requests to /livez and /readyz) fail, and with them `kubeadm join`'s
 *   token discovery (an anonymous read of kube-public's cluster-info ConfigMap). Instead the file
 *   keeps the anonymous authenticator for exactly those paths (`ANONYMOUS_PATHS`; the API server
 *   compares the request's path, no prefix) and refuses anonymity everywhere else (Kubernetes's
 *   AnonymousAuthConfigurableEndpoints: beta and on by default in 1.32, GA in 1.34).
 * - The API server refuses `--authentication-config` with any `--oidc-*` flag, and an anonymous
 *   section in it with `--anonymous-auth` (kubeadm does not set that flag): the spec's OIDC fields become the file's `jwt` authenticator, as the Kubernetes
 *   documentation maps the flags (issuer URL, client ID as the one audience, username claim
 *   default `sub`, the username prefix rules of the flag, groups claim and prefix, each required
 *   claim a claim validation rule, the CA file's content inline: that content must come from a
 *   fileAsset, src/model/validation-authn.ts refuses it otherwise).
 * - `apiserver.config.k8s.io/v1beta1` before 1.34, `v1` from 1.34 (where the API is GA).
 *
 * The file reaches each control plane through its group's node-extras.sh (node-extras.ts), which
 * bootstrap.sh runs before kubeadm, and is mounted read-only into the API server's static pod
 * (component-args.ts); its document is part of the group's cluster-configuration digest
 * (kubeadm.ts `clusterConfigHash`), so a change rolls the control planes.
 */
import { yaml11 } from './yaml-1-1.js';
import { KopsError } from '../diagnostics.js';
import { parseKubernetesVersion } from '../model/kubernetes-version.js';
import type { ClusterSpec } from '../model/api/types.js';
import type { NodeFile } from './node-extras.js';

/** Where the file is on a control plane, and where the API server's pod sees it. */
export const AUTHN_CONFIG_PATH = '/etc/kubernetes/kops-ts/authentication-config.yaml';
/** The API server's flag that names it. */
export const AUTHN_CONFIG_FLAG = 'authentication-config';

/**
 * The only paths anonymous requests may reach: kubeadm's probes (/livez, /readyz), the
 * conventional /healthz, and the cluster-info ConfigMap that `kubeadm join` reads before it has
 * credentials (token discovery, pinned to the CA's hash).
 */
export const ANONYMOUS_PATHS: readonly string[] = ['/livez', '/readyz', '/healthz', '/api/v1/namespaces/kube-public/configmaps/cluster-info'];

/** The spec's OIDC fields: flags the API server refuses next to `--authentication-config`. */
export const OIDC_FIELDS: readonly string[] = [
  'oidcIssuerURL', 'oidcClientID', 'oidcUsernameClaim', 'oidcUsernamePrefix', 'oidcGroupsClaim', 'oidcGroupsPrefix',
  'oidcRequiredClaim', 'oidcCAFile',
];

/** The feature gates the file needs (both on by default from 1.32; locked on once GA). */
export const AUTHN_FEATURE_GATES: readonly string[] = ['StructuredAuthenticationConfiguration', 'AnonymousAuthConfigurableEndpoints'];

/** The first minor whose API server reads `apiserver.config.k8s.io/v1` (AuthenticationConfiguration GA). */
const V1_MINOR = 34;
/** The first minor whose v1beta1 AuthenticationConfiguration has `anonymous` on by default (beta). */
export const AUTHN_OLDEST_MINOR = 32;

export type AuthnDocument = { apiVersion: string; kind: 'AuthenticationConfiguration' } & Record<string, unknown>;

function apiServerSpec(spec: ClusterSpec): Readonly<Record<string, unknown>> | undefined {
  const v = (spec as Record<string, unknown>).kubeAPIServer;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Whether the API server gets the file (`kubeAPIServer.anonymousAuth: false`). */
export function usesAuthenticationConfig(spec: ClusterSpec): boolean {
  return apiServerSpec(spec)?.anonymousAuth === false;
}

/** The AuthenticationConfiguration's apiVersion for a Kubernetes version, or undefined before 1.32. */
export function authnApiVersion(kubernetesVersion: unknown): string | undefined {
  const v = parseKubernetesVersion(kubernetesVersion);
  if (!v || v.major !== 1 || v.minor < AUTHN_OLDEST_MINOR) return undefined;
  return v.minor >= V1_MINOR ? 'apiserver.config.k8s.io/v1' : 'apiserver.config.k8s.io/v1beta1';
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The `--oidc-username-prefix` rules, as the structured configuration spells them. */
export function usernamePrefix(issuer: string, claim: string, prefix: string | undefined): string {
  if (prefix === '-') return '';
  if (prefix === undefined || prefix === '') return claim === 'email' ? '' : `${issuer}#`;
  return prefix;
}

/** The `jwt` authenticator of the spec's OIDC fields (`ca`: the CA file's content), or undefined without OIDC. */
export function jwtAuthenticator(s: Readonly<Record<string, unknown>>, ca: string | undefined): Record<string, unknown> | undefined {
  const issuer = str(s.oidcIssuerURL);
  const clientID = str(s.oidcClientID);
  if (!issuer || !clientID) return undefined;
  const claim = str(s.oidcUsernameClaim) ?? 'sub';
  const groupsClaim = str(s.oidcGroupsClaim);
  const required = Array.isArray(s.oidcRequiredClaim) ? s.oidcRequiredClaim.filter((x): x is string => typeof x === 'string') : [];
  const rules = required.map((kv) => {
    const eq = kv.indexOf('=');
    return { claim: kv.slice(0, eq), requiredValue: kv.slice(eq + 1) };
  });
  return {
    issuer: { url: issuer, ...(ca !== undefined ? { certificateAuthority: ca } : {}), audiences: [clientID] },
    ...(rules.length > 0 ? { claimValidationRules: rules } : {}),
    claimMappings: {
      username: { claim, prefix: usernamePrefix(issuer, claim, str(s.oidcUsernamePrefix)) },
      // The flag's groups prefix does nothing without its claim; the file's needs one with it.
      ...(groupsClaim ? { groups: { claim: groupsClaim, prefix: str(s.oidcGroupsPrefix) ?? '' } } : {}),
    },
  };
}

/**
 * The AuthenticationConfiguration of a control-plane group (`delivered`: the files its
 * node-extras.sh writes, where `oidcCAFile`'s content is found), or undefined when the spec does
 * not ask for it. Throws when the file cannot be written (validation refuses these specs first).
 */
export function authenticationConfiguration(spec: ClusterSpec, delivered: readonly NodeFile[]): AuthnDocument | undefined {
  const s = apiServerSpec(spec);
  if (!s || s.anonymousAuth !== false) return undefined;
  const apiVersion = authnApiVersion(spec.kubernetesVersion);
  if (!apiVersion) throw invalid('spec.kubeAPIServer.anonymousAuth', `is false, which needs Kubernetes 1.${AUTHN_OLDEST_MINOR} or later (configurable anonymous endpoints); the spec's version is ${String(spec.kubernetesVersion)}`);
  const caFile = str(s.oidcCAFile);
  let ca: string | undefined;
  if (caFile !== undefined) {
    const f = delivered.find((x) => x.path === caFile);
    if (!f) throw invalid('spec.kubeAPIServer.oidcCAFile', `${caFile} is delivered by no fileAsset, so its content cannot go into the authentication configuration anonymousAuth: false needs`);
    ca = f.content.toString('utf8');
  }
  const jwt = jwtAuthenticator(s, ca);
  return {
    apiVersion,
    kind: 'AuthenticationConfiguration',
    jwt: jwt ? [jwt] : [],
    anonymous: { enabled: true, conditions: ANONYMOUS_PATHS.map((path) => ({ path })) },
  };
}

function invalid(field: string, what: string): KopsError {
  return new KopsError('InvalidComponentConfig', `${field} ${what}`, { hint: 'fix the spec in the state store: its validation (run by every command that writes or plans it) refuses this field and names what to change', exitCode: 2 });
}

/**
 * The document as the API server reads it: YAML 1.1 (src/bootstrap/yaml-1-1.ts), so that a required
 * claim's value `yes` stays a string.
 */
export function renderAuthenticationConfiguration(doc: AuthnDocument): string {
  return yaml11(doc);
}

/** The file a control-plane group's node-extras.sh writes, or undefined. Readable by all: it holds no secret. */
export function authenticationConfigFile(spec: ClusterSpec, delivered: readonly NodeFile[]): NodeFile | undefined {
  const doc = authenticationConfiguration(spec, delivered);
  if (!doc) return undefined;
  return { path: AUTHN_CONFIG_PATH, mode: '0644', content: Buffer.from(`# kops-ts: the API server's authentication configuration (anonymousAuth: false)\n${renderAuthenticationConfiguration(doc)}`) };
}
