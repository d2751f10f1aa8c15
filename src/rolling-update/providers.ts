/**
 * The cloud a rolling update works against, chosen by the cluster's `spec.cloudProvider`
 * (`loadProvider`, src/cloud/providers.ts: each cloud's module is loaded only when used), so the
 * policy never depends on a cloud SDK. `get instances`, `toolbox dump` and `validate cluster` read
 * the instance groups through it too.
 */
import type { CloudOperation, CloudOptions } from '../cloud/provider.js';
import { loadProvider } from '../cloud/providers.js';
import type { Cluster } from '../model/api/types.js';
import type { CloudProvider } from './types.js';

export interface OpenCloudProviderOptions extends Pick<CloudOptions, 'aws' | 'awsProvider' | 'gce'> {
  /** The command asking, which words the refusal of a cloud it cannot drive (default: the rolling update). */
  readonly operation?: CloudOperation;
}

/** The cluster's cloud as a `CloudProvider`; a clear error for a cloud kops-ts does not build. */
export async function openCloudProvider(cluster: Cluster, opts: OpenCloudProviderOptions = {}): Promise<CloudProvider> {
  const { operation = 'rolling update', ...options } = opts;
  const cloud = await loadProvider(cluster, operation, options);
  return cloud.use((c) => c.instanceGroups(cluster));
}
