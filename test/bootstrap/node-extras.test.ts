/**
 * The node customisations (src/bootstrap/node-extras.ts, user-data-parts.ts) as the model builds
 * them for a real spec: kops's merge rules (cluster then group, roles, the group's file or hook of a
 * path or name wins, defaults), the script the group's instances run (shellcheck, and run for real
 * in a scratch root with systemctl and sysctl stubbed), the user data (its sha256 only; the real
 * `cloud-init schema` on the cloud-config part; the multipart read back with Python's email
 * module), and no change at all for a group without any.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  containerImage, FILE_ASSET_DEFAULT_MODE, nodeExtras, nodeExtrasScript, renderNodeExtrasScript, SYSCTL_FILE, systemdWord,
} from '../../src/bootstrap/node-extras.js';
import { withAdditionalUserData } from '../../src/bootstrap/user-data-parts.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import type { Cluster, ClusterSpec, InstanceGroup, InstanceGroupSpec } from '../../src/model/api/types.js';
import { buildAwsTasks } from '../../src/model/aws/index.js';
import { completeCluster } from '../../src/model/completion.js';
import { gceStartupScript } from '../../src/model/gce/startup-script.js';
import { buildGceTasks } from '../../src/model/gce/index.js';
import { GCE_KINDS, type GceInstanceTemplateDesired } from '../../src/tasks/gce/types.js';

const work = mkdtempSync(join(tmpdir(), 'kops-ts-extras-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

function shellcheck(script: string): { status: number | null; out: string } {
  const path = join(work, `script-${n++}.sh`);
  writeFileSync(path, script);
  const r = spawnSync('shellcheck', ['-s', 'bash', path], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function cloudInitSchema(text: string): { status: number | null; out: string } {
  const path = join(work, `ud-${n++}.yaml`);
  writeFileSync(path, text);
  const r = spawnSync('cloud-init', ['schema', '-c', path], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const SPEC = { role: 'Node' } as InstanceGroupSpec;

const CLUSTER_EXTRAS: Partial<ClusterSpec> = {
  sysctlParameters: ['fs.inotify.max_user_watches=524288', 'net.core.somaxconn = 1024'],
  fileAssets: [
    { name: 'audit-policy', path: '/etc/kubernetes/audit/policy.yaml', roles: ['Master'], content: 'apiVersion: audit.k8s.io/v1\nkind: Policy\n' },
    { name: 'motd', path: '/etc/motd', content: 'cluster motd\n' },
    { name: 'banner', content: 'no path: kops default\n' },
  ],
  hooks: [
    { name: 'cachefiles', before: ['kubelet.service'], requires: ['network-online.target'], manifest: 'Type=oneshot\nExecStart=/sbin/modprobe cachefiles\n' },
    { execContainer: { image: 'busybox', command: ['sh', '-c', 'echo "$GREETING" 100% > /rootfs/tmp/x'], environment: { GREETING: 'hi $USER' } } },
    { name: 'cp-only.service', roles: ['ControlPlane'], manifest: 'Type=oneshot\nExecStart=/bin/true\n' },
  ],
};
const IG_EXTRAS: Partial<InstanceGroupSpec> = {
  sysctlParameters: ['net.core.somaxconn=4096'],
  fileAssets: [
    { name: 'motd', path: '/etc/motd', content: 'group motd\n', mode: '0644' },
    { name: 'blob', path: '/opt/tools/blob.bin', content: Buffer.from([0, 1, 2, 255, 10]).toString('base64'), isBase64: true, mode: '0755' },
  ],
  hooks: [
    { name: 'cachefiles.service', useRawManifest: true, manifest: '[Unit]\nDescription=the group\'s own\n[Service]\nType=oneshot\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n' },
    { name: 'update-engine.service', disabled: true },
  ],
};

describe('the merge, as kops', () => {
  const x = nodeExtras(CLUSTER_EXTRAS as ClusterSpec, { ...SPEC, ...IG_EXTRAS });

  it('sysctls: the cluster\'s then the group\'s, so the group wins a key both set (kops has the cluster win)', () => {
    expect(x.sysctls).toEqual([
      '# sysctlParameters of the cluster spec', 'fs.inotify.max_user_watches=524288', 'net.core.somaxconn = 1024',
      '# sysctlParameters of the instance group spec', 'net.core.somaxconn=4096',
    ]);
  });

  it('fileAssets: roles filter, the group\'s file at a path wins, no path is /srv/kubernetes/assets/<name>, mode 0440 by default, base64 decoded', () => {
    expect(x.files.map((f) => [f.path, f.mode, f.content.toString('latin1')])).toEqual([
      ['/etc/motd', '0644', 'group motd\n'],
      ['/opt/tools/blob.bin', '0755', Buffer.from([0, 1, 2, 255, 10]).toString('latin1')],
      ['/srv/kubernetes/assets/banner', FILE_ASSET_DEFAULT_MODE, 'no path: kops default\n'],
    ]);
    const cp = nodeExtras(CLUSTER_EXTRAS as ClusterSpec, { role: 'Master' } as InstanceGroupSpec);
    expect(cp.files.map((f) => f.path)).toContain('/etc/kubernetes/audit/policy.yaml');
  });

  it('hooks: the group\'s first, a name wins over the cluster\'s, kops-hook-<index> without a name, roles filter', () => {
    expect(x.units.map((u) => u.name)).toEqual(['cachefiles.service', 'update-engine.service', 'kops-hook-1.service']);
    expect(x.units[0]!.definition).toContain("Description=the group's own");
    expect(x.units[1]!.definition).toBeUndefined();
    const cp = nodeExtras(CLUSTER_EXTRAS as ClusterSpec, { role: 'ControlPlane' } as InstanceGroupSpec);
    expect(cp.units.map((u) => u.name)).toEqual(['cachefiles.service', 'kops-hook-1.service', 'cp-only.service']);
    // A manifest is the [Service] section under kops-ts's [Unit] with before and requires.
    expect(cp.units[0]!.definition).toBe('[Unit]\nDescription=Kops Hook cachefiles.service\nRequires=network-online.target\nBefore=kubelet.service\n\n[Service]\nType=oneshot\nExecStart=/sbin/modprobe cachefiles\n');
    // Without an [Install] section a unit is started, not enabled (systemctl would only warn).
    const plain = renderNodeExtrasScript({ sysctls: [], files: [], units: [cp.units[0]!] });
    expect(plain).toContain("systemctl start 'cachefiles.service'");
    expect(plain).not.toContain('systemctl enable');
    expect(nodeExtras({ hooks: [{ manifest: 'x' }] } as ClusterSpec, { ...SPEC, hooks: [{ manifest: 'y' }] }).units.map((u) => u.name)).toEqual(['kops-hook-0-ig.service', 'kops-hook-0.service']);
  });

  it('execContainer: ctr pulls, then runs the image privileged with the host at /rootfs; words quoted for systemd', () => {
    const unit = x.units[2]!.definition!;
    expect(unit).toContain('Requires=containerd.service\nAfter=containerd.service\n');
    expect(unit).toContain('ExecStartPre="/usr/bin/ctr" "--namespace" "k8s.io" "image" "pull" "docker.io/library/busybox:latest"\n');
    expect(unit).toContain('"--net-host" "--privileged" "--env" "GREETING=hi $$USER" "docker.io/library/busybox:latest" "kops-hook-1" "sh" "-c" "echo \\"$$GREETING\\" 100%% > /rootfs/tmp/x"\n');
    expect(unit).toContain('[Install]\nWantedBy=multi-user.target\n');
    expect(containerImage('registry.example.com:5000/tools')).toBe('registry.example.com:5000/tools');
    expect(containerImage('org/tool:1.2')).toBe('org/tool:1.2');
    expect(systemdWord('a\\b')).toBe('"a\\\\b"');
  });

  it('the units pass systemd-analyze verify (ctr, modprobe and containerd, absent here, stood in for), and a broken one does not', () => {
    const dir = join(work, `units-${n++}`);
    mkdirSync(dir);
    const cp = nodeExtras(CLUSTER_EXTRAS as ClusterSpec, { role: 'ControlPlane' } as InstanceGroupSpec);
    const files = cp.units.map((u) => {
      const f = join(dir, u.name);
      writeFileSync(f, u.definition!.replace(/\/usr\/bin\/ctr|\/sbin\/modprobe/g, '/bin/echo').replace(/^(Requires|After)=(containerd|network-online)\.\w+\n/gm, ''));
      return f;
    });
    const verify = (paths: string[]) => spawnSync('systemd-analyze', ['verify', ...paths], { encoding: 'utf8' });
    expect(verify(files)).toMatchObject({ status: 0, stderr: '' });
    writeFileSync(join(dir, 'bad.service'), '[Service]\nExecStart="/bin/echo" "100%z"\n');
    expect(verify([join(dir, 'bad.service')]).status).not.toBe(0);
  });

  it('a group without any, and a bastion, get no script', () => {
    expect(nodeExtrasScript({} as ClusterSpec, SPEC)).toBeUndefined();
    expect(nodeExtrasScript(CLUSTER_EXTRAS as ClusterSpec, { role: 'Bastion' } as InstanceGroupSpec)).toBeUndefined();
  });
});

describe('the script', () => {
  const script = nodeExtrasScript(CLUSTER_EXTRAS as ClusterSpec, { ...SPEC, ...IG_EXTRAS })!;

  it('passes shellcheck, and its sha256 is the one given', () => {
    expect(shellcheck(script.content)).toEqual({ status: 0, out: '' });
    expect(script.sha256).toBe(createHash('sha256').update(script.content).digest('hex'));
    expect(shellcheck('#!/bin/bash\nrm -rf $DIR/x\n').status).not.toBe(0);
  });

  it('run in a scratch root: writes every file with its mode and bytes, the sysctl file, the units; enables and starts them in order', () => {
    const root = join(work, `root-${n++}`);
    const bin = join(root, 'bin');
    mkdirSync(bin, { recursive: true });
    const log = join(root, 'calls.log');
    for (const tool of ['systemctl', 'sysctl']) {
      writeFileSync(join(bin, tool), `#!/bin/bash\necho "${tool} $*" >>'${log}'\n`);
      chmodSync(join(bin, tool), 0o755);
    }
    // Every absolute path of the script under the scratch root (the put function takes the path as is).
    const rooted = script.content.replace(/put '\//g, `put '${root}/`);
    execFileSync('bash', ['-c', rooted], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    const at = (p: string) => join(root, p);
    expect(readFileSync(at('/etc/motd'), 'utf8')).toBe('group motd\n');
    expect(statSync(at('/etc/motd')).mode & 0o7777).toBe(0o644);
    expect([...readFileSync(at('/opt/tools/blob.bin'))]).toEqual([0, 1, 2, 255, 10]);
    expect(statSync(at('/opt/tools/blob.bin')).mode & 0o7777).toBe(0o755);
    expect(statSync(at('/srv/kubernetes/assets/banner')).mode & 0o7777).toBe(0o440);
    expect(readFileSync(at(SYSCTL_FILE), 'utf8')).toContain('\nnet.core.somaxconn=4096\n');
    expect(readFileSync(at('/etc/systemd/system/kops-hook-1.service'), 'utf8')).toContain('ExecStart="/usr/bin/ctr"');
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'sysctl --system',
      'systemctl daemon-reload',
      "systemctl enable cachefiles.service", 'systemctl start cachefiles.service',
      'systemctl disable --now update-engine.service',
      'systemctl enable kops-hook-1.service', 'systemctl start kops-hook-1.service',
    ]);
  });

  it('leaves the mode of an existing directory as it is (/tmp stays 1777), and stops at a path that is a directory', () => {
    const root = join(work, `root-${n++}`);
    mkdirSync(join(root, 'tmp'), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    mkdirSync(join(root, 'etc', 'conf.d'), { recursive: true });
    const file = (path: string) => ({ path, mode: '0644', content: Buffer.from('x\n') });
    const run = (files: ReturnType<typeof file>[]) => spawnSync('bash', ['-c', renderNodeExtrasScript({ sysctls: [], files, units: [] }).replace(/put '\//g, `put '${root}/`)], { encoding: 'utf8' });
    const ok = run([file('/tmp/asset'), file('/new/dir/asset')]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(statSync(join(root, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(root, 'new', 'dir')).mode & 0o7777).toBe(0o755);
    expect(readFileSync(join(root, 'tmp', 'asset'), 'utf8')).toBe('x\n');

    const dir = run([file('/etc/conf.d')]);
    expect(dir.status).toBe(1);
    expect(dir.stderr).toContain(`kops-ts: ${root}/etc/conf.d is a directory on this instance, not a file a file asset can replace`);
    expect(statSync(join(root, 'etc', 'conf.d')).isDirectory()).toBe(true);
    expect(execFileSync('ls', ['-A', join(root, 'etc', 'conf.d')], { encoding: 'utf8' })).toBe('');
  });

  it('a hook that fails stops it, naming the hook', () => {
    const root = join(work, `root-${n++}`);
    mkdirSync(join(root, 'bin'), { recursive: true });
    writeFileSync(join(root, 'bin', 'systemctl'), '#!/bin/bash\n[ "$1" != start ]\n');
    chmodSync(join(root, 'bin', 'systemctl'), 0o755);
    const s = renderNodeExtrasScript({ sysctls: [], files: [], units: [{ name: 'x.service', definition: '[Service]\n' }] }).replace(/put '\//g, `put '${root}/`);
    const r = spawnSync('bash', ['-c', s], { encoding: 'utf8', env: { ...process.env, PATH: `${root}/bin:${process.env.PATH}` } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('kops-ts: hook x.service failed (journalctl -u x.service)');
  });
});

/** Launch template name → user data, as the AWS model builds it. */
function userData(edit: (c: Cluster, igs: InstanceGroup[]) => void = () => {}): Map<string, string> {
  const built = newCluster({ name: 'extras.example.com', zones: ['us-east-1a'] });
  edit(built.cluster, built.instanceGroups);
  const done = completeCluster(built.cluster, built.instanceGroups);
  const tasks = buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups, stateStore: { bucket: 'b', prefix: '' } });
  return new Map(tasks.filter((t) => t.kind === 'LaunchTemplate').map((t) => [t.name, (t.desired as { userData: string }).userData]));
}
const NODES = 'nodes-us-east-1a.extras.example.com';
const CP = 'control-plane-us-east-1a.masters.extras.example.com';
const nodesOf = (igs: InstanceGroup[]) => igs.find((g) => g.spec.role === 'Node')!;

