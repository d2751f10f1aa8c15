/**
 * The fake GCS's bucket IAM (test/fakes/gcs.ts): policies as the JSON API holds them, and an
 * evaluator of the requests made as a principal.
 *
 * Policies (`GET|PUT /storage/v1/b/<bucket>/iam`, `storage#policy`): `version`, `etag`,
 * `bindings[]` of `role`, `members` and an optional `condition` (`title`, `description`,
 * `expression`). As GCS (docs/gce.md, "Service accounts", with the sources):
 *  - a GET of a policy holding a condition without `optionsRequestedPolicyVersion=3` is refused
 *    (400 `invalid`); a policy without conditions is answered as version 1;
 *  - a PUT with a condition is refused unless it says `version: 3`, and on a bucket without
 *    uniform bucket-level access (400 `invalid`);
 *  - a PUT with a stale `etag` is 412 `conditionNotMet`; without an etag it overwrites.
 *
 * Evaluator: a request whose bearer token the fake was told belongs to a principal
 * (`FakeGcs.principals`) is allowed only if a binding of a role holding the request's permission
 * lists that principal and its condition (if any) holds for the request; otherwise 403
 * `forbidden` with GCS's message. An object request's resource is
 * `projects/_/buckets/<bucket>/objects/<name>`; a list's is the bucket, with the API attribute
 * `storage.googleapis.com/objectListPrefix` (the list's `prefix`). Conditions: only the forms
 * kops-ts writes, joined by `||`: `resource.name.startsWith("...")` and
 * `api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("...")`; any
 * other expression that must be evaluated fails the request loudly (500, "fake GCS: ...").
 */

export class GcsHttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeIamCondition {
  title?: string;
  description?: string;
  expression: string;
}

export interface FakeIamBinding {
  role: string;
  members: string[];
  condition?: FakeIamCondition;
}

export interface FakeBucketPolicy {
  version: number;
  etag: string;
  bindings: FakeIamBinding[];
}

/** A new bucket's policy: GCS's convenience members of the project's basic roles. */
export function newBucketPolicy(etag: string): FakeBucketPolicy {
  return {
    version: 1,
    etag,
    bindings: [
      { role: 'roles/storage.legacyBucketOwner', members: ['projectEditor:fake-project', 'projectOwner:fake-project'] },
      { role: 'roles/storage.legacyBucketReader', members: ['projectViewer:fake-project'] },
    ],
  };
}

/** The permissions of the roles tests use (Google's predefined roles, the object part). */
export const ROLE_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  'roles/storage.objectViewer': ['storage.objects.get', 'storage.objects.list'],
  'roles/storage.objectCreator': ['storage.objects.create'],
  'roles/storage.objectAdmin': ['storage.objects.create', 'storage.objects.delete', 'storage.objects.get', 'storage.objects.list', 'storage.objects.update'],
  'roles/storage.admin': [
    'storage.buckets.get', 'storage.buckets.getIamPolicy', 'storage.buckets.setIamPolicy', 'storage.buckets.update',
    'storage.objects.create', 'storage.objects.delete', 'storage.objects.get', 'storage.objects.list', 'storage.objects.update',
  ],
  'roles/storage.legacyBucketOwner': ['storage.buckets.get', 'storage.buckets.update', 'storage.objects.create', 'storage.objects.delete', 'storage.objects.list'],
  'roles/storage.legacyBucketReader': ['storage.buckets.get', 'storage.objects.list'],
  'roles/storage.legacyObjectReader': ['storage.objects.get'],
};

/** What a request needs: a permission on a resource, and the request attributes conditions can test. */
export interface Need {
  readonly permission: string;
  /** `projects/_/buckets/<b>` or `projects/_/buckets/<b>/objects/<name>`. */
  readonly resource: string;
  readonly objectListPrefix?: string;
}

const STARTS = /^resource\.name\.startsWith\(("(?:[^"\\]|\\.)*")\)$/;
const LIST_PREFIX = /^api\.getAttribute\("storage\.googleapis\.com\/objectListPrefix",\s*""\)\.startsWith\(("(?:[^"\\]|\\.)*")\)$/;

