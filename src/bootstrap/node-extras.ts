/**
 * The spec's node customisations, as kops applies them with nodeup (docs/bootstrap.md, "Node
 * customisations"): `sysctlParameters`, `fileAssets` and `hooks` of the cluster (every group whose
 * role a entry's `roles` names; all when empty) and of the instance group, added to them; and
 * `packages` (apt-get, first) and `containerd.registryMirrors` / `configAdditions` (after the file
 * assets: containerd-config.ts, containerd-additions.ts) of the cluster and the group. A script
 * without the last three is byte for byte what it was before they were acted on (its header line
 * included), so no group rolls for them.
 *
 * They travel as one script per group, `node-extras.sh`, in the group's igconfig directory of the
 * state store, fetched and run by bootstrap.sh after the packages are installed and before kubeadm
 * runs, like etcd-prune.py: not in the user data, which is 16 KB at most (gzip included) and which
 * `update`'s plan prints line by line (a file asset may hold a secret). The user data carries the
 * script's sha256 instead (`NODE_EXTRAS_SHA256`): a change of any of them changes the launch
 * template (the plan shows it; a rolling update replaces the instances), and bootstrap.sh runs only
 * the script it was made for. A group without any gets no script and no variable, so its user data
 * is what it was before these fields were acted on. A control plane's script also writes the files
 * kops-ts itself puts there before kubeadm (`nodeExtrasWithOwnFiles`: the API server's
 * authentication configuration when anonymousAuth is false, apiserver-authn.ts).
 *
 * kops's rules kept: a file asset without `path` goes to /srv/kubernetes/assets/<name>, mode 0440
 * unless `mode` says; the group's file at a path wins over the cluster's; a hook without `name` is
 * `kops-hook-<index>` (`-ig` added for the group's), `.service` is added to a name without it, and
 * the group's hook of a name wins over the cluster's; a `manifest` is the [Service] section of a
 * unit whose [Unit] section kops-ts writes (description, `Requires=`, `Before=`), or with
 * `useRawManifest` the whole unit; `execContainer` runs the image with containerd's `ctr` (kops's
 * command line: the host's root at /rootfs, host network, privileged), pulled first; every hook is
 * enabled (when its unit has an [Install] section) and started in order (a oneshot's start waits for it to finish); a hook that fails stops
 * the bootstrap, as nodeup never completes with a failing hook. One difference: kops writes the
 * group's sysctls before the cluster's, so the cluster's win a key both set; kops-ts writes the
 * cluster's first, so the group's win.
 */
import { createHash } from 'node:crypto';
import type { ClusterSpec, FileAssetSpec, HookSpec, InstanceGroupSpec, NormalizedRole } from '../model/api/types.js';
import { normalizeRole } from '../model/api/types.js';
import { shQuote } from '../text/shell-quote.js';
import { authenticationConfigFile } from './apiserver-authn.js';
import { configAdditionsStep, mergedConfigAdditions } from './containerd-additions.js';
import { CONTAINERD_CONFIG, CONTAINERD_RESTART, hostsToml, mergedRegistryMirrors, registryConfigPathStep, type RegistryMirror } from './containerd-config.js';

/** The script's name in the group's igconfig directory. */
export const NODE_EXTRAS_FILE = 'node-extras.sh';
/** kops's directory of the file assets that name no path. */
export const FILE_ASSETS_DEFAULT_DIR = '/srv/kubernetes/assets';
/** kops's mode of a file asset that names none. */
export const FILE_ASSET_DEFAULT_MODE = '0440';
/** After kops-ts's own 99-kops-ts.conf (sysctl --system applies files by name: the later wins). */
export const SYSCTL_FILE = '/etc/sysctl.d/99-kops-ts.spec.conf';

/** A file the group's instances get. */
export interface NodeFile {
  readonly path: string;
  readonly mode: string;
  readonly content: Buffer;
}

/** A hook as a unit: written and started, or (disabled) switched off. */
export interface NodeUnit {
  readonly name: string;
  /** The unit file; absent for a unit switched off. */
  readonly definition?: string;
}

