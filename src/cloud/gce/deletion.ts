/**
 * `delete cluster` on GCE (the `CloudDeletion` of src/cloud/provider.ts), as kops's GCE resource
 * lister (pkg/resources/gce) finds and names things:
 *
 *  - the kinds find what the cluster owns: labelled resources (disks, addresses, forwarding rules,
 *    instance templates' `properties.labels`) by `k8s-io-cluster-name=<cluster label>`, the
 *    others (networks, subnetworks, firewall rules, health checks, target pools, managed instance
 *    groups) by their exact names, and orphans with the exact predicates `update` uses
 *    (src/tasks/gce/owned-names.ts: a name the model's naming functions give this cluster, plus
 *    its role tags for a firewall rule, or its label), never a `-<safe cluster name>` suffix,
 *    which the cluster `foo.<cluster>`'s names also end with;
 *  - instances are found by the cluster label (every instance of the cluster's MIGs carries it,
 *    from the template, and so does one a rolling update abandoned): each goes with its MIG, which
 *    is deleted first (a managed instance deleted alone would be recreated by its group);
 *  - type words are kops's (`InstanceGroupManager`, `FirewallRule`, `Instance`, ...);
 *  - the per-role service accounts by kops's account ids (`control-plane-`/`node-`/`bastion-` +
 *    the cut cluster name) among the project's accounts, and their members in the project's and
 *    the state store bucket's IAM policies (only those: every other member stays); bindings go
 *    before the accounts, the
 *    accounts after the instance templates and instances that run as them;
 *  - the API's Cloud DNS records by the exact names the model builds (`DNSRecordSet`: record sets
 *    take no labels, so no other record of the zone is touched); the managed zone stays;
 *  - a resource that cannot go because a resource of the user's uses it (Google's
 *    `resourceInUseByAnotherResource`) is reported with that user resource named.
 */
import type { CloudDeletion, OwnedResource, Remaining } from '../provider.js';
import { stringFieldsOf } from '../model-input.js';
import { clusterLabelValue } from '../../model/gce/labels.js';
import { drain, lastSegment, LIST_OPTS, relLink } from '../../tasks/gce/common.js';
import type { GceTaskContext } from '../../tasks/gce/context.js';
import { GCE_LABEL_CLUSTER } from '../../tasks/gce/types.js';
import { describeGceError, GceOperationError, ignoreGceNotFound } from './errors.js';
import { awaitOperation } from './operations.js';
import { clusterPolicyMembers, projectIamBindingKind } from '../../tasks/gce/project-iam-binding.js';
import { clusterServiceAccounts, serviceAccountKind } from '../../tasks/gce/service-account.js';
import { orderServiceLoadBalancers, SERVICE_LB_KINDS, SERVICE_LB_TYPE_WORDS, serviceLoadBalancers, type ClusterInstanceRef } from './service-lb.js';

/** The kind of the instances found by label (not a task kind). */
export const GCE_INSTANCE_KIND = 'ClusterInstance';

/** kops's type words (pkg/resources/gce: typeInstanceGroupManager, ...). */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  Network: 'Network',
  Subnet: 'Subnet',
  FirewallRule: 'FirewallRule',
  Disk: 'Disk',
  Address: 'Address',
  HTTPHealthCheck: 'HTTPHealthcheck',
  TargetPool: 'TargetPool',
  ForwardingRule: 'ForwardingRule',
  InstanceTemplate: 'InstanceTemplate',
  InstanceGroupManager: 'InstanceGroupManager',
  ServiceAccount: 'ServiceAccount',
  // Not a kops resource type (kops leaves the policy's members to IAM's `deleted:` rewrite).
  ProjectIAMBinding: 'ProjectIAMBinding',
  StorageBucketIAM: 'StorageBucketIAM',
  // kops's pkg/resources/gce typeDNSRecord; the managed zone is the user's (never deleted).
  DNSRecordSet: 'DNSRecord',
  DNSZone: 'ManagedZone',
  Router: 'Router',
  [GCE_INSTANCE_KIND]: 'Instance',
  // What cloud-provider-gcp made for the cluster's LoadBalancer Services (service-lb.ts).
  ...SERVICE_LB_TYPE_WORDS,
};

