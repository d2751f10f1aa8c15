/**
 * AWS: what the cloud controller made for the cluster's `type: LoadBalancer` Services, found by
 * `delete cluster` so that the subnets, the internet gateway and the VPC they sit in can go
 * (kubernetes/kops#4672; users.md §4). kops's lister does the same (ELBs, ELBv2 load balancers and
 * target groups by their cluster tags).
 *
 * How the controller tags them (kubernetes/cloud-provider-aws, pkg/providers/v1): its cluster ID
 * comes from the tags of the control-plane instance it runs on (`initFromTags`, tags.go), which
 * kops-ts tags `KubernetesCluster=<cluster>` and `kubernetes.io/cluster/<cluster>=owned`; seeing
 * the legacy tag, it puts BOTH on what it creates (`buildTags(owned)`), plus
 * `kubernetes.io/service-name=<namespace>/<name>` on load balancers and target groups
 * (aws_loadbalancer.go). Its classic ELB's security group `k8s-elb-<lb name>` (aws.go) carries
 * the cluster tags only: those groups are found with the cluster's other security groups
 * (delete-tagged.ts).
 *
 * Ownership: either tag, never `kubernetes.io/cluster/<cluster>=shared`, never another cluster's,
 * never untagged. ELBv2 resources a task of the cluster describes (the API's NLB and its target
 * groups) are its kinds' and left to them; the ELBv2 listing is the per-run one of elb-listing.ts.
 *
 * The classic ELB SDK (`@aws-sdk/client-elastic-load-balancing`) is imported when a listing or a
 * delete first needs it (`AwsClients.elb`, `classicElb`): commands other than `delete cluster`
 * never load it.
 */
