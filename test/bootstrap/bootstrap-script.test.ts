/**
 * The rendered bootstrap and etcd-leave scripts, run with the real bash: their absolute paths are
 * moved into a temporary root, and the commands that act on the machine or the network (python3
 * for the S3 reader, kubeadm, curl, systemctl, sleep) are stubs on PATH that record their
 * arguments. What is checked is the decision logic: what each role fetches, init or join, the
 * refusals, file modes, the done marker; at power-off leave etcd, at reboot stay.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTROL_PLANE_PKI_FILES, nodeWriteFiles, type NodeBootstrapInput } from '../../src/bootstrap/user-data.js';

const base = mkdtempSync(join(tmpdir(), 'kops-ts-bootstrap-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const JOIN_NODE = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    apiServerEndpoint: api.internal.c1.example.com:443\n';
const JOIN_CP = `${JOIN_NODE}controlPlane:\n  localAPIEndpoint:\n    bindPort: 443\n`;

const STUBS: Record<string, string> = {
  // The S3 reader: copies from the fake store, fails for a missing object.
  python3: 'echo "fetch $3" >>"$LOG"; [ -f "$STORE/$3" ] || exit 1; cp "$STORE/$3" "$4"; chmod 600 "$4"',
  kubeadm: 'echo "kubeadm $*" >>"$LOG"; echo "kubeadm join api:443 --token abcdef.0123456789abcdef"; [ -z "${KUBEADM_FAILS:-}" ]',
  curl: 'echo "curl" >>"$LOG"; if [ "${API_UP:-0}" = 1 ]; then printf 200; else printf 000; exit 7; fi',
  systemctl: 'if [ "$1" = list-jobs ]; then printf "%s\\n" "${JOBS:-}"; else echo "systemctl $*" >>"$LOG"; fi',
  sleep: 'echo "sleep $*" >>"$LOG"',
  timeout: 'shift; "$@"',
};

interface Sandbox {
  root: string;
  store: string;
  log: string;
  bin: string;
}

let n = 0;
function sandbox(): Sandbox {
  const root = join(base, `r${n++}`);
  const sb = { root, store: join(root, 'store'), log: join(root, 'log'), bin: join(root, 'bin') };
  for (const d of [sb.store, sb.bin]) mkdirSync(d, { recursive: true });
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(join(sb.bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(sb.bin, name), 0o755);
  }
  writeFileSync(sb.log, '');
  // The addons script has its own test (addons-apply.test.ts): here, only whether it runs.
  mkdirSync(join(root, 'opt/kops-ts'), { recursive: true });
  writeFileSync(join(root, 'opt/kops-ts/addons.sh'), '#!/bin/bash\necho addons.sh >>"$LOG"\n');
  chmodSync(join(root, 'opt/kops-ts/addons.sh'), 0o755);
  return sb;
}

/** The script of `input` at `path`, with every absolute machine path moved under the sandbox. */
function scriptIn(sb: Sandbox, input: NodeBootstrapInput, path: string): string {
  const f = nodeWriteFiles(input).find((w) => w.path === path);
  if (!f) throw new Error(`no ${path}`);
  const text = f.content.replace(/(\/etc\/kops-ts|\/var\/lib\/kops-ts|\/etc\/kubernetes|\/opt\/kops-ts\/addons\.sh)/g, `${sb.root}$1`);
  const file = join(sb.root, path.split('/').pop()!);
  writeFileSync(file, text);
  chmodSync(file, 0o700);
  return file;
}

function put(sb: Sandbox, key: string, content: string): void {
  mkdirSync(join(sb.store, key, '..'), { recursive: true });
  writeFileSync(join(sb.store, key), content);
}

function run(sb: Sandbox, file: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; log: string[] }> {
  return new Promise((resolve) => {
    execFile('bash', [file], { env: { PATH: `${sb.bin}:${process.env.PATH ?? ''}`, LOG: sb.log, STORE: sb.store, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, log: readFileSync(sb.log, 'utf8').split('\n').filter((l) => l !== '') });
    });
  });
}

