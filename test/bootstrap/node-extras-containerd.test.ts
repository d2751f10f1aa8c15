/**
 * `containerd.registryMirrors` and `packages` (src/bootstrap/containerd-config.ts, node-extras.ts):
 * kops's merge (the group's registry replaces the cluster's, packages cluster then group), the
 * hosts.toml files (read back with python's tomllib), and the script run for real under bash in a
 * scratch root with apt-get and systemctl stubbed and the real awk and python3: the hosts.toml
 * files and the config_path line of containerd 1.7's CRI registry section are written (the transfer
 * plugin's config_path left alone), a config without that section stops it naming the section, a
 * failing package stops it naming the package. The launch templates change exactly where they apply.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { additionValue, configAdditionPath, mergedConfigAdditions } from '../../src/bootstrap/containerd-additions.js';
import { CONTAINERD_CONFIG, CRI_REGISTRY_SECTION, hostsToml, mergedRegistryMirrors } from '../../src/bootstrap/containerd-config.js';
import { nodeExtras, nodeExtrasScript } from '../../src/bootstrap/node-extras.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import type { Cluster, ClusterSpec, InstanceGroup, InstanceGroupSpec } from '../../src/model/api/types.js';
import { buildAwsTasks } from '../../src/model/aws/index.js';
import { completeCluster } from '../../src/model/completion.js';

const work = mkdtempSync(join(tmpdir(), 'kops-ts-containerd-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

/**
 * The sections of containerd 1.7's `containerd config default` (config version 2) that matter here,
 * trimmed: the CRI plugin with its registry section and sub-tables, and the transfer plugin, whose own
 * config_path must stay as it is.
 */
const CONFIG_1_7 = `disabled_plugins = []
root = "/var/lib/containerd"
version = 2

[plugins]

  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.10"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = true

    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = ""

      [plugins."io.containerd.grpc.v1.cri".registry.auths]

      [plugins."io.containerd.grpc.v1.cri".registry.mirrors]

  [plugins."io.containerd.transfer.v1.local"]
    config_path = ""
    max_concurrent_downloads = 3
`;

/** containerd 2's default (config version 3): the registry section moved to the images plugin. */
const CONFIG_2 = `version = 3

[plugins]
  [plugins.'io.containerd.cri.v1.images']
    [plugins.'io.containerd.cri.v1.images'.registry]
      config_path = '/etc/containerd/certs.d:/etc/docker/certs.d'
`;

const MIRRORS = { 'docker.io': ['https://mirror.example.com', 'http://10.0.0.5:5000/v2-cache'], '*': ['https://all.example.com'] };
const NODE = { role: 'Node' } as InstanceGroupSpec;

function tomlOf(text: string): unknown {
  return JSON.parse(execFileSync('python3', ['-c', 'import json, sys, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))'], { input: text, encoding: 'utf8' }));
}

describe('the merge, as kops', () => {
  it("registryMirrors: the group's registry replaces the cluster's mirrors for it, the others stay; sorted; * is _default", () => {
    const merged = mergedRegistryMirrors({ registryMirrors: MIRRORS }, { registryMirrors: { 'docker.io': ['https://group-mirror.example.com'], 'quay.io': ['https://quay-mirror.example.com'] } });
    expect(merged).toEqual([
      { registry: '*', mirrors: ['https://all.example.com'] },
      { registry: 'docker.io', mirrors: ['https://group-mirror.example.com'] },
      { registry: 'quay.io', mirrors: ['https://quay-mirror.example.com'] },
    ]);
    expect(merged.map((m) => hostsToml(m).path)).toEqual([
      '/etc/containerd/certs.d/_default/hosts.toml', '/etc/containerd/certs.d/docker.io/hosts.toml', '/etc/containerd/certs.d/quay.io/hosts.toml',
    ]);
  });

  it('packages: the cluster\'s then the group\'s, each once; a bastion gets none', () => {
    const x = nodeExtras({ packages: ['nfs-common', 'jq'] } as ClusterSpec, { ...NODE, packages: ['jq', 'htop=3.3.0-4build1'] });
    expect(x.packages).toEqual(['nfs-common', 'jq', 'htop=3.3.0-4build1']);
    expect(nodeExtrasScript({ packages: ['jq'], containerd: { registryMirrors: MIRRORS } } as ClusterSpec, { role: 'Bastion' } as InstanceGroupSpec)).toBeUndefined();
  });

  it('hosts.toml: a [host."<mirror>"] table per mirror in the given order, pull and resolve, no server (containerd falls back to the registry)', () => {
    const text = hostsToml({ registry: 'docker.io', mirrors: MIRRORS['docker.io'] }).content;
    expect(text).toBe('[host."https://mirror.example.com"]\n  capabilities = ["pull", "resolve"]\n\n[host."http://10.0.0.5:5000/v2-cache"]\n  capabilities = ["pull", "resolve"]\n');
    expect(tomlOf(text)).toEqual({ host: { 'https://mirror.example.com': { capabilities: ['pull', 'resolve'] }, 'http://10.0.0.5:5000/v2-cache': { capabilities: ['pull', 'resolve'] } } });
    expect(Object.keys((tomlOf(text) as { host: object }).host)).toEqual(MIRRORS['docker.io']);
  });

  it('a spec without them keeps the script it had, byte for byte (no launch template changes, no roll)', () => {
    const before = nodeExtrasScript({ sysctlParameters: ['a.b=1'], fileAssets: [{ name: 'x', content: 'y' }], hooks: [{ name: 'h', manifest: 'ExecStart=/bin/true' }] } as ClusterSpec, NODE)!;
    // The sha256 of this script before registryMirrors and packages were acted on.
    expect(before.sha256).toBe('a49e9073fbc656433e70dc4ad6909acfcbf27138d503d9938a776403d127613d');
    expect(nodeExtrasScript({ containerd: { logLevel: 'debug' } } as ClusterSpec, NODE)).toBeUndefined();
  });
});

