/**
 * `AutoscalingGroup`: one per instance group (kops's `awstasks/autoscalinggroup.go`), named like
 * it: `<ig>.masters.<cluster>` for control planes, `<ig>.<cluster>` otherwise.
 *
 * Which launch-template version the group launches: `$Default` unless the builder says otherwise.
 * kops references `$Latest`; kops-ts makes every new version the default (launch-template.ts), so
 * both name the same version as long as nobody adds versions by hand — and when someone does,
 * `$Default` keeps launching what `update` compared and planned, not the stray version. The
 * rolling update resolves the group's version through the template's `version` output (its
 * default version number) and compares it with each instance's `LaunchTemplate.Version`.
 *
 * Capacity: a new group starts at `minSize`. Later updates never fight the cluster autoscaler or a
 * user over the desired capacity: it is only clamped into [minSize, maxSize] when those move.
 *
 * Tags are written with `PropagateAtLaunch: true`, so instances carry them; the cluster autoscaler's
 * (`k8s.io/cluster-autoscaler/*`) that the spec no longer has are deleted (autoscaling-tags.ts).
 * Target groups (the control plane's API target groups, and the user's `externalLoadBalancers`)
 * and classic load balancers (`externalLoadBalancers[].loadBalancerName`) are compared as sets and
 * attached or detached in place. Metrics collection is not managed.
 *
 * The group's own settings (capacity rebalancing, scale-in protection of new instances, the
 * maximum instance lifetime) are sent whole with every create and `UpdateAutoScalingGroup`:
 * absent means AWS's default (false, no lifetime).
 *
 * With `mixedInstancesPolicy` the group launches the template through a MixedInstancesPolicy
 * (several instance types, On-Demand/Spot split) instead of `LaunchTemplate`; switching either way
 * is an in-place update (autoscaling-mixed.ts).
 *
 * `find`: ONE paged `DescribeAutoScalingGroups` filtered by the cluster tag, matched by name.
 *
 * Orphans (an instance group deleted from the spec): the cluster's groups — `KubernetesCluster`
 * and `kubernetes.io/cluster/<name>=owned`, and kops's `kops.k8s.io/instancegroup` tag — that no
 * task describes are planned as deletions, as kops deletes a deleted instance group's group.
 * `delete` force-deletes (terminating the instances) and returns only once the group is gone, so
 * the launch template is deleted after it (orphan ASGs go before orphan launch templates).
 */
