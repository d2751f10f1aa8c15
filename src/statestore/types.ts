/**
 * The state store: a small object-store interface with optimistic concurrency.
 *
 * Paths are relative to the store's root (`<cluster>/config`, `<cluster>/instancegroup/nodes`), use
 * `/` separators and never start with `/`. Every object read carries an opaque `version` (an S3
 * ETag, a GCS generation, a content hash for files); a write of something read first passes that
 * version as its precondition, and a write that should create passes `ifAbsent`. A failed
 * precondition is a `KopsError` with code `StateConflict` — never a silent overwrite.
 */

export interface StoredObject {
  readonly data: Uint8Array;
  /** Opaque; compare only for equality, pass back as `ifVersion`. */
  readonly version: string;
}

export interface WriteOptions {
  /** Create only: fail with `StateConflict` if the object exists. */
  readonly ifAbsent?: boolean;
  /** Replace only this version: fail with `StateConflict` if it changed or is gone. */
  readonly ifVersion?: string;
}

export interface DeleteOptions {
  /** Delete only this version: fail with `StateConflict` if it changed. */
  readonly ifVersion?: string;
}

/** An object of a listing with its size, as the listing gives it (no request per object). */
export interface ListedObject {
  readonly path: string;
  /** Bytes as stored: beneath a decorator such as the envelope, the stored (encrypted) bytes. */
  readonly size: number;
}

export interface StateStore {
  /** The URL the store was opened from, e.g. `s3://bucket/prefix`, `file:///tmp/s`. */
  readonly url: string;
  /** The object, or `undefined` when absent. */
  read(path: string): Promise<StoredObject | undefined>;
  /** Write (all or nothing: readers never see a partial object); returns the new version. */
  write(path: string, data: Uint8Array | string, opts?: WriteOptions): Promise<{ version: string }>;
  /** Paths of the objects under `prefix` (recursive), sorted. */
  list(prefix: string): Promise<string[]>;
  /**
   * The objects under `prefix` (recursive) with their sizes, sorted by path as `list`, from what the
   * backend's listing returns (S3 `Size`, GCS `size`, a file's stat): never a read of an object.
   */
  listSizes(prefix: string): Promise<ListedObject[]>;
  /**
   * The largest object `read` returns; a larger one is refused unread (`StateObjectTooLarge`).
   * Absent: the backends' default, `MAX_STORE_READ_BYTES` (src/model/api/limits.ts).
   */
  readonly maxObjectBytes?: number | undefined;
  /** Delete; a missing object is not an error unless `ifVersion` is given. */
  delete(path: string, opts?: DeleteOptions): Promise<void>;
}

/** Error codes the state store raises (as `KopsError.code`). */
export const StateErrorCode = {
  Conflict: 'StateConflict',
  NotFound: 'StateNotFound',
  Unreachable: 'StateStoreUnreachable',
  InvalidURL: 'InvalidStateStoreURL',
  LockHeld: 'ClusterLocked',
} as const;

/** What a cluster lock says about its holder. Stored as JSON at `<cluster>/lock`. */
export interface LockInfo {
  readonly id: string;
  /** `user@host pid N`. */
  readonly holder: string;
  /** e.g. `update cluster`, `rolling-update cluster`, `delete cluster`. */
  readonly operation: string;
  readonly acquired: string;
  readonly expires: string;
  readonly version: string;
}
