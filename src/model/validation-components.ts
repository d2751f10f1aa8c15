/**
 * Validation of the control plane components' settings kops-ts acts on (control-plane-components.ts):
 * each value's shape for its flag, and the combinations the API server refuses at start or that
 * would break the control plane kubeadm builds, so a mistake is caught by `create`/`update`, not by
 * an API server that never becomes ready (code `InvalidComponentConfig`, the field's path):
 * - numbers >= 0; Go durations; `kubeAPIQPS`/`horizontalPodAutoscalerTolerance` a decimal (`0.1`,
 *   `100m`); list items without commas (they are joined by commas); `tlsMinVersion` VersionTLS12 or
 *   VersionTLS13; cipher suite names `TLS_…`;
 * - files absolute paths, in a directory other than `/` (the directory is mounted into the API
 *   server's pod); `auditLogPath` also `-` (standard output);
 * - OIDC: `oidcIssuerURL` an https URL, with `oidcClientID` (the API server refuses either alone);
 *   the other oidc fields need both; `oidcRequiredClaim` items `claim=value`;
 * - admission plugins named, none both enabled and disabled, not PodSecurityPolicy (removed in 1.25);
 * - the OIDC claims and `anonymousAuth: false` (an authentication configuration instead of the
 *   flag): validation-authn.ts;
 * - `auditWebhookConfigFile` only with `auditPolicyFile` (as kops); feature gates named with letters
 *   and digits, `"true"`/`"false"`, the components' and `spec.kubeProxy.featureGates`
 *   (kubeadm.ts maps them).
 * Warnings: audit settings without the log or webhook they tune, and a file the API server reads
 * (`auditPolicyFile`, `auditWebhookConfigFile`, `oidcCAFile`) that no fileAsset delivers to a
 * control-plane group: it must then exist on their hosts, or the API server does not start.
 */
import { dirname } from 'node:path';
import { pathKey } from './api/check.js';
import { normalizeRole, type Cluster, type InstanceGroup } from './api/types.js';
import { fileAssetPath, forRole } from '../bootstrap/node-extras.js';
import { COMPONENTS, COMPONENT_ARGS, KUBEADM_APISERVER_MOUNTS, componentSpec, parsePortRange, quantityDecimal, type ComponentArg } from './control-plane-components.js';
import { parseGoDuration } from './kubelet.js';
import type { Reporter } from './validation-util.js';
import { validateAuthn } from './validation-authn.js';

/** Kubernetes's feature gate names: CamelCase letters and digits (AllAlpha, InPlacePodVerticalScaling). */
const FEATURE_GATE = /^[A-Za-z][A-Za-z0-9]*$/;

const CODE = 'InvalidComponentConfig';
const CIPHER = /^TLS_[A-Z0-9_]+$/;
const PLUGIN = /^[A-Za-z][A-Za-z0-9]*$/;
const INT_MAX = { int32: 2 ** 31 - 1, int64: Number.MAX_SAFE_INTEGER } as const;

type Err = (field: string, summary: string, hint: string) => void;

function pathProblem(v: string): string | undefined {
  if (!v.startsWith('/')) return 'is not an absolute path';
  if (v.split('/').some((s) => s === '..' || s === '.')) return 'has a "." or ".." segment';
  if (/\s/.test(v)) return 'has white space';
  if (v.endsWith('/')) return 'names a directory, not a file';
  if (v.lastIndexOf('/') === 0) return 'is directly in / (its directory is mounted into the API server\'s pod: put it in a directory such as /srv/kubernetes/kube-apiserver/)';
  return undefined;
}

function urlProblem(v: string): string | undefined {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return 'is not a URL';
  }
  if (u.protocol !== 'https:') return 'is not an https URL (the API server takes only https issuers)';
  if (u.host === '') return 'has no host';
  if (u.hash !== '' || u.search !== '') return 'has a query or fragment, which an OIDC issuer URL may not have';
  return undefined;
}

