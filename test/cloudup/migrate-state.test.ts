/**
 * The copy of `migrate state` (src/cloudup/migrate-state.ts) between real backends: file→file,
 * file→s3 and s3→s3 across two buckets of one emulator account, gs→gs across two buckets of the
 * fake GCS. Byte equality of every object but `config`; a failing destination write at every k
 * leaves no `config` there and the source as it was, and a re-run converges to the same copy.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atRest, migrateState, MigrationStopped, planMigration } from '../../src/cloudup/migrate-state.js';
import type { Cluster } from '../../src/model/api/types.js';
import { Clientset } from '../../src/statestore/clientset.js';
import type { KopsError } from '../../src/diagnostics.js';
import { decodeObject } from '../../src/statestore/codec.js';
import { FileStateStore } from '../../src/statestore/file.js';
import { withClusterLock } from '../../src/statestore/lock.js';
import { openStateStore } from '../../src/statestore/open.js';
import type { StateStore } from '../../src/statestore/types.js';
import { tempStore, cliOk, KEY } from '../cli/harness.js';
import { FakeGcs } from '../fakes/gcs.js';
import { testAws, uniqueBucket, type TestAws } from '../helpers/aws.js';
import { FaultyStore } from '../statestore/faulty.js';

const NAME = 'move.example.com';
const SECRET_KEY = randomBytes(32);
let aws: TestAws;
let buckets: [string, string];
let gcs: FakeGcs;
let template: Record<string, Uint8Array>;
let gceTemplate: Record<string, Uint8Array>;

/** Every object's bytes at rest (no envelope key: secrets stay as stored). */
async function contents(store: StateStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const raw = atRest(store);
  for (const p of await raw.list('')) out[p] = Buffer.from((await raw.read(p))!.data).toString('base64');
  return out;
}

async function rawObjects(url: string): Promise<Record<string, Uint8Array>> {
  const raw = atRest(openStateStore(url));
  const out: Record<string, Uint8Array> = {};
  for (const p of await raw.list('')) out[p] = (await raw.read(p))!.data;
  return out;
}

beforeAll(async () => {
  aws = testAws();
  buckets = [uniqueBucket('kops-ts-mig-a'), uniqueBucket('kops-ts-mig-b')];
  for (const b of buckets) await aws.clients.s3.send(new CreateBucketCommand({ Bucket: b }));
  gcs = new FakeGcs();
  await gcs.start();
  gcs.createBucket('kops-ts-mig-a');
  gcs.createBucket('kops-ts-mig-b');
  // One cluster made by the CLI (spec, keys, an edit in the history), plus an encrypted secret and a backup.
  const s = tempStore();
  const env = { KOPS_SECRET_KEY: SECRET_KEY.toString('base64') };
  await cliOk(['create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--ssh-public-key', KEY, '--state', s.url], { env });
  await cliOk(['edit', 'cluster', NAME, '--set', 'spec.kubernetesVersion=1.34.1', '--state', s.url], { env });
  const enc = openStateStore(s.url, { secretKey: SECRET_KEY });
  await enc.write(`${NAME}/secrets/admin`, 'not-printed-secret');
  await enc.write(`${NAME}/backups/etcd/main/2026-12-01T00:00:00Z/etcd.backup.gz`, randomBytes(4096));
  template = await rawObjects(s.url);
  // A GCE cluster of the same name, for gs:// (an AWS cluster's instances read only s3://).
  const g = tempStore();
  await cliOk(['create', 'cluster', '--name', NAME, '--zones', 'us-central1-a', '--project', 'my-proj', '--ssh-public-key', KEY, '--state', g.url], { env });
  gceTemplate = await rawObjects(g.url);
});

afterAll(async () => {
  await gcs?.stop();
});

type Kind = 'file' | 's3a' | 's3b' | 'gsa' | 'gsb';
function open(kind: Kind, opts: { kms?: string } = {}): StateStore {
  const id = `t-${randomBytes(4).toString('hex')}`;
  if (kind === 'file') return openStateStore(tempStore().url);
  if (kind === 's3a' || kind === 's3b') return openStateStore(`s3://${buckets[kind === 's3a' ? 0 : 1]}/${id}`, { aws: aws.options, ...(opts.kms ? { s3Encryption: { kmsKeyId: opts.kms } } : {}) });
  return openStateStore(`gs://kops-ts-mig-${kind === 'gsa' ? 'a' : 'b'}/${id}`, { gcs: { endpoint: gcs.endpoint } });
}

