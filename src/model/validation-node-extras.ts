/**
 * Validation of the node customisations (src/bootstrap/node-extras.ts, user-data-parts.ts), of the
 * cluster and of each instance group: kops's own checks (a sysctl has `=`; a file asset has a name
 * and content; a hook has an action, `useRawManifest` without `before`/`requires`/`execContainer`;
 * an execContainer has an image; a user-data part has a name, content and one of cloud-init's
 * types) and what kops-ts needs to act on them safely: sysctl keys, absolute file paths outside
 * kops-ts's own directories, octal modes, base64 that decodes, systemd unit names, and values that
 * stay on one line of a unit file.
 *
 * Refused, with what is supported: customisations for bastions (kops-ts's bastions run no
 * bootstrap), `disabled: false` and `disabled` with an action (kops's v1alpha2 reads `disabled`
 * as "enabled", so such a manifest does the opposite there), and additionalUserData on GCE.
 */
import type { ClusterSpec, FileAssetSpec, HookSpec, InstanceGroup, UserDataPart } from './api/types.js';
import { normalizeRole } from './api/types.js';
import { BASE64, fileAssetPath, hookUnitName, nodeExtras } from '../bootstrap/node-extras.js';
import { PART_NAME, USER_DATA_TYPES } from '../bootstrap/user-data-parts.js';
import { igPath, type Reporter } from './validation-util.js';

/** A sysctl name as sysctl.d takes it: dot- or slash-separated words (`*` globs), `-` first to ignore failures. */
const SYSCTL_KEY = /^-?[A-Za-z0-9_*]+(?:[./][A-Za-z0-9_*:@-]+)+$/;
/** A systemd unit name: letters, digits and `:-_.\@`, with a type suffix. */
const UNIT_NAME = /^[A-Za-z0-9:_.\\@-]+\.(service|socket|target|mount|timer|path|device|swap|slice|scope|automount)$/;
/** containerd's container ids (the hook's name, without `.service`, names its container). */
const CONTAINER_ID = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;
/** kops-ts's own directories on the node: a file asset may not replace its bootstrap. */
const OWN_DIRS = ['/opt/kops-ts/', '/etc/kops-ts/', '/var/lib/kops-ts/'];
const MODE = /^[0-7]{3,4}$/;
/** kops-ts's files outside OWN_DIRS (99-kops-ts.conf, kops-ts.conf, 20-kops-ts-*.conf, kops-ts-*.service): a file name with kops-ts in it. */
const OWN_FILE = /kops-ts/;
/** Units the node's bootstrap runs (the packages' kubelet and containerd, kops-ts's own `kops-ts-*`): a hook may not replace or switch one off. */
const OWN_UNITS = /^(kubelet|containerd|kops-ts-.*)\.(service|timer)$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

type At = (field: string) => string;

export function validateNodeExtras(r: Reporter, spec: ClusterSpec, igs: readonly InstanceGroup[], cloud: string | undefined): void {
  const clusterAt: At = (f) => f;
  checkSysctls(r, spec.sysctlParameters, clusterAt);
  checkFileAssets(r, spec.fileAssets, clusterAt);
  checkHooks(r, spec.hooks, clusterAt, false);
  for (const ig of igs) {
    const at: At = (f) => igPath(ig.metadata.name, f);
    const s = ig.spec;
    checkSysctls(r, s.sysctlParameters, at);
    checkFileAssets(r, s.fileAssets, at);
    checkHooks(r, s.hooks, at, true);
    if (normalizeRole(s.role) === 'Bastion') {
      for (const f of ['sysctlParameters', 'fileAssets', 'hooks'] as const) {
        if ((s[f] ?? []).length > 0) r.err('NodeExtrasOnBastion', at(`spec.${f}`), "kops-ts's bastions run no node bootstrap, so nothing would apply it", 'remove it: bastions get only the SSH access (additionalUserData is applied to them on AWS)');
      }
    }
    checkUserData(r, s.additionalUserData, at, cloud);
  }
  checkFileUnitClash(r, spec, igs);
}

