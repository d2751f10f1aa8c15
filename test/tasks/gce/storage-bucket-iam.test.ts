/**
 * `StorageBucketIAM` against the fake GCS (its `b/<bucket>/iam`), reached as kops-ts reaches it
 * (`STORAGE_EMULATOR_HOST`, through the Compute clients' auth client): adds only its member,
 * keeps GCS's convenience bindings and everyone else's, retries a write over a concurrent edit
 * (412) and removes only its member.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeGceClients, gceClients, type GceClients } from '../../../src/cloud/gce/clients.js';
import { gceServiceAccountId } from '../../../src/model/gce/names.js';
import { newMemo, type GceTaskContext } from '../../../src/tasks/gce/context.js';
import { storageBucketIamKind } from '../../../src/tasks/gce/storage-bucket-iam.js';
import type { GceStorageBucketIamDesired } from '../../../src/tasks/gce/types.js';
import type { Task } from '../../../src/tasks/types.js';
import { FakeGcs } from '../../fakes/gcs.js';
import { CLUSTER, converge, PROJECT, REGION, SAFE } from './harness.js';

const gcs = new FakeGcs();
let clients: GceClients | undefined;
let saved: string | undefined;
const ctx = (): GceTaskContext => ({ clients: clients!, project: PROJECT, region: REGION, clusterName: CLUSTER, safeClusterName: SAFE, once: newMemo(), wait: { backoffMs: 1 } });

beforeAll(async () => {
  saved = process.env.STORAGE_EMULATOR_HOST;
  process.env.STORAGE_EMULATOR_HOST = await gcs.start();
  gcs.createBucket('state');
  // No Compute call is made here: the endpoint only makes the clients send no credentials.
  clients = await gceClients({ project: PROJECT, region: REGION, endpoint: 'http://127.0.0.1:9' });
});

afterAll(async () => {
  if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
  else process.env.STORAGE_EMULATOR_HOST = saved;
  if (clients) await closeGceClients(clients);
  await gcs.stop();
});

const NODE = `serviceAccount:${gceServiceAccountId('node', CLUSTER)}@${PROJECT}.iam.gserviceaccount.com`;
const CP = `serviceAccount:${gceServiceAccountId('control-plane', CLUSTER)}@${PROJECT}.iam.gserviceaccount.com`;
const grant = (member: string, role: string): Task<GceStorageBucketIamDesired> => ({ kind: 'StorageBucketIAM', name: `${role}-${member}`, desired: { bucket: 'state', role, member } });
const members = (role: string) => gcs.iamPolicy('state').bindings.filter((b) => b.role === role).flatMap((b) => b.members).sort();

describe('StorageBucketIAM', () => {
  it("adds its member, keeping GCS's convenience bindings and a user's member of the same role; a second run finds it", async () => {
    gcs.editIamPolicy('state', (b) => b.push({ role: 'roles/storage.objectViewer', members: ['user:dana@example.com'] }));
    const before = gcs.iamPolicy('state');
    await converge(ctx(), storageBucketIamKind, [grant(NODE, 'roles/storage.objectViewer')]);
    expect(members('roles/storage.objectViewer')).toEqual([NODE, 'user:dana@example.com'].sort());
    expect(gcs.iamPolicy('state').bindings.filter((b) => b.role.startsWith('roles/storage.legacy'))).toEqual(before.bindings.filter((b) => b.role.startsWith('roles/storage.legacy')));
    const found = await storageBucketIamKind.find(ctx(), [grant(NODE, 'roles/storage.objectViewer')]);
    expect([...found.values()]).toEqual([{ bucket: 'state', role: 'roles/storage.objectViewer', member: NODE }]);
    expect(gcs.count('PUT', /\/storage\/v1\/b\/state\/iam$/)).toBe(1);
  });

  it('retries when another edit lands between its read and its write (412), losing neither', async () => {
    let edited = false;
    gcs.onRequest = (r) => {
      if (r.method === 'PUT' && r.path.endsWith('/iam') && !edited) {
        edited = true;
        gcs.editIamPolicy('state', (b) => b.push({ role: 'roles/storage.objectAdmin', members: ['user:erin@example.com'] }));
      }
    };
    try {
      const puts = gcs.count('PUT', /\/iam$/);
      await converge(ctx(), storageBucketIamKind, [grant(CP, 'roles/storage.objectAdmin')]);
      expect(gcs.count('PUT', /\/iam$/) - puts).toBe(2);
      expect(members('roles/storage.objectAdmin')).toEqual([CP, 'user:erin@example.com'].sort());
    } finally {
      gcs.onRequest = undefined;
    }
  });

  it('delete removes only its member', async () => {
    expect(storageBucketIamKind.findOrphans).toBeUndefined();
    const tasks = [grant(NODE, 'roles/storage.objectViewer'), grant(CP, 'roles/storage.objectAdmin')];
    for (const a of (await storageBucketIamKind.find(ctx(), tasks)).values()) await storageBucketIamKind.delete!(ctx(), a);
    expect(members('roles/storage.objectViewer')).toEqual(['user:dana@example.com']);
    expect(members('roles/storage.objectAdmin')).toEqual(['user:erin@example.com']);
  });
});
