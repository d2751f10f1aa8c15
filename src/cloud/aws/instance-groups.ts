/**
 * The rolling update's AWS cloud (`CloudProvider`, src/rolling-update/types.ts): a cluster's
 * instance groups as their autoscaling groups have them, and the few mutations a roll makes.
 *
 * Listing (kops's awsBuildCloudInstanceGroup and findDetachedInstances):
 *  - the cluster's autoscaling groups: ONE paged `DescribeAutoScalingGroups` filtered by the
 *    `KubernetesCluster` tag, as the AutoscalingGroup task finds them; each maps to its instance
 *    group through the `kops.k8s.io/instancegroup` tag the model builder puts on it. A group being
 *    deleted (`Status` set) is left out.
 *  - the version the group launches: `$Default` / `$Latest` resolved to a number through
 *    `DescribeLaunchTemplates` (batched; launch-templates.ts); an instance launched from another
 *    template or another version is `NeedsUpdate`. The instance's version is read from the tags AWS puts on every
 *    instance launched from a launch template (`aws:ec2launchtemplate:id`/`:version`), falling
 *    back to the group's `Instances[].LaunchTemplate` (the same value on AWS; moto reports the
 *    group's current default there: docs/aws-errors.md).
 *  - instances tagged `kops.k8s.io/detached-from-asg=<group>` (an interrupted surge) that still
 *    run are listed with status `Detached`; so is an instance still attached but already tagged
 *    (detach interrupted between its two calls): the roll finishes it first.
 *  - machine type, addresses, node name (private DNS name) and provider id come from ONE paged
 *    `DescribeInstances` filtered by the cluster tag.
 *
 * Mutations: `detach` tags, then `DetachInstances` without lowering the desired capacity;
 * `terminate` asks the group to replace an attached instance at once
 * (`TerminateInstanceInAutoScalingGroup`, `ShouldDecrementDesiredCapacity=false`), and terminates a
 * detached one through EC2; `deregister` takes the instance out of its group's target groups and
 * polls `DescribeTargetHealth` through the injected clock until it is `unused`.
 *
 * Credentials: `AwsClients` passes no credentials unless given (tests), so the SDK's default
 * provider chain (environment, profile, SSO, assumed roles, instance/container roles) supplies
 * them and refreshes expiring ones during a long roll; nothing here caches them.
 */