/** A file asset at /etc/systemd/system/<unit> of a hook the same nodes get: the hook's unit is written after it, over it. */
function checkFileUnitClash(r: Reporter, spec: ClusterSpec, igs: readonly InstanceGroup[]): void {
  const reported = new Set<string>();
  // Only specs whose assets can be built (a missing content is reported above).
  const buildable = (s: { fileAssets?: FileAssetSpec[]; hooks?: HookSpec[] }) =>
    (s.fileAssets ?? []).every((f) => f && typeof f.content === 'string') && (s.hooks ?? []).every((h) => h && (!h.execContainer || typeof h.execContainer.image === 'string'));
  if (!buildable(spec) || igs.some((ig) => !buildable(ig.spec))) return;
  for (const ig of igs) {
    if (normalizeRole(ig.spec.role) === 'Bastion') continue;
    const x = nodeExtras(spec, ig.spec);
    const units = new Set(x.units.filter((u) => u.definition !== undefined).map((u) => `/etc/systemd/system/${u.name}`));
    for (const f of x.files) {
      if (!units.has(f.path)) continue;
      const own = (ig.spec.fileAssets ?? []).findIndex((a) => fileAssetPath(a) === f.path);
      const path = own >= 0 ? igPath(ig.metadata.name, `spec.fileAssets[${own}].path`) : `spec.fileAssets[${(spec.fileAssets ?? []).findIndex((a) => fileAssetPath(a) === f.path)}].path`;
      if (reported.has(path)) continue;
      reported.add(path);
      r.err('DuplicateFileAssetPath', path, `${f.path} is also the unit file of a hook, which is written after the file asset and replaces it`, 'give the whole unit as the hook (useRawManifest: true), or give the file asset another path');
    }
  }
}

function checkSysctls(r: Reporter, list: readonly unknown[] | undefined, at: At): void {
  (list ?? []).forEach((v, i) => {
    const path = at(`spec.sysctlParameters[${i}]`);
    const s = String(v);
    const eq = s.indexOf('=');
    const key = eq < 0 ? '' : s.slice(0, eq).trim();
    const value = eq < 0 ? '' : s.slice(eq + 1).trim();
    if (eq < 0) r.err('InvalidSysctlParameter', path, `${JSON.stringify(s)} has no "=": each entry is key=value, as a line of sysctl.conf`, 'write it as e.g. net.core.somaxconn=1024');
    else if (!SYSCTL_KEY.test(key)) r.err('InvalidSysctlParameter', path, `${JSON.stringify(key)} is not a sysctl name`, 'use a dotted name such as net.ipv4.tcp_keepalive_time (see sysctl -a)');
    else if (value === '' || /[\r\n]/.test(s)) r.err('InvalidSysctlParameter', path, `the value of ${key} is ${value === '' ? 'empty' : 'more than one line'}`, 'give one value on the same line, e.g. net.core.somaxconn=1024');
  });
}

function checkFileAssets(r: Reporter, list: readonly FileAssetSpec[] | undefined, at: At): void {
  const seen = new Map<string, number>();
  (list ?? []).forEach((f, i) => {
    const p = (field: string) => at(`spec.fileAssets[${i}]${field}`);
    checkRoles(r, f.roles, p('.roles'));
    if (!f.name) r.err('MissingFileAssetName', p('.name'), 'a file asset needs a name', 'name it (without path it is written to /srv/kubernetes/assets/<name>)');
    else if (!f.path && (f.name.includes('/') || f.name === '.' || f.name === '..')) r.err('InvalidFileAssetName', p('.name'), `${JSON.stringify(f.name)} cannot be a file name under /srv/kubernetes/assets`, 'give a plain file name, or set path');
    if (!f.content) r.err('MissingFileAssetContent', p('.content'), 'a file asset needs content', 'set content (isBase64: true for base64 of binary content)');
    else if (f.isBase64 && !BASE64.test(f.content.replace(/\s+/g, ''))) r.err('InvalidFileAssetContent', p('.content'), 'isBase64 is true but content is not base64', 'give standard base64 (A-Z a-z 0-9 + /), or drop isBase64 for text');
    if (f.path) {
      const parts = f.path.split('/');
      if (!f.path.startsWith('/') || f.path.endsWith('/') || parts.some((s, j) => (j > 0 && s === '') || s === '.' || s === '..') || /[\x00-\x1f]/.test(f.path)) {
        r.err('InvalidFileAssetPath', p('.path'), `${JSON.stringify(f.path)} is not an absolute path to a file`, 'give an absolute path such as /etc/kubernetes/audit/policy.yaml (no . or .. parts, no trailing /)');
      } else if (OWN_DIRS.some((d) => f.path!.startsWith(d))) {
        r.err('InvalidFileAssetPath', p('.path'), `${f.path} is in a directory of kops-ts's own bootstrap (${OWN_DIRS.join(', ')})`, 'write it elsewhere');
      } else if (OWN_FILE.test(parts[parts.length - 1]!)) {
        r.err('InvalidFileAssetPath', p('.path'), `${f.path} would replace a file of kops-ts's own bootstrap (its sysctl, module and systemd files elsewhere are named kops-ts)`, 'give the file a name without kops-ts');
      }
    }
    if (f.mode != null && f.mode !== '' && !MODE.test(f.mode)) r.err('InvalidFileAssetMode', p('.mode'), `${JSON.stringify(f.mode)} is not an octal file mode`, 'quote an octal mode such as "0644" (the default is "0440")');
    if (f.name || f.path) {
      const path = fileAssetPath(f);
      const first = seen.get(path);
      if (first !== undefined) r.err('DuplicateFileAssetPath', p('.path'), `fileAssets[${first}] already writes ${path}`, 'give each file asset its own path');
      else seen.set(path, i);
    }
  });
}

