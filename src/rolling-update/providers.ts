/**
 * The cloud a rolling update works against, chosen by the cluster's `spec.cloudProvider`. Each
 * cloud's module is loaded only when used (a dynamic import), so the policy never depends on a
 * cloud SDK and GCE plugs in here without touching it.
 */
import type { AwsClientOptions } from '../cloud/aws/clients.js';
import type { AwsCloudProviderOptions } from '../cloud/aws/instance-groups.js';
import { KopsError } from '../diagnostics.js';
import { cloudProviderOf, type Cluster } from '../model/api/types.js';
import type { CloudProvider } from './types.js';

export interface OpenCloudProviderOptions {
  /**
   * AWS client settings beyond the region, as `update cluster` takes them (timeouts; tests:
   * endpoint, credentials, hooks). The region is the cluster's (its subnets' zones).
   */
  readonly aws?: Omit<AwsClientOptions, 'region'>;
  /** Deregistration polling and bound (tests shorten them). */
  readonly awsProvider?: AwsCloudProviderOptions;
}

/** The cluster's cloud as a `CloudProvider`; a clear error for a cloud the roll cannot drive yet. */
export async function openCloudProvider(cluster: Cluster, opts: OpenCloudProviderOptions = {}): Promise<CloudProvider> {
  const cloud = cloudProviderOf(cluster.spec);
  if (cloud === 'aws') {
    const [{ AwsClients }, { AwsCloudProvider }, { regionOfCluster }] = await Promise.all([
      import('../cloud/aws/clients.js'),
      import('../cloud/aws/instance-groups.js'),
      import('../cloudup/aws/regions.js'),
    ]);
    const clients = new AwsClients({ region: regionOfCluster(cluster), ...(opts.aws ?? {}) });
    return new AwsCloudProvider(clients, opts.awsProvider);
  }
  const name = cluster.metadata.name;
  if (cloud === 'gce') {
    throw new KopsError('UnsupportedCloud', `rolling update drives AWS clusters only; ${name} is on GCE`, {
      hint: 'GCE instance groups are not supported by the rolling update yet; replace its instances with the GCE console or gcloud',
      exitCode: 2,
    });
  }
  throw new KopsError('UnsupportedCloud', `rolling update drives AWS clusters only; ${name} has spec.cloudProvider ${cloud === undefined ? 'unset' : JSON.stringify(cloud)}`, {
    hint: 'set spec.cloudProvider to aws (kops-ts edit cluster), or replace the instances with the cloud\'s own tools',
    exitCode: 2,
  });
}