/** The group's script run under bash: every absolute path of the put calls and the config under `root`; apt-get and systemctl stubbed. */
function runScript(script: string, opts: { config?: string; failPackage?: string } = {}) {
  const root = join(work, `root-${n++}`);
  const bin = join(root, 'bin');
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(root, 'etc', 'containerd'), { recursive: true });
  const config = join(root, CONTAINERD_CONFIG);
  writeFileSync(config, opts.config ?? CONFIG_1_7, { mode: 0o644 });
  const log = join(root, 'calls.log');
  writeFileSync(join(bin, 'systemctl'), `#!/bin/bash\necho "systemctl $*" >>'${log}'\n`);
  // apt-get's last word is the package; the failing one exits 100 as apt-get does.
  writeFileSync(join(bin, 'apt-get'), `#!/bin/bash\necho "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >>'${log}'\n[ "\${*: -1}" != '${opts.failPackage ?? ''}' ] || exit 100\n`);
  for (const t of ['systemctl', 'apt-get']) chmodSync(join(bin, t), 0o755);
  const rooted = script.replace(/put '\//g, `put '${root}/`).replace(`set_registry_config_path '${CONTAINERD_CONFIG}'`, `set_registry_config_path '${config}'`)
    .replace(`containerd_config_additions '${CONTAINERD_CONFIG}'`, `containerd_config_additions '${config}'`);
  const r = spawnSync('bash', ['-c', rooted], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  const calls = (() => {
    try {
      return readFileSync(log, 'utf8').trim().split('\n');
    } catch {
      return [];
    }
  })();
  return { ...r, root, config, calls, at: (p: string) => join(root, p) };
}

describe('the script', () => {
  const script = nodeExtrasScript({ containerd: { registryMirrors: MIRRORS }, packages: ['nfs-common'] } as ClusterSpec, { ...NODE, packages: ['jq=1.7.1-3build1'] })!;

  it('passes shellcheck', () => {
    const path = join(work, `script-${n++}.sh`);
    writeFileSync(path, script.content);
    const r = spawnSync('shellcheck', ['-s', 'bash', path], { encoding: 'utf8' });
    expect({ status: r.status, out: `${r.stdout}${r.stderr}` }).toEqual({ status: 0, out: '' });
  });

  it('installs the packages first, writes a hosts.toml per registry, sets config_path in the CRI registry section only, restarts containerd', () => {
    const r = runScript(script.content);
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls).toEqual([
      'apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=5 install -y --no-install-recommends nfs-common DEBIAN_FRONTEND=noninteractive',
      'apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=5 install -y --no-install-recommends jq=1.7.1-3build1 DEBIAN_FRONTEND=noninteractive',
      'systemctl restart containerd',
    ]);
    expect(readFileSync(r.at('/etc/containerd/certs.d/docker.io/hosts.toml'), 'utf8')).toBe(hostsToml({ registry: 'docker.io', mirrors: MIRRORS['docker.io'] }).content);
    expect(readFileSync(r.at('/etc/containerd/certs.d/_default/hosts.toml'), 'utf8')).toBe('[host."https://all.example.com"]\n  capabilities = ["pull", "resolve"]\n');
    expect(statSync(r.at('/etc/containerd/certs.d/_default/hosts.toml')).mode & 0o7777).toBe(0o644);
    const after = readFileSync(r.config, 'utf8');
    // Exactly one line changed: the CRI registry's config_path, with its indentation.
    expect(after).toBe(CONFIG_1_7.replace(`${CRI_REGISTRY_SECTION}\n      config_path = ""`, `${CRI_REGISTRY_SECTION}\n      config_path = "/etc/containerd/certs.d"`));
    const toml = tomlOf(after) as { plugins: Record<string, { registry?: { config_path: string }; config_path?: string }> };
    expect(toml.plugins['io.containerd.grpc.v1.cri']!.registry!.config_path).toBe('/etc/containerd/certs.d');
    expect(toml.plugins['io.containerd.transfer.v1.local']!.config_path).toBe('');
    expect(statSync(r.config).mode & 0o7777).toBe(0o644);
  });

  it('a config without the CRI registry section (containerd 2) stops it with one line naming the section, the config untouched, containerd not restarted', () => {
    const r = runScript(script.content, { config: CONFIG_2 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      `kops-ts: ${r.config} has no config_path in a ${CRI_REGISTRY_SECTION} section (containerd 1.7's config, version 2), where registryMirrors must name /etc/containerd/certs.d`,
    ]);
    expect(readFileSync(r.config, 'utf8')).toBe(CONFIG_2);
    expect(r.calls.filter((c) => c.startsWith('systemctl'))).toEqual([]);
    expect(execFileSync('ls', ['-A', join(r.root, 'etc', 'containerd')], { encoding: 'utf8' }).split('\n').filter((f) => f.startsWith('config.toml.'))).toEqual([]);
  });

  it('a section without config_path fails the same way', () => {
    const r = runScript(script.content, { config: CONFIG_1_7.replace('      config_path = ""\n\n      [plugins."io.containerd.grpc.v1.cri".registry.auths]', '      [plugins."io.containerd.grpc.v1.cri".registry.auths]') });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`has no config_path in a ${CRI_REGISTRY_SECTION} section`);
  });

  it('a package apt-get cannot install stops it, naming the package, before anything else runs', () => {
    const r = runScript(script.content, { failPackage: 'nfs-common' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('kops-ts: apt-get install of package nfs-common failed (packages of the spec)');
    expect(r.calls).toHaveLength(1);
    expect(readFileSync(r.config, 'utf8')).toBe(CONFIG_1_7);
  });

  it('a packages-only script installs them and touches no containerd configuration', () => {
    const only = nodeExtrasScript({ packages: ['nfs-common'] } as ClusterSpec, NODE)!;
    expect(only.content).not.toContain('containerd');
    const r = runScript(only.content);
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls).toEqual(['apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=5 install -y --no-install-recommends nfs-common DEBIAN_FRONTEND=noninteractive']);
  });
});

