/**
 * `export kubeconfig` on GCE, end to end through the CLI against the fake Compute API: before the
 * apply the API's address does not exist (a clear error naming the command to run); `update
 * --yes` then writes a context whose server is the static address the fake allocated for the API
 * load balancer; `export kubeconfig --admin` writes a client certificate the real openssl accepts
 * against the context's CA data, in a file the real kubectl reads; and the API server certificate
 * kubeadm issues on the control plane from its bootstrap files (the CA and `certSANs` the store
 * holds) verifies for that address with the same CA data, so kubectl can verify the server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { apiServerURL } from '../../src/cloudup/kubeconfig.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { gceOperatorPermissions } from '../../src/tasks/gce/permissions.js';
import { useFakeGceCompute } from './gce-harness.js';
import { cli, KEY, tempStore } from './harness.js';
import { opensslPubkeyOfCert, opensslPubkeyOfKey, opensslVerify, tempDir, writeTemp } from '../pki/openssl.js';

const PROJECT = 'kops-kubeconfig';
const NAME = 'kc-gce.example.com';
const SAFE = 'kc-gce-example-com';
const fake = useFakeGceCompute(PROJECT);

interface KubectlView {
  'current-context': string;
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data'?: string } }[];
  users: { name: string; user: { 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
  contexts: { name: string; context: { cluster: string; user?: string } }[];
}

function kubectlView(file: string): KubectlView {
  return JSON.parse(execFileSync('kubectl', ['config', 'view', '--raw', '-o', 'json', '--kubeconfig', file], { encoding: 'utf8' })) as KubectlView;
}

const b64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');
const apiAddress = (): string | undefined => fake.all(PROJECT, 'addresses').find((a) => a.name === `api-${SAFE}`)?.address as string | undefined;

/**
 * The serving certificate kubeadm issues from a control plane's bootstrap files: its CA
 * (`pki/ca.crt`, `pki/ca.key`) and `apiServer.certSANs` (kubeadm puts what parses as an IP in the
 * IP SANs, the rest in the DNS SANs), issued here with openssl.
 */
