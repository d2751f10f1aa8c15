/**
 * `gs://bucket[/prefix]`: the state store in a Google Cloud Storage bucket, with GCS's own
 * preconditions (the JSON API through `@google-cloud/storage`, loaded only when a gs:// store is
 * first used, so AWS users never pay its start-up cost).
 *
 * - the version is the object's `generation` (a decimal int64, as a string);
 * - create (`ifAbsent`): a multipart upload with `ifGenerationMatch=0`;
 * - replace (`ifVersion`): `ifGenerationMatch=<generation>`;
 * - conditional delete: `DELETE ...?ifGenerationMatch=<generation>`;
 * - 412 `conditionNotMet` is `StateConflict`, as is a conditional delete of a missing object;
 * - a read asks for the metadata first (generation and size: an object over `maxObjectBytes` is
 *   refused unread) and then downloads that generation, so the bytes always match the version
 *   returned; an object replaced in between is read again;
 * - a missing bucket, missing or refused credentials, or an unreachable endpoint are
 *   `StateStoreUnreachable`, naming the bucket and what to do.
 *
 * Encryption: GCS encrypts every object at rest (Google-managed keys). A Cloud KMS key
 * (`kmsKeyName`, `projects/P/locations/L/keyRings/R/cryptoKeys/K`) is requested on every write
 * when given; otherwise the bucket's default key, if any, applies. kops-ts never sets ACLs: new
 * objects get the bucket's default object ACL, or nothing under uniform bucket-level access, which
 * is what kops-ts assumes (docs/state-store.md).
 *
 * Endpoint: `STORAGE_EMULATOR_HOST` (`host:port` or `http://host:port`, the variable Google's
 * clients honour) points the store at an emulator or fake; the requests keep GCS's real paths
 * (`/storage/v1/...`, `/upload/storage/v1/...`) and carry no credentials, as the client does for a
 * custom endpoint.
 */
import type { Bucket, File, Storage, StorageOptions } from '@google-cloud/storage';
import { KopsError } from '../diagnostics.js';
import { MAX_STORE_READ_BYTES } from '../model/api/limits.js';
import { conflictError, objectTooLargeError, unreachableError } from './errors.js';
import { byPath, toBytes, validateObjectPath, validatePrefix, validateWriteOptions } from './paths.js';
import type { DeleteOptions, ListedObject, StateStore, StoredObject, WriteOptions } from './types.js';

export interface GcsStateStoreOptions {
  readonly bucket: string;
  /** Object-name prefix without leading or trailing `/`; `''` for the bucket's root. */
  readonly prefix: string;
  /**
   * An endpoint such as `http://127.0.0.1:4443` (an emulator, a fake): requests go there without
   * credentials. Default: `STORAGE_EMULATOR_HOST` from `env`, else Google's endpoint with
   * Application Default Credentials.
   */
  readonly endpoint?: string;
  /** Where `STORAGE_EMULATOR_HOST` is read (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** A Cloud KMS key requested on every write (`kmsKeyName`). */
  readonly kmsKeyName?: string;
  /** Objects per list page (GCS's maximum, 1000, by default; tests page with less). */
  readonly listPageSize?: number;
  /** Objects larger than this are refused before their body is read (`StateObjectTooLarge`). */
  readonly maxObjectBytes?: number;
  /**
   * Retries of transient failures (429, 5xx, no response), with the client's exponential backoff
   * (about 15 s in all for the default 3); 0 turns retrying off.
   */
  readonly maxRetries?: number;
  /**
   * The longest wait for one HTTP request (default 60 s, as `--aws-request-timeout`): an endpoint
   * that accepts and never answers fails the operation instead of hanging it.
   */
  readonly requestTimeoutMs?: number;
  /** Extra client options (tests: an auth client); merged over what the store sets. */
  readonly storageOptions?: StorageOptions;
}

/** The parts of the client's `ApiError` (and of plain network errors) the store looks at. */
interface GcsError {
  readonly code?: number | string;
  readonly message?: string;
  readonly errors?: ReadonlyArray<{ readonly reason?: string; readonly message?: string }>;
}

/** How often a read retries when the object is replaced between its metadata and its bytes. */
const READ_ATTEMPTS = 5;

