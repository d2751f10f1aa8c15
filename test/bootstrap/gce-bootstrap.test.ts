/**
 * GCE's node bootstrap (src/bootstrap/gce-bootstrap.ts, src/model/gce/startup-script.ts):
 * - the rendered startup-script and every shell file it writes pass the real `shellcheck`, the
 *   python helpers compile;
 * - `gcsget.py`, run with the real python3, reads from the GCS fake (test/fakes/gcs.ts, which
 *   requires the Authorization header) with the token of a fake metadata server (which requires
 *   `Metadata-Flavor: Google`); a missing object fails naming it, never printing the token;
 * - `gcedisk.py` against a minimal Compute API fake in this file (aggregated disks list with
 *   paging and the label filter, `instances.attachDisk` returning a zone operation that is done on
 *   its next GET, 400 for a disk in use): it attaches its member's disk in its zone by name,
 *   prints all members of the cluster, re-uses a disk already attached to it, waits (bounded) for a
 *   disk still attached elsewhere;
 * - the etcd disk is formatted only when blank (`/dev/disk/by-id/google-<disk>`, stubs for the
 *   block-device tools) and mounted by UUID;
 * - the instance templates' service-account scopes allow what the script does;
 * - GCE's bootstrap.sh, run with bash in a temporary root: the first control plane reads its files
 *   with gcsget.py, attaches its disk with gcedisk.py (cluster label, members), formats the blank
 *   `google-<disk>` device, mounts it and inits; a worker joins; the script fits one metadata value.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gceCloudBootstrap } from '../../src/bootstrap/gce-bootstrap.js';
import { GCE_DISK_PY, GCS_FETCH_PY } from '../../src/bootstrap/gce-helpers.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { buildGceTasks } from '../../src/model/gce/index.js';
import { encodeGceLabel } from '../../src/model/gce/labels.js';
import { gceStartupFiles, gceStartupScript, type GceStartupScriptInput } from '../../src/model/gce/startup-script.js';
import { GCE_KINDS, type GceInstanceTemplateDesired } from '../../src/tasks/gce/types.js';
import { FakeGcs } from '../fakes/gcs.js';
import { CLUSTER_CONFIG_LABEL, kubeadmUploadScript } from '../../src/bootstrap/kubeadm-upload.js';

const work = mkdtempSync(join(tmpdir(), 'kops-ts-gceboot-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

const TOKEN = 'ya29.token-never-printed';
const base: GceStartupScriptInput = {
  cluster: 'g.example.com', instanceGroup: 'cp-a', role: 'control-plane', initCandidate: true, kubernetesVersion: '1.36.3', stateStore: { bucket: 'bkt', prefix: 'team' },
};

function write(name: string, text: string, mode = 0o644): string {
  const path = join(work, `${n++}-${name}`);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function listen(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(value));
}

// The metadata server: every request must carry Metadata-Flavor: Google.
const metadataSeen: string[] = [];
let metadata: { server: Server; url: string };
beforeAll(async () => {
  metadata = await listen((req, _body, res) => {
    metadataSeen.push(`${req.url} ${req.headers['metadata-flavor'] === 'Google' ? 'flavored' : 'plain'}`);
    if (req.headers['metadata-flavor'] !== 'Google') return json(res, 403, {});
    const values: Record<string, string> = {
      '/computeMetadata/v1/instance/service-accounts/default/token': JSON.stringify({ access_token: TOKEN, expires_in: 3599, token_type: 'Bearer' }),
      '/computeMetadata/v1/project/project-id': 'my-project',
      '/computeMetadata/v1/instance/zone': 'projects/123456789/zones/us-central1-b',
      '/computeMetadata/v1/instance/name': 'cp-b-x1z9',
    };
    const v = values[req.url ?? ''];
    if (v === undefined) return json(res, 404, {});
    res.end(v);
  });
});
afterAll(() => metadata.server.close());

describe('the rendered GCE startup script', () => {
  const shellcheck = (text: string) => spawnSync('shellcheck', ['-s', 'bash', write('s.sh', text)], { encoding: 'utf8' });
  for (const [role, initCandidate] of [['control-plane', true], ['control-plane', false], ['node', false], ['bastion', false]] as const) {
    it(`${role}${initCandidate ? ' (init candidate)' : ''}: shellcheck passes on it and on every shell file it writes; the python helpers compile`, () => {
      const input = { ...base, role, initCandidate };
      const r = shellcheck(gceStartupScript(input));
      expect(`${r.stdout}${r.stderr}`).toBe('');
      expect(r.status).toBe(0);
      for (const f of gceStartupFiles(input)) {
        if (f.content.startsWith('#!/bin/bash')) {
          const s = shellcheck(f.content);
          expect(`${s.stdout}${s.stderr}`, f.path).toBe('');
        }
        if (f.content.startsWith('#!/usr/bin/env python3')) {
          const c = spawnSync('python3', ['-m', 'py_compile', write('h.py', f.content)], { encoding: 'utf8' });
          expect(c.stderr, f.path).toBe('');
        }
      }
    });
  }

  it('writes every file with its mode, byte for byte, when run (paths moved into a temporary root)', async () => {
    const root = join(work, `root-${n++}`);
    const script = gceStartupScript(base).replace(/\/(etc|opt|var)\//g, `${root}/$1/`)
      .replace(/^(\S+\/opt\/kops-ts\/(install|bootstrap)\.sh)$/gm, 'echo ran $1');
    const r = await run('bash', [write('startup.sh', script)], {});
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`ran ${root}/opt/kops-ts/install.sh\nran ${root}/opt/kops-ts/bootstrap.sh\n`);
    for (const f of gceStartupFiles(base)) {
      const path = `${root}${f.path.replace(/^\//, '/')}`;
      const want = f.content.replace(/\/(etc|opt|var)\//g, `${root}/$1/`);
      expect(readFileSync(path, 'utf8').replace(/\n$/, ''), f.path).toBe(want.replace(/\n$/, ''));
      expect((statSync(path).mode & 0o777).toString(8), f.path).toBe(f.permissions.replace(/^0/, ''));
    }
    // A later boot of a bootstrapped instance stops at once.
    mkdirSync(`${root}/var/lib/kops-ts`, { recursive: true });
    writeFileSync(`${root}/var/lib/kops-ts/bootstrapped`, '');
    const again = await run('bash', [write('startup.sh', script)], {});
    expect(again.stdout).toContain('already bootstrapped');
    expect(again.stdout).not.toContain('ran ');
  });
});

describe('gcsget.py', () => {
  const gcs = new FakeGcs({ requireAuth: true });
  const script = write('gcsget.py', GCS_FETCH_PY, 0o755);
  let env: Record<string, string>;
  beforeAll(async () => {
    env = { KOPS_TS_GCE_METADATA: metadata.url, KOPS_TS_GCS_ENDPOINT: await gcs.start(), KOPS_TS_ATTEMPTS: '2', KOPS_TS_INTERVAL: '0' };
    gcs.createBucket('bkt');
  });
  afterAll(() => gcs.stop());

  it("reads an object (a name needing encoding) with the service account's token into a 0600 file", async () => {
    gcs.put('bkt', 'team/g.example.com/igconfig/control-plane/cp-a/pki/ca.key', 'KEY MATERIAL');
    const dest = join(work, `dest-${n++}`);
    const r = await run('python3', [script, 'bkt', 'team/g.example.com/igconfig/control-plane/cp-a/pki/ca.key', dest], env);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(dest, 'utf8')).toBe('KEY MATERIAL');
    expect(statSync(dest).mode & 0o777).toBe(0o600);
    const get = gcs.requests.find((q) => q.method === 'GET' && q.query['alt'] === 'media');
    expect(get?.path).toBe('/storage/v1/b/bkt/o/team%2Fg.example.com%2Figconfig%2Fcontrol-plane%2Fcp-a%2Fpki%2Fca.key');
    expect(get?.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(metadataSeen.filter((l) => l.endsWith('plain'))).toEqual([]);
  });

  it('fails for a missing object naming it, and prints no token', async () => {
    const r = await run('python3', [script, 'bkt', 'team/missing.yaml', join(work, `dest-${n++}`)], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read gs://bkt/team/missing.yaml: HTTP 404');
    expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
  });
});

interface FakeDisk { name: string; zone: string; labels: Record<string, string>; users?: string[] }

/** A minimal Compute API: aggregated disks (one zone per page, the label filter), attachDisk, zone operations. */
async function computeFake(disks: FakeDisk[]): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const ops = new Map<string, number>();
  const self = (zone: string, kind: string, name: string) => `https://www.googleapis.com/compute/v1/projects/my-project/zones/${zone}/${kind}/${name}`;
  const f = await listen((req, body, res) => {
    const url = new URL(req.url ?? '', 'http://x');
    seen.push(`${req.method} ${url.pathname}${url.searchParams.get('pageToken') ? ` page=${url.searchParams.get('pageToken')}` : ''}`);
    if (req.headers['authorization'] !== `Bearer ${TOKEN}`) return json(res, 401, { error: { code: 401, message: 'Request is missing required authentication credential.' } });
    const p = url.pathname.replace(/^\/compute\/v1/, '');
    if (req.method === 'GET' && p === '/projects/my-project/aggregated/disks') {
      const m = /^labels\.k8s-io-cluster-name="([^"]*)"$/.exec(url.searchParams.get('filter') ?? '');
      const zones = [...new Set(disks.map((d) => d.zone))].sort();
      const page = Number(url.searchParams.get('pageToken') ?? '0');
      const zone = zones[page]!;
      const inZone = disks.filter((d) => d.zone === zone && (!m || d.labels['k8s-io-cluster-name'] === m[1]));
      return json(res, 200, {
        kind: 'compute#diskAggregatedList',
        items: { [`zones/${zone}`]: inZone.length > 0 ? { disks: inZone.map((d) => ({ ...d, zone: `https://www.googleapis.com/compute/v1/projects/my-project/zones/${d.zone}`, selfLink: self(d.zone, 'disks', d.name) })) } : { warning: { code: 'NO_RESULTS_ON_PAGE' } } },
        ...(page + 1 < zones.length ? { nextPageToken: String(page + 1) } : {}),
      });
    }
    const attach = /^\/projects\/my-project\/zones\/([^/]+)\/instances\/([^/]+)\/attachDisk$/.exec(p);
    if (req.method === 'POST' && attach) {
      const { source, deviceName } = JSON.parse(body) as { source: string; deviceName: string };
      const disk = disks.find((d) => source.endsWith(`/zones/${attach[1]}/disks/${d.name}`) && d.zone === attach[1]);
      if (!disk) return json(res, 404, { error: { code: 404, message: `The resource '${source}' was not found`, errors: [{ reason: 'notFound' }] } });
      if ((disk.users ?? []).length > 0) return json(res, 400, { error: { code: 400, message: `The disk resource '${source}' is already being used by '${disk.users![0]}'`, errors: [{ reason: 'resourceInUseByAnotherResource' }] } });
      disk.users = [self(attach[1]!, 'instances', attach[2]!)];
      seen.push(`attached ${disk.name} as ${deviceName}`);
      const name = `operation-${ops.size + 1}`;
      ops.set(name, 0);
      return json(res, 200, { kind: 'compute#operation', name, operationType: 'attachDisk', status: 'RUNNING', zone: attach[1] });
    }
    const op = /^\/projects\/my-project\/zones\/([^/]+)\/operations\/([^/]+)$/.exec(p);
    if (req.method === 'GET' && op && ops.has(op[2]!)) return json(res, 200, { kind: 'compute#operation', name: op[2], status: 'DONE', zone: op[1] });
    return json(res, 404, { error: { code: 404, message: 'not found', errors: [{ reason: 'notFound' }] } });
  });
  return { ...f, seen };
}

