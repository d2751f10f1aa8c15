/**
 * Validation of `containerd` and `packages`, of the cluster and of each instance group (acted on by
 * the node customisation script: src/bootstrap/node-extras.ts, containerd-config.ts).
 *
 * - `containerd.registryMirrors`: each key a registry host (`host`, `host:port`) or `*`, each value a
 *   non-empty list of distinct http(s) URLs (each becomes a `[host."<url>"]` table of a hosts.toml,
 *   where a repeated one would make the file invalid TOML).
 * - `containerd.configAdditions`: each key a TOML key path as kops splits it (containerd-additions.ts),
 *   no empty part, in containerd 1.7's config (version 2: not containerd 2's `io.containerd.cri.v1.*`
 *   plugins, not `version`), and no key a table another key of the same nodes sets a value in.
 * - `containerd.version` (other than 1.7), `containerd.packages`, `containerd.runc.version` and
 *   `.packages`: refused, as kops-ts installs Ubuntu's containerd 1.7 package (and the runc it depends on),
 *   not the one they name. A 1.7 version is taken with a warning: the archive's 1.7 release is installed.
 * - `packages`: Debian package names, optionally `=version`; not the packages kops-ts installs and
 *   holds itself (containerd, kubelet, kubeadm, kubectl).
 * A bastion group's own are refused, as its other customisations are (NodeExtrasOnBastion).
 */
import type { ClusterSpec, ContainerdSpec, InstanceGroup } from './api/types.js';
import { normalizeRole } from './api/types.js';
import { CONTAINERD_PACKAGE_VERSION } from '../bootstrap/cloud-bootstrap.js';
import { configAdditionPath } from '../bootstrap/containerd-additions.js';
import { CONTAINERD_HOSTS_DIR, hostsToml, mergedRegistryMirrors } from '../bootstrap/containerd-config.js';
import { fileAssetPath, forRole } from '../bootstrap/node-extras.js';
import { igPath, type Reporter } from './validation-util.js';

/** A DNS name or IPv4 address, with an optional port: the registry part of an image reference. */
const REGISTRY_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::(\d{1,5}))?$/;
/** Debian policy's package name (lower case, digits, `+ - .`, two characters at least), optionally `=version` (apt's `*` glob allowed). */
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+(?:=[0-9][A-Za-z0-9.+~:*-]*)?$/;
/** What install.sh installs and holds: another version of them would be refused by apt, or break the node. */
const OWN_PACKAGES = ['containerd', 'kubelet', 'kubeadm', 'kubectl'];
/** The containerd series kops-ts installs (CONTAINERD_PACKAGE_VERSION without its glob). */
const CONTAINERD_SERIES = CONTAINERD_PACKAGE_VERSION.replace(/\.\*$/, '');

type At = (field: string) => string;

export function validateContainerd(r: Reporter, spec: ClusterSpec, igs: readonly InstanceGroup[]): void {
  checkContainerd(r, spec.containerd, (f) => f);
  checkPackages(r, spec.packages, (f) => f);
  for (const ig of igs) {
    const at: At = (f) => igPath(ig.metadata.name, f);
    checkContainerd(r, ig.spec.containerd, at);
    checkPackages(r, ig.spec.packages, at);
    if (normalizeRole(ig.spec.role) !== 'Bastion') continue;
    if ((ig.spec.packages ?? []).length > 0) {
      r.err('NodeExtrasOnBastion', at('spec.packages'), "kops-ts's bastions run no node bootstrap, so nothing would install them", 'remove it: bastions get only the SSH access (additionalUserData is applied to them on AWS)');
    }
    if (Object.keys(ig.spec.containerd?.registryMirrors ?? {}).length > 0) {
      r.err('NodeExtrasOnBastion', at('spec.containerd.registryMirrors'), "kops-ts's bastions run no containerd, so nothing would use them", 'remove it');
    }
  }
  checkHostsFileClash(r, spec, igs);
  checkAdditionClash(r, spec, igs);
}

/** A file asset at the hosts.toml of a registry with mirrors, on the same nodes: the mirrors' file is written after it, over it. */
function checkHostsFileClash(r: Reporter, spec: ClusterSpec, igs: readonly InstanceGroup[]): void {
  const reported = new Set<string>();
  for (const ig of igs) {
    const role = normalizeRole(ig.spec.role);
    if (role === 'Bastion') continue;
    const hosts = new Set(mergedRegistryMirrors(spec.containerd, ig.spec.containerd).map((m) => hostsToml(m).path));
    const assets = [
      ...(ig.spec.fileAssets ?? []).map((f, i) => ({ f, path: igPath(ig.metadata.name, `spec.fileAssets[${i}].path`) })),
      ...(spec.fileAssets ?? []).map((f, i) => ({ f, path: `spec.fileAssets[${i}].path` })),
    ];
    for (const { f, path } of assets) {
      if (!f || (!f.name && !f.path) || !forRole(f.roles, role) || !hosts.has(fileAssetPath(f)) || reported.has(path)) continue;
      reported.add(path);
      r.err('DuplicateFileAssetPath', path, `${fileAssetPath(f)} is also written by containerd.registryMirrors, after the file asset, replacing it`, 'give the mirrors in registryMirrors or in the file asset, not both');
    }
  }
}

