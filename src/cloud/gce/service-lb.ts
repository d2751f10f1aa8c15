/**
 * `delete cluster` on GCE: the external load balancers cloud-provider-gcp's service controller
 * made for the cluster's `type: LoadBalancer` Services (forwarding rules, target pools, legacy
 * HTTP health checks, firewall rules, addresses), listed in the cluster's project and region and
 * tied to the cluster by service-lb-owner.ts's rule, from the cluster's instances found before.
 * Compute methods: forwardingRules.list/delete, targetPools.list/delete, httpHealthChecks.list/
 * delete, firewalls.list/delete, addresses.list/delete (src/tasks/gce/permissions.ts).
 */
import type { OwnedResource, Remaining } from '../provider.js';
import { roleTags } from '../../model/gce/names.js';
import { done, drain, LIST_OPTS, relLink } from '../../tasks/gce/common.js';
import type { GceTaskContext } from '../../tasks/gce/context.js';
import { ignoreGceNotFound } from './errors.js';
import { ownedServiceLoadBalancers, SERVICE_LB_KINDS, type ListedFirewall, type ListedPool, type ListedRule, type Listed, type OwnedServiceLb, type ServiceLbKind } from './service-lb-owner.js';

export { SERVICE_LB_KINDS, type ServiceLbKind };

/** kops's type words for the controller's resources (pkg/resources/gce). */
export const SERVICE_LB_TYPE_WORDS: Readonly<Record<ServiceLbKind, string>> = {
  [SERVICE_LB_KINDS.forwardingRule]: 'ForwardingRule',
  [SERVICE_LB_KINDS.targetPool]: 'TargetPool',
  [SERVICE_LB_KINDS.healthCheck]: 'HTTPHealthcheck',
  [SERVICE_LB_KINDS.firewall]: 'FirewallRule',
  [SERVICE_LB_KINDS.address]: 'Address',
};

/** One of the cluster's instances as found by its label: `<zone>/<name>` and its networks' links. */
export interface ClusterInstanceRef {
  readonly key: string;
  readonly networks: readonly string[];
}

function remover(ctx: GceTaskContext, x: OwnedServiceLb): () => Promise<void> {
  const p = ctx.project;
  const region = ctx.region;
  switch (x.kind) {
    case SERVICE_LB_KINDS.forwardingRule:
      return () => ignoreGceNotFound(() => done(ctx, ctx.clients.forwardingRules.delete({ project: p, region, forwardingRule: x.name })));
    case SERVICE_LB_KINDS.targetPool:
      return () => ignoreGceNotFound(() => done(ctx, ctx.clients.targetPools.delete({ project: p, region, targetPool: x.name })));
    case SERVICE_LB_KINDS.healthCheck:
      return () => ignoreGceNotFound(() => done(ctx, ctx.clients.httpHealthChecks.delete(p, x.name)));
    case SERVICE_LB_KINDS.firewall:
      return () => ignoreGceNotFound(() => done(ctx, ctx.clients.firewalls.delete({ project: p, firewall: x.name })));
    case SERVICE_LB_KINDS.address:
      return () => ignoreGceNotFound(() => done(ctx, ctx.clients.addresses.delete({ project: p, region, address: x.name })));
  }
}

/**
 * The controller's resources that are the cluster's (to delete) and those kept because another
 * cluster's resource shares them. `instances`: the cluster's, listed before anything is deleted.
 */
export async function serviceLoadBalancers(ctx: GceTaskContext, instances: readonly ClusterInstanceRef[]): Promise<{ resources: OwnedResource[]; kept: Remaining[] }> {
  if (instances.length === 0) return { resources: [], kept: [] };
  const p = ctx.project;
  const region = ctx.region;
  const [pools, rules, checks, firewalls, addresses] = await Promise.all([
    drain(ctx.clients.targetPools.listAsync({ project: p, region }, LIST_OPTS)) as Promise<ListedPool[]>,
    drain(ctx.clients.forwardingRules.listAsync({ project: p, region }, LIST_OPTS)) as Promise<ListedRule[]>,
    ctx.clients.httpHealthChecks.list(p) as Promise<Listed[]>,
    drain(ctx.clients.firewalls.listAsync({ project: p }, LIST_OPTS)) as Promise<ListedFirewall[]>,
    drain(ctx.clients.addresses.listAsync({ project: p, region }, LIST_OPTS)) as Promise<Listed[]>,
  ]);
  const { owned, kept } = ownedServiceLoadBalancers({
    instances: new Set(instances.map((i) => i.key)),
    networks: new Set(instances.flatMap((i) => i.networks.map(relLink))),
    tags: new Set(roleTags(ctx.clusterName)),
    pools,
    rules,
    checks,
    firewalls,
    addresses,
  });
  const resources = owned.map((x): OwnedResource => ({ kind: x.kind, type: SERVICE_LB_TYPE_WORDS[x.kind], name: x.name, id: x.id, remove: remover(ctx, x) }));
  return { resources, kept };
}

/**
 * The order of the controller's kinds (`X → deps`: X is deleted before its deps): forwarding rules,
 * then target pools and addresses, then health checks; all before the network and subnets, and
 * before the cluster's instances and their groups, so that a run stopped halfway still ties what
 * is left of them to the instances the next time.
 */
export function orderServiceLoadBalancers(closure: Map<string, Set<string>>, instanceKinds: readonly string[]): void {
  const last = ['Network', 'Subnet', ...instanceKinds];
  const K = SERVICE_LB_KINDS;
  closure.set(K.healthCheck, new Set(last));
  closure.set(K.firewall, new Set(last));
  closure.set(K.address, new Set(last));
  closure.set(K.targetPool, new Set([...last, K.healthCheck]));
  closure.set(K.forwardingRule, new Set([...last, K.targetPool, K.address, K.healthCheck]));
}
