/**
 * The first control plane's addons script (`/opt/kops-ts/addons.sh`), run with the real bash,
 * python3 (its YAML reading) and sha256sum on the files `writeBootstrapConfig` really writes:
 * the store is copied into a temporary root, and what acts on the network or the cluster (the S3
 * and GCS readers, curl, kubectl, helm, sleep) is a stub on PATH that records its arguments. On GCE
 * the script is the one the startup-script writes, and the cloud controller is a stored manifest.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ensureClusterKeysets } from '../../src/pki/cluster.js';
import { KeysetStore } from '../../src/pki/store.js';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { writeBootstrapConfig } from '../../src/bootstrap/store.js';
import { nodeWriteFiles, type NodeBootstrapInput } from '../../src/bootstrap/user-data.js';
import { gceStartupFiles } from '../../src/model/gce/startup-script.js';
import { openStateStore } from '../../src/statestore/open.js';

const base = mkdtempSync(join(tmpdir(), 'kops-ts-addons-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const CLUSTER = 'apply.example.com';
const PYTHON = '/usr/bin/python3';
const STUBS: Record<string, string> = {
  // The S3 reader (`python3 /opt/kops-ts/s3get.py BUCKET KEY DEST REGION`) and GCE's
  // (`python3 /opt/kops-ts/gcsget.py BUCKET KEY DEST`); other python3 runs are real.
  python3: `if [ "$1" != /opt/kops-ts/s3get.py ] && [ "$1" != /opt/kops-ts/gcsget.py ]; then exec ${PYTHON} "$@"; fi; echo "fetch $3" >>"$LOG"; [ -f "$STORE/$3" ] || exit 1; cp "$STORE/$3" "$4"`,
  // curl -fsSL --retry 5 -o DEST URL: the artefact named by the URL's last segment, from $DOWNLOADS.
  curl: 'echo "curl ${@: -1}" >>"$LOG"; cp "$DOWNLOADS/$(basename "${@: -1}")" "${@: -2:1}"',
  kubectl: 'if [ "$1" = get ]; then exit 0; fi; echo "kubectl KUBECONFIG=$KUBECONFIG $* :: $(head -n 1 "${@: -1}")" >>"$LOG"',
  sleep: 'echo "sleep $*" >>"$LOG"',
  dpkg: 'echo amd64',
};
// helm template NAME CHART --namespace NS --kube-version V --values FILE
const HELM = 'echo "helm $1 $2 $5 $7" >>"$LOG"; echo "# rendered $2 from $3 with $(cat "${@: -1}")"';

interface Sandbox { root: string; store: string; downloads: string; log: string; bin: string }

let n = 0;
function sandbox(): Sandbox {
  const root = join(base, `r${n++}`);
  const sb = { root, store: join(root, 'store'), downloads: join(root, 'downloads'), log: join(root, 'log'), bin: join(root, 'bin') };
  for (const d of [sb.store, sb.downloads, sb.bin, join(root, 'usr/local/bin'), join(root, 'etc/kubernetes'), join(root, 'etc/kops-ts/igconfig')]) mkdirSync(d, { recursive: true });
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(join(sb.bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(sb.bin, name), 0o755);
  }
  writeFileSync(join(root, 'usr/local/bin/helm'), `#!/bin/bash\n${HELM}\n`);
  chmodSync(join(root, 'usr/local/bin/helm'), 0o755);
  writeFileSync(join(root, 'etc/kubernetes/admin.conf'), 'apiVersion: v1\nkind: Config\n');
  writeFileSync(sb.log, '');
  return sb;
}

const STATE = { bucket: 'state-bucket', prefix: 'kops' };
const input: NodeBootstrapInput = { cluster: CLUSTER, instanceGroup: 'control-plane-us-east-1a', role: 'control-plane', initCandidate: true, kubernetesVersion: '1.36.3', region: 'us-east-1', stateStore: STATE };

function script(sb: Sandbox): string {
  const f = nodeWriteFiles(input).find((w) => w.path === '/opt/kops-ts/addons.sh');
  if (!f) throw new Error('no addons.sh');
  const text = f.content.replace(/(\/etc\/kops-ts|\/var\/lib\/kops-ts|\/etc\/kubernetes|\/usr\/local\/bin)/g, `${sb.root}$1`);
  const file = join(sb.root, 'addons.sh');
  writeFileSync(file, text);
  chmodSync(file, 0o700);
  return file;
}

/** The files update writes, for a cluster of `networking`, copied into the sandbox's store and bootstrap.env. */
async function stage(sb: Sandbox, o: Partial<NewClusterOptions> = {}, env: (text: string) => string = (t) => t): Promise<Record<string, string>> {
  const built = newCluster({ name: CLUSTER, zones: ['us-east-1a'], ...o });
  const { cluster, instanceGroups } = completeCluster(built.cluster, built.instanceGroups);
  const store = openStateStore(`memory://addons-apply-${n}`);
  await ensureClusterKeysets(new KeysetStore(store), cluster);
  await writeBootstrapConfig({ store, cluster, instanceGroups, loadBalancerDnsName: 'api-lb.elb.us-east-1.amazonaws.com' });
  for (const key of await store.list(`${CLUSTER}/`)) {
    const dest = join(sb.store, STATE.prefix, key);
    mkdirSync(join(dest, '..'), { recursive: true });
    writeFileSync(dest, (await store.read(key))!.data);
  }
  const envText = readFileSync(join(sb.store, STATE.prefix, CLUSTER, 'igconfig/control-plane/control-plane-us-east-1a/bootstrap.env'), 'utf8');
  writeFileSync(join(sb.root, 'etc/kops-ts/igconfig/bootstrap.env'), env(envText));
  const vars = Object.fromEntries([...envText.matchAll(/^([A-Z_]+)='([^']*)'$/gm)].map((m) => [m[1]!, m[2]!]));
  // The upstream artefacts, as the stub curl serves them.
  for (const path of [vars.CNI_ADDON, vars.CCM_ADDON]) {
    if (!path) continue;
    const url = (parse(readFileSync(join(sb.store, STATE.prefix, CLUSTER, path), 'utf8')) as { source: { url: string } }).source.url;
    writeFileSync(join(sb.downloads, url.split('/').pop()!), `artefact of ${url}\n`);
  }
  return vars;
}

function run(sb: Sandbox, file: string): Promise<{ code: number; stdout: string; stderr: string; log: string[] }> {
  return new Promise((resolve) => {
    execFile('bash', [file], { env: { PATH: `${sb.bin}:${process.env.PATH ?? ''}`, LOG: sb.log, STORE: sb.store, DOWNLOADS: sb.downloads } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, log: readFileSync(sb.log, 'utf8').split('\n').filter((l) => l !== '') });
    });
  });
}

