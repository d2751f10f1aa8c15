/**
 * gs:// specifics, against the fake GCS JSON API (test/fakes/gcs.ts) through the real
 * @google-cloud/storage client: the requests it sends for each precondition, versions as
 * generations, paging, a read racing a replace, the size limit before the body, a KMS key, and
 * the errors (missing bucket, no or refused credentials, an unreachable endpoint). The behaviour
 * every backend shares (conflicts, two writers, the lock, history) runs on gs:// through
 * backends.ts.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { GcsStateStore, acquireClusterLock, openStateStore, parseStateStoreURL } from '../../src/statestore/index.js';
import { emulatorEndpoint } from '../../src/statestore/gcs.js';
import { EnvelopeStateStore } from '../../src/statestore/envelope.js';
import { FakeGcs } from '../fakes/gcs.js';
import { startSilentServer } from '../fakes/silent-server.js';
import { rejectionOf } from '../helpers/errors.js';

const BUCKET = 'kops-ts-gcs';
let fake: FakeGcs;
let endpoint: string;

beforeAll(async () => {
  fake = new FakeGcs();
  endpoint = await fake.start();
  fake.createBucket(BUCKET);
});
afterAll(() => fake.stop());

let n = 0;
function store(extra: Partial<ConstructorParameters<typeof GcsStateStore>[0]> = {}): GcsStateStore {
  return new GcsStateStore({ bucket: BUCKET, prefix: `p${++n}`, endpoint, env: {}, ...extra });
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const text = (d: Uint8Array | undefined) => (d === undefined ? undefined : new TextDecoder().decode(d));

describe('gs:// URLs', () => {
  it('parses bucket and prefix and opens a GCS store with a canonical url', () => {
    expect(parseStateStoreURL('gs://my-bucket')).toEqual({ scheme: 'gs', bucket: 'my-bucket', prefix: '' });
    expect(parseStateStoreURL('gs://my_bucket.example.com/teams/a/')).toEqual({ scheme: 'gs', bucket: 'my_bucket.example.com', prefix: 'teams/a' });
    const s = openStateStore('gs://bucket-x/p/');
    expect((s as EnvelopeStateStore).inner).toBeInstanceOf(GcsStateStore);
    expect(s.url).toBe('gs://bucket-x/p');
  });

  it('refuses invalid bucket names and prefixes, saying what a bucket name may be', () => {
    for (const bad of ['gs://', 'gs://ab', 'gs://Upper', 'gs://-dash', 'gs://goog-bucket', 'gs://b/../x', 'gs://bucket//x', `gs://${'a'.repeat(64)}`]) {
      let e: unknown;
      try {
        parseStateStoreURL(bad);
      } catch (err) {
        e = err;
      }
      expect(e, bad).toBeInstanceOf(KopsError);
      expect((e as KopsError).code, bad).toBe('InvalidStateStoreURL');
      expect((e as KopsError).message).toContain(bad);
    }
    expect(() => parseStateStoreURL('gs://Upper')).toThrow(/not a valid GCS bucket name/);
  });

  it('reads STORAGE_EMULATOR_HOST as host:port or a URL', () => {
    expect(emulatorEndpoint('127.0.0.1:4443')).toBe('http://127.0.0.1:4443');
    expect(emulatorEndpoint('http://localhost:4443/')).toBe('http://localhost:4443');
    expect(emulatorEndpoint('http://localhost:4443/storage/v1/')).toBe('http://localhost:4443');
  });
});

describe('gs:// requests', () => {
  it('versions are generations; create sends ifGenerationMatch=0, replace and delete the generation read', async () => {
    const s = store();
    const key = `${s.prefix}/c/config`;
    fake.requests.length = 0;
    const { version: v1 } = await s.write('c/config', 'one', { ifAbsent: true });
    expect(v1).toBe(fake.object(BUCKET, key)?.generation);
    const create = fake.requests.find((r) => r.method === 'POST')!;
    expect(create.path).toBe(`/upload/storage/v1/b/${BUCKET}/o`);
    expect(create.query).toMatchObject({ uploadType: 'multipart', name: key, ifGenerationMatch: '0' });
    expect(create.headers.authorization).toBeUndefined();

    const got = await s.read('c/config');
    expect(got).toEqual({ data: expect.any(Uint8Array), version: v1 });
    expect(text(got?.data)).toBe('one');
    expect(fake.requests.some((r) => r.path === `/storage/v1/b/${BUCKET}/o/${encodeURIComponent(key)}` && r.query.alt === 'media' && r.query.generation === v1)).toBe(true);

    fake.requests.length = 0;
    const { version: v2 } = await s.write('c/config', 'two', { ifVersion: v1 });
    expect(fake.requests.find((r) => r.method === 'POST')?.query.ifGenerationMatch).toBe(v1);
    expect(BigInt(v2) > BigInt(v1)).toBe(true);

    fake.requests.length = 0;
    await s.delete('c/config', { ifVersion: v2 });
    const del = fake.requests.find((r) => r.method === 'DELETE')!;
    expect(del.path).toBe(`/storage/v1/b/${BUCKET}/o/${encodeURIComponent(key)}`);
    expect(del.query.ifGenerationMatch).toBe(v2);
    expect(fake.object(BUCKET, key)).toBeUndefined();
  });

  it('maps a 412 to StateConflict for create-only and for a stale generation, leaving the object', async () => {
    const s = store();
    await s.write('c/lock', 'first', { ifAbsent: true });
    const exists = await rejectionOf(s.write('c/lock', 'second', { ifAbsent: true }), KopsError);
    expect(exists.code).toBe('StateConflict');
    expect(exists.message).toBe('c/lock already exists');
    expect(exists.diagnostics[0]?.file).toBe(`gs://${BUCKET}/${s.prefix}/c/lock`);
    const current = (await s.read('c/lock'))!.version;
    const other = fake.put(BUCKET, `${s.prefix}/c/lock`, 'someone else');
    const stale = await rejectionOf(s.write('c/lock', 'mine', { ifVersion: current }), KopsError);
    expect(stale.code).toBe('StateConflict');
    expect(stale.message).toBe('c/lock changed since it was read');
    expect((await rejectionOf(s.delete('c/lock', { ifVersion: current }), KopsError)).code).toBe('StateConflict');
    expect(fake.object(BUCKET, `${s.prefix}/c/lock`)?.generation).toBe(other);
    // A version from another kind of store can never match a generation.
    expect((await rejectionOf(s.write('c/lock', 'x', { ifVersion: '"etag-from-s3"' }), KopsError)).code).toBe('StateConflict');
  });

  it('pages through long listings with maxResults and pageToken', async () => {
    const s = store({ listPageSize: 10 });
    const paths = Array.from({ length: 25 }, (_, i) => `c/pki/k${String(i).padStart(2, '0')}`);
    await Promise.all([...paths, 'd/config'].map((p) => s.write(p, 'x')));
    fake.requests.length = 0;
    expect(await s.list('c/')).toEqual(paths);
    const lists = fake.requests.filter((r) => r.method === 'GET' && r.path === `/storage/v1/b/${BUCKET}/o`);
    expect(lists.map((r) => [r.query.prefix, r.query.maxResults, r.query.pageToken !== undefined])).toEqual([
      [`${s.prefix}/c/`, '10', false],
      [`${s.prefix}/c/`, '10', true],
      [`${s.prefix}/c/`, '10', true],
    ]);
  });

  it('lists sizes from objects.list\'s size (a decimal string), across pages, with no request per object', async () => {
    const s = store({ listPageSize: 10 });
    const objects = Array.from({ length: 25 }, (_, i) => ({ path: `c/backups/k${String(i).padStart(2, '0')}`, size: 100 * i + 1 }));
    await Promise.all([...objects.map((o) => s.write(o.path, 'x'.repeat(o.size))), s.write('d/config', 'x')]);
    fake.requests.length = 0;
    expect(await s.listSizes('c/')).toEqual(objects);
    expect(fake.requests.map((r) => [r.method, r.path, r.query.pageToken !== undefined])).toEqual([
      ['GET', `/storage/v1/b/${BUCKET}/o`, false],
      ['GET', `/storage/v1/b/${BUCKET}/o`, true],
      ['GET', `/storage/v1/b/${BUCKET}/o`, true],
    ]);
  });

  it('returns bytes and generation of one version when the object is replaced during a read', async () => {
    const s = store();
    const key = `${s.prefix}/c/config`;
    await s.write('c/config', 'old');
    let newer: string | undefined;
    fake.onRequest = (r) => {
      if (r.query.alt === 'media' && newer === undefined) newer = fake.put(BUCKET, key, 'new');
    };
    try {
      const got = await s.read('c/config');
      expect(text(got?.data)).toBe('new');
      expect(got?.version).toBe(newer);
    } finally {
      fake.onRequest = undefined;
    }
  });

  it('refuses an object over the size limit without downloading it', async () => {
    const s = store({ maxObjectBytes: 8 });
    await s.write('c/big', '0123456789');
    fake.requests.length = 0;
    const e = await rejectionOf(s.read('c/big'), KopsError);
    expect(e.code).toBe('StateObjectTooLarge');
    expect(fake.requests.some((r) => r.query.alt === 'media')).toBe(false);
  });

  it('requests the KMS key on every write when given one', async () => {
    const key = 'projects/p/locations/global/keyRings/kops/cryptoKeys/state';
    const s = store({ kmsKeyName: key });
    fake.requests.length = 0;
    await s.write('c/a', 'x');
    await s.write('c/b', 'y', { ifAbsent: true });
    expect(fake.requests.filter((r) => r.method === 'POST').map((r) => r.query.kmsKeyName)).toEqual([key, key]);
    expect(fake.object(BUCKET, `${s.prefix}/c/a`)?.kmsKeyName).toBe(`${key}/cryptoKeyVersions/1`);
  });

  it('acquires, renews and releases the cluster lock with generation preconditions', async () => {
    const s = store();
    const key = `${s.prefix}/l.example.com/lock`;
    fake.requests.length = 0;
    const lock = await acquireClusterLock(s, 'l.example.com', { operation: 'update cluster' });
    const first = fake.object(BUCKET, key)!.generation;
    expect(lock.info.version).toBe(first);
    expect(fake.requests.filter((r) => r.method === 'POST').map((r) => r.query.ifGenerationMatch)).toEqual(['0']);
    const renewed = await lock.renew();
    expect(renewed.version).toBe(fake.object(BUCKET, key)!.generation);
    expect(renewed.version).not.toBe(first);
    expect(fake.requests.filter((r) => r.method === 'POST').map((r) => r.query.ifGenerationMatch)).toEqual(['0', first]);
    await lock.release();
    expect(fake.object(BUCKET, key)).toBeUndefined();
    expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.query.ifGenerationMatch)).toEqual([renewed.version]);
  });
});

describe('gs:// errors', () => {
  it('says the bucket is missing, naming it, for every operation', async () => {
    const s = new GcsStateStore({ bucket: 'kops-ts-no-such-bucket', prefix: 'p', endpoint, env: {} });
    for (const op of [() => s.read('c/config'), () => s.write('c/config', 'x'), () => s.list('c/'), () => s.delete('c/config')]) {
      const e = await rejectionOf(op(), KopsError);
      expect(e.code).toBe('StateStoreUnreachable');
      expect(e.message).toBe('state store gs://kops-ts-no-such-bucket/p: bucket "kops-ts-no-such-bucket" does not exist');
      expect(e.diagnostics[0]?.hint).toContain('gcloud storage buckets create gs://kops-ts-no-such-bucket');
    }
  });

  it('says the endpoint is unreachable, naming the bucket and the endpoint', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const s = new GcsStateStore({ bucket: BUCKET, prefix: 'p', env: { STORAGE_EMULATOR_HOST: dead }, maxRetries: 0 });
    const e = await rejectionOf(s.read('c/config'), KopsError);
    expect(e.code).toBe('StateStoreUnreachable');
    expect(e.message).toMatch(new RegExp(`^state store gs://${BUCKET}/p: cannot read c/config in bucket "${BUCKET}": ECONNREFUSED`));
    expect(e.diagnostics[0]?.hint).toContain(`endpoint ${dead}`);
  });

  it('bounds every request: an endpoint that never answers fails reads and writes, naming the bucket', async () => {
    const silent = await startSilentServer();
    try {
      const s = new GcsStateStore({ bucket: BUCKET, prefix: 'p', endpoint: silent.endpoint, env: {}, maxRetries: 0, requestTimeoutMs: 300 });
      for (const op of [() => s.read('c/config'), () => s.write('c/config', 'x', { ifAbsent: true }), () => s.list(''), () => s.delete('c/config')]) {
        const e = await rejectionOf(op(), KopsError);
        expect(e.code).toBe('StateStoreUnreachable');
        expect(e.message).toContain(`in bucket "${BUCKET}"`);
        expect(e.message).toMatch(/timeout/);
      }
      expect(silent.connections()).toBeGreaterThanOrEqual(4);
    } finally {
      await silent.close();
    }
  });

  it('says when there are no Google credentials, and what to run', async () => {
    vi.stubEnv('GOOGLE_APPLICATION_CREDENTIALS', '/nonexistent/kops-ts-key.json');
    try {
      const s = store({ storageOptions: { useAuthWithCustomEndpoint: true } });
      const e = await rejectionOf(s.read('c/config'), KopsError);
      expect(e.code).toBe('StateStoreUnreachable');
      expect(e.message).toContain('no Google credentials found');
      expect(e.diagnostics[0]?.hint).toContain('gcloud auth application-default login');
      expect(e.diagnostics[0]?.hint).toContain('GOOGLE_APPLICATION_CREDENTIALS');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('says access is denied, naming the bucket, the permission GCS names, the role and the KMS key in use', async () => {
    const strict = new FakeGcs({ forbid: (r) => r.method === 'POST' });
    const url = await strict.start();
    strict.createBucket(BUCKET);
    try {
      const kms = 'projects/p/locations/us/keyRings/r/cryptoKeys/k';
      const s = new GcsStateStore({ bucket: BUCKET, prefix: 'p', endpoint: url, env: {}, kmsKeyName: kms });
      expect(await s.list('')).toEqual([]);
      const e = await rejectionOf(s.write('c/config', 'x'), KopsError);
      expect(e.code).toBe('StateStoreUnreachable');
      expect(e.message).toBe(`state store gs://${BUCKET}/p: cannot write c/config in bucket "${BUCKET}": access denied (forbidden: permission storage.objects.create denied)`);
      expect(e.diagnostics[0]?.hint).toContain(`gs://${BUCKET} (roles/storage.objectAdmin)`);
      expect(e.diagnostics[0]?.hint).toContain(kms);
    } finally {
      await strict.stop();
    }
  });

  it('says when the credentials are refused', async () => {
    const strict = new FakeGcs({ requireAuth: true });
    const url = await strict.start();
    strict.createBucket(BUCKET);
    try {
      const e = await rejectionOf(new GcsStateStore({ bucket: BUCKET, prefix: '', endpoint: url, env: {} }).list(''), KopsError);
      expect(e.code).toBe('StateStoreUnreachable');
      expect(e.message).toContain('the credentials were refused (HTTP 401)');
    } finally {
      await strict.stop();
    }
  });
});