function checkRoles(r: Reporter, roles: readonly string[] | undefined, path: string): void {
  const list = roles ?? [];
  if (!list.includes('Bastion')) return;
  // kops's own fileAssets example names [Master,Node,Bastion]; kops runs no nodeup on a bastion
  // without additionalUserData, so there too the Bastion entry does nothing. With other roles
  // the entry still applies to them: a warning. Bastion alone applies nowhere: an error.
  if (list.some((x) => x !== 'Bastion')) r.warn('NodeExtrasOnBastion', path, "names Bastion: kops-ts's bastions run no node bootstrap, so it is applied to the other roles only", 'remove Bastion from roles');
  else r.err('NodeExtrasOnBastion', path, "names only Bastion: kops-ts's bastions run no node bootstrap, so nothing would apply it", 'remove the entry, or name the roles whose nodes need it');
}

function checkHooks(r: Reporter, list: readonly HookSpec[] | undefined, at: At, ofGroup: boolean): void {
  const seen = new Map<string, number>();
  (list ?? []).forEach((h, i) => {
    const p = (field: string) => at(`spec.hooks[${i}]${field}`);
    checkRoles(r, h.roles, p('.roles'));
    const name = hookUnitName(h, i, ofGroup);
    if (!/\.(service|timer)$/.test(name) || !UNIT_NAME.test(name) || name.length > 255) {
      r.err('InvalidHookName', p('.name'), `${JSON.stringify(h.name)} is not a systemd unit name`, 'use letters, digits and :-_.@, e.g. my-hook or my-hook.service');
    } else if (OWN_UNITS.test(name)) {
      r.err('InvalidHookName', p('.name'), `${name} is a unit the node's bootstrap installs and relies on: the hook would ${h.disabled === true ? 'switch it off' : 'replace it'}`, 'give the hook its own name; to run before the kubelet, add before: [kubelet.service]');
    } else if (seen.has(name)) r.err('DuplicateHookName', p('.name'), `hooks[${seen.get(name)}] is already the unit ${name}`, 'give each hook its own name');
    else seen.set(name, i);
    const action = h.manifest ? 'manifest' : h.execContainer ? 'execContainer' : undefined;
    if (h.disabled === false) {
      r.err('AmbiguousHookDisabled', p('.disabled'), "disabled: false switches the unit off in kops (its v1alpha2 reads disabled as 'enabled'), the opposite of what it says", 'remove disabled for a hook that runs; disabled: true (with only a name) switches a unit off');
    } else if (h.disabled === true && action) {
      r.err('AmbiguousHookDisabled', p('.disabled'), `disabled: true with a ${action}: kops runs this hook (its v1alpha2 reads disabled as 'enabled'), kops-ts would switch it off`, `remove disabled to run the hook, or remove the ${action} to switch the unit ${name} off`);
    }
    if (h.disabled === true) return;
    if (!action) r.err('MissingHookAction', p(''), 'a hook needs a manifest or an execContainer', 'set manifest (the [Service] section of its unit) or execContainer.image');
    if (h.manifest && h.execContainer) r.err('ConflictingHookAction', p('.execContainer'), 'a hook runs a manifest or an execContainer, not both', 'remove one');
    if (h.useRawManifest) {
      if (!h.manifest) r.err('MissingHookAction', p('.manifest'), 'useRawManifest needs manifest, the whole unit', 'set manifest, or remove useRawManifest');
      for (const f of ['before', 'requires'] as const) {
        if (h[f] != null) r.err('ConflictingHookAction', p(`.${f}`), `${f} may not be used with useRawManifest (the unit is the manifest as written)`, `put ${f === 'before' ? 'Before=' : 'Requires='} in the manifest's [Unit] section`);
      }
    } else if (/\.timer$/.test(name)) {
      r.err('InvalidHookName', p('.name'), `${name} is a timer: only a raw manifest (useRawManifest: true) can be one`, 'name it .service, or give the whole unit with useRawManifest');
    }
    for (const f of ['before', 'requires'] as const) {
      (h[f] ?? []).forEach((u, j) => {
        if (!UNIT_NAME.test(u)) r.err('InvalidHookUnit', p(`.${f}[${j}]`), `${JSON.stringify(u)} is not a systemd unit name`, 'name the unit with its type, e.g. kubelet.service');
      });
    }
    if (h.execContainer) checkExec(r, h, name, p);
  });
}

