/**
 * export kubeconfig: the merged file is accepted by the real kubectl, keeps what was there, and its
 * admin client certificate verifies against the cluster CA with the real openssl.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { KeysetStore, ensureClusterKeysets, trustBundle } from '../../src/pki/index.js';
import { x509 } from '../../src/pki/crypto.js';
import { KEY, cli, tempStore } from './harness.js';
import { testAws } from '../helpers/aws.js';
import { opensslText, opensslVerify, tempDir } from '../pki/openssl.js';

const NAME = 'kc.example.com';
let url: string;

interface KubectlView {
  'current-context': string;
  clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data'?: string } }>;
  users: Array<{ name: string; user: { 'client-certificate-data'?: string; 'client-key-data'?: string; token?: string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
}

function kubectlView(file: string): KubectlView {
  return JSON.parse(execFileSync('kubectl', ['config', 'view', '--raw', '-o', 'json', '--kubeconfig', file], { encoding: 'utf8' })) as KubectlView;
}

const OTHER = `apiVersion: v1
kind: Config
clusters:
- name: other
  cluster:
    server: https://other.example.net
users:
- name: other-user
  user:
    token: abc
contexts:
- name: other
  context:
    cluster: other
    user: other-user
current-context: other
`;

beforeEach(async () => {
  url = tempStore().url;
  const built = newCluster({ name: NAME, zones: ['us-east-1a'] });
  const cs = new Clientset(openStateStore(url));
  await cs.createCluster(built.cluster, built.instanceGroups);
});

async function withKeysets(): Promise<string> {
  const cluster = (await new Clientset(openStateStore(url)).getCluster(NAME)).object;
  await ensureClusterKeysets(new KeysetStore(openStateStore(url)), cluster);
  return trustBundle((await new KeysetStore(openStateStore(url)).get(NAME, 'kubernetes-ca')).keyset);
}

describe('export kubeconfig', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('--admin=1h merges an admin context that kubectl accepts, keeps the other entries, and its certificate verifies against the cluster CA', async () => {
    // A cluster applied on the emulator: DNS None (the default), so the server is the API load balancer's DNS name.
    const aws = testAws();
    await aws.clients.iam.send(new CreateUserCommand({ UserName: 'pipeline' }));
    const access = (await aws.clients.iam.send(new CreateAccessKeyCommand({ UserName: 'pipeline' }))).AccessKey!;
    const env = { AWS_ENDPOINT_URL: aws.endpoint, AWS_ACCESS_KEY_ID: access.AccessKeyId!, AWS_SECRET_ACCESS_KEY: access.SecretAccessKey!, AWS_REGION: 'us-east-1' };
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v); // in-process, the SDK reads process.env
    const applied = tempStore().url;
    expect((await cli(['--state', applied, 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--ssh-public-key', KEY], { env })).code).toBe(0);
    const update = await cli(['--state', applied, 'update', 'cluster', '--name', NAME, '--yes'], { env });
    expect(update.code, update.stderr).toBe(0);
    url = applied;
    const bundle = trustBundle((await new KeysetStore(openStateStore(url)).get(NAME, 'kubernetes-ca')).keyset);
    const { DescribeLoadBalancersCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
    const lbDns = (await aws.clients.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers?.find((l) => l.LoadBalancerName?.startsWith('api-'))?.DNSName;
    expect(lbDns).toBeDefined();

    const file = join(tempDir(), 'config');
    writeFileSync(file, OTHER);
    const r = await cli(['--state', url, 'export', 'kubeconfig', NAME, '--admin=1h', '--kubeconfig', file], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`kops-ts has set your kubectl context to ${NAME} (https://${lbDns}) in ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const view = kubectlView(file);
    expect(view['current-context']).toBe(NAME);
    expect(view.clusters.map((c) => c.name).sort()).toEqual([NAME, 'other']);
    expect(view.users.find((u) => u.name === 'other-user')?.user.token).toBe('abc');
    expect(view.contexts.find((c) => c.name === NAME)?.context).toEqual({ cluster: NAME, user: NAME });
    const cluster = view.clusters.find((c) => c.name === NAME)!.cluster;
    expect(cluster.server).toBe(`https://${lbDns}`);
    expect(Buffer.from(cluster['certificate-authority-data']!, 'base64').toString()).toBe(bundle);

    const user = view.users.find((u) => u.name === NAME)!.user;
    const cert = Buffer.from(user['client-certificate-data']!, 'base64').toString();
    const key = Buffer.from(user['client-key-data']!, 'base64').toString();
    expect(opensslVerify(bundle, cert, { purpose: 'sslclient' })).toMatchObject({ ok: true });
    expect(opensslText(cert)).toMatch(/O\s?=\s?system:masters/);
    const parsed = new x509.X509Certificate(cert);
    expect(parsed.notAfter.getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
    expect(parsed.notAfter.getTime() - Date.now()).toBeLessThanOrEqual(60 * 60_000);
    expect(execFileSync('openssl', ['pkey', '-pubout'], { input: key, encoding: 'utf8' })).toBe(execFileSync('openssl', ['x509', '-noout', '-pubkey'], { input: cert, encoding: 'utf8' }));
    // The key went to the file, not to the terminal.
    expect(r.stdout + r.stderr).not.toContain('PRIVATE KEY');

    // Exporting again replaces this cluster's entries instead of duplicating them.
    expect((await cli(['--state', url, 'export', 'kubeconfig', NAME, '--admin', '--internal', '--kubeconfig', file], { env })).code).toBe(0);
    const again = kubectlView(file);
    expect(again.clusters.filter((c) => c.name === NAME).map((c) => c.cluster.server)).toEqual([`https://api.internal.${NAME}`]);
    expect(again.users.filter((u) => u.name === NAME)).toHaveLength(1);
  });

  it('without --admin: $KUBECONFIG is written, the context has no user, and a warning says so; bad flags and a missing CA are clear errors', async () => {
    const file = join(tempDir(), 'nested', 'kubeconfig');
    const missing = await cli(['--state', url, 'export', 'kubeconfig', NAME, '--admin', '--internal'], { env: { KUBECONFIG: file } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`cluster ${NAME} has no kubernetes-ca yet`);
    await withKeysets();
    const r = await cli(['--state', url, 'export', 'kubeconfig', NAME, '--internal'], { env: { KUBECONFIG: `${file}:/elsewhere/config` } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: the context has no user');
    const view = kubectlView(file);
    expect(view.contexts.find((c) => c.name === NAME)?.context.cluster).toBe(NAME);
    expect(view.users ?? []).toEqual([]);
    const bad = await cli(['--state', url, 'export', 'kubeconfig', NAME, '--admin=forever', '--kubeconfig', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--admin "forever": expected a lifetime above zero');
    const both = await cli(['--state', url, 'export', 'kubeconfig', NAME, '--admin', '--user', 'x', '--kubeconfig', file]);
    expect(both.stderr).toContain('--admin and --user cannot be used together');
    writeFileSync(file, 'clusters: [ this is not');
    const broken = await cli(['--state', url, 'export', 'kubeconfig', NAME, '--internal', '--kubeconfig', file]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`${file}: cannot be read as a kubeconfig`);
    expect(readFileSync(file, 'utf8')).toBe('clusters: [ this is not');
  });
});
