import { stat } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { ENVELOPE_MAGIC, EnvelopeStateStore, isProtectedPath, secretKeyId } from '../../src/statestore/envelope.js';
import { openStateStore, resetMemoryStores, type StateStore } from '../../src/statestore/index.js';
import { testAws, uniqueBucket } from '../helpers/aws.js';
import { rejectionOf } from '../helpers/errors.js';

const KEY = new Uint8Array(randomBytes(32));
const OTHER = new Uint8Array(randomBytes(32));
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
const KEYSET = `apiVersion: kops.k8s.io/v1alpha2\nkind: Keyset\nspec:\n  primaryId: "1"\n  keys:\n  - id: "1"\n    privateMaterial: ${Buffer.from(PEM).toString('base64')}\n`;

const text = (d: Uint8Array | undefined) => Buffer.from(d ?? new Uint8Array()).toString('utf8');
const inner = (s: StateStore) => (s as EnvelopeStateStore).inner;

describe('which paths are protected', () => {
  it('is exactly <cluster>/pki/private/* and <cluster>/secrets/*', () => {
    expect(isProtectedPath('c.example.com/pki/private/kubernetes-ca/keyset.yaml')).toBe(true);
    expect(isProtectedPath('c.example.com/secrets/bootstrap-token')).toBe(true);
    expect(isProtectedPath('c.example.com/config')).toBe(false);
    expect(isProtectedPath('c.example.com/pki/ssh/public/admin/abc')).toBe(false);
    expect(isProtectedPath('c.example.com/pki/issued/ca/keyset.yaml')).toBe(false);
    expect(isProtectedPath('c.example.com/instancegroup/secrets/x')).toBe(false);
    expect(isProtectedPath('secrets/x')).toBe(false);
  });
});

