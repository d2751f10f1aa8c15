/**
 * Validation of the API server's authentication settings (code `InvalidComponentConfig`, the
 * field's path), called by validation-components.ts:
 *
 * - OIDC claims, with or without the authentication configuration: a claim name
 *   (`oidcUsernameClaim`, `oidcGroupsClaim`, the claim of an `oidcRequiredClaim` item) has no
 *   white space and no control character; a required claim's value has no control character and
 *   no white space at either end (`--oidc-required-claim` trims both, so the API server would
 *   require another value); a prefix has no control character. (The API server itself takes any
 *   non-empty claim name; these are values a spec can carry to it unchanged.)
 * - `anonymousAuth: false` (src/bootstrap/apiserver-authn.ts writes `--authentication-config`):
 *   Kubernetes 1.32 or later; neither StructuredAuthenticationConfiguration nor
 *   AnonymousAuthConfigurableEndpoints switched off; not with `authenticationConfigFile` (kops's
 *   own `--authentication-config`, which kops-ts does not act on: two files for one flag); an
 *   `oidcCAFile` delivered to every control-plane group by a fileAsset whose content is PEM
 *   certificates that parse (the file's `certificateAuthority` holds the PEM itself, there is no
 *   path field, and the API server refuses a certificate it cannot parse); no fileAsset of a
 *   control plane at the file's own path.
 * - A claim required twice in `oidcRequiredClaim` (the flag keeps the last value, the file's
 *   validation refuses the duplicate).
 */
import { X509Certificate } from 'node:crypto';
import { AUTHN_CONFIG_PATH, AUTHN_FEATURE_GATES, AUTHN_OLDEST_MINOR, authnApiVersion } from '../bootstrap/apiserver-authn.js';
import { fileAssetPath, forRole } from '../bootstrap/node-extras.js';
import { pathKey } from './api/check.js';
import { parseKubernetesVersion } from './kubernetes-version.js';
import { normalizeRole, type Cluster, type FileAssetSpec, type InstanceGroup } from './api/types.js';
import { igPath, type Reporter } from './validation-util.js';

const CODE = 'InvalidComponentConfig';
const at = (f: string) => `spec.kubeAPIServer.${f}`;
const CONTROL = /[\u0000-\u001f\u007f]/;

type Settings = Readonly<Record<string, unknown>>;

/** Every problem of the OIDC claims and of `anonymousAuth: false`. */
export function validateAuthn(r: Reporter, c: Cluster, igs: readonly InstanceGroup[], s: Settings): void {
  checkClaims(r, s);
  if (s.anonymousAuth === false) checkAuthnConfig(r, c, igs, s);
}

function checkClaims(r: Reporter, s: Settings): void {
  for (const f of ['oidcUsernameClaim', 'oidcGroupsClaim']) {
    const v = s[f];
    if (typeof v === 'string' && v !== '' && (/\s/.test(v) || CONTROL.test(v))) {
      r.err(CODE, at(f), `${JSON.stringify(v)} has white space or a control character, which no claim name has`, 'give the name of the token\'s claim, e.g. email or groups');
    }
  }
  for (const f of ['oidcUsernamePrefix', 'oidcGroupsPrefix']) {
    const v = s[f];
    if (typeof v === 'string' && CONTROL.test(v)) r.err(CODE, at(f), `${JSON.stringify(v)} has a control character (a line break or a tab)`, 'give a prefix on one line, e.g. "oidc:"');
  }
  const required = Array.isArray(s.oidcRequiredClaim) ? s.oidcRequiredClaim : [];
  const seen = new Map<string, number>();
  required.forEach((item, i) => {
    if (typeof item !== 'string') return;
    const eq = item.indexOf('=');
    if (eq < 0) return; // not claim=value: validation-components.ts says so
    const value = item.slice(eq + 1);
    if (CONTROL.test(item)) r.err(CODE, at(`oidcRequiredClaim[${i}]`), `${JSON.stringify(item)} has a control character (a line break or a tab)`, 'give claim=value on one line');
    else if (value !== value.trim()) r.err(CODE, at(`oidcRequiredClaim[${i}]`), `${JSON.stringify(item)}: the value has white space at an end, which --oidc-required-claim trims (the API server would require ${JSON.stringify(value.trim())})`, 'remove the white space around the value');
    // The flag keeps the last value of a claim (a map), the file refuses a claim twice: either
    // way the spec does not say what the API server does.
    const claim = item.slice(0, eq);
    const first = seen.get(claim);
    if (first !== undefined) r.err(CODE, at(`oidcRequiredClaim[${i}]`), `requires claim ${JSON.stringify(claim)} again (first at oidcRequiredClaim[${first}]): the API server requires one value per claim (--oidc-required-claim keeps the last, the authentication configuration of anonymousAuth: false refuses the duplicate and the API server does not start)`, `keep one ${claim}=value item`);
    else seen.set(claim, i);
  });
}