export function gceResourceType(kind: string): string {
  return TYPE_WORDS[kind] ?? kind;
}


interface ApiInstance {
  name?: string | null;
  id?: unknown;
  zone?: string | null;
  labels?: Record<string, string> | null;
  networkInterfaces?: readonly { network?: string | null }[] | null;
}

/**
 * Every instance carrying the cluster's label (its MIGs' and any a rolling update abandoned), and
 * each one's zone, name and networks (what ties the Services' load balancers to the cluster).
 */
async function clusterInstances(ctx: GceTaskContext): Promise<{ resources: OwnedResource[]; refs: ClusterInstanceRef[] }> {
  const out: OwnedResource[] = [];
  const refs: ClusterInstanceRef[] = [];
  const label = clusterLabelValue(ctx.clusterName);
  const filter = `labels.${GCE_LABEL_CLUSTER} = "${label}"`;
  for await (const [, scoped] of ctx.clients.instances.aggregatedListAsync({ project: ctx.project, filter }, LIST_OPTS)) {
    for (const i of (scoped.instances ?? []) as ApiInstance[]) {
      if (!i.name || i.labels?.[GCE_LABEL_CLUSTER] !== label) continue;
      const zone = lastSegment(i.zone);
      const name = i.name;
      refs.push({ key: `${zone}/${name}`, networks: (i.networkInterfaces ?? []).map((n) => n.network ?? '').filter((n) => n !== '') });
      out.push({
        kind: GCE_INSTANCE_KIND,
        type: 'Instance',
        name,
        id: `${zone}/${name}`,
        remove: () => ignoreGceNotFound(async () => awaitOperation(ctx.clients, await ctx.clients.instances.delete({ project: ctx.project, zone, instance: name }), ctx.wait)),
      });
    }
  }
  return { resources: out, refs };
}

/**
 * kops's service-account sweep: the project's accounts named as kops names this cluster's roles,
 * and their members in the project's IAM policy (any role), including those no task describes.
 * Ids are the kinds' output ids, so what the kinds found is not listed twice.
 */
async function clusterIam(ctx: GceTaskContext): Promise<OwnedResource[]> {
  const out: OwnedResource[] = [];
  for (const a of await clusterServiceAccounts(ctx)) {
    out.push({ kind: 'ServiceAccount', type: 'ServiceAccount', name: a.email.split('@')[0] ?? a.email, id: serviceAccountKind.outputs(a).id ?? a.email, remove: () => serviceAccountKind.delete!(ctx, a) });
  }
  for (const b of await clusterPolicyMembers(ctx)) {
    out.push({ kind: 'ProjectIAMBinding', type: 'ProjectIAMBinding', name: `${b.role} ${b.member}`, id: projectIamBindingKind.outputs(b).id ?? b.member, remove: () => projectIamBindingKind.delete!(ctx, b) });
  }
  return out;
}

/** Whether `e` is Google's "used by another resource". */
function inUse(e: unknown): boolean {
  const reason = e instanceof GceOperationError ? e.reason : describeGceError(e).reason;
  return reason === 'resourceInUseByAnotherResource' || reason === 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE';
}

interface Link {
  readonly name?: string | null;
  readonly selfLink?: string | null;
}

interface RouterLink extends Link {
  readonly network?: string | null;
  readonly nats?: readonly { readonly subnetworks?: readonly { readonly name?: string | null }[] | null }[] | null;
}

/** The routers of the cluster's region (a Cloud NAT names its network and subnetworks). */
async function routersIn(ctx: GceTaskContext): Promise<RouterLink[]> {
  return (await drain(ctx.clients.routers.listAsync({ project: ctx.project, region: ctx.region }, LIST_OPTS))) as RouterLink[];
}

