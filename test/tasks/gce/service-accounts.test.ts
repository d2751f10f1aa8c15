/**
 * The per-role service accounts' kinds against the fake IAM and Resource Manager APIs (served by
 * the fake Compute server, reached through the same endpoint as kops-ts reaches them):
 * `ServiceAccount` (find, create, patch, orphans, delete) and `ProjectIAMBinding` (adds only its
 * member, keeps everyone else's, retries a concurrent edit's 409 ABORTED, removes only its member).
 */
import { describe, expect, it } from 'vitest';
import { gceDeletion } from '../../../src/cloud/gce/deletion.js';
import { gceServiceAccountId } from '../../../src/model/gce/names.js';
import { addMember, IAM_POLICY_ATTEMPTS, memberEmail, projectIamBindingKind, removeMember } from '../../../src/tasks/gce/project-iam-binding.js';
import { serviceAccountKind } from '../../../src/tasks/gce/service-account.js';
import type { GceProjectIamBindingDesired, GceServiceAccountDesired } from '../../../src/tasks/gce/types.js';
import type { Task } from '../../../src/tasks/types.js';
import { GoogleApiError } from '../../fakes/gce-iam.js';
import { CLUSTER, converge, expectIdempotent, planKind, PROJECT, useFakeGce } from './harness.js';

const t = useFakeGce();

const CP_ID = gceServiceAccountId('control-plane', CLUSTER);
const NODE_ID = gceServiceAccountId('node', CLUSTER);
const email = (id: string) => `${id}@${PROJECT}.iam.gserviceaccount.com`;
const sa = (id: string, role: string, description: string): Task<GceServiceAccountDesired> => ({ kind: 'ServiceAccount', name: id, desired: { accountId: id, email: email(id), displayName: role, description } });
const cp = sa(CP_ID, 'control-plane', 'kubernetes control-plane instances');
const node = sa(NODE_ID, 'node', 'kubernetes worker nodes');
const binding = (id = CP_ID, role = 'roles/container.serviceAgent'): Task<GceProjectIamBindingDesired> => ({ kind: 'ProjectIAMBinding', name: 'serviceaccount-control-plane', desired: { role, member: `serviceAccount:${email(id)}` } });
const membersOf = (role: string): string[] => t.fake.iam.policy(PROJECT).bindings.filter((b) => b.role === role && !b.condition).flatMap((b) => b.members).sort();

describe("kops's account ids", () => {
  it('is <role>-<safe cluster> in 30 characters, the cluster part cut with a hash (kops ServiceAccountName)', () => {
    expect(gceServiceAccountId('node', 'a.example.com')).toBe('node-a-example-com');
    expect(CP_ID).toMatch(/^control-plane-minimal-e-[0-9a-v]{6}$/);
    expect(CP_ID).toHaveLength(30);
    expect(gceServiceAccountId('control-plane', 'a-very-long.cluster-name.example.com')).not.toBe(gceServiceAccountId('control-plane', 'a-very-long.cluster-name2.example.com'));
  });
});