import {
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  UpdateAutoScalingGroupCommand,
  paginateDescribeAutoScalingGroups,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { TAG_CLUSTER, fromAwsTags, ownershipTagKey, type AwsTaskContext, type Tags } from './context.js';
import { tryAgainLater } from '../retry.js';
import { syncLoadBalancers } from './autoscaling-attachments.js';
import { asgTags, assumedTags, nodeTemplateKeys, syncTags } from './autoscaling-tags.js';
import type { ApplyRequest, FieldRules, RefResolver, TaskKind, Val } from '../types.js';
import {
  MIXED_FIELDS,
  mixedActual,
  mixedAssumed,
  mixedRequest,
  mixedView,
  type MixedInstancesPolicyActual,
  type MixedInstancesPolicyDesired,
} from './autoscaling-mixed.js';

export interface AutoscalingGroupDesired {
  /** The launch template's id: `ref('LaunchTemplate', name)`. */
  readonly launchTemplate: Val<string>;
  /** `$Default` (the default), `$Latest` or a version number. */
  readonly launchTemplateVersion?: string;
  readonly minSize: number;
  readonly maxSize: number;
  /** Subnet ids (refs); the group's `VPCZoneIdentifier`. */
  readonly subnets: readonly Val<string>[];
  /** Target group ARNs: `ref('TargetGroup', name, 'arn')`, or an ARN (kops's `externalLoadBalancers`). */
  readonly targetGroupArns?: readonly Val<string>[];
  /** Classic load balancers by name (kops's `externalLoadBalancers[].loadBalancerName`); compared as a set. */
  readonly loadBalancerNames?: readonly string[];
  readonly tags: Tags;
  /** Scaling processes to keep suspended (kops's `suspendProcesses`); others are resumed. */
  readonly suspendProcesses?: readonly string[];
  /** Launch through a mixed-instances policy (several types, Spot) instead of the template alone. */
  readonly mixedInstancesPolicy?: MixedInstancesPolicyDesired;
  /** Replace Spot instances at an elevated risk of interruption (kops's `capacityRebalance`); default false. */
  readonly capacityRebalance?: boolean;
  /** Protect NEW instances from scale-in (kops's `instanceProtection`); default false. */
  readonly newInstancesProtectedFromScaleIn?: boolean;
  /** Seconds an instance may serve before the group replaces it: 0 (no limit, the default) or at least 86400. */
  readonly maxInstanceLifetime?: number;
}

export interface AutoscalingGroupActual {
  readonly name: string;
  readonly arn: string;
  readonly launchTemplateId?: string;
  readonly launchTemplateName?: string;
  readonly launchTemplateVersion?: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly subnets: readonly string[];
  readonly targetGroupArns: readonly string[];
  readonly loadBalancerNames: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly suspendedProcesses: readonly string[];
  readonly mixedInstancesPolicy?: MixedInstancesPolicyActual;
  readonly capacityRebalance: boolean;
  readonly newInstancesProtectedFromScaleIn: boolean;
  /** 0 when the group has none. */
  readonly maxInstanceLifetime: number;
}

export const DEFAULT_LAUNCH_TEMPLATE_VERSION = '$Default';


const FIELDS: FieldRules = {
  launchTemplate: {},
  launchTemplateVersion: {},
  minSize: {},
  maxSize: {},
  subnets: { compare: 'set' },
  targetGroupArns: { compare: 'set' },
  loadBalancerNames: { compare: 'set' },
  tags: { compare: 'tags' },
  nodeTemplateTagKeys: { compare: 'set' },
  suspendProcesses: { compare: 'set' },
  capacityRebalance: {},
  newInstancesProtectedFromScaleIn: {},
  maxInstanceLifetime: {},
  ...Object.fromEntries(MIXED_FIELDS.map((f) => [f, {}])),
};

/** The fields `UpdateAutoScalingGroup` changes. */
const GROUP_FIELDS = new Set<string>(['launchTemplate', 'launchTemplateVersion', 'minSize', 'maxSize', 'subnets', 'capacityRebalance', 'newInstancesProtectedFromScaleIn', 'maxInstanceLifetime', ...MIXED_FIELDS]);

/** The group's own settings, sent whole on create and on every UpdateAutoScalingGroup (the spec owns them). */
function groupSettings(d: AutoscalingGroupDesired) {
  return {
    CapacityRebalance: d.capacityRebalance ?? false,
    NewInstancesProtectedFromScaleIn: d.newInstancesProtectedFromScaleIn ?? false,
    // 0 clears a lifetime (AWS: "To clear a previously set value, specify a new value of 0").
    MaxInstanceLifetime: d.maxInstanceLifetime ?? 0,
  };
}

export function toActual(g: AutoScalingGroup): AutoscalingGroupActual {
  // A mixed-instances group keeps its template inside the policy.
  const lt = g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  return {
    name: g.AutoScalingGroupName ?? '',
    arn: g.AutoScalingGroupARN ?? '',
    launchTemplateId: lt?.LaunchTemplateId,
    launchTemplateName: lt?.LaunchTemplateName,
    launchTemplateVersion: lt?.Version,
    minSize: g.MinSize ?? 0,
    maxSize: g.MaxSize ?? 0,
    desiredCapacity: g.DesiredCapacity ?? 0,
    subnets: (g.VPCZoneIdentifier ?? '').split(',').filter((s) => s !== '').sort(),
    targetGroupArns: [...(g.TargetGroupARNs ?? [])].sort(),
    loadBalancerNames: [...(g.LoadBalancerNames ?? [])].sort(),
    tags: fromAwsTags(g.Tags),
    suspendedProcesses: (g.SuspendedProcesses ?? []).flatMap((p) => (p.ProcessName ? [p.ProcessName] : [])).sort(),
    mixedInstancesPolicy: mixedActual(g),
    capacityRebalance: g.CapacityRebalance ?? false,
    newInstancesProtectedFromScaleIn: g.NewInstancesProtectedFromScaleIn ?? false,
    maxInstanceLifetime: g.MaxInstanceLifetime ?? 0,
  };
}

/** What the group launches: the template alone, or through the mixed-instances policy. */
function launchSpec(d: AutoscalingGroupDesired, refs: RefResolver) {
  const id = refs.known(d.launchTemplate);
  const version = d.launchTemplateVersion ?? DEFAULT_LAUNCH_TEMPLATE_VERSION;
  return d.mixedInstancesPolicy ? { MixedInstancesPolicy: mixedRequest(d.mixedInstancesPolicy, id, version) } : { LaunchTemplate: { LaunchTemplateId: id, Version: version } };
}

/** The desired capacity to set when min/max move, or undefined to leave it alone. */
export function clampDesired(current: number, min: number, max: number): number | undefined {
  if (current < min) return min;
  if (current > max) return max;
  return undefined;
}

async function describeRaw(ctx: AwsTaskContext, name: string): Promise<AutoScalingGroup | undefined> {
  const out = await ctx.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  return out.AutoScalingGroups?.find((x) => x.AutoScalingGroupName === name);
}

async function describeOne(ctx: AwsTaskContext, name: string): Promise<AutoscalingGroupActual | undefined> {
  const g = await describeRaw(ctx, name);
  return g ? toActual(g) : undefined;
}

/** The instance-group tag kops puts on every group it builds (and kops-ts too). */
export const TAG_INSTANCE_GROUP = 'kops.k8s.io/instancegroup';

/** Every autoscaling group carrying the cluster tag: one paged, tag-filtered describe per run. */
function clusterGroups(ctx: AwsTaskContext): Promise<AutoScalingGroup[]> {
  return ctx.once(`AutoscalingGroup:groups:${ctx.clusterName}`, async () => {
    const out: AutoScalingGroup[] = [];
    const pages = paginateDescribeAutoScalingGroups(
      { client: ctx.clients.autoscaling },
      { Filters: [{ Name: `tag:${TAG_CLUSTER}`, Values: [ctx.clusterName] }], MaxRecords: 100 },
    );
    for await (const page of pages) out.push(...(page.AutoScalingGroups ?? []));
    return out;
  });
}

async function create(ctx: AwsTaskContext, req: ApplyRequest<AutoscalingGroupDesired, AutoscalingGroupActual>): Promise<void> {
  const d = req.desired;
  const asg = ctx.clients.autoscaling;
  const targetGroups = (d.targetGroupArns ?? []).map((t) => req.refs.known(t));
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: req.name,
      ...launchSpec(d, req.refs),
      MinSize: d.minSize,
      MaxSize: d.maxSize,
      DesiredCapacity: d.minSize,
      VPCZoneIdentifier: d.subnets.map((s) => req.refs.known(s)).join(','),
      ...(targetGroups.length > 0 ? { TargetGroupARNs: targetGroups } : {}),
      ...(d.loadBalancerNames && d.loadBalancerNames.length > 0 ? { LoadBalancerNames: [...d.loadBalancerNames] } : {}),
      Tags: asgTags(req.name, d.tags),
      ...groupSettings(d),
    }),
  );
  if (d.suspendProcesses && d.suspendProcesses.length > 0) {
    await asg.send(new SuspendProcessesCommand({ AutoScalingGroupName: req.name, ScalingProcesses: [...d.suspendProcesses] }));
  }
}