const STATE = { bucket: 'state-bucket', prefix: 'kops' };
const worker: NodeBootstrapInput = { cluster: 'c1.example.com', instanceGroup: 'nodes-a', role: 'node', initCandidate: false, kubernetesVersion: '1.36.3', region: 'us-east-1', stateStore: STATE };
const cp = (initCandidate: boolean): NodeBootstrapInput => ({ ...worker, instanceGroup: 'control-plane-a', role: 'control-plane', initCandidate });
const NODE_DIR = 'kops/c1.example.com/igconfig/node/nodes-a';
const CP_DIR = 'kops/c1.example.com/igconfig/control-plane/control-plane-a';

function putControlPlane(sb: Sandbox, join: string = JOIN_CP): void {
  put(sb, `${CP_DIR}/kubeadm-join.yaml`, join);
  put(sb, `${CP_DIR}/kubeadm-init.yaml`, 'kind: InitConfiguration\n');
  put(sb, `${CP_DIR}/bootstrap.env`, "CNI_ADDON='addons/cilium/1.17.4/addon.yaml'\n");
  for (const f of CONTROL_PLANE_PKI_FILES) put(sb, `${CP_DIR}/${f}`, `material of ${f}\n`);
}

describe('bootstrap.sh', () => {
  it('a worker fetches only its join configuration, waits for the API and joins', async () => {
    const sb = sandbox();
    put(sb, `${NODE_DIR}/kubeadm-join.yaml`, JOIN_NODE);
    const r = await run(sb, scriptIn(sb, worker, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r).toMatchObject({ code: 0 });
    expect(r.log).toEqual([`fetch ${NODE_DIR}/kubeadm-join.yaml`, 'curl', `kubeadm join --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-join.yaml`]);
    expect(existsSync(join(sb.root, 'var/lib/kops-ts/bootstrapped'))).toBe(true);
    expect(existsSync(join(sb.root, 'etc/kubernetes'))).toBe(false);
    expect(r.log).not.toContain('addons.sh');
  });

  it('kubeadm\'s output (it names the bootstrap token) goes to a root-only file, not to cloud-init\'s log', async () => {
    const sb = sandbox();
    put(sb, `${NODE_DIR}/kubeadm-join.yaml`, JOIN_NODE);
    const ok = await run(sb, scriptIn(sb, worker, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(ok.stdout + ok.stderr).not.toContain('abcdef.0123456789abcdef');
    const log = join(sb.root, 'var/lib/kops-ts/kubeadm.log');
    expect(readFileSync(log, 'utf8')).toContain('--token abcdef.0123456789abcdef');
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(statSync(join(sb.root, 'var/lib/kops-ts')).mode & 0o777).toBe(0o700);

    const failing = sandbox();
    put(failing, `${NODE_DIR}/kubeadm-join.yaml`, JOIN_NODE);
    const r = await run(failing, scriptIn(failing, worker, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1', KUBEADM_FAILS: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kops-ts: kubeadm join failed; its output is in ${failing.root}/var/lib/kops-ts/kubeadm.log (root only: it may name a bootstrap token)\n`);
    expect(existsSync(join(failing.root, 'var/lib/kops-ts/bootstrapped'))).toBe(false);
  });

  it('a worker refuses a join configuration that would make it a control plane', async () => {
    const sb = sandbox();
    put(sb, `${NODE_DIR}/kubeadm-join.yaml`, JOIN_CP);
    const r = await run(sb, scriptIn(sb, worker, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the join configuration of a worker group carries controlPlane; refusing to join as a control plane');
    expect(r.log.filter((l) => l.startsWith('kubeadm'))).toEqual([]);
  });

  it('the first control plane inits when no API answers, with the shared CAs in place (keys 0600, certificates 0644)', async () => {
    const sb = sandbox();
    putControlPlane(sb);
    const r = await run(sb, scriptIn(sb, cp(true), '/opt/kops-ts/bootstrap.sh'));
    expect(r).toMatchObject({ code: 0 });
    expect(r.log.filter((l) => !l.startsWith('curl') && !l.startsWith('sleep'))).toEqual([
      `fetch ${CP_DIR}/kubeadm-join.yaml`,
      ...CONTROL_PLANE_PKI_FILES.map((f) => `fetch ${CP_DIR}/${f}`),
      `fetch ${CP_DIR}/kubeadm-init.yaml`,
      `fetch ${CP_DIR}/bootstrap.env`,
      `kubeadm init --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-init.yaml`,
      'addons.sh',
      'systemctl daemon-reload',
      'systemctl enable --now kops-ts-etcd-leave.service',
    ]);
    // It asked three times (30 s) before deciding that no cluster exists.
    expect(r.log.filter((l) => l === 'curl')).toHaveLength(3);
    expect(readFileSync(join(sb.root, 'etc/kubernetes/pki/ca.key'), 'utf8')).toBe('material of pki/ca.key\n');
    expect(statSync(join(sb.root, 'etc/kubernetes/pki/ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(sb.root, 'etc/kubernetes/pki/etcd/ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(sb.root, 'etc/kubernetes/pki/ca.crt')).mode & 0o777).toBe(0o644);
    expect(statSync(join(sb.root, 'etc/kubernetes/pki/sa.pub')).mode & 0o777).toBe(0o644);
  });

  it('the first control-plane group joins when an API server already answers (a replacement)', async () => {
    const sb = sandbox();
    putControlPlane(sb);
    const r = await run(sb, scriptIn(sb, cp(true), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r).toMatchObject({ code: 0 });
    expect(r.log.filter((l) => l.startsWith('kubeadm'))).toEqual([`kubeadm join --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-join.yaml`]);
    expect(r.log).not.toContain(`fetch ${CP_DIR}/kubeadm-init.yaml`);
    // Only the control plane that initialised the cluster applies the addons.
    expect(r.log).not.toContain('addons.sh');
  });

  it('another control plane never inits: without an API it gives up after 15 minutes, naming the endpoint', async () => {
    const sb = sandbox();
    putControlPlane(sb);
    const r = await run(sb, scriptIn(sb, cp(false), '/opt/kops-ts/bootstrap.sh'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('kops-ts: no API server answered at api.internal.c1.example.com:443 for 15 minutes\n');
    expect(r.log.filter((l) => l === 'curl')).toHaveLength(90);
    expect(r.log.filter((l) => l.startsWith('kubeadm'))).toEqual([]);
  });

  it('a control plane refuses a join configuration without controlPlane', async () => {
    const sb = sandbox();
    putControlPlane(sb, JOIN_NODE);
    const r = await run(sb, scriptIn(sb, cp(false), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the join configuration of a control-plane group has no controlPlane section');
  });

  it('a missing object stops the bootstrap, naming it', async () => {
    const sb = sandbox();
    const r = await run(sb, scriptIn(sb, worker, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kops-ts: cannot read s3://state-bucket/${NODE_DIR}/kubeadm-join.yaml\n`);
  });

  it('runs once: a second run after success does nothing', async () => {
    const sb = sandbox();
    put(sb, `${NODE_DIR}/kubeadm-join.yaml`, JOIN_NODE);
    const file = scriptIn(sb, worker, '/opt/kops-ts/bootstrap.sh');
    expect((await run(sb, file, { API_UP: '1' })).code).toBe(0);
    writeFileSync(sb.log, '');
    const again = await run(sb, file, { API_UP: '1' });
    expect(again).toMatchObject({ code: 0, log: [] });
  });

  it('without an S3 state store it stops at once and says why', async () => {
    const sb = sandbox();
    const { stateStore: _s, ...noStore } = worker;
    const r = await run(sb, scriptIn(sb, noStore, '/opt/kops-ts/bootstrap.sh'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the state store is not an S3 bucket');
    expect(r.log).toEqual([]);
  });
});

describe('etcd-leave.sh', () => {
  function leave(sb: Sandbox): string {
    mkdirSync(join(sb.root, 'etc/kubernetes/manifests'), { recursive: true });
    writeFileSync(join(sb.root, 'etc/kubernetes/manifests/etcd.yaml'), 'kind: Pod\n');
    return scriptIn(sb, cp(true), '/opt/kops-ts/etcd-leave.sh');
  }

  it('at power-off removes the member (kubeadm reset)', async () => {
    const sb = sandbox();
    const r = await run(sb, leave(sb), { JOBS: '1 poweroff.target start waiting\n2 kubelet.service stop running' });
    expect(r).toMatchObject({ code: 0, log: ['kubeadm reset --force'] });
  });

  it('at reboot, or when only the unit is stopped, stays a member', async () => {
    for (const jobs of ['1 reboot.target start waiting', '1 kexec.target start waiting', '']) {
      const sb = sandbox();
      const r = await run(sb, leave(sb), { JOBS: jobs });
      expect(r, jobs).toMatchObject({ code: 0, log: [] });
    }
  });
});
