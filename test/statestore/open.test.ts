import { createServer } from 'node:net';
import { CreateBucketCommand, HeadObjectCommand, PutBucketEncryptionCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import {
  FileStateStore,
  MemoryStateStore,
  S3StateStore,
  defaultRegion,
  openStateStore,
  parseStateStoreURL,
  resetMemoryStores,
  resolveStateStoreURL,
} from '../../src/statestore/index.js';
import { EnvelopeStateStore } from '../../src/statestore/envelope.js';
import { LazyStateStore } from '../../src/statestore/lazy.js';
import { testAws, uniqueBucket } from '../helpers/aws.js';
import { rejectionOf, thrownBy } from '../helpers/errors.js';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('state store URLs', () => {
  it('parses the supported forms', () => {
    expect(parseStateStoreURL('s3://my-bucket')).toEqual({ scheme: 's3', bucket: 'my-bucket', prefix: '' });
    expect(parseStateStoreURL('s3://my.bucket/teams/a/')).toEqual({ scheme: 's3', bucket: 'my.bucket', prefix: 'teams/a' });
    expect(parseStateStoreURL('file:///var/lib/kops')).toEqual({ scheme: 'file', path: '/var/lib/kops' });
    expect(parseStateStoreURL('file:///tmp/with%20space/')).toEqual({ scheme: 'file', path: '/tmp/with space' });
    expect(parseStateStoreURL('/srv/state')).toEqual({ scheme: 'file', path: '/srv/state' });
    expect(parseStateStoreURL('memory://unit-1')).toEqual({ scheme: 'memory', name: 'unit-1' });
  });

  it('opens the matching backend with a canonical url', async () => {
    // Every backend is wrapped in the envelope decorator (envelope.ts); `inner` is the backend.
    const inner = (s: unknown) => (s as EnvelopeStateStore).inner;
    expect(inner(openStateStore('memory://x'))).toBeInstanceOf(MemoryStateStore);
    const file = openStateStore('/srv/state/');
    expect(file).toBeInstanceOf(EnvelopeStateStore);
    expect(inner(file)).toBeInstanceOf(FileStateStore);
    expect(file.url).toBe('file:///srv/state');
    const s3 = openStateStore('s3://bucket-x/p/', { aws: { region: 'eu-west-1' } });
    // s3:// imports its SDK on the first operation (lazy.ts), so the backend is reached through it.
    expect(inner(s3)).toBeInstanceOf(LazyStateStore);
    expect(await (inner(s3) as LazyStateStore).backend()).toBeInstanceOf(S3StateStore);
    expect(s3.url).toBe('s3://bucket-x/p');
    resetMemoryStores();
  });

  it('rejects unsupported and malformed URLs, listing the supported forms', () => {
    for (const bad of ['gs://Bad_Bucket', 'http://example.com/state', 'state', './state', 'file://relative/path', 's3://', 's3://Bad_Bucket', 's3://b/../x', 'memory://', 'memory://a/b', 's3://ab', 'file://', '/']) {
      const e = thrownBy(() => parseStateStoreURL(bad), KopsError);
      expect(e.code, bad).toBe('InvalidStateStoreURL');
      expect(e.message).toContain(bad);
      expect(e.diagnostics[0]?.hint).toContain('s3://bucket[/prefix], gs://bucket[/prefix], file:///abs/path (memory://name only in tests and the library)');
    }
    expect(parseStateStoreURL('gs://bucket')).toEqual({ scheme: 'gs', bucket: 'bucket', prefix: '' });
  });

  it('takes --state, then KOPS_STATE_STORE, else says what to do', () => {
    expect(resolveStateStoreURL('s3://flag', { KOPS_STATE_STORE: 's3://env' })).toBe('s3://flag');
    expect(resolveStateStoreURL(undefined, { KOPS_STATE_STORE: 's3://env' })).toBe('s3://env');
    expect(resolveStateStoreURL('', { KOPS_STATE_STORE: 's3://env' })).toBe('s3://env');
    const e = thrownBy(() => resolveStateStoreURL(undefined, {}), KopsError);
    expect(e.code).toBe('MissingStateStore');
    expect(e.diagnostics[0]?.hint).toContain('--state');
    expect(e.diagnostics[0]?.hint).toContain('KOPS_STATE_STORE');
    expect(e.diagnostics[0]?.hint).toContain('file://$HOME/.kops-ts/state');
  });

  it('picks the S3 region from AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1', () => {
    expect(defaultRegion({ AWS_REGION: 'eu-west-3', AWS_DEFAULT_REGION: 'us-west-2' })).toBe('eu-west-3');
    expect(defaultRegion({ AWS_DEFAULT_REGION: 'us-west-2' })).toBe('us-west-2');
    expect(defaultRegion({})).toBe('us-east-1');
  });
});

describe('s3 backend specifics', () => {
  it('says the bucket is missing, naming it, when it does not exist', async () => {
    const t = testAws();
    const bucket = uniqueBucket('kops-ts-missing');
    const store = openStateStore(`s3://${bucket}/p`, { aws: t.options });
    for (const op of [() => store.read('c/config'), () => store.write('c/config', 'x'), () => store.list('c/')]) {
      const e = await rejectionOf(op(), KopsError);
      expect(e.code).toBe('StateStoreUnreachable');
      expect(e.message).toContain(`bucket "${bucket}" does not exist`);
      expect(e.diagnostics[0]?.hint).toContain(`s3://${bucket}`);
    }
  });

  it('says the store is unreachable, naming the bucket, on a network failure', async () => {
    const t = testAws();
    const store = openStateStore('s3://kops-ts-nowhere/p', { aws: { ...t.options, endpoint: `http://127.0.0.1:${await closedPort()}`, maxAttempts: 1 } });
    const e = await rejectionOf(store.read('c/config'), KopsError);
    expect(e.code).toBe('StateStoreUnreachable');
    expect(e.message).toContain('bucket "kops-ts-nowhere"');
    expect(e.diagnostics[0]?.hint).toMatch(/network/);
  });

  it('keeps prefixes apart and works at the bucket root', async () => {
    const t = testAws();
    const bucket = uniqueBucket('kops-ts-prefix');
    await t.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const root = openStateStore(`s3://${bucket}`, { aws: t.options });
    const a = openStateStore(`s3://${bucket}/team-a`, { aws: t.options });
    const b = openStateStore(`s3://${bucket}/team-b/`, { aws: t.options });
    await a.write('c/config', 'a');
    await b.write('c/config', 'b');
    expect(await a.list('')).toEqual(['c/config']);
    expect(new TextDecoder().decode((await b.read('c/config'))?.data)).toBe('b');
    expect(await root.list('')).toEqual(['team-a/c/config', 'team-b/c/config']);
  });

  it('pages through long listings', async () => {
    const t = testAws();
    const bucket = uniqueBucket('kops-ts-paging');
    await t.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const store = new S3StateStore({ bucket, prefix: 'p', client: t.clients.s3, listPageSize: 10, serverSideEncryption: 'none' });
    const paths = Array.from({ length: 25 }, (_, i) => `c/pki/k${String(i).padStart(2, '0')}`);
    await Promise.all([...paths, 'd/config'].map((p) => store.write(p, 'x')));
    t.counter.reset();
    expect(await store.list('c/')).toEqual(paths);
    expect(t.counter.counts.get('s3:ListObjectsV2Command')).toBe(3);
  });

  it('lists sizes from ListObjectsV2\'s Size, across pages, with no request per object', async () => {
    const t = testAws();
    const bucket = uniqueBucket('kops-ts-sizes');
    await t.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const store = new S3StateStore({ bucket, prefix: 'p', client: t.clients.s3, listPageSize: 10, serverSideEncryption: 'none' });
    const objects = Array.from({ length: 25 }, (_, i) => ({ path: `c/backups/k${String(i).padStart(2, '0')}`, size: 100 * i + 1 }));
    await Promise.all([...objects.map((o) => store.write(o.path, 'x'.repeat(o.size))), store.write('d/config', 'x')]);
    t.counter.reset();
    expect(await store.listSizes('c/')).toEqual(objects);
    expect([...t.counter.counts]).toEqual([['s3:ListObjectsV2Command', 3]]);
  });

  it('requests SSE AES256 unless the bucket encrypts by default or told otherwise', async () => {
    const t = testAws();
    const head = (bucket: string, key: string) => t.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const plain = uniqueBucket('kops-ts-sse');
    await t.clients.s3.send(new CreateBucketCommand({ Bucket: plain }));
    await openStateStore(`s3://${plain}`, { aws: t.options }).write('a', 'x');
    expect((await head(plain, 'a')).ServerSideEncryption).toBe('AES256');
    t.counter.reset();
    const none = openStateStore(`s3://${plain}`, { aws: t.options, s3Encryption: 'none' });
    await none.write('b', 'x');
    expect(t.counter.counts.get('s3:GetBucketEncryptionCommand')).toBeUndefined();

    const kms = uniqueBucket('kops-ts-kms');
    await t.clients.s3.send(new CreateBucketCommand({ Bucket: kms }));
    await t.clients.s3.send(
      new PutBucketEncryptionCommand({
        Bucket: kms,
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/state' } }] },
      }),
    );
    t.counter.reset();
    const store = openStateStore(`s3://${kms}`, { aws: t.options });
    await store.write('a', 'x');
    await store.write('b', 'y');
    expect(t.counter.counts.get('s3:GetBucketEncryptionCommand')).toBe(1);
    expect((await head(kms, 'a')).ServerSideEncryption).not.toBe('AES256');
  });
});
