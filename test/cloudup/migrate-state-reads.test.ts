/**
 * What `migrate state` reads (src/cloudup/migrate-state.ts), counted by a wrapper around the
 * source and the destination: the preview sizes every object from the source's listing and reads
 * only the source's `config` and `moved` marker and the destination's `config`; `--yes` reads each
 * copied object exactly once (and `config` a second time, last, as it rewrites it); an object over
 * the store's read limit is refused from its listed size, never read.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { atRest, migrateState, planMigration } from '../../src/cloudup/migrate-state.js';
import type { KopsError } from '../../src/diagnostics.js';
import { MAX_STORE_READ_BYTES } from '../../src/model/api/limits.js';
import { withClusterLock } from '../../src/statestore/lock.js';
import { openStateStore } from '../../src/statestore/open.js';
import type { DeleteOptions, ListedObject, StateStore, StoredObject, WriteOptions } from '../../src/statestore/types.js';
import { cliOk, KEY, tempStore } from '../cli/harness.js';
import { testAws, uniqueBucket, type TestAws } from '../helpers/aws.js';

const NAME = 'reads.example.com';
const SECRET_KEY = randomBytes(32);
let template: Record<string, Uint8Array>;
let aws: TestAws;
let bucket: string;

/** Every read, by path, and every listing through this wrapper; the rest passes through. */
class CountingStore implements StateStore {
  readonly url: string;
  readonly reads: string[] = [];
  readonly listings: string[] = [];

  constructor(private readonly inner: StateStore) {
    this.url = inner.url;
  }

  get maxObjectBytes(): number | undefined {
    return this.inner.maxObjectBytes;
  }

  read(path: string): Promise<StoredObject | undefined> {
    this.reads.push(path);
    return this.inner.read(path);
  }

  write(path: string, data: Uint8Array | string, opts?: WriteOptions): Promise<{ version: string }> {
    return this.inner.write(path, data, opts);
  }

  list(prefix: string): Promise<string[]> {
    this.listings.push(`list ${prefix}`);
    return this.inner.list(prefix);
  }

  listSizes(prefix: string): Promise<ListedObject[]> {
    this.listings.push(`listSizes ${prefix}`);
    return this.inner.listSizes(prefix);
  }

  delete(path: string, opts?: DeleteOptions): Promise<void> {
    return this.inner.delete(path, opts);
  }
}

beforeAll(async () => {
  aws = testAws();
  bucket = uniqueBucket('kops-ts-mig-reads');
  await aws.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const s = tempStore();
  const env = { KOPS_SECRET_KEY: SECRET_KEY.toString('base64') };
  await cliOk(['create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--ssh-public-key', KEY, '--state', s.url], { env });
  const enc = openStateStore(s.url, { secretKey: SECRET_KEY });
  await enc.write(`${NAME}/secrets/admin`, 'not-printed-secret');
  for (const day of ['01', '02']) await enc.write(`${NAME}/backups/etcd/main/2026-12-${day}T00:00:00Z/etcd.backup.gz`, randomBytes(4096));
  const raw = atRest(openStateStore(s.url));
  template = {};
  for (const p of await raw.list('')) template[p] = (await raw.read(p))!.data;
});

type Kind = 'memory' | 'file' | 's3';
function open(kind: Kind): StateStore {
  const id = `t-${randomBytes(4).toString('hex')}`;
  if (kind === 'memory') return openStateStore(`memory://${id}`);
  if (kind === 'file') return openStateStore(tempStore().url);
  return openStateStore(`s3://${bucket}/${id}`, { aws: aws.options });
}

async function seeded(kind: Kind): Promise<StateStore> {
  const store = open(kind);
  for (const [p, data] of Object.entries(template)) await store.write(p, data);
  return store;
}

const sorted = (xs: readonly string[]) => [...xs].sort();

