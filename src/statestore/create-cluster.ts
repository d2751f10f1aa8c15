/**
 * Creating a cluster's state, all or nothing, safe against a concurrent creator:
 *
 * 1. take the cluster lock (operation `create cluster`): a second creator gets `ClusterLocked`;
 * 2. check `config` is absent: if not, `ClusterExists`;
 * 3. write the instance groups and SSH keys with `ifAbsent`;
 * 4. write `config` last, with `ifAbsent`: the commit point (a cluster without `config` does not
 *    exist for `listClusters`/`getCluster`);
 * 5. release the lock.
 *
 * On any failure before the commit, every object this call wrote is deleted again (conditional on
 * the version it wrote) and the lock released, so the store is exactly as before.
 */
import type { Cluster, InstanceGroup } from '../model/api/types.js';
import { KopsError } from '../diagnostics.js';
import type { Versioned } from './clientset.js';
import { encodeObject } from './codec.js';
import { objectURL, stateError } from './errors.js';
import { clusterPaths } from './layout.js';
import { acquireClusterLock, forceUnlock, type AcquireLockOptions } from './lock.js';
import { prepareNew } from './meta.js';
import { validateName } from './paths.js';
import { sshPublicKeyFingerprint } from './ssh.js';
import { StateErrorCode, type StateStore } from './types.js';

export interface CreateClusterOptions {
  /** Admin SSH public keys (`authorized_keys` lines) stored under `pki/ssh/public/admin/`. */
  readonly sshPublicKeys?: readonly string[];
  /** Lock settings (TTL, holder); the operation is always `create cluster`. */
  readonly lock?: Omit<AcquireLockOptions, 'operation' | 'now'>;
  /** Break the lease with this id first (a crashed run's, e.g. an interrupted create). */
  readonly forceUnlock?: string;
}

export interface CreatedCluster {
  readonly cluster: Versioned<Cluster>;
  readonly instanceGroups: readonly Versioned<InstanceGroup>[];
  /** Ids (MD5 fingerprints) of the stored SSH keys. */
  readonly sshPublicKeyIds: readonly string[];
}

interface Written {
  readonly path: string;
  readonly version: string;
}

export async function createClusterState(
  store: StateStore,
  now: () => Date,
  cluster: Cluster,
  instanceGroups: readonly InstanceGroup[],
  opts: CreateClusterOptions = {},
): Promise<CreatedCluster> {
  const name = cluster.metadata?.name ?? '';
  validateName('cluster', name);
  const igs = instanceGroups.map((ig) => prepareNew(ig, now(), name));
  checkInstanceGroupNames(name, igs);
  // Fingerprint first: a bad key fails before anything is written.
  const keys = new Map(opts.sshPublicKeys?.map((k) => [sshPublicKeyFingerprint(k), k] as const) ?? []);
  const config = prepareNew(cluster, now());

  if (opts.forceUnlock) await forceUnlock(store, name, opts.forceUnlock);
  const lock = await acquireClusterLock(store, name, { ...opts.lock, operation: 'create cluster', now });
  const written: Written[] = [];
  const put = async (path: string, data: string): Promise<string> => {
    const { version } = await store.write(path, data, { ifAbsent: true });
    written.push({ path, version });
    return version;
  };
  try {
    if (await store.read(clusterPaths.config(name))) throw clusterExists(name);
    const storedIGs: Versioned<InstanceGroup>[] = [];
    for (const ig of igs) {
      const path = clusterPaths.instanceGroup(name, ig.metadata.name);
      storedIGs.push({ object: ig, version: await put(path, encodeObject(ig)).catch(leftover(store, name, path)), path });
    }
    for (const [id, key] of keys) {
      const path = clusterPaths.sshPublicKey(name, id);
      await put(path, key).catch(leftover(store, name, path));
    }
    const configPath = clusterPaths.config(name);
    const version = await put(configPath, encodeObject(config)).catch((e: unknown) => {
      throw KopsError.is(e, StateErrorCode.Conflict) ? clusterExists(name, e) : e;
    });
    await lock.release().catch(() => undefined); // committed; an unreleased lease just expires
    return { cluster: { object: config, version, path: configPath }, instanceGroups: storedIGs, sshPublicKeyIds: [...keys.keys()] };
  } catch (e) {
    const left = await rollback(store, written);
    await lock.release().catch(() => undefined);
    if (left.length === 0) throw e;
    throw stateError('CreateClusterIncomplete', `creating cluster "${name}" failed (${e instanceof Error ? e.message : String(e)}) and ${left.length} object(s) it wrote could not be removed: ${left.join(', ')}`, {
      file: store.url,
      hint: `remove them with 'kops-ts delete cluster ${name} --yes' before creating the cluster again`,
      cause: e,
    });
  }
}

/** Deletes what was written, newest first; returns the paths that could not be deleted. */
async function rollback(store: StateStore, written: readonly Written[]): Promise<string[]> {
  const left: string[] = [];
  for (const w of [...written].reverse()) {
    try {
      await store.delete(w.path, { ifVersion: w.version });
    } catch {
      left.push(w.path);
    }
  }
  return left;
}

function checkInstanceGroupNames(cluster: string, igs: readonly InstanceGroup[]): void {
  const seen = new Set<string>();
  for (const ig of igs) {
    validateName('instance group', ig.metadata.name);
    if (seen.has(ig.metadata.name)) {
      throw new KopsError('DuplicateInstanceGroup', `instance group "${ig.metadata.name}" is given twice for cluster "${cluster}"`, {
        hint: 'give each instance group a unique metadata.name',
      });
    }
    seen.add(ig.metadata.name);
  }
}

function clusterExists(name: string, cause?: unknown): KopsError {
  return new KopsError('ClusterExists', `cluster "${name}" already exists`, {
    hint: `use 'kops-ts update cluster --name ${name}' to apply changes, or 'kops-ts replace -f <file>' to replace the spec`,
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** An object of a cluster that has no `config` yet: left over from an earlier, interrupted run. */
function leftover(store: StateStore, cluster: string, path: string): (e: unknown) => never {
  return (e) => {
    if (!KopsError.is(e, StateErrorCode.Conflict)) throw e;
    throw stateError('ClusterStateExists', `${path} already exists although cluster "${cluster}" has no config: it is left from an earlier run`, {
      file: objectURL(store.url, path),
      hint: `remove the leftover state with 'kops-ts delete cluster ${cluster} --yes', then create the cluster again`,
      cause: e,
    });
  };
}
