/**
 * A typed clientset over a `StateStore`: Clusters, InstanceGroups, SSH keys, the completed spec and
 * the kops version, in kops's layout (layout.ts).
 *
 * Every read returns the object with its version; every replace takes the version it is based on
 * and fails with `StateConflict` if the stored object changed since (kops has no such check and
 * loses updates). Replacing or deleting `config` or an instance group first keeps the previous
 * bytes in the history. As in kops, an update bumps `metadata.generation` when the spec changed, a
 * create sets `metadata.creationTimestamp` if missing (and leaves `generation` unset), and instance
 * groups carry the label `kops.k8s.io/cluster: <cluster>`.
 */
import type { Cluster, InstanceGroup } from '../model/api/types.js';
import { KopsError } from '../diagnostics.js';
import { decodeObject, decodeSpecObject, deepEqual, encodeObject } from './codec.js';
import { conflictError, stateError } from './errors.js';
import { createClusterState, type CreateClusterOptions, type CreatedCluster } from './create-cluster.js';
import { keepHistory } from './history.js';
import { MOVED_MARKER, movedError, readMovedMarker, type MovedMarker } from './moved.js';
import { KNOWN_CLUSTER_FILES, KNOWN_CLUSTER_PREFIXES, clusterPaths } from './layout.js';
import { isoSeconds, labelInstanceGroup, prepareNew } from './meta.js';
import { validateName } from './paths.js';
import { colonHex, sshPublicKeyFingerprint } from './ssh.js';
import { StateErrorCode, type StateStore, type StoredObject } from './types.js';

export interface Versioned<T> {
  readonly object: T;
  /** Pass back as `ifVersion` to replace or delete exactly this version. */
  readonly version: string;
  readonly path: string;
  /**
   * Set by an update that changed nothing: the object as it would be written equals the stored
   * one, so nothing was written, no history entry was kept, and `version` is the stored one.
   */
  readonly unchanged?: true;
}

export interface SSHPublicKeyEntry {
  /** The MD5 fingerprint, `aa:bb:...`. */
  readonly id: string;
  readonly publicKey: string;
  readonly path: string;
}

/**
 * A stored spec object as found, readable or not: a corrupt object still has a version, so it can
 * be replaced (`replace -f`, `rollback`) conditionally on exactly what is stored.
 */
export interface StoredSpec<T> {
  readonly name: string;
  readonly path: string;
  readonly version: string;
  /** The stored bytes. */
  readonly data: Uint8Array;
  /** The decoded object; absent when it cannot be read (then `problem` says why). */
  readonly object?: T;
  readonly problem?: KopsError;
}

export interface ClientsetOptions {
  /** Clock for timestamps, history stamps and the create lock (tests inject one). */
  readonly now?: () => Date;
}

export class Clientset {
  readonly store: StateStore;
  private readonly now: () => Date;

