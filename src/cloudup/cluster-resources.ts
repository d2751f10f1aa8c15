/**
 * What exists of a stored cluster, read as `update cluster` would plan it: the spec completed, the
 * hosted zone the last update recorded, the cloud's tasks built from them, and each task's
 * resource (plus owned orphans) found by the kinds' own find/findOrphans. Reads only. `delete
 * cluster` deletes what this finds; `toolbox dump` prints it. The cloud is the cluster's
 * (`loadProvider`); a cloud the command cannot handle is refused before any cloud client is made.
 */
import type { Cloud, CloudOperation, CloudOptions } from '../cloud/provider.js';
import { adminSSHKeys } from '../cloud/model-input.js';
import { loadProvider } from '../cloud/providers.js';
import { completeCluster, type CompletedCluster } from '../model/completion.js';
import type { Clientset } from '../statestore/clientset.js';
import { findAll, type FindOutcome } from '../tasks/plan-find.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { taskKey, type Task } from '../tasks/types.js';

export interface ModelledCluster<C> {
  readonly completed: CompletedCluster;
  readonly cloud: Cloud<C>;
  readonly ctx: C;
  readonly tasks: readonly Task[];
  readonly registry: TaskRegistry<C>;
  /** The cloud's location (AWS: the region). */
  readonly region: string;
  /** Task key → task. */
  readonly byKey: ReadonlyMap<string, Task>;
}

export interface StoredClusterOptions {
  readonly clientset: Clientset;
  readonly clusterName: string;
  /** AWS client settings beyond the region (timeouts; tests: endpoint, credentials, hooks). */
  readonly aws?: CloudOptions['aws'];
}

/**
 * The stored cluster completed and modelled as its cloud's tasks, handed to `fn` (which sees the
 * cloud's context type). `operation` words the refusal of a cloud it cannot handle.
 */
export async function withStoredCluster<R>(o: StoredClusterOptions, operation: CloudOperation, fn: <C>(m: ModelledCluster<C>) => Promise<R>): Promise<R> {
  const cs = o.clientset;
  const name = o.clusterName;
  const stored = (await cs.getCluster(name)).object;
  const igs = (await cs.listInstanceGroups(name)).map((v) => v.object);
  let completed = completeCluster(stored, igs);
  const loaded = await loadProvider(completed.cluster, operation, o.aws ? { aws: o.aws } : {});
  // The hosted zone the last update found (recorded by id), so the API record is found in it.
  const appliedZone = (await cs.readCompletedSpec(name))?.object.spec.dnsZone;
  if (!completed.cluster.spec.dnsZone && appliedZone) {
    completed = { ...completed, cluster: { ...completed.cluster, spec: { ...completed.cluster.spec, dnsZone: appliedZone } } };
  }
  // Every key, however many the store holds: deleting and dumping never refuse over them.
  const input = {
    clusterName: name,
    completed,
    sshPublicKeys: adminSSHKeys(await cs.listSSHPublicKeys(name)),
    stateStoreUrl: cs.store.url,
  };
  return loaded.use((cloud) => {
    const m = cloud.model(input);
    return fn({ completed, cloud, ctx: m.ctx, tasks: m.tasks, registry: m.registry, region: m.region, byKey: new Map(m.tasks.map((t) => [taskKey(t.kind, t.name), t])) });
  });
}

/** Each task's resource and the owned orphans, found by the kinds themselves (every kind in Sync). */
export function findModelled<C>(m: ModelledCluster<C>): Promise<FindOutcome> {
  return findAll(m.ctx, m.registry, m.tasks, {
    events: () => undefined,
    deletions: true,
    lifecycleOf: () => 'Sync',
    kindLifecycle: () => 'Sync',
    errorCode: m.cloud.errors.errorCode,
  });
}
