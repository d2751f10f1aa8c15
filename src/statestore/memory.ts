/**
 * `memory://<name>`: a state store held in this process, for tests and in-process CLI runs.
 *
 * Stores live in a process-wide registry keyed by name, so two `openStateStore('memory://x')` calls
 * (say, the test and the CLI it drives) see the same objects. Every operation runs to completion
 * without awaiting anything in between, so each one is atomic with respect to the others, which
 * makes the preconditions exact. Versions come from a per-store counter, so an object rewritten
 * with the same bytes still gets a new version (no ABA).
 */
import { conflictError } from './errors.js';
import { byPath, toBytes, validateObjectPath, validatePrefix, validateWriteOptions } from './paths.js';
import type { DeleteOptions, ListedObject, StateStore, StoredObject, WriteOptions } from './types.js';

interface MemoryData {
  readonly objects: Map<string, StoredObject>;
  counter: number;
}

const registry = new Map<string, MemoryData>();

/** Forget every memory store (tests call it between cases). */
export function resetMemoryStores(): void {
  registry.clear();
}

export class MemoryStateStore implements StateStore {
  readonly url: string;
  /** No limit: `read` returns any object held (they are in this process's memory already). */
  readonly maxObjectBytes = Number.POSITIVE_INFINITY;
  private readonly data: MemoryData;

  /** `name` is what follows `memory://`. */
  constructor(name: string) {
    this.url = `memory://${name}`;
    let data = registry.get(name);
    if (!data) {
      data = { objects: new Map(), counter: 0 };
      registry.set(name, data);
    }
    this.data = data;
  }

  async read(path: string): Promise<StoredObject | undefined> {
    validateObjectPath(path);
    const hit = this.data.objects.get(path);
    return hit ? { data: hit.data.slice(), version: hit.version } : undefined;
  }

  async write(path: string, data: Uint8Array | string, opts: WriteOptions = {}): Promise<{ version: string }> {
    validateObjectPath(path);
    validateWriteOptions(path, opts);
    const current = this.data.objects.get(path);
    if (opts.ifAbsent && current) throw conflictError(this.url, path, 'exists');
    if (opts.ifVersion !== undefined && current?.version !== opts.ifVersion) throw conflictError(this.url, path, 'changed');
    this.data.counter += 1;
    const version = `m${this.data.counter}`;
    this.data.objects.set(path, { data: toBytes(data).slice(), version });
    return { version };
  }

  async list(prefix: string): Promise<string[]> {
    validatePrefix(prefix);
    return [...this.data.objects.keys()].filter((p) => p.startsWith(prefix)).sort();
  }

  async listSizes(prefix: string): Promise<ListedObject[]> {
    validatePrefix(prefix);
    const out: ListedObject[] = [];
    for (const [path, obj] of this.data.objects) if (path.startsWith(prefix)) out.push({ path, size: obj.data.length });
    return out.sort(byPath);
  }

  async delete(path: string, opts: DeleteOptions = {}): Promise<void> {
    validateObjectPath(path);
    if (opts.ifVersion !== undefined && this.data.objects.get(path)?.version !== opts.ifVersion) {
      throw conflictError(this.url, path, 'changed');
    }
    this.data.objects.delete(path);
  }
}
