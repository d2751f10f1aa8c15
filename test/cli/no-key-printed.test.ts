/**
 * No private key reaches stdout or stderr: the first `update cluster --yes` (which generates the
 * keysets), with -v 2, and the commands that read the cluster afterwards.
 */
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStateStore } from '../../src/statestore/open.js';
import { KeysetStore } from '../../src/pki/index.js';
import { testAws } from '../helpers/aws.js';
import { KEY, cli, tempStore, type CliResult } from './harness.js';

describe('no key material is printed', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('by update cluster --yes -v 2 that generates the keysets, nor by get/keypair commands after it', async () => {
    const aws = testAws();
    await aws.clients.iam.send(new CreateUserCommand({ UserName: 'pipeline' }));
    const key = (await aws.clients.iam.send(new CreateAccessKeyCommand({ UserName: 'pipeline' }))).AccessKey!;
    const { url } = tempStore();
    const env = { KOPS_STATE_STORE: url, AWS_ENDPOINT_URL: aws.endpoint, AWS_ACCESS_KEY_ID: key.AccessKeyId!, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey!, AWS_REGION: 'us-east-1' };
    // In-process, the AWS SDK reads the credentials and endpoint from process.env.
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    const name = 'quiet.example.com';
    const outputs: CliResult[] = [];
    const run = async (...args: string[]) => {
      const r = await cli(['-v', '2', ...args], { env });
      outputs.push(r);
      return r;
    };
    expect((await run('create', 'cluster', '--name', name, '--zones', 'us-east-1a', '--ssh-public-key', KEY)).code).toBe(0);
    const applied = await run('update', 'cluster', '--name', name, '--yes');
    expect(applied.code, applied.stderr).toBe(0);
    expect((await run('get', 'keypairs', '--name', name, '-o', 'yaml')).code).toBe(0);
    expect((await run('get', 'cluster', name, '--full', '-o', 'yaml')).code).toBe(0);
    expect((await run('create', 'keypair', 'kubernetes-ca', '--name', name)).code).toBe(0);
    expect((await run('promote', 'keypair', 'kubernetes-ca', '--name', name)).code).toBe(0);
    expect((await run('distrust', 'keypair', 'etcd-manager-ca-main', '1', '--name', name)).code).toBe(1);

    const ks = new KeysetStore(openStateStore(url));
    const secrets: string[] = [];
    for (const n of await ks.list(name)) {
      for (const item of (await ks.get(name, n)).keyset.items) {
        secrets.push(...item.privateKey!.split('\n').filter((l) => l.length > 40), Buffer.from(item.privateKey!).toString('base64').slice(0, 60));
      }
    }
    expect(secrets.length).toBeGreaterThanOrEqual(6 * 5);
    for (const r of outputs) {
      const text = r.stdout + r.stderr;
      expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----|privateMaterial/);
      for (const s of secrets) expect(text).not.toContain(s);
    }
  });
});
