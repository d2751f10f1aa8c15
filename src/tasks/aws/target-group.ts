/**
 * `TargetGroup`: where the API load balancer sends traffic; the control-plane autoscaling groups
 * register to it. kops's names: the task name IS the AWS name, `tcp-<cluster, dashed, cut>-<hash>`
 * (`targetGroupName(cluster, 'tcp')`), at most 32 characters; the `Name` tag carries it too.
 *
 * kops's API target group: TCP 443, instance targets, a TCP health check every 10 s with healthy
 * and unhealthy thresholds of 2, deregistration delay 30 s with connection termination (so a
 * control plane leaving during a rolling update drops its connections quickly instead of after
 * AWS's default 300 s). See `KOPS_API_HEALTH_CHECK` and `KOPS_TARGET_GROUP_ATTRIBUTES`.
 *
 * Protocol, port, VPC and target type cannot change in place (replacement); the health check,
 * attributes and tags can. Attributes compare like tags: only the keys kops sets.
 */
import {
  AddTagsCommand,
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  type TargetGroup,
  type TargetGroupAttribute,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { KopsError } from '../../diagnostics.js';
import { tagsToSet, type AwsTaskContext, type Tags } from './context.js';
import { describeTags, elbListing, elbTags, isAwsError, ownedByCluster, type Tagged } from './elb-listing.js';
import type { FieldChange, RefResolver, TaskKind, Val, View } from '../types.js';

export type TargetGroupProtocol = 'TCP' | 'TLS' | 'UDP' | 'TCP_UDP';
export type HealthCheckProtocol = 'TCP' | 'HTTP' | 'HTTPS';

export interface HealthCheck {
  readonly protocol: HealthCheckProtocol;
  /** HTTP(S) only, e.g. kops-controller's `/healthz`. */
  readonly path?: string;
  readonly intervalSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

/** kops's health check for the API (and kops-controller with HTTPS + `/healthz`). */
export const KOPS_API_HEALTH_CHECK: HealthCheck = { protocol: 'TCP', intervalSeconds: 10, healthyThreshold: 2, unhealthyThreshold: 2 };

/** kops's target-group attributes (`api_loadbalancer.go` `groupAttrs`). */
export const KOPS_TARGET_GROUP_ATTRIBUTES: Readonly<Record<string, string>> = {
  'deregistration_delay.connection_termination.enabled': 'true',
  'deregistration_delay.timeout_seconds': '30',
};

export interface TargetGroupDesired {
  /** The AWS name (at most 32 characters); kops uses it as the task name too. */
  readonly name: string;
  readonly vpc: Val<string>;
  readonly protocol: TargetGroupProtocol;
  readonly port: number;
  /** Default `instance` (autoscaling groups register instances). */
  readonly targetType?: 'instance' | 'ip';
  readonly healthCheck: HealthCheck;
  /** Attributes to set; others are left as AWS has them. */
  readonly attributes?: Readonly<Record<string, string>>;
  readonly tags: Tags;
  /** ARN of a shared target group (with `task.shared`): found by ARN, never changed. */
  readonly id?: string;
}

export interface TargetGroupActual {
  readonly arn: string;
  readonly name: string;
  readonly vpcId: string;
  readonly protocol: string;
  readonly port: number;
  readonly targetType: string;
  readonly healthCheck: { readonly protocol: string; readonly path: string; readonly intervalSeconds: number; readonly healthyThreshold: number; readonly unhealthyThreshold: number };
  readonly attributes: Readonly<Record<string, string>>;
  readonly loadBalancerArns: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

function toActual(tg: TargetGroup, tags: Readonly<Record<string, string>>, attrs: readonly TargetGroupAttribute[]): TargetGroupActual {
  return {
    arn: tg.TargetGroupArn ?? '',
    name: tg.TargetGroupName ?? '',
    vpcId: tg.VpcId ?? '',
    protocol: tg.Protocol ?? '',
    port: tg.Port ?? 0,
    targetType: tg.TargetType ?? 'instance',
    healthCheck: {
      protocol: tg.HealthCheckProtocol ?? '',
      path: tg.HealthCheckPath ?? '',
      intervalSeconds: tg.HealthCheckIntervalSeconds ?? 0,
      healthyThreshold: tg.HealthyThresholdCount ?? 0,
      unhealthyThreshold: tg.UnhealthyThresholdCount ?? 0,
    },
    attributes: Object.fromEntries(attrs.map((a) => [a.Key ?? '', String(a.Value ?? '')])),
    loadBalancerArns: [...(tg.LoadBalancerArns ?? [])].sort(),
    tags,
  };
}

async function attributesOf(ctx: AwsTaskContext, arn: string): Promise<TargetGroupAttribute[]> {
  const out = await ctx.clients.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }));
  return out.Attributes ?? [];
}

