/**
 * The rendered bootstrap and etcd-leave scripts, run with the real bash: their absolute paths are
 * moved into a temporary root (a directory stands for /var/lib/etcd, a file for the etcd volume's
 * device), and the commands that act on the machine or the network (python3 for the S3 reader, the
 * etcd-volume attacher and the etcd member cleanup; kubeadm, curl, systemctl, sleep, blkid,
 * mkfs.ext4, mount, crictl) are stubs on PATH that record their arguments. What is checked is the
 * decision logic: what each role fetches, init or join, the refusals, file modes, the done marker;
 * the etcd volume formatted only when blank, mounted by UUID; restore (one member) or wipe and join
 * (several); the etcd member cleanup right before every control-plane join and never otherwise; at
 * power-off leave etcd unless the only member, at reboot stay.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTROL_PLANE_PKI_FILES, nodeWriteFiles, type NodeBootstrapInput } from '../../src/bootstrap/user-data.js';
import { CLUSTER_CONFIG_LABEL, kubeadmUploadScript } from '../../src/bootstrap/kubeadm-upload.js';

const base = mkdtempSync(join(tmpdir(), 'kops-ts-bootstrap-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const JOIN_NODE = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    apiServerEndpoint: api.internal.c1.example.com:443\n';
const JOIN_CP = `${JOIN_NODE}controlPlane:\n  localAPIEndpoint:\n    bindPort: 443\n`;

const STUBS: Record<string, string> = {
  // The etcd-volume attacher prints "<volume> <all members>"; the S3 reader copies from the fake
  // store and fails for a missing object.
  python3: [
    'if [[ "$1" == */etcd-prune.py ]]; then echo "prune ${*:2}" >>"$LOG"; [ -z "${PRUNE_FAILS:-}" ] || exit 1; exit 0; fi',
    'if [[ "$1" == */etcdvol.py ]]; then echo "attach $2 $3 $5" >>"$LOG"; [ -z "${ATTACH_FAILS:-}" ] || exit 1;',
    '  echo "vol-0123456789abcdef0 ${ALL_MEMBERS:-a}"; exit 0; fi',
    'echo "fetch $3" >>"$LOG"; [ -f "$STORE/$3" ] || exit 1; cp "$STORE/$3" "$4"; chmod 600 "$4"',
  ].join('\n'),
  // The device file's ".fs" companions stand for its filesystem (type, UUID, label): none means
  // blank (blkid exit 2).
  blkid: [
    'dev="${*: -1}"; [ -f "$dev.fs" ] || exit 2',
    'case "${*: -2:1}" in UUID) cat "$dev.fs.uuid" 2>/dev/null ;; LABEL) cat "$dev.fs.label" 2>/dev/null ;; *) cat "$dev.fs" ;; esac',
  ].join('\n'),
  'mkfs.ext4': 'echo "mkfs.ext4 $*" >>"$LOG"; dev="${*: -1}"; echo ext4 >"$dev.fs"; echo 0f1e2d3c-aaaa-bbbb-cccc-000000000001 >"$dev.fs.uuid"; echo "$3" >"$dev.fs.label"',
  e2label: 'echo "e2label $*" >>"$LOG"; echo "$2" >"$1.fs.label"',
  mountpoint: 'exit 1',
  mount: 'echo "mount $*" >>"$LOG"',
  crictl: [
    'echo "crictl ${*:3}" >>"$LOG"',
    'if [ "$3" = ps ]; then [ -n "${ETCD_DOWN:-}" ] || echo c0ffee; exit 0; fi',
    'if [ "${*: -3:2}" = "list -w" ]; then echo "8e9e05c52164694d, started, ip-10-0-0-1, https://10.0.0.1:2380, https://10.0.0.1:2379, false"; fi',
  ].join('\n'),
  // `kubeconfig user` prints a kubeconfig (with a client key); a phase given --kubeconfig logs that
  // file's mode and content, so a test sees it existed while kubeadm ran; KUBEADM_FAIL_ON fails the
  // calls whose arguments start with it.
  kubeadm: [
    'echo "kubeadm $*" >>"$LOG"',
    'if [ -n "${KUBEADM_FAIL_ON:-}" ] && [[ "$*" == "$KUBEADM_FAIL_ON"* ]]; then echo "kubeadm: $KUBEADM_FAIL_ON failed"; exit 1; fi',
    'if [ "$1" = kubeconfig ]; then echo "client-key-data: c2VjcmV0"; echo "kubeadm: a warning" >&2; exit 0; fi',
    'prev=; for a in "$@"; do if [ "$prev" = --kubeconfig ]; then echo "kubeconfig $(stat -c %a "$a") $(cat "$a")" >>"$LOG"; fi; prev=$a; done',
    'echo "kubeadm join api:443 --token abcdef.0123456789abcdef"; [ -z "${KUBEADM_FAILS:-}" ]',
  ].join('\n'),
  // KUBECTL_FAILS: how many calls fail (a counter file), as while a restored endpoint does not answer yet.
  kubectl: [
    'echo "kubectl $*" >>"$LOG"',
    'n=$(cat "$LOG.kubectl" 2>/dev/null || echo 0); echo $((n + 1)) >"$LOG.kubectl"',
    '[ "$n" -ge "${KUBECTL_FAILS:-0}" ] || { echo "kubectl: connection refused" >&2; exit 1; }',
  ].join('\n'),
  hostname: 'echo ip-10-0-0-9',
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
  return sb;
}

/** The script of `input` at `path`, with every absolute machine path moved under the sandbox. */
function scriptIn(sb: Sandbox, input: NodeBootstrapInput, path: string): string {
  const f = nodeWriteFiles(input).find((w) => w.path === path);
  if (!f) throw new Error(`no ${path}`);
  const text = f.content.replace(/(\/etc\/kops-ts|\/run\/kops-ts|\/var\/lib\/kops-ts|\/var\/lib\/etcd|\/etc\/fstab|\/dev\/disk|\/dev\/xvd|\/etc\/kubernetes)/g, `${sb.root}$1`);
  const file = join(sb.root, path.split('/').pop()!);
  writeFileSync(file, text);
  chmodSync(file, 0o700);
  return file;
}

function put(sb: Sandbox, key: string, content: string): void {
  mkdirSync(join(sb.store, key, '..'), { recursive: true });
  writeFileSync(join(sb.store, key), content);
}

const KUBELET_PATCH = 'maxPods: null\n---\nmaxPods: 42\n';