function descriptionPath(sb: Sandbox, rel: string): string {
  return join(sb.store, STATE.prefix, CLUSTER, rel);
}

function setSha(sb: Sandbox, rel: string, sha: string): void {
  const doc = parse(readFileSync(descriptionPath(sb, rel), 'utf8')) as { source: Record<string, unknown> };
  doc.source.sha256 = sha;
  writeFileSync(descriptionPath(sb, rel), stringify(doc));
}

describe('addons.sh on the first control plane', () => {
  it('applies the CNI (cilium chart) then the AWS cloud controller, once, with the admin kubeconfig; a second run changes nothing', async () => {
    const sb = sandbox();
    const vars = await stage(sb);
    expect(vars).toMatchObject({ CNI: 'cilium', ADDONS_ALLOW_UNPINNED: '1' });
    expect(vars.CCM_ADDON).toBe('addons/aws-cloud-controller-manager/0.0.8-v1.36.0/addon.yaml');
    const file = script(sb);
    const r = await run(sb, file);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const kubeconfig = `${sb.root}/etc/kubernetes/admin.conf`;
    const work = `${sb.root}/var/lib/kops-ts/addons`;
    expect(r.log).toEqual([
      `fetch kops/${CLUSTER}/${vars.CNI_ADDON}`,
      'curl https://helm.cilium.io/cilium-1.17.4.tgz',
      'helm template cilium kube-system 1.36.3',
      `kubectl KUBECONFIG=${kubeconfig} apply --server-side --field-manager=kops-ts -f ${work}/cilium-1.17.4/rendered.yaml :: # rendered cilium from ${work}/cilium-1.17.4/artefact with ${readFileSync(`${work}/cilium-1.17.4/values.json`, 'utf8')}`,
      `fetch kops/${CLUSTER}/${vars.CCM_ADDON}`,
      'curl https://github.com/kubernetes/cloud-provider-aws/releases/download/helm-chart-aws-cloud-controller-manager-0.0.8/aws-cloud-controller-manager-0.0.8.tgz',
      'helm template aws-cloud-controller-manager kube-system 1.36.3',
      expect.stringContaining(`kubectl KUBECONFIG=${kubeconfig} apply --server-side --field-manager=kops-ts -f ${work}/aws-cloud-controller-manager-0.0.8-v1.36.0/rendered.yaml :: # rendered aws-cloud-controller-manager`),
    ]);
    // helm got the values the reference carries (the cluster's name for the controller).
    const ccmValues = JSON.parse(readFileSync(`${work}/aws-cloud-controller-manager-0.0.8-v1.36.0/values.json`, 'utf8')) as { args: string[]; image: { tag: string } };
    expect(ccmValues.args).toContain(`--cluster-name=${CLUSTER}`);
    expect(ccmValues.image.tag).toBe('v1.36.0');
    expect(r.stdout).toContain('has no pinned sha256; using it because bootstrap.env sets ADDONS_ALLOW_UNPINNED=1');
    expect(r.stdout).toContain('kops-ts: applied addon cilium 1.17.4\n');

    writeFileSync(sb.log, '');
    const again = await run(sb, file);
    expect(again.code).toBe(0);
    // It reads the descriptions again (a new version would be applied), but downloads and applies nothing.
    expect(again.log).toEqual([`fetch kops/${CLUSTER}/${vars.CNI_ADDON}`, `fetch kops/${CLUSTER}/${vars.CCM_ADDON}`]);
    expect(again.stdout).toBe('kops-ts: addon cilium 1.17.4 already applied\nkops-ts: addon aws-cloud-controller-manager 0.0.8-v1.36.0 already applied\n');
  });

  it('calico is a manifest, applied as downloaded; cni: {} applies only the cloud controller', async () => {
    const sb = sandbox();
    const vars = await stage(sb, { networking: 'calico' });
    const r = await run(sb, script(sb));
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const url = 'https://raw.githubusercontent.com/projectcalico/calico/v3.29.3/manifests/calico.yaml';
    expect(r.log.slice(0, 3)).toEqual([
      `fetch kops/${CLUSTER}/${vars.CNI_ADDON}`,
      `curl ${url}`,
      `kubectl KUBECONFIG=${sb.root}/etc/kubernetes/admin.conf apply --server-side --field-manager=kops-ts -f ${sb.root}/var/lib/kops-ts/addons/calico-3.29.3/artefact :: artefact of ${url}`,
    ]);

    const byo = sandbox();
    const byoVars = await stage(byo, { networking: 'cni' });
    expect(byoVars).toMatchObject({ CNI: 'none' });
    expect(byoVars.CNI_ADDON).toBeUndefined();
    const b = await run(byo, script(byo));
    expect(b.code).toBe(0);
    expect(b.log.filter((l) => l.startsWith('kubectl')).map((l) => l.split(' :: ')[0]!.split('/').pop())).toEqual(['rendered.yaml']);
    expect(b.log[0]).toBe(`fetch kops/${CLUSTER}/${byoVars.CCM_ADDON}`);
  });

  it('an artefact whose sha256 is not the pinned one is refused, and nothing is applied', async () => {
    const sb = sandbox();
    const vars = await stage(sb);
    setSha(sb, vars.CNI_ADDON!, '0'.repeat(64));
    const r = await run(sb, script(sb));
    const actual = createHash('sha256').update('artefact of https://helm.cilium.io/cilium-1.17.4.tgz\n').digest('hex');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kops-ts: addon cilium 1.17.4 (https://helm.cilium.io/cilium-1.17.4.tgz): the download's sha256 is ${actual}, not the pinned ${'0'.repeat(64)}; refusing to apply it\n`);
    expect(r.log.filter((l) => l.startsWith('kubectl') || l.startsWith('helm'))).toEqual([]);
    expect(existsSync(`${sb.root}/var/lib/kops-ts/addons/cilium-1.17.4.applied`)).toBe(false);

    // The right digest is accepted even where unpinned artefacts are not.
    const ok = sandbox();
    const okVars = await stage(ok, {}, (t) => t.replace("ADDONS_ALLOW_UNPINNED='1'", "ADDONS_ALLOW_UNPINNED='0'"));
    setSha(ok, okVars.CNI_ADDON!, actual);
    setSha(ok, okVars.CCM_ADDON!, createHash('sha256').update('artefact of https://github.com/kubernetes/cloud-provider-aws/releases/download/helm-chart-aws-cloud-controller-manager-0.0.8/aws-cloud-controller-manager-0.0.8.tgz\n').digest('hex'));
    const good = await run(ok, script(ok));
    expect(good, good.stderr).toMatchObject({ code: 0 });
    expect(good.log.filter((l) => l.startsWith('kubectl'))).toHaveLength(2);
    expect(good.stdout).not.toContain('no pinned sha256');
  });

  it('an addon without a sha256 is refused unless bootstrap.env sets ADDONS_ALLOW_UNPINNED=1', async () => {
    for (const env of [(t: string) => t.replace("ADDONS_ALLOW_UNPINNED='1'", "ADDONS_ALLOW_UNPINNED='0'"), (t: string) => t.replace(/^ADDONS_ALLOW_UNPINNED=.*\n/m, '')]) {
      const sb = sandbox();
      await stage(sb, {}, env);
      const r = await run(sb, script(sb));
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('kops-ts: addon cilium 1.17.4 (https://helm.cilium.io/cilium-1.17.4.tgz) has no pinned sha256; refusing to apply it (ADDONS_ALLOW_UNPINNED=1 in bootstrap.env accepts unpinned addons)\n');
      expect(r.log.filter((l) => l.startsWith('kubectl') || l.startsWith('helm'))).toEqual([]);
    }
  });

  it('without helm it installs the pinned helm release, under the same digest rule', async () => {
    const sb = sandbox();
    rmSync(join(sb.root, 'usr/local/bin/helm'));
    const vars = await stage(sb, {}, (t) => t.replace("ADDONS_ALLOW_UNPINNED='1'", "ADDONS_ALLOW_UNPINNED='0'"));
    writeFileSync(join(sb.downloads, 'helm-v3.17.3-linux-amd64.tar.gz'), 'not checked\n');
    setSha(sb, vars.CNI_ADDON!, createHash('sha256').update('artefact of https://helm.cilium.io/cilium-1.17.4.tgz\n').digest('hex'));
    const file = script(sb);
    const r = await run(sb, file);
    expect(r.code).toBe(1);
    expect(r.log).toContain('curl https://get.helm.sh/helm-v3.17.3-linux-amd64.tar.gz');
    expect(r.stderr).toBe('kops-ts: helm 3.17.3 has no pinned sha256; refusing to apply it (ADDONS_ALLOW_UNPINNED=1 in bootstrap.env accepts unpinned addons)\n');
    expect(r.log.filter((l) => l.startsWith('kubectl'))).toEqual([]);
  });

  it('only an init-candidate control plane carries the script', () => {
    const has = (i: NodeBootstrapInput) => nodeWriteFiles(i).some((w) => w.path === '/opt/kops-ts/addons.sh');
    expect(has(input)).toBe(true);
    expect(has({ ...input, initCandidate: false })).toBe(false);
    expect(has({ ...input, role: 'node', initCandidate: false })).toBe(false);
  });
});

describe('addons.sh on the first control plane of a GCE cluster', () => {
  const GCE_GROUP = 'control-plane-us-central1-a';
  const gceOptions = { cloud: 'gce', zones: ['us-central1-a'], project: 'my-project' } as const;

  function gceScript(sb: Sandbox): string {
    const f = gceStartupFiles({ cluster: CLUSTER, instanceGroup: GCE_GROUP, role: 'control-plane', initCandidate: true, kubernetesVersion: '1.36.3', stateStore: STATE })
      .find((w) => w.path === '/opt/kops-ts/addons.sh');
    if (!f) throw new Error('no addons.sh');
    expect(f.content).toContain('python3 /opt/kops-ts/gcsget.py "$STATE_BUCKET" "$CLUSTER_DIR/$url"');
    const file = join(sb.root, 'addons.sh');
    writeFileSync(file, f.content.replace(/(\/etc\/kops-ts|\/var\/lib\/kops-ts|\/etc\/kubernetes|\/usr\/local\/bin)/g, `${sb.root}$1`));
    chmodSync(file, 0o700);
    return file;
  }

  /** The files update writes for a GCE cluster, in the sandbox's store, and the init group's bootstrap.env. */
  async function stageGce(sb: Sandbox, o: Partial<NewClusterOptions> = {}, env: (text: string) => string = (t) => t): Promise<Record<string, string>> {
    const built = newCluster({ name: CLUSTER, ...gceOptions, ...o });
    const { cluster, instanceGroups } = completeCluster(built.cluster, built.instanceGroups);
    const store = openStateStore(`memory://addons-apply-gce-${n}`);
    await ensureClusterKeysets(new KeysetStore(store), cluster);
    await writeBootstrapConfig({ store, cluster, instanceGroups, loadBalancerDnsName: '203.0.113.10' });
    for (const key of await store.list(`${CLUSTER}/`)) {
      const dest = join(sb.store, STATE.prefix, key);
      mkdirSync(join(dest, '..'), { recursive: true });
      writeFileSync(dest, (await store.read(key))!.data);
    }
    const envText = readFileSync(join(sb.store, STATE.prefix, CLUSTER, `igconfig/control-plane/${GCE_GROUP}/bootstrap.env`), 'utf8');
    writeFileSync(join(sb.root, 'etc/kops-ts/igconfig/bootstrap.env'), env(envText));
    const vars = Object.fromEntries([...envText.matchAll(/^([A-Z_]+)='([^']*)'$/gm)].map((m) => [m[1]!, m[2]!]));
    if (vars.CNI_ADDON) {
      const url = (parse(readFileSync(descriptionPath(sb, vars.CNI_ADDON), 'utf8')) as { source: { url: string } }).source.url;
      writeFileSync(join(sb.downloads, url.split('/').pop()!), `artefact of ${url}\n`);
    }
    return vars;
  }

  const manifestOf = (sb: Sandbox, vars: Record<string, string>) => (parse(readFileSync(descriptionPath(sb, vars.CCM_ADDON!), 'utf8')) as { version: string; source: { object: string; sha256: string } });

  it('applies the CNI then the GCE cloud controller, its manifest read from the store, not downloaded; once', async () => {
    const sb = sandbox();
    const vars = await stageGce(sb);
    expect(vars).toMatchObject({ CNI: 'cilium', ADDONS_ALLOW_UNPINNED: '1' });
    expect(vars.CCM_ADDON).toMatch(/^addons\/gcp-cloud-controller-manager\/v35\.0\.2-[0-9a-f]{12}\/addon\.yaml$/);
    const desc = manifestOf(sb, vars);
    const file = gceScript(sb);
    const r = await run(sb, file);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const kubeconfig = `${sb.root}/etc/kubernetes/admin.conf`;
    const work = `${sb.root}/var/lib/kops-ts/addons`;
    const manifest = readFileSync(descriptionPath(sb, desc.source.object), 'utf8');
    expect(r.log).toEqual([
      `fetch kops/${CLUSTER}/${vars.CNI_ADDON}`,
      'curl https://helm.cilium.io/cilium-1.17.4.tgz',
      'helm template cilium kube-system 1.36.3',
      expect.stringContaining(`kubectl KUBECONFIG=${kubeconfig} apply --server-side --field-manager=kops-ts -f ${work}/cilium-1.17.4/rendered.yaml :: `),
      `fetch kops/${CLUSTER}/${vars.CCM_ADDON}`,
      `fetch kops/${CLUSTER}/${desc.source.object}`,
      `kubectl KUBECONFIG=${kubeconfig} apply --server-side --field-manager=kops-ts -f ${work}/gcp-cloud-controller-manager-${desc.version}/artefact :: ${manifest.split('\n')[0]}`,
    ]);
    // What was applied is the stored manifest, byte for byte.
    expect(readFileSync(`${work}/gcp-cloud-controller-manager-${desc.version}/artefact`, 'utf8')).toBe(manifest);
    expect(manifest).toContain('kind: DaemonSet');
    expect(r.stdout).toContain(`kops-ts: applied addon gcp-cloud-controller-manager ${desc.version}\n`);

    writeFileSync(sb.log, '');
    const again = await run(sb, file);
    expect(again.code).toBe(0);
    expect(again.log).toEqual([`fetch kops/${CLUSTER}/${vars.CNI_ADDON}`, `fetch kops/${CLUSTER}/${vars.CCM_ADDON}`]);
    expect(again.stdout).toBe(`kops-ts: addon cilium 1.17.4 already applied\nkops-ts: addon gcp-cloud-controller-manager ${desc.version} already applied\n`);
  });

  it('a manifest object whose sha256 is not the description\'s is refused, even with ADDONS_ALLOW_UNPINNED=1, and nothing is applied', async () => {
    const sb = sandbox();
    const vars = await stageGce(sb, { networking: 'cni' });
    expect(vars.CNI_ADDON).toBeUndefined();
    expect(vars.ADDONS_ALLOW_UNPINNED).toBe('0');
    const desc = manifestOf(sb, vars);
    const tampered = `${readFileSync(descriptionPath(sb, desc.source.object), 'utf8')}---\nkind: ClusterRoleBinding\n`;
    writeFileSync(descriptionPath(sb, desc.source.object), tampered);
    writeFileSync(join(sb.root, 'etc/kops-ts/igconfig/bootstrap.env'), readFileSync(join(sb.root, 'etc/kops-ts/igconfig/bootstrap.env'), 'utf8').replace("ADDONS_ALLOW_UNPINNED='0'", "ADDONS_ALLOW_UNPINNED='1'"));
    const r = await run(sb, gceScript(sb));
    const actual = createHash('sha256').update(tampered).digest('hex');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kops-ts: addon gcp-cloud-controller-manager ${desc.version} (${desc.source.object}): the download's sha256 is ${actual}, not the pinned ${desc.source.sha256}; refusing to apply it\n`);
    expect(r.log.filter((l) => l.startsWith('kubectl') || l.startsWith('curl') || l.startsWith('helm'))).toEqual([]);
    expect(existsSync(`${sb.root}/var/lib/kops-ts/addons/gcp-cloud-controller-manager-${desc.version}.applied`)).toBe(false);

    // A description without the digest, or naming an object outside addons/, is refused before any read.
    for (const [edit, message] of [
      [(d: { source: Record<string, unknown> }) => { delete d.source.sha256; }, `kops-ts: addon gcp-cloud-controller-manager ${desc.version}: a stored manifest without its sha256 is refused\n`],
      [(d: { source: Record<string, unknown> }) => { d.source.object = 'addons/x/../../pki/private/keyset.yaml'; }, `kops-ts: addon gcp-cloud-controller-manager ${desc.version} names an invalid manifest object\n`],
    ] as const) {
      const bad = sandbox();
      const badVars = await stageGce(bad, { networking: 'cni' }, (t) => t.replace("ADDONS_ALLOW_UNPINNED='0'", "ADDONS_ALLOW_UNPINNED='1'"));
      const doc = parse(readFileSync(descriptionPath(bad, badVars.CCM_ADDON!), 'utf8')) as { source: Record<string, unknown> };
      edit(doc);
      writeFileSync(descriptionPath(bad, badVars.CCM_ADDON!), stringify(doc));
      const b = await run(bad, gceScript(bad));
      expect(b.code).toBe(1);
      expect(b.stderr).toBe(message);
      expect(b.log).toEqual([`fetch kops/${CLUSTER}/${badVars.CCM_ADDON}`]);
    }
  });
});
