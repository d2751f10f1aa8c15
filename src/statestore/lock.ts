/**
 * The cluster lock: a lease object at `<cluster>/lock` that the operations changing the cloud
 * (`update --yes`, `rolling-update --yes`, `delete --yes`, `create cluster`) hold while they run.
 *
 * - Acquire creates the lease with `ifAbsent`, so of two concurrent acquirers exactly one wins; the
 *   other gets `ClusterLocked` naming the holder, the operation, since and until when, and the id.
 * - The holder renews it (a conditional write on the version it holds) well before it expires. If
 *   the write fails, someone else has taken or removed the lease: that is `LockLost`.
 * - `withClusterLock` renews only for an operation that makes progress: one that called
 *   `lock.heartbeat()` since the previous renewal (an AWS response, a task done). A run hung on an
 *   endpoint that never answers stops renewing, and its lease expires instead of blocking
 *   everyone else for as long as it hangs.
 * - An expired lease may be taken over by a conditional write on its version: a crashed run's lock
 *   needs no manual step once it has expired (and `--force-unlock <id>` removes it sooner). Of two
 *   processes taking over the same expired lease, only one conditional write succeeds.
 * - Release is a conditional delete, so a holder whose lease was taken over never deletes the new
 *   holder's lease.
 */
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { KopsError } from '../diagnostics.js';
import { objectURL, stateError } from './errors.js';
import { validateName } from './paths.js';
import { StateErrorCode, type LockInfo, type StateStore, type StoredObject } from './types.js';

/** How long a lease lives without renewal (5 minutes). */
export const DEFAULT_LOCK_TTL_MS = 5 * 60_000;

export interface AcquireLockOptions {
  /** What the holder is doing, e.g. `update cluster`. */
  readonly operation: string;
  readonly ttlMs?: number;
  /** Default `user@host pid N`. */
  readonly holder?: string;
  readonly now?: () => Date;
}

export interface ClusterLock {
  readonly cluster: string;
  /** The lease as last written by this holder (its `version` changes on every renewal). */
  readonly info: LockInfo;
  /** Aborted (with the `LockLost` error as reason) once a renewal finds the lease gone. */
  readonly signal: AbortSignal;
  /** Tells `withClusterLock` that the operation made progress, so the lease is worth renewing. */
  heartbeat(): void;
  /** How many heartbeats so far. */
  readonly heartbeats: number;
  /** Extends the lease by the TTL from now; `LockLost` if it is no longer ours. */
  renew(): Promise<LockInfo>;
  /** Removes the lease if it is still ours; `LockLost` if it was taken over or removed meanwhile. */
  release(): Promise<void>;
}

export function lockPath(cluster: string): string {
  validateName('cluster', cluster);
  return `${cluster}/lock`;
}

/** The lease currently stored for `cluster`, if any. */
export async function readClusterLock(store: StateStore, cluster: string): Promise<LockInfo | undefined> {
  const obj = await store.read(lockPath(cluster));
  return obj ? parseLease(obj) : undefined;
}

/** Takes the cluster's lock, or takes over an expired lease; `ClusterLocked` if someone holds it. */
export async function acquireClusterLock(store: StateStore, cluster: string, opts: AcquireLockOptions): Promise<ClusterLock> {
  const path = lockPath(cluster);
  const now = opts.now ?? (() => new Date());
  const ttlMs = opts.ttlMs ?? DEFAULT_LOCK_TTL_MS;
  const id = randomBytes(8).toString('hex');
  const holder = opts.holder ?? defaultHolder();
  for (let attempt = 0; attempt < 5; attempt++) {
    const lease = newLease(id, holder, opts.operation, now(), ttlMs);
    const current = await store.read(path);
    try {
      if (!current) {
        const { version } = await store.write(path, encodeLease(lease), { ifAbsent: true });
        return new Lease(store, cluster, { ...lease, version }, ttlMs, now);
      }
      const held = parseLease(current);
      if (held && Date.parse(held.expires) > now().getTime()) throw lockedError(store, cluster, held);
      // Expired (or unreadable): take it over, conditional on the version we just read.
      const { version } = await store.write(path, encodeLease(lease), { ifVersion: current.version });
      return new Lease(store, cluster, { ...lease, version }, ttlMs, now);
    } catch (e) {
      if (!KopsError.is(e, StateErrorCode.Conflict)) throw e;
      // Someone else created, renewed or took over the lease between our read and write: look again.
    }
  }
  const held = await readClusterLock(store, cluster);
  if (held) throw lockedError(store, cluster, held);
  throw stateError(StateErrorCode.Conflict, `${path} keeps changing while taking the lock`, {
    file: objectURL(store.url, path),
    hint: 're-run the command',
  });
}