export interface NodeExtras {
  /** sysctl.d lines (comments included). */
  readonly sysctls: readonly string[];
  readonly files: readonly NodeFile[];
  readonly units: readonly NodeUnit[];
  /** apt packages (`name` or `name=version`): the cluster's, then the group's not already named. */
  readonly packages?: readonly string[];
  /** containerd's registry mirrors (containerd-config.ts), by registry. */
  readonly registryMirrors?: readonly RegistryMirror[];
  /** containerd's configAdditions (containerd-additions.ts): key → value, sorted by key. */
  readonly configAdditions?: readonly (readonly [string, string | number])[];
}

/** Whether an entry's `roles` take a group of `role` (all roles when empty; `Master` is `ControlPlane`). */
export function forRole(roles: readonly string[] | undefined, role: NormalizedRole): boolean {
  return !roles || roles.length === 0 || roles.some((r) => (r === 'Master' ? 'ControlPlane' : r) === role);
}

/** kops's unit name of a hook: its name with `.service` when it has no unit suffix, else `kops-hook-<index>[-ig]`. */
export function hookUnitName(h: HookSpec, index: number, ofGroup: boolean): string {
  const name = h.name && h.name !== '' ? h.name : `kops-hook-${index}${ofGroup ? '-ig' : ''}`;
  return /\.(service|timer)$/.test(name) ? name : `${name}.service`;
}

export function fileAssetPath(f: FileAssetSpec): string {
  return f.path && f.path !== '' ? f.path : `${FILE_ASSETS_DEFAULT_DIR}/${f.name}`;
}

