/**
 * AWS's own tag limits (EC2, Auto Scaling, ELB, IAM, Route 53 alike): at most 50 tags on one
 * resource, keys at most 128 characters, values at most 256, and no key starting with `aws:`
 * (reserved for AWS). kops-ts adds its own tags to every resource, so the user's cloudLabels get
 * what is left: checked here, before anything is written, rather than failing mid-apply.
 */
import type { Cluster, InstanceGroup } from './api/types.js';
import { normalizeRole } from './api/types.js';
import { instanceGroupRoleTags } from './aws/autoscaler-tags.js';
import { autoscalerDiscoveryTags } from './cluster-autoscaler.js';
import { igPath, type Reporter } from './validation-util.js';

export const AWS_MAX_TAGS = 50;
export const AWS_TAG_KEY_MAX = 128;
export const AWS_TAG_VALUE_MAX = 256;

/** The tags kops-ts puts on every resource of the cluster: `Name`, `KubernetesCluster`, `kubernetes.io/cluster/<name>`. */
const BASE_TAGS = 3;
/**
 * The most tags kops-ts adds to one cluster-wide resource beyond the base three: an etcd volume
 * (`k8s.io/etcd/<cluster>`, `k8s.io/role/control-plane`, `k8s.io/role/master`) or a subnet
 * (`SubnetType` and its load-balancer role tags). Pinned by test/model/validation-aws-tags.test.ts
 * against the tasks the builders make.
 */
export const MAX_CLUSTER_RESOURCE_EXTRA_TAGS = 3;

export function validateAwsTags(r: Reporter, cluster: Cluster, igs: readonly InstanceGroup[]): void {
  const clusterLabels = cluster.spec.cloudLabels ?? {};
  checkTagShapes(r, 'spec.cloudLabels', clusterLabels);
  const own = Object.keys(clusterLabels).length;
  const most = own + BASE_TAGS + MAX_CLUSTER_RESOURCE_EXTRA_TAGS;
  if (most > AWS_MAX_TAGS) {
    r.err(
      'TooManyTags',
      'spec.cloudLabels',
      `${own} cloud labels: with the ${BASE_TAGS + MAX_CLUSTER_RESOURCE_EXTRA_TAGS} tags kops-ts adds, some resources would carry ${most} tags, and AWS allows ${AWS_MAX_TAGS} per resource`,
      `keep at most ${AWS_MAX_TAGS - BASE_TAGS - MAX_CLUSTER_RESOURCE_EXTRA_TAGS} cloud labels`,
    );
  }
  for (const ig of igs) {
    const labels = ig.spec.cloudLabels ?? {};
    const at = (field: string) => igPath(ig.metadata.name, field);
    checkTagShapes(r, at('spec.cloudLabels'), labels);
    // The autoscaling group's tags (and so its instances'), as the builder makes them.
    const keys = new Set([...Object.keys(clusterLabels), 'Name', 'KubernetesCluster', `kubernetes.io/cluster/${cluster.metadata.name}`, ...Object.keys(instanceGroupRoleTags(normalizeRole(ig.spec.role), ig)), ...Object.keys(autoscalerDiscoveryTags(cluster.spec, cluster.metadata.name, ig))]);
    if (keys.size <= AWS_MAX_TAGS) continue;
    // Blame what the user set most of: the cluster's cloud labels, or the group's labels or taints.
    const sources: [string, number][] = [
      ['spec.cloudLabels', own],
      [at('spec.cloudLabels'), Object.keys(labels).length],
      [at('spec.nodeLabels'), Object.keys(ig.spec.nodeLabels ?? {}).length],
      [at('spec.taints'), (ig.spec.taints ?? []).length],
    ];
    const [path] = sources.reduce((a, b) => (b[1] > a[1] ? b : a));
    if (path === 'spec.cloudLabels' && most > AWS_MAX_TAGS) continue; // reported above
    r.err(
      'TooManyTags',
      path,
      `the autoscaling group of instance group ${ig.metadata.name} (and its instances) would carry ${keys.size} tags: the cluster's and the group's cloud labels, one per node label and taint, and kops-ts's own; AWS allows ${AWS_MAX_TAGS} per resource`,
      `remove ${keys.size - AWS_MAX_TAGS} of the cluster's or the group's cloud labels, node labels or taints`,
    );
  }
}

function checkTagShapes(r: Reporter, path: string, labels: Readonly<Record<string, unknown>>): void {
  for (const [key, value] of Object.entries(labels)) {
    const at = `${path}[${JSON.stringify(key)}]`;
    if (key.length === 0) r.err('InvalidTag', at, 'an empty tag key', 'give the label a key');
    if (key.length > AWS_TAG_KEY_MAX) r.err('InvalidTag', at, `the key is ${key.length} characters; AWS tag keys are at most ${AWS_TAG_KEY_MAX}`, `shorten the key to at most ${AWS_TAG_KEY_MAX} characters`);
    if (key.toLowerCase().startsWith('aws:')) r.err('InvalidTag', at, 'keys starting with "aws:" are reserved for AWS', 'use another key');
    if (typeof value === 'string' && value.length > AWS_TAG_VALUE_MAX) r.err('InvalidTag', at, `the value is ${value.length} characters; AWS tag values are at most ${AWS_TAG_VALUE_MAX}`, `shorten the value to at most ${AWS_TAG_VALUE_MAX} characters`);
  }
}
