/**
 * A fake of the Google Cloud Storage JSON API on node:http, faithful in what the state store and
 * `@google-cloud/storage` rely on:
 *
 * - paths: `GET|POST /storage/v1/b` (buckets), `GET /storage/v1/b/<bucket>`,
 *   `GET /storage/v1/b/<bucket>/o` (list), `GET|DELETE /storage/v1/b/<bucket>/o/<object>`
 *   (`?alt=media` downloads the bytes), `POST /upload/storage/v1/b/<bucket>/o` with
 *   `uploadType=multipart` (metadata JSON + media, `multipart/related`) or `uploadType=media`;
 * - objects carry `generation` (a microsecond-like int64, strictly increasing, as a string),
 *   `metageneration`, `size`, `md5Hash` and `crc32c` (base64, as the client checks them after an
 *   upload), `etag`, `kmsKeyName`; downloads send `x-goog-hash`, `x-goog-generation`,
 *   `x-goog-metageneration` and `x-goog-stored-content-encoding` as GCS does;
 * - preconditions `ifGenerationMatch` (0: the object must not exist), `ifGenerationNotMatch`,
 *   `ifMetagenerationMatch` on reads, uploads and deletes: 412 `conditionNotMet`; a `generation`
 *   that is not the live one (no versioning) is 404;
 * - errors in GCS's JSON shape: `{"error":{"code","message","errors":[{"message","domain","reason"}]}}`
 *   with 404 `notFound` ("No such object: b/o", "The specified bucket does not exist."), 409
 *   `conflict` for an existing bucket, 401 `required` when `requireAuth` and no Authorization;
 * - listing in lexicographic order with `prefix`, `delimiter` (`prefixes`), `maxResults` (default
 *   and cap 1000) and an opaque `pageToken`/`nextPageToken`;
 * - object versioning, on a bucket created with `{ versioning: true }` (the bucket resource says
 *   `versioning.enabled`): an overwrite or a delete without `generation` keeps the live object as
 *   a noncurrent generation with `timeDeleted`; `versions=true` lists every generation (by name,
 *   then generation; with `prefix`, `maxResults` and a page token; no `delimiter`); `GET` and
 *   `DELETE` with `generation` reach a noncurrent generation too, and a `DELETE` with `generation`
 *   removes that generation for good;
 * - bucket IAM: `GET|PUT /storage/v1/b/<bucket>/iam` (`storage#policy` with a new bucket's
 *   convenience bindings, `etag`, version 3 and IAM Conditions; test/fakes/gcs-iam.ts), and the
 *   bucket's `iamConfiguration.uniformBucketLevelAccess` (on unless created without it);
 * - callers: a request whose bearer token `principals` maps to a member is allowed only as that
 *   member's bindings allow it, conditions evaluated (test/fakes/gcs-iam.ts); with `permissions`
 *   set (the caller's, as the Compute fake's), a request needing one outside it is 403 `forbidden`
 *   before any effect; `used` records every permission a request needed.
 *
 * Each write is checked and applied in one synchronous step once its body has arrived, so racing
 * conditional writes behave as on GCS: exactly one wins. Every request is recorded. Listings are
 * in gcs-list.ts, the wire format (bodies, multipart, hashes, resources) in gcs-wire.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listLive, listVersions } from './gcs-list.js';
import { checkPreconditions, crc32c, hashes, objectResource, parseMultipart, preconditionFailed, readBody, sendJson } from './gcs-wire.js';
import { allowed, checkPolicyWrite, forbidden, GcsHttpError as HttpError, needOf, newBucketPolicy, policyResponse, type FakeBucketPolicy, type FakeIamBinding } from './gcs-iam.js';

export interface FakeGcsObject {
  readonly name: string;
  readonly data: Buffer;
  readonly generation: string;
  readonly metageneration: string;
  readonly contentType: string;
  readonly timeCreated: string;
  readonly kmsKeyName?: string;
}

export interface RecordedRequest {
  readonly method: string;
  /** The raw (still percent-encoded) path. */
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string | string[] | undefined>;
}