describe('ServiceAccount', () => {
  it('creates the account with kops\'s display name and description; a second run finds it, no change', async () => {
    const { outputs } = await expectIdempotent(t, serviceAccountKind, [cp, node]);
    expect(outputs[`ServiceAccount/${CP_ID}`]?.email).toBe(email(CP_ID));
    expect(outputs[`ServiceAccount/${CP_ID}`]?.name).toBe(`projects/${PROJECT}/serviceAccounts/${email(CP_ID)}`);
    const made = t.fake.iam.serviceAccounts(PROJECT).find((a) => a.email === email(CP_ID));
    expect(made).toMatchObject({ displayName: 'control-plane', description: 'kubernetes control-plane instances' });
    expect(t.fake.calls.filter((c) => c.method === 'POST' && c.path === `/v1/projects/${PROJECT}/serviceAccounts`)).toHaveLength(2);
  });

  it('patches a changed description in place', async () => {
    const changed = { ...node, desired: { ...node.desired, description: 'worker nodes of minimal' } };
    const [c] = await planKind(t.ctx(), serviceAccountKind, [changed]);
    expect(c?.action).toBe('update');
    expect(c?.fields.map((f) => f.field)).toEqual(['description']);
    await expectIdempotent(t, serviceAccountKind, [changed]);
    expect(t.fake.iam.serviceAccounts(PROJECT).find((a) => a.email === email(NODE_ID))?.description).toBe('worker nodes of minimal');
    expect(t.fake.calls.some((x) => x.method === 'PATCH' && (x.body as { updateMask?: string } | undefined)?.updateMask === 'displayName,description')).toBe(true);
    await converge(t.ctx(), serviceAccountKind, [node]);
  });

  it('takes ALREADY_EXISTS on create (a run that created it and was cut off) as the account', async () => {
    const bastionId = gceServiceAccountId('bastion', CLUSTER);
    const bastion = sa(bastionId, 'bastion', 'bastion nodes');
    const ctx = t.ctx();
    const found = await serviceAccountKind.find(ctx, [bastion]);
    expect(found.size).toBe(0);
    t.fake.iam.addServiceAccount(PROJECT, bastionId, 'bastion', 'bastion nodes');
    const after = await serviceAccountKind.apply(ctx, { action: 'create', name: bastionId, desired: bastion.desired, fields: [], refs: { resolve: () => '', known: () => '' } });
    expect(after.email).toBe(email(bastionId));
    expect(t.fake.calls.some((x) => x.method === 'GET' && x.path === `/v1/projects/${PROJECT}/serviceAccounts/${encodeURIComponent(email(bastionId))}`)).toBe(true);
  });

  it("has no orphan search (update never deletes an account); delete cluster's sweep finds only kops's names for this cluster", async () => {
    expect(serviceAccountKind.findOrphans).toBeUndefined();
    t.fake.iam.addServiceAccount(PROJECT, 'user-robot', 'the user\'s');
    t.fake.iam.addServiceAccount(PROJECT, gceServiceAccountId('node', 'other.example.com'), 'node');
    const swept = await gceDeletion.tagged(t.ctx(), new Set());
    const accounts = swept.resources.filter((r) => r.kind === 'ServiceAccount');
    expect(accounts.map((r) => r.name).sort()).toEqual([CP_ID, NODE_ID, gceServiceAccountId('bastion', CLUSTER)].sort());
    // What the kinds found is not listed twice (ids are the kinds' output ids).
    const known = new Set(accounts.filter((r) => r.name !== gceServiceAccountId('bastion', CLUSTER)).map((r) => r.id));
    const again = (await gceDeletion.tagged(t.ctx(), known)).resources.filter((r) => r.kind === 'ServiceAccount');
    expect(again.map((r) => r.name)).toEqual([gceServiceAccountId('bastion', CLUSTER)]);
    for (const r of again) await r.remove();
    // Gone already: not an error.
    for (const r of again) await r.remove();
    const left = t.fake.iam.serviceAccounts(PROJECT).map((a) => a.email as string).sort();
    expect(left).toEqual([email(CP_ID), email(NODE_ID), email(gceServiceAccountId('node', 'other.example.com')), email('user-robot')].sort());
  });

  it('lists every page of a project with many accounts', async () => {
    for (let i = 0; i < 105; i++) t.fake.iam.addServiceAccount(PROJECT, `filler-${String(i).padStart(3, '0')}`);
    const found = await serviceAccountKind.find(t.ctx(), [cp, node]);
    expect([...found.keys()].sort()).toEqual([CP_ID, NODE_ID].sort());
    expect(t.fake.calls.filter((c) => c.method === 'GET' && c.path === `/v1/projects/${PROJECT}/serviceAccounts` && c.query.pageToken).length).toBeGreaterThan(0);
  });
});

