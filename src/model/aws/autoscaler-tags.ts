/**
 * The cluster autoscaler's node-template tags on an instance group's autoscaling group (and its
 * instances), so that it can scale a group up from zero knowing the labels and taints its nodes
 * will have (kops's CloudTagsForInstanceGroup, pkg/model/context.go).
 */

import type { NormalizedRole } from '../api/types.js';

export const NODE_TEMPLATE_LABEL = 'k8s.io/cluster-autoscaler/node-template/label/';
export const NODE_TEMPLATE_TAINT = 'k8s.io/cluster-autoscaler/node-template/taint/';

/**
 * A taint `key[=value]:Effect` as the cluster autoscaler's node-template tag: key, `value:Effect`
 * (kops's util.ParseTaint; validation has already refused taints without an effect).
 */
export function taintTag(taint: string): [string, string] | undefined {
  const parts = taint.split(':');
  if (parts.length !== 2 || !parts[1]) return undefined;
  const kv = parts[0]!.split('=');
  if (kv.length > 2) return undefined;
  return [`${NODE_TEMPLATE_TAINT}${kv[0]}`, `${kv[1] ?? ''}:${parts[1]}`];
}

/**
 * The labels every node of a role gets, which kops also advertises to the autoscaler
 * (pkg/nodelabels BuildNodeLabels): the group's own nodeLabels come on top. Bastions are not
 * nodes and get none. (kops also merges the kubelet's nodeLabels; kops-ts keeps those unread.)
 */
export function roleNodeLabels(role: NormalizedRole): Record<string, string> {
  switch (role) {
    case 'ControlPlane':
      return { 'node-role.kubernetes.io/control-plane': '', 'kops.k8s.io/kops-controller-pki': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' };
    case 'APIServer':
      return { 'node-role.kubernetes.io/api-server': '' };
    case 'Node':
      return { 'node-role.kubernetes.io/node': '' };
    case 'Bastion':
      return {};
  }
}
