/**
 * What exists of a stored cluster, read as `update cluster` would plan it: the spec completed, the
 * hosted zone the last update recorded, the AWS tasks built from them, and each task's resource
 * (plus owned orphans) found by the kinds' own find/findOrphans. Reads only. `delete cluster`
 * deletes what this finds; `toolbox dump` prints it.
 */
import { AwsClients, type AwsClientOptions } from '../cloud/aws/clients.js';
import { awsErrorCode } from '../cloud/aws/errors.js';
import { buildAwsTasks } from '../model/aws/index.js';
import type { Cluster } from '../model/api/types.js';
import { completeCluster, type CompletedCluster } from '../model/completion.js';
import type { Clientset } from '../statestore/clientset.js';
import { parseStateStoreURL } from '../statestore/open.js';
import { sshPublicKeyFingerprint } from '../statestore/ssh.js';
import { newMemo, type AwsTaskContext } from '../tasks/aws/context.js';
import { awsTaskRegistry } from '../tasks/aws/registry.js';
import { findAll, type FindOutcome } from '../tasks/plan-find.js';
import { taskKey, type Task } from '../tasks/types.js';
import { regionOfCluster } from './aws/regions.js';

export interface ModelledCluster {
  readonly completed: CompletedCluster;
  readonly ctx: AwsTaskContext;
  readonly tasks: readonly Task[];
  readonly registry: ReturnType<typeof awsTaskRegistry>;
  /** Task key → task. */
  readonly byKey: ReadonlyMap<string, Task>;
}

/**
 * The stored cluster completed and modelled as AWS tasks. `requireCloud` refuses a cluster the
 * caller cannot handle (each command words its own refusal) before any cloud client is made.
 */
export async function modelStoredCluster(
  o: { readonly clientset: Clientset; readonly clusterName: string; readonly aws?: Omit<AwsClientOptions, 'region'> },
  requireCloud: (cluster: Cluster) => void,
): Promise<ModelledCluster> {
  const cs = o.clientset;
  const name = o.clusterName;
  const stored = (await cs.getCluster(name)).object;
  const igs = (await cs.listInstanceGroups(name)).map((v) => v.object);
  let completed = completeCluster(stored, igs);
  requireCloud(completed.cluster);
  // The hosted zone the last update found (recorded by id), so the API record is found in it.
  const appliedZone = (await cs.readCompletedSpec(name))?.object.spec.dnsZone;
  if (!completed.cluster.spec.dnsZone && appliedZone) {
    completed = { ...completed, cluster: { ...completed.cluster, spec: { ...completed.cluster.spec, dnsZone: appliedZone } } };
  }
  const region = regionOfCluster(completed.cluster);
  const ctx: AwsTaskContext = { clients: new AwsClients({ region, ...(o.aws ?? {}) }), clusterName: name, region, once: newMemo() };
  const key = (await cs.listSSHPublicKeys(name))[0];
  const store = parseStateStoreURL(cs.store.url);
  const tasks = buildAwsTasks({
    cluster: completed.cluster,
    instanceGroups: completed.instanceGroups,
    ...(key ? { sshPublicKey: { key: key.publicKey, fingerprint: sshPublicKeyFingerprint(key.publicKey) } } : {}),
    ...(store.scheme === 's3' ? { stateStore: { bucket: store.bucket, prefix: store.prefix } } : {}),
  });
  return { completed, ctx, tasks, registry: awsTaskRegistry(), byKey: new Map(tasks.map((t) => [taskKey(t.kind, t.name), t])) };
}

/** Each task's resource and the owned orphans, found by the kinds themselves (every kind in Sync). */
export function findModelled(m: ModelledCluster): Promise<FindOutcome> {
  return findAll(m.ctx, m.registry, m.tasks, {
    events: () => undefined,
    deletions: true,
    lifecycleOf: () => 'Sync',
    kindLifecycle: () => 'Sync',
    errorCode: awsErrorCode,
  });
}
