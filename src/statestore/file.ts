/**
 * `file:///abs/path` (or a bare absolute path, as kops accepts): a state store in a directory.
 *
 * - Every write goes to a temp file in the object's directory, is fsync'd, then renamed or linked
 *   into place, so a reader sees the old bytes or the new bytes, never a mix.
 * - `ifAbsent` links the temp file to the object's name: `link()` fails with EEXIST if the name
 *   exists, atomically, even between processes (and on NFS, unlike `O_EXCL` on old clients).
 * - `ifVersion` (and every other mutation) runs under a short per-object lock file (file-lock.ts):
 *   re-read, compare the content hash (the version), rename, release. Unconditional writes and
 *   deletes take the lock too, so they cannot slip between another writer's check and rename.
 * - Files are created 0600 and directories 0700: the store holds private keys.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StateErrorCode } from './types.js';
import type { DeleteOptions, ListedObject, StateStore, StoredObject, WriteOptions } from './types.js';
import { KopsError } from '../diagnostics.js';
import { MAX_STORE_READ_BYTES } from '../model/api/limits.js';
import { conflictError, invalidPathError, objectTooLargeError, objectURL, stateError, unreachableError } from './errors.js';
import {
  LockWaitTimeout,
  defaultObjectLockOptions,
  errnoCode,
  lockPathFor,
  withObjectLock,
  type ObjectLockOptions,
} from './file-lock.js';
import { RESERVED_MARKER, contentHash, toBytes, validateObjectPath, validatePrefix, validateWriteOptions } from './paths.js';

export type FileStateStoreOptions = Partial<ObjectLockOptions> & {
  /** Objects larger than this are refused before they are read (`StateObjectTooLarge`). */
  readonly maxObjectBytes?: number;
};

export class FileStateStore implements StateStore {
  readonly url: string;
  readonly root: string;
  private readonly lockOpts: ObjectLockOptions;
  readonly maxObjectBytes: number;

  /** `root` must be absolute; it is created on the first write. */
  constructor(root: string, opts: FileStateStoreOptions = {}) {
    this.root = root.length > 1 ? root.replace(/\/+$/, '') : root;
    this.url = pathToFileURL(this.root).href;
    this.lockOpts = { ...defaultObjectLockOptions, ...opts };
    this.maxObjectBytes = opts.maxObjectBytes ?? MAX_STORE_READ_BYTES;
  }

  async read(path: string): Promise<StoredObject | undefined> {
    validateObjectPath(path);
    const data = await this.readBytes(path);
    return data === undefined ? undefined : { data, version: contentHash(data) };
  }

  async write(path: string, data: Uint8Array | string, opts: WriteOptions = {}): Promise<{ version: string }> {
    validateObjectPath(path);
    validateWriteOptions(path, opts);
    const bytes = toBytes(data);
    const target = this.full(path);
    const tmp = await this.writeTemp(path, target, bytes);
    try {
      if (opts.ifAbsent) {
        await this.linkNew(path, tmp, target);
      } else {
        await this.locked(path, async () => {
          if (opts.ifVersion !== undefined && (await this.versionOf(path)) !== opts.ifVersion) {
            throw conflictError(this.url, path, 'changed');
          }
          await rename(tmp, target);
        });
      }
    } catch (e) {
      throw this.mapError(e, path, 'write');
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    return { version: contentHash(bytes) };
  }

  async list(prefix: string): Promise<string[]> {
    validatePrefix(prefix);
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const out: string[] = [];
    try {
      await this.walk(base === '' ? this.root : this.full(base), out);
    } catch (e) {
      throw this.mapError(e, prefix, 'list');
    }
    return out.filter((p) => p.startsWith(prefix)).sort();
  }

  /**
   * Each listed file's size from its stat (a directory has no listing with sizes); a file removed
   * between the listing and its stat is left out, as a later listing would.
   */
  async listSizes(prefix: string): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    for (const path of await this.list(prefix)) {
      try {
        out.push({ path, size: (await stat(this.full(path))).size });
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') continue;
        throw this.mapError(e, path, 'list');
      }
    }
    return out;
  }

