/**
 * The CLI on a gs:// state store: `--state gs://bucket/prefix` with `STORAGE_EMULATOR_HOST`
 * pointing Google's client at the fake GCS JSON API (test/fakes/gcs.ts), in process and as the
 * real binary; and the storage client loaded only when a gs:// store is used.
 */
import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, KEY } from '../cli/harness.js';
import { runBin } from '../helpers/bin.js';
import { FakeGcs } from '../fakes/gcs.js';

const BUCKET = 'kops-ts-cli-state';
let fake: FakeGcs;
let endpoint: string;

beforeAll(async () => {
  fake = new FakeGcs();
  endpoint = await fake.start();
  fake.createBucket(BUCKET);
});
afterAll(() => fake.stop());

const CREATE = ['create', 'cluster', '--name', 'gs.example.com', '--cloud', 'aws', '--zones', 'us-east-1a', '--ssh-public-key', KEY];

describe('the CLI on gs://', () => {
  it('creates a cluster and lists it, in kops\'s layout under the prefix', async () => {
    const env = { STORAGE_EMULATOR_HOST: endpoint };
    const created = await cli([...CREATE, '--state', `gs://${BUCKET}/team-a`], { env });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const names = fake.names(BUCKET);
    expect(names).toContain('team-a/gs.example.com/config');
    expect(names).toContain('team-a/gs.example.com/instancegroup/nodes-us-east-1a');
    expect(names).not.toContain('team-a/gs.example.com/lock');
    const got = await cli(['get', 'clusters', '--state', `gs://${BUCKET}/team-a`], { env });
    expect(got.code).toBe(0);
    expect(got.stdout).toBe('NAME             CLOUD   ZONES\ngs.example.com   aws     us-east-1a\n');
    const again = await cli([...CREATE, '--state', `gs://${BUCKET}/team-a`], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('cluster "gs.example.com" already exists');
  });

  it('works as the real binary with STORAGE_EMULATOR_HOST in its environment, on GCS\'s real paths', async () => {
    fake.requests.length = 0;
    const env = { STORAGE_EMULATOR_HOST: endpoint.replace(/^http:\/\//, ''), KOPS_STATE_STORE: `gs://${BUCKET}/bin` };
    expect((await runBin(CREATE, env)).code).toBe(0);
    const got = await runBin(['get', 'clusters', '-o', 'json'], env);
    expect(got.code).toBe(0);
    expect((JSON.parse(got.stdout) as { metadata: { name: string } }[]).map((c) => c.metadata.name)).toEqual(['gs.example.com']);
    expect(fake.requests.length).toBeGreaterThan(0);
    for (const r of fake.requests) expect(r.path).toMatch(/^\/(upload\/)?storage\/v1\/b\//);
    expect(fake.requests.some((r) => r.headers.authorization !== undefined)).toBe(false);
  });

  it('names the bucket when it does not exist', async () => {
    const r = await cli(['get', 'clusters', '--state', 'gs://kops-ts-no-such-bucket'], { env: { STORAGE_EMULATOR_HOST: endpoint } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bucket "kops-ts-no-such-bucket" does not exist');
    expect(r.stderr).toContain('gcloud storage buckets create gs://kops-ts-no-such-bucket');
  });

  it('requests KOPS_STATE_GCS_KMS_KEY on every write, and refuses S3\'s --state-kms-key and a malformed key', async () => {
    const key = 'projects/p/locations/us/keyRings/kops/cryptoKeys/state';
    fake.requests.length = 0;
    const r = await cli([...CREATE, '--name', 'kms.example.com', '--state', `gs://${BUCKET}/kms`], { env: { STORAGE_EMULATOR_HOST: endpoint, KOPS_STATE_GCS_KMS_KEY: key } });
    expect(r.code).toBe(0);
    const uploads = fake.requests.filter((q) => q.method === 'POST');
    expect(uploads.length).toBeGreaterThan(1);
    for (const u of uploads) expect(u.query.kmsKeyName).toBe(key);
    const flag = await cli(['get', 'clusters', '--state', `gs://${BUCKET}/kms`, '--state-kms-key', 'alias/x'], { env: { STORAGE_EMULATOR_HOST: endpoint } });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--state-kms-key applies to s3:// state stores only');
    expect(flag.stderr).toContain('KOPS_STATE_GCS_KMS_KEY');
    const bad = await cli(['get', 'clusters', '--state', `gs://${BUCKET}/kms`], { env: { STORAGE_EMULATOR_HOST: endpoint, KOPS_STATE_GCS_KMS_KEY: 'alias/x' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a Cloud KMS key name');
  });

  it('loads @google-cloud/storage only for a gs:// store', async () => {
    // A loader hook that makes the storage client unloadable, by import (the sources through tsx)
    // and by require (the CLI bundle, a CommonJS file): a command on a file:// store must not
    // notice, and one on gs:// must say clearly what is missing.
    const dir = mkdtempSync(join(tmpdir(), 'kops-ts-gcs-lazy-'));
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(hooks, `export async function resolve(spec, ctx, next) {\n  if (spec === '@google-cloud/storage') throw new Error('blocked by the test');\n  return next(spec, ctx);\n}\n`);
    const register = join(dir, 'register.mjs');
    writeFileSync(
      register,
      [
        `import Module, { register } from 'node:module';`,
        `register(${JSON.stringify(pathToFileURL(hooks).href)});`,
        `const load = Module._load;`,
        `Module._load = function (request, ...rest) {`,
        `  if (request === '@google-cloud/storage') throw new Error('blocked by the test');`,
        `  return load.call(this, request, ...rest);`,
        `};`,
      ].join('\n'),
    );
    const NODE_OPTIONS = `--import ${pathToFileURL(register).href}`;
    const file = await runBin([...CREATE, '--state', `file://${dir}/state`], { NODE_OPTIONS });
    expect(file.stderr).toBe('');
    expect(file.code).toBe(0);
    const gs = await runBin(['get', 'clusters', '--state', `gs://${BUCKET}`], { NODE_OPTIONS, STORAGE_EMULATOR_HOST: endpoint });
    expect(gs.code).toBe(1);
    expect(gs.stderr).toContain('the Google Cloud Storage client could not be loaded: blocked by the test');
  });
});