function checkContainerd(r: Reporter, c: ContainerdSpec | undefined, at: At): void {
  if (!c) return;
  const p = (f: string) => at(`spec.containerd.${f}`);
  checkMirrors(r, c.registryMirrors, p);
  for (const key of Object.keys(c.configAdditions ?? {})) checkAdditionKey(r, key, p(`configAdditions.${key}`));
  if (c.version != null) checkVersion(r, c.version, p('version'));
  const installs = `kops-ts installs Ubuntu's containerd ${CONTAINERD_SERIES} package (containerd=${CONTAINERD_PACKAGE_VERSION}) and the runc package it depends on`;
  if (c.packages && Object.keys(c.packages).length > 0) {
    r.err('UnsupportedContainerdPackages', p('packages'), `${installs}, not a tarball: this would be ignored`, 'remove it');
  }
  for (const f of ['version', 'packages'] as const) {
    const v = c.runc?.[f];
    if (v != null && !(typeof v === 'object' && Object.keys(v).length === 0)) {
      r.err('UnsupportedContainerdPackages', p(`runc.${f}`), `${installs}: another runc would be ignored`, 'remove it');
    }
  }
}

function checkAdditionKey(r: Reporter, key: string, path: string): void {
  const parts = configAdditionPath(key);
  if (!parts || parts.some((x) => x === '' || /[\x00-\x1f\x7f]/.test(x))) {
    r.err('InvalidContainerdConfigAddition', path, `${JSON.stringify(key)} is not a TOML key path as kops reads it (dot-separated parts, a part with dots in double quotes, none empty)`, 'write it as in containerd\'s config, e.g. plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.runtime_type');
  } else if (parts.some((x) => x.startsWith('io.containerd.cri.v1.'))) {
    r.err('InvalidContainerdConfigAddition', path, `${parts.find((x) => x.startsWith('io.containerd.cri.v1.'))} is a plugin of containerd 2's config (version 3); kops-ts installs containerd ${CONTAINERD_SERIES}, whose config is version 2`, 'use the version 2 path, e.g. plugins."io.containerd.grpc.v1.cri".containerd... or plugins."io.containerd.grpc.v1.cri".registry...');
  } else if (parts.length === 1 && parts[0] === 'version') {
    r.err('InvalidContainerdConfigAddition', path, `the config's version is the one of containerd ${CONTAINERD_SERIES} (2); another would change how every other key is read`, 'remove it');
  }
}

/** A key whose path is a table another key of the same nodes sets a value in cannot be set: both cannot hold. */
function checkAdditionClash(r: Reporter, spec: ClusterSpec, igs: readonly InstanceGroup[]): void {
  const reported = new Set<string>();
  const targets = [{ own: spec.containerd?.configAdditions, merged: spec.containerd?.configAdditions, at: (k: string) => `spec.containerd.configAdditions.${k}` }];
  for (const ig of igs) {
    if (normalizeRole(ig.spec.role) === 'Bastion' || !ig.spec.containerd?.configAdditions) continue;
    targets.push({ own: ig.spec.containerd.configAdditions, merged: { ...(spec.containerd?.configAdditions ?? {}), ...ig.spec.containerd.configAdditions }, at: (k) => igPath(ig.metadata.name, `spec.containerd.configAdditions.${k}`) });
  }
  for (const t of targets) {
    const paths = Object.keys(t.merged ?? {}).map((k) => [k, configAdditionPath(k)] as const).filter((e): e is readonly [string, string[]] => e[1] !== undefined);
    for (const [k, p] of paths) {
      const inner = paths.find(([k2, p2]) => k2 !== k && p2.length > p.length && p.every((x, i) => p2[i] === x));
      if (!inner) continue;
      // A clash among the cluster's own keys is reported once, at the cluster; a group's at its own key.
      const own = t.own ?? {};
      if (!(k in own) && !(inner[0] in own)) continue;
      const at = inner[0] in own ? t.at(inner[0]) : t.at(k);
      if (reported.has(at)) continue;
      reported.add(at);
      r.err('InvalidContainerdConfigAddition', at, `${k} is set as a value and ${inner[0]} sets a key inside it: it cannot be both`, 'keep one of the two keys');
    }
  }
}

