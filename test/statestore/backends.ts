/**
 * The four backends every behavioural test runs against (`describe.each(backends)`): a fresh,
 * empty store per call: a new `memory://` name, a new temp directory, a new prefix in a bucket
 * created once per test file in its own emulator account (s3://) or in a fake GCS JSON API started
 * once per test file (gs://, test/fakes/gcs.ts, driven by the real @google-cloud/storage client).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll } from 'vitest';
import { openStateStore, resetMemoryStores } from '../../src/statestore/index.js';
import type { StateStore } from '../../src/statestore/index.js';
import { testAws, uniqueBucket, type TestAws } from '../helpers/aws.js';
import { FakeGcs } from '../fakes/gcs.js';

export interface Backend {
  readonly name: string;
  /** A fresh, empty store. */
  fresh(): Promise<StateStore>;
  /** Another handle on the same store, as a second process would open it. */
  reopen(store: StateStore): StateStore;
}

const tempDirs: string[] = [];
let s3: { aws: TestAws; bucket: string } | undefined;
let gcs: { fake: FakeGcs; bucket: string } | undefined;

async function gcsBucket(): Promise<{ fake: FakeGcs; bucket: string }> {
  if (!gcs) {
    const fake = new FakeGcs();
    await fake.start();
    fake.createBucket('kops-ts-state');
    gcs = { fake, bucket: 'kops-ts-state' };
  }
  return gcs;
}

async function s3Bucket(): Promise<{ aws: TestAws; bucket: string }> {
  if (!s3) {
    const aws = testAws();
    const bucket = uniqueBucket('kops-ts-state');
    await aws.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    s3 = { aws, bucket };
  }
  return s3;
}

export const backends: Backend[] = [
  {
    name: 'memory',
    fresh: async () => openStateStore(`memory://t-${randomBytes(6).toString('hex')}`),
    reopen: (store) => openStateStore(store.url),
  },
  {
    name: 'file',
    fresh: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'kops-ts-state-'));
      tempDirs.push(dir);
      return openStateStore(`file://${dir}/store`);
    },
    reopen: (store) => openStateStore(store.url),
  },
  {
    name: 's3',
    fresh: async () => {
      const { aws, bucket } = await s3Bucket();
      return openStateStore(`s3://${bucket}/t-${randomBytes(6).toString('hex')}`, { aws: aws.options });
    },
    reopen: (store) => {
      if (!s3) throw new Error('no bucket yet');
      return openStateStore(store.url, { aws: s3.aws.options });
    },
  },
  {
    name: 'gs',
    fresh: async () => {
      const { fake, bucket } = await gcsBucket();
      return openStateStore(`gs://${bucket}/t-${randomBytes(6).toString('hex')}`, { gcs: { endpoint: fake.endpoint } });
    },
    reopen: (store) => {
      if (!gcs) throw new Error('no fake GCS yet');
      return openStateStore(store.url, { gcs: { endpoint: gcs.fake.endpoint } });
    },
  },
];

afterAll(async () => {
  resetMemoryStores();
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  await gcs?.fake.stop();
  gcs = undefined;
});

/** Every object's path and bytes: two snapshots are equal iff the store holds the same things. */
export async function snapshot(store: StateStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of await store.list('')) {
    const obj = await store.read(path);
    if (obj) out[path] = Buffer.from(obj.data).toString('base64');
  }
  return out;
}

export const text = (data: Uint8Array | undefined): string | undefined => (data === undefined ? undefined : new TextDecoder().decode(data));
