/**
 * A fake of the two Google APIs the per-role service accounts use, served by the fake Compute
 * server (test/fakes/gce-compute.ts) on the same endpoint, as kops-ts reaches them through
 * `KOPS_GCE_COMPUTE_ENDPOINT` (src/cloud/gce/iam-api.ts):
 *
 *  - IAM v1 `projects.serviceAccounts`: `GET/POST /v1/projects/<p>/serviceAccounts` (list with
 *    `pageSize`, default 20, max 100, and `pageToken`; create with `accountId` and
 *    `serviceAccount`), `GET/PATCH/DELETE /v1/projects/<p>/serviceAccounts/<email or unique id>`
 *    (PATCH with `updateMask` of `displayName`, `description`);
 *  - Resource Manager v1: `POST /v1/projects/<p>:getIamPolicy` (`options.requestedPolicyVersion`:
 *    below 3, a policy with conditional bindings is refused as Google does) and `:setIamPolicy`
 *    (`policy` with the etag read: a stale etag is 409 `ABORTED`; without an etag the policy is
 *    overwritten, as Google does; a new etag on every write; members that name a service account
 *    of the project that does not exist are 400 `INVALID_ARGUMENT`).
 *
 * As IAM does, deleting a service account rewrites its policy members to
 * `deleted:serviceAccount:<email>?uid=<unique id>`. Errors are Google's shape for these APIs:
 * `{error:{code,message,status}}` (404 `NOT_FOUND`, 409 `ALREADY_EXISTS`, 409 `ABORTED`, 400
 * `INVALID_ARGUMENT`, 403 `PERMISSION_DENIED` with an `ErrorInfo` naming the permission).
 * Permissions are those Google's reference names per method (`iam.serviceAccounts.create`,
 * `resourcemanager.projects.setIamPolicy`, ...), enforced like the Compute fake's.
 *
 * Not modelled: keys, roles' existence (any `roles/...` is accepted), disabling, undelete, the
 * seconds IAM takes before a new account can be used (`failNext` injects that error), policy
 * size limits, audit configs beyond keeping them.
 */
export type Json = Record<string, unknown>;

export class GoogleApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
    readonly details?: readonly Json[],
  ) {
    super(message);
  }

  body(): Json {
    return { error: { code: this.code, message: this.message, status: this.status, ...(this.details ? { details: this.details } : {}) } };
  }
}

interface Account {
  name: string;
  projectId: string;
  uniqueId: string;
  email: string;
  displayName?: string;
  description?: string;
  etag: string;
  oauth2ClientId: string;
}

interface Binding {
  role: string;
  members: string[];
  condition?: Json;
}

interface Policy {
  version: number;
  etag: string;
  bindings: Binding[];
  auditConfigs?: Json[];
}

const ACCOUNT_ID_RE = /^[a-z]([-a-z0-9]*[a-z0-9])$/;

/** The permission Google checks for an IAM / Resource Manager REST call, or undefined if not one. */
export function iamPermissionOf(method: string, path: string): string | undefined {
  if (/^\/v1\/projects\/[^/:]+:getIamPolicy$/.test(path)) return 'resourcemanager.projects.getIamPolicy';
  if (/^\/v1\/projects\/[^/:]+:setIamPolicy$/.test(path)) return 'resourcemanager.projects.setIamPolicy';
  if (/^\/v1\/projects\/[^/]+\/serviceAccounts$/.test(path)) return method === 'POST' ? 'iam.serviceAccounts.create' : 'iam.serviceAccounts.list';
  if (/^\/v1\/projects\/[^/]+\/serviceAccounts\/[^/]+$/.test(path)) {
    return ({ GET: 'iam.serviceAccounts.get', PATCH: 'iam.serviceAccounts.update', DELETE: 'iam.serviceAccounts.delete' } as Record<string, string>)[method];
  }
  return undefined;
}

export class FakeGceIam {
  private readonly accounts = new Map<string, Map<string, Account>>();
  private readonly policies = new Map<string, Policy>();
  private seq = 0;
  private nextUid = 104_000_000_000_000_000_000n;
  private readonly failures: { match: (method: string, path: string) => boolean; error: GoogleApiError; times: number }[] = [];

  /** Runs after a `getIamPolicy` is answered (once, then cleared): another admin's edit in between a read and its write. */
  afterGetPolicy: ((project: string) => void) | undefined;

  /** The next `times` calls `match` accepts fail with this error, before any effect. */
  failNext(match: (method: string, path: string) => boolean, error: GoogleApiError, times = 1): void {
    this.failures.push({ match, error, times });
  }

  /** A project's accounts (copies), by email. */
  serviceAccounts(project: string): Json[] {
    return [...this.projectAccounts(project).values()].map((a) => ({ ...a }));
  }

  /** A project's policy (a copy). */
  policy(project: string): { version: number; etag: string; bindings: { role: string; members: string[]; condition?: Json }[] } {
    return structuredClone(this.policyOf(project));
  }

  /** Changes a project's policy behind the client's back (another admin's edit): a new etag. */
  editPolicy(project: string, fn: (bindings: Binding[]) => void): void {
    const p = this.policyOf(project);
    fn(p.bindings);
    p.etag = this.etag();
  }