describe('gcedisk.py', () => {
  const script = write('gcedisk.py', GCE_DISK_PY, 0o755);
  const mainLabel = (m: string) => encodeGceLabel(`${m}/${m}`);
  const etcd = (name: string, zone: string, member: string, cluster = 'g-example-com'): FakeDisk => ({
    name, zone, labels: { 'k8s-io-cluster-name': cluster, 'k8s-io-role-master': 'master', 'k8s-io-etcd-main': mainLabel(member) },
  });
  const env = (url: string) => ({ KOPS_TS_GCE_METADATA: metadata.url, KOPS_TS_COMPUTE_ENDPOINT: `${url}/compute/v1`, KOPS_TS_ATTEMPTS: '2', KOPS_TS_INTERVAL: '0' });
  const ha = () => [
    etcd('us-central1-a-etcd-main-g-example-com', 'us-central1-a', 'us-central1-a'),
    etcd('us-central1-b-etcd-main-g-example-com', 'us-central1-b', 'us-central1-b'),
    { ...etcd('us-central1-b-etcd-events-g-example-com', 'us-central1-b', 'us-central1-b'), labels: { 'k8s-io-cluster-name': 'g-example-com', 'k8s-io-etcd-events': mainLabel('us-central1-b') } },
    etcd('us-central1-b-etcd-main-other-cluster', 'us-central1-b', 'us-central1-b', 'other-cluster'),
    etcd('us-central1-c-etcd-main-g-example-com', 'us-central1-c', 'us-central1-c'),
  ];

  it("attaches its member's main disk in its zone, by name, waits for the operation, and prints every member of the cluster", async () => {
    const disks = ha();
    const c = await computeFake(disks);
    try {
      const r = await run('python3', [script, 'g-example-com', 'us-central1-b'], env(c.url));
      expect(r.stderr).toBe('');
      expect(r).toMatchObject({ code: 0, stdout: 'us-central1-b-etcd-main-g-example-com us-central1-a,us-central1-b,us-central1-c\n' });
      expect(c.seen.filter((l) => !l.startsWith('GET /compute/v1/projects/my-project/aggregated'))).toEqual([
        'POST /compute/v1/projects/my-project/zones/us-central1-b/instances/cp-b-x1z9/attachDisk',
        'attached us-central1-b-etcd-main-g-example-com as us-central1-b-etcd-main-g-example-com',
        'GET /compute/v1/projects/my-project/zones/us-central1-b/operations/operation-1',
      ]);
      // Every page of the aggregated list was read.
      expect(c.seen).toContain('GET /compute/v1/projects/my-project/aggregated/disks page=2');
      expect(disks.find((d) => d.name === 'us-central1-b-etcd-main-other-cluster')?.users).toBeUndefined();

      // A re-run (the script again after a failure later on) uses the disk attached to it.
      const again = await run('python3', [script, 'g-example-com', 'us-central1-b'], env(c.url));
      expect(again.stdout).toBe('us-central1-b-etcd-main-g-example-com us-central1-a,us-central1-b,us-central1-c\n');
      expect(c.seen.filter((l) => l.startsWith('attached'))).toHaveLength(1);
    } finally {
      c.server.close();
    }
  });

  it('waits for a disk still attached to the replaced instance, then fails naming the cluster, zone and member; no token printed', async () => {
    const disks = ha();
    disks[1]!.users = ['https://www.googleapis.com/compute/v1/projects/my-project/zones/us-central1-b/instances/cp-b-old'];
    const c = await computeFake(disks);
    try {
      const r = await run('python3', [script, 'g-example-com', 'us-central1-b'], env(c.url));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('every etcd disk of cluster g-example-com, members us-central1-b, zone us-central1-b');
      expect(c.seen.filter((l) => l === 'GET /compute/v1/projects/my-project/aggregated/disks')).toHaveLength(2);
      expect(c.seen.some((l) => l.startsWith('POST'))).toBe(false);
      expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
    } finally {
      c.server.close();
    }
  });

  it('fails when no disk of its members is in its zone', async () => {
    const c = await computeFake(ha().filter((d) => d.zone !== 'us-central1-b'));
    try {
      const r = await run('python3', [script, 'g-example-com', 'us-central1-b'], env(c.url));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('no etcd disk for cluster g-example-com, members us-central1-b, zone us-central1-b');
    } finally {
      c.server.close();
    }
  });
});