/** Resources (as project-relative links) that use `r`, found by listing what can refer to its kind. */
async function usersOf(ctx: GceTaskContext, r: OwnedResource): Promise<{ link: string; type: string }[]> {
  const p = ctx.project;
  const out: { link: string; type: string }[] = [];
  const add = (type: string, xs: readonly Link[], uses: (x: Link) => boolean) => {
    for (const x of xs) if (x.selfLink && uses(x)) out.push({ link: relLink(x.selfLink), type });
  };
  const is = (link: string | null | undefined, path: string) => relLink(link) === path;
  switch (r.kind) {
    case 'Network': {
      const path = `projects/${p}/global/networks/${r.name}`;
      const fws = (await drain(ctx.clients.firewalls.listAsync({ project: p }, LIST_OPTS))) as (Link & { network?: string | null })[];
      add('FirewallRule', fws, (x) => is((x as { network?: string | null }).network, path));
      const subnets: (Link & { network?: string | null })[] = [];
      for await (const [, s] of ctx.clients.subnetworks.aggregatedListAsync({ project: p }, LIST_OPTS)) subnets.push(...((s.subnetworks ?? []) as (Link & { network?: string | null })[]));
      add('Subnet', subnets, (x) => is((x as { network?: string | null }).network, path));
      add('Router', await routersIn(ctx), (x) => is((x as RouterLink).network, path));
      // Internal load balancers' forwarding rules name their network.
      const rules = (await drain(ctx.clients.forwardingRules.listAsync({ project: p, region: ctx.region }, LIST_OPTS))) as (Link & { network?: string | null })[];
      add('ForwardingRule', rules, (x) => is((x as { network?: string | null }).network, path));
      break;
    }
    case 'Subnet': {
      const path = `projects/${p}/regions/${ctx.region}/subnetworks/${r.name}`;
      add('Router', await routersIn(ctx), (x) => ((x as RouterLink).nats ?? []).some((n) => (n.subnetworks ?? []).some((s) => is(s.name, path))));
      const rules = (await drain(ctx.clients.forwardingRules.listAsync({ project: p, region: ctx.region }, LIST_OPTS))) as (Link & { subnetwork?: string | null })[];
      add('ForwardingRule', rules, (x) => is((x as { subnetwork?: string | null }).subnetwork, path));
      break;
    }
    case 'InstanceTemplate': {
      const path = `projects/${p}/global/instanceTemplates/${r.name}`;
      const migs: (Link & { instanceTemplate?: string | null })[] = [];
      for await (const [, s] of ctx.clients.instanceGroupManagers.aggregatedListAsync({ project: p }, LIST_OPTS)) migs.push(...((s.instanceGroupManagers ?? []) as (Link & { instanceTemplate?: string | null })[]));
      add('InstanceGroupManager', migs, (x) => is((x as { instanceTemplate?: string | null }).instanceTemplate, path));
      break;
    }
    case 'TargetPool':
    case SERVICE_LB_KINDS.targetPool: {
      const path = `projects/${p}/regions/${ctx.region}/targetPools/${r.name}`;
      const rules = (await drain(ctx.clients.forwardingRules.listAsync({ project: p, region: ctx.region }, LIST_OPTS))) as (Link & { target?: string | null })[];
      add('ForwardingRule', rules, (x) => is((x as { target?: string | null }).target, path));
      break;
    }
    case 'HTTPHealthCheck':
    case SERVICE_LB_KINDS.healthCheck: {
      const path = `projects/${p}/global/httpHealthChecks/${r.name}`;
      const pools = (await drain(ctx.clients.targetPools.listAsync({ project: p, region: ctx.region }, LIST_OPTS))) as (Link & { healthChecks?: string[] | null })[];
      add('TargetPool', pools, (x) => ((x as { healthChecks?: string[] | null }).healthChecks ?? []).some((h) => is(h, path)));
      break;
    }
    default:
      break;
  }
  return out;
}