describe('envelope encryption on the memory and file backends', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kops-ts-env-'));
  const urls = [`memory://env-${randomBytes(4).toString('hex')}`, `file://${dir}`];

  for (const url of urls) {
    it(`${url.split(':')[0]}: round trip, ciphertext at rest, versions pass through`, async () => {
      const store = openStateStore(url, { secretKey: KEY });
      const path = 'c.example.com/pki/private/kubernetes-ca/keyset.yaml';
      const { version } = await store.write(path, KEYSET, { ifAbsent: true });
      const back = await store.read(path);
      expect(text(back?.data)).toBe(KEYSET);
      expect(back?.version).toBe(version);

      const raw = text((await inner(store).read(path))?.data);
      expect(raw.startsWith(`${ENVELOPE_MAGIC}${secretKeyId(KEY)}:`)).toBe(true);
      expect(raw).not.toContain('privateMaterial');
      expect(raw).not.toContain(Buffer.from(PEM).toString('base64').slice(0, 40));
      expect(raw).not.toContain('PRIVATE KEY');

      // Conditional writes keep their meaning through the decorator.
      expect((await rejectionOf(store.write(path, 'x', { ifAbsent: true }), KopsError)).code).toBe('StateConflict');
      expect((await rejectionOf(store.write(path, 'x', { ifVersion: 'not-the-version' }), KopsError)).code).toBe('StateConflict');
      const v2 = await store.write(path, `${KEYSET}# 2\n`, { ifVersion: version });
      expect(text((await store.read(path))?.data)).toBe(`${KEYSET}# 2\n`);
      expect((await store.read(path))?.version).toBe(v2.version);

      // Two writes of the same plaintext differ at rest (fresh IV each time).
      const s1 = 'c.example.com/secrets/a';
      const s2 = 'c.example.com/secrets/b';
      await store.write(s1, 'same value');
      await store.write(s2, 'same value');
      expect(text((await inner(store).read(s1))?.data)).not.toBe(text((await inner(store).read(s2))?.data));

      // Other paths are stored as they are.
      await store.write('c.example.com/config', 'kind: Cluster\n');
      expect(text((await inner(store).read('c.example.com/config'))?.data)).toBe('kind: Cluster\n');
      expect(await store.list('c.example.com/secrets/')).toEqual([s1, s2]);
      // Sizes are of the stored bytes (the envelope), what a copy beneath the decorator moves.
      const stored = (await inner(store).read(s1))!.data.byteLength;
      expect(stored).toBeGreaterThan('same value'.length);
      expect(await store.listSizes('c.example.com/secrets/')).toEqual([{ path: s1, size: stored }, { path: s2, size: stored }]);
    });

    it(`${url.split(':')[0]}: a missing, wrong or damaged key is a clear error, never garbage`, async () => {
      const path = 'd.example.com/secrets/encryptionconfig';
      await openStateStore(url, { secretKey: KEY }).write(path, 'the secret value');

      const none = await rejectionOf(openStateStore(url).read(path), KopsError);
      expect(none.code).toBe('SecretKeyRequired');
      expect(none.message).toContain(secretKeyId(KEY));
      expect(none.diagnostics[0]?.file).toContain(path);
      expect(none.diagnostics[0]?.hint).toContain('--secret-key');

      const wrong = await rejectionOf(openStateStore(url, { secretKey: OTHER }).read(path), KopsError);
      expect(wrong.code).toBe('SecretKeyMismatch');
      expect(wrong.message).toContain(secretKeyId(KEY));
      expect(wrong.message).toContain(secretKeyId(OTHER));

      const raw = text((await inner(openStateStore(url)).read(path))?.data);
      const parts = raw.trimEnd().split(':');
      // Flip one ciphertext byte: authentication fails.
      const body = Buffer.from(parts[5]!, 'base64');
      body[0] = body[0]! ^ 1;
      await inner(openStateStore(url)).write(path, [...parts.slice(0, 5), body.toString('base64')].join(':'));
      const damaged = await rejectionOf(openStateStore(url, { secretKey: KEY }).read(path), KopsError);
      expect(damaged.code).toBe('EncryptedObjectCorrupt');
      expect(damaged.message).not.toContain('the secret value');

      // A valid envelope copied to another path does not authenticate there.
      const good = 'd.example.com/secrets/a';
      await openStateStore(url, { secretKey: KEY }).write(good, 'value of a');
      const copied = (await inner(openStateStore(url)).read(good))!.data;
      await inner(openStateStore(url)).write('d.example.com/secrets/b', copied);
      expect((await rejectionOf(openStateStore(url, { secretKey: KEY }).read('d.example.com/secrets/b'), KopsError)).code).toBe('EncryptedObjectCorrupt');

      await inner(openStateStore(url)).write(path, `${ENVELOPE_MAGIC}nonsense`);
      expect((await rejectionOf(openStateStore(url, { secretKey: KEY }).read(path), KopsError)).code).toBe('EncryptedObjectCorrupt');
    });

    it(`${url.split(':')[0]}: without a key, writes are plaintext and plaintext stays readable with one`, async () => {
      const path = 'e.example.com/secrets/old';
      await openStateStore(url).write(path, 'written before a key was set');
      expect(text((await inner(openStateStore(url)).read(path))?.data)).toBe('written before a key was set');
      expect(text((await openStateStore(url, { secretKey: KEY }).read(path))?.data)).toBe('written before a key was set');
    });
  }

  it('file: private keys and secrets are 0600 in 0700 folders, also after a replace', async () => {
    const store = openStateStore(`file://${dir}/modes`, { secretKey: KEY });
    await store.write('m.example.com/secrets/bootstrap-token', 'v1');
    await store.write('m.example.com/secrets/bootstrap-token', 'v2');
    await store.write('m.example.com/pki/private/kubernetes-ca/keyset.yaml', KEYSET);
    const mode = async (p: string) => (await stat(join(dir, 'modes', p))).mode & 0o777;
    expect(await mode('m.example.com/secrets/bootstrap-token')).toBe(0o600);
    expect(await mode('m.example.com/pki/private/kubernetes-ca/keyset.yaml')).toBe(0o600);
    for (const d of ['m.example.com', 'm.example.com/secrets', 'm.example.com/pki', 'm.example.com/pki/private', 'm.example.com/pki/private/kubernetes-ca']) {
      expect(await mode(d)).toBe(0o700);
    }
    resetMemoryStores();
  });
});

describe('envelope and server-side encryption on S3 (emulator)', () => {
  it('stores ciphertext, requests SSE AES256 by default and SSE-KMS with the given key', async () => {
    const t = testAws();
    const bucket = uniqueBucket('kops-ts-env');
    await t.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const path = 'c.example.com/secrets/bootstrap-token';

    const store = openStateStore(`s3://${bucket}/p`, { aws: t.options, secretKey: KEY });
    await store.write(path, 'abcdef.0123456789abcdef');
    expect(text((await store.read(path))?.data)).toBe('abcdef.0123456789abcdef');
    const raw = await t.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `p/${path}` }));
    const atRest = await raw.Body!.transformToString();
    expect(atRest.startsWith(ENVELOPE_MAGIC)).toBe(true);
    expect(atRest).not.toContain('0123456789abcdef');
    expect(raw.ServerSideEncryption).toBe('AES256');

    const kmsKey = 'arn:aws:kms:us-east-1:123456789012:key/0b4ad2f3-7a4e-4f5d-9d8c-2c0e6a1b7f10';
    const kms = openStateStore(`s3://${bucket}/k`, { aws: t.options, s3Encryption: { kmsKeyId: kmsKey } });
    t.counter.reset();
    await kms.write('c.example.com/config', 'kind: Cluster\n');
    // A user's KMS key is requested on every write, without asking the bucket for its default.
    expect(t.counter.counts.get('s3:GetBucketEncryptionCommand')).toBeUndefined();
    const head = await t.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k/c.example.com/config' }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toBe(kmsKey);
  });
});