async function readTargetGroup(ctx: AwsTaskContext, arn: string): Promise<TargetGroupActual> {
  const [described, tags, attrs] = await Promise.all([
    ctx.clients.elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] })),
    describeTags(ctx.clients.elbv2, [arn]),
    attributesOf(ctx, arn),
  ]);
  const tg = described.TargetGroups?.[0];
  if (!tg) throw new KopsError('TargetGroupNotFound', `target group ${arn} was not found just after it was written`, { hint: 're-run the update; AWS may be slow to show it' });
  return toActual(tg, tags.get(arn) ?? {}, attrs);
}

function attributeList(attrs: Readonly<Record<string, string>>): TargetGroupAttribute[] {
  return Object.entries(attrs)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Key, Value]) => ({ Key, Value }));
}

function isHttp(p: string): boolean {
  return p === 'HTTP' || p === 'HTTPS';
}

async function create(ctx: AwsTaskContext, d: TargetGroupDesired, refs: RefResolver): Promise<TargetGroupActual> {
  if (d.id !== undefined) {
    throw new KopsError('SharedResourceNotFound', `shared target group ${d.id} was not found`, {
      hint: 'a shared target group belongs to the user and must exist; check its ARN in the instance group spec',
    });
  }
  const hc = d.healthCheck;
  const out = await ctx.clients.elbv2.send(
    new CreateTargetGroupCommand({
      Name: d.name,
      Protocol: d.protocol,
      Port: d.port,
      VpcId: refs.known(d.vpc),
      TargetType: d.targetType ?? 'instance',
      HealthCheckProtocol: hc.protocol,
      ...(isHttp(hc.protocol) && hc.path !== undefined ? { HealthCheckPath: hc.path } : {}),
      HealthCheckIntervalSeconds: hc.intervalSeconds,
      HealthyThresholdCount: hc.healthyThreshold,
      UnhealthyThresholdCount: hc.unhealthyThreshold,
      Tags: elbTags(d.tags),
    }),
  );
  const created = out.TargetGroups?.[0];
  const arn = created?.TargetGroupArn;
  if (!created || !arn) throw new KopsError('TargetGroupNotCreated', `CreateTargetGroup returned no target group for TargetGroup/${d.name}`);
  if (!d.attributes || Object.keys(d.attributes).length === 0) return readTargetGroup(ctx, arn);
  const attrs = attributeList(d.attributes);
  const modified = await ctx.clients.elbv2.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: attrs }));
  // CreateTargetGroup answered with the group, the tags are the ones it was created with (in the
  // same request) and ModifyTargetGroupAttributes answers with the attributes: reading all three
  // again would only add a round trip to the API's critical path (docs/performance.md §2).
  return toActual(created, d.tags, [...attrs, ...(modified.Attributes ?? [])]);
}

const HEALTH_FIELDS = new Set(['healthCheckProtocol', 'healthCheckPath', 'healthCheckIntervalSeconds', 'healthyThreshold', 'unhealthyThreshold']);

async function update(ctx: AwsTaskContext, a: TargetGroupActual, d: TargetGroupDesired, fields: readonly FieldChange[]): Promise<TargetGroupActual> {
  const changed = new Set(fields.map((f) => f.field));
  const elbv2 = ctx.clients.elbv2;
  if ([...changed].some((f) => HEALTH_FIELDS.has(f))) {
    const hc = d.healthCheck;
    await elbv2.send(
      new ModifyTargetGroupCommand({
        TargetGroupArn: a.arn,
        HealthCheckProtocol: hc.protocol,
        ...(isHttp(hc.protocol) ? { HealthCheckPath: hc.path ?? '/', Matcher: { HttpCode: '200-399' } } : {}),
        HealthCheckIntervalSeconds: hc.intervalSeconds,
        HealthyThresholdCount: hc.healthyThreshold,
        UnhealthyThresholdCount: hc.unhealthyThreshold,
      }),
    );
  }
  if (changed.has('attributes') && d.attributes) {
    await elbv2.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: a.arn, Attributes: attributeList(d.attributes) }));
  }
  const add = tagsToSet(a.tags, d.tags);
  if (Object.keys(add).length > 0) await elbv2.send(new AddTagsCommand({ ResourceArns: [a.arn], Tags: elbTags(add) }));
  return readTargetGroup(ctx, a.arn);
}