describe("the GCE etcd disk: formatted only when blank, mounted by UUID", () => {
  const STUBS: Record<string, string> = {
    blkid: ['dev="${*: -1}"; [ -f "$dev.fs" ] || exit 2', 'case "${*: -2:1}" in UUID) cat "$dev.fs.uuid" ;; LABEL) cat "$dev.fs.label" 2>/dev/null ;; *) cat "$dev.fs" ;; esac'].join('\n'),
    'mkfs.ext4': 'echo "mkfs.ext4 $*" >>"$LOG"; dev="${*: -1}"; echo ext4 >"$dev.fs"; echo 0f1e2d3c-0000-0000-0000-000000000001 >"$dev.fs.uuid"; echo "$3" >"$dev.fs.label"',
    mountpoint: 'exit 1',
    mount: 'echo "mount $*" >>"$LOG"',
    sleep: 'echo "sleep $*" >>"$LOG"',
  };

  async function mountIn(prepare: (device: string) => void): Promise<{ code: number; stdout: string; stderr: string; log: string; fstab: string }> {
    const root = join(work, `etcd-${n++}`);
    for (const d of ['bin', 'dev/disk/by-id', 'etc', 'var/lib']) mkdirSync(join(root, d), { recursive: true });
    for (const [name, body] of Object.entries(STUBS)) writeFileSync(join(root, 'bin', name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    writeFileSync(join(root, 'etc/fstab'), 'LABEL=cloudimg-rootfs / ext4 defaults 0 1\n');
    writeFileSync(join(root, 'log'), '');
    const device = join(root, 'dev/disk/by-id/google-a-etcd-main-g-example-com');
    prepare(device);
    const fns = gceCloudBootstrap('g-example-com').etcdVolumeFunctions.replace(/(\/dev\/disk|\/var\/lib\/etcd|\/etc\/fstab)/g, `${root}$1`);
    const harness = `set -euo pipefail\ndie() { echo "kops-ts: $*" >&2; exit 1; }\nETCD_VOLUME_USED=0\nETCD_VOLUME_DEV=\n${fns}\nmount_etcd_volume a-etcd-main-g-example-com\necho "used=$ETCD_VOLUME_USED"\n`;
    const r = await run('bash', [write('mount.sh', harness)], { PATH: `${join(root, 'bin')}:${process.env.PATH ?? ''}`, LOG: join(root, 'log') });
    return { ...r, log: readFileSync(join(root, 'log'), 'utf8'), fstab: readFileSync(join(root, 'etc/fstab'), 'utf8') };
  }

  it('a blank disk is formatted ext4 with the kops-etcd label, recorded in fstab by UUID (nofail) and mounted', async () => {
    const r = await mountIn((dev) => writeFileSync(dev, ''));
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('is blank; formatting it ext4');
    expect(r.stdout).toContain('used=0');
    expect(r.log).toMatch(/^mkfs\.ext4 -q -L kops-etcd \S+google-a-etcd-main-g-example-com\nmount \S+\/var\/lib\/etcd\n$/);
    expect(r.fstab).toMatch(/\nUUID=0f1e2d3c-0000-0000-0000-000000000001 \S+\/var\/lib\/etcd ext4 defaults,nofail 0 2\n$/);
  });

  it('a disk that holds a filesystem is never formatted; one labelled as used counts as used', async () => {
    const r = await mountIn((dev) => {
      writeFileSync(dev, '');
      writeFileSync(`${dev}.fs`, 'ext4');
      writeFileSync(`${dev}.fs.uuid`, 'aaaa-bbbb');
      writeFileSync(`${dev}.fs.label`, 'kops-etcd-used');
    });
    expect(r.code).toBe(0);
    expect(r.log).not.toContain('mkfs');
    expect(r.stdout).toContain('used=1');
    expect(r.fstab).toContain('UUID=aaaa-bbbb ');
  });

  it('no device appearing fails after waiting, naming where it looked', async () => {
    const r = await mountIn(() => undefined);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('google-a-etcd-main-g-example-com');
    expect(r.log.split('\n').filter((l) => l.startsWith('sleep'))).toHaveLength(60);
    expect(r.log).not.toContain('mkfs');
  });
});

describe("the instance templates' service-account scopes allow what the startup script does", () => {
  // Not counting cloud-platform, which allows every API: the explicit scopes must allow it on their own.
  const READ_STORAGE = ['devstorage.read_only', 'devstorage.read_write', 'devstorage.full_control'];
  const ATTACH_DISK = ['compute'];
  const scopeOk = (scopes: readonly string[], allowed: readonly string[]) => scopes.some((s) => allowed.map((a) => `https://www.googleapis.com/auth/${a}`).includes(s));

  it('every group can read the gs:// store; control planes, which attach their etcd disk, can call compute (not read-only)', () => {
    const built = newCluster({ name: 'ha.example.com', zones: ['us-central1-a', 'us-central1-b', 'us-central1-c'], controlPlaneCount: 3, project: 'my-project' });
    const c = completeCluster(built.cluster, built.instanceGroups);
    const tasks = buildGceTasks({ ...c, stateStore: { bucket: 'state-bucket', prefix: '' } });
    const templates = tasks.filter((t) => t.kind === GCE_KINDS.instanceTemplate).map((t) => t.desired as GceInstanceTemplateDesired);
    expect(templates.length).toBeGreaterThan(3);
    for (const t of templates) {
      const script = t.metadata['startup-script'] ?? '';
      expect(script, t.namePrefix).toContain('/opt/kops-ts/gcsget.py');
      expect(scopeOk(t.serviceAccount.scopes, READ_STORAGE), t.namePrefix).toBe(true);
      if (script.includes('gcedisk.py')) {
        expect(scopeOk(t.serviceAccount.scopes, ATTACH_DISK), t.namePrefix).toBe(true);
        expect(t.serviceAccount.scopes).not.toContain('https://www.googleapis.com/auth/compute.readonly');
      }
    }
    expect(templates.filter((t) => (t.metadata['startup-script'] ?? '').includes('gcedisk.py'))).toHaveLength(3);
    // Each control plane's identity names its group's cluster configuration digest (kubeadm-upload.ts), each its own; no worker's does.
    const digests = templates.map((t) => /\nclusterConfig: ([0-9a-f]{16})\n/.exec(t.metadata['startup-script'] ?? '')?.[1]);
    expect(templates.filter((_, i) => digests[i] !== undefined).map((t) => t.namePrefix).every((p) => p.startsWith('control-plane'))).toBe(true);
    expect(new Set(digests.filter((d) => d !== undefined)).size).toBe(3);
  });
});

describe("GCE's bootstrap.sh, run with bash in a temporary root (stubs for the helpers, kubeadm and the block-device tools)", () => {
  const STUBS: Record<string, string> = {
    python3: [
      'if [[ "$1" == */gcedisk.py ]]; then echo "attach $2 $3" >>"$LOG"; echo "a-etcd-main-g-example-com a"; exit 0; fi',
      'if [[ "$1" == */gcsget.py ]]; then echo "fetch $2 $3" >>"$LOG"; [ -f "$STORE/$3" ] || exit 1; cp "$STORE/$3" "$4"; exit 0; fi',
      'exit 3',
    ].join('\n'),
    blkid: 'dev="${*: -1}"; [ -f "$dev.fs" ] || exit 2; case "${*: -2:1}" in UUID) echo 0f1e ;; LABEL) cat "$dev.fs.label" ;; *) cat "$dev.fs" ;; esac',
    'mkfs.ext4': 'echo "mkfs.ext4 $*" >>"$LOG"; dev="${*: -1}"; echo ext4 >"$dev.fs"; echo "$3" >"$dev.fs.label"',
    e2label: 'echo "e2label $2" >>"$LOG"',
    mountpoint: 'exit 1',
    mount: 'echo "mount" >>"$LOG"',
    kubeadm: 'echo "kubeadm $1" >>"$LOG"',
    curl: 'printf 000; exit 7',
    systemctl: 'echo "systemctl $*" >>"$LOG"',
    sleep: 'true',
    crictl: 'true',
  };
  const JOIN = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    apiServerEndpoint: 34.1.2.3:443\n';

  /** A stand-in for the group's addons.sh in the store (addons-apply.test.ts runs the real one), and its sha256. */
  const ADDONS_SH = '#!/bin/bash\necho "addons.sh $STATE_BUCKET $CLUSTER_DIR" >>"$LOG"\n';
  const ADDONS_SHA256 = createHash('sha256').update(ADDONS_SH).digest('hex');
  /** What the startup-script writes before bootstrap.sh runs: the group's identity, naming its digests. */
  const identityOf = (i: GceStartupScriptInput) => gceStartupFiles(i).find((w) => w.path === '/etc/kops-ts/instance-group')!.content;

  /** `machine`: files already on the instance (what the startup-script wrote), by path under the root. */
  async function bootIn(input: GceStartupScriptInput, files: Record<string, string>, machine: Record<string, string> = {}): Promise<{ code: number; stderr: string; log: string[]; root: string }> {
    const root = join(work, `boot-${n++}`);
    for (const d of ['bin', 'store', 'dev/disk/by-id', 'etc', 'opt/kops-ts']) mkdirSync(join(root, d), { recursive: true });
    for (const [name, body] of Object.entries(STUBS)) writeFileSync(join(root, 'bin', name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    writeFileSync(join(root, 'etc/fstab'), '');
    writeFileSync(join(root, 'log'), '');
    writeFileSync(join(root, 'dev/disk/by-id/google-a-etcd-main-g-example-com'), '');
    for (const [key, content] of Object.entries(files)) {
      mkdirSync(join(root, 'store', key, '..'), { recursive: true });
      writeFileSync(join(root, 'store', key), content);
    }
    for (const [path, content] of Object.entries(machine)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    const f = gceStartupFiles(input).find((w) => w.path === '/opt/kops-ts/bootstrap.sh')!;
    const text = f.content.replace(/(\/etc\/kops-ts|\/run\/kops-ts|\/var\/lib\/kops-ts|\/var\/lib\/etcd|\/etc\/fstab|\/dev\/disk|\/etc\/kubernetes)/g, `${root}$1`);
    const r = await run('bash', [write('bootstrap.sh', text)], { PATH: `${join(root, 'bin')}:${process.env.PATH ?? ''}`, LOG: join(root, 'log'), STORE: join(root, 'store') });
    return { ...r, root, log: readFileSync(join(root, 'log'), 'utf8').split('\n').filter((l) => l !== '') };
  }

  it('the first control plane: its files from gs://, its etcd disk attached by label, formatted (blank), mounted, then kubeadm init, the addons and the leave unit', async () => {
    const dir = 'team/g.example.com/igconfig/control-plane/cp-a';
    const files: Record<string, string> = {
      [`${dir}/kubeadm-join.yaml`]: `${JOIN}controlPlane: {}\n`, [`${dir}/kubelet-patch.yaml`]: 'maxPods: null\n', [`${dir}/kubeadm-init.yaml`]: `${CLUSTER_CONFIG_LABEL}0123456789abcdef\nkind: InitConfiguration\n`, [`${dir}/bootstrap.env`]: "ETCD_MEMBERS='a'\n",
      [`${dir}/etcd-backup.py`]: '# etcd backup', [`${dir}/etcd-backup-store.py`]: '# GCS store helper', [`${dir}/addons.sh`]: ADDONS_SH,
    };
    for (const p of ['pki/ca.crt', 'pki/ca.key', 'pki/etcd/ca.crt', 'pki/etcd/ca.key', 'pki/front-proxy-ca.crt', 'pki/front-proxy-ca.key', 'pki/sa.key', 'pki/sa.pub']) files[`${dir}/${p}`] = p;
    // Its identity names the cluster configuration kubeadm-init.yaml's first line must name, as on AWS.
    const input = { ...base, clusterConfigHash: '0123456789abcdef', addonsSha256: ADDONS_SHA256 };
    const r = await bootIn(input, files, { 'etc/kops-ts/instance-group': identityOf(input) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const steps = r.log.filter((l) => !l.startsWith('fetch bkt team/g.example.com/igconfig/control-plane/cp-a/pki/'));
    expect(steps).toEqual([
      `fetch bkt ${dir}/kubeadm-join.yaml`,
      `fetch bkt ${dir}/kubelet-patch.yaml`,
      `fetch bkt ${dir}/bootstrap.env`,
      'attach g-example-com a',
      `mkfs.ext4 -q -L kops-etcd ${r.root}/dev/disk/by-id/google-a-etcd-main-g-example-com`,
      'mount',
      `fetch bkt ${dir}/kubeadm-init.yaml`,
      'kubeadm init',
      'e2label kops-etcd-used',
      'systemctl daemon-reload',
      'systemctl enable --now kops-ts-etcd-leave.service',
      `fetch bkt ${dir}/etcd-backup.py`,
      `fetch bkt ${dir}/etcd-backup-store.py`,
      'systemctl enable --now kops-ts-etcd-backup.timer',
      // The group's addons.sh from gs://, run with the bucket and the cluster's directory.
      `fetch bkt ${dir}/addons.sh`,
      'addons.sh bkt team/g.example.com',
    ]);
    expect(r.log.filter((l) => l.includes('/pki/'))).toHaveLength(8);
    expect(statSync(join(r.root, 'var/lib/kops-ts/bootstrapped')).isFile()).toBe(true);
  });

  it('a control plane that joins first uploads its group\'s cluster configuration from gs://, as on AWS', async () => {
    const curl = STUBS['curl']!;
    STUBS['curl'] = 'printf 200';
    const cp: GceStartupScriptInput = { ...base, instanceGroup: 'cp-b', initCandidate: false, clusterConfigHash: '0123456789abcdef', addonsSha256: ADDONS_SHA256 };
    const dir = 'team/g.example.com/igconfig/control-plane/cp-b';
    const files: Record<string, string> = {
      [`${dir}/kubeadm-join.yaml`]: `${JOIN}controlPlane: {}\n`, [`${dir}/kubelet-patch.yaml`]: 'maxPods: null\n', [`${dir}/bootstrap.env`]: "ETCD_MEMBERS='a'\n",
      [`${dir}/kubeadm-init.yaml`]: `${CLUSTER_CONFIG_LABEL}0123456789abcdef\nkind: ClusterConfiguration\n`, [`${dir}/kubeadm-upload.sh`]: kubeadmUploadScript(true), [`${dir}/addons.sh`]: ADDONS_SH,
    };
    for (const p of ['pki/ca.crt', 'pki/ca.key', 'pki/etcd/ca.crt', 'pki/etcd/ca.key', 'pki/front-proxy-ca.crt', 'pki/front-proxy-ca.key', 'pki/sa.key', 'pki/sa.pub']) files[`${dir}/${p}`] = p;
    // What the startup-script writes before bootstrap.sh runs: the identity naming the digest.
    const identity = gceStartupFiles(cp).find((w) => w.path === '/etc/kops-ts/instance-group')!.content;
    expect(identity).toContain('clusterConfig: 0123456789abcdef\n');
    const r = await bootIn(cp, files, { 'etc/kops-ts/instance-group': identity }).finally(() => (STUBS['curl'] = curl));
    expect(r.code, r.stderr).toBe(0);
    const steps = r.log.filter((l) => /^(fetch bkt .*kubeadm-|kubeadm )/.test(l));
    expect(steps).toEqual([
      `fetch bkt ${dir}/kubeadm-join.yaml`,
      `fetch bkt ${dir}/kubeadm-init.yaml`,
      `fetch bkt ${dir}/kubeadm-upload.sh`,
      'kubeadm kubeconfig',
      'kubeadm init',
      'kubeadm init',
      'kubeadm init',
      'kubeadm join',
    ]);
    // Then the addons, as on AWS; a stand-in that is not the launched one stops the boot.
    expect(r.log.slice(-2)).toEqual([`fetch bkt ${dir}/addons.sh`, 'addons.sh bkt team/g.example.com']);
    STUBS['curl'] = 'printf 200';
    const moved = await bootIn(cp, { ...files, [`${dir}/addons.sh`]: `${ADDONS_SH}# a later update\n` }, { 'etc/kops-ts/instance-group': identity }).finally(() => (STUBS['curl'] = curl));
    expect(moved.code).toBe(1);
    expect(moved.stderr.split('\n').filter((l) => l !== '').at(-1)).toBe('kops-ts: addons.sh is not the one this instance was launched for');
    expect(moved.log.filter((l) => l.startsWith('addons.sh'))).toEqual([]);
  });

  it('a worker fetches only its join configuration and joins once the API answers', async () => {
    const curl = STUBS['curl']!;
    STUBS['curl'] = 'printf 200';
    const node = { ...base, instanceGroup: 'nodes', role: 'node' as const, initCandidate: false };
    const dir = 'team/g.example.com/igconfig/node/nodes';
    const r = await bootIn(node, { [`${dir}/kubeadm-join.yaml`]: JOIN, [`${dir}/kubelet-patch.yaml`]: 'maxPods: 42\n' }).finally(() => (STUBS['curl'] = curl));
    expect(r.stderr).toBe('');
    expect(r.log).toEqual([`fetch bkt ${dir}/kubeadm-join.yaml`, `fetch bkt ${dir}/kubelet-patch.yaml`, 'kubeadm join']);
    expect(readFileSync(join(r.root, 'etc/kops-ts/igconfig/patches/kubeletconfiguration+merge.yaml'), 'utf8')).toBe('maxPods: 42\n');
  });

  it('the startup-script fits GCE\'s 256 KB limit of one metadata value', () => {
    for (const role of ['control-plane', 'node'] as const) expect(Buffer.byteLength(gceStartupScript({ ...base, role }))).toBeLessThan(256 * 1024);
  });
});