function checkAuthnConfig(r: Reporter, c: Cluster, igs: readonly InstanceGroup[], s: Settings): void {
  const v = parseKubernetesVersion(c.spec.kubernetesVersion);
  if (v && !authnApiVersion(c.spec.kubernetesVersion)) {
    r.err(CODE, at('anonymousAuth'), `is false, which needs Kubernetes 1.${AUTHN_OLDEST_MINOR} or later (anonymous requests limited to the health endpoints); the cluster runs ${v.version}`, `upgrade to 1.${AUTHN_OLDEST_MINOR} or later first, or remove anonymousAuth`);
  }
  const gates = typeof s.featureGates === 'object' && s.featureGates !== null ? (s.featureGates as Record<string, unknown>) : {};
  for (const g of AUTHN_FEATURE_GATES) {
    if (String(gates[g]).toLowerCase() === 'false') {
      r.err(CODE, at(pathKey('featureGates', g)), `is false, but anonymousAuth: false needs it: kops-ts gives the API server an authentication configuration that allows anonymous requests to the health endpoints only`, `remove the gate, or remove anonymousAuth: false`);
    }
  }
  if (s.authenticationConfigFile != null) {
    r.err(CODE, at('authenticationConfigFile'), 'is set with anonymousAuth: false, for which kops-ts writes the API server\'s --authentication-config itself (the API server takes one file)', 'remove authenticationConfigFile (kops-ts does not act on it), or remove anonymousAuth: false');
  }
  const planes = igs.filter((ig) => normalizeRole(ig.spec.role) === 'ControlPlane');
  if (typeof s.oidcCAFile === 'string') checkCaDelivered(r, c, planes, s.oidcCAFile);
  checkOwnPath(r, c, planes);
}

/** The asset a control-plane group gets at `path` (its own wins over the cluster's, as node-extras.ts). */
function assetAt(c: Cluster, ig: InstanceGroup, path: string): FileAssetSpec | undefined {
  return [...(ig.spec.fileAssets ?? []), ...(c.spec.fileAssets ?? [])].find((a) => a && forRole(a.roles, 'ControlPlane') && fileAssetPath(a) === path);
}

function checkCaDelivered(r: Reporter, c: Cluster, planes: readonly InstanceGroup[], path: string): void {
  const without = planes.filter((ig) => !assetAt(c, ig, path));
  if (without.length > 0) {
    r.err(CODE, at('oidcCAFile'), `is set with anonymousAuth: false, so the CA goes into the API server's authentication configuration, which holds the certificates themselves; no fileAsset delivers ${path} to ${without.length === planes.length ? 'the control planes' : `control-plane group(s) ${without.map((g) => g.metadata.name).join(', ')}`}, so kops-ts cannot read it`,
      `add a fileAsset with path: ${path}, the CA's PEM as content and roles: [ControlPlane] to the cluster spec (kops-ts then puts its content in the file), or remove oidcCAFile or anonymousAuth: false`);
    return;
  }
  for (const ig of planes) {
    const a = assetAt(c, ig, path)!;
    if (typeof a.content !== 'string') continue; // validation-node-extras.ts reports it
    const pem = a.isBase64 ? Buffer.from(a.content, 'base64').toString('utf8') : a.content;
    const problem = pemProblem(pem);
    if (problem) {
      r.err(CODE, at('oidcCAFile'), `is delivered by a fileAsset whose content (for control-plane group ${ig.metadata.name}) ${problem}; with anonymousAuth: false it becomes the authentication configuration's certificateAuthority, which the API server refuses unless every certificate in it parses`, 'give the CA\'s certificates in PEM (-----BEGIN CERTIFICATE-----) as the fileAsset\'s content');
      return;
    }
  }
}

/**
 * What is wrong with a certificateAuthority, as the API server reads it (client-go's
 * `cert.NewPoolFromBytes`: every CERTIFICATE block must parse, at least one), or undefined.
 */
function pemProblem(pem: string): string | undefined {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return 'has no PEM certificate';
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `has a certificate that does not parse (the ${ordinal(i + 1)} PEM block)`;
    }
  }
  return undefined;
}

const ordinal = (n: number): string => (n === 1 ? 'first' : n === 2 ? 'second' : n === 3 ? 'third' : `${n}th`);

function checkOwnPath(r: Reporter, c: Cluster, planes: readonly InstanceGroup[]): void {
  const fix = 'give the fileAsset another path: kops-ts writes the API server\'s authentication configuration there';
  (c.spec.fileAssets ?? []).forEach((a, i) => {
    if (a && forRole(a.roles, 'ControlPlane') && fileAssetPath(a) === AUTHN_CONFIG_PATH) r.err('DuplicateFileAssetPath', `spec.fileAssets[${i}].path`, `is ${AUTHN_CONFIG_PATH}, where kops-ts writes the API server's authentication configuration (anonymousAuth: false)`, fix);
  });
  for (const ig of planes) {
    (ig.spec.fileAssets ?? []).forEach((a, i) => {
      if (a && fileAssetPath(a) === AUTHN_CONFIG_PATH) r.err('DuplicateFileAssetPath', igPath(ig.metadata.name, `spec.fileAssets[${i}].path`), `is ${AUTHN_CONFIG_PATH}, where kops-ts writes the API server's authentication configuration (anonymousAuth: false)`, fix);
    });
  }
}
