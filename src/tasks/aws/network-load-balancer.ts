/**
 * `NetworkLoadBalancer`: the API load balancer (`NetworkLoadBalancer/api.<cluster>`) and the
 * bastion's (`bastion.<cluster>`), AWS names `api-<cluster, dashed, cut>-<hash>` and
 * `bastion-...` (kops's `LBName32`, `awsResourceName32`).
 *
 * As in kops, the `Name` tag identifies the load balancer (the AWS name is only used at creation
 * and is never compared: it cannot change). Scheme and type cannot change in place: a change
 * replaces the load balancer, and making it internet-facing is flagged as an exposure change.
 * Security groups are set at creation (kops: `api-elb.<cluster>` plus the spec's additional
 * groups); AWS cannot add security groups to a Network Load Balancer created without any, nor
 * remove them all from one created with some, so that change (`securityGroupsAttached`) is a
 * replacement, while a different set of groups is `SetSecurityGroups` in place. Subnets, the IP
 * address type, attributes (cross-zone, access logs) and tags change in place.
 *
 * `crossZoneLoadBalancing` defaults to on here; the model builders always set it (kops forces it on
 * when nodes reach kops-controller through the API load balancer, else the spec's value, default off). */
import {
  AddTagsCommand,
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  ModifyLoadBalancerAttributesCommand,
  SetIpAddressTypeCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  waitUntilLoadBalancerAvailable,
  waitUntilLoadBalancersDeleted,
  type LoadBalancer,
  type LoadBalancerAttribute,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { KopsError } from '../../diagnostics.js';
import { tagsToSet, type AwsTaskContext, type Tags } from './context.js';
import { describeTags, elbListing, elbTags, isAwsError, pickByNameTag, type Tagged } from './elb-listing.js';
import type { FieldChange, RefResolver, TaskKind, Val, View } from '../types.js';

export type LoadBalancerScheme = 'internet-facing' | 'internal';

export interface NetworkLoadBalancerDesired {
  /** The AWS name, at most 32 characters (`apiLoadBalancerAwsName(cluster)`); used only to create. */
  readonly loadBalancerName: string;
  /** `internet-facing` for kops's `Public` API load balancer, `internal` for `Internal`. */
  readonly scheme: LoadBalancerScheme;
  /** Subnet ids (refs to `Subnet` tasks): at most one per zone. */
  readonly subnets: readonly Val<string>[];
  /** Security groups (kops: `api-elb.<cluster>`). Absent: don't care. */
  readonly securityGroups?: readonly Val<string>[];
  /** Default `ipv4`; kops uses `dualstack` when every subnet has an IPv6 CIDR. */
  readonly ipAddressType?: 'ipv4' | 'dualstack';
  /** Default true (kops forces it on: nodes bootstrap through the load balancer). */
  readonly crossZoneLoadBalancing?: boolean;
  /** Access logs to S3; absent means disabled. */
  readonly accessLog?: { readonly bucket: string; readonly prefix?: string };
  /**
   * Wait after creation until the load balancer is `active` (kops does when worker nodes need its
   * addresses at boot). A listener or DNS alias can be made while it is still provisioning.
   */
  readonly waitForReady?: boolean;
  readonly tags: Tags;
  /** ARN of a shared load balancer (with `task.shared`): found by ARN, never changed. */
  readonly id?: string;
}

export interface NetworkLoadBalancerActual {
  readonly arn: string;
  readonly loadBalancerName: string;
  readonly type: string;
  readonly scheme: string;
  readonly dnsName: string;
  readonly hostedZoneId: string;
  readonly vpcId: string;
  readonly state: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly ipAddressType: string;
  readonly crossZoneLoadBalancing: boolean;
  readonly accessLog: { readonly enabled: boolean; readonly bucket: string; readonly prefix: string };
  readonly tags: Readonly<Record<string, string>>;
}

const ATTR_CROSS_ZONE = 'load_balancing.cross_zone.enabled';
const ATTR_LOGS_ENABLED = 'access_logs.s3.enabled';
const ATTR_LOGS_BUCKET = 'access_logs.s3.bucket';
const ATTR_LOGS_PREFIX = 'access_logs.s3.prefix';

function toActual(lb: LoadBalancer, tags: Readonly<Record<string, string>>, attrs: readonly LoadBalancerAttribute[]): NetworkLoadBalancerActual {
  const attr = new Map(attrs.map((a) => [a.Key ?? '', a.Value ?? '']));
  return {
    arn: lb.LoadBalancerArn ?? '',
    loadBalancerName: lb.LoadBalancerName ?? '',
    type: lb.Type ?? '',
    scheme: lb.Scheme ?? '',
    dnsName: lb.DNSName ?? '',
    hostedZoneId: lb.CanonicalHostedZoneId ?? '',
    vpcId: lb.VpcId ?? '',
    state: lb.State?.Code ?? '',
    subnets: (lb.AvailabilityZones ?? []).flatMap((z) => (z.SubnetId ? [z.SubnetId] : [])).sort(),
    securityGroups: [...(lb.SecurityGroups ?? [])].sort(),
    ipAddressType: lb.IpAddressType ?? 'ipv4',
    crossZoneLoadBalancing: attr.get(ATTR_CROSS_ZONE) === 'true',
    accessLog: { enabled: attr.get(ATTR_LOGS_ENABLED) === 'true', bucket: attr.get(ATTR_LOGS_BUCKET) ?? '', prefix: attr.get(ATTR_LOGS_PREFIX) ?? '' },
    tags,
  };
}

async function attributesOf(ctx: AwsTaskContext, arn: string): Promise<LoadBalancerAttribute[]> {
  const out = await ctx.clients.elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
  return out.Attributes ?? [];
}

/** Reads one load balancer by ARN (after apply): describe, tags, attributes. */
async function readLoadBalancer(ctx: AwsTaskContext, arn: string): Promise<NetworkLoadBalancerActual> {
  const [described, tags, attrs] = await Promise.all([
    ctx.clients.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] })),
    describeTags(ctx.clients.elbv2, [arn]),
    attributesOf(ctx, arn),
  ]);
  const lb = described.LoadBalancers?.[0];
  if (!lb) throw new KopsError('LoadBalancerNotFound', `load balancer ${arn} was not found just after it was written`, { hint: 're-run the update; AWS may be slow to show it' });
  return toActual(lb, tags.get(arn) ?? {}, attrs);
}

