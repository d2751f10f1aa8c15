/**
 * Which of the resources cloud-provider-gcp's service controller makes for a `type: LoadBalancer`
 * Service (the external, target-pool load balancer) are this cluster's, decided from what Compute
 * lists alone (pure: no calls; the listing and the deletes are in service-lb.ts).
 *
 * How the controller names and describes them (kubernetes/cloud-provider-gcp,
 * providers/gce/gce_loadbalancer_external.go and gce_loadbalancer_naming.go):
 *  - the load balancer's name is `a` + the Service's UID without dashes, cut to 32 characters
 *    (`DefaultLoadBalancerName`): `a` and 31 hex digits. The regional forwarding rule, the target
 *    pool and a temporary static address bear it, each described `{"kubernetes.io/service-name":"<ns>/<name>"}`;
 *    the rule targets the pool; the pool holds the Service's nodes' instances and one legacy
 *    HTTP health check;
 *  - that health check is the cluster's shared nodes check `k8s-<cluster id>-node` (the id: 16
 *    hex digits, the `uid` of the `kube-system/ingress-uid` ConfigMap, gce_clusterid.go) or, for
 *    `externalTrafficPolicy: Local`, one named as the load balancer;
 *  - firewall rules on the cluster's network, targeting the node tag (gce.conf `node-tags`): the
 *    service ports `k8s-fw-<lb>` (and `k8s-fw-<lb>-deny` when the deny rule is on), described with
 *    the service name and IP; the health check's `k8s-<cluster id>-node-http-hc` (described
 *    `{"kubernetes.io/cluster-id":"<id>"}`) or `k8s-<lb>-http-hc`.
 *
 * The rule (docs/gce.md, "Service load balancers"): a resource is the cluster's only when it can
 * be tied to the cluster's instances, and none is taken that another cluster's resource uses:
 *  - a target pool with the controller's name and description whose instances are all this
 *    cluster's (by the `k8s-io-cluster-name` label of the instances listed); one holding this
 *    cluster's and other instances is kept and reported; an empty one is not evidence;
 *  - a forwarding rule with the controller's name that targets such a pool;
 *  - a firewall rule with one of the controller's names and descriptions, on a network of the
 *    cluster's instances, whose target tags are all this cluster's role tags;
 *  - a health check with the controller's name used only by the cluster's pools (one also used by
 *    another pool is kept and reported); unused, only when its own firewall rule is the cluster's;
 *  - an address with the controller's description named as one of the cluster's load balancers
 *    and describing the same Service (a user's static IP given as `loadBalancerIP` is never taken).
 */
import type { Remaining } from '../provider.js';
import { relLink } from '../../tasks/gce/common.js';

/** `DefaultLoadBalancerName`: `a` + the Service UID's 32 hex digits, cut to 32 characters. */
export const SERVICE_LB_NAME = /^a[0-9a-f]{31}$/;
/** The cluster's shared nodes health check, `k8s-<cluster id>-node`. */
const NODES_CHECK = /^k8s-([0-9a-f]{16})-node$/;

/** The kinds of the controller's resources in `delete cluster` (not task kinds). */
export const SERVICE_LB_KINDS = {
  forwardingRule: 'ServiceForwardingRule',
  targetPool: 'ServiceTargetPool',
  healthCheck: 'ServiceHTTPHealthCheck',
  firewall: 'ServiceFirewallRule',
  address: 'ServiceAddress',
} as const;
export type ServiceLbKind = (typeof SERVICE_LB_KINDS)[keyof typeof SERVICE_LB_KINDS];

export interface Listed {
  readonly name?: string | null;
  readonly id?: unknown;
  readonly selfLink?: string | null;
  readonly description?: string | null;
}
export interface ListedPool extends Listed {
  readonly instances?: readonly string[] | null;
  readonly healthChecks?: readonly string[] | null;
}
export interface ListedRule extends Listed {
  readonly target?: string | null;
}
export interface ListedFirewall extends Listed {
  readonly network?: string | null;
  readonly targetTags?: readonly string[] | null;
}

/** What the cluster's region and project hold, and what is known of the cluster. */
export interface ServiceLbInput {
  /** This cluster's instances, `<zone>/<name>`. */
  readonly instances: ReadonlySet<string>;
  /** The networks of this cluster's instances, as project-relative links. */
  readonly networks: ReadonlySet<string>;
  /** This cluster's role tags. */
  readonly tags: ReadonlySet<string>;
  readonly pools: readonly ListedPool[];
  readonly rules: readonly ListedRule[];
  readonly checks: readonly Listed[];
  readonly firewalls: readonly ListedFirewall[];
  readonly addresses: readonly Listed[];
}

export interface OwnedServiceLb {
  readonly kind: ServiceLbKind;
  readonly name: string;
  readonly id: string;
  /** The Service it was made for, from its description (`<ns>/<name>`), when it says. */
  readonly service?: string;
}

/** The description's JSON fields, or undefined when it is not the controller's JSON. */
function described(x: Listed): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(x.description ?? '') as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The Service a resource is described as made for. */
export function describedService(x: Listed): string | undefined {
  const s = described(x)?.['kubernetes.io/service-name'];
  return typeof s === 'string' && s !== '' ? s : undefined;
}

