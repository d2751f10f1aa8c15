/**
 * GCE as a `Cloud` (src/cloud/provider.ts): the Compute clients of the cluster's project and
 * region (`@google-cloud/compute`, imported when this module builds them: an AWS run never loads
 * it), pre-flight (project, region, zones), the model builders (src/model/gce) and task kinds
 * (src/tasks/gce), error classification, the run's endpoint health, what `delete cluster` finds
 * by label and how it orders and explains it (deletion.ts), the dump's sections (dump.ts), and
 * the rolling update's view of the instance groups (instance-groups.ts, for `rolling update`,
 * `get instances` and `validate cluster`).
 */
import type { Cluster } from '../../model/api/types.js';
import { buildGceTasks } from '../../model/gce/index.js';
import { gceTaskContext, type GceTaskContext } from '../../tasks/gce/context.js';
import { gceTaskRegistry } from '../../tasks/gce/registry.js';
import type { Cloud, CloudErrors, CloudOperation, CloudOptions, ModelInput, ModelledCloud, PreparedCloud, RunHealth } from '../provider.js';
import { builderInput } from '../model-input.js';
import { gceApiEndpoint } from './api-endpoint.js';
import { GCE_ENDPOINT_ENV, gceClients, type GceClients } from './clients.js';
import { lazyGceCloudProvider } from './instance-groups.js';
import { gceDeletion } from './deletion.js';
import { gceStateBucketPreflight } from './bucket-preflight.js';
import { gceDnsPreflight } from './dns-preflight.js';
import { gceDumpDetails } from './dump.js';
import { GceRunHealth, watched, watchedClients } from './endpoint.js';
import { gceErrorCode, isRetryableGceDeleteError, isRetryableGceError } from './errors.js';
import { gceLegacyServiceAccountPreflight, gceLocations, gcePreflight, regionOfGceCluster } from './preflight.js';

export const gceErrors: CloudErrors = {
  errorCode: gceErrorCode,
  isRetryable: (e) => isRetryableGceError(e),
  isRetryableDelete: (e) => isRetryableGceDeleteError(e),
};


/**
 * GCE for one command run on `cluster`. The clients are built here (async: the client library
 * is imported now), for the cluster's project and region.
 */
export async function gceCloud(cluster: Cluster, _operation: CloudOperation, opts: CloudOptions = {}): Promise<Cloud<GceTaskContext>> {
  const endpoint = opts.gce?.endpoint ?? process.env[GCE_ENDPOINT_ENV];
  const clientsFor = (c: Cluster): Promise<GceClients> => gceClients({ project: c.spec.project ?? '', region: regionOfGceCluster(c), ...(endpoint ? { endpoint } : {}) });
  const base = await clientsFor(cluster);
  // The run's clients serve every command on the same project and region.
  const clientsOf = (c: Cluster): Promise<GceClients> => (c.spec.project === base.project && regionOfGceCluster(c) === base.region ? Promise.resolve(base) : clientsFor(c));
  const context = (clients: GceClients, name: string): GceTaskContext => gceTaskContext(clients, name, opts.gce?.wait);
  const endpointUrl = endpoint ?? 'https://compute.googleapis.com';

  const model = (input: ModelInput): ModelledCloud<GceTaskContext> => {
    const c = input.completed.cluster;
    return { ctx: context(watchedClients(base), input.clusterName), registry: gceTaskRegistry(), tasks: buildGceTasks(builderInput(input, c, 'gs')), region: regionOfGceCluster(c) };
  };

  return {
    name: 'gce',
    errors: gceErrors,
    runHealth: () => new GceRunHealth(endpointUrl, opts.endpointHealth),
    async prepare(input: ModelInput, health: RunHealth): Promise<PreparedCloud<GceTaskContext>> {
      const c = input.completed.cluster;
      const watch = health instanceof GceRunHealth ? health : undefined;
      const raw = await clientsOf(c);
      const clients = watchedClients(raw, watch);
      const loc = await gceLocations(endpoint, (client, name) => watched(client, name, watch));
      try {
        await gcePreflight(loc, c, input.completed.instanceGroups);
        await gceLegacyServiceAccountPreflight(clients.iam, c);
      } finally {
        await loc.close();
      }
      const tasks = buildGceTasks(builderInput(input, c, 'gs'));
      const ctx = context(clients, input.clusterName);
      await gceDnsPreflight(ctx, tasks);
      await gceStateBucketPreflight(ctx, tasks);
      return { ctx, registry: gceTaskRegistry(), tasks, region: regionOfGceCluster(c), cluster: c, diagnostics: [] };
    },
    model,
    deletion: gceDeletion,
    dumpDetails: gceDumpDetails,
    // The roll's view: built on first use (a dry run that finds nothing to do builds nothing more).
    instanceGroups: (c: Cluster) => {
      return lazyGceCloudProvider(async () => watchedClients(await clientsOf(c)), opts.gce?.wait ? { wait: opts.gce.wait } : {});
    },
    async apiEndpoint(c: Cluster) {
      return gceApiEndpoint(watchedClients(await clientsOf(c)), c);
    },
  };
}