function checkExec(r: Reporter, h: HookSpec, name: string, p: At): void {
  const e = h.execContainer!;
  if (!e.image || e.image.trim() === '') r.err('MissingHookImage', p('.execContainer.image'), 'an execContainer needs an image', 'set image, e.g. busybox or registry.example.com/tools:1.2');
  else if (/\s/.test(e.image.trim())) r.err('InvalidHookImage', p('.execContainer.image'), `${JSON.stringify(e.image)} is not an image reference`, 'give one reference without spaces');
  if (!CONTAINER_ID.test(name.replace(/\.service$/, ''))) {
    r.err('InvalidHookName', p('.name'), `${name}: the container that runs an execContainer is named after the hook, and containerd takes letters, digits and ._- between them`, 'rename the hook, e.g. install-tools');
  }
  (e.command ?? []).forEach((c, j) => {
    if (/[\r\n\x00]/.test(String(c))) r.err('InvalidHookCommand', p(`.execContainer.command[${j}]`), 'a command word may not span lines (it is one line of the unit file)', 'join it on one line, e.g. sh -c "a && b"');
  });
  for (const [k, v] of Object.entries(e.environment ?? {})) {
    if (!ENV_NAME.test(k)) r.err('InvalidHookEnvironment', p(`.execContainer.environment.${k}`), `${JSON.stringify(k)} is not an environment variable name`, 'use letters, digits and _, not starting with a digit');
    else if (/[\r\n\x00]/.test(String(v))) r.err('InvalidHookEnvironment', p(`.execContainer.environment.${k}`), 'the value may not span lines (it is one line of the unit file)', 'give a one-line value');
  }
}

function checkUserData(r: Reporter, parts: readonly UserDataPart[] | undefined, at: At, cloud: string | undefined): void {
  if (!parts || parts.length === 0) return;
  if (cloud !== 'aws') {
    r.err('UnsupportedOnCloud', at('spec.additionalUserData'), `additionalUserData is added to AWS's launch-template user data; on ${cloud ?? 'this cloud'} kops-ts boots instances with a startup-script, which has no user-data parts`, 'remove it; use fileAssets or hooks for what the instances need');
    return;
  }
  parts.forEach((u, i) => {
    const p = (f: string) => at(`spec.additionalUserData[${i}].${f}`);
    if (!u.name) r.err('MissingUserDataName', p('name'), 'a user-data part needs a name', 'name it, e.g. extra.sh');
    else if (!PART_NAME.test(u.name)) r.err('InvalidUserDataName', p('name'), `${JSON.stringify(u.name)} cannot be a part's file name`, 'use printable characters without " or \\');
    if (!u.content) r.err('MissingUserDataContent', p('content'), 'a user-data part needs content', 'set content');
    if (!USER_DATA_TYPES.includes(u.type)) {
      r.err('InvalidUserDataType', p('type'), `${JSON.stringify(u.type ?? '')} is not a user-data type cloud-init handles`, `use one of ${USER_DATA_TYPES.join(', ')}`);
    }
  });
}
