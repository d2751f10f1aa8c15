/**
 * `loadProvider`: the cluster's cloud, chosen by `spec.cloudProvider`. Each cloud's module is
 * loaded by a dynamic `import()` when first used, so a command on an AWS cluster never loads the
 * GCE client libraries, and one on a GCE cluster loads no AWS SDK client beyond what its state
 * store needs. A cloud a command cannot handle is refused with `UnsupportedCloud` (exit 2).
 */
import { cloudProviderOf, type Cluster } from '../model/api/types.js';
import type { Cloud, CloudOperation, CloudOptions, LoadedCloud } from './provider.js';
import { unsupportedCloud } from './unsupported.js';

function loaded<C>(cloud: Cloud<C>): LoadedCloud {
  return { name: cloud.name, use: (fn) => fn(cloud) };
}

/** The cluster's cloud for `operation`, with the caller's per-cloud options. */
export async function loadProvider(cluster: Cluster, operation: CloudOperation, opts: CloudOptions = {}): Promise<LoadedCloud> {
  const cloud = cloudProviderOf(cluster.spec);
  switch (cloud) {
    case 'aws': {
      const { awsCloud } = await import('./aws/provider.js');
      return loaded(awsCloud(opts));
    }
    case 'gce': {
      const { gceCloud } = await import('./gce/provider.js');
      return loaded(await gceCloud(cluster, operation, opts));
    }
    default:
      throw unsupportedCloud(operation, cluster.metadata.name, cloud);
  }
}
