/**
 * The cluster autoscaler's node-template tags on an instance group's autoscaling group (and its
 * instances), so that it can scale a group up from zero knowing the labels and taints its nodes
 * will have (kops's CloudTagsForInstanceGroup, pkg/model/context.go).
 */

import type { InstanceGroup, NormalizedRole } from '../api/types.js';

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

/**
 * The tags kops-ts puts on an instance group's autoscaling group (and so its instances) besides the
 * cluster's own (`Name`, the ownership tags, the cluster's cloudLabels), with kops's precedence
 * (CloudTagsForInstanceGroup): the role tags win over the autoscaler's node-template labels and
 * taints, which win over the group's cloudLabels. Pure, so that validation counts the same tags.
 */
export function instanceGroupRoleTags(role: NormalizedRole, ig: InstanceGroup): Record<string, string> {
  const tags: Record<string, string> = { 'kops.k8s.io/instancegroup': ig.metadata.name };
  if (role === 'ControlPlane') Object.assign(tags, { 'k8s.io/role/control-plane': '1', 'k8s.io/role/master': '1' });
  else if (role === 'Bastion') tags['k8s.io/role/bastion'] = '1';
  else if (role === 'APIServer') tags['k8s.io/role/apiserver'] = '1';
  else tags['k8s.io/role/node'] = '1';
  const labels = { ...roleNodeLabels(role), ...(ig.spec.nodeLabels ?? {}) };
  for (const [k, v] of Object.entries(labels)) tags[`${NODE_TEMPLATE_LABEL}${k}`] ??= v;
  // Two taints with one key (different effects) share the tag: the last one wins, as in kops.
  const taints = new Map((ig.spec.taints ?? []).map(taintTag).filter((t): t is [string, string] => t !== undefined));
  for (const [k, v] of taints) tags[k] ??= v;
  for (const [k, v] of Object.entries(ig.spec.cloudLabels ?? {})) tags[k] ??= v;
  return tags;
}