async function update(ctx: AwsTaskContext, req: ApplyRequest<AutoscalingGroupDesired, AutoscalingGroupActual>, a: AutoscalingGroupActual): Promise<void> {
  const d = req.desired;
  const asg = ctx.clients.autoscaling;
  const name = a.name;
  const changed = new Set(req.fields.map((f) => f.field));
  if ([...changed].some((f) => GROUP_FIELDS.has(f))) {
    const desired = clampDesired(a.desiredCapacity, d.minSize, d.maxSize);
    await asg.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        // The whole launch specification each time: moto replaces a group's policy with what an update carries.
        ...launchSpec(d, req.refs),
        MinSize: d.minSize,
        MaxSize: d.maxSize,
        VPCZoneIdentifier: d.subnets.map((s) => req.refs.known(s)).join(','),
        ...(desired !== undefined ? { DesiredCapacity: desired } : {}),
        ...groupSettings(d),
      }),
    );
  }
  await syncTags(asg, name, a.tags, d.tags);
  await syncLoadBalancers(asg, name, changed, d.targetGroupArns?.map((t) => req.refs.known(t)), d.loadBalancerNames, a);
  if (changed.has('suspendProcesses') && d.suspendProcesses) {
    const want = new Set(d.suspendProcesses);
    const suspend = [...want].filter((p) => !a.suspendedProcesses.includes(p));
    const resume = a.suspendedProcesses.filter((p) => !want.has(p));
    if (suspend.length > 0) await asg.send(new SuspendProcessesCommand({ AutoScalingGroupName: name, ScalingProcesses: suspend }));
    if (resume.length > 0) await asg.send(new ResumeProcessesCommand({ AutoScalingGroupName: name, ScalingProcesses: resume }));
  }
}