/** Deletes the lease only if its id is `id`; returns what was removed. */
export async function forceUnlock(store: StateStore, cluster: string, id: string): Promise<LockInfo> {
  const path = lockPath(cluster);
  const current = await store.read(path);
  if (!current) {
    throw stateError('LockNotFound', `cluster "${cluster}" is not locked`, { file: objectURL(store.url, path), hint: 'nothing to unlock: run the command again without --force-unlock' });
  }
  const held = parseLease(current);
  if (held && held.id !== id) {
    throw stateError('LockIdMismatch', `the lock on cluster "${cluster}" has id ${held.id}, not ${id}`, {
      file: objectURL(store.url, path),
      hint: `it is held by ${held.holder} for "${held.operation}" since ${held.acquired}; check that it is stale, then use --force-unlock ${held.id}`,
    });
  }
  await store.delete(path, { ifVersion: current.version });
  return held ?? { id, holder: 'unknown', operation: 'unknown', acquired: '', expires: '', version: current.version };
}

export interface WithLockOptions extends Omit<AcquireLockOptions, 'operation'> {
  /**
   * How often to renew (default a third of the TTL). A renewal is made only if `lock.heartbeat()`
   * was called since the previous one, so the lease outlives the last progress by at most the
   * TTL plus this interval.
   */
  readonly renewEveryMs?: number;
  /** Called when a renewal is skipped for lack of progress (for events and tests). */
  readonly onIdle?: (info: LockInfo) => void;
  /** Called once the lock is held (the CLI's interrupt handler names it on a second signal). */
  readonly onAcquired?: (info: LockInfo) => void;
  /** Called once the lock is released (not when the release failed: the lock then stays). */
  readonly onReleased?: (info: LockInfo) => void;
  /** Timer functions (injectable for tests); the default timer is unref'd. */
  readonly timers?: LockTimers;
}

export interface LockTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const defaultTimers: LockTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

/**
 * Runs `fn` holding the cluster's lock, renewing it on an interval while `fn` reports progress
 * (`lock.heartbeat()`), releasing it afterwards. If the lease is lost meanwhile, `lock.signal`
 * aborts and the call fails with `LockLost` even if `fn` finished: what it did was not protected by
 * the lock for the whole run.
 */
export async function withClusterLock<T>(
  store: StateStore,
  cluster: string,
  operation: string,
  fn: (lock: ClusterLock) => Promise<T>,
  opts: WithLockOptions = {},
): Promise<T> {
  const lock = await acquireClusterLock(store, cluster, { ...opts, operation });
  opts.onAcquired?.(lock.info);
  const timers = opts.timers ?? defaultTimers;
  const every = opts.renewEveryMs ?? Math.max(1, Math.floor((opts.ttlMs ?? DEFAULT_LOCK_TTL_MS) / 3));
  // Transient renewal failures (store unreachable) are retried at the next tick; loss aborts the signal.
  let seen = lock.heartbeats;
  const handle = timers.setInterval(() => {
    if (lock.heartbeats === seen) {
      opts.onIdle?.(lock.info);
      return;
    }
    seen = lock.heartbeats;
    void lock.renew().catch(() => undefined);
  }, every);
  let result: T;
  try {
    result = await fn(lock);
  } catch (e) {
    timers.clearInterval(handle);
    // The operation's own error matters more than a failed release.
    await lock.release().then(
      () => opts.onReleased?.(lock.info),
      () => undefined,
    );
    throw e;
  }
  timers.clearInterval(handle);
  if (lock.signal.aborted) throw lock.signal.reason;
  await lock.release();
  opts.onReleased?.(lock.info);
  return result;
}

class Lease implements ClusterLock {
  private current: LockInfo;
  private pending: Promise<unknown> = Promise.resolve();
  private released = false;
  private readonly abort = new AbortController();
  private beats = 0;

  constructor(
    private readonly store: StateStore,
    readonly cluster: string,
    info: LockInfo,
    private readonly ttlMs: number,
    private readonly now: () => Date,
  ) {
    this.current = info;
  }

