/** The real binary, as a user or a pipeline runs it: exit codes, one-line errors, clean stdout. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runBin } from '../helpers/bin.js';
import { scratchKubeconfig } from '../helpers/kubeconfig.js';

const kops = runBin;

describe('bin/kops-ts.js', () => {
  it('creates a cluster from a fresh checkout and answers -o json with JSON only', async () => {
    const state = `file://${mkdtempSync(join(tmpdir(), 'kops-ts-bin-'))}`;
    const created = await kops(['create', 'cluster', '--name', 'bin.example.com', '--zones', 'us-east-1a'], { KOPS_STATE_STORE: state });
    expect(created.code).toBe(0);
    const got = await kops(['get', 'clusters', '-o', 'json'], { KOPS_STATE_STORE: state });
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual([expect.objectContaining({ kind: 'Cluster', metadata: expect.objectContaining({ name: 'bin.example.com' }) })]);
  });

  it('exits 2 on a usage error with one line on stderr and nothing on stdout', async () => {
    const r = await kops(['get', 'clusters', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: unknown option '--bogus'/)]);
  });

  it('exits 2 (usage) with a hint when the state store is missing', async () => {
    const r = await kops(['get', 'clusters']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*--state.*KOPS_STATE_STORE/);
  });

  it('names the bucket and exits 1 when an s3:// state store cannot be reached', async () => {
    const r = await kops(['get', 'clusters', '--state', 's3://kops-ts-no-such-bucket-4d2a'], {
      AWS_ENDPOINT_URL: inject('awsEndpoint'),
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: .*kops-ts-no-such-bucket-4d2a/)]);
  });

  it('create cluster --yes applies to the cloud, and a second update has nothing to do (exit 0)', async () => {
    const state = `file://${mkdtempSync(join(tmpdir(), 'kops-ts-bin-yes-'))}`;
    const env = {
      KOPS_STATE_STORE: state,
      AWS_ENDPOINT_URL: inject('awsEndpoint'),
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
    };
    const key = new URL('../../scripts/demo-key.pub', import.meta.url).pathname;
    const created = await kops(['create', 'cluster', '--name', 'bin-yes.example.com', '--zones', 'us-east-1a', '--ssh-public-key', key, '--yes'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/\d+ change\(s\) applied to the cloud/);
    const again = await kops(['update', 'cluster', '--name', 'bin-yes.example.com', '--detailed-exitcode'], env);
    expect([again.code, again.stdout.trim()]).toEqual([0, 'No changes need to be applied']);
  }, 120_000);

  it('update cluster --yes exports a kubectl context as kops does: a warning without --admin, an admin credential with it, none with --create-kube-config=false', async () => {
    const state = `file://${mkdtempSync(join(tmpdir(), 'kops-ts-bin-kcfg-'))}`;
    const kubeconfig = scratchKubeconfig();
    const env = {
      KOPS_STATE_STORE: state,
      KUBECONFIG: kubeconfig,
      AWS_ENDPOINT_URL: inject('awsEndpoint'),
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
    };
    const name = 'bin-kcfg.example.com';
    const key = new URL('../../scripts/demo-key.pub', import.meta.url).pathname;
    const created = await kops(['create', 'cluster', '--name', name, '--zones', 'us-east-1a', '--ssh-public-key', key, '--yes'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`kops-ts has set your kubectl context to ${name}`);
    expect(created.stderr).toMatch(/warning: the context has no user: re-run with --admin/);
    const view = () => JSON.parse(execFileSync('kubectl', ['config', 'view', '--raw', '-o', 'json', '--kubeconfig', kubeconfig], { encoding: 'utf8' })) as {
      'current-context': string;
      contexts: { name: string; context: { user?: string } }[];
      users: { name: string; user: { 'client-certificate-data'?: string } }[];
    };
    expect(view()['current-context']).toBe(name);
    expect(view().contexts.find((c) => c.name === name)?.context.user ?? '').toBe('');

    const admin = await kops(['update', 'cluster', '--name', name, '--yes', '--admin=1h'], env);
    expect(admin.code).toBe(0);
    expect(admin.stderr).not.toContain('the context has no user');
    const cert = view().users.find((u) => u.name === name)?.user['client-certificate-data'];
    expect(cert).toBeTruthy();
    // The admin certificate is signed by the cluster CA the context trusts.
    const dir = mkdtempSync(join(tmpdir(), 'kops-ts-bin-kcfg-verify-'));
    const ca = (JSON.parse(execFileSync('kubectl', ['config', 'view', '--raw', '-o', 'json', '--kubeconfig', kubeconfig], { encoding: 'utf8' })) as { clusters: { name: string; cluster: { 'certificate-authority-data': string } }[] }).clusters.find((c) => c.name === name)!.cluster['certificate-authority-data'];
    writeFileSync(join(dir, 'ca.crt'), Buffer.from(ca, 'base64'));
    writeFileSync(join(dir, 'admin.crt'), Buffer.from(cert!, 'base64'));
    expect(execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'admin.crt')], { encoding: 'utf8' })).toContain(': OK');

    const before = readFileSync(kubeconfig, 'utf8');
    const none = await kops(['update', 'cluster', '--name', name, '--yes', '--create-kube-config=false'], env);
    expect(none.code).toBe(0);
    expect(none.stdout).not.toContain('kubectl context');
    expect(readFileSync(kubeconfig, 'utf8')).toBe(before);

    // A bad combination is refused before anything is applied.
    const both = await kops(['update', 'cluster', '--name', name, '--yes', '--admin', '--user', 'someone'], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^error: --admin and --user cannot be used together/);
  }, 120_000);
});
