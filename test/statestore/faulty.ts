/** A store wrapper that fails chosen operations, to test what happens when a write fails midway. */
import type { DeleteOptions, ListedObject, StateStore, StoredObject, WriteOptions } from '../../src/statestore/index.js';

export class FaultyStore implements StateStore {
  readonly url: string;
  /** Paths written through this wrapper, in order (including failed attempts). */
  readonly writes: string[] = [];

  constructor(
    private readonly inner: StateStore,
    private readonly failWrite: (path: string) => boolean,
  ) {
    this.url = inner.url;
  }

  read(path: string): Promise<StoredObject | undefined> {
    return this.inner.read(path);
  }

  async write(path: string, data: Uint8Array | string, opts?: WriteOptions): Promise<{ version: string }> {
    this.writes.push(path);
    // Imitates a store that became unreachable (network, permissions) for this one write.
    if (this.failWrite(path)) throw new Error(`injected failure writing ${path}`);
    return this.inner.write(path, data, opts);
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  listSizes(prefix: string): Promise<ListedObject[]> {
    return this.inner.listSizes(prefix);
  }

  delete(path: string, opts?: DeleteOptions): Promise<void> {
    return this.inner.delete(path, opts);
  }
}
