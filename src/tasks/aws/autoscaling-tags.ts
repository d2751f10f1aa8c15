/**
 * An autoscaling group's tags (autoscaling-group.ts): the builder's (Name, ownership, role, instance
 * group, autoscaler node-template labels) are written with `PropagateAtLaunch: true`, so instances
 * carry them; compared on the desired keys.
 *
 * The cluster autoscaler's tags (`k8s.io/cluster-autoscaler/*`) are the exception: the node-template
 * tags describe the nodes' labels and taints, and the discovery tags (`.../enabled`,
 * `.../<cluster>`) say whether the autoscaler may scale the group, so one the spec no longer has is
 * deleted (kops deletes every tag it did not ask for; kops-ts only these, leaving other tags people
 * add alone): `nodeTemplateTagKeys` compares them (the name predates the discovery tags).
 * Which tags the builder asks for: src/model/aws/autoscaler-tags.ts.
 */
import { CreateOrUpdateTagsCommand, DeleteTagsCommand, type AutoScalingClient, type Tag } from '@aws-sdk/client-auto-scaling';
import { tagsToSet, type Tags } from './context.js';

/** The cluster autoscaler's node-template tags (labels and taints of the nodes to be). */
export const NODE_TEMPLATE_TAG_PREFIX = 'k8s.io/cluster-autoscaler/node-template/';
/** Every tag of the cluster autoscaler: the node-template tags and the discovery tags; the spec owns them. */
export const AUTOSCALER_TAG_PREFIX = 'k8s.io/cluster-autoscaler/';

/** The keys of the cluster autoscaler's tags, sorted: the task's `nodeTemplateTagKeys` field. */
export const nodeTemplateKeys = (tags: Readonly<Record<string, string>>): string[] => Object.keys(tags).filter((k) => k.startsWith(AUTOSCALER_TAG_PREFIX)).sort();

/** The group's tags as the autoscaling API takes them, propagated to the instances it launches. */
export function asgTags(name: string, tags: Tags): Tag[] {
  return Object.entries(tags)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Key, Value]) => ({ ResourceId: name, ResourceType: 'auto-scaling-group', Key, Value, PropagateAtLaunch: true }));
}

/** Writes the desired tags that differ, and deletes the autoscaler's tags the spec no longer has. */
export async function syncTags(asg: Pick<AutoScalingClient, 'send'>, name: string, have: Readonly<Record<string, string>>, want: Tags): Promise<void> {
  const tags = tagsToSet(have, want);
  if (Object.keys(tags).length > 0) await asg.send(new CreateOrUpdateTagsCommand({ Tags: asgTags(name, tags) }));
  const stale = nodeTemplateKeys(have).filter((k) => !(k in want));
  if (stale.length > 0) {
    await asg.send(new DeleteTagsCommand({ Tags: stale.map((Key) => ({ ResourceId: name, ResourceType: 'auto-scaling-group', Key })) }));
  }
}

/** The tags after apply when the group cannot be read back: others' kept, the autoscaler's as the spec says. */
export function assumedTags(have: Readonly<Record<string, string>> | undefined, want: Tags): Record<string, string> {
  return { ...Object.fromEntries(Object.entries(have ?? {}).filter(([k]) => !k.startsWith(AUTOSCALER_TAG_PREFIX))), ...want };
}
