/**
 * `StorageBucketIAM` against the fake GCS (its `b/<bucket>/iam`), reached as kops-ts reaches it
 * (`STORAGE_EMULATOR_HOST`, through the Compute clients' auth client): adds only its member,
 * keeps GCS's convenience bindings and everyone else's, retries a write over a concurrent edit
 * (412) and removes only its member; with a condition (policy version 3) only in the binding of
 * exactly that condition; finds as orphans the whole-bucket grant it supersedes and its own stale
 * conditions, and nothing of another member or another condition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeGceClients, gceClients, type GceClients } from '../../../src/cloud/gce/clients.js';
import { gceServiceAccountId } from '../../../src/model/gce/names.js';
import { newMemo, type GceTaskContext } from '../../../src/tasks/gce/context.js';
import { storageBucketIamKind } from '../../../src/tasks/gce/storage-bucket-iam.js';
import type { GceIamCondition, GceStorageBucketIamDesired } from '../../../src/tasks/gce/types.js';
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
const READ_NODE: GceIamCondition = { title: 'kops-ts: nodes read their join files', description: 'kops-ts cluster', expression: 'resource.name.startsWith("projects/_/buckets/state/objects/c/igconfig/node/")' };
const conditional = (member: string, role: string, condition: GceIamCondition, supersedes?: string): Task<GceStorageBucketIamDesired> => ({
  kind: 'StorageBucketIAM',
  name: `cond-${role}-${member}`,
  desired: { bucket: 'state', role, member, condition, ...(supersedes ? { supersedes } : {}) },
});
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
    const tasks = [grant(NODE, 'roles/storage.objectViewer'), grant(CP, 'roles/storage.objectAdmin')];
    for (const a of (await storageBucketIamKind.find(ctx(), tasks)).values()) await storageBucketIamKind.delete!(ctx(), a);
    expect(members('roles/storage.objectViewer')).toEqual(['user:dana@example.com']);
    expect(members('roles/storage.objectAdmin')).toEqual(['user:erin@example.com']);
  });

  it('a conditional grant goes in a version-3 binding of exactly its condition; other conditions and members stay; a second run finds it', async () => {
    const other = { title: 'team-x', expression: 'resource.name.startsWith("projects/_/buckets/state/objects/team-x/")' };
    gcs.editIamPolicy('state', (b) => {
      b.push({ role: 'roles/storage.objectViewer', members: ['user:fay@example.com'], condition: other });
      // The whole-bucket grant an earlier kops-ts made.
      b.find((x) => x.role === 'roles/storage.objectViewer' && !x.condition)?.members.unshift(NODE);
    });
    const task = conditional(NODE, 'roles/storage.objectViewer', READ_NODE);
    await converge(ctx(), storageBucketIamKind, [task]);
    const p = gcs.iamPolicy('state');
    expect(p.version).toBe(3);
    const viewer = p.bindings.filter((b) => b.role === 'roles/storage.objectViewer');
    expect(viewer).toContainEqual({ role: 'roles/storage.objectViewer', members: ['user:fay@example.com'], condition: other });
    expect(viewer).toContainEqual({ role: 'roles/storage.objectViewer', members: [NODE], condition: READ_NODE });
    // Its unconditional membership is another grant: still there (the orphan search removes it).
    expect(viewer.find((b) => !b.condition)?.members).toEqual([NODE, 'user:dana@example.com']);
    const found = await storageBucketIamKind.find(ctx(), [task]);
    expect([...found.values()]).toEqual([{ bucket: 'state', role: 'roles/storage.objectViewer', member: NODE, condition: READ_NODE }]);
    // The same role and member with another condition is not this grant.
    expect((await storageBucketIamKind.find(ctx(), [conditional(NODE, 'roles/storage.objectViewer', { ...READ_NODE, expression: 'resource.name.startsWith("x")' })])).size).toBe(0);
  });

  it('orphans: the whole-bucket grant it supersedes and its own stale kops-ts conditions; never another member\'s or another condition', async () => {
    const stale = { title: 'kops-ts: nodes read their join files', expression: 'resource.name.startsWith("projects/_/buckets/state/objects/old/igconfig/node/")' };
    const otherCluster = 'serviceAccount:node-other-cluster@kops-test.iam.gserviceaccount.com';
    gcs.editIamPolicy('state', (b) => {
      b.push({ role: 'roles/storage.objectViewer', members: [NODE, otherCluster], condition: stale });
      b.push({ role: 'roles/storage.objectViewer', members: [NODE], condition: { title: 'hand-made', expression: 'resource.name.startsWith("projects/_/buckets/state/objects/shared/")' } });
    });
    const tasks = [conditional(NODE, 'roles/storage.objectViewer', READ_NODE, 'roles/storage.objectViewer')];
    const orphans = await storageBucketIamKind.findOrphans!(ctx(), tasks, new Map());
    expect(orphans.map((o) => o.actual)).toEqual([
      { bucket: 'state', role: 'roles/storage.objectViewer', member: NODE },
      { bucket: 'state', role: 'roles/storage.objectViewer', member: NODE, condition: stale },
    ]);
    expect(new Set(orphans.map((o) => o.name)).size).toBe(2);
    for (const o of orphans) await storageBucketIamKind.delete!(ctx(), o.actual);
    const p = gcs.iamPolicy('state');
    expect(p.bindings.find((b) => b.role === 'roles/storage.objectViewer' && !b.condition)?.members).toEqual(['user:dana@example.com']);
    expect(p.bindings.find((b) => b.condition?.expression === stale.expression)?.members).toEqual([otherCluster]);
    expect(p.bindings.find((b) => b.condition?.title === 'hand-made')?.members).toEqual([NODE]);
    expect(p.bindings.find((b) => b.condition?.title === READ_NODE.title && b.condition.expression === READ_NODE.expression)?.members).toEqual([NODE]);
    expect(await storageBucketIamKind.findOrphans!(ctx(), tasks, new Map())).toEqual([]);
  });

  it('deleting a conditional grant removes its member from that binding only, dropping it once empty', async () => {
    const task = conditional(NODE, 'roles/storage.objectViewer', READ_NODE);
    const [actual] = [...(await storageBucketIamKind.find(ctx(), [task])).values()];
    await storageBucketIamKind.delete!(ctx(), actual!);
    const p = gcs.iamPolicy('state');
    expect(p.bindings.some((b) => b.condition?.expression === READ_NODE.expression)).toBe(false);
    expect(p.bindings.find((b) => b.condition?.title === 'hand-made')?.members).toEqual([NODE]);
    expect(p.bindings.find((b) => b.condition?.title === 'team-x')?.members).toEqual(['user:fay@example.com']);
  });

  it('GCS refuses a conditional grant on a bucket without uniform bucket-level access (400), and the policy is unchanged', async () => {
    gcs.createBucket('fine-grained', { uniformBucketLevelAccess: false });
    const before = gcs.iamPolicy('fine-grained');
    const task: Task<GceStorageBucketIamDesired> = { kind: 'StorageBucketIAM', name: 'x', desired: { bucket: 'fine-grained', role: 'roles/storage.objectViewer', member: NODE, condition: READ_NODE } };
    await expect(converge(ctx(), storageBucketIamKind, [task])).rejects.toThrow(/uniform bucket-level access/);
    expect(gcs.iamPolicy('fine-grained')).toEqual(before);
  });
});