/** The value's problem for its flag, or undefined. */
function argProblem(arg: ComponentArg, v: unknown): { summary: string; hint: string } | undefined {
  const kind = arg.kind;
  const bad = (summary: string, hint: string) => ({ summary, hint });
  switch (kind.t) {
    case 'enum':
      return typeof v === 'string' && kind.values.includes(v) ? undefined : bad(`is ${JSON.stringify(v)}; expected one of ${kind.values.join(', ')}`, `set one of ${kind.values.join(', ')}`);
    case 'boolean':
      return typeof v === 'boolean' ? undefined : bad(`is ${JSON.stringify(v)}; expected true or false`, 'set true or false');
    case 'int32':
    case 'int64':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= INT_MAX[kind.t] ? undefined : bad(`is ${JSON.stringify(v)}; expected a whole number >= 0`, 'set a whole number >= 0, or remove it for the default');
    case 'duration': {
      const ns = typeof v === 'string' ? parseGoDuration(v) : undefined;
      return ns !== undefined && ns >= 0 ? undefined : bad(`is ${JSON.stringify(v)}; expected a Go duration >= 0`, 'use a Go duration such as 30s, 5m or 1h30m');
    }
    case 'quantity':
      return quantityDecimal(v) !== undefined ? undefined : bad(`is ${JSON.stringify(v)}; expected a decimal number >= 0`, 'give a number such as 0.1, "20" or "100m" (0.1)');
    case 'url': {
      const p = typeof v === 'string' ? urlProblem(v) : 'is not a string';
      return p ? bad(`${JSON.stringify(v)} ${p}`, 'give the issuer\'s https URL, e.g. https://accounts.example.com') : undefined;
    }
    case 'path':
    case 'auditLogPath': {
      if (kind.t === 'auditLogPath' && v === '-') return undefined;
      const p = typeof v === 'string' ? pathProblem(v) : 'is not a string';
      const also = kind.t === 'auditLogPath' ? ', or - for the standard output' : '';
      return p ? bad(`${JSON.stringify(v)} ${p}`, `give an absolute file path such as /srv/kubernetes/kube-apiserver/${arg.field === 'auditLogPath' ? 'audit.log' : 'file.yaml'}${also}`) : undefined;
    }
    case 'portRange':
      return parsePortRange(v) ? undefined : bad(`is ${JSON.stringify(v)}; expected a port range from-to with 1 <= from <= to <= 65535`, 'give a range such as 30000-32767');
    case 'string':
      return typeof v === 'string' && v !== '' ? undefined : bad(`is ${JSON.stringify(v)}; expected a non-empty string`, 'set a value, or remove the field');
    default:
      return undefined; // lists and maps: checked item by item (checkItems)
  }
}

