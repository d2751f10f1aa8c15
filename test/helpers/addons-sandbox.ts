/**
 * A temporary root in which a control plane's addons script (addons.sh, as `writeBootstrapConfig`
 * writes it in the control-plane group's igconfig) runs with the real bash, python3 (its YAML reading), sha256sum and tar, on the files
 * `writeBootstrapConfig` really writes: the store is copied into the root, and what acts on the
 * network or the cluster (the S3 and GCS readers, curl, kubectl, helm, sleep, dpkg) is a stub on
 * PATH that records its arguments. Used by test/bootstrap/addons-apply.test.ts and
 * addons-helm.test.ts.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ensureClusterKeysets } from '../../src/pki/cluster.js';
import { KeysetStore } from '../../src/pki/store.js';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { writeBootstrapConfig } from '../../src/bootstrap/store.js';
import type { NodeBootstrapInput } from '../../src/bootstrap/user-data.js';
import type { Cluster } from '../../src/model/api/types.js';
import { openStateStore } from '../../src/statestore/open.js';

export const CLUSTER = 'apply.example.com';
export const STATE = { bucket: 'state-bucket', prefix: 'kops' };
export const GCE_GROUP = 'control-plane-us-central1-a';
const GCE_OPTIONS = { cloud: 'gce', zones: ['us-central1-a'], project: 'my-project' } as const;
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
/** helm template NAME CHART --namespace NS --kube-version V --values FILE */
export const HELM_STUB = 'echo "helm $1 $2 $5 $7" >>"$LOG"; echo "# rendered $2 from $3 with $(cat "${@: -1}")"';

export interface Sandbox { root: string; store: string; downloads: string; log: string; bin: string }

const base = mkdtempSync(join(tmpdir(), 'kops-ts-addons-'));
/** Removes every sandbox (call in afterAll). */
export function removeSandboxes(): void {
  rmSync(base, { recursive: true, force: true });
}