  /** Adds an account as a user (or another tool) would. */
  addServiceAccount(project: string, accountId: string, displayName = '', description = ''): Json {
    return { ...this.create(project, { accountId, serviceAccount: { displayName, description } }) };
  }

  /**
   * Serves the call if it is one of these APIs' (else undefined). `authorize` is the Compute
   * fake's permission check (it throws Google's 403 in this API's shape via `denied`).
   */
  handle(method: string, path: string, query: Readonly<Record<string, string>>, body: Json | undefined, permissions: ReadonlySet<string> | undefined, used: Set<string>): Json | undefined {
    const permission = iamPermissionOf(method, path);
    if (!/^\/v1\/projects\//.test(path)) return undefined;
    const f = this.failures.find((x) => x.times > 0 && x.match(method, path));
    if (f) {
      f.times--;
      throw f.error;
    }
    if (!permission) throw new GoogleApiError(404, 'NOT_FOUND', `The requested URL ${path} was not found on this server.`);
    used.add(permission);
    if (permissions && !permissions.has(permission)) {
      const message = permission.startsWith('iam.') ? `Permission '${permission}' denied on resource (or it may not exist).` : 'The caller does not have permission';
      throw new GoogleApiError(403, 'PERMISSION_DENIED', message, [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain: permission.split('.')[0] + '.googleapis.com', metadata: { permission } },
      ]);
    }
    const crm = /^\/v1\/projects\/([^/:]+):(getIamPolicy|setIamPolicy)$/.exec(path);
    if (crm) {
      const project = decodeURIComponent(crm[1] as string);
      if (crm[2] === 'setIamPolicy') return this.setPolicy(project, body);
      const read = this.getPolicy(project, body);
      const hook = this.afterGetPolicy;
      this.afterGetPolicy = undefined;
      hook?.(project);
      return read;
    }
    const sa = /^\/v1\/projects\/([^/]+)\/serviceAccounts(?:\/([^/]+))?$/.exec(path) as RegExpExecArray;
    const project = decodeURIComponent(sa[1] as string);
    const id = sa[2] === undefined ? undefined : decodeURIComponent(sa[2]);
    if (id === undefined) return method === 'POST' ? { ...this.create(project, body ?? {}) } : this.list(project, query);
    const a = this.lookup(project, id);
    if (method === 'GET') return { ...a };
    if (method === 'DELETE') {
      this.projectAccounts(project).delete(a.email);
      // IAM keeps the account's bindings with its members marked deleted.
      for (const p of this.policies.values()) {
        for (const b of p.bindings) b.members = b.members.map((m) => (m === `serviceAccount:${a.email}` ? `deleted:serviceAccount:${a.email}?uid=${a.uniqueId}` : m));
      }
      return {};
    }
    return this.patch(a, body ?? {});
  }

  // -------------------------------------------------------------------------------------------

  private etag(): string {
    return Buffer.from(`etag-${++this.seq}`).toString('base64');
  }

  private projectAccounts(project: string): Map<string, Account> {
    let m = this.accounts.get(project);
    if (!m) {
      m = new Map();
      this.accounts.set(project, m);
    }
    return m;
  }

  private policyOf(project: string): Policy {
    let p = this.policies.get(project);
    if (!p) {
      // A new project's policy: its owner.
      p = { version: 1, etag: this.etag(), bindings: [{ role: 'roles/owner', members: ['user:owner@example.com'] }] };
      this.policies.set(project, p);
    }
    return p;
  }

  private lookup(project: string, id: string): Account {
    const accounts = this.projectAccounts(project);
    const a = accounts.get(id) ?? [...accounts.values()].find((x) => x.uniqueId === id);
    if (!a) throw new GoogleApiError(404, 'NOT_FOUND', `Unknown service account`);
    return a;
  }

