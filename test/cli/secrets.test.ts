/**
 * Secrets on the command line: `get secrets` shows names and types only, `--secret-key` is checked,
 * and no private key or secret reaches stdout or stderr of any command, with `-v 1` too.
 */
import { scratchKubeconfig } from '../helpers/kubeconfig.js';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { clearSecretValues, ensureClusterSecrets, writeSecret } from '../../src/secrets/index.js';
import { openStateStore } from '../../src/statestore/index.js';
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { awsEndpoint, testAws, uniqueBucket } from '../helpers/aws.js';
import { quietProgram } from '../helpers/cli-commands.js';
import { cli, KEY, tempStore } from './harness.js';

const NAME = 'secret.example.com';
const BIN = new URL('../../bin/kops-ts.js', import.meta.url).pathname;
const exec = promisify(execFile);

interface Seeded {
  readonly url: string;
  readonly dir: string;
  readonly keyB64: string;
  readonly keyFile: string;
  readonly pemFile: string;
  /** Substrings of every secret planted: none may be printed. */
  readonly secrets: string[];
}

/** A cluster whose store holds a bootstrap token, an encryption config, a keyset with a real private key and a user secret. */
async function seeded(): Promise<Seeded> {
  const s = tempStore();
  expect((await cli(['create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--ssh-public-key', KEY, '--state', s.url])).code).toBe(0);
  const keyB64 = randomBytes(32).toString('base64');
  const files = mkdtempSync(join(tmpdir(), 'kops-ts-secret-files-'));
  const keyFile = join(files, 'secret.key');
  writeFileSync(keyFile, `${keyB64}\n`, { mode: 0o600 });
  const store = openStateStore(s.url, { secretKey: new Uint8Array(Buffer.from(keyB64, 'base64')) });
  const made = await ensureClusterSecrets(store, NAME, { encryptionConfig: true });
  const token = Buffer.from(made[0]!.data).toString();
  const aescbc = /secret: (\S+)/.exec(Buffer.from(made[1]!.data).toString())![1]!;
  await writeSecret(store, NAME, 'dockerconfig', '{"auths":{"registry":{"auth":"dXNlcjpodW50ZXIy"}}}');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pemB64 = Buffer.from(pem).toString('base64');
  await store.write(`${NAME}/pki/private/kubernetes-ca/keyset.yaml`, `kind: Keyset\nspec:\n  primaryId: "1"\n  keys:\n  - id: "1"\n    privateMaterial: ${pemB64}\n`);
  // An unreadable instance group that contains a private key: its error is printed (with a stack at -v 1).
  writeFileSync(join(s.dir, NAME, 'instancegroup', 'broken'), `kind: InstanceGroup\nspec: [\n${pem}`);
  // The values this test wrote must not be redacted merely because this process registered them.
  clearSecretValues();
  // The private key as a file a user might pass by mistake (instead of a manifest or a .pub file).
  writeFileSync(join(files, 'ca.key'), pem, { mode: 0o600 });
  const pemBody = pem.split('\n')[2]!;
  return { ...s, keyB64, keyFile, pemFile: join(files, 'ca.key'), secrets: [token.split('.')[1]!, aescbc, 'dXNlcjpodW50ZXIy', pemBody, pemB64.slice(40, 80), keyB64] };
}

function expectNoSecret(out: string, seed: Seeded, what: string): void {
  for (const secret of seed.secrets) expect(out.includes(secret), `${what} printed a secret`).toBe(false);
  expect(out.includes('PRIVATE KEY-----\n'), `${what} printed a private key`).toBe(false);
}

/** Every runnable command path (`get secrets`, `update cluster`, ...). */
function leafCommands(cmd: Command, path: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => (c.commands.length > 0 ? leafCommands(c, [...path, c.name()]) : [[...path, c.name()]]));
}