async function deleteTargetGroup(ctx: AwsTaskContext, a: TargetGroupActual): Promise<void> {
  try {
    await ctx.clients.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: a.arn }));
  } catch (e) {
    // A target group still used by a listener fails with ResourceInUse: the executor retries it
    // after the listener (or its load balancer) is gone.
    if (isAwsError(e, 'TargetGroupNotFoundException', 'TargetGroupNotFound')) return;
    throw e;
  }
}

/** The cluster's target group for a task: by `Name` tag, or by its AWS name (unique per region). */
function match(items: readonly Tagged<TargetGroup>[], taskName: string, d: TargetGroupDesired, clusterName: string): Tagged<TargetGroup> | undefined {
  if (d.id !== undefined) return items.find((i) => i.arn === d.id);
  const owned = items.filter((i) => ownedByCluster(i.tags, clusterName));
  return owned.find((i) => i.tags.Name === taskName) ?? owned.find((i) => i.resource.TargetGroupName === d.name);
}

export const targetGroupKind: TaskKind<TargetGroupDesired, TargetGroupActual, AwsTaskContext> = {
  kind: 'TargetGroup',
  fields: {
    vpc: { mode: 'replace' },
    protocol: { mode: 'replace' },
    port: { mode: 'replace' },
    targetType: { mode: 'replace' },
    attributes: { compare: 'tags' },
    tags: { compare: 'tags' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, TargetGroupActual>();
    if (tasks.length === 0) return found;
    const listing = await elbListing(ctx);
    const matched = tasks.flatMap((t) => {
      const hit = match(listing.targetGroups, t.name, t.desired, ctx.clusterName);
      return hit ? [{ name: t.name, hit }] : [];
    });
    // Attributes have no batched describe: one call per target group found (a cluster has 1-3).
    const attrs = await Promise.all(matched.map(({ hit }) => attributesOf(ctx, hit.arn)));
    matched.forEach(({ name, hit }, i) => found.set(name, toActual(hit.resource, hit.tags, attrs[i] ?? [])));
    return found;
  },

  view(d, refs): View {
    const hc = d.healthCheck;
    return {
      vpc: refs.resolve(d.vpc),
      protocol: d.protocol,
      port: d.port,
      targetType: d.targetType ?? 'instance',
      healthCheckProtocol: hc.protocol,
      // The path only means something for HTTP(S) checks (AWS keeps none for TCP).
      healthCheckPath: isHttp(hc.protocol) ? (hc.path ?? '/') : undefined,
      healthCheckIntervalSeconds: hc.intervalSeconds,
      healthyThreshold: hc.healthyThreshold,
      unhealthyThreshold: hc.unhealthyThreshold,
      attributes: d.attributes,
      tags: d.tags,
    };
  },

  actualView(a): View {
    const hc = a.healthCheck;
    return {
      vpc: a.vpcId,
      protocol: a.protocol,
      port: a.port,
      targetType: a.targetType,
      healthCheckProtocol: hc.protocol,
      healthCheckPath: isHttp(hc.protocol) ? hc.path || '/' : undefined,
      healthCheckIntervalSeconds: hc.intervalSeconds,
      healthyThreshold: hc.healthyThreshold,
      unhealthyThreshold: hc.unhealthyThreshold,
      attributes: a.attributes,
      tags: a.tags,
    };
  },

  async apply(ctx, req) {
    if ((req.action === 'replace' || req.action === 'delete') && req.actual) {
      await deleteTargetGroup(ctx, req.actual);
      if (req.action === 'delete') return req.actual;
    }
    if (req.action === 'update' && req.actual) return update(ctx, req.actual, req.desired, req.fields);
    return create(ctx, req.desired, req.refs);
  },

  outputs: (a) => ({ id: a.arn, arn: a.arn, name: a.name }),

  delete: deleteTargetGroup,
};