function kubeadmServingCert(caCrt: string, caKey: string, certSANs: readonly string[]): string {
  const dir = tempDir();
  const isIp = (s: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');
  const san = certSANs.map((s) => (isIp(s) ? `IP:${s}` : `DNS:${s}`)).join(',');
  const key = join(dir, 'apiserver.key');
  const csr = join(dir, 'apiserver.csr');
  const crt = join(dir, 'apiserver.crt');
  execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=kube-apiserver', '-addext', `subjectAltName=${san}`, '-addext', 'extendedKeyUsage=serverAuth'], { stdio: 'pipe' });
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', writeTemp(dir, 'ca.crt', caCrt), '-CAkey', writeTemp(dir, 'ca.key', caKey), '-CAcreateserial', '-days', '1', '-copy_extensions', 'copy', '-out', crt], { stdio: 'pipe' });
  return readFileSync(crt, 'utf8');
}

describe(`export kubeconfig on GCE (${NAME})`, () => {
  const s = tempStore();
  const state = ['--state', s.url];
  const dir = mkdtempSync(join(tmpdir(), 'kops-ts-gce-kubeconfig-'));

  it('before the apply: the API address does not exist yet, said with the command that creates it; nothing written', async () => {
    const created = await cli(['create', 'cluster', '--name', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--ssh-public-key', KEY, ...state]);
    expect(created.code, created.stderr).toBe(0);
    const file = join(dir, 'early');
    const r = await cli(['export', 'kubeconfig', NAME, '--kubeconfig', file, ...state]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cluster ${NAME} has DNS None, and the static address of its API load balancer (Address api-${SAFE} in project ${PROJECT}, region us-central1) does not exist yet`);
    expect(r.stderr).toContain(`kops-ts update cluster --name ${NAME} --yes`);
    expect(existsSync(file)).toBe(false);
    // --internal needs no cloud read: the internal name, as on AWS (the CA is what is missing then).
    const internal = await cli(['export', 'kubeconfig', NAME, '--internal', '--kubeconfig', file, ...state]);
    expect(internal.stderr).toContain(`cluster ${NAME} has no kubernetes-ca yet`);
  });

  it('update --yes exports a context whose server is the address the fake allocated, and suggests only what runs on GCE', async () => {
    const file = join(dir, 'after-update');
    const r = await cli(['update', 'cluster', '--name', NAME, '--yes', ...state], { env: { KUBECONFIG: file } });
    expect(r.code, r.stderr).toBe(0);
    const ip = apiAddress();
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(r.stdout).toContain(`kops-ts has set your kubectl context to ${NAME} (https://${ip}) in ${file}`);
    expect(r.stdout).toContain(`kops-ts export kubeconfig --name ${NAME} --admin`);
    expect(r.stderr).not.toContain('not exported');
    expect(r.stderr).toContain('the context has no user');
    const kc = parse(readFileSync(file, 'utf8')) as { clusters: { name: string; cluster: { server: string } }[]; 'current-context': string };
    expect(kc.clusters.find((c) => c.name === NAME)?.cluster.server).toBe(`https://${ip}`);
    expect(kc['current-context']).toBe(NAME);
  });

  it('export kubeconfig --admin: a client certificate openssl verifies against the CA data, in a file kubectl reads', async () => {
    const file = join(dir, 'admin');
    const r = await cli(['export', 'kubeconfig', NAME, '--admin', '--kubeconfig', file, ...state]);
    expect(r.code, r.stderr).toBe(0);
    const ip = apiAddress()!;
    expect(r.stdout).toContain(`kops-ts has set your kubectl context to ${NAME} (https://${ip}) in ${file}`);
    const view = kubectlView(file);
    expect(view['current-context']).toBe(NAME);
    const cluster = view.clusters.find((c) => c.name === NAME)!;
    expect(cluster.cluster.server).toBe(`https://${ip}`);
    const user = view.users.find((u) => u.name === NAME)!;
    const ca = b64(cluster.cluster['certificate-authority-data']);
    const cert = b64(user.user['client-certificate-data']);
    const verified = opensslVerify(ca, cert, { purpose: 'sslclient' });
    expect(verified.output).toContain(': OK');
    expect(verified.ok).toBe(true);
    expect(opensslPubkeyOfCert(cert)).toBe(opensslPubkeyOfKey(b64(user.user['client-key-data'])));
  });

  it('the API server certificate kubeadm issues from the control plane\'s bootstrap files names the address, under the CA kubectl trusts', () => {
    const ip = apiAddress()!;
    const cp = join(s.dir, NAME, 'igconfig', 'control-plane', 'control-plane-us-central1-a');
    const docs = parseAllDocuments(readFileSync(join(cp, 'kubeadm-init.yaml'), 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
    const cc = docs.find((d) => d.kind === 'ClusterConfiguration') as { controlPlaneEndpoint: string; apiServer: { certSANs: string[] } };
    expect(cc.controlPlaneEndpoint).toBe(`${ip}:443`);
    expect(cc.apiServer.certSANs).toContain(ip);
    const serving = kubeadmServingCert(readFileSync(join(cp, 'pki', 'ca.crt'), 'utf8'), readFileSync(join(cp, 'pki', 'ca.key'), 'utf8'), cc.apiServer.certSANs);
    const view = kubectlView(join(dir, 'admin'));
    const ca = b64(view.clusters.find((c) => c.name === NAME)!.cluster['certificate-authority-data']);
    // What kubectl checks: the chain to the context's CA data, and the server's address in the SANs.
    const verify = (host: string) => spawnSync('openssl', ['verify', '-CAfile', writeTemp(tempDir(), 'ca.pem', ca), '-purpose', 'sslserver', '-verify_ip', host, writeTemp(tempDir(), 'apiserver.pem', serving)], { encoding: 'utf8' });
    const good = verify(ip);
    expect(`${good.stdout}${good.stderr}`).toContain(': OK');
    expect(good.status).toBe(0);
    const other = verify('203.0.113.77');
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(/IP address mismatch/);
  });

  it('without compute.addresses.get: the read fails naming the permission and the address, and nothing is written', async () => {
    const file = join(dir, 'denied');
    fake.permissions = new Set(gceOperatorPermissions().filter((p) => p !== 'compute.addresses.get'));
    try {
      const r = await cli(['export', 'kubeconfig', NAME, '--admin', '--kubeconfig', file, ...state]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cluster ${NAME} has DNS None: reading its API address api-${SAFE} (project ${PROJECT}, region us-central1) from GCE failed (forbidden: Required 'compute.addresses.get' permission`);
      expect(existsSync(file)).toBe(false);
    } finally {
      fake.permissions = undefined;
    }
  });

  it('--internal: the internal name, as on AWS', async () => {
    const file = join(dir, 'internal');
    const r = await cli(['export', 'kubeconfig', NAME, '--internal', '--kubeconfig', file, ...state]);
    expect(r.code, r.stderr).toBe(0);
    expect(kubectlView(file).clusters.find((c) => c.name === NAME)?.cluster.server).toBe(`https://api.internal.${NAME}`);
  });
});

describe('apiServerURL on GCE', () => {
  it('a cluster with DNS is reached by its API name, without a Compute call', async () => {
    const { cluster } = newCluster({ name: 'dns-gce.example.com', cloud: 'gce', zones: ['us-central1-a'], project: PROJECT, dnsZone: 'example.com' });
    const calls = fake.calls.length;
    expect(await apiServerURL(cluster, false)).toBe('https://api.dns-gce.example.com');
    expect(fake.calls.length).toBe(calls);
  });

  it('a cluster with DNS None and no API load balancer: no address to read, said with what to set', async () => {
    const { cluster } = newCluster({ name: 'nolb-gce.example.com', cloud: 'gce', zones: ['us-central1-a'], project: PROJECT });
    const noLb = { ...cluster, spec: { ...cluster.spec, api: {} } };
    const e = await apiServerURL(noLb, false).catch((x: unknown) => x);
    expect((e as Error).message).toBe('cluster nolb-gce.example.com has DNS None and no API load balancer (spec.api.loadBalancer), so there is no address to reach its API by');
  });
});
