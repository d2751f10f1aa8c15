/**
 * Object metadata the clientset maintains, as kops does: `creationTimestamp` on create, the
 * `kops.k8s.io/cluster` label on instance groups.
 */
import { LABEL_CLUSTER_NAME, type Cluster, type InstanceGroup, type ObjectMeta } from '../model/api/types.js';

/** A deep copy of a new object with `creationTimestamp` set if missing (and, for an IG, its label). */
export function prepareNew<T extends Cluster | InstanceGroup>(obj: T, now: Date, labelCluster?: string): T {
  const next = structuredClone(obj);
  next.metadata ??= { name: '' } as ObjectMeta;
  if (!next.metadata.creationTimestamp) next.metadata.creationTimestamp = isoSeconds(now);
  if (labelCluster !== undefined) labelInstanceGroup(next as InstanceGroup, labelCluster);
  return next;
}

/** Sets `kops.k8s.io/cluster: <cluster>`, keeping the labels' order. */
export function labelInstanceGroup(ig: InstanceGroup, cluster: string): void {
  ig.metadata.labels = { ...(ig.metadata.labels ?? {}), [LABEL_CLUSTER_NAME]: cluster };
}

/** RFC 3339 in whole seconds, like Kubernetes' metav1.Time. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
