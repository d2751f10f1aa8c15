/** The real binary, as a user or a pipeline runs it: exit codes, one-line errors, clean stdout. */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

const BIN = new URL('../../bin/kops-ts.js', import.meta.url).pathname;
const exec = promisify(execFile);

async function kops(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec('node', [BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

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
});
