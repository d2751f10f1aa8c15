/**
 * `kops-ts edit cluster|ig --set` on an s3:// state store (the emulator over HTTP, reached as a
 * user's shell reaches AWS: AWS_ENDPOINT_URL and keys in the environment): the save, the history,
 * nothing written when invalid or unchanged, and the conditional write refusing a concurrent change.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsClients, type AwsClientOptions } from '../../src/cloud/aws/clients.js';
import { openStateStore } from '../../src/statestore/open.js';
import { S3StateStore } from '../../src/statestore/s3.js';
import type { StateStore } from '../../src/statestore/types.js';
import { awsEndpoint, TEST_CREDENTIALS, uniqueBucket } from '../helpers/aws.js';
import { fixturePath } from '../model/fixtures.js';
import { cli } from './harness.js';

const NAME = 'minimal.example.com';
const s3Options = (): AwsClientOptions => ({ region: 'us-east-1', endpoint: awsEndpoint(), credentials: TEST_CREDENTIALS, maxAttempts: 1 });
let bucket = '';

beforeAll(async () => {
  bucket = uniqueBucket('kops-ts-editset');
  await new AwsClients(s3Options()).s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

function useEmulator(): void {
  // In-process, the SDK reads process.env, as it would in the user's shell.
  for (const [k, v] of Object.entries({ AWS_ENDPOINT_URL: awsEndpoint(), AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' })) vi.stubEnv(k, v);
}

/** Every object under the store with its bytes, read through the emulator. */
async function contents(store: StateStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of await store.list('')) out[p] = Buffer.from((await store.read(p))!.data).toString('base64');
  return out;
}

async function created(): Promise<{ url: string; store: StateStore }> {
  useEmulator();
  const url = `s3://${bucket}/t-${randomBytes(4).toString('hex')}`;
  const r = await cli(['create', '-f', fixturePath('minimal'), '--state', url]);
  expect(r.code, r.stderr).toBe(0);
  return { url, store: openStateStore(url, { aws: s3Options() }) };
}

const config = async (store: StateStore) => new TextDecoder().decode((await store.read(`${NAME}/config`))!.data);

describe('edit --set on an s3:// store', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('saves the change with the previous version in the history; an unchanged or invalid edit writes nothing', async () => {
    const { url, store } = await created();
    const set = await cli(['edit', 'cluster', NAME, '--set', 'spec.kubernetesVersion=1.35.0', '--state', url]);
    expect(set.code, set.stderr).toBe(0);
    expect(await config(store)).toContain('kubernetesVersion: 1.35.0');
    expect((await store.list(`${NAME}/history/config/`)).length).toBe(1);

    const before = await contents(store);
    const same = await cli(['edit', 'cluster', NAME, '--set', 'spec.kubernetesVersion=1.35.0', '--state', url]);
    expect(same.stdout).toBe('Edit cancelled: no changes made.\n');
    const bad = await cli(['edit', 'ig', 'nodes-us-east-1a', '--name', NAME, '--set', 'spec.minSize=3', '--state', url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: InstanceGroup\/nodes-us-east-1a spec\.maxSize: maxSize 1 is smaller than minSize 3/m);
    expect(await contents(store)).toEqual(before);
  });

  it('refuses to overwrite a change made after the command read the config', async () => {
    const { url, store } = await created();
    const read = S3StateStore.prototype.read;
    let done = false;
    vi.spyOn(S3StateStore.prototype, 'read').mockImplementation(async function (this: S3StateStore, p: string) {
      const r = await read.call(this, p);
      if (p === `${NAME}/config` && !done) {
        done = true;
        await store.write(p, (await config(store)).replace('channel: stable', 'channel: alpha'));
      }
      return r;
    });
    const r = await cli(['edit', 'cluster', NAME, '--set', 'spec.kubernetesVersion=1.35.0', '--state', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/changed since it was read/);
    expect(await config(store)).toContain('channel: alpha');
    expect(await config(store)).toContain('kubernetesVersion: 1.34.1');
  });
});