export interface FakeGcsOptions {
  /** Answer 401 to requests without an Authorization header. */
  readonly requireAuth?: boolean;
  /** Answer 403 `forbidden` to the requests it returns true for (a caller without the permission). */
  readonly forbid?: (req: RecordedRequest) => boolean;
}

/** Called with each request (after it is recorded, before it is served): tests race it here. */
export type RequestHook = (req: RecordedRequest) => void;

export class FakeGcs {
  readonly requests: RecordedRequest[] = [];
  private readonly buckets = new Map<string, Map<string, FakeGcsObject>>();
  /** Versioned buckets' noncurrent generations, by object name, oldest first. */
  private readonly noncurrent = new Map<string, Map<string, (FakeGcsObject & { readonly timeDeleted: string })[]>>();
  private readonly iam = new Map<string, FakeBucketPolicy>();
  private readonly nonUniform = new Set<string>();
  /** Bearer token → IAM member (`serviceAccount:<email>`): requests with it are evaluated against the bucket's policy. */
  readonly principals = new Map<string, string>();
  /** The caller's permissions (undefined: every permission), whatever its token. */
  permissions: ReadonlySet<string> | undefined;
  /** Every permission a request needed (granted or not), in order of first use. */
  readonly used = new Set<string>();
  private iamSeq = 0;
  private lastGeneration = Date.now() * 1000;
  private server: Server | undefined;
  private endpointURL = '';
  /** See `RequestHook`. */
  onRequest: RequestHook | undefined;

  constructor(private readonly options: FakeGcsOptions = {}) {}

