/**
 * GCE as a `Cloud` (src/cloud/provider.ts): not built yet. The GCE task kinds (src/tasks/gce) and
 * model builders (src/model/gce) are written alongside; until they are wired in here, every
 * command refuses a GCE cluster with `UnsupportedCloud` (exit 2), before any cloud call.
 */
import type { Cluster } from '../../model/api/types.js';
import type { Cloud, CloudOperation, CloudOptions } from '../provider.js';
import { unsupportedCloud } from '../unsupported.js';

export function gceCloud(cluster: Cluster, operation: CloudOperation, _opts: CloudOptions = {}): Cloud<never> {
  throw unsupportedCloud(operation, cluster.metadata.name, 'gce');
}
