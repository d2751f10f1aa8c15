/**
 * The state half of `delete cluster`: the cluster's objects at the paths kops-ts knows
 * (`src/statestore/layout.ts`), `config` last so that an interrupted delete still reads as a
 * cluster. Unknown objects under `<cluster>/` are reported and left, not deleted (a user's
 * backup, another tool's files); the lock is the caller's and is released by it.
 */
import { clusterPaths, KNOWN_CLUSTER_FILES, KNOWN_CLUSTER_PREFIXES } from '../statestore/layout.js';
import type { StateStore } from '../statestore/types.js';

export interface DeleteStateResult {
  readonly deleted: readonly string[];
  /** Objects under `<cluster>/` that kops-ts does not know: left in place. */
  readonly unknown: readonly string[];
}

export function isKnownClusterPath(cluster: string, path: string): boolean {
  const base = `${cluster}/`;
  if (!path.startsWith(base)) return false;
  const rel = path.slice(base.length);
  return KNOWN_CLUSTER_FILES.includes(rel) || KNOWN_CLUSTER_PREFIXES.some((p) => rel.startsWith(p));
}

export async function deleteKnownClusterState(store: StateStore, cluster: string): Promise<DeleteStateResult> {
  const lock = clusterPaths.lock(cluster);
  const config = clusterPaths.config(cluster);
  const all = (await store.list(`${cluster}/`)).filter((p) => p !== lock);
  const known = all.filter((p) => isKnownClusterPath(cluster, p));
  const unknown = all.filter((p) => !isKnownClusterPath(cluster, p));
  const rest = known.filter((p) => p !== config);
  for (let i = 0; i < rest.length; i += 8) await Promise.all(rest.slice(i, i + 8).map((p) => store.delete(p)));
  if (known.includes(config)) await store.delete(config);
  return { deleted: known, unknown };
}