  constructor(store: StateStore, opts: ClientsetOptions = {}) {
    this.store = store;
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * Names of the clusters in the store (those with a `<name>/config`), sorted; a cluster moved to
   * another store by `migrate state` (a `<name>/moved` marker) is not listed.
   */
  async listClusters(): Promise<string[]> {
    const paths = await this.store.list('');
    const moved = new Set(clustersWith(paths, MOVED_MARKER));
    return clustersWith(paths, 'config').filter((name) => !moved.has(name));
  }

  /** Clusters moved away by `migrate state` (a `<name>/moved` marker), with where to, sorted. */
  async listMovedClusters(): Promise<{ name: string; marker: MovedMarker }[]> {
    const names = clustersWith(await this.store.list(''), MOVED_MARKER);
    const found = await Promise.all(names.map(async (name) => ({ name, marker: await readMovedMarker(this.store, name) })));
    return found.flatMap(({ name, marker }) => (marker ? [{ name, marker }] : []));
  }

  /**
   * The stored `config`, read with the `moved` marker beside it (one round trip): every command
   * opens its cluster here, so a cluster moved by `migrate state` is refused in this one place
   * (`ClusterMoved`, exit 2, naming the new store).
   */
  private async readConfig(name: string): Promise<StoredObject | undefined> {
    const path = clusterPaths.config(name);
    const [obj, moved] = await Promise.all([this.store.read(path), readMovedMarker(this.store, name)]);
    if (moved) throw movedError(this.store, name, moved);
    return obj;
  }

  async findCluster(name: string): Promise<Versioned<Cluster> | undefined> {
    const path = clusterPaths.config(name);
    const obj = await this.readConfig(name);
    if (!obj) return undefined;
    const cluster = decodeSpecObject<Cluster>(this.store.url, path, obj.data);
    if (!cluster.metadata.name) cluster.metadata.name = name;
    return { object: cluster, version: obj.version, path };
  }

  /** The stored `config` as found, even if it cannot be decoded; `undefined` when absent. */
  async inspectCluster(name: string): Promise<StoredSpec<Cluster> | undefined> {
    const path = clusterPaths.config(name);
    const obj = await this.readConfig(name);
    if (!obj) return undefined;
    return inspect<Cluster>(this.store.url, name, path, obj);
  }

  /** Every stored instance group of `cluster` as found, readable or not, sorted by name. */
  async inspectInstanceGroups(cluster: string): Promise<StoredSpec<InstanceGroup>[]> {
    const prefix = clusterPaths.instanceGroups(cluster);
    const names = (await this.store.list(prefix)).map((p) => p.slice(prefix.length)).filter((n) => !n.includes('/'));
    const found = await Promise.all(
      names.map(async (n) => {
        const path = clusterPaths.instanceGroup(cluster, n);
        const obj = await this.store.read(path);
        return obj ? inspect<InstanceGroup>(this.store.url, n, path, obj) : undefined;
      }),
    );
    return found.filter((f): f is StoredSpec<InstanceGroup> => f !== undefined);
  }

  /** The cluster, or `ClusterNotFound`. */
  async getCluster(name: string): Promise<Versioned<Cluster>> {
    const found = await this.findCluster(name);
    if (!found) throw this.clusterNotFound(name);
    return found;
  }

  /** Creates the cluster, its instance groups and SSH keys, all or nothing (see create-cluster.ts). */
  createCluster(cluster: Cluster, instanceGroups: readonly InstanceGroup[], opts: CreateClusterOptions = {}): Promise<CreatedCluster> {
    return createClusterState(this.store, this.now, cluster, instanceGroups, opts);
  }

  /** Replaces `config` if it is still at `ifVersion`; keeps the previous one in the history. */
  async updateCluster(cluster: Cluster, ifVersion: string): Promise<Versioned<Cluster>> {
    const name = cluster.metadata?.name ?? '';
    const path = clusterPaths.config(name);
    const current = await this.store.read(path);
    if (!current) throw this.clusterNotFound(name);
    const { next, old } = this.prepareUpdate(path, current, cluster, ifVersion);
    if (old && deepEqual(old, next)) return { object: next, version: current.version, path, unchanged: true };
    await keepHistory(this.store, name, 'config', current, this.now());
    const { version } = await this.store.write(path, encodeObject(next), { ifVersion });
    return { object: next, version, path };
  }

  /** The cluster's instance groups, sorted by name. */
  async listInstanceGroups(cluster: string): Promise<Versioned<InstanceGroup>[]> {
    const prefix = clusterPaths.instanceGroups(cluster);
    const names = (await this.store.list(prefix)).map((p) => p.slice(prefix.length)).filter((n) => !n.includes('/'));
    if (names.length === 0 && !(await this.readConfig(cluster))) throw this.clusterNotFound(cluster);
    const found = await Promise.all(names.map((n) => this.findInstanceGroup(cluster, n)));
    return found.filter((ig): ig is Versioned<InstanceGroup> => ig !== undefined);
  }

  async findInstanceGroup(cluster: string, name: string): Promise<Versioned<InstanceGroup> | undefined> {
    const path = clusterPaths.instanceGroup(cluster, name);
    const obj = await this.store.read(path);
    if (!obj) return undefined;
    const ig = decodeSpecObject<InstanceGroup>(this.store.url, path, obj.data);
    if (!ig.metadata.name) ig.metadata.name = name;
    return { object: ig, version: obj.version, path };
  }

  /** The instance group, or `InstanceGroupNotFound`. */
  async getInstanceGroup(cluster: string, name: string): Promise<Versioned<InstanceGroup>> {
    const found = await this.findInstanceGroup(cluster, name);
    if (!found) throw this.instanceGroupNotFound(cluster, name);
    return found;
  }

  async createInstanceGroup(cluster: string, ig: InstanceGroup): Promise<Versioned<InstanceGroup>> {
    const name = ig.metadata?.name ?? '';
    const path = clusterPaths.instanceGroup(cluster, name);
    if (!(await this.readConfig(cluster))) throw this.clusterNotFound(cluster);
    const next = prepareNew(ig, this.now(), cluster);
    try {
      const { version } = await this.store.write(path, encodeObject(next), { ifAbsent: true });
      return { object: next, version, path };
    } catch (e) {
      if (!KopsError.is(e, StateErrorCode.Conflict)) throw e;
      throw stateError('InstanceGroupExists', `instance group "${name}" already exists in cluster "${cluster}"`, {
        file: `${this.store.url}/${path}`,
        hint: `use 'kops-ts edit instancegroup ${name} --name ${cluster}' or 'kops-ts replace -f <file>' to change it`,
        cause: e,
      });
    }
  }

  /** Replaces an instance group if it is still at `ifVersion`; keeps the previous one in the history. */
  async updateInstanceGroup(cluster: string, ig: InstanceGroup, ifVersion: string): Promise<Versioned<InstanceGroup>> {
    const name = ig.metadata?.name ?? '';
    const path = clusterPaths.instanceGroup(cluster, name);
    const current = await this.store.read(path);
    if (!current) throw this.instanceGroupNotFound(cluster, name);
    const { next, old } = this.prepareUpdate(path, current, ig, ifVersion);
    labelInstanceGroup(next, cluster);
    if (old && deepEqual(old, next)) return { object: next, version: current.version, path, unchanged: true };
    await keepHistory(this.store, cluster, `instancegroup/${name}`, current, this.now());
    const { version } = await this.store.write(path, encodeObject(next), { ifVersion });
    return { object: next, version, path };
  }

  /** Deletes an instance group (only `ifVersion`, when given), keeping it in the history. */
  async deleteInstanceGroup(cluster: string, name: string, ifVersion?: string): Promise<void> {
    const path = clusterPaths.instanceGroup(cluster, name);
    const current = await this.store.read(path);
    if (!current) throw this.instanceGroupNotFound(cluster, name);
    if (ifVersion !== undefined && current.version !== ifVersion) throw conflictError(this.store.url, path, 'changed');
    await keepHistory(this.store, cluster, `instancegroup/${name}`, current, this.now());
    await this.store.delete(path, { ifVersion: current.version });
  }

  /** Stores an admin SSH public key; returns its id (kops's MD5 fingerprint, `aa:bb:...`). */
  async addSSHPublicKey(cluster: string, publicKey: string): Promise<string> {
    const id = sshPublicKeyFingerprint(publicKey);
    await this.store.write(clusterPaths.sshPublicKey(cluster, id), publicKey);
    return id;
  }

  async listSSHPublicKeys(cluster: string): Promise<SSHPublicKeyEntry[]> {
    const prefix = clusterPaths.sshPublicKeys(cluster);
    const paths = (await this.store.list(prefix)).filter((p) => !p.slice(prefix.length).includes('/'));
    const keys = await Promise.all(
      paths.map(async (path) => {
        const obj = await this.store.read(path);
        return obj ? { id: colonHex(path.slice(prefix.length)), publicKey: new TextDecoder().decode(obj.data), path } : undefined;
      }),
    );
    return keys.filter((k): k is SSHPublicKeyEntry => k !== undefined);
  }

  async deleteSSHPublicKey(cluster: string, id: string): Promise<void> {
    await this.store.delete(clusterPaths.sshPublicKey(cluster, id));
  }

  /** The completed spec written by the last successful apply, if any. */
  async readCompletedSpec(cluster: string): Promise<Versioned<Cluster> | undefined> {
    const path = clusterPaths.completedSpec(cluster);
    const obj = await this.store.read(path);
    return obj ? { object: decodeSpecObject<Cluster>(this.store.url, path, obj.data), version: obj.version, path } : undefined;
  }

  async writeCompletedSpec(cluster: string, completed: Cluster, ifVersion?: string): Promise<{ version: string; path: string }> {
    const path = clusterPaths.completedSpec(cluster);
    const { version } = await this.store.write(path, encodeObject(completed), ifVersion === undefined ? {} : { ifVersion });
    return { version, path };
  }

  /** The kops-ts version that last applied this cluster, if any. */
  async readKopsVersion(cluster: string): Promise<string | undefined> {
    const obj = await this.store.read(clusterPaths.kopsVersion(cluster));
    return obj ? new TextDecoder().decode(obj.data).trim() : undefined;
  }

  async writeKopsVersion(cluster: string, version: string): Promise<void> {
    await this.store.write(clusterPaths.kopsVersion(cluster), version);
  }

  /**
   * Deletes the cluster's state, `config` last (so an interrupted delete can be re-run). Like kops,
   * it refuses when objects it does not know are present, unless their prefixes are passed in
   * `extraPrefixes`. The lock is left to its holder to release. Returns the deleted paths.
   */
  async deleteClusterState(cluster: string, opts: { extraPrefixes?: readonly string[] } = {}): Promise<string[]> {
    validateName('cluster', cluster);
    const base = `${cluster}/`;
    const prefixes = [...KNOWN_CLUSTER_PREFIXES, ...(opts.extraPrefixes ?? [])];
    const all = (await this.store.list(base)).filter((p) => p !== clusterPaths.lock(cluster));
    const known = (rel: string) => KNOWN_CLUSTER_FILES.includes(rel) || prefixes.some((p) => rel.startsWith(p));
    const unknown = all.filter((p) => !known(p.slice(base.length)));
    if (unknown.length > 0) {
      throw stateError('UnknownClusterState', `refusing to delete the state of cluster "${cluster}": kops-ts does not know ${unknown.length} object(s): ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', ...' : ''}`, {
        file: this.store.url,
        hint: 'move or delete those objects yourself, then run the delete again',
      });
    }
    const config = clusterPaths.config(cluster);
    const rest = all.filter((p) => p !== config);
    await inBatches(rest, 8, (p) => this.store.delete(p));
    if (all.includes(config)) await this.store.delete(config);
    return all;
  }

  /**
   * A deep copy of `obj` for replacing `current` (generation bumped if the spec changed,
   * creationTimestamp kept), and the stored object decoded (absent when corrupt).
   */
  private prepareUpdate<T extends Cluster | InstanceGroup>(path: string, current: StoredObject, obj: T, ifVersion: string): { next: T; old?: T } {
    if (current.version !== ifVersion) throw conflictError(this.store.url, path, 'changed');
    const next = structuredClone(obj);
    let old: T | undefined;
    try {
      old = decodeObject<T>(this.store.url, path, current.data);
    } catch (e) {
      // A corrupt stored object may be replaced whole (the caller passed its exact version): its
      // generation is unknown, so the new one counts as a change of the caller's own.
      if (!KopsError.is(e, 'InvalidStateObject')) throw e;
    }
    const oldGen = old ? old.metadata.generation : next.metadata.generation;
    if (!old || !deepEqual(old.spec, next.spec)) next.metadata.generation = (oldGen ?? 0) + 1;
    else if (oldGen !== undefined) next.metadata.generation = oldGen;
    if (!next.metadata.creationTimestamp) {
      next.metadata.creationTimestamp = old?.metadata.creationTimestamp || isoSeconds(this.now());
    }
    return old ? { next, old } : { next };
  }

  private clusterNotFound(name: string): KopsError {
    return stateError('ClusterNotFound', `cluster "${name}" not found in ${this.store.url}`, {
      file: this.store.url,
      hint: "list the clusters in this store with 'kops-ts get clusters', or check --state / KOPS_STATE_STORE",
    });
  }

  private instanceGroupNotFound(cluster: string, name: string): KopsError {
    return stateError('InstanceGroupNotFound', `instance group "${name}" not found in cluster "${cluster}"`, {
      file: this.store.url,
      hint: `list them with 'kops-ts get instancegroups --name ${cluster}'`,
    });
  }
}

function inspect<T extends Cluster | InstanceGroup>(storeURL: string, name: string, path: string, obj: StoredObject): StoredSpec<T> {
  try {
    const object = decodeSpecObject<T>(storeURL, path, obj.data);
    if (!object.metadata.name) object.metadata.name = name;
    return { name, path, version: obj.version, data: obj.data, object };
  } catch (e) {
    if (!KopsError.is(e)) throw e;
    return { name, path, version: obj.version, data: obj.data, problem: e };
  }
}

async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** The clusters with the object `file` directly under `<cluster>/`, from a listing of the whole store. */
function clustersWith(paths: readonly string[], file: string): string[] {
  return paths.map((p) => p.split('/')).filter((s) => s.length === 2 && s[1] === file).map((s) => s[0]!);
}