let n = 0;
/** A root with the stubs, an admin kubeconfig and (unless `helm` is false) a stub helm installed. */
export function sandbox(o: { helm?: boolean; arch?: string } = {}): Sandbox {
  const root = join(base, `r${n++}`);
  const sb = { root, store: join(root, 'store'), downloads: join(root, 'downloads'), log: join(root, 'log'), bin: join(root, 'bin') };
  for (const d of [sb.store, sb.downloads, sb.bin, join(root, 'usr/local/bin'), join(root, 'etc/kubernetes'), join(root, 'etc/kops-ts/igconfig')]) mkdirSync(d, { recursive: true });
  for (const [name, body] of Object.entries({ ...STUBS, ...(o.arch ? { dpkg: `echo ${o.arch}` } : {}) })) {
    writeFileSync(join(sb.bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(sb.bin, name), 0o755);
  }
  if (o.helm !== false) {
    writeFileSync(join(root, 'usr/local/bin/helm'), `#!/bin/bash\n${HELM_STUB}\n`);
    chmodSync(join(root, 'usr/local/bin/helm'), 0o755);
  }
  writeFileSync(join(root, 'etc/kubernetes/admin.conf'), 'apiVersion: v1\nkind: Config\n');
  writeFileSync(sb.log, '');
  return sb;
}

export const AWS_INPUT: NodeBootstrapInput = { cluster: CLUSTER, instanceGroup: 'control-plane-us-east-1a', role: 'control-plane', initCandidate: true, kubernetesVersion: '1.36.3', region: 'us-east-1', stateStore: STATE };

/** `text` with the instance's paths moved under the sandbox's root, written as `addons.sh` there. */
function install(sb: Sandbox, text: string): string {
  const file = join(sb.root, 'addons.sh');
  writeFileSync(file, text.replace(/(\/etc\/kops-ts|\/var\/lib\/kops-ts|\/etc\/kubernetes|\/usr\/local\/bin)/g, `${sb.root}$1`));
  chmodSync(file, 0o700);
  return file;
}

/** The AWS control-plane group's addons.sh as `stage` wrote it (`edit` changes its text first), in the sandbox. */
export function script(sb: Sandbox, edit: (text: string) => string = (t) => t): string {
  return install(sb, edit(readFileSync(descriptionPath(sb, `igconfig/control-plane/${AWS_INPUT.instanceGroup}/addons.sh`), 'utf8')));
}

/** The GCE control-plane group's addons.sh as `stage` wrote it, in the sandbox. */
export function gceScript(sb: Sandbox): string {
  const text = readFileSync(descriptionPath(sb, `igconfig/control-plane/${GCE_GROUP}/addons.sh`), 'utf8');
  if (!text.includes('python3 /opt/kops-ts/gcsget.py "$STATE_BUCKET" "$CLUSTER_DIR/$url"')) throw new Error('addons.sh does not read manifests with gcsget.py');
  return install(sb, text);
}

/** What the stub curl serves for `url`: not the real artefact, so its digest is not the pinned one. */
export function standInBytes(url: string): string {
  return `artefact of ${url}\n`;
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * The files update writes for a cluster (AWS, or GCE with `gce`), copied into the sandbox's store,
 * the init group's bootstrap.env in its igconfig, and its addons.sh (both through `env`, which
 * the tests use to change ADDONS_ALLOW_UNPINNED); the stub curl serves a
 * stand-in for each downloaded artefact. Returns bootstrap.env's variables as written.
 */
export async function stage(sb: Sandbox, o: Partial<NewClusterOptions> & { gce?: boolean; edit?: (c: Cluster) => void } = {}, env: (text: string) => string = (t) => t): Promise<Record<string, string>> {
  const { gce, edit, ...options } = o;
  const built = newCluster({ name: CLUSTER, ...(gce ? GCE_OPTIONS : { zones: ['us-east-1a'] }), ...options });
  edit?.(built.cluster);
  const { cluster, instanceGroups } = completeCluster(built.cluster, built.instanceGroups);
  const store = openStateStore(`memory://addons-sandbox-${n++}`);
  await ensureClusterKeysets(new KeysetStore(store), cluster);
  await writeBootstrapConfig({ store, cluster, instanceGroups, loadBalancerDnsName: gce ? '203.0.113.10' : 'api-lb.elb.us-east-1.amazonaws.com' });
  for (const key of await store.list(`${CLUSTER}/`)) {
    const dest = join(sb.store, STATE.prefix, key);
    mkdirSync(join(dest, '..'), { recursive: true });
    writeFileSync(dest, (await store.read(key))!.data);
  }
  const group = gce ? GCE_GROUP : AWS_INPUT.instanceGroup;
  const envText = readFileSync(descriptionPath(sb, `igconfig/control-plane/${group}/bootstrap.env`), 'utf8');
  writeFileSync(join(sb.root, 'etc/kops-ts/igconfig/bootstrap.env'), env(envText));
  const addons = descriptionPath(sb, `igconfig/control-plane/${group}/addons.sh`);
  writeFileSync(addons, env(readFileSync(addons, 'utf8')));
  const vars = Object.fromEntries([...envText.matchAll(/^([A-Z_]+)='([^']*)'$/gm)].map((m) => [m[1]!, m[2]!]));
  for (const path of [vars.CNI_ADDON, vars.CCM_ADDON]) {
    const url = path ? description(sb, path).source.url : undefined;
    if (typeof url === 'string') writeFileSync(join(sb.downloads, url.split('/').pop()!), standInBytes(url));
  }
  return vars;
}

/** A file of the cluster's directory in the sandbox's store. */
export function descriptionPath(sb: Sandbox, rel: string): string {
  return join(sb.store, STATE.prefix, CLUSTER, rel);
}

export function description(sb: Sandbox, rel: string): { version: string; source: Record<string, unknown> } {
  return parse(readFileSync(descriptionPath(sb, rel), 'utf8')) as { version: string; source: Record<string, unknown> };
}

/** Rewrites a description's sha256 (`undefined` removes it, as an unpinned reference would be written). */
export function setSha(sb: Sandbox, rel: string, sha: string | undefined): void {
  const doc = description(sb, rel);
  if (sha === undefined) delete doc.source.sha256;
  else doc.source.sha256 = sha;
  writeFileSync(descriptionPath(sb, rel), stringify(doc));
}

/**
 * Lets the stub curl's stand-in pass for the real artefact: the description's digest (the pinned
 * one, which the stand-in does not match) becomes the stand-in's. Returns the pinned digest.
 */
export function acceptStandIn(sb: Sandbox, rel: string): string {
  const { source } = description(sb, rel);
  setSha(sb, rel, sha256(standInBytes(String(source.url))));
  return String(source.sha256);
}

export function run(sb: Sandbox, file: string): Promise<{ code: number; stdout: string; stderr: string; log: string[] }> {
  return new Promise((resolve) => {
    // What bootstrap.sh passes the script: the store's bucket, the cluster's directory, AWS's region.
    const store = { STATE_BUCKET: STATE.bucket, CLUSTER_DIR: `${STATE.prefix}/${CLUSTER}`, REGION: 'us-east-1' };
    execFile('bash', [file], { env: { PATH: `${sb.bin}:${process.env.PATH ?? ''}`, LOG: sb.log, STORE: sb.store, DOWNLOADS: sb.downloads, ...store } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, log: readFileSync(sb.log, 'utf8').split('\n').filter((l) => l !== '') });
    });
  });
}
