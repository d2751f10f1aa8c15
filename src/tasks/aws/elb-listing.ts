/**
 * What the ELBv2 kinds (NetworkLoadBalancer, TargetGroup, NetworkLoadBalancerListener) share:
 * kops's 32-character AWS names, and ONE per-run listing of the account's load balancers and
 * target groups with their tags.
 *
 * ELBv2 cannot filter a describe by tag (kops has the same "TODO: any way around this?"), so the
 * listing is: DescribeLoadBalancers (all pages) and DescribeTargetGroups (all pages), then
 * DescribeTags for every ARN in batches of 20 (the API's limit). Its cost grows with the number of
 * load balancers and target groups in the account and region, never with the number of tasks, and
 * it is memoised through `ctx.once` so the three kinds pay it once per run between them.
 */
import {
  DescribeTagsCommand,
  paginateDescribeLoadBalancers,
  paginateDescribeTargetGroups,
  type ElasticLoadBalancingV2Client,
  type LoadBalancer,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AWS_NAME_LIMITS, truncateName } from './truncate.js';
import { TAG_CLUSTER, fromAwsTags, ownershipTagKey, toAwsTags, type AwsTaskContext, type Tags } from './context.js';

/** ELBv2 DescribeTags accepts at most 20 ARNs per call. */
export const DESCRIBE_TAGS_BATCH = 20;

const TAG_CALLS_AT_ONCE = 4;

/** The largest page DescribeLoadBalancers / DescribeTargetGroups allow. */
const PAGE_SIZE = 400;

// ---------------------------------------------------------------------------------------------
// Names

/** kops's hash (`truncate.HashString`); kept here for existing imports. */
export { kopsHashString } from './truncate.js';

/**
 * kops's `awsup.GetResourceName32`: `<prefix>-<cluster with dots as dashes>`, cut to 25
 * characters, then `-` and a 6-character hash of the uncut string. The hash is ALWAYS added (kops
 * does so "lest we trick users into assuming that we never do this"), so the result is at most 32
 * characters, the limit of load-balancer and target-group names. E.g. `api` +
 * `mycluster.example.com` gives `api-mycluster-example-com-<hash>`.
 */
export function awsResourceName32(cluster: string, prefix: string): string {
  // One departure: AWS refuses consecutive hyphens in these names (ValidationError), which kops
  // produces when the cut falls just after a dash (`kops-controller-demo-k8s--<hash>` for
  // demo.k8s.local). Such names cannot exist on AWS, so collapsing the dashes changes no name kops
  // could have created.
  return truncateName(`${prefix}-${cluster.replaceAll('.', '-')}`, AWS_NAME_LIMITS.loadBalancer, { alwaysHash: true }).replace(/-{2,}/g, '-');
}

/** The AWS name of the API load balancer (`LBName32("api")`); the task name is `api.<cluster>`. */
export function apiLoadBalancerAwsName(cluster: string): string {
  return awsResourceName32(cluster, 'api');
}

/** The name of a target group of the API load balancer (`tcp`, `tls`, `kops-controller`). */
export function targetGroupName(cluster: string, prefix: string): string {
  return awsResourceName32(cluster, prefix);
}

/** kops's listener task name: `api.<cluster>-443`. */
export function listenerTaskName(loadBalancerTaskName: string, port: number): string {
  return `${loadBalancerTaskName}-${port}`;
}

// ---------------------------------------------------------------------------------------------
// The listing

export interface Tagged<T> {
  readonly arn: string;
  readonly resource: T;
  readonly tags: Readonly<Record<string, string>>;
}

export interface ElbListing {
  /** Every load balancer of the account and region (any type, any owner), with its tags. */
  readonly loadBalancers: readonly Tagged<LoadBalancer>[];
  /** Every target group of the account and region, with its tags. */
  readonly targetGroups: readonly Tagged<TargetGroup>[];
}

