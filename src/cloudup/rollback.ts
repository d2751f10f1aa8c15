/**
 * Rolling a spec back to a version kept in its history (`kops-ts rollback cluster|instancegroup`):
 * the kept bytes are read, checked field by field, and the whole cluster validated with them, and
 * only then written as a new version, conditional on the version stored now (even when that one is
 * corrupt: a rollback is how it is repaired). History is never rewritten: the version replaced is
 * itself kept, so a rollback can be rolled back. A kept version equal to the stored one is not
 * written (`unchanged`): a rollback that changes nothing adds no version.
 */
import { KopsError, hasErrors, type Diagnostic } from '../diagnostics.js';
import { KIND_CLUSTER, KIND_INSTANCE_GROUP, type Cluster, type InstanceGroup, type KopsObject } from '../model/api/types.js';
import type { Clientset, StoredSpec } from '../statestore/clientset.js';
import { decodeObject } from '../statestore/codec.js';
import { objectURL } from '../statestore/errors.js';
import { readHistory, type HistoryObject } from '../statestore/history.js';
import { checkSpec, invalidSpec } from './create-cluster.js';

export interface RollbackResult {
  /** `Cluster/<name>` or `InstanceGroup/<name>`. */
  readonly object: string;
  /** The history version restored. */
  readonly restored: string;
  /** The new stored version. */
  readonly version: string;
  readonly generation?: number;
  /** The kept version equals the stored one: nothing was written, no history entry, `version` is the stored one. */
  readonly unchanged?: true;
  readonly warnings: Diagnostic[];
}

/** Restores `config` of `cluster` to the kept version `stamp`. */
export async function rollbackCluster(cs: Clientset, cluster: string, stamp: string): Promise<RollbackResult> {
  // A cluster that does not exist is named as such first: its history went with it (delete cluster).
  const current = await cs.inspectCluster(cluster);
  if (!current) await cs.getCluster(cluster); // ClusterNotFound, with its hint
  const restored = await keptObject<Cluster>(cs, cluster, 'config', stamp, KIND_CLUSTER, cluster);
  const igs = readable(await cs.inspectInstanceGroups(cluster));
  const warnings = validated(restored.object, igs, restored.file);
  const written = await cs.updateCluster(restored.object, current!.version);
  return { object: `Cluster/${cluster}`, restored: stamp, version: written.version, ...gen(written.object), ...(written.unchanged ? { unchanged: true } : {}), warnings };
}

/**
 * Restores instance group `name` of `cluster` to the kept version `stamp`; an instance group that
 * was deleted since is created again.
 */
export async function rollbackInstanceGroup(cs: Clientset, cluster: string, name: string, stamp: string): Promise<RollbackResult> {
  const config = (await cs.getCluster(cluster)).object;
  const restored = await keptObject<InstanceGroup>(cs, cluster, `instancegroup/${name}`, stamp, KIND_INSTANCE_GROUP, name);
  const all = await cs.inspectInstanceGroups(cluster);
  const current = all.find((s) => s.name === name);
  const others = readable(all.filter((s) => s.name !== name));
  const warnings = validated(config, [...others, restored.object], restored.file);
  const written = current ? await cs.updateInstanceGroup(cluster, restored.object, current.version) : await cs.createInstanceGroup(cluster, restored.object);
  return { object: `InstanceGroup/${name}`, restored: stamp, version: written.version, ...gen(written.object), ...(written.unchanged ? { unchanged: true } : {}), warnings };
}

async function keptObject<T extends KopsObject>(
  cs: Clientset,
  cluster: string,
  object: HistoryObject,
  stamp: string,
  kind: string,
  name: string,
): Promise<{ object: T; file: string }> {
  const kept = await readHistory(cs.store, cluster, object, stamp);
  const path = `${cluster}/history/${object}/${stamp}`;
  const file = objectURL(cs.store.url, path);
  const ig = object.slice('instancegroup/'.length);
  const listing = object === 'config' ? `kops-ts get cluster ${cluster} --history` : `kops-ts get instancegroup ${ig} --name ${cluster} --history`;
  if (!kept) {
    throw new KopsError('HistoryVersionNotFound', `${object} of cluster "${cluster}" has no kept version ${stamp}`, {
      hint: `list the kept versions with '${listing}'`,
      exitCode: 2,
    });
  }
  let value: T;
  try {
    value = decodeObject<T>(cs.store.url, path, kept.data);
  } catch (e) {
    throw new KopsError('InvalidHistoryVersion', `version ${stamp} of ${object} of cluster "${cluster}" cannot be read either (${file})`, {
      hint: `pick another version from '${listing}'`,
      cause: e,
    });
  }
  if (value.kind !== kind || value.metadata.name !== name) {
    throw new KopsError('InvalidHistoryVersion', `version ${stamp} (${file}) is ${String(value.kind)}/${String(value.metadata.name)}, not ${kind}/${name}`, {
      hint: `pick another version from '${listing}'`,
    });
  }
  return { object: value, file };
}

/** The decoded objects; an unreadable one stops the rollback (the cluster could not be validated). */
function readable<T>(specs: readonly StoredSpec<T>[]): T[] {
  const broken = specs.find((s) => !s.object);
  if (broken?.problem) throw broken.problem;
  return specs.map((s) => s.object!);
}

/** Field checks and whole-cluster validation; the warnings when it passes, `InvalidSpec` (exit 2) when not. */
function validated(cluster: Cluster, igs: readonly InstanceGroup[], file: string): Diagnostic[] {
  const diags = checkSpec(cluster, igs, file, { schema: true });
  if (hasErrors(diags)) throw invalidSpec(diags);
  return diags;
}

function gen(o: KopsObject): { generation?: number } {
  return typeof o.metadata.generation === 'number' ? { generation: o.metadata.generation } : {};
}