/** The state after apply when the group cannot be read back yet (eventual consistency). */
function assumed(req: ApplyRequest<AutoscalingGroupDesired, AutoscalingGroupActual>): AutoscalingGroupActual {
  const d = req.desired;
  return {
    name: req.name,
    arn: req.actual?.arn ?? '',
    launchTemplateId: req.refs.known(d.launchTemplate),
    launchTemplateVersion: d.launchTemplateVersion ?? DEFAULT_LAUNCH_TEMPLATE_VERSION,
    minSize: d.minSize,
    maxSize: d.maxSize,
    desiredCapacity: clampDesired(req.actual?.desiredCapacity ?? d.minSize, d.minSize, d.maxSize) ?? req.actual?.desiredCapacity ?? d.minSize,
    subnets: d.subnets.map((s) => req.refs.known(s)).sort(),
    targetGroupArns: (d.targetGroupArns ?? req.actual?.targetGroupArns ?? []).map((t) => req.refs.known(t)).sort(),
    loadBalancerNames: [...(d.loadBalancerNames ?? req.actual?.loadBalancerNames ?? [])].sort(),
    tags: assumedTags(req.actual?.tags, d.tags),
    suspendedProcesses: [...(d.suspendProcesses ?? req.actual?.suspendedProcesses ?? [])].sort(),
    mixedInstancesPolicy: mixedAssumed(d.mixedInstancesPolicy),
    capacityRebalance: d.capacityRebalance ?? false,
    newInstancesProtectedFromScaleIn: d.newInstancesProtectedFromScaleIn ?? false,
    maxInstanceLifetime: d.maxInstanceLifetime ?? 0,
  };
}

function isGone(e: unknown): boolean {
  const err = e as { name?: unknown; message?: unknown };
  return err.name === 'ValidationError' && typeof err.message === 'string' && /not found/i.test(err.message);
}