/** The per-run listing (see the file comment); shared by the ELBv2 kinds through `ctx.once`. */
export function elbListing(ctx: AwsTaskContext): Promise<ElbListing> {
  return ctx.once('elbv2:listing', async () => {
    const elbv2 = ctx.clients.elbv2;
    const [lbs, tgs] = await Promise.all([listLoadBalancers(elbv2), listTargetGroups(elbv2)]);
    const arns = [...lbs.map((l) => l.LoadBalancerArn ?? ''), ...tgs.map((t) => t.TargetGroupArn ?? '')].filter((a) => a !== '');
    const tags = await describeTags(elbv2, arns);
    const tagged = <T>(arn: string | undefined, resource: T): Tagged<T> => ({ arn: arn ?? '', resource, tags: tags.get(arn ?? '') ?? {} });
    return {
      loadBalancers: lbs.map((l) => tagged(l.LoadBalancerArn, l)),
      targetGroups: tgs.map((t) => tagged(t.TargetGroupArn, t)),
    };
  });
}

async function listLoadBalancers(elbv2: ElasticLoadBalancingV2Client): Promise<LoadBalancer[]> {
  const out: LoadBalancer[] = [];
  for await (const page of paginateDescribeLoadBalancers({ client: elbv2, pageSize: PAGE_SIZE }, {})) {
    out.push(...(page.LoadBalancers ?? []));
  }
  return out;
}

async function listTargetGroups(elbv2: ElasticLoadBalancingV2Client): Promise<TargetGroup[]> {
  const out: TargetGroup[] = [];
  for await (const page of paginateDescribeTargetGroups({ client: elbv2, pageSize: PAGE_SIZE }, {})) {
    out.push(...(page.TargetGroups ?? []));
  }
  return out;
}

/** Tags of ELBv2 resources (load balancers, target groups, listeners), 20 ARNs per call. */
export async function describeTags(elbv2: ElasticLoadBalancingV2Client, arns: readonly string[]): Promise<Map<string, Record<string, string>>> {
  const batches: string[][] = [];
  for (let i = 0; i < arns.length; i += DESCRIBE_TAGS_BATCH) batches.push(arns.slice(i, i + DESCRIBE_TAGS_BATCH));
  const out = new Map<string, Record<string, string>>();
  // A few at a time: an account with hundreds of load balancers should not trip the API's rate limit.
  for (let i = 0; i < batches.length; i += TAG_CALLS_AT_ONCE) {
    const pages = await Promise.all(batches.slice(i, i + TAG_CALLS_AT_ONCE).map((ResourceArns) => elbv2.send(new DescribeTagsCommand({ ResourceArns }))));
    for (const page of pages) {
      for (const d of page.TagDescriptions ?? []) if (d.ResourceArn) out.set(d.ResourceArn, fromAwsTags(d.Tags));
    }
  }
  return out;
}

/** Owned by this cluster: the legacy `KubernetesCluster` tag, or `kubernetes.io/cluster/<name>=owned`. */
export function ownedByCluster(tags: Readonly<Record<string, string>>, clusterName: string): boolean {
  return tags[TAG_CLUSTER] === clusterName || tags[ownershipTagKey(clusterName)] === 'owned';
}

/**
 * The cluster's resource carrying `Name=<name>`. Several can match after an interrupted
 * replacement; the newest wins (`CreatedTime` for load balancers; target groups have none, so the
 * listing order), matching kops's "latest revision" rule.
 */
export function pickByNameTag<T>(items: readonly Tagged<T>[], name: string, clusterName: string, created?: (r: T) => number): Tagged<T> | undefined {
  const matches = items.filter((i) => i.tags.Name === name && ownedByCluster(i.tags, clusterName));
  if (created) matches.sort((a, b) => created(b.resource) - created(a.resource));
  return matches[0];
}

/** ELBv2's tag shape for Create* calls. */
export function elbTags(tags: Tags): { Key: string; Value: string }[] {
  return toAwsTags(tags).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
}

/** Whether an SDK error is the named exception (by `name`, as the SDK sets it from the error code). */
export function isAwsError(e: unknown, ...names: string[]): boolean {
  return typeof e === 'object' && e !== null && names.includes((e as { name?: unknown }).name as string);
}