/** A group's join configuration, and the kubelet patch fetched right after it. */
function putJoin(sb: Sandbox, dir: string, content: string): void {
  put(sb, `${dir}/kubeadm-join.yaml`, content);
  put(sb, `${dir}/kubelet-patch.yaml`, KUBELET_PATCH);
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
/** The digest of the control-plane group's cluster configuration its user data names (kubeadm.ts `clusterConfigHash`). */
const CLUSTER_CONFIG = '0123456789abcdef';
/**
 * The addons script has its own test (addons-apply.test.ts): here, a stand-in in the store that
 * says it ran and with which store variables, and its sha256, which the user data names.
 */
const ADDONS_SH = '#!/bin/bash\necho addons.sh >>"$LOG"\necho "$STATE_BUCKET $CLUSTER_DIR $REGION" >"$LOG.addons-env"\n';
const ADDONS_SHA256 = createHash('sha256').update(ADDONS_SH).digest('hex');
const cp = (initCandidate: boolean): NodeBootstrapInput => ({ ...worker, instanceGroup: 'control-plane-a', role: 'control-plane', initCandidate, clusterConfigHash: CLUSTER_CONFIG, addonsSha256: ADDONS_SHA256 });
const NODE_DIR = 'kops/c1.example.com/igconfig/node/nodes-a';
const CP_DIR = 'kops/c1.example.com/igconfig/control-plane/control-plane-a';

const VOLUME = 'vol-0123456789abcdef0';
/** The NVMe device of the attached volume (a Nitro instance), under the sandbox. */
const nvme = (sb: Sandbox) => join(sb.root, 'dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0');

/** kubeadm-init.yaml as the store holds it: its first line names its cluster configuration's digest. */
const INIT_YAML = `${CLUSTER_CONFIG_LABEL}${CLUSTER_CONFIG}\nkind: ClusterConfiguration\n---\nkind: InitConfiguration\n`;

function identityOf(input: NodeBootstrapInput): string {
  return nodeWriteFiles(input).find((w) => w.path === '/etc/kops-ts/instance-group')!.content;
}

/** `fs`: formatted at an earlier boot; `used`: an etcd member was established on it (its label); `etcdData`: it holds member/. */
function putControlPlane(sb: Sandbox, joinConfig: string = JOIN_CP, opts: { fs?: boolean; used?: boolean; etcdData?: boolean; noBackup?: boolean } = {}): void {
  putJoin(sb, CP_DIR, joinConfig);
  put(sb, `${CP_DIR}/kubeadm-init.yaml`, INIT_YAML);
  put(sb, `${CP_DIR}/kubeadm-upload.sh`, kubeadmUploadScript(true));
  put(sb, `${CP_DIR}/addons.sh`, ADDONS_SH);
  // What cloud-init writes from the user data before bootstrap.sh runs: the identity, with the digest.
  mkdirSync(join(sb.root, 'etc/kops-ts'), { recursive: true });
  writeFileSync(join(sb.root, 'etc/kops-ts/instance-group'), identityOf(cp(false)));
  put(sb, `${CP_DIR}/bootstrap.env`, "CNI_ADDON='addons/cilium/1.17.4/addon.yaml'\nETCD_MEMBERS='a'\n");
  for (const f of CONTROL_PLANE_PKI_FILES) put(sb, `${CP_DIR}/${f}`, `material of ${f}\n`);
  put(sb, `${CP_DIR}/etcd-prune.py`, '# the cleanup, read from the store\n');
  if (!opts.noBackup) {
    put(sb, `${CP_DIR}/etcd-backup.py`, '# the etcd backup, read from the store\n');
    put(sb, `${CP_DIR}/etcd-backup-store.py`, '# the cloud\'s store helper, read from the store\n');
  }
  mkdirSync(join(nvme(sb), '..'), { recursive: true });
  writeFileSync(nvme(sb), '');
  mkdirSync(join(sb.root, 'etc'), { recursive: true });
  writeFileSync(join(sb.root, 'etc/fstab'), 'LABEL=cloudimg-rootfs / ext4 defaults 0 1\n');
  if (opts.fs || opts.used || opts.etcdData) {
    writeFileSync(`${nvme(sb)}.fs`, 'ext4\n');
    writeFileSync(`${nvme(sb)}.fs.uuid`, '11111111-2222-3333-4444-555555555555\n');
    writeFileSync(`${nvme(sb)}.fs.label`, opts.used || opts.etcdData ? 'kops-etcd-used\n' : 'kops-etcd\n');
  }
  // The mount stub mounts nothing: a directory stands for what the volume holds.
  if (opts.etcdData) mkdirSync(join(sb.root, 'var/lib/etcd/member/snap'), { recursive: true });
  mkdirSync(join(sb.root, 'etc/kubernetes/manifests'), { recursive: true });
  writeFileSync(join(sb.root, 'etc/kubernetes/manifests/etcd.yaml'), 'spec:\n  containers:\n  - command:\n    - etcd\n    - --initial-advertise-peer-urls=https://10.0.0.9:2380\n');
}

/** What the control plane logs for its etcd volume before kubeadm: attach, format when blank, mount. */
function volumeSteps(sb: Sandbox, format: boolean): string[] {
  return [
    `fetch ${CP_DIR}/bootstrap.env`,
    `attach c1.example.com a ${sb.root}/dev/xvdu`,
    ...(format ? [`mkfs.ext4 -q -L kops-etcd ${nvme(sb)}`] : []),
    `mount ${sb.root}/var/lib/etcd`,
  ];
}
const KEEP = '--ignore-preflight-errors=DirAvailable--var-lib-etcd';

/** The log with the upload's temporary kubeconfig (mktemp's random name) named fixed. */
const fixed = (log: string[]) => log.map((l) => l.replace(/kubeadm-upload\.[A-Za-z0-9]{6}/g, 'kubeadm-upload.XXXXXX'));
/** kubeadm's init or join: what the control plane became, leaving out the upload before a join. */
const decisive = (log: string[]) => log.filter((l) => /^kubeadm (init --config|join )/.test(l));
/** What kubeadm-upload.sh runs before a control plane's join (`fixed` names), each phase with the kubeconfig in place (0600). */
function uploadSteps(sb: Sandbox, kubeProxy = true): string[] {
  const config = `${sb.root}/etc/kops-ts/igconfig/kubeadm-init.yaml`;
  const phases = ['upload-config kubeadm', ...(kubeProxy ? ['addon kube-proxy'] : []), 'addon coredns'];
  return [
    `kubeadm kubeconfig user --config ${config} --client-name kops-ts:bootstrap:ip-10-0-0-9 --org kubeadm:cluster-admins --validity-period 1h`,
    ...phases.flatMap((p) => [`kubeadm init phase ${p} --config ${config} --kubeconfig ${sb.root}/run/kops-ts/kubeadm-upload.XXXXXX`, 'kubeconfig 600 client-key-data: c2VjcmV0']),
  ];
}

describe('bootstrap.sh', () => {
  it('a worker fetches only its join configuration, waits for the API and joins', async () => {
    const sb = sandbox();
    putJoin(sb, NODE_DIR, JOIN_NODE);
    const r = await run(sb, scriptIn(sb, worker, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r).toMatchObject({ code: 0 });
    expect(r.log).toEqual([`fetch ${NODE_DIR}/kubeadm-join.yaml`, `fetch ${NODE_DIR}/kubelet-patch.yaml`, 'curl', `kubeadm join --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-join.yaml`]);
    // Where the JoinConfiguration's patches.directory points, under kubeadm's file name for a merge patch.
    expect(readFileSync(join(sb.root, 'etc/kops-ts/igconfig/patches/kubeletconfiguration+merge.yaml'), 'utf8')).toBe(KUBELET_PATCH);
    expect(existsSync(join(sb.root, 'var/lib/kops-ts/bootstrapped'))).toBe(true);
    expect(existsSync(join(sb.root, 'etc/kubernetes'))).toBe(false);
    expect(r.log).not.toContain('addons.sh');
  });

  it('kubeadm\'s output (it names the bootstrap token) goes to a root-only file, not to cloud-init\'s log', async () => {
    const sb = sandbox();
    putJoin(sb, NODE_DIR, JOIN_NODE);
    const ok = await run(sb, scriptIn(sb, worker, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(ok.stdout + ok.stderr).not.toContain('abcdef.0123456789abcdef');
    const log = join(sb.root, 'var/lib/kops-ts/kubeadm.log');
    expect(readFileSync(log, 'utf8')).toContain('--token abcdef.0123456789abcdef');
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(statSync(join(sb.root, 'var/lib/kops-ts')).mode & 0o777).toBe(0o700);

    const failing = sandbox();
    putJoin(failing, NODE_DIR, JOIN_NODE);
    const r = await run(failing, scriptIn(failing, worker, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1', KUBEADM_FAILS: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kops-ts: kubeadm join failed; its output is in ${failing.root}/var/lib/kops-ts/kubeadm.log (root only: it may name a bootstrap token)\n`);
    expect(existsSync(join(failing.root, 'var/lib/kops-ts/bootstrapped'))).toBe(false);
  });

  it('a worker refuses a join configuration that would make it a control plane', async () => {
    const sb = sandbox();
    putJoin(sb, NODE_DIR, JOIN_CP);
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
      `fetch ${CP_DIR}/kubelet-patch.yaml`,
      ...CONTROL_PLANE_PKI_FILES.map((f) => `fetch ${CP_DIR}/${f}`),
      ...volumeSteps(sb, true),
      `fetch ${CP_DIR}/kubeadm-init.yaml`,
      `kubeadm init --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-init.yaml ${KEEP}`,
      `e2label ${nvme(sb)} kops-etcd-used`,
      'systemctl daemon-reload',
      'systemctl enable --now kops-ts-etcd-leave.service',
      `fetch ${CP_DIR}/etcd-backup.py`,
      `fetch ${CP_DIR}/etcd-backup-store.py`,
      'systemctl enable --now kops-ts-etcd-backup.timer',
      // The addons, from the store, once the member is established and its leave unit enabled.
      `fetch ${CP_DIR}/addons.sh`,
      'addons.sh',
    ]);
    // With the store's bucket, the cluster's directory and the cloud's store variables.
    expect(readFileSync(`${sb.log}.addons-env`, 'utf8')).toBe('state-bucket kops/c1.example.com us-east-1\n');
    expect(readFileSync(join(sb.root, 'etc/kops-ts/igconfig/etcd-backup.py'), 'utf8')).toBe('# the etcd backup, read from the store\n');
    expect(statSync(join(sb.root, 'etc/kops-ts/igconfig/etcd-backup-store.py')).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${nvme(sb)}.fs.label`, 'utf8')).toBe('kops-etcd-used\n');
    // It asked three times (30 s) before deciding that no cluster exists.
    expect(r.log.filter((l) => l === 'curl')).toHaveLength(3);
    expect(readFileSync(join(sb.root, 'etc/kubernetes/pki/ca.key'), 'utf8')).toBe('material of pki/ca.key\n');
    expect(statSync(join(sb.root, 'etc/kubernetes/pki/ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(sb.root, 'etc/kubernetes/pki/etcd/ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(sb.root, 'etc/kubernetes/pki/ca.crt')).mode & 0o777).toBe(0o644);
    expect(statSync(join(sb.root, 'etc/kubernetes/pki/sa.pub')).mode & 0o777).toBe(0o644);
  });

  it('an etcd backup program that cannot be read stops neither the init nor a join: one stderr line, no timer, bootstrapped', async () => {
    for (const [what, input, env] of [['init', cp(true), {}], ['join', cp(false), { API_UP: '1' }]] as const) {
      const sb = sandbox();
      putControlPlane(sb, JOIN_CP, { noBackup: true });
      const r = await run(sb, scriptIn(sb, input, '/opt/kops-ts/bootstrap.sh'), env);
      expect(r.code, what).toBe(0);
      expect(r.stderr, what).toBe('kops-ts: cannot read s3://state-bucket/kops/c1.example.com/igconfig/control-plane/control-plane-a/etcd-backup.py\nkops-ts: cannot read the etcd backup program; this control plane takes no etcd backups\n');
      expect(decisive(r.log).length, what).toBe(1);
      expect(r.log.filter((l) => l.includes('etcd-backup.timer')), what).toEqual([]);
      expect(existsSync(join(sb.root, 'var/lib/kops-ts/bootstrapped')), what).toBe(true);
    }
  });

  it('the first control-plane group joins when an API server already answers (a replacement)', async () => {
    const sb = sandbox();
    putControlPlane(sb);
    const r = await run(sb, scriptIn(sb, cp(true), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r).toMatchObject({ code: 0 });
    expect(decisive(r.log)).toEqual([`kubeadm join --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-join.yaml ${KEEP}`]);
    // kubeadm-init.yaml is read for its cluster configuration, which is uploaded before the join; never inited with.
    expect(fixed(r.log.filter((l) => /^(kubeadm|kubeconfig)/.test(l)))).toEqual([...uploadSteps(sb), `kubeadm join --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-join.yaml ${KEEP}`]);
    // A joining control plane applies the addons too, after its join (its API server is up then).
    expect(r.log.slice(r.log.indexOf(decisive(r.log)[0]!)).filter((l) => l.includes('addons.sh'))).toEqual([`fetch ${CP_DIR}/addons.sh`, 'addons.sh']);
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
    // Without its kubelet settings a node does not join: kubeadm would run on the ConfigMap's alone.
    put(sb, `${NODE_DIR}/kubeadm-join.yaml`, JOIN_NODE);
    const noPatch = await run(sb, scriptIn(sb, worker, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(noPatch.code).toBe(1);
    expect(noPatch.stderr).toBe(`kops-ts: cannot read s3://state-bucket/${NODE_DIR}/kubelet-patch.yaml\n`);
    expect(noPatch.log.filter((l) => l.startsWith('kubeadm'))).toEqual([]);
  });

  it('runs once: a second run after success does nothing', async () => {
    const sb = sandbox();
    putJoin(sb, NODE_DIR, JOIN_NODE);
    const file = scriptIn(sb, worker, '/opt/kops-ts/bootstrap.sh');
    expect((await run(sb, file, { API_UP: '1' })).code).toBe(0);
    writeFileSync(sb.log, '');
    const again = await run(sb, file, { API_UP: '1' });
    expect(again).toMatchObject({ code: 0, log: [] });
  });

  it('cannot attach its etcd volume: stops before kubeadm, saying so', async () => {
    const sb = sandbox();
    putControlPlane(sb);
    const r = await run(sb, scriptIn(sb, cp(true), '/opt/kops-ts/bootstrap.sh'), { ATTACH_FAILS: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('kops-ts: cannot attach this control plane\'s etcd volume (members a)\n');
    expect(r.log.filter((l) => l.startsWith('kubeadm') || l.startsWith('mkfs') || l.startsWith('mount'))).toEqual([]);
  });

  it('no block device appears for the attached volume: stops after 2 minutes, naming both device names', async () => {
    const sb = sandbox();
    putControlPlane(sb);
    rmSync(nvme(sb));
    const r = await run(sb, scriptIn(sb, cp(true), '/opt/kops-ts/bootstrap.sh'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kops-ts: the etcd volume ${VOLUME} is attached but no block device appeared (${nvme(sb)} or ${sb.root}/dev/xvdu)\n`);
    expect(r.log.filter((l) => l === 'sleep 2')).toHaveLength(60);
    expect(r.log.filter((l) => l.startsWith('kubeadm') || l.startsWith('mkfs'))).toEqual([]);
  });

  it('the etcd volume: a blank one is formatted; one with a filesystem never is; both mounted by UUID, nofail', async () => {
    const blank = sandbox();
    putControlPlane(blank);
    expect((await run(blank, scriptIn(blank, cp(true), '/opt/kops-ts/bootstrap.sh'))).code).toBe(0);
    expect(readFileSync(join(blank.root, 'etc/fstab'), 'utf8')).toBe(
      `LABEL=cloudimg-rootfs / ext4 defaults 0 1\nUUID=0f1e2d3c-aaaa-bbbb-cccc-000000000001 ${blank.root}/var/lib/etcd ext4 defaults,nofail 0 2\n`,
    );
    expect(statSync(join(blank.root, 'var/lib/etcd')).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(blank.root, 'etc/kops-ts/etcd-members'), 'utf8')).toBe('a\n');

    const formatted = sandbox();
    putControlPlane(formatted, JOIN_CP, { fs: true });
    // An earlier line for the mount point (a previous boot) is replaced, not repeated.
    writeFileSync(join(formatted.root, 'etc/fstab'), `LABEL=cloudimg-rootfs / ext4 defaults 0 1\nUUID=old ${formatted.root}/var/lib/etcd ext4 defaults,nofail 0 2\n`);
    const r = await run(formatted, scriptIn(formatted, cp(true), '/opt/kops-ts/bootstrap.sh'));
    expect(r.code).toBe(0);
    expect(r.log.filter((l) => l.startsWith('mkfs'))).toEqual([]);
    expect(r.log).toContain(`mount ${formatted.root}/var/lib/etcd`);
    expect(readFileSync(join(formatted.root, 'etc/fstab'), 'utf8')).toBe(
      `LABEL=cloudimg-rootfs / ext4 defaults 0 1\nUUID=11111111-2222-3333-4444-555555555555 ${formatted.root}/var/lib/etcd ext4 defaults,nofail 0 2\n`,
    );
  });

  it('a volume holding something blkid knows but no filesystem (a partition table) is refused, not formatted', async () => {
    const sb = sandbox();
    putControlPlane(sb);
    writeFileSync(`${nvme(sb)}.fs`, '');
    const r = await run(sb, scriptIn(sb, cp(true), '/opt/kops-ts/bootstrap.sh'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kops-ts: the etcd volume ${VOLUME} (${nvme(sb)}) holds something other than a filesystem; refusing to format it\n`);
    expect(r.log.filter((l) => l.startsWith('mkfs') || l.startsWith('mount') || l.startsWith('kubeadm'))).toEqual([]);
  });

  it('one etcd member whose data is on the volume: kubeadm init keeps it, the member\'s peer URL follows the new address', async () => {
    for (const apiUp of ['0', '1']) {
      const sb = sandbox();
      putControlPlane(sb, JOIN_CP, { etcdData: true });
      const r = await run(sb, scriptIn(sb, cp(true), '/opt/kops-ts/bootstrap.sh'), { API_UP: apiUp });
      expect(r, `API_UP=${apiUp}`).toMatchObject({ code: 0 });
      expect(r.stdout).toContain(`kops-ts: the etcd volume ${VOLUME} holds the cluster's data; restoring it with kubeadm init`);
      expect(r.log.filter((l) => /^(kubeadm|crictl|mkfs|addons)/.test(l))).toEqual([
        `kubeadm init --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-init.yaml ${KEEP}`,
        'crictl ps -q --name ^etcd$',
        `crictl exec c0ffee etcdctl --endpoints=https://127.0.0.1:2379 --cacert=${sb.root}/etc/kubernetes/pki/etcd/ca.crt --cert=${sb.root}/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=${sb.root}/etc/kubernetes/pki/etcd/healthcheck-client.key member list -w simple`,
        `crictl exec c0ffee etcdctl --endpoints=https://127.0.0.1:2379 --cacert=${sb.root}/etc/kubernetes/pki/etcd/ca.crt --cert=${sb.root}/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=${sb.root}/etc/kubernetes/pki/etcd/healthcheck-client.key member update 8e9e05c52164694d --peer-urls=https://10.0.0.9:2380`,
        'addons.sh',
      ]);
      expect(existsSync(join(sb.root, 'var/lib/etcd/member/snap'))).toBe(true);
    }
  });

  it('a restore whose peer URL cannot be updated still completes, with a warning saying what to do', async () => {
    const sb = sandbox();
    putControlPlane(sb, JOIN_CP, { etcdData: true });
    const r = await run(sb, scriptIn(sb, cp(true), '/opt/kops-ts/bootstrap.sh'), { ETCD_DOWN: '1' });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('kops-ts: warning: the restored etcd member still advertises the replaced instance\'s peer URL (no running etcd container); set it with etcdctl member update before another control plane joins\n');
    expect(r.log).toContain('addons.sh');
    expect(existsSync(join(sb.root, 'var/lib/kops-ts/bootstrapped'))).toBe(true);
  });

  it('one etcd member\'s data in a group that does not init is refused, and kept', async () => {
    const sb = sandbox();
    putControlPlane(sb, JOIN_CP, { etcdData: true });
    const r = await run(sb, scriptIn(sb, cp(false), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('holds the data of the cluster\'s only member, but this group is not the one that inits; refusing to join over it');
    expect(r.log.filter((l) => l.startsWith('kubeadm'))).toEqual([]);
    expect(existsSync(join(sb.root, 'var/lib/etcd/member/snap'))).toBe(true);
  });

  it('several members, data on the volume: the init candidate never inits; without an API the data is kept', async () => {
    const sb = sandbox();
    putControlPlane(sb, JOIN_CP, { etcdData: true });
    const r = await run(sb, scriptIn(sb, cp(true), '/opt/kops-ts/bootstrap.sh'), { ALL_MEMBERS: 'a,b,c' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kops-ts: no API server answered at api.internal.c1.example.com:443 for 15 minutes; the etcd volume ${VOLUME} keeps its data\n`);
    expect(r.log.filter((l) => l.startsWith('kubeadm'))).toEqual([]);
    expect(r.log).not.toContain(`fetch ${CP_DIR}/kubeadm-init.yaml`);
    expect(existsSync(join(sb.root, 'var/lib/etcd/member/snap'))).toBe(true);
    expect(readFileSync(join(sb.root, 'etc/kops-ts/etcd-members'), 'utf8')).toBe('a,b,c\n');
  });

  it('several members, a removed member\'s data on the volume: once the API answers it is wiped, then kubeadm join', async () => {
    for (const init of [true, false]) {
      const sb = sandbox();
      putControlPlane(sb, JOIN_CP, { etcdData: true });
      mkdirSync(join(sb.root, 'var/lib/etcd/lost+found'));
      const r = await run(sb, scriptIn(sb, cp(init), '/opt/kops-ts/bootstrap.sh'), { ALL_MEMBERS: 'a,b,c', API_UP: '1' });
      expect(r, `init candidate ${init}`).toMatchObject({ code: 0 });
      expect(r.stdout).toContain(`kops-ts: the etcd volume ${VOLUME} holds a former member's data; wiping it to join as a new member`);
      expect(decisive(r.log)).toEqual([`kubeadm join --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-join.yaml ${KEEP}`]);
      expect(existsSync(join(sb.root, 'var/lib/etcd/member'))).toBe(false);
      expect(existsSync(join(sb.root, 'var/lib/etcd/lost+found'))).toBe(true);
      expect(r.log).toContain('addons.sh');
    }
  });

  it('several members, a volume a member was established on, now empty (a clean leave): the init candidate never inits, it joins', async () => {
    const down = sandbox();
    putControlPlane(down, JOIN_CP, { used: true });
    const r = await run(down, scriptIn(down, cp(true), '/opt/kops-ts/bootstrap.sh'), { ALL_MEMBERS: 'a,b,c' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kops-ts: no API server answered at api.internal.c1.example.com:443 for 15 minutes; an etcd member was established on the volume ${VOLUME} before, so this control plane does not start a new cluster\n`);
    expect(r.log.filter((l) => l.startsWith('kubeadm'))).toEqual([]);
    expect(r.log.filter((l) => l === 'curl')).toHaveLength(90);

    const up = sandbox();
    putControlPlane(up, JOIN_CP, { used: true });
    const joined = await run(up, scriptIn(up, cp(true), '/opt/kops-ts/bootstrap.sh'), { ALL_MEMBERS: 'a,b,c', API_UP: '1' });
    expect(joined).toMatchObject({ code: 0 });
    expect(decisive(joined.log)).toEqual([`kubeadm join --config ${up.root}/etc/kops-ts/igconfig/kubeadm-join.yaml ${KEEP}`]);
  });

  it('several members, a volume no member was established on (blank, or formatted by a first boot that failed): the init candidate inits when no API answers', async () => {
    for (const fs of [false, true]) {
      const sb = sandbox();
      putControlPlane(sb, JOIN_CP, { fs });
      const r = await run(sb, scriptIn(sb, cp(true), '/opt/kops-ts/bootstrap.sh'), { ALL_MEMBERS: 'a,b,c' });
      expect(r, `formatted before: ${fs}`).toMatchObject({ code: 0 });
      expect(r.log.filter((l) => l.startsWith('kubeadm'))).toEqual([`kubeadm init --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-init.yaml ${KEEP}`]);
      expect(readFileSync(`${nvme(sb)}.fs.label`, 'utf8')).toBe('kops-etcd-used\n');
    }
  });

  it('a volume with a filesystem kops-ts did not make counts as used: in an HA cluster the init candidate does not init on it', async () => {
    const sb = sandbox();
    putControlPlane(sb, JOIN_CP, { fs: true });
    writeFileSync(`${nvme(sb)}.fs`, 'xfs\n');
    const r = await run(sb, scriptIn(sb, cp(true), '/opt/kops-ts/bootstrap.sh'), { ALL_MEMBERS: 'a,b,c', API_UP: '1' });
    expect(r).toMatchObject({ code: 0 });
    expect(r.log.filter((l) => /^(kubeadm (init --config|join )|e2label|mkfs)/.test(l))).toEqual([`kubeadm join --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-join.yaml ${KEEP}`]);
    expect(readFileSync(join(sb.root, 'etc/fstab'), 'utf8')).toContain(`${sb.root}/var/lib/etcd xfs defaults,nofail 0 2`);
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

describe('the etcd member cleanup (etcd-prune.py) in bootstrap.sh', () => {
  const PRUNE = 'prune python3 /opt/kops-ts/control-planes.py c1.example.com us-east-1';
  const joinLine = (sb: Sandbox) => `kubeadm join --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-join.yaml ${KEEP}`;
  const steps = (log: string[]) => fixed(log).filter((l) => /^(kubeadm|prune|kubeconfig)/.test(l));

  it('runs before each of the three control-plane joins (and the upload before it), with AWS\'s lister of the cluster\'s control planes', async () => {
    const cases: [string, NodeBootstrapInput, { used?: boolean; etcdData?: boolean }, string][] = [
      ['a joining group', cp(false), {}, 'a'],
      ['a removed member\'s data wiped', cp(false), { etcdData: true }, 'a,b,c'],
      ['the init group on a used volume', cp(true), { used: true }, 'a,b,c'],
    ];
    for (const [what, input, opts, members] of cases) {
      const sb = sandbox();
      putControlPlane(sb, JOIN_CP, opts);
      const r = await run(sb, scriptIn(sb, input, '/opt/kops-ts/bootstrap.sh'), { ALL_MEMBERS: members, API_UP: '1' });
      expect(r.code, what).toBe(0);
      expect(steps(r.log), what).toEqual([PRUNE, ...uploadSteps(sb), joinLine(sb)]);
      // Read from the group's igconfig in the store right before it runs.
      expect(r.log.slice(r.log.indexOf(PRUNE) - 1, r.log.indexOf(PRUNE)), what).toEqual([`fetch ${CP_DIR}/etcd-prune.py`]);
    }
  });

  it('never before kubeadm init (a new cluster, a restore), never on a worker', async () => {
    const first = sandbox();
    putControlPlane(first);
    const init = await run(first, scriptIn(first, cp(true), '/opt/kops-ts/bootstrap.sh'));
    expect(init.code).toBe(0);
    expect(steps(init.log)).toEqual([`kubeadm init --config ${first.root}/etc/kops-ts/igconfig/kubeadm-init.yaml ${KEEP}`]);

    const restore = sandbox();
    putControlPlane(restore, JOIN_CP, { etcdData: true });
    const restored = await run(restore, scriptIn(restore, cp(true), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(restored.code).toBe(0);
    expect(steps(restored.log)).toEqual([`kubeadm init --config ${restore.root}/etc/kops-ts/igconfig/kubeadm-init.yaml ${KEEP}`]);

    const sb = sandbox();
    putJoin(sb, NODE_DIR, JOIN_NODE);
    const w = await run(sb, scriptIn(sb, worker, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(w.code).toBe(0);
    expect(steps(w.log)).toEqual([`kubeadm join --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-join.yaml`]);
    expect(w.log.filter((l) => l.includes('etcd-prune'))).toEqual([]);
    // The cleanup comes from the group's igconfig, not the user data (AWS's 16 KB); the lister rides in it.
    expect(nodeWriteFiles(cp(false)).map((f) => f.path).filter((p) => p.includes('etcd-prune'))).toEqual([]);
    expect(nodeWriteFiles(cp(false)).map((f) => f.path)).toContain('/opt/kops-ts/control-planes.py');
  });

  it('a cleanup that fails does not stop the join: it says so on stderr and the control plane joins', async () => {
    const sb = sandbox();
    putControlPlane(sb);
    const r = await run(sb, scriptIn(sb, cp(false), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1', PRUNE_FAILS: '1' });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('kops-ts: the etcd member cleanup failed; joining anyway\n');
    expect(steps(r.log)).toEqual([PRUNE, ...uploadSteps(sb), joinLine(sb)]);
    expect(existsSync(join(sb.root, 'var/lib/kops-ts/bootstrapped'))).toBe(true);
  });

  it('a cleanup that cannot be read from the store does not stop the join either', async () => {
    const sb = sandbox();
    putControlPlane(sb);
    rmSync(join(sb.store, CP_DIR, 'etcd-prune.py'));
    const r = await run(sb, scriptIn(sb, cp(false), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('kops-ts: the etcd member cleanup failed; joining anyway\n');
    expect(steps(r.log)).toEqual([...uploadSteps(sb), joinLine(sb)]);
    expect(existsSync(join(sb.root, 'var/lib/kops-ts/bootstrapped'))).toBe(true);
  });
});

describe('the cluster configuration upload before a control plane joins (kubeadm-upload.sh)', () => {
  const joinLine = (sb: Sandbox) => `kubeadm join --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-join.yaml ${KEEP}`;
  const runDir = (sb: Sandbox) => join(sb.root, 'run/kops-ts');
  const kubeadmLog = (sb: Sandbox) => join(sb.root, 'var/lib/kops-ts/kubeadm.log');

  it('fetches kubeadm-init.yaml and the script, checks the digest, uploads with a one-hour admin kubeconfig that is gone afterwards, then joins', async () => {
    const sb = sandbox();
    putControlPlane(sb);
    const r = await run(sb, scriptIn(sb, cp(false), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const log = fixed(r.log);
    const at = log.indexOf(`fetch ${CP_DIR}/kubeadm-init.yaml`);
    expect(log.slice(at, at + 2 + uploadSteps(sb).length + 1)).toEqual([
      `fetch ${CP_DIR}/kubeadm-init.yaml`,
      `fetch ${CP_DIR}/kubeadm-upload.sh`,
      ...uploadSteps(sb),
      joinLine(sb),
    ]);
    // After the etcd member cleanup, which needs no API.
    expect(at).toBeGreaterThan(log.findIndex((l) => l.startsWith('prune ')));
    // The kubeconfig (a client key) existed, 0600, only while kubeadm used it; its key never reached the log.
    expect(readdirSync(runDir(sb))).toEqual([]);
    expect(statSync(runDir(sb)).mode & 0o777).toBe(0o700);
    const kubeadmOutput = readFileSync(kubeadmLog(sb), 'utf8');
    expect(kubeadmOutput).not.toContain('c2VjcmV0');
    expect(kubeadmOutput).toContain('kubeadm: a warning');
    expect(existsSync(join(sb.root, 'var/lib/kops-ts/bootstrapped'))).toBe(true);
  });

  it('with kube-proxy disabled, only the configuration and CoreDNS, then kubeadm\'s kube-proxy DaemonSet and ConfigMap deleted with the same kubeconfig', async () => {
    const sb = sandbox();
    putControlPlane(sb);
    put(sb, `${CP_DIR}/kubeadm-upload.sh`, kubeadmUploadScript(false));
    const r = await run(sb, scriptIn(sb, cp(false), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(fixed(r.log).filter((l) => /^(kubeadm|kubeconfig|kubectl)/.test(l))).toEqual([
      ...uploadSteps(sb, false),
      `kubectl --kubeconfig ${sb.root}/run/kops-ts/kubeadm-upload.XXXXXX -n kube-system delete daemonset/kube-proxy configmap/kube-proxy --ignore-not-found`,
      joinLine(sb),
    ]);
    // With kube-proxy enabled nothing is deleted.
    const on = sandbox();
    putControlPlane(on);
    const kept = await run(on, scriptIn(on, cp(false), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(kept.code).toBe(0);
    expect(kept.log.filter((l) => l.startsWith('kubectl'))).toEqual([]);
  });

  it('a restore with kube-proxy disabled deletes kubeadm\'s kube-proxy with the admin kubeconfig after kubeadm init, retrying while the endpoint does not answer', async () => {
    const sb = sandbox();
    putControlPlane(sb, JOIN_CP, { etcdData: true });
    put(sb, `${CP_DIR}/kubeadm-upload.sh`, kubeadmUploadScript(false));
    const r = await run(sb, scriptIn(sb, cp(true), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1', KUBECTL_FAILS: '2' });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const kubectl = 'kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system delete daemonset/kube-proxy configmap/kube-proxy --ignore-not-found';
    const init = r.log.findIndex((l) => l.startsWith('kubeadm init --config'));
    // No upload and no phase (init ran them), three tries 10 s apart, before the addons.
    expect(r.log.slice(init).filter((l) => /^(kubeadm|kubectl|sleep|fetch .*kubeadm-upload)/.test(l))).toEqual([
      `kubeadm init --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-init.yaml ${KEEP}`,
      `fetch ${CP_DIR}/kubeadm-upload.sh`,
      kubectl, 'sleep 10', kubectl, 'sleep 10', kubectl,
    ]);
    expect(r.log.indexOf(`fetch ${CP_DIR}/addons.sh`)).toBeGreaterThan(r.log.lastIndexOf(kubectl));
    expect(existsSync(join(sb.root, 'var/lib/kops-ts/bootstrapped'))).toBe(true);
  });

  it('kube-proxy that cannot be deleted in 5 minutes stops the boot in one line, without the done marker', async () => {
    const sb = sandbox();
    putControlPlane(sb, JOIN_CP, { etcdData: true });
    put(sb, `${CP_DIR}/kubeadm-upload.sh`, kubeadmUploadScript(false));
    const r = await run(sb, scriptIn(sb, cp(true), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1', KUBECTL_FAILS: '99' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kops-ts: kubectl could not delete kube-proxy's DaemonSet and ConfigMap; its output is in ${kubeadmLog(sb)}\n`);
    expect(r.log.filter((l) => l.startsWith('kubectl'))).toHaveLength(30);
    expect(readFileSync(kubeadmLog(sb), 'utf8')).toContain('kubectl: connection refused');
    expect(r.log).not.toContain('addons.sh');
    expect(existsSync(join(sb.root, 'var/lib/kops-ts/bootstrapped'))).toBe(false);
  });

  it('never uploads on kubeadm init (a new cluster, a restore: init uploads it), never on a worker', async () => {
    const cases: [string, Sandbox, NodeBootstrapInput, Record<string, string>][] = [];
    const first = sandbox();
    putControlPlane(first);
    cases.push(['init', first, cp(true), {}]);
    const restore = sandbox();
    putControlPlane(restore, JOIN_CP, { etcdData: true });
    cases.push(['restore', restore, cp(true), { API_UP: '1' }]);
    const node = sandbox();
    putJoin(node, NODE_DIR, JOIN_NODE);
    put(node, `${NODE_DIR}/kubeadm-upload.sh`, kubeadmUploadScript(true));
    cases.push(['worker', node, worker, { API_UP: '1' }]);
    for (const [what, sb, input, env] of cases) {
      const r = await run(sb, scriptIn(sb, input, '/opt/kops-ts/bootstrap.sh'), env);
      expect(r.code, what).toBe(0);
      // A restore runs the script's `restored` step (nothing to do with kube-proxy enabled): no upload, no phase.
      expect(r.log.filter((l) => /kubeadm-upload|^kubeadm (kubeconfig|init phase)|^kubectl/.test(l)), what).toEqual(what === 'restore' ? [`fetch ${CP_DIR}/kubeadm-upload.sh`] : []);
      expect(decisive(r.log).length, what).toBe(1);
    }
    // A worker's user data names no cluster configuration; a control plane's does.
    expect(identityOf(worker)).not.toContain('clusterConfig');
    expect(identityOf(cp(false))).toContain(`clusterConfig: ${CLUSTER_CONFIG}\n`);
  });

  // The three paths that read kubeadm-init.yaml: the join (before its upload), the first init, a restore.
  const paths: [string, boolean, Record<string, string>, { etcdData?: boolean }][] = [
    ['join', false, { API_UP: '1' }, {}],
    ['init', true, {}, {}],
    ['restore', true, { API_UP: '1' }, { etcdData: true }],
  ];

  it('a kubeadm-init.yaml that is not the one the launch template was made for stops every path (join, init, restore) before any kubeadm, naming the file', async () => {
    for (const [what, initCandidate, env, opts] of paths) {
      for (const content of [INIT_YAML.replace(CLUSTER_CONFIG, 'fedcba9876543210'), 'kind: ClusterConfiguration\n']) {
        const sb = sandbox();
        putControlPlane(sb, JOIN_CP, opts);
        put(sb, `${CP_DIR}/kubeadm-init.yaml`, content);
        const r = await run(sb, scriptIn(sb, cp(initCandidate), '/opt/kops-ts/bootstrap.sh'), env);
        expect(r.code, what).toBe(1);
        expect(r.stderr, what).toBe('kops-ts: kubeadm-init.yaml is not the one this instance was launched for\n');
        expect(r.log.filter((l) => l.startsWith('kubeadm')), what).toEqual([]);
        expect(r.log, what).toContain(`fetch ${CP_DIR}/kubeadm-init.yaml`);
        expect(existsSync(join(sb.root, 'var/lib/kops-ts/bootstrapped')), what).toBe(false);
      }
    }
  });

  it('an identity without the digest (not written from this user data) stops every path before any kubeadm, naming the file', async () => {
    for (const [what, initCandidate, env, opts] of paths) {
      const sb = sandbox();
      putControlPlane(sb, JOIN_CP, opts);
      writeFileSync(join(sb.root, 'etc/kops-ts/instance-group'), identityOf({ ...cp(initCandidate), clusterConfigHash: undefined }));
      const r = await run(sb, scriptIn(sb, cp(initCandidate), '/opt/kops-ts/bootstrap.sh'), env);
      expect(r.code, what).toBe(1);
      expect(r.stderr, what).toBe(`kops-ts: ${sb.root}/etc/kops-ts/instance-group names no clusterConfig digest\n`);
      expect(r.log.filter((l) => l.startsWith('kubeadm')), what).toEqual([]);
    }
  });

  it('kubeadm-upload.sh refuses a mode it does not know', async () => {
    const sb = sandbox();
    const file = join(sb.root, 'kubeadm-upload.sh');
    writeFileSync(file, kubeadmUploadScript(false));
    mkdirSync(join(sb.root, 'etc'), { recursive: true });
    writeFileSync(join(sb.root, 'etc/identity'), `clusterConfig: ${CLUSTER_CONFIG}\n`);
    writeFileSync(join(sb.root, 'init.yaml'), INIT_YAML);
    const r = spawnSync('bash', [file, join(sb.root, 'init.yaml'), sb.log, join(sb.root, 'etc/identity'), join(sb.root, 'run'), 'init'], { encoding: 'utf8', env: { PATH: `${sb.bin}:${process.env.PATH ?? ''}`, LOG: sb.log } });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('kops-ts: kubeadm-upload.sh: unknown mode init (join or restored)\n');
    expect(readFileSync(sb.log, 'utf8')).toBe('');
  });

  it('a failing kubeadm step stops the boot before the join, in one line naming it; the kubeconfig is removed', async () => {
    const cases: [string, string][] = [
      ['kubeconfig user', 'kubeadm kubeconfig user failed before the join'],
      ['init phase upload-config', 'kubeadm init phase upload-config kubeadm failed before the join'],
      ['init phase addon kube-proxy', 'kubeadm init phase addon kube-proxy failed before the join'],
      ['init phase addon coredns', 'kubeadm init phase addon coredns failed before the join'],
    ];
    for (const [step, message] of cases) {
      const sb = sandbox();
      putControlPlane(sb);
      const r = await run(sb, scriptIn(sb, cp(false), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1', KUBEADM_FAIL_ON: step });
      expect(r.code, step).toBe(1);
      expect(r.stderr, step).toBe(`kops-ts: ${message}; its output is in ${kubeadmLog(sb)}\n`);
      expect(decisive(r.log), step).toEqual([]);
      expect(readdirSync(runDir(sb)), step).toEqual([]);
      expect(existsSync(join(sb.root, 'var/lib/kops-ts/bootstrapped')), step).toBe(false);
    }
  });

  it('a script or configuration missing from the store stops before the join, naming it', async () => {
    for (const file of ['kubeadm-upload.sh', 'kubeadm-init.yaml']) {
      const sb = sandbox();
      putControlPlane(sb);
      rmSync(join(sb.store, CP_DIR, file));
      const r = await run(sb, scriptIn(sb, cp(false), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
      expect(r.code, file).toBe(1);
      expect(r.stderr, file).toBe(`kops-ts: cannot read s3://state-bucket/${CP_DIR}/${file}\n`);
      expect(r.log.filter((l) => l.startsWith('kubeadm')), file).toEqual([]);
    }
  });

  it('the script passes shellcheck, with and without kube-proxy', () => {
    for (const proxy of [true, false]) {
      const file = join(base, `kubeadm-upload-${String(proxy)}.sh`);
      writeFileSync(file, kubeadmUploadScript(proxy));
      const r = spawnSync('shellcheck', ['-s', 'bash', file], { encoding: 'utf8' });
      expect({ status: r.status, out: `${r.stdout}${r.stderr}` }).toEqual({ status: 0, out: '' });
    }
  });
});

describe('the addons after every control plane\'s init or join (addons.sh from the store)', () => {
  const done = (sb: Sandbox) => existsSync(join(sb.root, 'var/lib/kops-ts/bootstrapped'));

  it('a joining control plane fetches addons.sh after kubeadm join, checks it against its launch digest and runs it; a worker never', async () => {
    const sb = sandbox();
    putControlPlane(sb);
    const r = await run(sb, scriptIn(sb, cp(false), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const join = r.log.findIndex((l) => l.startsWith('kubeadm join '));
    expect(join).toBeGreaterThan(0);
    expect(r.log.indexOf(`fetch ${CP_DIR}/addons.sh`)).toBeGreaterThan(join);
    expect(r.log.at(-1)).toBe('addons.sh');
    expect(readFileSync(`${sb.log}.addons-env`, 'utf8')).toBe('state-bucket kops/c1.example.com us-east-1\n');
    expect(done(sb)).toBe(true);
    // The digest is the user data's; only a control plane's identity names one.
    expect(identityOf(cp(false))).toContain(`addons: ${ADDONS_SHA256}\n`);
    expect(identityOf({ ...worker, addonsSha256: ADDONS_SHA256 })).not.toContain('addons:');

    const node = sandbox();
    putJoin(node, NODE_DIR, JOIN_NODE);
    put(node, `${NODE_DIR}/addons.sh`, ADDONS_SH);
    const w = await run(node, scriptIn(node, worker, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(w.code).toBe(0);
    expect(w.log.filter((l) => l.includes('addons'))).toEqual([]);
  });

  it('an addons.sh that is not the one the instance was launched for (a later update) stops the boot after the join, unrun, without the done marker', async () => {
    for (const [what, input, env] of [['join', cp(false), { API_UP: '1' }], ['init', cp(true), {}]] as const) {
      const sb = sandbox();
      putControlPlane(sb);
      put(sb, `${CP_DIR}/addons.sh`, ADDONS_SH.replace('addons.sh', 'another addons.sh'));
      const r = await run(sb, scriptIn(sb, input, '/opt/kops-ts/bootstrap.sh'), env);
      expect(r.code, what).toBe(1);
      expect(r.stderr, what).toBe('kops-ts: addons.sh is not the one this instance was launched for\n');
      expect(r.log.filter((l) => l.endsWith('addons.sh') && !l.startsWith('fetch')), what).toEqual([]);
      expect(decisive(r.log).length, what).toBe(1);
      // The etcd member's own steps are done first: its leave unit is enabled whatever the addons do.
      expect(r.log, what).toContain('systemctl enable --now kops-ts-etcd-leave.service');
      expect(done(sb), what).toBe(false);
    }
  });

  it('an identity without the digest, a script missing from the store, or one that fails stop the boot in one line', async () => {
    const noDigest = sandbox();
    putControlPlane(noDigest);
    writeFileSync(join(noDigest.root, 'etc/kops-ts/instance-group'), identityOf({ ...cp(false), addonsSha256: undefined }));
    const a = await run(noDigest, scriptIn(noDigest, cp(false), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(a.code).toBe(1);
    expect(a.stderr).toBe(`kops-ts: ${noDigest.root}/etc/kops-ts/instance-group names no addons digest\n`);
    expect(done(noDigest)).toBe(false);

    const missing = sandbox();
    putControlPlane(missing);
    rmSync(join(missing.store, CP_DIR, 'addons.sh'));
    const b = await run(missing, scriptIn(missing, cp(false), '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(b.code).toBe(1);
    expect(b.stderr).toBe(`kops-ts: cannot read s3://state-bucket/${CP_DIR}/addons.sh\n`);

    const failing = sandbox();
    const script = '#!/bin/bash\necho "kops-ts: kubectl could not apply addon cilium 1.17.4" >&2\nexit 1\n';
    putControlPlane(failing);
    put(failing, `${CP_DIR}/addons.sh`, script);
    const input = { ...cp(false), addonsSha256: createHash('sha256').update(script).digest('hex') };
    writeFileSync(join(failing.root, 'etc/kops-ts/instance-group'), identityOf(input));
    const c = await run(failing, scriptIn(failing, input, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(c.code).toBe(1);
    expect(c.stderr).toBe('kops-ts: kubectl could not apply addon cilium 1.17.4\n');
    expect(done(failing)).toBe(false);
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

  it('the only member of its cluster never leaves: kubeadm reset would empty the data the replacement restores', async () => {
    const sb = sandbox();
    const file = leave(sb);
    mkdirSync(join(sb.root, 'etc/kops-ts'), { recursive: true });
    writeFileSync(join(sb.root, 'etc/kops-ts/etcd-members'), 'a\n');
    const r = await run(sb, file, { JOBS: '1 poweroff.target start waiting' });
    expect(r).toMatchObject({ code: 0, log: [] });
    expect(r.stdout).toContain('the cluster\'s only etcd member');

    const several = sandbox();
    const file2 = leave(several);
    mkdirSync(join(several.root, 'etc/kops-ts'), { recursive: true });
    writeFileSync(join(several.root, 'etc/kops-ts/etcd-members'), 'a,b,c\n');
    expect(await run(several, file2, { JOBS: '1 poweroff.target start waiting' })).toMatchObject({ code: 0, log: ['kubeadm reset --force'] });
  });

  it('at reboot, or when only the unit is stopped, stays a member', async () => {
    for (const jobs of ['1 reboot.target start waiting', '1 kexec.target start waiting', '']) {
      const sb = sandbox();
      const r = await run(sb, leave(sb), { JOBS: jobs });
      expect(r, jobs).toMatchObject({ code: 0, log: [] });
    }
  });
});

describe('the etcd volume at reboot', () => {
  it('control planes\' kubelet (which runs etcd) starts only with /var/lib/etcd mounted; workers\' has no such drop-in', () => {
    const dropIn = '/etc/systemd/system/kubelet.service.d/20-kops-ts-etcd-volume.conf';
    const f = nodeWriteFiles(cp(true)).find((w) => w.path === dropIn);
    expect(f?.content.split('\n').filter((l) => !l.startsWith('#') && l !== '')).toEqual(['[Unit]', 'RequiresMountsFor=/var/lib/etcd']);
    expect(nodeWriteFiles(worker).map((w) => w.path)).not.toContain(dropIn);
  });
});

describe("bootstrap.sh with the group's node-extras.sh (src/bootstrap/node-extras.ts)", () => {
  const extras = '#!/bin/bash\necho "node-extras.sh ran" >>"$LOG"\n';
  const sha = createHash('sha256').update(extras).digest('hex');
  const withExtras: NodeBootstrapInput = { ...worker, nodeExtrasSha256: sha };
  const joined = (sb: Sandbox) => `kubeadm join --config ${sb.root}/etc/kops-ts/igconfig/kubeadm-join.yaml`;

  it('fetches it, checks its sha256 and runs it, before waiting for the API and joining', async () => {
    const sb = sandbox();
    putJoin(sb, NODE_DIR, JOIN_NODE);
    put(sb, `${NODE_DIR}/node-extras.sh`, extras);
    const r = await run(sb, scriptIn(sb, withExtras, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r).toMatchObject({ code: 0 });
    expect(r.log).toEqual([`fetch ${NODE_DIR}/kubeadm-join.yaml`, `fetch ${NODE_DIR}/kubelet-patch.yaml`, `fetch ${NODE_DIR}/node-extras.sh`, 'node-extras.sh ran', 'curl', joined(sb)]);
  });

  it('a script that is not the one the instance was launched for is not run: stopped before kubeadm, saying so', async () => {
    const sb = sandbox();
    putJoin(sb, NODE_DIR, JOIN_NODE);
    put(sb, `${NODE_DIR}/node-extras.sh`, `${extras}echo changed\n`);
    const r = await run(sb, scriptIn(sb, withExtras, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('kops-ts: node-extras.sh is not the one this instance was launched for\n');
    expect(r.log).toEqual([`fetch ${NODE_DIR}/kubeadm-join.yaml`, `fetch ${NODE_DIR}/kubelet-patch.yaml`, `fetch ${NODE_DIR}/node-extras.sh`]);
  });

  it('a failing script (a hook, sysctl) stops the bootstrap before kubeadm', async () => {
    const sb = sandbox();
    const failing = '#!/bin/bash\nexit 3\n';
    putJoin(sb, NODE_DIR, JOIN_NODE);
    put(sb, `${NODE_DIR}/node-extras.sh`, failing);
    const r = await run(sb, scriptIn(sb, { ...worker, nodeExtrasSha256: createHash('sha256').update(failing).digest('hex') }, '/opt/kops-ts/bootstrap.sh'), { API_UP: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('kops-ts: node-extras.sh failed\n');
    expect(r.log.some((l) => l.startsWith('kubeadm'))).toBe(false);
    expect(existsSync(join(sb.root, 'var/lib/kops-ts/bootstrapped'))).toBe(false);
  });

  it('a control plane runs it before its etcd volume and kubeadm', async () => {
    const sb = sandbox();
    putControlPlane(sb);
    put(sb, `${CP_DIR}/node-extras.sh`, extras);
    const r = await run(sb, scriptIn(sb, { ...cp(true), nodeExtrasSha256: sha }, '/opt/kops-ts/bootstrap.sh'));
    expect(r).toMatchObject({ code: 0 });
    const ran = r.log.indexOf('node-extras.sh ran');
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThan(r.log.findIndex((l) => l.startsWith('attach ')));
    expect(r.log.some((l) => l.startsWith('kubeadm init'))).toBe(true);
  });
});
