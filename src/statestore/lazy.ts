/**
 * A store whose backend module is imported on its first operation. `openStateStore` uses it for the
 * backends that need a cloud SDK (`s3://` loads @aws-sdk/client-s3 and the AWS clients), so a
 * command on a `file://` store, or one that never touches its store, starts without them.
 * `maxObjectBytes` is left to the default, with which open.ts builds the backends it opens lazily.
 */
import type { DeleteOptions, ListedObject, StateStore, StoredObject, WriteOptions } from './types.js';

export class LazyStateStore implements StateStore {
  private opened: Promise<StateStore> | undefined;

  constructor(
    readonly url: string,
    private readonly open: () => Promise<StateStore>,
  ) {}

  /** The backend, imported and constructed on the first call. */
  backend(): Promise<StateStore> {
    return (this.opened ??= this.open());
  }

  async read(path: string): Promise<StoredObject | undefined> {
    return (await this.backend()).read(path);
  }

  async write(path: string, data: Uint8Array | string, opts?: WriteOptions): Promise<{ version: string }> {
    return (await this.backend()).write(path, data, opts);
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.backend()).list(prefix);
  }

  async listSizes(prefix: string): Promise<ListedObject[]> {
    return (await this.backend()).listSizes(prefix);
  }

  async delete(path: string, opts?: DeleteOptions): Promise<void> {
    return (await this.backend()).delete(path, opts);
  }
}
