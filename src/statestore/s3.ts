/**
 * `s3://bucket[/prefix]`: the state store in an S3 bucket, with S3's own conditional writes.
 *
 * - create (`ifAbsent`): `PutObject` with `If-None-Match: *`;
 * - replace (`ifVersion`): `PutObject` with `If-Match: <etag>`; the ETag is the version;
 * - conditional delete: `DeleteObject` with `If-Match`;
 * - 412 `PreconditionFailed`, 409 `ConditionalRequestConflict` (two conditional writes racing) and
 *   `NoSuchKey` on an `If-Match` are `StateConflict`;
 * - a missing bucket, access denied, a wrong region or a network failure are
 *   `StateStoreUnreachable`, naming the bucket and what to do.
 *
 * Server-side encryption follows kops: unless told otherwise, the first write asks the bucket for
 * its default encryption (once per store) and requests SSE `AES256` only when there is none (or the
 * question is not allowed), so a bucket's KMS default is never overridden. A KMS key given by the
 * user (`--state-kms-key`, `KOPS_STATE_S3_KMS_KEY`) is requested on every write instead.
 */
import {
  DeleteObjectCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AwsEndpointError } from '../cloud/aws/endpoint.js';
import { KopsError } from '../diagnostics.js';
import { MAX_STORE_READ_BYTES } from '../model/api/limits.js';
import { conflictError, objectTooLargeError, unreachableError } from './errors.js';
import { byPath, toBytes, validateObjectPath, validatePrefix, validateWriteOptions } from './paths.js';
import type { DeleteOptions, ListedObject, StateStore, StoredObject, WriteOptions } from './types.js';

/**
 * `auto` (default): AES256 unless the bucket has default encryption; `AES256`: always; `none`:
 * never; `{ kmsKeyId }`: every write requests SSE-KMS (`aws:kms`) with that key (an id, ARN or
 * `alias/...`), whatever the bucket's default.
 */
export type S3Encryption = 'auto' | 'AES256' | 'none' | { readonly kmsKeyId: string };

export interface S3StateStoreOptions {
  readonly bucket: string;
  /** Key prefix without leading or trailing `/`; `''` for the bucket's root. */
  readonly prefix: string;
  readonly client: S3Client;
  readonly serverSideEncryption?: S3Encryption;
  /** Keys per ListObjectsV2 page (S3's maximum, 1000, by default; tests page with less). */
  readonly listPageSize?: number;
  /** Objects larger than this are refused before their body is read (`StateObjectTooLarge`). */
  readonly maxObjectBytes?: number;
}

interface SdkError {
  readonly name?: string;
  readonly Code?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { httpStatusCode?: number };
  readonly $response?: { headers?: Record<string, string | undefined> };
}