export const autoscalingGroupKind: TaskKind<AutoscalingGroupDesired, AutoscalingGroupActual, AwsTaskContext> = {
  kind: 'AutoscalingGroup',
  fields: FIELDS,

  async find(ctx, tasks) {
    const found = new Map<string, AutoscalingGroupActual>();
    if (tasks.length === 0) return found;
    const wanted = new Set(tasks.map((t) => t.name));
    for (const g of await clusterGroups(ctx)) {
      // A group being deleted ("Delete in progress") is as good as gone: kops skips it too.
      if (g.Status || !g.AutoScalingGroupName || !wanted.has(g.AutoScalingGroupName)) continue;
      found.set(g.AutoScalingGroupName, toActual(g));
    }
    return found;
  },

  async findOrphans(ctx, tasks) {
    const described = new Set(tasks.map((t) => t.name));
    const owned = ownershipTagKey(ctx.clusterName);
    const orphans: { name: string; actual: AutoscalingGroupActual }[] = [];
    for (const g of await clusterGroups(ctx)) {
      const name = g.AutoScalingGroupName;
      if (!name || described.has(name) || g.Status) continue;
      const tags = fromAwsTags(g.Tags);
      // Only what this cluster built for an instance group: never a group that merely carries the cluster tag.
      if (tags[TAG_CLUSTER] !== ctx.clusterName || tags[owned] !== 'owned' || tags[TAG_INSTANCE_GROUP] === undefined) continue;
      orphans.push({ name, actual: toActual(g) });
    }
    return orphans;
  },

  view(d, refs) {
    return {
      launchTemplate: refs.resolve(d.launchTemplate),
      launchTemplateVersion: d.launchTemplateVersion ?? DEFAULT_LAUNCH_TEMPLATE_VERSION,
      minSize: d.minSize,
      maxSize: d.maxSize,
      subnets: d.subnets.map((s) => refs.resolve(s)),
      targetGroupArns: d.targetGroupArns?.map((t) => refs.resolve(t)),
      loadBalancerNames: d.loadBalancerNames ? [...d.loadBalancerNames] : undefined,
      tags: { ...d.tags },
      nodeTemplateTagKeys: nodeTemplateKeys(d.tags),
      suspendProcesses: d.suspendProcesses ? [...d.suspendProcesses] : undefined,
      capacityRebalance: d.capacityRebalance ?? false,
      newInstancesProtectedFromScaleIn: d.newInstancesProtectedFromScaleIn ?? false,
      maxInstanceLifetime: d.maxInstanceLifetime ?? 0,
      ...mixedView(d.mixedInstancesPolicy),
    };
  },

  actualView(a) {
    return {
      launchTemplate: a.launchTemplateId,
      launchTemplateVersion: a.launchTemplateVersion,
      minSize: a.minSize,
      maxSize: a.maxSize,
      subnets: [...a.subnets].sort(),
      targetGroupArns: [...a.targetGroupArns].sort(),
      loadBalancerNames: [...a.loadBalancerNames].sort(),
      tags: { ...a.tags },
      nodeTemplateTagKeys: nodeTemplateKeys(a.tags),
      suspendProcesses: [...a.suspendedProcesses].sort(),
      capacityRebalance: a.capacityRebalance,
      newInstancesProtectedFromScaleIn: a.newInstancesProtectedFromScaleIn,
      maxInstanceLifetime: a.maxInstanceLifetime,
      ...mixedView(a.mixedInstancesPolicy),
    };
  },

  async apply(ctx, req) {
    if (req.actual) await update(ctx, req, req.actual);
    else await create(ctx, req);
    return (await describeOne(ctx, req.name)) ?? assumed(req);
  },

  outputs: (a) => ({ id: a.name, name: a.name, arn: a.arn }),

  async delete(ctx, actual) {
    const current = await describeRaw(ctx, actual.name);
    if (!current) return;
    // A group already being deleted ("Delete in progress", e.g. on a retry) is not asked twice.
    if (!current.Status) {
      try {
        // ForceDelete terminates the group's instances with it.
        await ctx.clients.autoscaling.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: actual.name, ForceDelete: true }));
      } catch (e) {
        if (!isGone(e)) throw e;
      }
    }
    // AWS deletes the group asynchronously, once its instances are terminated: wait for that, so
    // that what is deleted after the group (its launch template) is no longer in use.
    const left = await describeRaw(ctx, actual.name);
    if (left) throw tryAgainLater(`autoscaling group ${actual.name} is being deleted (${left.Instances?.length ?? 0} instance(s) left)`);
  },
};