async function seeded(kind: Kind): Promise<StateStore> {
  const store = open(kind);
  for (const [p, data] of Object.entries(kind.startsWith('gs') ? gceTemplate : template)) await store.write(p, data);
  return store;
}

/** The destination holds the source's objects, bytes unchanged, but config (configBase rewritten). */
async function expectCopy(source: StateStore, destination: StateStore): Promise<void> {
  const a = await contents(source);
  const b = await contents(destination);
  const expected = Object.keys(a).filter((p) => p !== `${NAME}/moved` && p !== `${NAME}/lock`);
  expect(Object.keys(b).sort()).toEqual(expected.sort());
  for (const p of expected) if (p !== `${NAME}/config`) expect(b[p], p).toBe(a[p]);
  const cfg = (x: Record<string, string>) => decodeObject<Cluster>('', 'config', Buffer.from(x[`${NAME}/config`]!, 'base64'));
  expect(cfg(b).spec.configBase).toBe(`${destination.url}/${NAME}`);
  expect({ ...cfg(b), spec: { ...cfg(b).spec, configBase: '' } }).toEqual({ ...cfg(a), spec: { ...cfg(a).spec, configBase: '' } });
}

const pairs: [Kind, Kind][] = [
  ['file', 'file'],
  ['file', 's3a'],
  ['s3a', 's3b'],
  ['gsa', 'gsb'],
];

describe.each(pairs)('migrate state %s → %s', (from, to) => {
  it('copies every object, config last and rewritten; the source is marked; secrets stay encrypted and readable', async () => {
    const source = await seeded(from);
    const destination = open(to);
    const plan = await planMigration({ source, destination, cluster: NAME });
    expect(plan.objects).toBe(Object.keys(from.startsWith('gs') ? gceTemplate : template).length);
    const written: string[] = [];
    const watched = new FaultyStore(destination, (p) => (written.push(p), false));
    await withClusterLock(source, NAME, 'migrate state', () => migrateState({ source, destination: watched, cluster: NAME }));
    expect(written.at(-1)).toBe(`${NAME}/config`);
    expect(written).not.toContain(`${NAME}/lock`);
    await expectCopy(source, destination);
    const atDest = new Clientset(openStateStore(destination.url, { ...(to.startsWith('s3') ? { aws: aws.options } : {}), ...(to.startsWith('gs') ? { gcs: { endpoint: gcs.endpoint } } : {}), secretKey: SECRET_KEY }));
    expect(await atDest.listClusters()).toEqual([NAME]);
    if (!from.startsWith('gs')) expect(new TextDecoder().decode((await atDest.store.read(`${NAME}/secrets/admin`))!.data)).toBe('not-printed-secret');
    await expect(new Clientset(source).getCluster(NAME)).rejects.toMatchObject({ code: 'ClusterMoved', exitCode: 2 });
    expect(await new Clientset(source).listClusters()).toEqual([]);
  });
});

describe('etcd backups too large to copy (over the backends\' 64 MiB read limit)', () => {
  it('refuse the preview and the copy before anything is written, naming --skip-backups; with it, everything else is copied and the backups stay in the source', async () => {
    const seededFile = await seeded('file');
    // The same objects behind a read limit just under the 4 KiB backup: it is "too large", no other object is.
    const largest = Math.max(...Object.entries(template).filter(([p]) => !p.includes('/backups/')).map(([, d]) => d.byteLength));
    expect(largest).toBeLessThan(4095);
    const source = new FileStateStore(new URL(seededFile.url).pathname, { maxObjectBytes: 4095 });
    const destination = open('file');
    const before = await contents(seededFile);
    const refused = await planMigration({ source, destination, cluster: NAME }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'StateObjectTooLarge' });
    expect((refused as KopsError).message).toContain('an etcd backup too large to copy through kops-ts');
    expect((refused as KopsError).diagnostics[0]?.hint).toContain('re-run with --skip-backups');
    const copy = await withClusterLock(source, NAME, 'migrate state', () => migrateState({ source, destination, cluster: NAME })).catch((e: unknown) => e);
    expect(copy).toMatchObject({ code: 'StateObjectTooLarge' });
    expect(await destination.list('')).toEqual([]);
    expect(await contents(seededFile)).toEqual(before);

    const plan = await planMigration({ source, destination, cluster: NAME, skipBackups: true });
    expect(plan.backupsLeft).toBe(1);
    expect(plan.paths.some((p) => p.includes('/backups/'))).toBe(false);
    expect(plan.checks).toContain(`note: 1 object(s) under backups/ (etcd backups) stay in ${source.url} (--skip-backups); nothing deletes them there`);
    await withClusterLock(source, NAME, 'migrate state', () => migrateState({ source, destination, cluster: NAME, skipBackups: true }));
    const copied = await destination.list(`${NAME}/`);
    expect(copied).toContain(`${NAME}/config`);
    expect(copied.filter((p) => p.includes('/backups/'))).toEqual([]);
    expect(copied.length).toBe(Object.keys(template).length - 1);
    expect(Object.keys(await contents(seededFile)).filter((p) => p.includes('/backups/'))).toHaveLength(1);
  });
});