export const gceDeletion: CloudDeletion<GceTaskContext> = {
  resourceType: gceResourceType,
  lookupKinds: new Set<string>(),
  alwaysKept(kind, name, id, actual) {
    if (kind !== 'DNSZone') return undefined;
    const z = (actual ?? {}) as { name?: unknown; dnsName?: unknown };
    const zoneName = typeof z.name === 'string' && z.name !== '' ? z.name : name;
    return { what: `Cloud DNS managed zone ${zoneName}${typeof z.dnsName === 'string' ? ` (${z.dnsName.replace(/\.$/, '')}, id ${id})` : ''}`, why: "managed zones are never deleted (only the cluster's records in it)" };
  },
  ownedByLabels(actual, cluster) {
    const labels = stringFieldsOf(actual, 'labels');
    return labels ? labels[GCE_LABEL_CLUSTER] === clusterLabelValue(cluster) : undefined;
  },
  ownershipLabel: (cluster) => `${GCE_LABEL_CLUSTER}=${clusterLabelValue(cluster)}`,
  async tagged(ctx, known) {
    // The Services' load balancers are tied to the instances listed here, before any is deleted.
    const instances = await clusterInstances(ctx);
    const services = await serviceLoadBalancers(ctx, instances.refs);
    const resources = [...instances.resources, ...services.resources, ...(await clusterIam(ctx))].filter((r) => !known.has(r.id));
    return { resources, kept: services.kept };
  },
  order(closure) {
    // A MIG's instances go with it (deleted first, the MIG deletes its instances); what the
    // instances use (template, subnet, network, the etcd disks attached to them) goes after.
    const migDeps = closure.get('InstanceGroupManager') ?? new Set<string>();
    closure.set(GCE_INSTANCE_KIND, new Set([...migDeps, ...(closure.get('InstanceTemplate') ?? []), 'InstanceTemplate', 'Disk']));
    closure.set('InstanceGroupManager', new Set([...migDeps, GCE_INSTANCE_KIND, 'Disk']));
    // An account goes after what runs as it and after its members in the policies (also when the
    // model has no account task: the accounts of a cluster that switched to the legacy one).
    for (const k of [GCE_INSTANCE_KIND, 'InstanceTemplate', 'ProjectIAMBinding', 'StorageBucketIAM']) closure.set(k, new Set([...(closure.get(k) ?? []), 'ServiceAccount']));
    // A Cloud NAT router names its subnetworks and network: it goes first, also as an orphan (the
    // router of a cluster whose subnets are no longer private), when no task orders it.
    closure.set('Router', new Set([...(closure.get('Router') ?? []), 'Subnet', 'Network']));
    // The Services' load balancers: rule, pool, check, all before the network; the pools before
    // the instances whose membership ties them to the cluster.
    orderServiceLoadBalancers(closure, [GCE_INSTANCE_KIND, 'InstanceGroupManager']);
  },
  waitsForDependents: inUse,
  async blockers(ctx, left, all) {
    const ours = new Set(all.map((r) => `${r.type}/${r.name}`));
    const out: Remaining[] = [];
    for (const r of left) {
      let users: { link: string; type: string }[];
      try {
        users = await usersOf(ctx, r);
      } catch {
        continue; // best effort
      }
      for (const u of users) {
        const name = lastSegment(u.link);
        if (ours.has(`${u.type}/${name}`)) continue;
        out.push({
          what: `${r.type} ${r.name}`,
          why: `it is used by ${u.type} ${u.link}, which is not the cluster's (resourceInUseByAnotherResource): delete that or move it off ${r.name}, then re-run kops-ts delete cluster ${ctx.clusterName} --yes`,
        });
      }
    }
    return out;
  },
};
