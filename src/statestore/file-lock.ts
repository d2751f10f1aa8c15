/**
 * A short per-object lock for the file backend's compare-and-swap, safe across processes.
 *
 * The lock is a file created with `O_CREAT|O_EXCL` next to the object (`<name>.kops-ts-lock`); only
 * one process can create it. It is held for the few milliseconds of "re-read the version, rename
 * the new bytes into place". A process that crashed inside that window leaves the file behind, so a
 * lock older than `staleMs` is broken: it is first renamed aside (only one breaker can win the
 * rename), then checked again, and put back if it turns out to be a fresh lock taken meanwhile.
 *
 * Residual risk, accepted and documented in docs/state-store.md: breaking a stale lock while two
 * other processes race for a fresh one could, in a window of microseconds, let both proceed.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RESERVED_MARKER } from './paths.js';

export interface ObjectLockOptions {
  /** A lock file older than this was left by a crashed writer and is broken (default 30 s). */
  readonly staleMs: number;
  /** Give up waiting for another writer's lock after this long (default 10 s). */
  readonly waitMs: number;
  /** Backoff between attempts; injectable so tests never sleep. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Wall clock in ms (lock files are aged by their mtime). */
  readonly now: () => number;
}

export const defaultObjectLockOptions: ObjectLockOptions = {
  staleMs: 30_000,
  waitMs: 10_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

/** `<dir>/<name>.kops-ts-lock` for the object file `<dir>/<name>`. */
export function lockPathFor(target: string): string {
  return join(dirname(target), `${basename(target)}${RESERVED_MARKER}lock`);
}

/** Thrown by `withObjectLock` when another writer held the lock for longer than `waitMs`. */
export class LockWaitTimeout extends Error {
  constructor(readonly lockPath: string) {
    super(`timed out waiting for ${lockPath}`);
  }
}

/** Runs `fn` while holding the object's lock file. */
export async function withObjectLock<T>(target: string, opts: ObjectLockOptions, fn: () => Promise<T>): Promise<T> {
  const lockPath = lockPathFor(target);
  const ino = await acquire(lockPath, opts);
  try {
    return await fn();
  } finally {
    await release(lockPath, ino);
  }
}

async function acquire(lockPath: string, opts: ObjectLockOptions): Promise<number> {
  const deadline = opts.now() + opts.waitMs;
  for (let attempt = 0; ; attempt++) {
    const ino = await tryCreate(lockPath);
    if (ino !== undefined) return ino;
    const st = await stat(lockPath).catch(ignoreENOENT);
    if (!st) continue;
    if (opts.now() - st.mtimeMs > opts.staleMs) {
      await breakStale(lockPath, st.ino, opts);
      continue;
    }
    if (opts.now() > deadline) throw new LockWaitTimeout(lockPath);
    await opts.sleep(Math.min(50, 2 ** Math.min(attempt, 6)) + Math.random() * 5);
  }
}

/** The lock file's inode when we created it, `undefined` when it already exists. */
async function tryCreate(lockPath: string): Promise<number | undefined> {
  try {
    const fh = await open(lockPath, 'wx', 0o600);
    try {
      await fh.writeFile(`pid ${process.pid}\n`);
      return (await fh.stat()).ino;
    } finally {
      await fh.close();
    }
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'EEXIST') return undefined;
    if (code === 'ENOENT') {
      // The directory was pruned by a concurrent delete: recreate it and try again.
      await mkdir(dirname(lockPath), { recursive: true, mode: 0o700 });
      return undefined;
    }
    throw e;
  }
}

async function breakStale(lockPath: string, ino: number, opts: ObjectLockOptions): Promise<void> {
  const aside = `${lockPath}-stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return; // someone else broke it
    throw e;
  }
  const st = await stat(aside);
  if (st.ino !== ino || opts.now() - st.mtimeMs <= opts.staleMs) {
    // We moved a lock taken after we looked: give it back to its holder.
    await link(aside, lockPath).catch(() => undefined);
  }
  await unlink(aside).catch(ignoreENOENT);
}

async function release(lockPath: string, ino: number): Promise<void> {
  const st = await stat(lockPath).catch(ignoreENOENT);
  // Only remove our own lock: if ours was broken as stale, the file now belongs to someone else.
  if (st && st.ino === ino) await unlink(lockPath).catch(ignoreENOENT);
}

/** The `code` of a Node system error (`ENOENT`, ...); `undefined` for anything else. */
export function errnoCode(e: unknown): string | undefined {
  if (!(e instanceof Error) || !('errno' in e) || !('code' in e)) return undefined;
  return typeof e.code === 'string' ? e.code : undefined;
}

export function ignoreENOENT(e: unknown): undefined {
  if (errnoCode(e) === 'ENOENT') return undefined;
  throw e;
}
