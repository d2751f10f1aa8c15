/**
 * Completion: the user's spec plus kops's defaults, as new objects. The user's spec is never
 * changed (the completed one is what `update cluster` acts on and keeps apart, as
 * `cluster-completed.spec`). Like kops's options loader, the defaulting passes run until nothing
 * changes, so completing a completed spec changes nothing.
 *
 * Completion never fails: what it cannot fill (a subnet CIDR that does not fit, an unknown cloud)
 * is left unset and `validateCluster` reports it.
 */
import { DEFAULT_KUBERNETES_VERSION } from '../version.js';
import { completeEtcd, defaultEtcdClusters, memberNames } from './completion-etcd.js';
import { completeInstanceGroup } from './completion-instancegroups.js';
import { assignSubnetCIDRs, completeNetwork, completeTopologyAndAPI } from './completion-network.js';
import { DEFAULT_CHANNEL } from './defaults.js';
import { normalizeKubernetesVersion } from './kubernetes-version.js';
import { completeGceNetwork } from './completion-gce.js';
import { completeClusterAutoscaler } from './cluster-autoscaler.js';
import { cloudProviderOf, type Cluster, type InstanceGroup } from './api/types.js';

export { assignSubnetCIDRs, defaultEtcdClusters, memberNames };

export interface CompletedCluster {
  readonly cluster: Cluster;
  readonly instanceGroups: InstanceGroup[];
}

/** kops's options loader stops after 10 rounds too (upup/pkg/fi/loader/options_loader.go). */
const MAX_ROUNDS = 10;

export function completeCluster(cluster: Cluster, instanceGroups: readonly InstanceGroup[]): CompletedCluster {
  const c = structuredClone(cluster);
  const igs = instanceGroups.map((ig) => structuredClone(ig));
  let before = JSON.stringify([c, igs]);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    completeOnce(c, igs);
    const after = JSON.stringify([c, igs]);
    if (after === before) break;
    before = after;
  }
  return { cluster: c, instanceGroups: igs };
}

/** One defaulting pass over everything, in dependency order. */
function completeOnce(c: Cluster, igs: InstanceGroup[]): void {
  const spec = c.spec;
  if (spec == null) return; // not a cluster: validation says so
  const cloud = cloudProviderOf(spec);
  spec.channel ??= DEFAULT_CHANNEL;
  spec.kubernetesVersion = normalizeKubernetesVersion(spec.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION);
  // GCE ranges first: IP alias sets the pod, service and non-masquerade ranges kops gives it.
  if (cloud === 'gce') completeGceNetwork(spec, igs);
  completeNetwork(spec, cloud);
  completeTopologyAndAPI(spec, c.metadata?.name ?? '', igs, cloud);
  if (spec.authorization == null || (spec.authorization.rbac == null && spec.authorization.alwaysAllow == null)) {
    spec.authorization = { rbac: {} };
  }
  spec.iam ??= {};
  spec.iam.legacy ??= false;
  completeEtcd(spec, igs, cloud);
  completeClusterAutoscaler(spec);
  for (const ig of igs) if (ig.spec != null) completeInstanceGroup(ig, spec, cloud);
}