function checkVersion(r: Reporter, version: string, path: string): void {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(version.trim());
  if (m && `${m[1]}.${m[2]}` === CONTAINERD_SERIES) {
    if (!/^v?\d+\.\d+$/.test(version.trim())) {
      r.warn('ContainerdVersionNotExact', path, `kops-ts installs Ubuntu's containerd ${CONTAINERD_SERIES} package (containerd=${CONTAINERD_PACKAGE_VERSION}): the archive's newest ${CONTAINERD_SERIES} release, which may not be ${version}`, `set version: "${CONTAINERD_SERIES}", or remove it`);
    }
    return;
  }
  r.err('UnsupportedContainerdVersion', path, `kops-ts installs Ubuntu's containerd ${CONTAINERD_SERIES} package (containerd=${CONTAINERD_PACKAGE_VERSION}), not ${JSON.stringify(version)}`, `remove it, or set version: "${CONTAINERD_SERIES}"`);
}

function checkMirrors(r: Reporter, mirrors: Record<string, string[]> | undefined, p: At): void {
  for (const [registry, urls] of Object.entries(mirrors ?? {})) {
    const path = p(`registryMirrors.${registry}`);
    const host = REGISTRY_HOST.exec(registry);
    if (registry !== '*' && (!host || (host[1] !== undefined && (Number(host[1]) < 1 || Number(host[1]) > 65535)))) {
      r.err('InvalidRegistryMirror', path, `${JSON.stringify(registry)} is not a registry host: the key is the registry of image references, e.g. docker.io or registry.example.com:5000, or * for every registry`, `name the registry without scheme or path; its mirrors go to ${CONTAINERD_HOSTS_DIR}/<registry>/hosts.toml`);
      continue;
    }
    if (!Array.isArray(urls) || urls.length === 0) {
      r.err('InvalidRegistryMirror', path, `${registry} has no mirror`, 'list at least one mirror URL, e.g. https://mirror.example.com, or remove the registry');
      continue;
    }
    const seen = new Set<string>();
    urls.forEach((u, i) => {
      const problem = mirrorUrlProblem(u);
      if (problem) r.err('InvalidRegistryMirror', `${path}[${i}]`, `${JSON.stringify(u)} ${problem}`, 'give an http or https URL such as https://mirror.example.com or http://10.0.0.5:5000');
      else if (seen.has(u)) r.err('InvalidRegistryMirror', `${path}[${i}]`, `${u} is listed twice for ${registry}`, 'list each mirror once');
      seen.add(u);
    });
  }
}

/** A mirror's host as the URL parser gives it (lower case, IDNs as punycode): DNS labels, or an IPv4 address. */
const MIRROR_HOST = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?$/;

function mirrorUrlProblem(u: unknown): string | undefined {
  if (typeof u !== 'string') return 'is not a URL';
  // One TOML key on one line: nothing containerd's URL parser or the hosts.toml quoting could misread.
  if (/[\s"\\\x00-\x1f\x7f]/.test(u)) return 'contains spaces, quotes, backslashes or control characters';
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `has scheme ${url.protocol.replace(/:$/, '')}: containerd's mirrors are http or https`;
  if (!u.startsWith(`${url.protocol}//`) || url.hostname === '') return 'has no host';
  // The URL parser lets $ ( ) ` and the like through in a host; DNS resolves none of them.
  if (!url.hostname.startsWith('[') && !MIRROR_HOST.test(url.hostname)) return `has host ${JSON.stringify(url.hostname)}, which is no host name or IP address (letters, digits, -, _ and .)`;
  if (url.username !== '' || url.password !== '') return 'carries credentials: containerd takes none in a mirror URL';
  if (url.search !== '' || url.hash !== '') return 'has a query or fragment';
  return undefined;
}

function checkPackages(r: Reporter, list: readonly unknown[] | undefined, at: At): void {
  (list ?? []).forEach((v, i) => {
    const path = at(`spec.packages[${i}]`);
    const s = String(v);
    if (!PACKAGE.test(s)) {
      r.err('InvalidPackageName', path, `${JSON.stringify(s)} is not a Debian package name (lower case letters, digits, + - ., optionally =version)`, 'give the apt package name, e.g. nfs-common or jq=1.7.1-3build1');
      return;
    }
    const name = s.split('=')[0]!;
    if (OWN_PACKAGES.includes(name)) {
      r.err('InvalidPackageName', path, `${name} is installed and held by kops-ts's node bootstrap (containerd=${CONTAINERD_PACKAGE_VERSION}; kubelet, kubeadm and kubectl of spec.kubernetesVersion)`, 'remove it: kops-ts installs it');
    }
  });
}