describe('the user data', () => {
  const plain = userData();
  const withExtras = userData((c, igs) => {
    Object.assign(c.spec, { fileAssets: [{ name: 'token', path: '/etc/app/token', content: 'SECRET-VALUE-123' }] });
    nodesOf(igs).spec.sysctlParameters = ['vm.max_map_count=262144'];
  });

  it('carries only the script\'s sha256 and the step that checks and runs it: no content of the spec', () => {
    const text = withExtras.get(NODES)!;
    expect(text).not.toContain('SECRET-VALUE-123');
    expect(text).not.toContain('vm.max_map_count');
    const bootstrap = (parse(text) as { write_files: { path: string; content: string }[] }).write_files.find((f) => f.path === '/opt/kops-ts/bootstrap.sh')!.content;
    const sha = /^NODE_EXTRAS_SHA256='([0-9a-f]{64})'$/m.exec(bootstrap)?.[1];
    expect(sha).toBeDefined();
    expect(bootstrap).toContain('sha256sum -c --status <<<"$NODE_EXTRAS_SHA256  $extras"');
    // Before kubeadm: the step comes before the worker's join.
    expect(bootstrap.indexOf('node-extras.sh')).toBeLessThan(bootstrap.indexOf('kubeadm_logged join'));
    expect(cloudInitSchema(text)).toMatchObject({ status: 0 });
    expect(shellcheck(bootstrap)).toEqual({ status: 0, out: '' });
    // The control plane's script differs (only the cluster's file), so its hash does.
    const cpSha = /NODE_EXTRAS_SHA256='([0-9a-f]{64})'/.exec(withExtras.get(CP)!)?.[1];
    expect(cpSha).toBeDefined();
    expect(cpSha).not.toBe(sha);
  });

  it('a change of any customisation changes the user data (the plan shows it; a roll replaces the instances)', () => {
    const other = userData((c, igs) => {
      Object.assign(c.spec, { fileAssets: [{ name: 'token', path: '/etc/app/token', content: 'SECRET-VALUE-124' }] });
      nodesOf(igs).spec.sysctlParameters = ['vm.max_map_count=262144'];
    });
    expect(other.get(NODES)).not.toBe(withExtras.get(NODES));
  });

  it('a cluster without any has the user data it had before (no plan changes)', () => {
    for (const [k, v] of plain) {
      expect(v.startsWith('#cloud-config\n'), k).toBe(true);
      expect(v).not.toContain('NODE_EXTRAS');
    }
  });

  it('GCE\'s model gives its startup-script the group\'s sha256 (the same script, the same igconfig), and none without', () => {
    const built = newCluster({ name: 'g.example.com', zones: ['us-central1-a'], project: 'my-project' });
    built.instanceGroups.find((g) => g.spec.role === 'Node')!.spec.sysctlParameters = ['vm.swappiness=10'];
    const done = completeCluster(built.cluster, built.instanceGroups);
    const templates = buildGceTasks({ ...done, stateStore: { bucket: 'b', prefix: '' } }).filter((t) => t.kind === GCE_KINDS.instanceTemplate);
    const scripts = templates.map((t) => (t.desired as GceInstanceTemplateDesired).metadata['startup-script'] ?? '');
    const node = done.instanceGroups.find((g) => g.spec.role === 'Node')!;
    const sha = nodeExtrasScript(done.cluster.spec, node.spec)!.sha256;
    expect(scripts.filter((s) => s.includes(`NODE_EXTRAS_SHA256='${sha}'`))).toHaveLength(1);
    expect(scripts.filter((s) => s.includes('NODE_EXTRAS_SHA256'))).toHaveLength(1);
  });

  it('GCE\'s startup-script carries the same step', () => {
    const s = gceStartupScript({ cluster: 'g.example.com', instanceGroup: 'nodes', role: 'node', initCandidate: false, kubernetesVersion: '1.36.3', stateStore: { bucket: 'b', prefix: '' }, nodeExtrasSha256: 'a'.repeat(64) });
    expect(s).toContain(`NODE_EXTRAS_SHA256='${'a'.repeat(64)}'`);
    expect(s).toContain('fetch node-extras.sh');
  });
});