export class GcsStateStore implements StateStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly opts: GcsStateStoreOptions;
  private readonly endpoint: string | undefined;
  private readonly pageSize: number;
  readonly maxObjectBytes: number;
  private client: Promise<Bucket> | undefined;

  constructor(opts: GcsStateStoreOptions) {
    this.opts = opts;
    this.bucket = opts.bucket;
    this.prefix = opts.prefix;
    this.pageSize = opts.listPageSize ?? 1000;
    this.maxObjectBytes = opts.maxObjectBytes ?? MAX_STORE_READ_BYTES;
    const emulator = (opts.env ?? process.env).STORAGE_EMULATOR_HOST?.trim();
    this.endpoint = opts.endpoint ?? (emulator ? emulatorEndpoint(emulator) : undefined);
    this.url = opts.prefix === '' ? `gs://${opts.bucket}` : `gs://${opts.bucket}/${opts.prefix}`;
  }

  async read(path: string): Promise<StoredObject | undefined> {
    validateObjectPath(path);
    const bucket = await this.open(path, 'read');
    for (let attempt = 1; ; attempt++) {
      let generation: string;
      try {
        const [meta] = await bucket.file(this.key(path)).getMetadata();
        const size = Number(meta.size ?? 0);
        if (size > this.maxObjectBytes) throw objectTooLargeError(this.url, path, size, this.maxObjectBytes);
        generation = String(meta.generation ?? '');
      } catch (e) {
        if (statusOf(e) === 404 && !isBucketMissing(e)) return undefined;
        throw this.mapError(e, path, 'read');
      }
      try {
        const [data] = await bucket.file(this.key(path), { generation }).download();
        return { data: new Uint8Array(data), version: generation };
      } catch (e) {
        // That generation was replaced or deleted since its metadata was read: read again.
        if (statusOf(e) === 404 && !isBucketMissing(e) && attempt < READ_ATTEMPTS) continue;
        if (statusOf(e) === 404 && !isBucketMissing(e)) {
          throw conflictError(this.url, path, 'changed', e);
        }
        throw this.mapError(e, path, 'read');
      }
    }
  }

  async write(path: string, data: Uint8Array | string, opts: WriteOptions = {}): Promise<{ version: string }> {
    validateObjectPath(path);
    validateWriteOptions(path, opts);
    let ifGenerationMatch: number | undefined;
    if (opts.ifAbsent) ifGenerationMatch = 0;
    if (opts.ifVersion !== undefined) {
      // Not a generation: it cannot be this object's version (it came from another store).
      if (!/^[1-9][0-9]{0,18}$/.test(opts.ifVersion)) throw conflictError(this.url, path, 'changed');
      ifGenerationMatch = Number(opts.ifVersion);
      // Generations are microsecond timestamps, far below 2^53; anything larger cannot be exact.
      if (!Number.isSafeInteger(ifGenerationMatch)) throw conflictError(this.url, path, 'changed');
    }
    const bucket = await this.open(path, 'write');
    const file = bucket.file(this.key(path), this.opts.kmsKeyName !== undefined ? { kmsKeyName: this.opts.kmsKeyName } : {});
    try {
      await file.save(Buffer.from(toBytes(data)), {
        resumable: false,
        contentType: 'application/octet-stream',
        ...(ifGenerationMatch !== undefined ? { preconditionOpts: { ifGenerationMatch } } : {}),
      });
    } catch (e) {
      if (ifGenerationMatch !== undefined && statusOf(e) === 412) {
        throw conflictError(this.url, path, opts.ifAbsent ? 'exists' : 'changed', e);
      }
      throw this.mapError(e, path, 'write');
    }
    const generation = file.metadata.generation;
    if (generation === undefined || generation === '') {
      throw this.mapError(new Error('the upload response carried no generation'), path, 'write');
    }
    return { version: String(generation) };
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.listSizes(prefix)).map((o) => o.path);
  }

  /** objects.list's own `size` of each object (an int64 as a decimal string in the JSON API), paged: no request per object. */
  async listSizes(prefix: string): Promise<ListedObject[]> {
    validatePrefix(prefix);
    const base = this.prefix === '' ? '' : `${this.prefix}/`;
    const bucket = await this.open(prefix, 'list');
    const out: ListedObject[] = [];
    let pageToken: string | undefined;
    try {
      do {
        const [files, next] = await bucket.getFiles({
          prefix: base + prefix,
          maxResults: this.pageSize,
          autoPaginate: false,
          ...(pageToken !== undefined ? { pageToken } : {}),
        });
        for (const f of files) out.push({ path: f.name.slice(base.length), size: Number(f.metadata.size ?? 0) });
        pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken;
      } while (pageToken);
    } catch (e) {
      throw this.mapError(e, prefix, 'list');
    }
    return out.sort(byPath);
  }

  async delete(path: string, opts: DeleteOptions = {}): Promise<void> {
    validateObjectPath(path);
    let ifGenerationMatch: number | undefined;
    if (opts.ifVersion !== undefined) {
      if (!/^[1-9][0-9]{0,18}$/.test(opts.ifVersion) || !Number.isSafeInteger(Number(opts.ifVersion))) {
        throw conflictError(this.url, path, 'changed');
      }
      ifGenerationMatch = Number(opts.ifVersion);
    }
    const bucket = await this.open(path, 'delete');
    const file: File = bucket.file(this.key(path));
    try {
      await file.delete(ifGenerationMatch !== undefined ? { ifGenerationMatch } : {});
    } catch (e) {
      const status = statusOf(e);
      if (status === 404 && !isBucketMissing(e)) {
        if (ifGenerationMatch === undefined) return;
        throw conflictError(this.url, path, 'changed', e);
      }
      if (ifGenerationMatch !== undefined && status === 412) throw conflictError(this.url, path, 'changed', e);
      throw this.mapError(e, path, 'delete');
    }
  }

  private key(path: string): string {
    return this.prefix === '' ? path : `${this.prefix}/${path}`;
  }

  /** The bucket handle, the client library loaded and built on first use. */
  private async open(path: string, op: string): Promise<Bucket> {
    this.client ??= this.makeClient();
    try {
      return await this.client;
    } catch (e) {
      this.client = undefined;
      throw unreachableError(
        this.url,
        `cannot ${op} ${path || '(root)'} in bucket "${this.bucket}": the Google Cloud Storage client could not be loaded: ${(e as Error).message}`,
        'reinstall kops-ts (its dependency @google-cloud/storage is missing or broken)',
        e,
      );
    }
  }

  private async makeClient(): Promise<Bucket> {
    const { Storage: StorageClass } = await import('@google-cloud/storage');
    const options: StorageOptions = {
      ...(this.endpoint !== undefined ? { apiEndpoint: this.endpoint } : {}),
      timeout: this.opts.requestTimeoutMs ?? 60_000,
      // The client reads maxRetries 0 as "default": turning retries off is autoRetry false.
      retryOptions: this.opts.maxRetries === 0 ? { autoRetry: false } : { maxRetries: this.opts.maxRetries ?? 3 },
      ...this.opts.storageOptions,
    };
    const storage: Storage = new StorageClass(options);
    // With STORAGE_EMULATOR_HOST in process.env the client sends its JSON requests to the bare
    // host (no /storage/v1) but its uploads under /upload/storage/v1: keep GCS's real paths.
    if (this.endpoint !== undefined) storage.baseUrl = `${storage.apiEndpoint}/storage/v1`;
    return storage.bucket(this.bucket);
  }

  private mapError(e: unknown, path: string, op: string): unknown {
    if (e instanceof KopsError) return e;
    const err = (e ?? {}) as GcsError;
    const status = statusOf(e);
    const where = `cannot ${op} ${path || '(root)'} in bucket "${this.bucket}"`;
    const reason = err.errors?.[0]?.reason;
    const endpointHint = this.endpoint !== undefined ? ` (endpoint ${this.endpoint}, from STORAGE_EMULATOR_HOST or the store's options)` : '';
    if (status === 404 && isBucketMissing(e)) {
      return unreachableError(this.url, `bucket "${this.bucket}" does not exist`, `create it (gcloud storage buckets create gs://${this.bucket}) or fix --state / KOPS_STATE_STORE`, e);
    }
    if (isMissingCredentials(e)) {
      return unreachableError(
        this.url,
        `${where}: no Google credentials found`,
        'run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file',
        e,
      );
    }
    if (status === 401) {
      return unreachableError(this.url, `${where}: the credentials were refused (HTTP 401)`, 'refresh them (`gcloud auth application-default login`) or check GOOGLE_APPLICATION_CREDENTIALS', e);
    }
    if (status === 403) {
      const kms = this.opts.kmsKeyName !== undefined ? `, and that the bucket's service agent may use the KMS key ${this.opts.kmsKeyName} (roles/cloudkms.cryptoKeyEncrypterDecrypter)` : '';
      // GCS names the permission it checked ("Permission 'storage.objects.create' denied on resource ...").
      const permission = /Permission '([a-z]+\.[A-Za-z]+\.[A-Za-z]+)' denied/.exec([err.message, ...(err.errors ?? []).map((x) => x.message)].join(' '))?.[1];
      const denied = `${reason ?? 'HTTP 403'}${permission ? `: permission ${permission} denied` : ''}`;
      return unreachableError(this.url, `${where}: access denied (${denied})`, `check that your Google account may read and write gs://${this.bucket} (roles/storage.objectAdmin)${kms}`, e);
    }
    if (status === undefined) {
      const code = typeof err.code === 'string' ? err.code : 'network error';
      return unreachableError(this.url, `${where}: ${code}: ${err.message ?? ''}`.trim(), `check the network, a proxy or firewall${endpointHint}, and try again`, e);
    }
    return unreachableError(this.url, `${where}: HTTP ${status}${reason ? ` ${reason}` : ''}: ${firstLine(err.message)}`, `check the bucket and your access to it${endpointHint}, and try again`, e);
  }
}

/** `host:port` or a URL, as `STORAGE_EMULATOR_HOST` may hold either; no trailing `/`. */
export function emulatorEndpoint(value: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  // A value that already ends in the API path (as some emulators document it) names the host.
  return url.replace(/\/+$/, '').replace(/\/storage\/v1$/, '');
}

function statusOf(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as GcsError).code;
  if (typeof code === 'number' && code >= 100 && code < 600) return code;
  if (typeof code === 'string' && /^[1-5][0-9][0-9]$/.test(code)) return Number(code);
  return undefined;
}

/** GCS answers 404 both for a missing object and for a missing bucket; the message tells them apart. */
function isBucketMissing(e: unknown): boolean {
  const err = (e ?? {}) as GcsError;
  const text = [err.message, ...(err.errors ?? []).map((x) => x.message)].join(' ');
  return /bucket does not exist/i.test(text);
}

function isMissingCredentials(e: unknown): boolean {
  const msg = (e as GcsError | undefined)?.message ?? '';
  return /could not load the default credentials|GOOGLE_APPLICATION_CREDENTIALS|does not exist, or it is not a file/i.test(msg);
}

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0]!.slice(0, 300);
}