/** Launch template name → user data, as the AWS model builds it. */
function userData(edit: (c: Cluster, igs: InstanceGroup[]) => void = () => {}): Map<string, string> {
  const built = newCluster({ name: 'mirrors.example.com', zones: ['us-east-1a'] });
  edit(built.cluster, built.instanceGroups);
  const done = completeCluster(built.cluster, built.instanceGroups);
  const tasks = buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups, stateStore: { bucket: 'b', prefix: '' } });
  return new Map(tasks.filter((t) => t.kind === 'LaunchTemplate').map((t) => [t.name, (t.desired as { userData: string }).userData]));
}
const changed = (a: Map<string, string>, b: Map<string, string>) => [...a.keys()].filter((k) => a.get(k) !== b.get(k)).sort();

describe('the launch templates', () => {
  const plain = userData();
  it("the cluster's registryMirrors change every group's user data (its script's sha256), nothing of the mirrors in it", () => {
    const withMirrors = userData((c) => (c.spec.containerd = { registryMirrors: { 'docker.io': ['https://secret-mirror.example.com'] } }));
    expect(changed(plain, withMirrors)).toEqual([...plain.keys()].sort());
    for (const v of withMirrors.values()) {
      expect(v).toMatch(/NODE_EXTRAS_SHA256='[0-9a-f]{64}'/);
      expect(v).not.toContain('secret-mirror');
    }
  });

  it("a group's packages change only that group's", () => {
    const withPackages = userData((_c, igs) => (igs.find((g) => g.spec.role === 'Node')!.spec.packages = ['nfs-common']));
    expect(changed(plain, withPackages)).toEqual(['nodes-us-east-1a.mirrors.example.com']);
  });
});