/** The attributes kops manages, as AWS spells them. */
function desiredAttributes(d: NetworkLoadBalancerDesired): LoadBalancerAttribute[] {
  const attrs: LoadBalancerAttribute[] = [
    { Key: ATTR_CROSS_ZONE, Value: String(d.crossZoneLoadBalancing ?? true) },
    { Key: ATTR_LOGS_ENABLED, Value: String(d.accessLog !== undefined) },
  ];
  if (d.accessLog) {
    attrs.push({ Key: ATTR_LOGS_BUCKET, Value: d.accessLog.bucket }, { Key: ATTR_LOGS_PREFIX, Value: d.accessLog.prefix ?? '' });
  }
  return attrs;
}

async function create(ctx: AwsTaskContext, name: string, d: NetworkLoadBalancerDesired, refs: RefResolver, signal?: AbortSignal): Promise<NetworkLoadBalancerActual> {
  if (d.id !== undefined) {
    throw new KopsError('SharedResourceNotFound', `shared load balancer ${d.id} (NetworkLoadBalancer/${name}) was not found`, {
      hint: 'a shared load balancer belongs to the user and must exist; check its ARN in the cluster spec',
    });
  }
  const sgs = d.securityGroups?.map((s) => refs.known(s));
  const out = await ctx.clients.elbv2.send(
    new CreateLoadBalancerCommand({
      Name: d.loadBalancerName,
      Type: 'network',
      Scheme: d.scheme,
      IpAddressType: d.ipAddressType ?? 'ipv4',
      Subnets: d.subnets.map((s) => refs.known(s)),
      ...(sgs && sgs.length > 0 ? { SecurityGroups: sgs } : {}),
      Tags: elbTags(d.tags),
    }),
  );
  const created = out.LoadBalancers?.[0];
  const arn = created?.LoadBalancerArn;
  if (!created || !arn) throw new KopsError('LoadBalancerNotCreated', `CreateLoadBalancer returned no load balancer for NetworkLoadBalancer/${name}`);
  const attrs = desiredAttributes(d);
  const modified = await ctx.clients.elbv2.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: attrs }));
  if (d.waitForReady) {
    await waitUntilLoadBalancerAvailable({ client: ctx.clients.elbv2, maxWaitTime: 15 * 60, ...(signal ? { abortSignal: signal } : {}) }, { LoadBalancerArns: [arn] });
    return readLoadBalancer(ctx, arn);
  }
  // CreateLoadBalancer answered with the load balancer, the tags are the ones it was created with
  // (in the same request) and ModifyLoadBalancerAttributes answers with the attributes: reading all
  // three again would only add a round trip to the API's critical path (docs/performance.md §2).
  return toActual(created, d.tags, [...attrs, ...(modified.Attributes ?? [])]);
}

const ATTRIBUTE_FIELDS = new Set(['crossZoneLoadBalancing', 'accessLogsEnabled', 'accessLogsBucket', 'accessLogsPrefix']);

async function update(ctx: AwsTaskContext, a: NetworkLoadBalancerActual, d: NetworkLoadBalancerDesired, refs: RefResolver, fields: readonly FieldChange[]): Promise<NetworkLoadBalancerActual> {
  const changed = new Set(fields.map((f) => f.field));
  const elbv2 = ctx.clients.elbv2;
  const arn = a.arn;
  if (changed.has('subnets')) {
    await elbv2.send(new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: d.subnets.map((s) => refs.known(s)) }));
  }
  if (changed.has('securityGroups') && d.securityGroups) {
    await elbv2.send(new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: d.securityGroups.map((s) => refs.known(s)) }));
  }
  if (changed.has('ipAddressType')) {
    await elbv2.send(new SetIpAddressTypeCommand({ LoadBalancerArn: arn, IpAddressType: d.ipAddressType ?? 'ipv4' }));
  }
  if ([...changed].some((f) => ATTRIBUTE_FIELDS.has(f))) {
    await elbv2.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: desiredAttributes(d) }));
  }
  const add = tagsToSet(a.tags, d.tags);
  if (Object.keys(add).length > 0) {
    await elbv2.send(new AddTagsCommand({ ResourceArns: [arn], Tags: elbTags(add) }));
  }
  return readLoadBalancer(ctx, arn);
}