  /** Starts listening on 127.0.0.1 (a free port); returns the endpoint, `http://127.0.0.1:PORT`. */
  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.endpointURL = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    return this.endpointURL;
  }

  get endpoint(): string {
    return this.endpointURL;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  createBucket(name: string, opts: { versioning?: boolean; uniformBucketLevelAccess?: boolean } = {}): void {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
    if (opts.uniformBucketLevelAccess === false) this.nonUniform.add(name);
    if (opts.versioning && !this.noncurrent.has(name)) this.noncurrent.set(name, new Map());
  }

  /** Every generation of an object, oldest first (noncurrent ones of a versioned bucket, then the live one). */
  generations(bucket: string, name: string): string[] {
    const old = this.noncurrent.get(bucket)?.get(name) ?? [];
    const live = this.buckets.get(bucket)?.get(name);
    return [...old.map((o) => o.generation), ...(live ? [live.generation] : [])];
  }

  /** Names with any generation (live or noncurrent), sorted. */
  namesWithGenerations(bucket: string): string[] {
    return [...new Set([...this.names(bucket), ...(this.noncurrent.get(bucket)?.keys() ?? [])])].sort();
  }

  /** In a versioned bucket the live object becomes noncurrent; otherwise it is gone. */
  private retire(bucket: string, name: string): void {
    const live = this.buckets.get(bucket)?.get(name);
    const versions = this.noncurrent.get(bucket);
    if (live && versions) versions.set(name, [...(versions.get(name) ?? []), { ...live, timeDeleted: new Date().toISOString() }]);
    this.buckets.get(bucket)?.delete(name);
  }

  /** Writes an object directly (as another client would), returning its generation. */
  put(bucket: string, name: string, data: string | Uint8Array): string {
    const obj: FakeGcsObject = {
      name,
      data: Buffer.from(data),
      generation: this.nextGeneration(),
      metageneration: '1',
      contentType: 'application/octet-stream',
      timeCreated: new Date().toISOString(),
    };
    this.bucketOrThrow(bucket);
    this.retire(bucket, name);
    this.buckets.get(bucket)!.set(name, obj);
    return obj.generation;
  }

  /** The live object, or undefined. */
  object(bucket: string, name: string): FakeGcsObject | undefined {
    return this.buckets.get(bucket)?.get(name);
  }

  /** Object names in a bucket, sorted. */
  names(bucket: string): string[] {
    return [...(this.buckets.get(bucket)?.keys() ?? [])].sort();
  }

  /** A bucket's IAM policy (a copy). */
  iamPolicy(bucket: string): FakeBucketPolicy {
    return structuredClone(this.policyOf(bucket));
  }

  /** Changes a bucket's IAM policy behind the client's back (another admin's edit): a new etag. */
  editIamPolicy(bucket: string, fn: (bindings: FakeIamBinding[]) => void): void {
    const p = this.policyOf(bucket);
    fn(p.bindings);
    p.etag = Buffer.from(`iam-${++this.iamSeq}`).toString('base64');
  }

  private policyOf(bucket: string): FakeBucketPolicy {
    this.bucketOrThrow(bucket);
    let p = this.iam.get(bucket);
    if (!p) this.iam.set(bucket, (p = newBucketPolicy(Buffer.from(`iam-${++this.iamSeq}`).toString('base64'))));
    return p;
  }

  /** Requests so far whose method and path match. */
  count(method: string, pathPattern: RegExp): number {
    return this.requests.filter((r) => r.method === method && pathPattern.test(r.path)).length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams.entries());
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query, headers: { ...req.headers } };
    this.requests.push(recorded);
    try {
      const body = await readBody(req);
      this.onRequest?.(recorded);
      if (this.options.requireAuth && !req.headers.authorization) {
        throw new HttpError(401, 'required', 'Anonymous caller does not have storage.objects.get access to the Google Cloud Storage object. Permission \'storage.objects.get\' denied on resource (or it may not exist).');
      }
      if (this.options.forbid?.(recorded)) {
        const perm = recorded.method === 'POST' ? 'storage.objects.create' : recorded.method === 'DELETE' ? 'storage.objects.delete' : 'storage.objects.get';
        throw new HttpError(403, 'forbidden', `caller@example.com does not have ${perm} access to the Google Cloud Storage object. Permission '${perm}' denied on resource (or it may not exist).`);
      }
      this.authorize(recorded);
      this.route(req.method ?? 'GET', url.pathname, query, req.headers, body, res);
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, 'backendError', `fake GCS: ${(e as Error).message}`);
      sendJson(res, err.status, { error: { code: err.status, message: err.message, errors: [{ message: err.message, domain: 'global', reason: err.reason }] } });
    }
  }

  /** A caller `principals` knows: each permission the request needs must be granted (test/fakes/gcs-iam.ts). */
  private authorize(r: RecordedRequest): void {
    const exists = (bucket: string, name: string) => this.buckets.get(bucket)?.has(name) === true;
    const needs = needOf(r.method, r.path, r.query, exists);
    for (const need of needs) this.used.add(need.permission);
    const lacking = needs.find((n) => this.permissions !== undefined && !this.permissions.has(n.permission));
    if (lacking) throw forbidden('user:caller@example.com', lacking);
    const auth = r.headers.authorization;
    const member = typeof auth === 'string' ? this.principals.get(auth.replace(/^Bearer\s+/i, '')) : undefined;
    if (member === undefined) return;
    for (const need of needs) {
      const bucket = /^projects\/_\/buckets\/([^/]+)/.exec(need.resource)?.[1] ?? '';
      if (!this.buckets.has(bucket) || !allowed(this.policyOf(bucket), member, need)) throw forbidden(member, need);
    }
  }

  private route(method: string, path: string, q: Record<string, string>, headers: IncomingMessage['headers'], body: Buffer, res: ServerResponse): void {
    let m: RegExpExecArray | null;
    if (path === '/storage/v1/b' && method === 'POST') {
      const name = String((JSON.parse(body.toString('utf8') || '{}') as { name?: unknown }).name ?? '');
      if (this.buckets.has(name)) throw new HttpError(409, 'conflict', 'Your previous request to create the named bucket succeeded and you already own it.');
      this.buckets.set(name, new Map());
      return sendJson(res, 200, this.bucketResource(name));
    }
    if ((m = /^\/storage\/v1\/b\/([^/]+)$/.exec(path)) && method === 'GET') {
      const name = decodeURIComponent(m[1]!);
      this.bucketOrThrow(name);
      return sendJson(res, 200, this.bucketResource(name));
    }
    if ((m = /^\/storage\/v1\/b\/([^/]+)\/iam$/.exec(path)) && (method === 'GET' || method === 'PUT')) {
      const bucket = decodeURIComponent(m[1]!);
      const current = this.policyOf(bucket);
      if (method === 'GET') return sendJson(res, 200, policyResponse(bucket, current, q.optionsRequestedPolicyVersion));
      const given = JSON.parse(body.toString('utf8') || '{}') as { etag?: unknown; version?: unknown; bindings?: unknown };
      const { version, bindings } = checkPolicyWrite(current, given, !this.nonUniform.has(bucket));
      const next: FakeBucketPolicy = { version, etag: Buffer.from(`iam-${++this.iamSeq}`).toString('base64'), bindings };
      this.iam.set(bucket, next);
      return sendJson(res, 200, policyResponse(bucket, next, '3'));
    }
    if ((m = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(path)) && method === 'GET') {
      return sendJson(res, 200, this.list(decodeURIComponent(m[1]!), q));
    }
    if ((m = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
      const bucket = decodeURIComponent(m[1]!);
      const name = decodeURIComponent(m[2]!);
      if (method === 'GET') return this.get(bucket, name, q, res);
      if (method === 'DELETE') return this.remove(bucket, name, q, res);
    }
    if ((m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path)) && method === 'POST') {
      return this.upload(decodeURIComponent(m[1]!), q, headers, body, res);
    }
    throw new HttpError(404, 'notFound', `Not Found: ${method} ${path}`);
  }

  private bucketOrThrow(name: string): Map<string, FakeGcsObject> {
    const b = this.buckets.get(name);
    if (!b) throw new HttpError(404, 'notFound', 'The specified bucket does not exist.');
    return b;
  }

  private get(bucket: string, name: string, q: Record<string, string>, res: ServerResponse): void {
    const obj = this.noncurrentOf(bucket, name, q) ?? this.live(bucket, name, q);
    checkPreconditions(obj, q);
    if (q.alt === 'media') {
      const { crc32c, md5 } = hashes(obj.data);
      res.writeHead(200, {
        'content-type': obj.contentType,
        'content-length': String(obj.data.length),
        'x-goog-generation': obj.generation,
        'x-goog-metageneration': obj.metageneration,
        'x-goog-hash': `crc32c=${crc32c},md5=${md5}`,
        'x-goog-stored-content-encoding': 'identity',
        'x-goog-stored-content-length': String(obj.data.length),
        'x-goog-storage-class': 'STANDARD',
      });
      res.end(obj.data);
      return;
    }
    sendJson(res, 200, objectResource(this.endpointURL, bucket, obj));
  }

  private remove(bucket: string, name: string, q: Record<string, string>, res: ServerResponse): void {
    const old = this.noncurrentOf(bucket, name, q);
    if (old) {
      checkPreconditions(old, q);
      const left = this.noncurrent.get(bucket)!.get(name)!.filter((o) => o !== old);
      if (left.length > 0) this.noncurrent.get(bucket)!.set(name, left);
      else this.noncurrent.get(bucket)!.delete(name);
      res.writeHead(204);
      res.end();
      return;
    }
    const obj = this.live(bucket, name, q);
    checkPreconditions(obj, q);
    // A delete of a named generation removes it for good; without one a versioned bucket keeps it.
    if (q.generation !== undefined) this.buckets.get(bucket)!.delete(name);
    else this.retire(bucket, name);
    res.writeHead(204);
    res.end();
  }

  /** The noncurrent generation `generation` names in a versioned bucket, if it is one. */
  private noncurrentOf(bucket: string, name: string, q: Record<string, string>): FakeGcsObject | undefined {
    if (q.generation === undefined) return undefined;
    return this.noncurrent.get(bucket)?.get(name)?.find((o) => o.generation === q.generation);
  }

  /** The live object named (and of the `generation` asked for, if any), else 404. */
  private live(bucket: string, name: string, q: Record<string, string>): FakeGcsObject {
    const obj = this.bucketOrThrow(bucket).get(name);
    if (!obj || (q.generation !== undefined && q.generation !== obj.generation)) {
      throw new HttpError(404, 'notFound', `No such object: ${bucket}/${name}`);
    }
    return obj;
  }

  private upload(bucket: string, q: Record<string, string>, headers: IncomingMessage['headers'], body: Buffer, res: ServerResponse): void {
    const objects = this.bucketOrThrow(bucket);
    let meta: { name?: string; contentType?: string; kmsKeyName?: string } = {};
    let data: Buffer;
    let contentType = String(headers['content-type'] ?? 'application/octet-stream');
    if (q.uploadType === 'multipart') {
      const parts = parseMultipart(body, contentType);
      if (parts.length !== 2) throw new HttpError(400, 'invalid', `Multipart upload must have 2 parts, got ${parts.length}`);
      meta = JSON.parse(parts[0]!.body.toString('utf8')) as typeof meta;
      data = parts[1]!.body;
      contentType = meta.contentType ?? parts[1]!.headers['content-type'] ?? 'application/octet-stream';
    } else if (q.uploadType === 'media') {
      data = body;
    } else {
      throw new HttpError(400, 'invalid', `Unsupported uploadType: ${q.uploadType ?? '(none)'}`);
    }
    const name = q.name ?? meta.name;
    if (!name) throw new HttpError(400, 'required', 'Required');
    const current = objects.get(name);
    if (q.ifGenerationMatch === '0') {
      if (current) throw preconditionFailed();
    } else if (q.ifGenerationMatch !== undefined || q.ifMetagenerationMatch !== undefined) {
      if (!current) throw preconditionFailed();
    }
    if (current) checkPreconditions(current, q);
    this.retire(bucket, name);
    const kmsKeyName = q.kmsKeyName ?? meta.kmsKeyName;
    const obj: FakeGcsObject = {
      name,
      data,
      generation: this.nextGeneration(),
      metageneration: '1',
      contentType,
      timeCreated: new Date().toISOString(),
      ...(kmsKeyName !== undefined ? { kmsKeyName: `${kmsKeyName}/cryptoKeyVersions/1` } : {}),
    };
    objects.set(name, obj);
    sendJson(res, 200, objectResource(this.endpointURL, bucket, obj));
  }

  private list(bucket: string, q: Record<string, string>): Record<string, unknown> {
    const objects = this.bucketOrThrow(bucket);
    const resource = (o: FakeGcsObject) => objectResource(this.endpointURL, bucket, o);
    if (q.versions === 'true') return listVersions(objects, this.noncurrent.get(bucket), q, resource);
    return listLive(objects, q, resource);
  }

  private nextGeneration(): string {
    this.lastGeneration = Math.max(this.lastGeneration + 1, Date.now() * 1000);
    return String(this.lastGeneration);
  }

  private bucketResource(name: string): Record<string, unknown> {
    return {
      kind: 'storage#bucket',
      id: name,
      name,
      selfLink: `${this.endpointURL}/storage/v1/b/${name}`,
      projectNumber: '123456789012',
      metageneration: '1',
      location: 'US',
      storageClass: 'STANDARD',
      iamConfiguration: { uniformBucketLevelAccess: { enabled: !this.nonUniform.has(name) } },
      ...(this.noncurrent.has(name) ? { versioning: { enabled: true } } : {}),
    };
  }
}

export { crc32c };
