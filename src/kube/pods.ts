/**
 * Which pods a drain evicts, as `kubectl drain --ignore-daemonsets --force` decides: mirror
 * (static) pods and DaemonSet-owned pods stay on the node. Shared by the drain (ops.ts) and the
 * check of the PodDisruptionBudgets that would block it (pdb-check.ts).
 */
import type * as k8s from '@kubernetes/client-node';

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** kubectl drain's filter: mirror pods and DaemonSet-owned pods are left on the node. */
export function podToEvict(p: k8s.V1Pod): boolean {
  if (p.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return false;
  if ((p.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet' && o.controller !== false)) return false;
  return true;
}
