/**
 * The control plane components' flags and the API server's extra volumes, from the spec's
 * `kubeAPIServer`, `kubeControllerManager` and `kubeScheduler` (src/model/control-plane-components.ts
 * lists the fields and their flags; validation-components.ts has checked the values): kubeadm's
 * ClusterConfiguration `extraArgs` (v1beta4: a list of `{name, value}`, a name may repeat) and
 * `apiServer.extraVolumes` (docs/bootstrap.md, "The kubeadm configuration").
 *
 * - Values as kops renders them: booleans `true`/`false`, lists comma-joined, `runtimeConfig` as
 *   `k=v` pairs sorted by key, quantities as decimals, `oidcRequiredClaim` one flag per claim.
 * - Admission plugins: kubeadm enables `NodeRestriction` through the same flag the spec's
 *   `enableAdmissionPlugins` sets, and a flag given in `extraArgs` replaces kubeadm's; so
 *   `enable-admission-plugins` is `NodeRestriction`, then `enableAdmissionPlugins`, then
 *   `appendAdmissionPlugins` (duplicates dropped), unless `disableAdmissionPlugins` names
 *   NodeRestriction. kops, by contrast, replaces its whole default list with `enableAdmissionPlugins`
 *   and appends `appendAdmissionPlugins` only to its default.
 * - Volumes: the directory of each file the API server reads (audit policy and webhook
 *   configuration, OIDC CA: read-only, `Directory`) or writes (the audit log's, unless `-`:
 *   read-write, `DirectoryOrCreate`, as the log is rotated by renaming), as kops mounts them; one
 *   volume a directory; none for a directory kubeadm mounts already (a second mount at the same
 *   path would make the static pod invalid).
 * - `anonymousAuth: false`: `--authentication-config` (at anonymousAuth's place) instead of
 *   `--anonymous-auth` and the `--oidc-*` flags, which the file carries (apiserver-authn.ts); the
 *   file itself mounted read-only (`File`), and no volume for the OIDC CA (its content is inline).
 */
import { dirname } from 'node:path';
import { COMPONENT_ARGS, KUBEADM_APISERVER_MOUNTS, componentSpec, quantityDecimal, type ComponentArg, type ComponentName } from '../model/control-plane-components.js';
import type { Cluster } from '../model/api/types.js';
import { AUTHN_CONFIG_FLAG, AUTHN_CONFIG_PATH, OIDC_FIELDS, usesAuthenticationConfig } from './apiserver-authn.js';

export interface ExtraArg {
  readonly name: string;
  readonly value: string;
}

export interface ExtraVolume {
  readonly name: string;
  readonly hostPath: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
  readonly pathType: 'Directory' | 'DirectoryOrCreate' | 'File';
}

const ADMISSION = new Set(['enableAdmissionPlugins', 'appendAdmissionPlugins']);
/** kubeadm's own admission plugin, enabled by the flag `enableAdmissionPlugins` sets. */
export const KUBEADM_ADMISSION_PLUGIN = 'NodeRestriction';

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The flag's values of one field (none when unset, several for a repeated flag). */
function values(arg: ComponentArg, v: unknown): string[] {
  switch (arg.kind.t) {
    case 'list':
      return strings(v).length > 0 ? [strings(v).join(',')] : [];
    case 'keyValues':
      return strings(v);
    case 'map': {
      const m = v as Record<string, string>;
      const keys = Object.keys(m).sort();
      return keys.length > 0 ? [keys.map((k) => `${k}=${m[k]}`).join(',')] : [];
    }
    case 'quantity':
      return [quantityDecimal(v)!];
    default:
      return [String(v)];
  }
}

function admissionPlugins(s: Readonly<Record<string, unknown>>): string | undefined {
  const enabled = [...strings(s.enableAdmissionPlugins), ...strings(s.appendAdmissionPlugins)];
  const disabled = strings(s.disableAdmissionPlugins);
  // Unset: kubeadm's own value stands, unless NodeRestriction is disabled (both lists would name it).
  if (enabled.length === 0 && !disabled.includes(KUBEADM_ADMISSION_PLUGIN)) return undefined;
  const all = disabled.includes(KUBEADM_ADMISSION_PLUGIN) ? enabled : [KUBEADM_ADMISSION_PLUGIN, ...enabled];
  return [...new Set(all)].join(',');
}

/** The component's `extraArgs` from the spec (kubeadm.ts adds kops-ts's own and `feature-gates`). */
export function componentArgs(c: Cluster, component: ComponentName): ExtraArg[] {
  const s = componentSpec(c.spec, component);
  if (!s) return [];
  const out: ExtraArg[] = [];
  // anonymousAuth false: --authentication-config replaces --anonymous-auth and the --oidc-* flags (apiserver-authn.ts).
  const authn = component === 'kubeAPIServer' && usesAuthenticationConfig(c.spec);
  for (const arg of COMPONENT_ARGS[component]) {
    if (authn && arg.field === 'anonymousAuth') {
      out.push({ name: AUTHN_CONFIG_FLAG, value: AUTHN_CONFIG_PATH });
      continue;
    }
    if (authn && OIDC_FIELDS.includes(arg.field)) continue;
    if (ADMISSION.has(arg.field)) {
      // Both fields are one flag, given where the first of them is in the table.
      const enable = arg.field === 'enableAdmissionPlugins' ? admissionPlugins(s) : undefined;
      if (enable !== undefined) out.push({ name: arg.flag, value: enable });
      continue;
    }
    const v = s[arg.field];
    if (v == null) continue;
    for (const value of values(arg, v)) out.push({ name: arg.flag, value });
  }
  return out;
}

/** The API server's `extraVolumes`: the directories of the files its settings name. */
export function apiServerVolumes(c: Cluster): ExtraVolume[] {
  const s = componentSpec(c.spec, 'kubeAPIServer');
  if (!s) return [];
  const authn = usesAuthenticationConfig(c.spec);
  const wanted: { name: string; file: unknown; write: boolean }[] = [
    { name: 'kops-ts-audit-log', file: s.auditLogPath === '-' ? undefined : s.auditLogPath, write: true },
    { name: 'kops-ts-audit-policy', file: s.auditPolicyFile, write: false },
    { name: 'kops-ts-audit-webhook', file: s.auditWebhookConfigFile, write: false },
    // With the authentication configuration the CA's content is in it: the API server does not read the file.
    { name: 'kops-ts-oidc-ca', file: authn ? undefined : s.oidcCAFile, write: false },
  ];
  const byDir = new Map<string, { name: string; write: boolean }>();
  for (const w of wanted) {
    if (typeof w.file !== 'string') continue;
    const dir = dirname(w.file);
    if (KUBEADM_APISERVER_MOUNTS.includes(dir)) continue;
    const seen = byDir.get(dir);
    if (seen) seen.write ||= w.write;
    else byDir.set(dir, { name: w.name, write: w.write });
  }
  const volumes: ExtraVolume[] = [...byDir].map(([dir, v]) => ({ name: v.name, hostPath: dir, mountPath: dir, readOnly: !v.write, pathType: v.write ? 'DirectoryOrCreate' : 'Directory' }));
  // The one file, not its directory: node-extras.sh writes it before kubeadm runs.
  if (authn) volumes.push({ name: 'kops-ts-authentication-config', hostPath: AUTHN_CONFIG_PATH, mountPath: AUTHN_CONFIG_PATH, readOnly: true, pathType: 'File' });
  return volumes;
}