describe('a failing destination write', () => {
  it.each([
    ['file', 'file'],
    ['file', 's3a'],
  ] as [Kind, Kind][])('%s → %s: at every k, no config there and the source unchanged; the re-run converges', async (from, to) => {
    const source = await seeded(from);
    const total = Object.keys(template).length;
    const ks = from === 'file' && to === 'file' ? [...Array(total).keys()].map((i) => i + 1) : [1, Math.ceil(total / 2), total];
    for (const k of ks) {
      const destination = open(to);
      const before = await contents(source);
      let n = 0;
      const faulty = new FaultyStore(destination, () => ++n === k);
      const err = await withClusterLock(source, NAME, 'migrate state', () => migrateState({ source, destination: faulty, cluster: NAME })).catch((e: unknown) => e);
      expect(err, `k=${k}`).toBeInstanceOf(MigrationStopped);
      expect((err as MigrationStopped).copied).toBe(k - 1);
      expect(await destination.read(`${NAME}/config`), `k=${k}`).toBeUndefined();
      expect(await contents(source)).toEqual(before); // lock released, no marker
      await withClusterLock(source, NAME, 'migrate state', () => migrateState({ source, destination, cluster: NAME }));
      await expectCopy(source, destination);
      await source.delete(`${NAME}/moved`); // the next k starts from an unmoved source
    }
  });

  it('a run stopped between config and the marker is completed by the re-run; another cluster of the same name is refused', async () => {
    const source = await seeded('file');
    const destination = open('file');
    let failMarker = true;
    const flaky = new FaultyStore(atRest(source), (p) => p === `${NAME}/moved` && failMarker);
    await expect(migrateState({ source: flaky, destination, cluster: NAME })).rejects.toThrow(/injected failure/);
    failMarker = false;
    expect((await planMigration({ source, destination, cluster: NAME })).resuming).toBe(true);
    await migrateState({ source, destination, cluster: NAME });
    await expectCopy(source, destination);

    const other = await seeded('file');
    await other.write(`${NAME}/pki/private/ca/keyset.yaml`, 'another cluster');
    await expect(planMigration({ source: await seeded('file'), destination: other, cluster: NAME })).rejects.toMatchObject({ code: 'MigrateDestinationHasCluster', exitCode: 2 });
  });
});

it('an s3:// destination is written with its own SSE settings (--state-kms-key)', async () => {
  const source = await seeded('file');
  const kms = 'arn:aws:kms:us-east-1:123456789012:key/0b4ad2f3-7a4e-4f5d-9d8c-2c0e6a1b7f10';
  const destination = open('s3b', { kms });
  await migrateState({ source, destination, cluster: NAME });
  const prefix = destination.url.replace(`s3://${buckets[1]}/`, '');
  for (const p of [`${NAME}/config`, `${NAME}/secrets/admin`]) {
    const head = await aws.clients.s3.send(new HeadObjectCommand({ Bucket: buckets[1], Key: `${prefix}/${p}` }));
    expect(head.ServerSideEncryption, p).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toBe(kms);
  }
});

it('s3 → s3: a refusal (the destination holds another config of the cluster) leaves both buckets as they were', async () => {
  const source = await seeded('s3a');
  const destination = await seeded('s3b');
  await destination.write(`${NAME}/pki/private/ca/keyset.yaml`, 'another cluster');
  const before = [await contents(source), await contents(destination)];
  const err = await withClusterLock(source, NAME, 'migrate state', () => migrateState({ source, destination, cluster: NAME })).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'MigrateDestinationHasCluster', exitCode: 2 });
  expect([await contents(source), await contents(destination)]).toEqual(before);
});
