/**
 * What an autoscaling group registers its instances with, kept in place: target groups (the API's,
 * and the user's `externalLoadBalancers[].targetGroupArn`) and classic load balancers
 * (`externalLoadBalancers[].loadBalancerName`). Each is compared as a set; what is missing is
 * attached and what the spec no longer has is detached, at most 10 per call as AWS takes them.
 */
import {
  AttachLoadBalancerTargetGroupsCommand,
  AttachLoadBalancersCommand,
  DetachLoadBalancerTargetGroupsCommand,
  DetachLoadBalancersCommand,
  type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';

/** AWS takes at most 10 target groups, or 10 classic load balancers, per attach/detach call. */
const CHUNK = 10;

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** The group's current attachments (its actual state). */
export interface Attachments {
  readonly targetGroupArns: readonly string[];
  readonly loadBalancerNames: readonly string[];
}

/** Attaches and detaches what changed; `undefined` desired lists are left alone. */
export async function syncLoadBalancers(
  asg: Pick<AutoScalingClient, 'send'>,
  name: string,
  changed: ReadonlySet<string>,
  targetGroupArns: readonly string[] | undefined,
  loadBalancerNames: readonly string[] | undefined,
  a: Attachments,
): Promise<void> {
  if (changed.has('targetGroupArns') && targetGroupArns) {
    const { add, remove } = difference(targetGroupArns, a.targetGroupArns);
    for (const TargetGroupARNs of chunks(add, CHUNK)) await asg.send(new AttachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name, TargetGroupARNs }));
    for (const TargetGroupARNs of chunks(remove, CHUNK)) await asg.send(new DetachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name, TargetGroupARNs }));
  }
  if (changed.has('loadBalancerNames') && loadBalancerNames) {
    const { add, remove } = difference(loadBalancerNames, a.loadBalancerNames);
    for (const LoadBalancerNames of chunks(add, CHUNK)) await asg.send(new AttachLoadBalancersCommand({ AutoScalingGroupName: name, LoadBalancerNames }));
    for (const LoadBalancerNames of chunks(remove, CHUNK)) await asg.send(new DetachLoadBalancersCommand({ AutoScalingGroupName: name, LoadBalancerNames }));
  }
}

function difference(want: readonly string[], have: readonly string[]): { add: string[]; remove: string[] } {
  const w = new Set(want);
  const h = new Set(have);
  return { add: [...w].filter((x) => !h.has(x)), remove: [...h].filter((x) => !w.has(x)) };
}