  async delete(path: string, opts: DeleteOptions = {}): Promise<void> {
    validateObjectPath(path);
    const target = this.full(path);
    const dirExists = await stat(dirname(target)).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!dirExists) {
      if (opts.ifVersion !== undefined) throw conflictError(this.url, path, 'changed');
      return;
    }
    try {
      await this.locked(path, async () => {
        if (opts.ifVersion !== undefined && (await this.versionOf(path)) !== opts.ifVersion) {
          throw conflictError(this.url, path, 'changed');
        }
        await unlink(target).catch((e: unknown) => {
          const code = errnoCode(e);
          if (code !== 'ENOENT' && code !== 'EISDIR' && code !== 'EPERM') throw e;
        });
      });
    } catch (e) {
      throw this.mapError(e, path, 'delete');
    }
    await this.pruneEmptyDirs(dirname(target));
  }

  private full(path: string): string {
    return join(this.root, ...path.split('/'));
  }

  private async readBytes(path: string): Promise<Uint8Array | undefined> {
    let fh: FileHandle | undefined;
    try {
      fh = await open(this.full(path), 'r');
      const st = await fh.stat();
      if (st.isDirectory()) return undefined;
      // Sized through the open handle, so the file measured is the file read.
      if (st.size > this.maxObjectBytes) throw objectTooLargeError(this.url, path, st.size, this.maxObjectBytes);
      return new Uint8Array(await fh.readFile());
    } catch (e) {
      if (KopsError.is(e)) throw e;
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw this.mapError(e, path, 'read');
    } finally {
      await fh?.close();
    }
  }

  private async versionOf(path: string): Promise<string | undefined> {
    const data = await this.readBytes(path);
    return data === undefined ? undefined : contentHash(data);
  }

  private locked<T>(path: string, fn: () => Promise<T>): Promise<T> {
    return withObjectLock(this.full(path), this.lockOpts, fn).catch((e: unknown) => {
      if (!(e instanceof LockWaitTimeout)) throw e;
      throw stateError(StateErrorCode.Conflict, `${path} is being written by another process`, {
        file: objectURL(this.url, path),
        hint: `re-run the command; if no other kops-ts is running, remove the lock file ${lockPathFor(this.full(path))}`,
      });
    });
  }

  /** Writes the bytes to a fresh temp file beside the target (same filesystem, so rename is atomic). */
  private async writeTemp(path: string, target: string, bytes: Uint8Array): Promise<string> {
    const tmp = join(dirname(target), `.${basename(target)}${RESERVED_MARKER}tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(dirname(target), { recursive: true, mode: 0o700 });
        const fh = await open(tmp, 'wx', 0o600);
        try {
          await fh.writeFile(bytes);
          await fh.datasync();
        } finally {
          await fh.close();
        }
        return tmp;
      } catch (e) {
        // ENOENT: a concurrent delete pruned the directory between mkdir and open; go again.
        if (errnoCode(e) === 'ENOENT' && attempt < 5) continue;
        throw this.mapError(e, path, 'write');
      }
    }
  }

  private async linkNew(path: string, tmp: string, target: string): Promise<void> {
    try {
      await link(tmp, target);
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') throw conflictError(this.url, path, 'exists');
      throw e;
    }
  }

  private async walk(dir: string, out: string[]): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch((e: unknown) => {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw e;
    });
    for (const entry of entries) {
      if (entry.name.includes(RESERVED_MARKER)) continue;
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) await this.walk(abs, out);
      else if (entry.isFile()) out.push(relative(this.root, abs).split(sep).join('/'));
    }
  }

  /** Removes directories left empty by a delete, up to (not including) the root. */
  private async pruneEmptyDirs(dir: string): Promise<void> {
    while (dir !== this.root && dir.startsWith(this.root + sep)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone, or in use by a writer): stop here
      }
      dir = dirname(dir);
    }
  }

  private mapError(e: unknown, path: string, op: string): unknown {
    const code = errnoCode(e);
    if (code === undefined) return e;
    if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST') {
      return invalidPathError(path, `it, or one of its parent folders, is both an object and a folder in ${this.root}`);
    }
    return unreachableError(
      this.url,
      `cannot ${op} ${path} (${code})`,
      `check that ${this.root} is on a local, writable filesystem and owned by this user`,
      e,
    );
  }
}