  private create(project: string, body: Json): Account {
    const accountId = body.accountId;
    if (typeof accountId !== 'string' || accountId.length < 6 || accountId.length > 30 || !ACCOUNT_ID_RE.test(accountId)) {
      throw new GoogleApiError(400, 'INVALID_ARGUMENT', `Invalid value for field 'accountId': '${String(accountId)}'. Account ID must be between 6 and 30 characters.`);
    }
    const sa = (body.serviceAccount ?? {}) as Json;
    const unknown = Object.keys(sa).filter((k) => !['displayName', 'description'].includes(k));
    if (unknown.length > 0) throw new GoogleApiError(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${unknown[0] ?? ''}" at 'service_account': Cannot find field.`);
    this.checkTexts(sa);
    const email = `${accountId}@${project}.iam.gserviceaccount.com`;
    const accounts = this.projectAccounts(project);
    if (accounts.has(email)) throw new GoogleApiError(409, 'ALREADY_EXISTS', `Service account ${accountId} already exists within project projects/${project}.`);
    const uniqueId = String(this.nextUid++);
    const a: Account = {
      name: `projects/${project}/serviceAccounts/${email}`,
      projectId: project,
      uniqueId,
      email,
      ...(typeof sa.displayName === 'string' && sa.displayName !== '' ? { displayName: sa.displayName } : {}),
      ...(typeof sa.description === 'string' && sa.description !== '' ? { description: sa.description } : {}),
      etag: 'MDEwMjE5MjA=',
      oauth2ClientId: uniqueId,
    };
    accounts.set(email, a);
    return a;
  }

  private checkTexts(sa: Json): void {
    if (typeof sa.displayName === 'string' && sa.displayName.length > 100) throw new GoogleApiError(400, 'INVALID_ARGUMENT', 'Display name must be at most 100 characters.');
    if (typeof sa.description === 'string' && sa.description.length > 256) throw new GoogleApiError(400, 'INVALID_ARGUMENT', 'Description must be at most 256 characters.');
  }

  private list(project: string, query: Readonly<Record<string, string>>): Json {
    const size = Math.min(Math.max(Number(query.pageSize ?? 20) || 20, 1), 100);
    const all = [...this.projectAccounts(project).values()].sort((x, y) => x.email.localeCompare(y.email));
    const start = query.pageToken ? Number(Buffer.from(query.pageToken, 'base64').toString('utf8')) : 0;
    if (!Number.isInteger(start) || start < 0) throw new GoogleApiError(400, 'INVALID_ARGUMENT', 'Invalid page token.');
    const page = all.slice(start, start + size).map((a) => ({ ...a }));
    const next = start + size < all.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
    return { ...(page.length > 0 ? { accounts: page } : {}), ...(next ? { nextPageToken: next } : {}) };
  }

  private patch(a: Account, body: Json): Json {
    const mask = typeof body.updateMask === 'string' ? body.updateMask.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
    if (mask.length === 0) throw new GoogleApiError(400, 'INVALID_ARGUMENT', 'Field update_mask is required.');
    const bad = mask.find((f) => f !== 'displayName' && f !== 'description');
    if (bad) throw new GoogleApiError(400, 'INVALID_ARGUMENT', `Invalid update mask path: "${bad}".`);
    const sa = (body.serviceAccount ?? {}) as Json;
    this.checkTexts(sa);
    for (const f of mask) {
      const v = sa[f];
      if (typeof v === 'string' && v !== '') (a as unknown as Json)[f] = v;
      else delete (a as unknown as Json)[f];
    }
    return { ...a };
  }

  private getPolicy(project: string, body: Json | undefined): Json {
    const p = this.policyOf(project);
    const requested = Number(((body?.options as Json | undefined)?.requestedPolicyVersion as number | undefined) ?? 1);
    if (p.bindings.some((b) => b.condition) && requested < 3) {
      throw new GoogleApiError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument: the policy has conditional role bindings; request policy version 3.');
    }
    return structuredClone({ version: p.version, etag: p.etag, bindings: p.bindings, ...(p.auditConfigs ? { auditConfigs: p.auditConfigs } : {}) }) as unknown as Json;
  }

  private setPolicy(project: string, body: Json | undefined): Json {
    const given = body?.policy as Json | undefined;
    if (!given || typeof given !== 'object') throw new GoogleApiError(400, 'INVALID_ARGUMENT', "Invalid value at 'policy': the policy is required.");
    const current = this.policyOf(project);
    if (typeof given.etag === 'string' && given.etag !== current.etag) {
      throw new GoogleApiError(409, 'ABORTED', 'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.');
    }
    const bindings = (Array.isArray(given.bindings) ? given.bindings : []) as Binding[];
    for (const b of bindings) {
      if (typeof b.role !== 'string' || !/^(roles|projects\/[^/]+\/roles|organizations\/[^/]+\/roles)\//.test(b.role)) {
        throw new GoogleApiError(400, 'INVALID_ARGUMENT', `Role ${String(b.role)} is not a valid role name.`);
      }
      if (!Array.isArray(b.members) || b.members.length === 0) throw new GoogleApiError(400, 'INVALID_ARGUMENT', `Policy binding for role ${b.role} has no members.`);
      for (const m of b.members) {
        const sa = /^serviceAccount:([^@]+)@([^.]+)\.iam\.gserviceaccount\.com$/.exec(m);
        if (sa && (this.accounts.has(sa[2] as string) || sa[2] === project) && !this.projectAccounts(sa[2] as string).has(`${sa[1] as string}@${sa[2] as string}.iam.gserviceaccount.com`)) {
          throw new GoogleApiError(400, 'INVALID_ARGUMENT', `Service account ${m.slice('serviceAccount:'.length)} does not exist.`);
        }
      }
      if (b.condition && Number(given.version ?? 1) < 3) throw new GoogleApiError(400, 'INVALID_ARGUMENT', 'Policies with conditional role bindings must be version 3.');
    }
    const next: Policy = {
      version: Number(given.version ?? 1),
      etag: this.etag(),
      bindings: structuredClone(bindings),
      ...(Array.isArray(given.auditConfigs) ? { auditConfigs: structuredClone(given.auditConfigs as Json[]) } : {}),
    };
    this.policies.set(project, next);
    return structuredClone(next) as unknown as Json;
  }
}
