/**
 * The fake IAM and Resource Manager APIs (test/fakes/gce-iam.ts, on the Compute fake's endpoint)
 * over plain HTTP: Google's paths, error shapes (`{error:{code,message,status}}`), paging, the
 * etag check of setIamPolicy and IAM's `deleted:` rewrite of a deleted account's members.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGceCompute, type Json } from './gce-compute.js';

const fake = new FakeGceCompute();
let base = '';
beforeAll(async () => {
  base = await fake.start();
});
afterAll(() => fake.stop());

async function call(method: string, path: string, body?: Json): Promise<{ status: number; json: Json }> {
  const r = await fetch(`${base}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  return { status: r.status, json: (await r.json()) as Json };
}

const SA = '/v1/projects/p1/serviceAccounts';
const EMAIL = 'robot-one@p1.iam.gserviceaccount.com';

describe('fake IAM service accounts', () => {
  it('creates, gets by email, refuses a duplicate (409 ALREADY_EXISTS) and a bad id (400 INVALID_ARGUMENT)', async () => {
    const made = await call('POST', SA, { accountId: 'robot-one', serviceAccount: { displayName: 'Robot', description: 'd' } });
    expect(made.status).toBe(200);
    expect(made.json).toMatchObject({ name: `projects/p1/serviceAccounts/${EMAIL}`, email: EMAIL, projectId: 'p1', displayName: 'Robot', description: 'd' });
    expect((await call('GET', `${SA}/${EMAIL}`)).json.uniqueId).toBe(made.json.uniqueId);
    expect((await call('GET', `${SA}/${String(made.json.uniqueId)}`)).json.email).toBe(EMAIL);
    const dup = await call('POST', SA, { accountId: 'robot-one' });
    expect(dup).toEqual({ status: 409, json: { error: { code: 409, message: 'Service account robot-one already exists within project projects/p1.', status: 'ALREADY_EXISTS' } } });
    expect((await call('POST', SA, { accountId: 'Bad_Id' })).json).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
    expect((await call('POST', SA, { accountId: 'short' })).status).toBe(400);
    expect((await call('GET', `${SA}/nobody@p1.iam.gserviceaccount.com`)).json).toEqual({ error: { code: 404, message: 'Unknown service account', status: 'NOT_FOUND' } });
  });

  it('patches the fields the update mask names; lists in pages', async () => {
    expect((await call('PATCH', `${SA}/${EMAIL}`, { serviceAccount: { description: 'new' }, updateMask: 'description' })).json).toMatchObject({ description: 'new', displayName: 'Robot' });
    expect((await call('PATCH', `${SA}/${EMAIL}`, { serviceAccount: { email: 'x' }, updateMask: 'email' })).status).toBe(400);
    for (let i = 0; i < 4; i++) await call('POST', SA, { accountId: `filler-${i}x` });
    const first = await call('GET', `${SA}?pageSize=3`);
    expect((first.json.accounts as Json[]).length).toBe(3);
    const second = await call('GET', `${SA}?pageSize=3&pageToken=${String(first.json.nextPageToken)}`);
    expect((second.json.accounts as Json[]).length).toBe(2);
    expect(second.json.nextPageToken).toBeUndefined();
  });
});

describe('fake Resource Manager project IAM policy', () => {
  it('writes with the etag read; a stale etag is 409 ABORTED; a member that does not exist is 400', async () => {
    const read = (await call('POST', '/v1/projects/p1:getIamPolicy', { options: { requestedPolicyVersion: 3 } })).json as { etag: string; bindings: { role: string; members: string[] }[] };
    const policy = { ...read, bindings: [...read.bindings, { role: 'roles/viewer', members: [`serviceAccount:${EMAIL}`] }] };
    const written = await call('POST', '/v1/projects/p1:setIamPolicy', { policy });
    expect(written.status).toBe(200);
    expect(written.json.etag).not.toBe(read.etag);
    const stale = await call('POST', '/v1/projects/p1:setIamPolicy', { policy });
    expect(stale).toEqual({ status: 409, json: { error: { code: 409, message: 'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.', status: 'ABORTED' } } });
    const ghost = await call('POST', '/v1/projects/p1:setIamPolicy', { policy: { ...written.json, bindings: [{ role: 'roles/viewer', members: ['serviceAccount:ghost-one@p1.iam.gserviceaccount.com'] }] } });
    expect(ghost.json).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: 'Service account ghost-one@p1.iam.gserviceaccount.com does not exist.' } });
  });

  it("rewrites a deleted account's members as deleted:serviceAccount:<email>?uid=<id>", async () => {
    const uid = String((await call('GET', `${SA}/${EMAIL}`)).json.uniqueId);
    expect((await call('DELETE', `${SA}/${EMAIL}`)).status).toBe(200);
    expect(fake.iam.policy('p1').bindings.find((b) => b.role === 'roles/viewer')?.members).toEqual([`deleted:serviceAccount:${EMAIL}?uid=${uid}`]);
    expect((await call('DELETE', `${SA}/${EMAIL}`)).status).toBe(404);
  });

  it("enforces the permission set with Google's 403 naming the permission", async () => {
    fake.permissions = new Set(['iam.serviceAccounts.list']);
    try {
      expect((await call('GET', SA)).status).toBe(200);
      const denied = await call('POST', SA, { accountId: 'robot-two' });
      expect(denied.status).toBe(403);
      expect(denied.json).toMatchObject({ error: { status: 'PERMISSION_DENIED', message: "Permission 'iam.serviceAccounts.create' denied on resource (or it may not exist).", details: [{ metadata: { permission: 'iam.serviceAccounts.create' } }] } });
      expect((await call('POST', '/v1/projects/p1:setIamPolicy', { policy: {} })).json).toMatchObject({ error: { code: 403, message: 'The caller does not have permission' } });
      expect(fake.iam.serviceAccounts('p1').some((a) => a.email === 'robot-two@p1.iam.gserviceaccount.com')).toBe(false);
    } finally {
      fake.permissions = undefined;
    }
  });
});
