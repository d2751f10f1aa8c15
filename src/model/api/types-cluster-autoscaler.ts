/**
 * kops's `spec.clusterAutoscaler` (pkg/apis/kops/v1alpha2 `ClusterAutoscalerConfig`), with kops's
 * field names. Completion fills kops's defaults when `enabled` (src/model/cluster-autoscaler.ts);
 * the addon is rendered by src/bootstrap/cluster-autoscaler.ts (docs/spec.md, "Cluster autoscaler").
 */
export interface ClusterAutoscalerSpec {
  /** Runs the cluster autoscaler on the control planes. Default false. */
  enabled?: boolean;
  /** `least-waste`, `most-pods`, `random`, `priority` (`price` is GCE's, refused). Default `random` (kops). */
  expander?: string;
  balanceSimilarNodeGroups?: boolean;
  emitPerNodegroupMetrics?: boolean;
  awsUseStaticInstanceList?: boolean;
  ignoreDaemonSetsUtilization?: boolean;
  /** A decimal in [0, 1], a string in kops (`"0.5"`); a YAML number is accepted too. */
  scaleDownUtilizationThreshold?: string | number;
  skipNodesWithCustomControllerPods?: boolean;
  skipNodesWithSystemPods?: boolean;
  skipNodesWithLocalStorage?: boolean;
  /** Go durations. */
  newPodScaleUpDelay?: string;
  scaleDownDelayAfterAdd?: string;
  scaleDownUnneededTime?: string;
  scaleDownUnreadyTime?: string;
  maxNodeProvisionTime?: string;
  /** Default true (the flag's value when unset, as kops's template). */
  cordonNodeBeforeTerminating?: boolean;
  /** Default: the image kops picks for the cluster's Kubernetes minor. */
  image?: string;
  /** Kubernetes quantities; defaults 300Mi and 100m. */
  memoryRequest?: string | number;
  cpuRequest?: string | number;
  podAnnotations?: Record<string, string>;
  /** With `expander: priority`: kops-ts writes the priority expander's ConfigMap. Default true. */
  createPriorityExpanderConfig?: boolean;
  /** The ConfigMap's priorities, replacing the ones derived from the groups' `autoscalePriority`. */
  customPriorityExpanderConfig?: Record<string, string[]>;
}
