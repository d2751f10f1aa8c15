/**
 * The roll's progress in the state store, so an interrupted run (Ctrl-C, crash, expired
 * credentials) resumes without replacing an instance twice.
 *
 * `<cluster>/rolling-update/state.yaml` records the instances the roll set out to replace (fixed at
 * the start, so a resumed `--force` roll does not replace the replacements) and those it has
 * replaced. Every write is conditional on the version last read or written (`StateConflict` if
 * another run changed it); the record is removed when the roll completes.
 */
import { KopsError } from '../diagnostics.js';
import { clusterPaths } from '../statestore/layout.js';
import { parseKopsYaml, stringifyKopsYaml } from '../statestore/codec.js';
import type { StateStore } from '../statestore/types.js';

export interface ProgressRecord {
  /** ISO 8601: when the roll that wrote the record first started. */
  readonly started: string;
  /** Instance ids to replace, by instance group. */
  readonly targeted: Readonly<Record<string, readonly string[]>>;
  /** Instance ids already replaced (terminated). */
  readonly done: readonly string[];
}

/** Where the roll records its progress. */
export interface ProgressStore {
  load(): Promise<ProgressRecord | undefined>;
  save(rec: ProgressRecord): Promise<void>;
  clear(): Promise<void>;
}

export function progressPath(cluster: string): string {
  return clusterPaths.rollingUpdateState(cluster);
}

/** A `ProgressStore` in the cluster's state store. */
export class StateStoreProgress implements ProgressStore {
  private version: string | undefined;

  constructor(
    private readonly store: StateStore,
    private readonly cluster: string,
  ) {}

  private get path(): string {
    return progressPath(this.cluster);
  }

  async load(): Promise<ProgressRecord | undefined> {
    const obj = await this.store.read(this.path);
    this.version = obj?.version;
    if (!obj) return undefined;
    return parseRecord(this.store.url, this.path, new TextDecoder().decode(obj.data));
  }

  async save(rec: ProgressRecord): Promise<void> {
    const body = stringifyKopsYaml({ apiVersion: 'kops-ts/v1alpha1', kind: 'RollingUpdateProgress', ...rec });
    const { version } = await this.store.write(this.path, body, this.version === undefined ? { ifAbsent: true } : { ifVersion: this.version });
    this.version = version;
  }

  async clear(): Promise<void> {
    if (this.version === undefined) return;
    await this.store.delete(this.path, { ifVersion: this.version });
    this.version = undefined;
  }
}

/** Keeps the record in memory (tests, and callers that do not want resumability). */
export class MemoryProgress implements ProgressStore {
  record: ProgressRecord | undefined;
  async load(): Promise<ProgressRecord | undefined> {
    return this.record;
  }
  async save(rec: ProgressRecord): Promise<void> {
    this.record = structuredClone(rec);
  }
  async clear(): Promise<void> {
    this.record = undefined;
  }
}

function parseRecord(url: string, path: string, text: string): ProgressRecord {
  const bad = (why: string): KopsError =>
    new KopsError('InvalidRollingUpdateState', `${url}/${path}: ${why}`, {
      hint: `this is the progress record of an interrupted rolling update; delete ${path} from the state store to start the roll afresh`,
    });
  let v: unknown;
  try {
    v = parseKopsYaml(text);
  } catch (e) {
    throw bad(`not valid YAML (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('expected a mapping');
  const o = v as Record<string, unknown>;
  if (typeof o.started !== 'string') throw bad('field started: expected an ISO 8601 time');
  const targeted: Record<string, string[]> = {};
  if (typeof o.targeted !== 'object' || o.targeted === null || Array.isArray(o.targeted)) throw bad('field targeted: expected a mapping of instance group to instance ids');
  for (const [g, ids] of Object.entries(o.targeted as Record<string, unknown>)) {
    if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string')) throw bad(`field targeted.${g}: expected a list of instance ids`);
    targeted[g] = ids as string[];
  }
  const done = o.done ?? [];
  if (!Array.isArray(done) || !done.every((i) => typeof i === 'string')) throw bad('field done: expected a list of instance ids');
  return { started: o.started, targeted, done: done as string[] };
}