async function deleteLoadBalancer(ctx: AwsTaskContext, a: NetworkLoadBalancerActual, opts?: { readonly signal?: AbortSignal }): Promise<void> {
  try {
    await ctx.clients.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: a.arn }));
  } catch (e) {
    if (isAwsError(e, 'LoadBalancerNotFoundException', 'LoadBalancerNotFound')) return;
    throw e;
  }
  // Deletion is asynchronous on AWS: wait until it is gone, so that a replacement can take the same
  // name and the security groups and subnets it used can be deleted after it.
  await waitUntilLoadBalancersDeleted({ client: ctx.clients.elbv2, maxWaitTime: 10 * 60, ...(opts?.signal ? { abortSignal: opts.signal } : {}) }, { LoadBalancerArns: [a.arn] });
}

const created = (lb: LoadBalancer): number => lb.CreatedTime?.getTime() ?? 0;

export const networkLoadBalancerKind: TaskKind<NetworkLoadBalancerDesired, NetworkLoadBalancerActual, AwsTaskContext> = {
  kind: 'NetworkLoadBalancer',
  fields: {
    scheme: { mode: 'replace', security: 'exposure' },
    type: { mode: 'replace' },
    subnets: { compare: 'set' },
    // An NLB created without security groups can never get one (and vice versa): replace.
    securityGroupsAttached: { mode: 'replace' },
    securityGroups: { compare: 'set' },
    tags: { compare: 'tags' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, NetworkLoadBalancerActual>();
    if (tasks.length === 0) return found;
    const listing = await elbListing(ctx);
    const matched: [string, Tagged<LoadBalancer>][] = [];
    for (const t of tasks) {
      const hit = t.desired.id !== undefined
        ? listing.loadBalancers.find((l) => l.arn === t.desired.id)
        : pickByNameTag(listing.loadBalancers, t.name, ctx.clusterName, created);
      if (hit) matched.push([t.name, hit]);
    }
    // Attributes have no batched describe: one call per load balancer found (a cluster has one).
    const attrs = await Promise.all(matched.map(([, hit]) => attributesOf(ctx, hit.arn)));
    matched.forEach(([name, hit], i) => found.set(name, toActual(hit.resource, hit.tags, attrs[i] ?? [])));
    return found;
  },

  view(d, refs): View {
    return {
      scheme: d.scheme,
      type: 'network',
      subnets: d.subnets.map((s) => refs.resolve(s)),
      securityGroupsAttached: d.securityGroups === undefined ? undefined : d.securityGroups.length > 0,
      securityGroups: d.securityGroups?.map((s) => refs.resolve(s)),
      ipAddressType: d.ipAddressType ?? 'ipv4',
      crossZoneLoadBalancing: d.crossZoneLoadBalancing ?? true,
      accessLogsEnabled: d.accessLog !== undefined,
      accessLogsBucket: d.accessLog?.bucket,
      accessLogsPrefix: d.accessLog ? (d.accessLog.prefix ?? '') : undefined,
      tags: d.tags,
    };
  },

  actualView(a): View {
    return {
      scheme: a.scheme,
      type: a.type,
      subnets: [...a.subnets].sort(),
      securityGroupsAttached: a.securityGroups.length > 0,
      securityGroups: [...a.securityGroups].sort(),
      ipAddressType: a.ipAddressType,
      crossZoneLoadBalancing: a.crossZoneLoadBalancing,
      accessLogsEnabled: a.accessLog.enabled,
      accessLogsBucket: a.accessLog.bucket,
      accessLogsPrefix: a.accessLog.prefix,
      tags: a.tags,
    };
  },

  async apply(ctx, req) {
    const cancel = req.signal ? { signal: req.signal } : {};
    if (req.action === 'replace' && req.actual) await deleteLoadBalancer(ctx, req.actual, cancel);
    if (req.action === 'delete' && req.actual) {
      await deleteLoadBalancer(ctx, req.actual, cancel);
      return req.actual;
    }
    if (req.action === 'update' && req.actual) return update(ctx, req.actual, req.desired, req.refs, req.fields);
    return create(ctx, req.name, req.desired, req.refs, req.signal);
  },

  outputs: (a) => ({ id: a.arn, arn: a.arn, name: a.loadBalancerName, dnsName: a.dnsName, hostedZoneId: a.hostedZoneId, vpcId: a.vpcId }),

  delete: deleteLoadBalancer,
};
