/**
 * `rotate secret-key` end to end on the AWS emulator with an s3:// store: a cluster created and
 * applied (`update --yes`, which generates its keysets and secrets) under key A is re-encrypted
 * under key B; then `get keypairs` and `update cluster` work with B, and with A fail on the
 * rewritten objects with the hint naming B's key id. The bucket's objects under pki/private/ and
 * secrets/ are all envelopes under B; the control planes' CA copies under igconfig/ are untouched.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearSecretValues } from '../../src/secrets/redact.js';
import { secretKeyId } from '../../src/statestore/envelope.js';
import { testAws, uniqueBucket } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { KEY, cli, type CliResult } from './harness.js';

const NAME = 'rekey-s3.example.com';

describe('rotate secret-key on an s3:// store', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('A → B after update --yes: B reads everything, A fails with the hint naming B', async () => {
    const aws = testAws();
    const bucket = uniqueBucket('kops-ts-rekey');
    await aws.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const state = `s3://${bucket}/state`;
    const env = await operatorEnv(aws);
    const a = randomBytes(32).toString('base64');
    const b = randomBytes(32).toString('base64');
    const [idA, idB] = [a, b].map((k) => secretKeyId(Buffer.from(k, 'base64')));
    const fileB = join(mkdtempSync(join(tmpdir(), 'kops-ts-rekey-')), 'new.key');
    writeFileSync(fileB, `${b}\n`, { mode: 0o600 });
    const run = (args: string[], key: string): Promise<CliResult> => {
      clearSecretValues();
      return cli(['--state', state, ...args], { env: { ...env, KOPS_SECRET_KEY: key } });
    };
    const ok = async (args: string[], key: string): Promise<CliResult> => {
      const r = await run(args, key);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
      return r;
    };
    await ok(['create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--ssh-public-key', KEY], a);
    await ok(['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], a);

    const objects = async (prefix: string) => {
      const list = await aws.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `state/${NAME}/${prefix}` }));
      const out: Record<string, string> = {};
      for (const o of list.Contents ?? []) out[o.Key!] = await (await aws.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToString();
      return out;
    };
    const igconfig = await objects('igconfig/');
    expect(Object.values(igconfig).some((v) => v.includes('PRIVATE KEY')), 'the control plane has its plaintext CA key copies').toBe(true);
    const preview = JSON.parse((await ok(['rotate', 'secret-key', '--name', NAME, '--new-secret-key', fileB, '-o', 'json'], a)).stdout) as { toRewrite: number; areas: { area: string; current: number }[] };
    expect(preview.areas.every((x) => x.current > 0)).toBe(true);
    const done = await run(['rotate', 'secret-key', '--name', NAME, '--new-secret-key', fileB, '--yes'], a);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain(`${preview.toRewrite} object(s) re-encrypted under the secret key ${idB}`);
    for (const r of [done]) for (const k of [a, b]) expect(r.stdout + r.stderr).not.toContain(k);

    const rest = { ...(await objects('pki/private/')), ...(await objects('secrets/')) };
    expect(Object.keys(rest)).toHaveLength(preview.toRewrite);
    for (const [k, v] of Object.entries(rest)) expect(v.startsWith(`kops-ts-envelope:v1:${idB}:`), k).toBe(true);
    expect(await objects('igconfig/')).toEqual(igconfig);

    const keypairs = await ok(['get', 'keypairs', '--name', NAME], b);
    expect(keypairs.stdout).toContain('kubernetes-ca');
    await ok(['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], b);
    for (const args of [['get', 'keypairs', '--name', NAME], ['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false']]) {
      const old = await run(args, a);
      expect(old.code, args.join(' ')).not.toBe(0);
      expect(old.stderr).toContain(`it is encrypted with the secret key ${idB}, but the key given is ${idA}`);
      expect(old.stderr).toContain(`give the key whose id is ${idB} with --secret-key`);
    }
  }, 240_000);
});