  get info(): LockInfo {
    return this.current;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  heartbeat(): void {
    this.beats++;
  }

  get heartbeats(): number {
    return this.beats;
  }

  renew(): Promise<LockInfo> {
    // Serialised: each conditional write needs the version the previous one produced.
    const next = this.pending.then(() => this.doRenew());
    this.pending = next.catch(() => undefined);
    return next;
  }

  release(): Promise<void> {
    const next = this.pending.then(() => this.doRelease());
    this.pending = next.catch(() => undefined);
    return next;
  }

  private async doRenew(): Promise<LockInfo> {
    if (this.released) throw this.lost('it was already released');
    if (this.abort.signal.aborted) throw this.abort.signal.reason;
    const t = this.now();
    const { version: _old, ...lease } = this.current;
    const renewed = { ...lease, expires: new Date(t.getTime() + this.ttlMs).toISOString() };
    try {
      const { version } = await this.store.write(lockPath(this.cluster), encodeLease(renewed), { ifVersion: this.current.version });
      this.current = { ...renewed, version };
      return this.current;
    } catch (e) {
      if (!KopsError.is(e, StateErrorCode.Conflict)) throw e;
      throw await this.lostNow(e);
    }
  }

  private async doRelease(): Promise<void> {
    if (this.released) return;
    try {
      await this.store.delete(lockPath(this.cluster), { ifVersion: this.current.version });
      this.released = true;
    } catch (e) {
      if (!KopsError.is(e, StateErrorCode.Conflict)) throw e;
      this.released = true;
      throw await this.lostNow(e);
    }
  }

  /** Builds the `LockLost` error from what the store holds now, and aborts the signal. */
  private async lostNow(cause: unknown): Promise<KopsError> {
    const now = await readClusterLock(this.store, this.cluster).catch(() => undefined);
    const why = now ? `it is now held by ${now.holder} for "${now.operation}" (lock id ${now.id})` : 'it was removed (force-unlocked?)';
    const err = this.lost(why, cause);
    if (!this.abort.signal.aborted) this.abort.abort(err);
    return err;
  }

  private lost(why: string, cause?: unknown): KopsError {
    return stateError('LockLost', `lost the lock on cluster "${this.cluster}" (lock id ${this.current.id}): ${why}`, {
      file: objectURL(this.store.url, lockPath(this.cluster)),
      hint: `another run may have changed the cluster meanwhile: check with "kops-ts update cluster --name ${this.cluster}" before going on`,
      cause,
    });
  }
}

function newLease(id: string, holder: string, operation: string, at: Date, ttlMs: number): Omit<LockInfo, 'version'> {
  return { id, holder, operation, acquired: at.toISOString(), expires: new Date(at.getTime() + ttlMs).toISOString() };
}

function encodeLease(lease: Omit<LockInfo, 'version'>): string {
  const { id, holder, operation, acquired, expires } = lease;
  return `${JSON.stringify({ id, holder, operation, acquired, expires }, null, 2)}\n`;
}

/** The stored lease, or `undefined` if it is not a lease (treated as expired: it can be taken over). */
function parseLease(obj: StoredObject): LockInfo | undefined {
  try {
    const v = JSON.parse(new TextDecoder().decode(obj.data)) as Record<string, unknown>;
    const fields = ['id', 'holder', 'operation', 'acquired', 'expires'] as const;
    if (fields.some((f) => typeof v[f] !== 'string') || Number.isNaN(Date.parse(v.expires as string))) return undefined;
    const [id, holder, operation, acquired, expires] = fields.map((f) => v[f] as string) as [string, string, string, string, string];
    return { id, holder, operation, acquired, expires, version: obj.version };
  } catch {
    return undefined;
  }
}

function lockedError(store: StateStore, cluster: string, held: LockInfo): KopsError {
  return stateError(
    StateErrorCode.LockHeld,
    `cluster "${cluster}" is locked by ${held.holder} for "${held.operation}" since ${held.acquired} until ${held.expires} (lock id ${held.id})`,
    {
      file: objectURL(store.url, lockPath(cluster)),
      hint: `wait for that run to finish; if it is gone, the lock expires at ${held.expires}, or re-run with --force-unlock ${held.id}`,
    },
  );
}

function defaultHolder(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep "unknown"
  }
  return `${user}@${hostname()} pid ${process.pid}`;
}
