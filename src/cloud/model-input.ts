/**
 * The model builders' input, the same shape for every cloud: the completed cluster, the selected
 * groups, the admin SSH keys, and the state store when it is the cloud's own (`s3://` on AWS,
 * `gs://` on GCE), whose bucket and prefix the instances are given to read.
 */
import type { Cluster } from '../model/api/types.js';
import { parseStateStoreURL } from '../statestore/open.js';
import { sshPublicKeyFingerprint } from '../statestore/ssh.js';
import type { AdminSSHKey, ModelInput } from './provider.js';

/** The store's admin keys as the model takes them: with their fingerprints, sorted by them (a stable plan). */
export function adminSSHKeys(stored: readonly { readonly publicKey: string }[]): AdminSSHKey[] {
  return stored
    .map((k) => ({ key: k.publicKey, fingerprint: sshPublicKeyFingerprint(k.publicKey) }))
    .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
}

export function builderInput(input: ModelInput, cluster: Cluster, ownStore: 's3' | 'gs') {
  const store = parseStateStoreURL(input.stateStoreUrl);
  return {
    cluster,
    instanceGroups: input.completed.instanceGroups,
    ...(input.selectedInstanceGroups ? { selectedInstanceGroups: input.selectedInstanceGroups } : {}),
    sshPublicKeys: input.sshPublicKeys,
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