import {
  DescribeAutoScalingGroupsCommand,
  DetachInstancesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  paginateDescribeAutoScalingGroups,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateTagsCommand,
  TerminateInstancesCommand,
  paginateDescribeInstances,
  type Instance,
} from '@aws-sdk/client-ec2';
import { DeregisterTargetsCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { KopsError } from '../../diagnostics.js';
import type { NormalizedRole } from '../../model/api/types.js';
import type { CloudInstance, CloudInstanceGroup, CloudInstanceStatus, CloudProvider, Clock, GoneInstance } from '../../rolling-update/types.js';
import type { AwsClients } from './clients.js';
import { awsErrorCode } from './errors.js';
import { describeTemplates, groupTemplate, resolveTemplateVersion, templateStatus, type GroupTemplate, type InstanceTemplate } from './launch-templates.js';

export { resolveTemplateVersion, templateStatus, type InstanceTemplate, type TemplateVersions } from './launch-templates.js';

export const TAG_CLUSTER = 'KubernetesCluster';
export const TAG_INSTANCE_GROUP = 'kops.k8s.io/instancegroup';
/** kops's tag on an instance detached for surge: the autoscaling group it came from. */
export const TAG_DETACHED_FROM_ASG = 'kops.k8s.io/detached-from-asg';
/** Tags AWS puts on every instance launched from a launch template. */
export const TAG_LAUNCH_TEMPLATE_ID = 'aws:ec2launchtemplate:id';
export const TAG_LAUNCH_TEMPLATE_VERSION = 'aws:ec2launchtemplate:version';

/** The lifecycle word of an instance detached from its group. */
export const DETACHED_STATE = 'Detached';

/** kops polls target health every 5 s while a control plane drains out of the API's load balancer. */
export const DEFAULT_DEREGISTER_POLL_MS = 5_000;
/** The target groups' deregistration delay is 300 s by default; give it twice that. */
export const DEFAULT_DEREGISTER_TIMEOUT_MS = 10 * 60_000;

export interface AwsCloudProviderOptions {
  /** How often `deregister` reads target health (default 5 s). */
  readonly deregisterPollMs?: number;
  /** How long `deregister` waits for the target to be drained (default 10 min). */
  readonly deregisterTimeoutMs?: number;
}

/** A control-plane instance still draining out of the API's target group when the wait ran out (kops: "error deregistering instance"). */
export class DeregisterError extends KopsError {
  readonly instanceId: string;
  readonly targetGroupArn: string;
  readonly lastState: string;

  constructor(instanceId: string, targetGroupArn: string, lastState: string, waitedMs: number) {
    super('DeregisterTimeout', `instance ${instanceId} is still ${lastState} in target group ${targetGroupArn} after ${Math.round(waitedMs / 1000)}s`, {
      hint: "check the target group's deregistration delay (AWS default 300 s) and its health checks, then run the rolling update again: it resumes where it stopped",
    });
    this.name = 'DeregisterError';
    this.instanceId = instanceId;
    this.targetGroupArn = targetGroupArn;
    this.lastState = lastState;
  }
}

type TagMap = Readonly<Record<string, string>>;

function tagsOf(tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

/** The instance group's role as the group's tags say it (kops's role tags, instanceGroupRoleTags). */
export function roleFromTags(tags: TagMap): NormalizedRole {
  if (tags['k8s.io/role/control-plane'] !== undefined || tags['k8s.io/role/master'] !== undefined) return 'ControlPlane';
  if (tags['k8s.io/role/bastion'] !== undefined) return 'Bastion';
  if (tags['k8s.io/role/apiserver'] !== undefined) return 'APIServer';
  return 'Node';
}

function isTerminatingLifecycle(state: string | undefined): boolean {
  return state !== undefined && (state.startsWith('Terminating') || state === 'Terminated');
}

function instanceDetails(i: Instance | undefined): Pick<CloudInstance, 'machineType' | 'privateIp' | 'publicIp' | 'nodeName' | 'providerId'> {
  if (!i) return {};
  const zone = i.Placement?.AvailabilityZone;
  return {
    ...(i.InstanceType ? { machineType: i.InstanceType } : {}),
    ...(i.PrivateIpAddress ? { privateIp: i.PrivateIpAddress } : {}),
    ...(i.PublicIpAddress ? { publicIp: i.PublicIpAddress } : {}),
    ...(i.PrivateDnsName ? { nodeName: i.PrivateDnsName } : {}),
    ...(zone && i.InstanceId ? { providerId: `aws:///${zone}/${i.InstanceId}` } : {}),
  };
}

/** An error meaning the instance is already gone from AWS's point of view. */
function isInstanceGone(e: unknown): boolean {
  const code = awsErrorCode(e);
  return code === 'InvalidInstanceID.NotFound' || code === 'InvalidInstanceID.Malformed';
}

function messageOf(e: unknown): string {
  const m = (e as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : '';
}

export class AwsCloudProvider implements CloudProvider {
  readonly name = 'aws' as const;
  private readonly pollMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly clients: AwsClients,
    opts: AwsCloudProviderOptions = {},
  ) {
    this.pollMs = opts.deregisterPollMs ?? DEFAULT_DEREGISTER_POLL_MS;
    this.timeoutMs = opts.deregisterTimeoutMs ?? DEFAULT_DEREGISTER_TIMEOUT_MS;
  }

  async listGroups(cluster: string, groups?: readonly { name: string; role: NormalizedRole }[]): Promise<CloudInstanceGroup[]> {
    const wanted = groups ? new Map(groups.map((g) => [g.name, g.role])) : undefined;
    const asgs: { asg: AutoScalingGroup; tags: Record<string, string>; ig: string; role: NormalizedRole }[] = [];
    const pages = paginateDescribeAutoScalingGroups(
      { client: this.clients.autoscaling },
      { Filters: [{ Name: `tag:${TAG_CLUSTER}`, Values: [cluster] }], MaxRecords: 100 },
    );
    for await (const page of pages) {
      for (const asg of page.AutoScalingGroups ?? []) {
        if (asg.Status || !asg.AutoScalingGroupName) continue;
        const tags = tagsOf(asg.Tags);
        const ig = tags[TAG_INSTANCE_GROUP];
        if (tags[TAG_CLUSTER] !== cluster || !ig) continue;
        if (wanted && !wanted.has(ig)) continue;
        asgs.push({ asg, tags, ig, role: wanted?.get(ig) ?? roleFromTags(tags) });
      }
    }
    if (asgs.length === 0) return [];

    const templates = await describeTemplates(this.clients, asgs.map((a) => groupTemplate(a.asg)).filter((t): t is GroupTemplate => t !== undefined));
    const ec2 = await this.describeClusterInstances(cluster);

    const attached = new Set(asgs.flatMap((a) => (a.asg.Instances ?? []).map((i) => i.InstanceId ?? '')));
    const detachedByAsg = new Map<string, Instance[]>();
    for (const i of ec2.values()) {
      const from = tagsOf(i.Tags)[TAG_DETACHED_FROM_ASG];
      const state = i.State?.Name;
      if (!from || !i.InstanceId || attached.has(i.InstanceId) || (state !== 'pending' && state !== 'running')) continue;
      detachedByAsg.set(from, [...(detachedByAsg.get(from) ?? []), i]);
    }

    const out: CloudInstanceGroup[] = [];
    for (const { asg, ig, role } of asgs) {
      const cloudName = asg.AutoScalingGroupName ?? '';
      const gt = groupTemplate(asg);
      const t = gt ? (gt.id ? templates.byId.get(gt.id) : templates.byName.get(gt.name ?? '')) : undefined;
      const version = gt ? resolveTemplateVersion(gt.version, t) : undefined;
      const current = t && version !== undefined ? { id: t.id, version } : undefined;
      const instances: CloudInstance[] = [];
      for (const ai of asg.Instances ?? []) {
        const id = ai.InstanceId;
        if (!id || isTerminatingLifecycle(ai.LifecycleState)) continue;
        const e = ec2.get(id);
        // moto keeps an instance terminated through EC2 in its group; AWS marks it Terminating.
        if (e?.State?.Name === 'shutting-down' || e?.State?.Name === 'terminated') continue;
        const etags = tagsOf(e?.Tags);
        const launched: InstanceTemplate = etags[TAG_LAUNCH_TEMPLATE_VERSION] !== undefined
          ? { id: etags[TAG_LAUNCH_TEMPLATE_ID], version: etags[TAG_LAUNCH_TEMPLATE_VERSION] }
          : { id: ai.LaunchTemplate?.LaunchTemplateId, version: ai.LaunchTemplate?.Version };
        const status: CloudInstanceStatus = etags[TAG_DETACHED_FROM_ASG] !== undefined ? 'Detached' : templateStatus(current, launched);
        instances.push({
          id,
          group: ig,
          status,
          state: ai.LifecycleState ?? 'Unknown',
          ...(ai.InstanceType ? { machineType: ai.InstanceType } : {}),
          ...instanceDetails(e),
        });
      }
      for (const e of detachedByAsg.get(cloudName) ?? []) {
        instances.push({ id: e.InstanceId ?? '', group: ig, status: 'Detached', state: DETACHED_STATE, ...instanceDetails(e) });
      }
      instances.sort((a, b) => a.id.localeCompare(b.id));
      out.push({
        name: ig,
        role,
        cloudName,
        minSize: asg.MinSize ?? 0,
        maxSize: asg.MaxSize ?? 0,
        targetSize: asg.DesiredCapacity ?? 0,
        instances,
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async detach(group: CloudInstanceGroup, instance: CloudInstance): Promise<void> {
    // The tag first: a roll interrupted between the two calls still finds the instance as detached.
    await this.clients.ec2.send(new CreateTagsCommand({ Resources: [instance.id], Tags: [{ Key: TAG_DETACHED_FROM_ASG, Value: group.cloudName }] }));
    try {
      await this.clients.autoscaling.send(
        new DetachInstancesCommand({ AutoScalingGroupName: group.cloudName, InstanceIds: [instance.id], ShouldDecrementDesiredCapacity: false }),
      );
    } catch (e) {
      // AWS: "The instance i-… is not part of Auto Scaling group …": already detached.
      if (awsErrorCode(e) === 'ValidationError' && /not part of/i.test(messageOf(e))) return;
      throw e;
    }
  }

  async terminate(_group: CloudInstanceGroup, instance: CloudInstance): Promise<void> {
    if (instance.state !== DETACHED_STATE) {
      try {
        // The group replaces it at once (an EC2 termination is only noticed at the next health check).
        await this.clients.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instance.id, ShouldDecrementDesiredCapacity: false }));
        return;
      } catch (e) {
        // "Instance Id not found - No managed instance found for instance ID …": no longer in the group; terminate it through EC2.
        if (!(awsErrorCode(e) === 'ValidationError' && /not found/i.test(messageOf(e)))) throw e;
      }
    }
    try {
      await this.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instance.id] }));
    } catch (e) {
      if (isInstanceGone(e)) return;
      throw e;
    }
  }

  async deregister(group: CloudInstanceGroup, instance: CloudInstance, clock: Clock, signal?: AbortSignal): Promise<void> {
    const out = await this.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group.cloudName] }));
    const asg = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === group.cloudName);
    const targetGroups = [...(asg?.TargetGroupARNs ?? [])].sort();
    for (const arn of targetGroups) {
      try {
        await this.clients.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instance.id }] }));
      } catch (e) {
        // Not registered (moto refuses that; AWS accepts it): nothing to take out.
        if (awsErrorCode(e) !== 'InvalidTarget') throw e;
      }
    }
    const started = clock.now();
    for (const arn of targetGroups) {
      for (;;) {
        const state = await this.targetState(arn, instance.id);
        if (state === undefined || state === 'unused') break;
        const waited = clock.now() - started;
        if (waited >= this.timeoutMs) throw new DeregisterError(instance.id, arn, state, waited);
        await clock.sleep(Math.min(this.pollMs, this.timeoutMs - waited), signal);
      }
    }
  }

  /** The target's health state in the group; undefined when the group no longer knows it. */
  private async targetState(arn: string, id: string): Promise<string | undefined> {
    try {
      const h = await this.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [{ Id: id }] }));
      const d = (h.TargetHealthDescriptions ?? []).find((x) => x.Target?.Id === id);
      return d ? (d.TargetHealth?.State ?? 'unknown') : undefined;
    } catch (e) {
      if (awsErrorCode(e) === 'InvalidTarget') return undefined;
      throw e;
    }
  }

  /**
   * An instance of the cluster (its tags) that EC2 still lists as `shutting-down` or `terminated`
   * (AWS keeps a terminated instance visible for about an hour), by id or by its private DNS name
   * when AWS still reports one (the id is the sure key). The same
   * `DescribeInstances` call as the listing: no other permission.
   */
  async findGone(cluster: string, query: string): Promise<GoneInstance | undefined> {
    for (const i of (await this.describeClusterInstances(cluster)).values()) {
      const state = i.State?.Name;
      if (state !== 'shutting-down' && state !== 'terminated') continue;
      if (i.InstanceId !== query && (!i.PrivateDnsName || i.PrivateDnsName !== query)) continue;
      const tags = tagsOf(i.Tags);
      const group = tags[TAG_INSTANCE_GROUP];
      if (tags[TAG_CLUSTER] !== cluster || !group || !i.InstanceId) continue;
      return { id: i.InstanceId, group, state };
    }
    return undefined;
  }

  /** Every instance carrying the cluster tag, by id: one paged call. */
  private async describeClusterInstances(cluster: string): Promise<Map<string, Instance>> {
    const out = new Map<string, Instance>();
    const pages = paginateDescribeInstances(
      { client: this.clients.ec2 },
      { Filters: [{ Name: `tag:${TAG_CLUSTER}`, Values: [cluster] }], MaxResults: 1000 },
    );
    for await (const page of pages) {
      for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) out.set(i.InstanceId, i);
    }
    return out;
  }
}
