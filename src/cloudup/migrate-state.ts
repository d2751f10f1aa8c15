/**
 * `migrate state`: copy one cluster's state to another store (docs/state-store.md, "Moving a
 * cluster's state"), as kops's docs/state.md does by hand with `aws s3 sync`, but under the
 * source's cluster lock, with the stored bytes unchanged and the cluster `config` written LAST.
 *
 * - Every object under `<cluster>/` but the lock (and a `moved` marker) is copied byte for byte
 *   through the backends under the envelope decorator: encrypted private keys and secrets stay as
 *   encrypted as they are (the envelope's additional data is the path, which is the same at the
 *   destination), and an s3:// destination's writes carry its own SSE settings like any write.
 * - `config` is written last, with `spec.configBase` rewritten to `<to>/<cluster>` when the stored
 *   spec has one, and only if absent (`ifAbsent`): the destination lists the cluster only once the
 *   copy is complete. A copy cut short leaves no `config` there, and a re-run overwrites the
 *   partial objects; a destination whose `config` is already exactly what this copy writes (a run
 *   stopped after it) is completed, not refused.
 * - Then the source gets `<cluster>/moved` (MovedMarker), which the clientset refuses to read past
 *   (src/statestore/clientset.ts).
 * - Objects are sized from the source's listing (`listSizes`), not read: the plan (the preview, and
 *   again under `--yes`) reads only `config`, the `moved` marker and the destination's `config`
 *   (and, for a stopped run to complete, the objects on both sides to compare them); the copy
 *   reads each object once, and `config` again last (it may have been edited meanwhile: edits
 *   take no cluster lock).
 */
import { KopsError } from '../diagnostics.js';
import { MAX_STORE_READ_BYTES } from '../model/api/limits.js';
import { cloudProviderOf, type Cluster } from '../model/api/types.js';
import { decodeObject, encodeObject } from '../statestore/codec.js';
import { EnvelopeStateStore } from '../statestore/envelope.js';
import { objectTooLargeError, objectURL } from '../statestore/errors.js';
import { clusterPaths } from '../statestore/layout.js';
import { movedError, movedMarkerPath, readMovedMarker, type MovedMarker } from '../statestore/moved.js';
import { parseStateStoreURL } from '../statestore/open.js';
import type { ListedObject, StateStore, StoredObject } from '../statestore/types.js';
import { KOPS_TS_VERSION } from '../version.js';

export interface MigrateStateInput {
  /** The source store (as the commands open it; the copy reads beneath its envelope). */
  readonly source: StateStore;
  readonly destination: StateStore;
  readonly cluster: string;
  /**
   * Leave `backups/` (etcd backups) in the source: they stay there (nothing deletes them) and a
   * restore can still read them from it. For backups too large to copy through kops-ts, or too many.
   */
  readonly skipBackups?: boolean;
}

/** Objects and bytes of one area of the cluster's state (`pki`, `secrets`, `history`, ...). */
export interface AreaSummary {
  readonly area: string;
  readonly objects: number;
  readonly bytes: number;
}

export interface MigrationPlan {
  readonly cluster: string;
  readonly from: string;
  readonly to: string;
  readonly cloud: string | undefined;
  /** Sorted, every path to copy but `config`, which is written last. */
  readonly paths: readonly string[];
  readonly areas: readonly AreaSummary[];
  readonly objects: number;
  readonly bytes: number;
  readonly configBase: { readonly from: string; readonly to: string } | undefined;
  /** The destination already holds exactly the `config` this copy writes: a stopped run to complete. */
  readonly resuming: boolean;
  /** Objects under `backups/` left in the source (`skipBackups`); 0 otherwise. */
  readonly backupsLeft: number;
  /** What the preview says about the destination, each `ok: ...` or `note: ...` (reachability: proved by reading and listing it). */
  readonly checks: readonly string[];
}

/** The copy stopped (interrupt, failing write): `copied` of `total` objects were written. */
export class MigrationStopped extends Error {
  constructor(
    readonly copied: number,
    readonly total: number,
    readonly reason: unknown,
  ) {
    super(`stopped after copying ${copied} of ${total} object(s); the destination has no config yet, so it does not list the cluster`);
  }
}

