/**
 * What every GCE task kind gets: the Compute clients, the project and region, the cluster's name
 * and safe name (dots as dashes: the value of the `k8s-io-cluster-name` label and the suffix of
 * the cluster's resource names), and a per-run memo so that kinds sharing a listing make one call.
 */
import type { GceClients } from '../../cloud/gce/clients.js';
import type { WaitOptions } from '../../cloud/gce/operations.js';
import { newMemo, type Memo } from '../aws/context.js';
import { truncateName } from '../aws/truncate.js';

export { newMemo, type Memo };

export interface GceTaskContext {
  readonly clients: GceClients;
  readonly project: string;
  /** The cluster's region (`us-central1`); zonal resources carry their zone in their desired state. */
  readonly region: string;
  readonly clusterName: string;
  /** `minimal.example.com` → `minimal-example-com`. */
  readonly safeClusterName: string;
  /** See `Memo`: create a new one for every plan. */
  readonly once: Memo;
  /** How operations are awaited (tests shorten the backoff). */
  readonly wait?: WaitOptions;
}

/** kops's `gce.SafeClusterName`: dots become dashes. */
export function safeClusterName(clusterName: string): string {
  return clusterName.replace(/\./g, '-');
}

/**
 * The value of the cluster's `k8s-io-cluster-name` label: the safe name, cut with a hash past 63
 * characters (a GCE label value's limit). The model labels with it (src/model/gce/labels.ts) and
 * the kinds find by it.
 */
export function gceClusterLabel(clusterName: string): string {
  return truncateName(safeClusterName(clusterName), 63);
}

export function gceTaskContext(clients: GceClients, clusterName: string, wait?: WaitOptions): GceTaskContext {
  return {
    clients,
    project: clients.project,
    region: clients.region,
    clusterName,
    safeClusterName: safeClusterName(clusterName),
    once: newMemo(),
    ...(wait ? { wait } : {}),
  };
}
