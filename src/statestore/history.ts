/**
 * Spec history: before `config` or an instance group is replaced or deleted, its previous bytes
 * are kept at `<cluster>/history/config/<stamp>` or `<cluster>/history/instancegroup/<ig>/<stamp>`,
 * so a user can see what changed and roll the spec back (kops leaves this to S3 versioning).
 *
 * The stamp is `<UTC time with "-" for ":">Z-<8 hex of the content's sha256>`, fixed width up to
 * the hash, so names sort by time. It is written with `ifAbsent`: the same bytes superseded in the
 * same millisecond are one entry. History is kept before the change is written, so a crash in
 * between leaves an extra entry (a copy of what is still current), never a lost one.
 */
import { decodeObject } from './codec.js';
import { contentHash, validateName } from './paths.js';
import { KopsError } from '../diagnostics.js';
import { StateErrorCode, type StateStore, type StoredObject } from './types.js';

/** `config`, or `instancegroup/<name>`. */
export type HistoryObject = 'config' | `instancegroup/${string}`;

export interface HistoryEntry {
  readonly stamp: string;
  /** Path of the kept copy in the store. */
  readonly path: string;
  /** When the kept content was superseded. */
  readonly time: Date;
}

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3})Z-([0-9a-f]{8})$/;

export function historyPrefix(cluster: string, object: HistoryObject): string {
  validateName('cluster', cluster);
  if (object !== 'config') {
    if (!object.startsWith('instancegroup/')) throw new KopsError('InvalidHistoryObject', `no history is kept for "${object}"`, { hint: 'use "config" or "instancegroup/<name>"' });
    validateName('instance group', object.slice('instancegroup/'.length));
  }
  return `${cluster}/history/${object}/`;
}

/** The sortable stamp for `data` superseded at `at`. */
export function historyStamp(at: Date, data: Uint8Array): string {
  return `${at.toISOString().replace(/:/g, '-').replace(/Z$/, '')}Z-${contentHash(data).slice(0, 8)}`;
}

/** Keeps `previous` (the content about to be replaced) as a history entry. */
export async function keepHistory(
  store: StateStore,
  cluster: string,
  object: HistoryObject,
  previous: StoredObject,
  at: Date = new Date(),
): Promise<HistoryEntry> {
  const stamp = historyStamp(at, previous.data);
  const path = historyPrefix(cluster, object) + stamp;
  try {
    await store.write(path, previous.data, { ifAbsent: true });
  } catch (e) {
    // The same bytes were kept at the same millisecond already: that entry is this one.
    if (!KopsError.is(e, StateErrorCode.Conflict)) throw e;
  }
  return { stamp, path, time: stampTime(stamp) };
}

/** The kept versions of `object`, newest first. */
export async function listHistory(store: StateStore, cluster: string, object: HistoryObject): Promise<HistoryEntry[]> {
  const prefix = historyPrefix(cluster, object);
  const entries: HistoryEntry[] = [];
  for (const path of await store.list(prefix)) {
    const stamp = path.slice(prefix.length);
    if (STAMP.test(stamp)) entries.push({ stamp, path, time: stampTime(stamp) });
  }
  return entries.sort((a, b) => (a.stamp < b.stamp ? 1 : a.stamp > b.stamp ? -1 : 0));
}

/** One kept version's bytes, or `undefined` if there is no such entry. */
export async function readHistory(
  store: StateStore,
  cluster: string,
  object: HistoryObject,
  stamp: string,
): Promise<StoredObject | undefined> {
  if (!STAMP.test(stamp)) {
    throw new KopsError('InvalidHistoryStamp', `"${stamp}" is not a history stamp`, { hint: 'pick one from the history listing, e.g. 2026-01-31T09-15-00.000Z-1a2b3c4d', exitCode: 2 });
  }
  return store.read(historyPrefix(cluster, object) + stamp);
}

function stampTime(stamp: string): Date {
  const m = STAMP.exec(stamp);
  if (!m) return new Date(Number.NaN);
  const iso = m[1]!.replace(/T(\d{2})-(\d{2})-(\d{2})/, 'T$1:$2:$3');
  return new Date(`${iso}Z`);
}

/** A kept version with what can be told about it without trusting it. */
export interface HistoryVersion extends HistoryEntry {
  /** Bytes of the kept copy. */
  readonly size: number;
  /** Its `metadata.generation`, when it is a readable object that has one. */
  readonly generation?: number;
  /** Whether it decodes as a spec object (an unreadable one cannot be rolled back to). */
  readonly readable: boolean;
}

/**
 * The kept versions of `object`, newest first, each read to give its size and generation. Who made
 * a change is not recorded (only when the content was superseded).
 */
export async function describeHistory(store: StateStore, cluster: string, object: HistoryObject): Promise<HistoryVersion[]> {
  const entries = await listHistory(store, cluster, object);
  const out: HistoryVersion[] = [];
  for (let i = 0; i < entries.length; i += 8) {
    const batch = await Promise.all(
      entries.slice(i, i + 8).map(async (e): Promise<HistoryVersion | undefined> => {
        const obj = await store.read(e.path);
        if (!obj) return undefined; // deleted meanwhile
        let generation: number | undefined;
        let readable = false;
        try {
          const decoded = decodeObject<{ metadata: { generation?: unknown } }>(store.url, e.path, obj.data);
          readable = true;
          if (typeof decoded.metadata.generation === 'number') generation = decoded.metadata.generation;
        } catch {
          readable = false;
        }
        return { ...e, size: obj.data.byteLength, readable, ...(generation !== undefined ? { generation } : {}) };
      }),
    );
    out.push(...batch.filter((v): v is HistoryVersion => v !== undefined));
  }
  return out;
}