import type { ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { DeleteLoadBalancerCommand as DeleteV2LoadBalancerCommand, DeleteTargetGroupCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DumpLoadBalancer } from '../../cloudup/inspect.js';
import type { OwnedResource } from '../provider.js';
import { elbListing, isAwsError } from '../../tasks/aws/elb-listing.js';
import { fromAwsTags, type AwsTaskContext } from '../../tasks/aws/context.js';
import { ownedNotShared } from './delete-tagged.js';

/** A classic ELB a Service made (not a task kind: kops-ts never creates one). */
export const SERVICE_ELB_KIND = 'ServiceLoadBalancer';
/** An ELBv2 load balancer (NLB) a Service made, no task of the cluster describing it. */
export const SERVICE_NLB_KIND = 'ServiceNetworkLoadBalancer';
/** An ELBv2 target group a Service's NLB forwards to. */
export const SERVICE_TARGET_GROUP_KIND = 'ServiceTargetGroup';

/** The tag the controller puts on a Service's load balancers and target groups. */
export const TAG_SERVICE_NAME = 'kubernetes.io/service-name';

/** Classic ELB DescribeTags accepts at most 20 load balancer names a call. */
export const ELB_DESCRIBE_TAGS_BATCH = 20;
/** The largest page classic ELB DescribeLoadBalancers allows. */
const ELB_PAGE_SIZE = 400;

/** A classic ELB with its tags. */
export interface ClassicLoadBalancer {
  readonly name: string;
  readonly dnsName: string;
  readonly scheme: string;
  readonly vpcId: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

/** Every classic ELB of the account and region with its tags: all pages (Marker), then tags 20 names a call. */
export async function listClassicLoadBalancers(elb: ElasticLoadBalancingClient, pageSize = ELB_PAGE_SIZE): Promise<ClassicLoadBalancer[]> {
  const { paginateDescribeLoadBalancers } = await classicElb();
  const found: Omit<ClassicLoadBalancer, 'tags'>[] = [];
  // The SDK's paginator for this API has no page-size token: the size goes in the input.
  for await (const page of paginateDescribeLoadBalancers({ client: elb }, { PageSize: pageSize })) {
    for (const d of page.LoadBalancerDescriptions ?? []) {
      if (d.LoadBalancerName) {
        found.push({ name: d.LoadBalancerName, dnsName: d.DNSName ?? '', scheme: d.Scheme ?? '', vpcId: d.VPCId ?? '', subnets: [...(d.Subnets ?? [])].sort(), securityGroups: [...(d.SecurityGroups ?? [])].sort() });
      }
    }
  }
  const tags = new Map<string, Record<string, string>>();
  for (let i = 0; i < found.length; i += ELB_DESCRIBE_TAGS_BATCH) {
    const names = found.slice(i, i + ELB_DESCRIBE_TAGS_BATCH).map((f) => f.name);
    for (const [name, t] of await tagsOf(elb, names)) tags.set(name, t);
  }
  // One deleted between the listing and its tags is gone: not listed.
  return found.filter((f) => tags.has(f.name)).map((f) => ({ ...f, tags: tags.get(f.name) ?? {} }));
}

/** Tags by name; a load balancer deleted meanwhile fails the whole call, so then it is asked one by one. */
async function tagsOf(elb: ElasticLoadBalancingClient, names: readonly string[]): Promise<Map<string, Record<string, string>>> {
  const { DescribeTagsCommand } = await classicElb();
  const out = new Map<string, Record<string, string>>();
  try {
    const r = await elb.send(new DescribeTagsCommand({ LoadBalancerNames: [...names] }));
    for (const d of r.TagDescriptions ?? []) if (d.LoadBalancerName) out.set(d.LoadBalancerName, fromAwsTags(d.Tags));
    return out;
  } catch (e) {
    if (!isGone(e)) throw e;
    if (names.length === 1) return out; // that one is gone
  }
  for (const n of names) for (const [k, v] of await tagsOf(elb, [n])) out.set(k, v);
  return out;
}

/** The classic ELB SDK module, imported on first use. */
const classicElb = () => import('@aws-sdk/client-elastic-load-balancing');

/** Classic ELB's "no such load balancer" (`LoadBalancerNotFound`, the SDK's AccessPointNotFoundException). */
function isGone(e: unknown): boolean {
  return isAwsError(e, 'AccessPointNotFoundException', 'LoadBalancerNotFound');
}

/** One of them, with what `delete cluster` lists and `toolbox dump` shows. */
export interface ServiceResource {
  readonly resource: OwnedResource;
  /** Load balancers only: `toolbox dump`'s `loadBalancers` entry. */
  readonly dump?: DumpLoadBalancer;
}

/** The cluster's Service load balancers and target groups (see the file comment); `known`: ids the kinds found. */
export async function findServiceLoadBalancers(ctx: AwsTaskContext, known: ReadonlySet<string>): Promise<ServiceResource[]> {
  const cluster = ctx.clusterName;
  const elb = await ctx.clients.elb();
  const { DeleteLoadBalancerCommand } = await classicElb();
  const [classic, v2] = await Promise.all([listClassicLoadBalancers(elb), elbListing(ctx)]);
  const out: ServiceResource[] = [];
  for (const lb of classic) {
    if (!ownedNotShared(lb.tags, cluster)) continue;
    const name = lb.name;
    out.push({
      // DeleteLoadBalancer succeeds for a load balancer already gone (AWS's documented behaviour).
      resource: { kind: SERVICE_ELB_KIND, type: 'load-balancer', name, id: name, remove: async () => void (await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerName: name }))) },
      // Classic ELBs have no state: one that is listed is in service.
      dump: { name, dnsName: lb.dnsName, type: 'classic', scheme: lb.scheme, state: '', subnets: lb.subnets, securityGroups: lb.securityGroups },
    });
  }
  for (const lb of v2.loadBalancers) {
    if (!lb.arn || known.has(lb.arn) || !ownedNotShared(lb.tags, cluster)) continue;
    const arn = lb.arn;
    const r = lb.resource;
    const name = r.LoadBalancerName ?? arn;
    out.push({
      resource: { kind: SERVICE_NLB_KIND, type: 'load-balancer', name, id: arn, remove: () => ignore(ctx.clients.elbv2.send(new DeleteV2LoadBalancerCommand({ LoadBalancerArn: arn })), 'LoadBalancerNotFoundException', 'LoadBalancerNotFound') },
      dump: {
        name,
        dnsName: r.DNSName ?? '',
        type: r.Type ?? '',
        scheme: r.Scheme ?? '',
        state: r.State?.Code ?? '',
        subnets: (r.AvailabilityZones ?? []).flatMap((z) => (z.SubnetId ? [z.SubnetId] : [])).sort(),
        securityGroups: [...(r.SecurityGroups ?? [])].sort(),
      },
    });
  }
  for (const tg of v2.targetGroups) {
    if (!tg.arn || known.has(tg.arn) || !ownedNotShared(tg.tags, cluster)) continue;
    const arn = tg.arn;
    // ResourceInUse while a load balancer's listener still forwards to it: retried next round.
    const remove = () => ignore(ctx.clients.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })), 'TargetGroupNotFoundException', 'TargetGroupNotFound');
    out.push({ resource: { kind: SERVICE_TARGET_GROUP_KIND, type: 'target-group', name: tg.resource.TargetGroupName ?? arn, id: arn, remove } });
  }
  return out;
}

/** `delete cluster`'s view of them (and `toolbox dump`'s, with each load balancer's entry). */
export async function serviceLoadBalancers(ctx: AwsTaskContext, known: ReadonlySet<string>): Promise<OwnedResource[]> {
  return (await findServiceLoadBalancers(ctx, known)).map((x) => (x.dump ? { ...x.resource, loadBalancer: x.dump } : x.resource));
}

async function ignore(p: Promise<unknown>, ...gone: string[]): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isAwsError(e, ...gone)) throw e;
  }
}

/**
 * Their place in the delete order (`X → deps`: X goes before each of deps): a load balancer before
 * the security groups, subnets, internet gateway and VPC it uses (its public addresses keep the
 * gateway from detaching, kubernetes/kops#4672) and before the target groups it forwards to;
 * target groups before the VPC. A classic ELB's network interfaces disappear some time after it
 * is deleted: what they block fails with DependencyViolation meanwhile and is retried.
 */
export function orderServiceLoadBalancers(closure: Map<string, Set<string>>): void {
  const network = ['SecurityGroup', 'Subnet', 'InternetGateway', 'VPC', ...(closure.get('Subnet') ?? []), ...(closure.get('InternetGateway') ?? [])];
  closure.set(SERVICE_TARGET_GROUP_KIND, new Set(['VPC']));
  closure.set(SERVICE_ELB_KIND, new Set(network));
  closure.set(SERVICE_NLB_KIND, new Set([...network, SERVICE_TARGET_GROUP_KIND, 'TargetGroup']));
}
