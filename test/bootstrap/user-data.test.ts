/**
 * The node bootstrap user-data, as the model builds it for real specs (minimal, HA in three zones,
 * a bastion's private cluster): every document passes the real `cloud-init schema`, every shell
 * script in it passes the real `shellcheck`, the gzipped size stays under AWS's 16 KB for the
 * largest names, nothing secret is in it, and golden files pin the control plane's and the
 * worker's documents (`UPDATE_GOLDEN=1` rewrites them).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectGolden } from '../helpers/golden.js';
import { parse } from 'yaml';
import {
  bootstrapFiles, CONTROL_PLANE_PKI_FILES, nodeUserData, type NodeBootstrapInput,
} from '../../src/bootstrap/user-data.js';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { buildAwsTasks } from '../../src/model/aws/index.js';
import type { StateStoreLocation } from '../../src/model/aws/iam-policies.js';
import { completeCluster } from '../../src/model/completion.js';
import { encodeUserData, USER_DATA_LIMIT } from '../../src/tasks/aws/launch-template.js';
import { KopsError } from '../../src/diagnostics.js';

const STATE: StateStoreLocation = { bucket: 'state-bucket', prefix: 'kops' };
const GOLDEN = new URL('./golden/', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'kops-ts-userdata-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const REFERENCE: Readonly<Record<string, NewClusterOptions>> = {
  minimal: { name: 'minimal.example.com', zones: ['us-east-1a'] },
  ha: { name: 'ha.example.com', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] },
  private: { name: 'private.example.com', zones: ['us-east-1a', 'us-east-1b'], topology: 'private', bastion: true },
};

/** Launch template name → user-data text, as the AWS model builds them. */
function userDataOf(opts: NewClusterOptions, state: StateStoreLocation | null = STATE): Map<string, { text: string; compress: boolean }> {
  const built = newCluster(opts);
  const completed = completeCluster(built.cluster, built.instanceGroups);
  const tasks = buildAwsTasks({ cluster: completed.cluster, instanceGroups: completed.instanceGroups, ...(state ? { stateStore: state } : {}) });
  const out = new Map<string, { text: string; compress: boolean }>();
  for (const t of tasks) {
    if (t.kind !== 'LaunchTemplate') continue;
    const d = t.desired as { userData?: string; compressUserData?: boolean };
    out.set(t.name, { text: d.userData ?? '', compress: d.compressUserData ?? false });
  }
  return out;
}

interface CloudConfig {
  write_files: { path: string; permissions: string; content: string }[];
  runcmd?: (string | string[])[];
}

function parsed(text: string): CloudConfig {
  return parse(text) as CloudConfig;
}

function file(text: string, path: string): string {
  const f = parsed(text).write_files.find((w) => w.path === path);
  if (!f) throw new Error(`no ${path} in the user-data`);
  return f.content;
}