function checkItems(err: Err, arg: ComponentArg, v: unknown): void {
  const f = arg.field;
  if (arg.kind.t === 'map') {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return err(f, 'is not a map', 'give key: "value" pairs, e.g. api/all: "true"');
    for (const [key, val] of Object.entries(v)) {
      if (key === '' || /[,=\s]/.test(key)) err(pathKey(f, key), `${JSON.stringify(key)} is not a key the flag can carry (no commas, "=" or spaces)`, 'use an API group/version such as api/all or batch/v1alpha1');
      else if (typeof val !== 'string' || val === '' || /[,\s]/.test(val)) err(pathKey(f, key), `is ${JSON.stringify(val)}; expected a non-empty string without commas`, 'quote the value, e.g. "true" or "false"');
    }
    return;
  }
  if (!Array.isArray(v)) return err(f, 'is not a list', 'give a list of strings');
  v.forEach((item, i) => {
    const at = `${f}[${i}]`;
    if (typeof item !== 'string' || item.trim() === '') return err(at, `is ${JSON.stringify(item)}; expected a non-empty string`, 'remove the empty item');
    if (arg.kind.t === 'keyValues') {
      if (!/^[^=,\s]+=[^,]*$/.test(item)) err(at, `${JSON.stringify(item)} is not claim=value`, 'give the claim and its required value, e.g. hd=example.com');
      return;
    }
    if (item.includes(',')) return err(at, `${JSON.stringify(item)} has a comma: the items are joined by commas into one flag`, 'give one item per entry, without commas');
    if (f === 'tlsCipherSuites' && !CIPHER.test(item)) err(at, `${JSON.stringify(item)} is not a cipher suite name`, 'use Go\'s names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    if (f.endsWith('AdmissionPlugins') && !PLUGIN.test(item)) err(at, `${JSON.stringify(item)} is not an admission plugin name`, 'use a plugin name such as NodeRestriction or PodNodeSelector');
    if (f !== 'disableAdmissionPlugins' && f.endsWith('AdmissionPlugins') && item === 'PodSecurityPolicy') err(at, 'PodSecurityPolicy was removed in Kubernetes 1.25', 'remove it; PodSecurity (Pod Security admission) replaces it and is enabled by default');
  });
}

function checkApiServer(err: Err, warn: Err, s: Readonly<Record<string, unknown>>): void {
  const set = (f: string) => s[f] != null;
  if (set('oidcIssuerURL') !== set('oidcClientID')) {
    const [has, lacks] = set('oidcIssuerURL') ? ['oidcIssuerURL', 'oidcClientID'] : ['oidcClientID', 'oidcIssuerURL'];
    err(has, `is set without ${lacks}; the API server refuses one without the other`, `set ${lacks} too, or remove ${has}`);
  }
  if (!set('oidcIssuerURL')) {
    for (const f of ['oidcUsernameClaim', 'oidcUsernamePrefix', 'oidcGroupsClaim', 'oidcGroupsPrefix', 'oidcRequiredClaim', 'oidcCAFile']) {
      if (set(f)) err(f, 'is set without oidcIssuerURL and oidcClientID, so OIDC authentication is off', 'set oidcIssuerURL and oidcClientID, or remove it');
    }
  }
  const disabled = new Set(Array.isArray(s.disableAdmissionPlugins) ? (s.disableAdmissionPlugins as unknown[]) : []);
  for (const f of ['enableAdmissionPlugins', 'appendAdmissionPlugins']) {
    const list = Array.isArray(s[f]) ? (s[f] as unknown[]) : [];
    for (const p of list) if (disabled.has(p)) err('disableAdmissionPlugins', `disables ${String(p)}, which ${f} enables; the API server refuses a plugin in both`, `remove ${String(p)} from one of the two`);
  }
  if (typeof s.auditLogPath === 'string' && KUBEADM_APISERVER_MOUNTS.includes(dirname(s.auditLogPath))) {
    err('auditLogPath', `is in ${dirname(s.auditLogPath)}, which kubeadm mounts read-only into the API server's pod`, 'write the log elsewhere, e.g. /var/log/kube-apiserver/audit.log');
  }
  if (set('auditWebhookConfigFile') && !set('auditPolicyFile')) {
    err('auditWebhookConfigFile', 'is set without auditPolicyFile: without a policy the API server sends no audit events', 'set auditPolicyFile too (kops requires it as well)');
  }
  if (set('auditLogPath') && !set('auditPolicyFile')) warn('auditLogPath', 'is set without auditPolicyFile: without a policy the API server logs no audit events', 'set auditPolicyFile, delivered with a fileAsset');
  for (const f of ['auditLogMaxAge', 'auditLogMaxBackups', 'auditLogMaxSize', 'auditLogFormat']) {
    if (set(f) && !set('auditLogPath')) warn(f, 'has no effect without auditLogPath', 'set auditLogPath, or remove it');
  }
  for (const f of ['auditWebhookMode', 'auditWebhookBatchMaxWait', 'auditWebhookBatchMaxSize', 'auditWebhookBatchBufferSize', 'auditWebhookInitialBackoff']) {
    if (set(f) && !set('auditWebhookConfigFile')) warn(f, 'has no effect without auditWebhookConfigFile', 'set auditWebhookConfigFile, or remove it');
  }
}

/** The files the API server reads from its host: each must reach every control plane. */
const APISERVER_READ_FILES = ['auditPolicyFile', 'auditWebhookConfigFile', 'oidcCAFile'] as const;

function checkDelivered(r: Reporter, c: Cluster, igs: readonly InstanceGroup[], s: Readonly<Record<string, unknown>>): void {
  const planes = igs.filter((ig) => normalizeRole(ig.spec.role) === 'ControlPlane');
  for (const f of APISERVER_READ_FILES) {
    // anonymousAuth false: the OIDC CA's content goes into the authentication configuration (validation-authn.ts requires its fileAsset).
    if (f === 'oidcCAFile' && s.anonymousAuth === false) continue;
    const path = s[f];
    if (typeof path !== 'string' || pathProblem(path)) continue;
    const without = planes.filter((ig) => ![...(ig.spec.fileAssets ?? []), ...(c.spec.fileAssets ?? [])].some((a) => forRole(a.roles, 'ControlPlane') && fileAssetPath(a) === path));
    if (without.length === 0) continue;
    r.warn('ComponentFileNotDelivered', `spec.kubeAPIServer.${f}`,
      `no fileAsset delivers ${path} to ${without.length === planes.length ? 'the control planes' : `control-plane group(s) ${without.map((g) => g.metadata.name).join(', ')}`}: it must exist on their hosts (image, hook or additionalUserData), or the API server does not start`,
      `add a fileAsset with path: ${path} and roles: [ControlPlane] to the cluster spec`);
  }
}

/** Every problem of the control plane components' settings. */
export function validateComponents(r: Reporter, c: Cluster, igs: readonly InstanceGroup[]): void {
  for (const component of COMPONENTS) {
    const s = componentSpec(c.spec, component);
    if (!s) continue;
    const at = (f: string) => `spec.${component}.${f}`;
    const err: Err = (f, summary, hint) => r.err(CODE, at(f), summary, hint);
    const warn: Err = (f, summary, hint) => r.warn('ComponentSettingUnused', at(f), summary, hint);
    for (const arg of COMPONENT_ARGS[component]) {
      const v = s[arg.field];
      if (v == null) continue;
      const p = argProblem(arg, v);
      if (p) err(arg.field, p.summary, p.hint);
      else if (['list', 'keyValues', 'map'].includes(arg.kind.t)) checkItems(err, arg, v);
    }
    checkGates(err, s.featureGates);
    if (component === 'kubeAPIServer') {
      checkApiServer(err, warn, s);
      validateAuthn(r, c, igs, s);
      checkDelivered(r, c, igs, s);
    }
  }
  // kube-proxy's gates (its KubeProxyConfiguration's featureGates): the same names and values,
  // whether or not kube-proxy is enabled now (turning it on must not meet a refusal then).
  const kubeProxy = (c.spec as { kubeProxy?: { featureGates?: unknown } }).kubeProxy;
  checkGates((f, summary, hint) => r.err(CODE, `spec.kubeProxy.${f}`, summary, hint), kubeProxy?.featureGates);
}

/**
 * A component's feature gates: each named with letters and digits, `"true"` or `"false"`. A
 * control-plane component's are joined into one --feature-gates=A=true,B=false: a name with ",",
 * "=" or a space would make the flag the component refuses at start (or smuggle another gate);
 * kube-proxy refuses a gate name it does not know at start too.
 */
function checkGates(err: Err, gates: unknown): void {
  if (typeof gates !== 'object' || gates === null) return;
  for (const [gate, v] of Object.entries(gates)) {
    if (!FEATURE_GATE.test(gate)) err(pathKey('featureGates', gate), `${JSON.stringify(gate)} is not a feature gate name (letters and digits, as Kubernetes names them)`, 'give the gate\'s name, e.g. InPlacePodVerticalScaling');
    else if (!['true', 'false'].includes(String(v).toLowerCase())) err(pathKey('featureGates', gate), `is ${JSON.stringify(v)}; a feature gate is "true" or "false"`, 'set "true" or "false"');
  }
}
