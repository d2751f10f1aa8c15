/**
 * The model builders' input, the same shape for every cloud: the completed cluster, the selected
 * groups, the admin SSH key, and the state store when it is the cloud's own (`s3://` on AWS,
 * `gs://` on GCE), whose bucket and prefix the instances are given to read.
 */
import type { Cluster } from '../model/api/types.js';
import { parseStateStoreURL } from '../statestore/open.js';
import type { ModelInput } from './provider.js';

export function builderInput(input: ModelInput, cluster: Cluster, ownStore: 's3' | 'gs') {
  const store = parseStateStoreURL(input.stateStoreUrl);
  return {
    cluster,
    instanceGroups: input.completed.instanceGroups,
    ...(input.selectedInstanceGroups ? { selectedInstanceGroups: input.selectedInstanceGroups } : {}),
    ...(input.sshPublicKey ? { sshPublicKey: input.sshPublicKey } : {}),
    ...(input.nodeKubernetesVersion !== undefined ? { nodeKubernetesVersion: input.nodeKubernetesVersion } : {}),
    ...(store.scheme === ownStore ? { stateStore: { bucket: store.bucket, prefix: store.prefix } } : {}),
  };
}

/** The string entries of an object field of what a kind found (AWS `tags`, GCE `labels`). */
export function stringFieldsOf(actual: unknown, field: 'tags' | 'labels'): Record<string, string> | undefined {
  const t = (actual as Record<string, unknown> | null)?.[field];
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(t)) if (typeof v === 'string') out[k] = v;
  return out;
}