/** `NAME='value'` assignments of a rendered script. */
function vars(script: string): Record<string, string> {
  return Object.fromEntries([...script.matchAll(/^([A-Z_]+)='([^']*)'$/gm)].map((m) => [m[1]!, m[2]!]));
}

let n = 0;
function cloudInitSchema(text: string): { status: number | null; out: string } {
  const path = join(work, `ud-${n++}.yaml`);
  writeFileSync(path, text);
  const r = spawnSync('cloud-init', ['schema', '-c', path], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function shellcheck(script: string): { status: number | null; out: string } {
  const path = join(work, `script-${n++}.sh`);
  writeFileSync(path, script);
  const r = spawnSync('shellcheck', ['-s', 'bash', path], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function compareGolden(file: string, actual: string): void {
  expectGolden(GOLDEN, file, actual);
}

describe('the real tools accept every rendered user-data', () => {
  for (const [name, opts] of Object.entries(REFERENCE)) {
    it(`${name}: cloud-init schema and shellcheck pass for every group`, () => {
      const all = userDataOf(opts);
      expect(all.size).toBeGreaterThan(1);
      for (const [template, { text }] of all) {
        const schema = cloudInitSchema(text);
        expect(schema, template).toMatchObject({ status: 0 });
        expect(schema.out).toContain('Valid');
        const scripts = parsed(text).write_files.filter((f) => f.content.startsWith('#!/bin/bash'));
        if (!template.startsWith('bastions.')) expect(scripts.map((s) => s.path).sort(), template).toEqual(
          // addons.sh is read from the store by every control plane (addons-script.ts), in no user data.
          template.startsWith('control-plane')
            ? ['/opt/kops-ts/bootstrap.sh', '/opt/kops-ts/etcd-leave.sh', '/opt/kops-ts/install.sh']
            : ['/opt/kops-ts/bootstrap.sh', '/opt/kops-ts/install.sh'],
        );
        for (const s of scripts) expect(shellcheck(s.content), `${template} ${s.path}`).toEqual({ status: 0, out: '' });
      }
    });
  }

  it('the checks fail on a broken document and a broken script (they are not vacuous)', () => {
    expect(cloudInitSchema('#cloud-config\nwrite_files: 3\n').status).not.toBe(0);
    expect(shellcheck('#!/bin/bash\nrm -rf $DIR/x\n').status).not.toBe(0);
  });
});

describe('what each group runs', () => {
  const ha = userDataOf(REFERENCE.ha!);
  const cps = [...ha.keys()].filter((k) => k.startsWith('control-plane')).sort();

  it('every launch template sends it gzipped, under AWS\'s 16 KB', () => {
    for (const [template, { text, compress }] of ha) {
      expect(compress, template).toBe(true);
      expect(encodeUserData(text, true).length).toBeLessThan(USER_DATA_LIMIT);
    }
  });

  it('exactly one control-plane group may kubeadm init: the first by name; the others and workers join', () => {
    expect(cps).toHaveLength(3);
    const init = cps.map((k) => vars(file(ha.get(k)!.text, '/opt/kops-ts/bootstrap.sh'))['INIT_CANDIDATE']);
    expect(init).toEqual(['1', '0', '0']);
    const node = vars(file(ha.get('nodes-us-east-1a.ha.example.com')!.text, '/opt/kops-ts/bootstrap.sh'));
    expect(node).toEqual({
      ROLE: 'node', REGION: 'us-east-1', STATE_BUCKET: 'state-bucket',
      IGCONFIG: 'kops/ha.example.com/igconfig/node/nodes-us-east-1a',
    });
    expect(vars(file(ha.get(cps[1]!)!.text, '/opt/kops-ts/bootstrap.sh'))).toMatchObject({
      ROLE: 'control-plane', IGCONFIG: 'kops/ha.example.com/igconfig/control-plane/control-plane-us-east-1b',
    });
  });

  it('installs exactly spec.kubernetesVersion from its minor\'s repository, and a held containerd with SystemdCgroup', () => {
    const install = file(ha.get(cps[0]!)!.text, '/opt/kops-ts/install.sh');
    expect(vars(install)).toEqual({ KUBERNETES_VERSION: '1.36.3', KUBERNETES_MINOR: '1.36', CONTAINERD_VERSION: '1.7.*' });
    expect(install).toContain('https://pkgs.k8s.io/core:/stable:/v${KUBERNETES_MINOR}/deb/');
    expect(install).toContain('"kubelet=${KUBERNETES_VERSION}-*" "kubeadm=${KUBERNETES_VERSION}-*" "kubectl=${KUBERNETES_VERSION}-*"');
    expect(install).toContain('apt-mark hold kubelet kubeadm kubectl');
    expect(install).toContain('apt-mark hold containerd');
    expect(install).toContain("sed -i 's/SystemdCgroup = false/SystemdCgroup = true/'");
    expect(install).toMatch(/^swapoff -a$/m);
    expect(file(ha.get(cps[0]!)!.text, '/etc/modules-load.d/kops-ts.conf')).toBe('overlay\nbr_netfilter\n');
    expect(file(ha.get(cps[0]!)!.text, '/etc/sysctl.d/99-kops-ts.conf')).toContain('net.bridge.bridge-nf-call-iptables = 1\n');
    // The bootstrap runs only after a successful install.
    expect(parsed(ha.get(cps[0]!)!.text).runcmd).toEqual(['/opt/kops-ts/install.sh && /opt/kops-ts/bootstrap.sh']);
  });

  it('only control planes get the etcd-leave unit, stopped before kubelet and containerd', () => {
    const unit = file(ha.get(cps[0]!)!.text, '/etc/systemd/system/kops-ts-etcd-leave.service');
    expect(unit).toContain('After=network-online.target containerd.service kubelet.service');
    expect(unit).toContain('ExecStop=/opt/kops-ts/etcd-leave.sh');
    const leave = file(ha.get(cps[0]!)!.text, '/opt/kops-ts/etcd-leave.sh');
    expect(leave).toContain('kubeadm reset --force');
    const node = parsed(ha.get('nodes-us-east-1a.ha.example.com')!.text).write_files.map((f) => f.path);
    expect(node).not.toContain('/etc/systemd/system/kops-ts-etcd-leave.service');
    expect(node).not.toContain('/opt/kops-ts/etcd-leave.sh');
  });

  it('a bastion gets no Kubernetes, only a record of who it is', () => {
    const bastion = [...userDataOf(REFERENCE.private!)].find(([k]) => k.startsWith('bastions.'))![1].text;
    const doc = parsed(bastion);
    expect(doc.runcmd).toBeUndefined();
    expect(doc.write_files.map((f) => f.path)).toEqual(['/etc/kops-ts/instance-group']);
  });

  it('workers fetch only their join configuration; control planes the shared CAs as kubeadm names them', () => {
    expect(bootstrapFiles('node', false)).toEqual(['kubeadm-join.yaml', 'kubelet-patch.yaml']);
    expect(bootstrapFiles('control-plane', true)).toEqual(['kubeadm-init.yaml', 'kubeadm-join.yaml', 'kubelet-patch.yaml', ...CONTROL_PLANE_PKI_FILES, 'etcd-prune.py', 'kubeadm-upload.sh', 'etcd-backup.py', 'etcd-backup-store.py', 'addons.sh']);
    // Every control plane reads its group's cluster configuration: to init, or to upload it before joining.
    expect(bootstrapFiles('control-plane', false)).toEqual(bootstrapFiles('control-plane', true));
    const script = file(ha.get(cps[0]!)!.text, '/opt/kops-ts/bootstrap.sh');
    expect(script).toContain(`for f in ${CONTROL_PLANE_PKI_FILES.join(' ')}; do`);
  });

  it('with a state store instances cannot read (file://, memory://) the script says so instead of guessing', () => {
    const text = userDataOf(REFERENCE.minimal!, null).get('nodes-us-east-1a.minimal.example.com')!.text;
    const script = file(text, '/opt/kops-ts/bootstrap.sh');
    expect(vars(script)).toMatchObject({ STATE_BUCKET: '', IGCONFIG: '' });
    expect(script).toContain('the state store is not an S3 bucket, so this instance cannot read its bootstrap files');
  });

  it('a kubernetesVersion that is not a release is a clear error naming the field; v1.36.3 is 1.36.3', () => {
    const input: NodeBootstrapInput = { cluster: 'c', instanceGroup: 'nodes', role: 'node', initCandidate: false, kubernetesVersion: '1.36', region: 'us-east-1' };
    for (const v of ['1.36', '1.37.0-alpha.1', 'latest']) {
      expect(() => nodeUserData({ ...input, kubernetesVersion: v })).toThrow(KopsError);
      expect(() => nodeUserData({ ...input, kubernetesVersion: v })).toThrow(`spec.kubernetesVersion ${JSON.stringify(v)} is not a released version`);
    }
    expect(vars(file(nodeUserData({ ...input, kubernetesVersion: 'v1.36.3' }), '/opt/kops-ts/install.sh'))).toMatchObject({ KUBERNETES_VERSION: '1.36.3', KUBERNETES_MINOR: '1.36' });
  });
});

const SECRET = /-----BEGIN|PRIVATE KEY|\b[a-z0-9]{6}\.[a-z0-9]{16}\b|certificateKey|\bAKIA[A-Z0-9]{16}\b|\bASIA[A-Z0-9]{16}\b/;

describe('no secret in user-data', () => {
  it('the pattern catches a key, a bootstrap token and an access key id', () => {
    for (const s of ['-----BEGIN RSA PRIVATE KEY-----', 'token: abcdef.0123456789abcdef', 'AKIAIOSFODNN7EXAMPLE']) expect(s).toMatch(SECRET);
  });

  it('holds state-store paths only: no key, certificate, token or credential', () => {
    for (const opts of Object.values(REFERENCE)) {
      for (const [template, { text }] of userDataOf(opts)) {
        expect(text, template).not.toMatch(SECRET);
        // The only state-store location named is this group's igconfig directory (bootstrap.sh
        // derives the cluster's directory, for addons.sh, from it).
        const stateRefs = [...text.matchAll(/'(kops\/[^']*)'/g)].map((m) => m[1]!);
        for (const r of stateRefs) expect(r, template).toMatch(/^kops\/[^/]+\/igconfig\/(control-plane|node)\/[^/]+$/);
        expect(text, template).not.toContain('- path: /opt/kops-ts/addons.sh\n');
      }
    }
  });
});

describe('size', () => {
  it('the largest spec (longest names and store prefix) stays under 16 KB gzipped, with room left', () => {
    const label = 'a'.repeat(63);
    const cluster = `${label}.${label}.${label}.example.com`;
    const input: NodeBootstrapInput = {
      cluster, instanceGroup: `control-plane-${'z'.repeat(49)}`, role: 'control-plane', initCandidate: true,
      kubernetesVersion: '1.36.3', region: 'ap-southeast-5', stateStore: { bucket: 'b'.repeat(63), prefix: 'p/'.repeat(200) + 'x' },
      // Every control plane's identity names its kubelet settings and its cluster configuration (random hex).
      kubeletConfigHash: createHash('sha256').update('kubelet').digest('hex').slice(0, 16),
      clusterConfigHash: createHash('sha256').update('cluster').digest('hex').slice(0, 16),
      // and its addons.sh (a full sha256: random hex).
      addonsSha256: createHash('sha256').update('addons').digest('hex'),
    };
    const text = nodeUserData(input);
    const size = encodeUserData(text, true).length;
    // A quarter of the limit left for the group's additionalUserData: the etcd volume's attacher
    // (etcdvol.py) took it past half, the control-plane lister (control-planes.py) to 71%. The etcd
    // member cleanup (etcd-prune.py, about 3 KB gzipped) is read from the state store instead, as
    // the next script of any size should be; so are the etcd backup and its store helper, whose
    // two systemd units (73% with them) are all it adds here. helm's two pinned digests (random
    // hex, which gzip hardly shrinks) are paid for by addons.sh's comments, now in its TS source;
    // the upload of a joining control plane's cluster configuration (kubeadm-upload.sh) is read
    // from the store too, its call and digest paid for by shorter comments. addons.sh itself left
    // the init group's user data for every control plane's igconfig (its fetch, check and sha256
    // stay): about 67% now.
    expect(size).toBeLessThan(USER_DATA_LIMIT * 0.75);
    // A group with sysctlParameters, fileAssets or hooks adds only the step that fetches, checks
    // and runs its node-extras.sh, and that script's sha256 (random hex): about 1% more.
    const sha = createHash('sha256').update('any script').digest('hex');
    expect(encodeUserData(nodeUserData({ ...input, nodeExtrasSha256: sha }), true).length).toBeLessThan(USER_DATA_LIMIT * 0.76);
    expect(text).toContain(`addons: ${input.addonsSha256!}\n`);
    expect(text).not.toContain('/opt/kops-ts/addons.sh');
  });
});

describe('golden user-data', () => {
  const pick: readonly [string, string, string][] = [
    ['minimal-control-plane.yaml', 'minimal', 'control-plane-us-east-1a.masters.minimal.example.com'],
    ['minimal-node.yaml', 'minimal', 'nodes-us-east-1a.minimal.example.com'],
    ['ha-control-plane-init.yaml', 'ha', 'control-plane-us-east-1a.masters.ha.example.com'],
    ['ha-control-plane-join.yaml', 'ha', 'control-plane-us-east-1b.masters.ha.example.com'],
    ['ha-node.yaml', 'ha', 'nodes-us-east-1a.ha.example.com'],
  ];
  for (const [golden, ref, template] of pick) {
    it(`${golden} pins ${template}`, () => {
      const got = userDataOf(REFERENCE[ref]!).get(template);
      expect(got, `no launch template ${template}: ${[...userDataOf(REFERENCE[ref]!).keys()].join(', ')}`).toBeDefined();
      compareGolden(golden, got!.text);
    });
  }
});

// The checks above run these tools: one missing is a failure here, never a skipped check.
describe('tools', () => {
  it('cloud-init and shellcheck are installed (.ci/run installs them)', () => {
    expect(execFileSync('shellcheck', ['--version'], { encoding: 'utf8' })).toContain('ShellCheck');
    expect(spawnSync('cloud-init', ['--version'], { encoding: 'utf8' }).status).toBe(0);
  });
});
