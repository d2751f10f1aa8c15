/**
 * `update`'s pre-flight of the state store's bucket (src/cloud/gce/bucket-preflight.ts) against the
 * fake GCS: a bucket with uniform bucket-level access passes, one without is refused naming it and
 * the fix, a bucket whose settings cannot be read (403) names the permission, and without a
 * conditional grant nothing is read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gceStateBucketPreflight } from '../../../src/cloud/gce/bucket-preflight.js';
import type { KopsError } from '../../../src/diagnostics.js';
import { closeGceClients, gceClients, type GceClients } from '../../../src/cloud/gce/clients.js';
import { newMemo, type GceTaskContext } from '../../../src/tasks/gce/context.js';
import type { GceStorageBucketIamDesired } from '../../../src/tasks/gce/types.js';
import type { Task } from '../../../src/tasks/types.js';
import { FakeGcs } from '../../fakes/gcs.js';

const gcs = new FakeGcs({ forbid: (r) => r.method === 'GET' && r.path === '/storage/v1/b/hidden' });
let clients: GceClients | undefined;
let saved: string | undefined;
const ctx = (): GceTaskContext => ({ clients: clients!, project: 'p', region: 'us-central1', clusterName: 'c.example.com', safeClusterName: 'c-example-com', once: newMemo() });
const grant = (bucket: string, conditional = true): Task<GceStorageBucketIamDesired> => ({
  kind: 'StorageBucketIAM',
  name: `g-${bucket}`,
  desired: { bucket, role: 'roles/storage.objectViewer', member: 'serviceAccount:n@p.iam.gserviceaccount.com', ...(conditional ? { condition: { title: 'kops-ts: t', expression: 'resource.name.startsWith("x")' } } : {}) },
});

beforeAll(async () => {
  saved = process.env.STORAGE_EMULATOR_HOST;
  process.env.STORAGE_EMULATOR_HOST = await gcs.start();
  gcs.createBucket('uniform');
  gcs.createBucket('fine', { uniformBucketLevelAccess: false });
  gcs.createBucket('hidden');
  clients = await gceClients({ project: 'p', region: 'us-central1', endpoint: 'http://127.0.0.1:9' });
});
afterAll(async () => {
  if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
  else process.env.STORAGE_EMULATOR_HOST = saved;
  if (clients) await closeGceClients(clients);
  await gcs.stop();
});

describe('GCE state bucket pre-flight', () => {
  it('passes a uniform bucket, refuses one without uniform access naming it and the fix', async () => {
    await expect(gceStateBucketPreflight(ctx(), [grant('uniform')])).resolves.toBeUndefined();
    const e = await gceStateBucketPreflight(ctx(), [grant('uniform'), grant('fine')]).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'GceBucketNotUniform' });
    expect(String((e as Error).message)).toMatch(/^state store bucket gs:\/\/fine: uniform bucket-level access is off/);
    expect((e as KopsError).diagnostics[0]?.hint).toContain('gcloud storage buckets update gs://fine --uniform-bucket-level-access');
  });

  it('names the permission when the bucket cannot be read, and reads nothing without a conditional grant', async () => {
    const e = await gceStateBucketPreflight(ctx(), [grant('hidden')]).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'GcePermissionDenied' });
    expect((e as KopsError).message).toMatch(/^state store bucket gs:\/\/hidden: its settings cannot be read: .*403|does not have/);
    expect((e as KopsError).diagnostics[0]?.hint).toContain('storage.buckets.get');
    const before = gcs.requests.length;
    await expect(gceStateBucketPreflight(ctx(), [grant('fine', false)])).resolves.toBeUndefined();
    expect(gcs.requests.length).toBe(before);
  });
});