describe('ProjectIAMBinding', () => {
  it("adds its member to the role's binding, keeping the other members, bindings and the conditional binding", async () => {
    t.fake.iam.editPolicy(PROJECT, (b) => {
      b.push({ role: 'roles/container.serviceAgent', members: ['user:alice@example.com'] });
      b.push({ role: 'roles/container.serviceAgent', members: ['user:bob@example.com'], condition: { title: 'weekdays', expression: 'request.time.getDayOfWeek() < 5' } });
      b.push({ role: 'roles/viewer', members: ['group:ops@example.com'] });
    });
    const before = t.fake.iam.policy(PROJECT);
    await expectIdempotent(t, projectIamBindingKind, [binding()]);
    const after = t.fake.iam.policy(PROJECT);
    expect(membersOf('roles/container.serviceAgent')).toEqual([`serviceAccount:${email(CP_ID)}`, 'user:alice@example.com'].sort());
    expect(after.bindings.find((b) => b.condition)).toEqual(before.bindings.find((b) => b.condition));
    expect(after.bindings.filter((b) => b.role !== 'roles/container.serviceAgent')).toEqual(before.bindings.filter((b) => b.role !== 'roles/container.serviceAgent'));
    // Written once, with the etag it read, and version 3 (a conditional binding is in the policy).
    const sets = t.fake.calls.filter((c) => c.path === `/v1/projects/${PROJECT}:setIamPolicy`);
    expect(sets).toHaveLength(1);
    expect((sets[0]?.body?.policy as { etag?: string; version?: number }).etag).toBe(before.etag);
    expect((sets[0]?.body?.policy as { version?: number }).version).toBe(3);
  });

  it('re-reads and retries when another edit lands between its read and write (409 ABORTED), losing neither', async () => {
    const nodeBinding = binding(NODE_ID, 'roles/compute.viewer');
    const ctx = t.ctx();
    expect((await projectIamBindingKind.find(ctx, [nodeBinding])).size).toBe(0);
    // The apply's read is answered, then another admin's edit lands before its write.
    t.fake.iam.afterGetPolicy = () => t.fake.iam.editPolicy(PROJECT, (b) => b.push({ role: 'roles/compute.viewer', members: ['user:carol@example.com'] }));
    const setsBefore = t.fake.calls.filter((c) => c.path === `/v1/projects/${PROJECT}:setIamPolicy`).length;
    await projectIamBindingKind.apply(ctx, { action: 'create', name: nodeBinding.name, desired: nodeBinding.desired, fields: [], refs: { resolve: () => '', known: () => '' } });
    expect(membersOf('roles/compute.viewer')).toEqual([`serviceAccount:${email(NODE_ID)}`, 'user:carol@example.com'].sort());
    // The first write (stale etag) was refused with ABORTED, the second made after a new read.
    expect(t.fake.calls.filter((c) => c.path === `/v1/projects/${PROJECT}:setIamPolicy`).length - setsBefore).toBe(2);
    await projectIamBindingKind.delete!(t.ctx(), { role: 'roles/compute.viewer', member: `serviceAccount:${email(NODE_ID)}` });
    expect(membersOf('roles/compute.viewer')).toEqual(['user:carol@example.com']);
  });

  it('gives up with a clear error when the policy keeps changing', async () => {
    t.fake.iam.failNext((m, p) => p.endsWith(':setIamPolicy'), new GoogleApiError(409, 'ABORTED', 'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.'), IAM_POLICY_ATTEMPTS);
    await expect(converge(t.ctx(), projectIamBindingKind, [binding(NODE_ID, 'roles/logging.logWriter')])).rejects.toThrow(/IAM policy of project kops-test kept changing under 6 read-modify-write attempts \(ABORTED\)/);
    expect(membersOf('roles/logging.logWriter')).toEqual([]);
  });

  it("retries IAM's 'does not exist' for an account created a moment ago", async () => {
    t.fake.iam.failNext((m, p) => p.endsWith(':setIamPolicy'), new GoogleApiError(400, 'INVALID_ARGUMENT', `Service account ${email(NODE_ID)} does not exist.`), 2);
    await converge(t.ctx(), projectIamBindingKind, [binding(NODE_ID, 'roles/monitoring.metricWriter')]);
    expect(membersOf('roles/monitoring.metricWriter')).toEqual([`serviceAccount:${email(NODE_ID)}`]);
    await projectIamBindingKind.delete!(t.ctx(), { role: 'roles/monitoring.metricWriter', member: `serviceAccount:${email(NODE_ID)}` });
  });

  it("delete cluster's sweep removes this cluster's members in any role, in their deleted: form too; never a user's", async () => {
    expect(projectIamBindingKind.findOrphans).toBeUndefined();
    t.fake.iam.editPolicy(PROJECT, (b) => b.push({ role: 'roles/storage.admin', members: [`serviceAccount:${email(NODE_ID)}`, 'serviceAccount:user-robot@kops-test.iam.gserviceaccount.com'] }));
    const members = async () => (await gceDeletion.tagged(t.ctx(), new Set())).resources.filter((r) => r.kind === 'ProjectIAMBinding' && r.name.startsWith('roles/storage.admin '));
    expect((await members()).map((r) => r.name)).toEqual([`roles/storage.admin serviceAccount:${email(NODE_ID)}`]);
    // IAM rewrites a deleted account's members; the member is still ours and removable.
    await serviceAccountKind.delete!(t.ctx(), { email: email(NODE_ID), name: '', uniqueId: '', displayName: '', description: '' });
    const [o] = await members();
    expect(o?.name).toMatch(new RegExp(`^roles/storage.admin deleted:serviceAccount:${email(NODE_ID)}\\?uid=\\d+$`));
    await o!.remove();
    expect(membersOf('roles/storage.admin')).toEqual(['serviceAccount:user-robot@kops-test.iam.gserviceaccount.com']);
  });

  it('delete removes only its member; the role keeps the others', async () => {
    await projectIamBindingKind.delete!(t.ctx(), { role: 'roles/container.serviceAgent', member: `serviceAccount:${email(CP_ID)}` });
    expect(membersOf('roles/container.serviceAgent')).toEqual(['user:alice@example.com']);
    expect((await planKind(t.ctx(), projectIamBindingKind, [binding()]))[0]?.action).toBe('create');
  });

  it('fails naming the permission Google refused', async () => {
    t.fake.permissions = new Set(['resourcemanager.projects.getIamPolicy']);
    try {
      await expect(converge(t.ctx(), projectIamBindingKind, [binding()])).rejects.toMatchObject({ response: { status: 403 } });
      await expect(serviceAccountKind.find(t.ctx(), [cp])).rejects.toThrow(/Permission 'iam.serviceAccounts.list' denied/);
      expect(t.fake.used.has('resourcemanager.projects.setIamPolicy')).toBe(true);
      expect(t.fake.used.has('iam.serviceAccounts.list')).toBe(true);
    } finally {
      t.fake.permissions = undefined;
    }
  });
});