describe('configAdditions', () => {
  it("kops's key split (CSV with . as the separator: quoted parts keep their dots) and values (numbers, true/false, strings)", () => {
    expect(configAdditionPath('plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.runtime_type')).toEqual(['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes', 'nvidia', 'runtime_type']);
    expect(configAdditionPath('oom_score')).toEqual(['oom_score']);
    expect(configAdditionPath('a."say ""hi"""')).toEqual(['a', 'say "hi"']);
    expect(configAdditionPath('a."b')).toBeUndefined();
    expect(configAdditionPath('a"b')).toBeUndefined();
    expect([additionValue(3), additionValue('true'), additionValue('false'), additionValue('3')]).toEqual([3, true, false, '3']);
    expect(mergedConfigAdditions({ b: 1, a: 'x' }, { b: 2 })).toEqual([['a', 'x'], ['b', 2]]);
  });

  const ADDITIONS = {
    'plugins."io.containerd.grpc.v1.cri".sandbox_image': 'registry.example.com/pause:3.10',
    'plugins."io.containerd.transfer.v1.local".max_concurrent_downloads': 5,
    'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.runtime_type': 'io.containerd.runc.v2',
    'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options.BinaryName': '/usr/bin/nvidia-container-runtime',
    'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options.SystemdCgroup': 'true',
    oom_score: -999,
  };

  it('sets each key in the config: a line replaced in its section, a new table appended, a root key before the first table; nothing else changes; one restart', () => {
    const script = nodeExtrasScript({ containerd: { configAdditions: ADDITIONS, registryMirrors: { 'docker.io': ['https://m.example.com'] } } } as ClusterSpec, NODE)!;
    const path = join(work, `script-${n++}.sh`);
    writeFileSync(path, script.content);
    const sc = spawnSync('shellcheck', ['-s', 'bash', path], { encoding: 'utf8' });
    expect({ status: sc.status, out: `${sc.stdout}${sc.stderr}` }).toEqual({ status: 0, out: '' });
    const r = runScript(script.content);
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls).toEqual(['systemctl restart containerd']);
    const after = readFileSync(r.config, 'utf8');
    type Table = Record<string, unknown>;
    const before = tomlOf(CONFIG_1_7) as { plugins: Record<string, Table> };
    const cri = before.plugins['io.containerd.grpc.v1.cri'] as { registry: Table; containerd: { runtimes: Table } };
    const want = {
      ...before,
      oom_score: -999,
      plugins: {
        ...before.plugins,
        'io.containerd.grpc.v1.cri': {
          ...cri,
          sandbox_image: 'registry.example.com/pause:3.10',
          registry: { ...cri.registry, config_path: '/etc/containerd/certs.d' },
          containerd: { runtimes: { ...cri.containerd.runtimes, nvidia: { runtime_type: 'io.containerd.runc.v2', options: { BinaryName: '/usr/bin/nvidia-container-runtime', SystemdCgroup: true } } } },
        },
        'io.containerd.transfer.v1.local': { ...before.plugins['io.containerd.transfer.v1.local'], max_concurrent_downloads: 5 },
      },
    };
    expect(tomlOf(after)).toEqual(want);
    // In place: the replaced lines keep their indentation; the root key goes before the first table.
    expect(after).toContain('\n    sandbox_image = "registry.example.com/pause:3.10"\n');
    expect(after).toContain('\n    max_concurrent_downloads = 5\n');
    expect(after.indexOf('oom_score = -999')).toBeLessThan(after.indexOf('[plugins]'));
    expect(statSync(r.config).mode & 0o7777).toBe(0o644);
  });

  it('a key through a value, or naming a table, stops it naming the key; the config is left as it was', () => {
    const cases = [
      ['root.x', 'root is not a table'],
      ['plugins."io.containerd.grpc.v1.cri".registry', 'it is a table in the config, not a value'],
    ] as const;
    for (const [key, why] of cases) {
      const script = nodeExtrasScript({ containerd: { configAdditions: { [key]: 'v' } } } as ClusterSpec, NODE)!;
      const r = runScript(script.content);
      expect(r.status, key).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([`kops-ts: containerd.configAdditions ${key}: ${why}; ${r.config} is left as it was`]);
      expect(readFileSync(r.config, 'utf8')).toBe(CONFIG_1_7);
      expect(r.calls).toEqual([]);
    }
  });
});