describe('kops-ts get secrets', () => {
  it('lists types and names, never values, with and without the secret key', async () => {
    const seed = await seeded();
    const env = { KOPS_STATE_STORE: seed.url, KOPS_CLUSTER_NAME: NAME };
    const table = await cli(['get', 'secrets', '--secret-key', seed.keyFile], { env });
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n').map((l) => l.split(/\s+/).join(' '))).toEqual([
      'TYPE NAME',
      'Keypair kubernetes-ca',
      'Secret bootstrap-token',
      'Secret dockerconfig',
      'Secret encryptionconfig',
      '',
    ]);
    // Listing reads no value, so it works without the key even though everything is encrypted.
    const json = await cli(['get', 'secrets', '-o', 'json'], { env });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      { type: 'Keypair', name: 'kubernetes-ca' },
      { type: 'Secret', name: 'bootstrap-token' },
      { type: 'Secret', name: 'dockerconfig' },
      { type: 'Secret', name: 'encryptionconfig' },
    ]);
    const one = await cli(['get', 'secret', 'dockerconfig', '-o', 'yaml'], { env });
    expect(one.stdout).toBe('- type: Secret\n  name: dockerconfig\n');
    for (const r of [table, json, one]) expectNoSecret(r.stdout + r.stderr, seed, 'get secrets');

    const none = await cli(['get', 'secrets', 'nothing-by-this-name'], { env });
    expect(none.stdout).toBe(`no secrets or keypairs in cluster ${NAME} named nothing-by-this-name\n`);
    expect((await cli(['get', 'secrets', '--name', 'absent.example.com'], { env })).code).not.toBe(0);
  });

  it('refuses a bad --secret-key or KOPS_SECRET_KEY with what was expected, without quoting it', async () => {
    const s = tempStore();
    const bad = join(s.dir, 'bad.key');
    writeFileSync(bad, 'hunter2-not-a-key\n');
    const r = await cli(['get', 'secrets', '--name', NAME, '--state', s.url, '--secret-key', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`invalid secret key: it is not base64`);
    expect(r.stderr).toContain(`--secret-key ${bad}`);
    expect(r.stderr).toContain('openssl rand -base64 32');
    expect(r.stderr).not.toContain('hunter2');
    const short = await cli(['get', 'clusters', '--state', s.url], { env: { KOPS_SECRET_KEY: randomBytes(16).toString('base64') } });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('KOPS_SECRET_KEY');
    expect(short.stderr).toContain('decodes to 16 bytes, not 32');
  });
});