/** Splits on `||` outside string literals. */
function disjuncts(expression: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inString = false;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i]!;
    if (inString && c === '\\') {
      cur += c + (expression[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    if (!inString && c === '|' && expression[i + 1] === '|') {
      out.push(cur.trim());
      cur = '';
      i++;
      continue;
    }
    cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** Evaluates the CEL forms the fake supports for `need`; throws on any other. */
export function evalCondition(expression: string, need: Need): boolean {
  return disjuncts(expression).some((term) => {
    let m = STARTS.exec(term);
    if (m) return need.resource.startsWith(JSON.parse(m[1]!) as string);
    m = LIST_PREFIX.exec(term);
    if (m) return need.objectListPrefix !== undefined && need.objectListPrefix.startsWith(JSON.parse(m[1]!) as string);
    throw new GcsHttpError(500, 'backendError', `fake GCS: the condition term ${JSON.stringify(term)} is not one the fake evaluates (resource.name.startsWith, objectListPrefix startsWith, ||)`);
  });
}

/** Whether `member` may do `need` under `policy` (conditions evaluated). */
export function allowed(policy: FakeBucketPolicy, member: string, need: Need): boolean {
  return policy.bindings.some(
    (b) => b.members.includes(member) && (ROLE_PERMISSIONS[b.role] ?? []).includes(need.permission) && (!b.condition || evalCondition(b.condition.expression, need)),
  );
}

/** GCS's 403 for a caller without the permission. */
export function forbidden(member: string, need: Need): GcsHttpError {
  const email = member.replace(/^[a-zA-Z]+:/, '');
  const what = need.resource.includes('/objects/') ? 'object' : 'bucket';
  return new GcsHttpError(403, 'forbidden', `${email} does not have ${need.permission} access to the Google Cloud Storage ${what}. Permission '${need.permission}' denied on resource (or it may not exist).`);
}

/** The permission and resource of a JSON API request (`exists`: the upload's object exists, so an overwrite). */
export function needOf(method: string, path: string, q: Record<string, string>, exists: (bucket: string, name: string) => boolean): Need[] {
  let m: RegExpExecArray | null;
  const bucketRes = (b: string) => `projects/_/buckets/${decodeURIComponent(b)}`;
  if ((m = /^\/storage\/v1\/b\/([^/]+)\/iam$/.exec(path))) return [{ permission: method === 'PUT' ? 'storage.buckets.setIamPolicy' : 'storage.buckets.getIamPolicy', resource: bucketRes(m[1]!) }];
  if ((m = /^\/storage\/v1\/b\/([^/]+)$/.exec(path))) return [{ permission: 'storage.buckets.get', resource: bucketRes(m[1]!) }];
  if ((m = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(path))) return [{ permission: 'storage.objects.list', resource: bucketRes(m[1]!), objectListPrefix: q.prefix ?? '' }];
  if ((m = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
    return [{ permission: method === 'DELETE' ? 'storage.objects.delete' : 'storage.objects.get', resource: `${bucketRes(m[1]!)}/objects/${decodeURIComponent(m[2]!)}` }];
  }
  if ((m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path)) && q.name !== undefined) {
    const resource = `${bucketRes(m[1]!)}/objects/${q.name}`;
    // Overwriting an object also needs storage.objects.delete (GCS's IAM permissions table).
    return [{ permission: 'storage.objects.create', resource }, ...(exists(decodeURIComponent(m[1]!), q.name) ? [{ permission: 'storage.objects.delete', resource }] : [])];
  }
  return [];
}

const hasCondition = (bindings: readonly FakeIamBinding[]) => bindings.some((b) => b.condition !== undefined);

/** The policy as a GET answers it, or GCS's refusal of a conditional policy asked for below version 3. */
export function policyResponse(bucket: string, p: FakeBucketPolicy, requestedVersion: string | undefined): Record<string, unknown> {
  const conditional = hasCondition(p.bindings);
  if (conditional && Number(requestedVersion ?? 1) < 3) {
    throw new GcsHttpError(400, 'invalid', 'The requested policy version is not supported for a policy with IAM Conditions: set optionsRequestedPolicyVersion to 3.');
  }
  return { kind: 'storage#policy', resourceId: `projects/_/buckets/${bucket}`, version: conditional ? 3 : 1, etag: p.etag, bindings: structuredClone(p.bindings) };
}

/** Checks a PUT's policy as GCS does; returns the bindings to store. */
export function checkPolicyWrite(current: FakeBucketPolicy, given: { etag?: unknown; version?: unknown; bindings?: unknown }, uniform: boolean): { version: number; bindings: FakeIamBinding[] } {
  if (typeof given.etag === 'string' && given.etag !== current.etag) throw new GcsHttpError(412, 'conditionNotMet', 'Precondition Failed');
  const bindings = (Array.isArray(given.bindings) ? given.bindings : []) as FakeIamBinding[];
  for (const b of bindings) {
    if (typeof b.role !== 'string' || !b.role.startsWith('roles/')) throw new GcsHttpError(400, 'invalid', `Role ${String(b.role)} is not a valid role.`);
    if (!Array.isArray(b.members) || b.members.length === 0) throw new GcsHttpError(400, 'invalid', `The binding for role ${b.role} has no members.`);
    if (b.condition !== undefined && (typeof b.condition.expression !== 'string' || b.condition.expression === '')) {
      throw new GcsHttpError(400, 'invalid', `The condition of the binding for role ${b.role} has no expression.`);
    }
  }
  const version = Number(given.version ?? 1);
  if (hasCondition(bindings)) {
    if (version < 3) throw new GcsHttpError(400, 'invalid', 'IAM Conditions require a policy of version 3: set "version": 3 in the policy.');
    if (!uniform) throw new GcsHttpError(400, 'invalid', 'IAM Conditions can only be used on a bucket with uniform bucket-level access enabled.');
  }
  return { version: hasCondition(bindings) ? 3 : 1, bindings: structuredClone(bindings) };
}