describe.each(['memory', 'file', 's3'] as Kind[])('migrate state reads (%s → file)', (kind) => {
  it('the preview reads config, the moved marker and the destination config only, and sizes every object from one listing', async () => {
    const raw = await seeded(kind);
    const source = new CountingStore(atRest(raw));
    const destination = new CountingStore(atRest(open('file')));
    const plan = await planMigration({ source, destination, cluster: NAME });
    expect(sorted(source.reads)).toEqual([`${NAME}/config`, `${NAME}/moved`]);
    expect(destination.reads).toEqual([`${NAME}/config`]);
    expect(source.listings).toEqual([`listSizes ${NAME}/`]);
    // The sizes are the stored bytes', as reading them gave.
    const objects = Object.entries(template).filter(([p]) => p.startsWith(`${NAME}/`));
    expect(plan.objects).toBe(objects.length);
    expect(plan.bytes).toBe(objects.reduce((n, [, d]) => n + d.byteLength, 0));
    const secrets = objects.filter(([p]) => p.startsWith(`${NAME}/secrets/`));
    expect(plan.areas.find((a) => a.area === 'secrets')).toEqual({ area: 'secrets', objects: secrets.length, bytes: secrets.reduce((n, [, d]) => n + d.byteLength, 0) });
    expect(plan.areas.find((a) => a.area === 'backups')).toEqual({ area: 'backups', objects: 2, bytes: 8192 });
  });

  it('--yes reads each copied object exactly once, and config twice (planned, then rewritten last)', async () => {
    const raw = await seeded(kind);
    const source = new CountingStore(atRest(raw));
    const destination = new CountingStore(atRest(open('file')));
    const result = await withClusterLock(raw, NAME, 'migrate state', () => migrateState({ source, destination, cluster: NAME }));
    expect(result.paths.length).toBe(Object.keys(template).length - 1);
    expect(sorted(source.reads)).toEqual(sorted([...result.paths, `${NAME}/config`, `${NAME}/config`, `${NAME}/moved`]));
    expect(destination.reads).toEqual([`${NAME}/config`]);
    // And the bytes arrived: the copy is what was read.
    for (const p of result.paths) expect(Buffer.from((await destination.read(p))!.data).equals(Buffer.from(template[p]!)), p).toBe(true);
  });
});

describe('a destination holding this copy already (a run stopped before the marker)', () => {
  it('is compared byte for byte only once both listings agree on paths and sizes', async () => {
    const store = await seeded('memory');
    const done = atRest(open('file'));
    await withClusterLock(store, NAME, 'migrate state', () => migrateState({ source: store, destination: done, cluster: NAME }));
    await store.delete(`${NAME}/moved`); // as if the marker's write had failed
    const source = new CountingStore(atRest(store));
    const destination = new CountingStore(done);
    const plan = await planMigration({ source, destination, cluster: NAME });
    expect(plan.resuming).toBe(true);
    const compared = plan.paths;
    expect(sorted(source.reads)).toEqual(sorted([`${NAME}/config`, `${NAME}/moved`, ...compared]));
    expect(sorted(destination.reads)).toEqual(sorted([`${NAME}/config`, ...compared]));

    // One object of another size there: refused from the listings, no object read to compare.
    const backup = compared.find((p) => p.includes('/backups/'))!;
    await done.write(backup, randomBytes(10));
    const [src2, dst2] = [new CountingStore(atRest(store)), new CountingStore(done)];
    await expect(planMigration({ source: src2, destination: dst2, cluster: NAME })).rejects.toMatchObject({ code: 'MigrateDestinationHasCluster' });
    expect(sorted(src2.reads)).toEqual([`${NAME}/config`, `${NAME}/moved`]);
    expect(dst2.reads).toEqual([`${NAME}/config`]);
  });
});

describe('an etcd backup over the read limit', () => {
  it('is refused from its listed size, never read; --skip-backups leaves it unlisted in the plan and unread by the copy', async () => {
    const s = tempStore();
    const store = openStateStore(s.url);
    for (const [p, data] of Object.entries(template)) await store.write(p, data);
    // A sparse file past the default 64 MiB limit, as a big cluster's backup may be.
    const big = `${NAME}/backups/etcd/main/2026-12-03T00:00:00Z/etcd.backup.gz`;
    const file = join(s.dir, ...big.split('/'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '');
    truncateSync(file, MAX_STORE_READ_BYTES + 1);
    const source = new CountingStore(atRest(store));
    const destination = open('file');
    const refused = await planMigration({ source, destination, cluster: NAME }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'StateObjectTooLarge', message: 'it is 67108865 bytes, more than the 67108864 bytes kops-ts reads of one state-store object: an etcd backup too large to copy through kops-ts' });
    expect((refused as KopsError).diagnostics[0]).toMatchObject({ file: `${store.url}/${big}`, hint: expect.stringContaining('re-run with --skip-backups') });
    expect(source.reads).not.toContain(big);

    const copied = await withClusterLock(store, NAME, 'migrate state', () => migrateState({ source, destination, cluster: NAME, skipBackups: true }));
    expect(copied.backupsLeft).toBe(3);
    expect(source.reads.filter((p) => p.includes('/backups/'))).toEqual([]);
    expect(await destination.list(`${NAME}/backups/`)).toEqual([]);
  });
});
