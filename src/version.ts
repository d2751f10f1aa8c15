/** The kops-ts version, and the versions it defaults to. */

export const KOPS_TS_VERSION = '0.1.0';

/**
 * The Kubernetes version new clusters get: what kops's stable channel recommends today for
 * >= 1.36 (channels/stable `kubernetesVersions`: recommendedVersion 1.36.3).
 */
export const DEFAULT_KUBERNETES_VERSION = '1.36.3';

/** Oldest Kubernetes version kops-ts accepts (kops's OldestSupportedKubernetesVersion). */
export const OLDEST_SUPPORTED_KUBERNETES_VERSION = '1.32.0';

/** Newest minor kops-ts knows how to run (kops refuses versions past its own next minor). */
export const NEWEST_SUPPORTED_KUBERNETES_MINOR = '1.37';