export class S3StateStore implements StateStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly encryption: S3Encryption;
  private readonly pageSize: number | undefined;
  readonly maxObjectBytes: number;
  private sse: Promise<boolean> | undefined;

  constructor(opts: S3StateStoreOptions) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix;
    this.client = opts.client;
    this.encryption = opts.serverSideEncryption ?? 'auto';
    this.pageSize = opts.listPageSize;
    this.maxObjectBytes = opts.maxObjectBytes ?? MAX_STORE_READ_BYTES;
    this.url = opts.prefix === '' ? `s3://${opts.bucket}` : `s3://${opts.bucket}/${opts.prefix}`;
  }

  async read(path: string): Promise<StoredObject | undefined> {
    validateObjectPath(path);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path) }));
      const size = out.ContentLength ?? 0;
      if (size > this.maxObjectBytes) {
        (out.Body as { destroy?: () => void } | undefined)?.destroy?.(); // leave the body unread
        throw objectTooLargeError(this.url, path, size, this.maxObjectBytes);
      }
      const data = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      return { data, version: out.ETag ?? '' };
    } catch (e) {
      if (errorName(e) === 'NoSuchKey') return undefined;
      throw this.mapError(e, path, 'read');
    }
  }

  async write(path: string, data: Uint8Array | string, opts: WriteOptions = {}): Promise<{ version: string }> {
    validateObjectPath(path);
    validateWriteOptions(path, opts);
    const input: PutObjectCommandInput = { Bucket: this.bucket, Key: this.key(path), Body: toBytes(data) };
    if (opts.ifAbsent) input.IfNoneMatch = '*';
    if (opts.ifVersion !== undefined) input.IfMatch = opts.ifVersion;
    if (typeof this.encryption === 'object') {
      input.ServerSideEncryption = 'aws:kms';
      input.SSEKMSKeyId = this.encryption.kmsKeyId;
    } else if (await this.wantsSSE()) input.ServerSideEncryption = 'AES256';
    try {
      const out = await this.client.send(new PutObjectCommand(input));
      return { version: out.ETag ?? '' };
    } catch (e) {
      if (isPreconditionFailure(e, opts.ifVersion !== undefined)) {
        throw conflictError(this.url, path, opts.ifAbsent ? 'exists' : 'changed', e);
      }
      throw this.mapError(e, path, 'write');
    }
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.listSizes(prefix)).map((o) => o.path);
  }

  /** ListObjectsV2's own `Size` of each key, paged as S3 pages it: no request per object. */
  async listSizes(prefix: string): Promise<ListedObject[]> {
    validatePrefix(prefix);
    const base = this.prefix === '' ? '' : `${this.prefix}/`;
    const out: ListedObject[] = [];
    try {
      const pages = paginateListObjectsV2(
        { client: this.client, ...(this.pageSize !== undefined ? { pageSize: this.pageSize } : {}) },
        { Bucket: this.bucket, Prefix: base + prefix },
      );
      for await (const page of pages) {
        for (const obj of page.Contents ?? []) if (obj.Key !== undefined) out.push({ path: obj.Key.slice(base.length), size: obj.Size ?? 0 });
      }
    } catch (e) {
      throw this.mapError(e, prefix, 'list');
    }
    return out.sort(byPath);
  }

  async delete(path: string, opts: DeleteOptions = {}): Promise<void> {
    validateObjectPath(path);
    try {
      await this.client.send(
        new DeleteObjectCommand({
          Bucket: this.bucket,
          Key: this.key(path),
          ...(opts.ifVersion !== undefined ? { IfMatch: opts.ifVersion } : {}),
        }),
      );
    } catch (e) {
      if (opts.ifVersion !== undefined && isPreconditionFailure(e, true)) throw conflictError(this.url, path, 'changed', e);
      if (errorName(e) === 'NoSuchKey') return;
      throw this.mapError(e, path, 'delete');
    }
  }

  private key(path: string): string {
    return this.prefix === '' ? path : `${this.prefix}/${path}`;
  }

  /** Whether writes should request SSE AES256 (asked of the bucket once, in `auto` mode). */
  private wantsSSE(): Promise<boolean> {
    if (typeof this.encryption === 'object') return Promise.resolve(false);
    if (this.encryption !== 'auto') return Promise.resolve(this.encryption === 'AES256');
    this.sse ??= this.client.send(new GetBucketEncryptionCommand({ Bucket: this.bucket })).then(
      (out) => !(out.ServerSideEncryptionConfiguration?.Rules ?? []).some((r) => r.ApplyServerSideEncryptionByDefault),
      // No default encryption configured, or not allowed to ask: encrypt explicitly, as kops does.
      () => true,
    );
    return this.sse;
  }

  private mapError(e: unknown, path: string, op: string): unknown {
    if (e instanceof KopsError) return e;
    if (e instanceof AwsEndpointError) {
      const hint = e.name === 'EndpointTimeout'
        ? 'check the network, a proxy or firewall, and AWS_ENDPOINT_URL; a slow link may need a longer --aws-request-timeout / --aws-connect-timeout'
        : 'check the network, a proxy or firewall, AWS_REGION and AWS_ENDPOINT_URL, and try again';
      return unreachableError(this.url, `cannot ${op} ${path || '(root)'} in bucket "${this.bucket}": ${e.message}`, hint, e);
    }
    const err = (e ?? {}) as SdkError;
    const name = errorName(e);
    const status = err.$metadata?.httpStatusCode;
    const where = `cannot ${op} ${path || '(root)'} in bucket "${this.bucket}"`;
    if (name === 'NoSuchBucket') {
      return unreachableError(this.url, `bucket "${this.bucket}" does not exist`, `create it (aws s3 mb s3://${this.bucket}) or fix --state / KOPS_STATE_STORE`, e);
    }
    if (name === 'AccessDenied' || name === 'Forbidden' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || status === 403) {
      const kms = typeof this.encryption === 'object' ? `, and use the KMS key ${this.encryption.kmsKeyId} (kms:GenerateDataKey, kms:Decrypt)` : '';
      return unreachableError(this.url, `${where}: access denied (${name ?? status})`, `check your AWS credentials and that they may read and write s3://${this.bucket}${kms}`, e);
    }
    if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || status === 301) {
      const region = err.$response?.headers?.['x-amz-bucket-region'];
      const hint = region ? `the bucket is in ${region}: set AWS_REGION=${region}` : "set AWS_REGION to the bucket's region";
      return unreachableError(this.url, `${where}: the bucket is in another region`, hint, e);
    }
    const detail = status === undefined ? (err.code ?? name ?? 'network error') : `${name ?? 'error'}, HTTP ${status}`;
    return unreachableError(this.url, `${where}: ${detail}: ${err.message ?? ''}`.trim(), 'check the network, AWS_REGION and AWS_ENDPOINT_URL, and try again', e);
  }
}

function errorName(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const err = e as SdkError;
  return err.Code ?? err.name;
}

/** 412, a 409 race between two conditional writes, or (for `If-Match`) the object being gone. */
function isPreconditionFailure(e: unknown, ifMatch: boolean): boolean {
  const name = errorName(e);
  const status = (e as SdkError | undefined)?.$metadata?.httpStatusCode;
  if (name === 'PreconditionFailed' || status === 412) return true;
  if (name === 'ConditionalRequestConflict' || status === 409) return true;
  return ifMatch && name === 'NoSuchKey';
}