/** `.../zones/<z>/instances/<n>` → `<z>/<n>`. */
export function instanceKey(link: string): string {
  const m = /zones\/([^/]+)\/instances\/([^/]+)$/.exec(link);
  return m ? `${m[1]}/${m[2]}` : link;
}

/** The firewall rule names the controller gives a load balancer `lb` or the nodes check of `id`. */
function firewallOwnerOf(name: string): { lb?: string; clusterId?: string } | undefined {
  let m = /^k8s-fw-(a[0-9a-f]{31})(-deny)?$/.exec(name) ?? /^k8s-(a[0-9a-f]{31})-http-hc$/.exec(name);
  if (m) return { lb: m[1] };
  m = /^k8s-([0-9a-f]{16})-node-http-hc$/.exec(name);
  return m ? { clusterId: m[1] } : undefined;
}

/** The firewall rule of a health check's name (`k8s-<id>-node` → `k8s-<id>-node-http-hc`, `<lb>` → `k8s-<lb>-http-hc`). */
function checkFirewallName(check: string): string {
  return NODES_CHECK.test(check) ? `${check}-http-hc` : `k8s-${check}-http-hc`;
}

const idOf = (x: Listed): string => (x.id === undefined || x.id === null ? (x.name ?? '') : String(x.id));

/** The cluster's controller-made resources, and what is kept because another cluster shares it. */
export function ownedServiceLoadBalancers(l: ServiceLbInput): { owned: OwnedServiceLb[]; kept: Remaining[] } {
  const owned: OwnedServiceLb[] = [];
  const kept: Remaining[] = [];
  const add = (kind: ServiceLbKind, x: Listed) => {
    const service = describedService(x);
    owned.push({ kind, name: x.name ?? '', id: idOf(x), ...(service ? { service } : {}) });
  };

  // Target pools: every instance is the cluster's.
  const pools = new Map<string, ListedPool>();
  for (const p of l.pools) {
    if (!SERVICE_LB_NAME.test(p.name ?? '') || !describedService(p)) continue;
    const members = (p.instances ?? []).map(instanceKey);
    const ours = members.filter((i) => l.instances.has(i));
    if (ours.length === 0) continue;
    if (ours.length < members.length) {
      const other = members.find((i) => !l.instances.has(i));
      kept.push({ what: `TargetPool ${p.name ?? ''} (Service ${describedService(p) ?? ''})`, why: `it holds this cluster's instances and ${other ?? 'others'}, which is not this cluster's: delete that Service's load balancer from the cluster it belongs to` });
      continue;
    }
    pools.set(relLink(p.selfLink), p);
    add(SERVICE_LB_KINDS.targetPool, p);
  }

  // Forwarding rules: target one of those pools.
  const lbNames = new Map<string, string | undefined>([...pools.values()].map((p) => [p.name ?? '', describedService(p)]));
  for (const r of l.rules) {
    if (!SERVICE_LB_NAME.test(r.name ?? '') || !pools.has(relLink(r.target))) continue;
    lbNames.set(r.name ?? '', describedService(r) ?? lbNames.get(r.name ?? ''));
    add(SERVICE_LB_KINDS.forwardingRule, r);
  }

  // Firewall rules: the controller's names and descriptions, the cluster's network and tags only.
  const firewalls = new Set<string>();
  for (const f of l.firewalls) {
    const name = f.name ?? '';
    const owner = firewallOwnerOf(name);
    if (!owner) continue;
    const d = described(f);
    const describedOk = owner.clusterId !== undefined ? d?.['kubernetes.io/cluster-id'] === owner.clusterId : describedService(f) !== undefined;
    const tags = f.targetTags ?? [];
    if (!describedOk || !l.networks.has(relLink(f.network)) || tags.length === 0 || !tags.every((t) => l.tags.has(t))) continue;
    firewalls.add(name);
    if (owner.lb !== undefined && !lbNames.has(owner.lb)) lbNames.set(owner.lb, describedService(f));
    add(SERVICE_LB_KINDS.firewall, f);
  }

  // Health checks: used only by the cluster's pools, or unused with the cluster's own firewall rule.
  for (const h of l.checks) {
    const name = h.name ?? '';
    if (!NODES_CHECK.test(name) && !SERVICE_LB_NAME.test(name)) continue;
    const link = relLink(h.selfLink);
    const users = l.pools.filter((p) => (p.healthChecks ?? []).some((c) => relLink(c) === link));
    const foreign = users.filter((p) => !pools.has(relLink(p.selfLink)));
    if (users.length > 0 && foreign.length === 0) add(SERVICE_LB_KINDS.healthCheck, h);
    else if (users.length > foreign.length) {
      kept.push({ what: `HTTPHealthcheck ${name}`, why: `the target pool ${foreign.map((p) => p.name ?? '').join(', ')}, not this cluster's, uses it too` });
    } else if (users.length === 0 && firewalls.has(checkFirewallName(name))) add(SERVICE_LB_KINDS.healthCheck, h);
  }

  // Addresses: named as one of the cluster's load balancers, for the same Service.
  for (const a of l.addresses) {
    const name = a.name ?? '';
    const service = describedService(a);
    if (!SERVICE_LB_NAME.test(name) || !service || !lbNames.has(name)) continue;
    const expected = lbNames.get(name);
    if (expected !== undefined && expected !== service) continue;
    add(SERVICE_LB_KINDS.address, a);
  }
  return { owned, kept };
}
