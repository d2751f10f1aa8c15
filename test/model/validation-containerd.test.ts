/** validation-containerd.ts: every error and warning of containerd and packages, at its path. */
import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/model/api/parse.js';
import type { ClusterSpec, InstanceGroupSpec } from '../../src/model/api/types.js';
import { validateCluster } from '../../src/model/validation.js';
import { ig, userCluster, userIGs } from './helpers.js';

const ZONES = ['us-east-1a'];
const G = 'InstanceGroup/g spec';

/** `severity code path: summary` of the diagnostics on containerd, packages and file assets, for a cluster edit and group `g`'s. */
function diags(cluster: Partial<ClusterSpec>, group: Partial<InstanceGroupSpec> = {}, role: InstanceGroupSpec['role'] = 'Node'): string[] {
  const c = userCluster(ZONES);
  Object.assign(c.spec, cluster);
  const d = validateCluster(c, [...userIGs(ZONES), ig('g', role, ['us-east-1a'], group)]);
  return d.filter((x) => /(containerd|packages|fileAssets)/.test(x.path ?? '')).map((x) => `${x.severity} ${x.code} ${x.path}: ${x.summary}`);
}

describe('accepted', () => {
  it("kops's examples: docker.io and * mirrors, host:port, http, a path; packages with and without a version; a 1.7 version", () => {
    expect(diags(
      {
        containerd: { registryMirrors: { 'docker.io': ['https://registry-1.docker.io', 'https://mirror.gcr.io'], '*': ['http://10.0.0.5:5000'], 'registry.example.com:5000': ['https://cache.example.com/v2-proxy'] }, version: '1.7' },
        packages: ['nfs-common', 'jq=1.7.1-3build1', 'libc6=2.39*', 'g++'],
      },
      { containerd: { registryMirrors: { 'quay.io': ['https://quay-cache.internal'] } }, packages: ['htop'] },
    )).toEqual([]);
  });

  it('a 1.7 patch release is taken with a warning: the archive\'s 1.7 is installed', () => {
    expect(diags({ containerd: { version: '1.7.13' } })).toEqual([
      `warning ContainerdVersionNotExact spec.containerd.version: kops-ts installs Ubuntu's containerd 1.7 package (containerd=1.7.*): the archive's newest 1.7 release, which may not be 1.7.13`,
    ]);
  });

  it("kops's other containerd fields are kept with one warning each, registryMirrors and packages with none", () => {
    const text = `apiVersion: kops.k8s.io/v1alpha2
kind: Cluster
metadata: {name: c.example.com}
spec:
  containerd:
    logLevel: debug
    registryMirrors: {docker.io: [https://mirror.example.com]}
    configOverride: "version = 2"
  packages: [nfs-common]
`;
    const r = parseManifests(text, 'c.yaml');
    expect(r.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}`)).toEqual([
      'warning FieldNotActedOn spec.containerd.logLevel',
      'warning FieldNotActedOn spec.containerd.configOverride',
    ]);
  });
});

describe('refused', () => {
  it('registryMirrors: keys are registry hosts or *, values non-empty lists of distinct http(s) URLs', () => {
    expect(diags({
      containerd: {
        registryMirrors: {
          'https://docker.io': ['https://m.example.com'],
          'docker.io/library': ['https://m.example.com'],
          'host:99999': ['https://m.example.com'],
          _default: ['https://m.example.com'],
          'quay.io': [],
          'ghcr.io': ['ftp://m.example.com', 'mirror.example.com', 'https://user:pw@m.example.com', 'https://m.example.com/?x=1', 'https://m.example.com/"x', 'https://ok.example.com', 'https://ok.example.com', 'https://$(reboot).example.com', 'http://`id`:5000', 'http://10.0.0.5:5000', 'https://[::1]:5000', 'https://Mirror.Example.com/v2'],
        },
      },
    })).toEqual([
      'error InvalidRegistryMirror spec.containerd.registryMirrors.https://docker.io: "https://docker.io" is not a registry host: the key is the registry of image references, e.g. docker.io or registry.example.com:5000, or * for every registry',
      'error InvalidRegistryMirror spec.containerd.registryMirrors.docker.io/library: "docker.io/library" is not a registry host: the key is the registry of image references, e.g. docker.io or registry.example.com:5000, or * for every registry',
      'error InvalidRegistryMirror spec.containerd.registryMirrors.host:99999: "host:99999" is not a registry host: the key is the registry of image references, e.g. docker.io or registry.example.com:5000, or * for every registry',
      'error InvalidRegistryMirror spec.containerd.registryMirrors._default: "_default" is not a registry host: the key is the registry of image references, e.g. docker.io or registry.example.com:5000, or * for every registry',
      'error InvalidRegistryMirror spec.containerd.registryMirrors.quay.io: quay.io has no mirror',
      'error InvalidRegistryMirror spec.containerd.registryMirrors.ghcr.io[0]: "ftp://m.example.com" has scheme ftp: containerd\'s mirrors are http or https',
      'error InvalidRegistryMirror spec.containerd.registryMirrors.ghcr.io[1]: "mirror.example.com" is not a URL',
      'error InvalidRegistryMirror spec.containerd.registryMirrors.ghcr.io[2]: "https://user:pw@m.example.com" carries credentials: containerd takes none in a mirror URL',
      'error InvalidRegistryMirror spec.containerd.registryMirrors.ghcr.io[3]: "https://m.example.com/?x=1" has a query or fragment',
      'error InvalidRegistryMirror spec.containerd.registryMirrors.ghcr.io[4]: "https://m.example.com/\\"x" contains spaces, quotes, backslashes or control characters',
      'error InvalidRegistryMirror spec.containerd.registryMirrors.ghcr.io[6]: https://ok.example.com is listed twice for ghcr.io',
      'error InvalidRegistryMirror spec.containerd.registryMirrors.ghcr.io[7]: "https://$(reboot).example.com" has host "$(reboot).example.com", which is no host name or IP address (letters, digits, -, _ and .)',
      'error InvalidRegistryMirror spec.containerd.registryMirrors.ghcr.io[8]: "http://`id`:5000" has host "`id`", which is no host name or IP address (letters, digits, -, _ and .)',
    ]);
  });

  it("configAdditions: kops's key paths of containerd 1.7's config; not containerd 2's plugins, not version, not a key both a value and a table", () => {
    expect(diags({ containerd: { configAdditions: { 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.runtime_type': 'io.containerd.runc.v2', oom_score: -999 } } })).toEqual([]);
    expect(diags(
      { containerd: { configAdditions: { 'a."b': 'x', 'a..b': 'x', 'plugins."io.containerd.cri.v1.images".registry.config_path': '/x', version: 3, 'plugins.x': 'v' } } },
      { containerd: { configAdditions: { 'plugins.x.y': 'w' } } },
    )).toEqual([
      'error InvalidContainerdConfigAddition spec.containerd.configAdditions.a."b: "a.\\"b" is not a TOML key path as kops reads it (dot-separated parts, a part with dots in double quotes, none empty)',
      'error InvalidContainerdConfigAddition spec.containerd.configAdditions.a..b: "a..b" is not a TOML key path as kops reads it (dot-separated parts, a part with dots in double quotes, none empty)',
      "error InvalidContainerdConfigAddition spec.containerd.configAdditions.plugins.\"io.containerd.cri.v1.images\".registry.config_path: io.containerd.cri.v1.images is a plugin of containerd 2's config (version 3); kops-ts installs containerd 1.7, whose config is version 2",
      "error InvalidContainerdConfigAddition spec.containerd.configAdditions.version: the config's version is the one of containerd 1.7 (2); another would change how every other key is read",
      `error InvalidContainerdConfigAddition ${G}.containerd.configAdditions.plugins.x.y: plugins.x is set as a value and plugins.x.y sets a key inside it: it cannot be both`,
    ]);
  });

  it('version other than 1.7, packages and runc pins: refused, naming what kops-ts installs', () => {
    expect(diags({}, { containerd: { version: '2.0.4', packages: { urlAmd64: 'https://x/c.tgz', hashAmd64: 'ab' }, runc: { version: '1.1.12' } } })).toEqual([
      `error UnsupportedContainerdVersion ${G}.containerd.version: kops-ts installs Ubuntu's containerd 1.7 package (containerd=1.7.*), not "2.0.4"`,
      `error UnsupportedContainerdPackages ${G}.containerd.packages: kops-ts installs Ubuntu's containerd 1.7 package (containerd=1.7.*) and the runc package it depends on, not a tarball: this would be ignored`,
      `error UnsupportedContainerdPackages ${G}.containerd.runc.version: kops-ts installs Ubuntu's containerd 1.7 package (containerd=1.7.*) and the runc package it depends on: another runc would be ignored`,
    ]);
  });

  it('packages: Debian names (optionally =version), not the packages kops-ts installs and holds', () => {
    expect(diags({ packages: ['NFS-Common', 'jq 1.7', 'x', 'curl=latest', 'kubelet=1.30.0-1.1', 'containerd'] })).toEqual([
      'error InvalidPackageName spec.packages[0]: "NFS-Common" is not a Debian package name (lower case letters, digits, + - ., optionally =version)',
      'error InvalidPackageName spec.packages[1]: "jq 1.7" is not a Debian package name (lower case letters, digits, + - ., optionally =version)',
      'error InvalidPackageName spec.packages[2]: "x" is not a Debian package name (lower case letters, digits, + - ., optionally =version)',
      'error InvalidPackageName spec.packages[3]: "curl=latest" is not a Debian package name (lower case letters, digits, + - ., optionally =version)',
      "error InvalidPackageName spec.packages[4]: kubelet is installed and held by kops-ts's node bootstrap (containerd=1.7.*; kubelet, kubeadm and kubectl of spec.kubernetesVersion)",
      "error InvalidPackageName spec.packages[5]: containerd is installed and held by kops-ts's node bootstrap (containerd=1.7.*; kubelet, kubeadm and kubectl of spec.kubernetesVersion)",
    ]);
  });

  it("a bastion's own packages and registryMirrors (it runs no bootstrap); the cluster's apply to the other groups", () => {
    expect(diags({ packages: ['jq'] }, { packages: ['jq'], containerd: { registryMirrors: { 'docker.io': ['https://m.example.com'] } } }, 'Bastion')).toEqual([
      `error NodeExtrasOnBastion ${G}.packages: kops-ts's bastions run no node bootstrap, so nothing would install them`,
      `error NodeExtrasOnBastion ${G}.containerd.registryMirrors: kops-ts's bastions run no containerd, so nothing would use them`,
    ]);
  });

  it('a file asset at the hosts.toml of a registry with mirrors on the same nodes: the mirrors would replace it', () => {
    const asset = { name: 'hosts', path: '/etc/containerd/certs.d/docker.io/hosts.toml', content: 'server = "https://x"\n' };
    expect(diags({ containerd: { registryMirrors: { 'docker.io': ['https://m.example.com'] } } }, { fileAssets: [asset] })).toEqual([
      `error DuplicateFileAssetPath ${G}.fileAssets[0].path: /etc/containerd/certs.d/docker.io/hosts.toml is also written by containerd.registryMirrors, after the file asset, replacing it`,
    ]);
    // Another registry's hosts.toml is the user's to give.
    expect(diags({ containerd: { registryMirrors: { 'docker.io': ['https://m.example.com'] } } }, { fileAssets: [{ ...asset, path: '/etc/containerd/certs.d/quay.io/hosts.toml' }] })).toEqual([]);
  });
});