describe('policy edits (pure)', () => {
  it('addMember and removeMember touch only the one member of the one unconditional binding', () => {
    const p = { etag: 'e', bindings: [{ role: 'r/a', members: ['user:x'] }, { role: 'r/a', members: ['user:y'], condition: { title: 'c' } }] };
    expect(addMember(p, 'r/a', 'user:x').changed).toBe(false);
    const added = addMember(p, 'r/a', 'serviceAccount:s@p.iam.gserviceaccount.com').policy;
    expect(added.bindings).toEqual([{ role: 'r/a', members: ['user:x', 'serviceAccount:s@p.iam.gserviceaccount.com'] }, p.bindings[1]]);
    expect(addMember(p, 'r/b', 'user:z').policy.bindings?.[2]).toEqual({ role: 'r/b', members: ['user:z'] });
    const removed = removeMember({ bindings: [{ role: 'r/a', members: ['deleted:serviceAccount:s@p.iam.gserviceaccount.com?uid=12'] }, { role: 'r/b', members: ['serviceAccount:s@p.iam.gserviceaccount.com'] }] }, 'r/a', 'serviceAccount:s@p.iam.gserviceaccount.com');
    expect(removed).toEqual({ changed: true, policy: { bindings: [{ role: 'r/b', members: ['serviceAccount:s@p.iam.gserviceaccount.com'] }] } });
    expect(memberEmail('deleted:serviceAccount:s@p.iam.gserviceaccount.com?uid=12')).toBe('s@p.iam.gserviceaccount.com');
    expect(memberEmail('user:s@p.iam.gserviceaccount.com')).toBeUndefined();
  });
});