describe('additionalUserData: a MIME multipart, kops-ts\'s cloud-config first', () => {
  const parts = [
    { name: 'first.sh', type: 'text/x-shellscript', content: '#!/bin/bash\necho first\n' },
    { name: 'more.cfg', type: 'text/cloud-config', content: '#cloud-config\npackages: [jq]\n' },
    { name: 'utf8.sh', type: 'text/x-shellscript', content: '#!/bin/bash\necho "héllo ☃"\n' },
  ];
  const built = userData((_c, igs) => (nodesOf(igs).spec.additionalUserData = parts));

  /** Python's email module: each part's type, file name and decoded content. */
  function pythonParts(text: string): { type: string; name: string; content: string }[] {
    const py = 'import email,json,sys\nm=email.message_from_string(sys.stdin.read())\nassert m.is_multipart()\nprint(json.dumps([{"type":p.get_content_type(),"name":p.get_filename(),"content":p.get_payload(decode=True).decode("utf-8")} for p in m.get_payload()]))';
    return JSON.parse(execFileSync('python3', ['-c', py], { input: text, encoding: 'utf8' })) as { type: string; name: string; content: string }[];
  }

  it('python reads the parts back in order, byte for byte; the first is the cloud-config, valid for cloud-init', () => {
    const got = pythonParts(built.get(NODES)!);
    expect(got.map((p) => [p.type, p.name])).toEqual([['text/cloud-config', 'kops-ts.cfg'], ...parts.map((p) => [p.type, p.name])]);
    expect(got.slice(1).map((p) => p.content)).toEqual(parts.map((p) => p.content));
    expect(got[0]!.content).toBe(userData().get(NODES));
    expect(cloudInitSchema(got[0]!.content)).toMatchObject({ status: 0 });
    // Only that group's user data is multipart.
    expect(built.get(CP)).toBe(userData().get(CP));
  });

  it('the boundary never occurs in a part', () => {
    const text = withAdditionalUserData('#cloud-config\n', [{ name: 'x', type: 'text/x-shellscript', content: '#!/bin/sh\n# --MIMEBOUNDARY\n' }]);
    expect(text.split('\n')[0]).toBe('Content-Type: multipart/mixed; boundary="MIMEBOUNDARY-1"');
    expect(pythonParts(text).map((p) => p.content)).toEqual(['#cloud-config\n', '#!/bin/sh\n# --MIMEBOUNDARY\n']);
  });
});
