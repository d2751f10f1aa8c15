/** Rules shared by the Cluster and its instance groups: rolling-update settings and cloud labels. */
import type { RollingUpdate } from './api/types.js';
import { intOrPercentProblem, isZero, type Reporter } from './validation-util.js';

/**
 * kops's validateRollingUpdate: maxSurge and maxUnavailable are whole numbers >= 0 or percentages,
 * not both zero (nothing would ever be replaced), and control planes never surge (a surged control
 * plane would be an extra etcd member).
 */
export function checkRollingUpdate(r: Reporter, path: string, ru: RollingUpdate | undefined | null, controlPlane: boolean): void {
  if (ru == null) return;
  for (const field of ['maxSurge', 'maxUnavailable'] as const) {
    const problem = intOrPercentProblem(ru[field]);
    if (problem) r.err('InvalidRollingUpdate', `${path}.${field}`, problem, 'use e.g. 1 or "25%"');
  }
  if (ru.maxSurge != null && controlPlane && !isZero(ru.maxSurge)) {
    r.err('InvalidRollingUpdate', `${path}.maxSurge`, 'control-plane instance groups cannot surge', 'set maxSurge: 0 (control planes are replaced one at a time)');
  }
  if (ru.maxSurge != null && isZero(ru.maxSurge) && (ru.maxUnavailable == null ? false : isZero(ru.maxUnavailable))) {
    r.err('InvalidRollingUpdate', `${path}.maxSurge`, 'maxSurge and maxUnavailable cannot both be zero', 'allow a surge or an unavailable instance');
  }
}

const RESERVED_KEYS = ['Name', 'KubernetesCluster'];
const RESERVED_PREFIXES = ['kubernetes.io/cluster/', 'k8s.io/role/', 'kops.k8s.io/'];

/**
 * kops's cloud-label rules: the tags kops-ts uses to find what the cluster owns cannot be set by
 * hand (an instance group may only set its own `kops.k8s.io/instancegroup`).
 */
export function checkCloudLabels(r: Reporter, path: string, labels: Record<string, string> | undefined | null, igName?: string): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (igName !== undefined && key === 'kops.k8s.io/instancegroup') {
      if (value !== igName) r.err('ReservedCloudLabel', `${path}["${key}"]`, `must be the instance group's name ${igName}`, 'remove it, or set it to the group name');
      continue;
    }
    const prefix = RESERVED_PREFIXES.find((p) => key.startsWith(p));
    if (RESERVED_KEYS.includes(key) || prefix) {
      r.err('ReservedCloudLabel', `${path}["${key}"]`, `${prefix ? `the prefix ${prefix}` : key} is reserved for kops's own tags`, 'use another key');
    }
  }
}