/** Stored bytes as they are at rest: the backend beneath the envelope decorator. */
export function atRest(store: StateStore): StateStore {
  return store instanceof EnvelopeStateStore ? atRest(store.inner) : store;
}

/** The area an object belongs to: its folder under `<cluster>/`, or `files` for top-level objects. */
export function areaOf(cluster: string, path: string): string {
  const rel = path.slice(cluster.length + 1);
  const slash = rel.indexOf('/');
  return slash < 0 ? (rel === 'config' ? 'config' : 'files') : rel.slice(0, slash);
}

/** Which store schemes instances of `cloud` can read, as the model gives them one (src/cloud/model-input.ts). */
const OWN_SCHEME: Readonly<Record<string, string>> = { aws: 's3', gce: 'gs' };

function refuse(code: string, message: string, hint: string, file?: string): KopsError {
  return new KopsError(code, message, { hint, exitCode: 2, diagnostics: [{ severity: 'error', code, summary: message, hint, ...(file ? { file } : {}) }] });
}

/** Where a cluster's objects live, as one string per place: `s3:bucket/prefix/cluster/`. */
function clusterLocation(url: string, cluster: string): string {
  const p = parseStateStoreURL(url);
  const root = p.scheme === 'file' ? `file:${p.path}` : p.scheme === 'memory' ? `memory:${p.name}` : `${p.scheme}:${p.bucket}${p.prefix ? `/${p.prefix}` : ''}`;
  return `${root}/${cluster}/`;
}

/**
 * The same place, or one cluster's objects inside the other's (`--state s3://b --to s3://b/C`
 * would write the copy into the source cluster's own prefix): a bare path and its file:// URL are
 * one store.
 */
function overlapping(a: string, b: string, cluster: string): boolean {
  const [la, lb] = [clusterLocation(a, cluster), clusterLocation(b, cluster)];
  const rootA = la.slice(0, -cluster.length - 1);
  const rootB = lb.slice(0, -cluster.length - 1);
  return rootA === rootB || lb.startsWith(la) || la.startsWith(lb);
}

/** The rewritten `config` (configBase → `<to>/<cluster>`), or the bytes unchanged without one. */
function destinationConfig(source: StateStore, cluster: string, data: Uint8Array, to: string): { data: Uint8Array; configBase?: { from: string; to: string } } {
  const path = clusterPaths.config(cluster);
  const obj = decodeObject<Cluster>(source.url, path, data);
  const from = obj.spec?.configBase;
  if (typeof from !== 'string') return { data };
  const next = structuredClone(obj);
  next.spec.configBase = objectURL(to, cluster);
  return { data: new TextEncoder().encode(encodeObject(next)), configBase: { from, to: next.spec.configBase } };
}

/**
 * An object to copy. The backends read at most 64 MiB of one object, which kops-ts never writes
 * but an etcd backup of a big cluster may be: that refusal says how to go on without it. The plan
 * refuses it from the listed size first; this is for an object that grew since.
 */
async function readForCopy(source: StateStore, cluster: string, path: string): Promise<StoredObject | undefined> {
  try {
    return await source.read(path);
  } catch (e) {
    throw KopsError.is(e) ? backupTooLarge(cluster, path, e) : e;
  }
}

/** A `StateObjectTooLarge` of an etcd backup, with the way around it; any other error as it is. */
function backupTooLarge(cluster: string, path: string, e: KopsError): KopsError {
  if (!(e.code === 'StateObjectTooLarge' && path.startsWith(`${cluster}/backups/`))) return e;
  const why = ': an etcd backup too large to copy through kops-ts';
  return new KopsError('StateObjectTooLarge', `${e.message}${why}`, { cause: e, hint: BACKUPS_HINT, diagnostics: e.diagnostics.map((d) => ({ ...d, summary: `${d.summary}${why}`, hint: BACKUPS_HINT })) });
}