describe('no secret reaches stdout or stderr', () => {
  it('of any command, run bare and with its usual arguments, with -v 1', async () => {
    const seed = await seeded();
    const env = { KOPS_STATE_STORE: seed.url, KOPS_CLUSTER_NAME: NAME, KOPS_SECRET_KEY: seed.keyB64, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', KOPS_AWS_CONNECT_TIMEOUT: '200ms' };
    const runs: string[][] = [
      ...leafCommands(quietProgram()).filter((p) => !(p[0] === 'update' || p[0] === 'rollback' || p.join(' ') === 'create cluster')),
      ['get', 'clusters', '-o', 'yaml', '--full'],
      ['get', 'instancegroups', '-o', 'json'],
      ['get', 'instancegroup', 'broken'],
      ['get', 'secrets', '-o', 'yaml'],
      ['get', 'sshpublickeys', '-o', 'yaml'],
      ['edit', 'cluster'],
      ['delete', 'cluster'],
      ['get', 'secrets', '--secret-key', '/nonexistent/key'],
      // A private key given where a manifest or a public key belongs: the errors quote the input.
      ['create', '-f', seed.pemFile],
      ['replace', '-f', seed.pemFile],
      ['create', 'sshpublickey', '-i', seed.pemFile],
    ];
    let brokenSeen = false;
    let redacted = 0;
    for (const args of runs) {
      const r = await cli([...args, '-v', '1'], { env });
      expectNoSecret(r.stdout + r.stderr, seed, args.join(' '));
      if (r.stderr.includes('instancegroup/broken')) brokenSeen = true;
      if (r.stderr.includes('PRIVATE KEY----- <redacted>')) redacted++;
    }
    // The planted broken object was reported (so its error path, stack trace included, was checked),
    // and the private key passed as a manifest reached an error message and was redacted there.
    expect(brokenSeen).toBe(true);
    expect(redacted).toBeGreaterThan(0);
  });

  it('of update cluster and rollback, as a process against the emulator, with -v 1', async () => {
    const seed = await seeded();
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: '/nonexistent',
      KUBECONFIG: scratchKubeconfig(),
      AWS_ENDPOINT_URL: awsEndpoint(),
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      KOPS_STATE_STORE: seed.url,
      KOPS_SECRET_KEY: seed.keyB64,
    };
    for (const args of [['update', 'cluster', '--name', NAME], ['rollback', 'cluster', NAME]]) {
      const r = await exec('node', [BIN, ...args, '-v', '1'], { env }).then(
        (o) => ({ ...o, code: 0 }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      expect(r.stdout.length + r.stderr.length).toBeGreaterThan(0);
      expectNoSecret(r.stdout + r.stderr, seed, args.join(' '));
    }
  });
});

describe('--state-kms-key', () => {
  it('makes every s3:// write of the command request SSE-KMS with that key (flag, else KOPS_STATE_S3_KMS_KEY)', async () => {
    const t = testAws();
    const bucket = uniqueBucket('kops-ts-cli-kms');
    await t.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: '/nonexistent',
      KUBECONFIG: scratchKubeconfig(),
      AWS_ENDPOINT_URL: awsEndpoint(),
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
    };
    const make = (name: string, extra: string[], more: Record<string, string> = {}) =>
      exec('node', [BIN, 'create', 'cluster', '--name', name, '--zones', 'us-east-1a', '--ssh-public-key', KEY, '--state', `s3://${bucket}`, ...extra], {
        env: { ...env, ...more },
      });
    await make('kms-flag.example.com', ['--state-kms-key', 'alias/kops-state']);
    await make('kms-env.example.com', [], { KOPS_STATE_S3_KMS_KEY: 'alias/from-env' });
    await make('kms-none.example.com', []);
    const head = (key: string) => t.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const flag = await head('kms-flag.example.com/config');
    expect([flag.ServerSideEncryption, flag.SSEKMSKeyId]).toEqual(['aws:kms', 'alias/kops-state']);
    const fromEnv = await head('kms-env.example.com/instancegroup/nodes-us-east-1a');
    expect([fromEnv.ServerSideEncryption, fromEnv.SSEKMSKeyId]).toEqual(['aws:kms', 'alias/from-env']);
    expect((await head('kms-none.example.com/config')).ServerSideEncryption).toBe('AES256');

    const bad = await cli(['get', 'clusters', '--state', `s3://${bucket}`, '--state-kms-key', 'not a key id']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--state-kms-key');
    expect(bad.stderr).toContain('alias/<name>');
  });
});

describe('get iam-policy --operator with a state-store KMS key', () => {
  interface Doc {
    Statement: Array<{ Sid: string; Action: string | string[]; Resource: string; Condition?: unknown }>;
  }
  const kmsOf = async (args: string[], env: Record<string, string> = {}) =>
    (JSON.parse((await cli(['get', 'iam-policy', '--operator', '-o', 'json', ...args], { env })).stdout) as Doc).Statement.find((st) => st.Sid === 'StateStoreKMS');

  it('allows GenerateDataKey and Decrypt through S3, on the key when it is an ARN', async () => {
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(await kmsOf(['--state', 's3://state-bucket/p', '--state-kms-key', arn])).toEqual({
      Sid: 'StateStoreKMS',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: arn,
      Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } },
    });
    expect((await kmsOf(['--state', 's3://state-bucket'], { KOPS_STATE_S3_KMS_KEY: 'alias/state' }))?.Resource).toBe('*');
    expect(await kmsOf(['--state', 's3://state-bucket'])).toBeUndefined();
    expect(await kmsOf(['--state', 'file:///tmp/x', '--state-kms-key', arn])).toBeUndefined();
  });
});
