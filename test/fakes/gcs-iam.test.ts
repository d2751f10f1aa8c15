/**
 * The fake GCS's bucket IAM (test/fakes/gcs-iam.ts) answers as GCS does: the bucket's uniform
 * bucket-level access, policy versions and conditions, the refusals, and the evaluator of a
 * principal's requests (conditions on object names and on a list's prefix).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalCondition } from './gcs-iam.js';
import { FakeGcs } from './gcs.js';

let fake: FakeGcs;
let base: string;
const SA = 'serviceAccount:robot@p.iam.gserviceaccount.com';
const COND = { title: 't', expression: 'resource.name.startsWith("projects/_/buckets/u/objects/c/")' };

beforeAll(async () => {
  fake = new FakeGcs();
  base = await fake.start();
  fake.createBucket('u');
  fake.createBucket('acl', { uniformBucketLevelAccess: false });
  fake.principals.set('robot-token', SA);
});
afterAll(() => fake.stop());

async function json(res: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const getPolicy = (bucket: string, version?: number) => fetch(`${base}/storage/v1/b/${bucket}/iam${version ? `?optionsRequestedPolicyVersion=${version}` : ''}`).then(json);
const putPolicy = (bucket: string, policy: unknown) => fetch(`${base}/storage/v1/b/${bucket}/iam`, { method: 'PUT', body: JSON.stringify(policy) }).then(json);
const asRobot = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { authorization: 'Bearer robot-token' } });
const reason = (r: { body: Record<string, unknown> }) => ((r.body.error as { errors: { reason: string }[] }).errors[0]?.reason);

describe('fake GCS bucket IAM', () => {
  it("reports each bucket's uniform bucket-level access", async () => {
    expect((await json(await fetch(`${base}/storage/v1/b/u`))).body.iamConfiguration).toEqual({ uniformBucketLevelAccess: { enabled: true } });
    expect((await json(await fetch(`${base}/storage/v1/b/acl`))).body.iamConfiguration).toEqual({ uniformBucketLevelAccess: { enabled: false } });
  });

  it('takes a conditional binding only with version 3, on a uniform bucket only; reads it back only when asked for version 3', async () => {
    const p = await getPolicy('u', 3);
    expect(p.body).toMatchObject({ kind: 'storage#policy', resourceId: 'projects/_/buckets/u', version: 1 });
    const bindings = [...(p.body.bindings as unknown[]), { role: 'roles/storage.objectViewer', members: [SA], condition: COND }];
    const v1 = await putPolicy('u', { bindings, etag: p.body.etag });
    expect([v1.status, reason(v1)]).toEqual([400, 'invalid']);
    const acl = await getPolicy('acl', 3);
    const refused = await putPolicy('acl', { version: 3, bindings, etag: acl.body.etag });
    expect([refused.status, reason(refused)]).toEqual([400, 'invalid']);
    expect((refused.body.error as { message: string }).message).toMatch(/uniform bucket-level access/);
    const ok = await putPolicy('u', { version: 3, bindings, etag: p.body.etag });
    expect(ok.status).toBe(200);
    expect(ok.body.version).toBe(3);
    const old = await getPolicy('u');
    expect([old.status, reason(old)]).toEqual([400, 'invalid']);
    const v3 = await getPolicy('u', 3);
    expect(v3.body.version).toBe(3);
    expect(v3.body.bindings).toContainEqual({ role: 'roles/storage.objectViewer', members: [SA], condition: COND });
    // A stale etag is still 412.
    const stale = await putPolicy('u', { version: 3, bindings, etag: p.body.etag });
    expect([stale.status, reason(stale)]).toEqual([412, 'conditionNotMet']);
  });

  it("evaluates a principal's requests: an object under the condition's prefix, not another; a list only by its prefix attribute", async () => {
    fake.put('u', 'c/x', 'in');
    fake.put('u', 'd/x', 'out');
    expect((await asRobot('/storage/v1/b/u/o/c%2Fx?alt=media')).status).toBe(200);
    const denied = await json(await asRobot('/storage/v1/b/u/o/d%2Fx?alt=media'));
    expect([denied.status, reason(denied)]).toEqual([403, 'forbidden']);
    expect((denied.body.error as { message: string }).message).toBe(
      "robot@p.iam.gserviceaccount.com does not have storage.objects.get access to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource (or it may not exist).",
    );
    // objectViewer holds storage.objects.list, but the list's resource is the bucket: the object-name condition never holds.
    expect((await asRobot('/storage/v1/b/u/o?prefix=c/')).status).toBe(403);
    // objectViewer has no create permission, under the prefix or not.
    expect((await asRobot('/upload/storage/v1/b/u/o?uploadType=media&name=c/y', { method: 'POST' })).status).toBe(403);
    // Without a known token the fake does not evaluate (tests that do not set principals are unaffected).
    expect((await fetch(`${base}/storage/v1/b/u/o/d%2Fx?alt=media`)).status).toBe(200);
  });

  it('evaluates the CEL forms kops-ts writes, joined by ||, and refuses any other loudly', () => {
    const listExpr = 'resource.name.startsWith("projects/_/buckets/u/objects/c/b/") || api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("c/b/")';
    expect(evalCondition(listExpr, { permission: 'storage.objects.list', resource: 'projects/_/buckets/u', objectListPrefix: 'c/b/main/' })).toBe(true);
    expect(evalCondition(listExpr, { permission: 'storage.objects.list', resource: 'projects/_/buckets/u', objectListPrefix: 'c/' })).toBe(false);
    expect(evalCondition(listExpr, { permission: 'storage.objects.list', resource: 'projects/_/buckets/u', objectListPrefix: '' })).toBe(false);
    expect(evalCondition(listExpr, { permission: 'storage.objects.delete', resource: 'projects/_/buckets/u/objects/c/b/1' })).toBe(true);
    // A literal holding "||" is one term.
    expect(evalCondition('resource.name.startsWith("projects/_/buckets/u/objects/a||b")', { permission: 'storage.objects.get', resource: 'projects/_/buckets/u/objects/a||b/c' })).toBe(true);
    expect(() => evalCondition('request.time < timestamp("2030-01-01T00:00:00Z")', { permission: 'storage.objects.get', resource: 'projects/_/buckets/u/objects/x' })).toThrow(/not one the fake evaluates/);
  });

  it("enforces the caller's permission set as GCS does (403 forbidden naming the permission), before any effect, recording what each request needed", async () => {
    fake.put('u', 'p/obj', 'old');
    fake.used.clear();
    fake.permissions = new Set(['storage.objects.get', 'storage.objects.list']);
    try {
      expect((await fetch(`${base}/storage/v1/b/u/o/p%2Fobj?alt=media`)).status).toBe(200);
      expect((await fetch(`${base}/storage/v1/b/u/o?prefix=p/`)).status).toBe(200);
      const write = await json(await fetch(`${base}/upload/storage/v1/b/u/o?uploadType=media&name=p/new`, { method: 'POST', body: 'x' }));
      expect([write.status, reason(write)]).toEqual([403, 'forbidden']);
      expect((write.body.error as { message: string }).message).toBe(
        "caller@example.com does not have storage.objects.create access to the Google Cloud Storage object. Permission 'storage.objects.create' denied on resource (or it may not exist).",
      );
      expect(fake.object('u', 'p/new')).toBeUndefined();
      // Overwriting needs storage.objects.delete as well (GCS's IAM permissions table).
      fake.permissions = new Set(['storage.objects.create']);
      const overwrite = await json(await fetch(`${base}/upload/storage/v1/b/u/o?uploadType=media&name=p/obj`, { method: 'POST', body: 'new' }));
      expect((overwrite.body.error as { message: string }).message).toContain("Permission 'storage.objects.delete' denied");
      expect(fake.object('u', 'p/obj')?.data.toString()).toBe('old');
      expect((await fetch(`${base}/storage/v1/b/u/iam`)).status).toBe(403);
      expect([...fake.used]).toEqual(['storage.objects.get', 'storage.objects.list', 'storage.objects.create', 'storage.objects.delete', 'storage.buckets.getIamPolicy']);
    } finally {
      fake.permissions = undefined;
    }
  });
});