/** The refusal `read` would make of a listed object over the store's read limit, made from its listed size. */
function refuseUnreadable(source: StateStore, cluster: string, listed: readonly ListedObject[]): void {
  const limit = source.maxObjectBytes ?? MAX_STORE_READ_BYTES;
  const over = listed.find((o) => o.size > limit);
  if (over) throw backupTooLarge(cluster, over.path, objectTooLargeError(source.url, over.path, over.size, limit));
}

const BACKUPS_HINT = "re-run with --skip-backups to leave the etcd backups in the source store (nothing deletes them there), or copy that object with the cloud's own tool";

/**
 * Whether the destination holds exactly `listed` besides `config`, each with the source's bytes:
 * the paths and sizes from the two listings first, then (only if they all match) the bytes.
 */
async function sameObjects(source: StateStore, destination: StateStore, cluster: string, listed: readonly ListedObject[]): Promise<boolean> {
  const skip = new Set([clusterPaths.config(cluster), clusterPaths.lock(cluster), movedMarkerPath(cluster)]);
  const there = (await destination.listSizes(`${cluster}/`)).filter((o) => !skip.has(o.path));
  if (there.length !== listed.length || there.some((o, i) => o.path !== listed[i]!.path || o.size !== listed[i]!.size)) return false;
  for (const { path } of listed) {
    const [a, b] = await Promise.all([source.read(path), destination.read(path)]);
    if (!a || !b || !equalBytes(a.data, b.data)) return false;
  }
  return true;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/**
 * Everything the copy would do, and the refusals (exit 2, nothing written): the same store, a
 * missing or moved source cluster (the clientset's errors), a destination of a kind the cluster's
 * instances cannot read, a destination that already holds another `config` of this cluster.
 */
export async function planMigration(input: MigrateStateInput): Promise<MigrationPlan> {
  const { cluster } = input;
  const source = atRest(input.source);
  const destination = atRest(input.destination);
  const to = destination.url;
  if (overlapping(input.source.url, to, cluster)) {
    throw refuse('MigrateSameStore', `the destination ${to} is the source store, or holds it or the cluster's objects there`, 'pass another store to --to (s3://bucket[/prefix], gs://bucket[/prefix] or file:///abs/path)');
  }
  const configPath = clusterPaths.config(cluster);
  const [config, moved] = await Promise.all([source.read(configPath), readMovedMarker(source, cluster)]);
  if (moved) throw movedError(input.source, cluster, moved);
  if (!config) {
    throw refuse('ClusterNotFound', `cluster "${cluster}" not found in ${input.source.url}`, "list the clusters in this store with 'kops-ts get clusters', or check --state / KOPS_STATE_STORE", input.source.url);
  }
  const spec = decodeObject<Cluster>(source.url, configPath, config.data);
  const cloud = spec.spec ? cloudProviderOf(spec.spec) : undefined;
  const scheme = parseStateStoreURL(to).scheme;
  const own = cloud ? OWN_SCHEME[cloud] : undefined;
  if (scheme !== 'file' && own !== undefined && scheme !== own) {
    throw refuse(
      'MigrateStoreCloudMismatch',
      `the cluster runs on ${cloud}, whose instances read their state from ${own}:// only; ${to} is ${scheme}://`,
      `pass a ${own}:// store to --to (or file:///abs/path, which instances cannot read, as create cluster allows)`,
    );
  }
  // One listing gives the paths and their sizes: no object is read to size it.
  const skipped = new Set([clusterPaths.lock(cluster), movedMarkerPath(cluster), configPath]);
  const listed = (await source.listSizes(`${cluster}/`)).filter((o) => !skipped.has(o.path));
  const backups = `${cluster}/backups/`;
  const toCopy = input.skipBackups ? listed.filter((o) => !o.path.startsWith(backups)) : listed;
  const paths = toCopy.map((o) => o.path);
  const backupsLeft = listed.length - toCopy.length;
  // Listing the destination proves it reachable with these credentials before anything is copied.
  const there = await destination.read(configPath);
  const rewritten = destinationConfig(source, cluster, config.data, to);
  // A run stopped between writing `config` and the marker left a complete copy: only if every
  // object there is the source's, byte for byte, is it completed; anything else is another cluster's.
  const resuming = there !== undefined && equalBytes(there.data, rewritten.data) && (await sameObjects(source, destination, cluster, toCopy));
  if (there && !resuming) {
    throw refuse(
      'MigrateDestinationHasCluster',
      `the destination already holds cluster "${cluster}" (${objectURL(to, configPath)})`,
      `nothing was copied; pick another --to, or use that store with --state ${to}`,
      objectURL(to, configPath),
    );
  }
  await destination.list(`${cluster}/`);
  refuseUnreadable(source, cluster, toCopy);
  const areas = new Map<string, { objects: number; bytes: number }>();
  let bytes = 0;
  for (const { path, size } of [...toCopy, { path: configPath, size: config.data.length }]) {
    const a = areas.get(areaOf(cluster, path)) ?? { objects: 0, bytes: 0 };
    areas.set(areaOf(cluster, path), { objects: a.objects + 1, bytes: a.bytes + size });
    bytes += size;
  }
  const checks = [`ok: ${to} is reachable and holds no config of cluster "${cluster}"${resuming ? ' other than the one this copy writes (a stopped run: it is completed)' : ''}`];
  if (backupsLeft > 0) checks.push(`note: ${backupsLeft} object(s) under backups/ (etcd backups) stay in ${input.source.url} (--skip-backups); nothing deletes them there`);
  if (scheme === 'file') checks.push(`note: ${to} is a local folder: instances cannot read it (create cluster allows it); an applied cluster's instances lose their store after update cluster there`);
  return {
    cluster,
    from: input.source.url,
    to,
    cloud,
    paths,
    areas: [...areas].map(([area, v]) => ({ area, ...v })).sort((x, y) => x.area.localeCompare(y.area)),
    objects: paths.length + 1,
    bytes,
    configBase: rewritten.configBase,
    resuming,
    backupsLeft,
    checks,
  };
}

export interface MigrateStateOptions extends MigrateStateInput {
  /** Stops before the next write when aborted (SIGINT, the lock lost). */
  readonly signal?: AbortSignal;
  /** After each object written (the lock's heartbeat, progress lines). */
  readonly progress?: (copied: number, total: number, path: string) => void;
  readonly now?: () => Date;
}

export interface MigrationResult extends MigrationPlan {
  readonly marker: MovedMarker;
}

/**
 * The copy; the caller holds the source's cluster lock (withClusterLock) for all of it. Any failure
 * before `config` is written is a `MigrationStopped`; the destination then has no `config`.
 */
export async function migrateState(opts: MigrateStateOptions): Promise<MigrationResult> {
  const plan = await planMigration(opts);
  const source = atRest(opts.source);
  const destination = atRest(opts.destination);
  const configPath = clusterPaths.config(opts.cluster);
  const total = plan.objects;
  let copied = 0;
  try {
    for (const path of plan.resuming ? [] : plan.paths) {
      opts.signal?.throwIfAborted();
      const obj = await readForCopy(source, opts.cluster, path);
      if (obj) await destination.write(path, obj.data);
      copied++;
      opts.progress?.(copied, total, path);
    }
    opts.signal?.throwIfAborted();
    const config = await source.read(configPath);
    if (!config) throw new Error(`${configPath} disappeared from the source during the copy`);
    if (!plan.resuming) await destination.write(configPath, destinationConfig(source, opts.cluster, config.data, plan.to).data, { ifAbsent: true });
    copied++;
    opts.progress?.(copied, total, configPath);
  } catch (e) {
    if (KopsError.is(e) && e.exitCode === 2) throw e;
    throw new MigrationStopped(copied, total, e);
  }
  const marker: MovedMarker = { to: plan.to, at: (opts.now ?? (() => new Date()))().toISOString(), by: `kops-ts ${KOPS_TS_VERSION} migrate state` };
  await source.write(movedMarkerPath(opts.cluster), `${JSON.stringify(marker, null, 2)}\n`);
  return { ...plan, marker };
}