/** Standard base64 with or without padding (kops decodes without; both are taken). */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/** systemd's quoting of one command-line word: double quotes, `\`, `"`, `%` and `$` escaped. */
export function systemdWord(w: string): string {
  return `"${w.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** kops's image reference: docker.io/library/ for a bare name, :latest without a tag. */
export function containerImage(image: string): string {
  const i = image.trim();
  const named = i.includes('/') ? i : `docker.io/library/${i}`;
  return named.includes(':') ? named : `${named}:latest`;
}

function unitOf(name: string, h: HookSpec): NodeUnit {
  if (h.disabled === true) return { name };
  if (h.useRawManifest) return { name, definition: ensureNewline(h.manifest ?? '') };
  const unit = [`[Unit]`, `Description=Kops Hook ${name}`, ...(h.requires ?? []).map((u) => `Requires=${u}`), ...(h.before ?? []).map((u) => `Before=${u}`)];
  const exec = h.execContainer;
  if (!exec) return { name, definition: `${[...unit, '', '[Service]', (h.manifest ?? '').replace(/\n+$/, '')].join('\n')}\n` };
  const image = containerImage(exec.image);
  const env = Object.entries(exec.environment ?? {}).sort(([a], [b]) => a.localeCompare(b)).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  const run = [
    '/usr/bin/ctr', '--namespace', 'k8s.io', 'run', '--rm',
    '--mount', 'type=bind,src=/,dst=/rootfs,options=rbind:rslave',
    '--mount', 'type=bind,src=/var/run/dbus,dst=/var/run/dbus,options=rbind:rprivate',
    '--mount', 'type=bind,src=/run/systemd,dst=/run/systemd,options=rbind:rprivate',
    '--net-host', '--privileged', ...env, image, name.replace(/\.service$/, ''), ...(exec.command ?? []),
  ];
  return {
    name,
    definition: `${[
      ...unit, 'Requires=containerd.service', 'After=containerd.service', '',
      '[Service]', 'Type=oneshot',
      `ExecStartPre=${['/usr/bin/ctr', '--namespace', 'k8s.io', 'image', 'pull', image].map(systemdWord).join(' ')}`,
      `ExecStart=${run.map(systemdWord).join(' ')}`, '',
      '[Install]', 'WantedBy=multi-user.target',
    ].join('\n')}\n`,
  };
}

function ensureNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}

/** The group's customisations: the cluster's for its role, then its own (kops's precedence). */
export function nodeExtras(cluster: ClusterSpec, ig: InstanceGroupSpec): NodeExtras {
  const role = normalizeRole(ig.role);
  const sysctls: string[] = [];
  const clusterSysctls = cluster.sysctlParameters ?? [];
  const igSysctls = ig.sysctlParameters ?? [];
  if (clusterSysctls.length > 0) sysctls.push('# sysctlParameters of the cluster spec', ...clusterSysctls.map((s) => s.trim()));
  if (igSysctls.length > 0) sysctls.push('# sysctlParameters of the instance group spec', ...igSysctls.map((s) => s.trim()));

  const files: NodeFile[] = [];
  const paths = new Set<string>();
  for (const f of [...(ig.fileAssets ?? []), ...(cluster.fileAssets ?? [])]) {
    const path = fileAssetPath(f);
    if (!forRole(f.roles, role) || paths.has(path)) continue;
    paths.add(path);
    files.push({ path, mode: f.mode && f.mode !== '' ? f.mode : FILE_ASSET_DEFAULT_MODE, content: f.isBase64 ? Buffer.from(f.content, 'base64') : Buffer.from(f.content, 'utf8') });
  }

  const units: NodeUnit[] = [];
  const names = new Set<string>();
  const add = (hooks: readonly HookSpec[], ofGroup: boolean) => hooks.forEach((h, i) => {
    const name = hookUnitName(h, i, ofGroup);
    if (!forRole(h.roles, role) || names.has(name)) return;
    names.add(name);
    units.push(unitOf(name, h));
  });
  add(ig.hooks ?? [], true);
  add(cluster.hooks ?? [], false);
  // kops's nodeup: the cluster's packages then the group's, each installed once.
  const packages = [...new Set([...(cluster.packages ?? []), ...(ig.packages ?? [])])];
  const registryMirrors = mergedRegistryMirrors(cluster.containerd, ig.containerd);
  const configAdditions = mergedConfigAdditions(cluster.containerd?.configAdditions, ig.containerd?.configAdditions);
  return {
    sysctls, files, units,
    ...(packages.length > 0 ? { packages } : {}),
    ...(registryMirrors.length > 0 ? { registryMirrors } : {}),
    ...(configAdditions.length > 0 ? { configAdditions } : {}),
  };
}

export function isEmpty(x: NodeExtras): boolean {
  return x.sysctls.length === 0 && x.files.length === 0 && x.units.length === 0 && (x.packages ?? []).length === 0 && (x.registryMirrors ?? []).length === 0 && (x.configAdditions ?? []).length === 0;
}

/** base64 of `b`, in lines of 76 for the here-document. */
function base64Lines(b: Buffer): string {
  return (b.toString('base64').match(/.{1,76}/g) ?? []).join('\n');
}

/** The script bootstrap.sh runs (bash, `set -euo pipefail`); every content travels as base64. */
export function renderNodeExtrasScript(x: NodeExtras): string {
  const out = [
    '#!/bin/bash',
    "# kops-ts: this group's sysctlParameters, fileAssets and hooks (src/bootstrap/node-extras.ts), run by bootstrap.sh before kubeadm.",
    'set -euo pipefail',
    '',
    '# put PATH MODE: the base64 on stdin, decoded, as PATH (root-owned) with MODE. A missing directory is',
    "# made 0755; an existing one keeps its mode (/tmp stays 1777, /root 0700). A directory at PATH stops it.",
    'put() {',
    '  local tmp dir',
    '  dir=$(dirname "$1")',
    '  [ -d "$dir" ] || install -d -m 0755 "$dir"',
    '  [ ! -d "$1" ] || { echo "kops-ts: $1 is a directory on this instance, not a file a file asset can replace" >&2; exit 1; }',
    '  tmp=$(mktemp "$1.XXXXXX")',
    '  base64 -d >"$tmp"',
    '  chmod "$2" "$tmp"',
    '  mv -fT "$tmp" "$1"',
    '}',
    '',
  ];
  const put = (path: string, mode: string, content: Buffer) => out.push(`put ${shQuote(path)} ${mode} <<'EOF'`, base64Lines(content), 'EOF');
  const packages = x.packages ?? [];
  if (packages.length > 0) {
    // First, so a file asset or hook may configure or use what they install.
    out.push(
      "# packages: Ubuntu's, installed as kops's nodeup installs them (apt-get, no recommends), one at a time so a failure names its package.",
      'apt_install() {',
      '  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=5 install -y --no-install-recommends "$1" ||',
      '    { echo "kops-ts: apt-get install of package $1 failed (packages of the spec)" >&2; exit 1; }',
      '}',
      ...packages.map((p) => `apt_install ${shQuote(p)}`),
      '',
    );
  }
  if (x.sysctls.length > 0) {
    put(SYSCTL_FILE, '0644', Buffer.from(`${x.sysctls.join('\n')}\n`));
    out.push(`sysctl --system >/dev/null || { echo "kops-ts: sysctl --system failed on ${SYSCTL_FILE} (a key this kernel does not have?)" >&2; exit 1; }`, '');
  }
  for (const f of x.files) put(f.path, f.mode, f.content);
  if (x.files.length > 0) out.push('');
  // containerd's: after the file assets (a config.toml asset is edited, not replaced; an asset cannot
  // replace a hosts.toml), before the hooks (which may pull images); one restart for all of it.
  const mirrors = x.registryMirrors ?? [];
  const additions = x.configAdditions ?? [];
  if (mirrors.length > 0) {
    out.push("# containerd's registry mirrors (containerd.registryMirrors): one hosts.toml per registry.");
    for (const m of mirrors) {
      const h = hostsToml(m);
      put(h.path, '0644', Buffer.from(h.content));
    }
    out.push(...registryConfigPathStep());
  }
  if (additions.length > 0) out.push(...configAdditionsStep(additions, CONTAINERD_CONFIG));
  if (mirrors.length > 0 || additions.length > 0) out.push(CONTAINERD_RESTART, '');
  const written = x.units.filter((u) => u.definition !== undefined);
  for (const u of written) put(`/etc/systemd/system/${u.name}`, '0644', Buffer.from(u.definition!));
  if (x.units.length > 0) out.push('systemctl daemon-reload');
  for (const u of x.units) {
    const n = shQuote(u.name);
    if (u.definition === undefined) {
      out.push(`systemctl disable --now ${n} || echo "kops-ts: hook ${u.name}: no such unit to switch off" >&2`);
    } else {
      // Enabled when it says how (an [Install] section), so later boots run it too; started now either way.
      if (/^\[Install\]/m.test(u.definition)) out.push(`systemctl enable ${n}`);
      out.push(`systemctl start ${n} || { echo "kops-ts: hook ${u.name} failed (journalctl -u ${u.name})" >&2; exit 1; }`);
    }
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

/**
 * The group's customisations and the files kops-ts itself puts on its instances before kubeadm:
 * a control plane's API server authentication configuration (apiserver-authn.ts), after the
 * file assets (validation refuses an asset at its path).
 */
export function nodeExtrasWithOwnFiles(cluster: ClusterSpec, ig: InstanceGroupSpec): NodeExtras {
  const x = nodeExtras(cluster, ig);
  const authn = normalizeRole(ig.role) === 'ControlPlane' ? authenticationConfigFile(cluster, x.files) : undefined;
  return authn ? { ...x, files: [...x.files, authn] } : x;
}

/** The group's script and its sha256, or undefined when it has no customisation. */
export function nodeExtrasScript(cluster: ClusterSpec, ig: InstanceGroupSpec): { content: string; sha256: string } | undefined {
  if (normalizeRole(ig.role) === 'Bastion') return undefined;
  const x = nodeExtrasWithOwnFiles(cluster, ig);
  if (isEmpty(x)) return undefined;
  const content = renderNodeExtrasScript(x);
  return { content, sha256: createHash('sha256').update(content).digest('hex') };
}

/** The bootstrap input's `nodeExtrasSha256` of a group: present only when it has a script. */
export function nodeExtrasHash(cluster: ClusterSpec, ig: { spec: InstanceGroupSpec }): { nodeExtrasSha256?: string } {
  const extras = nodeExtrasScript(cluster, ig.spec);
  return extras ? { nodeExtrasSha256: extras.sha256 } : {};
}

/** bootstrap.sh's step (after the join configuration is fetched, before kubeadm): fetch, check, run. Kept short: the user data is 16 KB. */
export const NODE_EXTRAS_STEP = `# The spec's sysctls, fileAssets and hooks (node-extras.ts), before kubeadm.
extras="$CONFIG_DIR/${NODE_EXTRAS_FILE}"
fetch ${NODE_EXTRAS_FILE} "$extras"
sha256sum -c --status <<<"$NODE_EXTRAS_SHA256  $extras" || die "${NODE_EXTRAS_FILE} is not the one this instance was launched for"
bash "$extras" || die "${NODE_EXTRAS_FILE} failed"

`;
