/**
 * Which GCE resources a cluster owns, for the kinds' orphan search and so for `update`'s pruning
 * and `delete cluster` alike (one predicate per kind, no second copy). Every test is exact: a
 * name the model's naming functions give this cluster (src/model/gce/names.ts), or this cluster's
 * `k8s-io-cluster-name` label value. There is no suffix match: kops's `-<safe cluster name>`
 * suffix is ambiguous, since for the cluster `example.com` (`example-com`) `api-foo-example-com`,
 * the API pool of the cluster `foo.example.com`, ends with `-example-com` too.
 *
 *  - firewall rules: the name is `firewallRuleName(<id>, cluster)` for an id the model builds
 *    (`GCE_FIREWALL_RULE_IDS`), and every target tag is one of this cluster's role tags (an id's
 *    `-ipv6` form for `c` is the plain id's name for `ipv6.c`; the tags tell them apart);
 *  - the API's target pool and health check: the name is `api-<safe cluster>` (cut as the model
 *    cuts it), the only name the model gives them;
 *  - addresses and forwarding rules (labelled): the cluster label's value, exactly; an unlabelled
 *    or other-labelled one is never the cluster's;
 *  - managed instance groups: the name is what the model names the MIG of its base instance name
 *    (its instance group) in its zone, and its instance template, when it can be read, carries
 *    the cluster label.
 */
import type { GceClients } from '../../cloud/gce/clients.js';
import { isGceNotFound } from '../../cloud/gce/errors.js';
import { clusterLabelValue } from '../../model/gce/labels.js';
import { apiLoadBalancerName, firewallRuleNames, GCE_NAME_MAX, isInstanceGroupManagerNameOf, roleTags } from '../../model/gce/names.js';
import { lastSegment, nameFilter } from './common.js';
import type { GceTaskContext } from './context.js';
import { GCE_LABEL_CLUSTER } from './types.js';
import { isRef, type NotOurs, type Val } from '../types.js';

type Ctx = Pick<GceTaskContext, 'clusterName' | 'safeClusterName'>;

/** Whether a firewall rule is one the model builds for the cluster (name and target tags). */
export function ownedFirewallRule(ctx: Ctx, rule: { readonly name?: string | null; readonly targetTags?: readonly string[] | null }): boolean {
  const name = rule.name ?? '';
  if (!firewallRuleNames(ctx.clusterName).includes(name)) return false;
  const tags = rule.targetTags ?? [];
  const ours = new Set(roleTags(ctx.clusterName));
  return tags.length > 0 && tags.every((t) => ours.has(t));
}

/** Compute's list filter for `ownedFirewallRule`'s candidates: exactly the names the model can give. */
export function ownedFirewallRuleFilter(ctx: Ctx): string {
  return nameFilter(firewallRuleNames(ctx.clusterName));
}

/** Whether a target pool or HTTP health check is the cluster's API one (`api-<safe cluster>`). */
export function ownedApiLoadBalancerName(ctx: Ctx, name: string | null | undefined): boolean {
  return !!name && name === apiLoadBalancerName(ctx.clusterName);
}

/** Compute's list filter for `ownedApiLoadBalancerName`'s one name. */
export function ownedApiLoadBalancerFilter(ctx: Ctx): string {
  return nameFilter([apiLoadBalancerName(ctx.clusterName)]);
}

/** Whether labels carry the cluster's ownership label (`k8s-io-cluster-name=<cluster label>`). */
export function ownedByClusterLabel(ctx: Ctx, labels: Readonly<Record<string, string>> | null | undefined): boolean {
  return labels?.[GCE_LABEL_CLUSTER] === clusterLabelValue(ctx.clusterName);
}

/** Compute's list filter for `ownedByClusterLabel`'s candidates. */
export function ownedByClusterLabelFilter(ctx: Ctx): string {
  return `labels.${GCE_LABEL_CLUSTER} = "${clusterLabelValue(ctx.clusterName)}"`;
}

/**
 * Whether a managed instance group is the cluster's: its name is exactly what the model names the
 * MIG of its base instance name (a MIG's base instance name is its instance group's name) in its
 * zone, `<zone letter>-<ig>-<safe cluster>` fitted to 63 characters (`isInstanceGroupManagerNameOf`).
 */
export function ownedMigName(ctx: Ctx, m: { readonly name?: string | null; readonly baseInstanceName?: string | null; readonly zone?: string | null }): boolean {
  const name = m.name ?? '';
  return name !== '' && isInstanceGroupManagerNameOf(name, ctx.clusterName, m.baseInstanceName ?? '', lastSegment(m.zone));
}

/**
 * A global instance template's labels (`null`: none), for `ownedMigTemplate`; `undefined` when it
 * is gone or not a global template, so that the MIG's name decides. Used by the MIG kind and by
 * the rolling update's view of the groups alike.
 */
export async function globalTemplateLabels(clients: Pick<GceClients, 'instanceTemplates'>, link: string): Promise<Record<string, string> | null | undefined> {
  const m = /^projects\/([^/]+)\/global\/instanceTemplates\/([^/]+)$/.exec(link);
  if (!m) return undefined;
  try {
    const [t] = await clients.instanceTemplates.get({ project: m[1], instanceTemplate: m[2] });
    return t.properties?.labels ?? null;
  } catch (e) {
    if (isGceNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * The second test of a MIG `ownedMigName` takes: its instance template's labels, when the template
 * could be read (`undefined`: gone, or not a global template, so the name decides). A template
 * read with another cluster's label, or none, makes the MIG not the cluster's: the model labels
 * every template it builds.
 */
export function ownedMigTemplate(ctx: Ctx, templateLabels: Readonly<Record<string, string>> | null | undefined): boolean {
  return templateLabels === undefined || ownedByClusterLabel(ctx, templateLabels);
}

/**
 * Compute's list filter for `ownedMigName`'s candidates (a superset: the predicate decides): names
 * ending with `-<safe cluster name>`, or cut names (63 characters ending with `-` and a 6-character hash).
 */
export function ownedMigNameFilter(ctx: Ctx): string {
  return `name eq "(.*-${ctx.safeClusterName}|[-a-z0-9]{${GCE_NAME_MAX - 7}}-[0-9a-v]{6})"`;
}

/** The listed resources `owned` takes as the cluster's that no task describes, as orphans. */
export function ownedOrphans<T, A>(
  listed: readonly T[],
  owned: (x: T) => boolean,
  described: ReadonlySet<string>,
  orphanName: (x: T) => string,
  toActual: (x: T) => A,
): { name: string; actual: A }[] {
  return listed.filter((x) => owned(x) && !described.has(orphanName(x))).map((x) => ({ name: orphanName(x), actual: toActual(x) }));
}

// ---------------------------------------------------------------------------------------------
// A resource found by the exact name the model gives a task that is someone else's (never adopted)
//
// Names are not unique to a cluster: the MIG of group `nodes-foo` of `<c>` and of group `nodes` of
// `foo.<c>` are both `<zone letter>-nodes-foo-<c>`; the `https-api-ipv6` rule of `<c>` is the
// `https-api` rule of `ipv6.<c>`; and anyone can make a resource with the name kops-ts would pick.
// A kind's `find` reads the evidence with the predicates above and records the verdict in the
// actual state (`notOurs`); the plan refuses it and `delete cluster` keeps it.

/** The error code of a found resource that is not the cluster's. */
export const GCE_RESOURCE_NOT_OURS = 'GceResourceNotOurs';

/** Whose labels these are, for messages: `cluster foo-example-com (k8s-io-cluster-name=foo-example-com)`. */
export function labelOwner(labels: Readonly<Record<string, string>> | null | undefined): string {
  const v = labels?.[GCE_LABEL_CLUSTER];
  return v ? `cluster ${v} (${GCE_LABEL_CLUSTER}=${v})` : `no cluster (no ${GCE_LABEL_CLUSTER} label: made by hand or by another tool)`;
}

/**
 * The refusal of a found resource: `what` (kind and name), `evidence` (what shows whose it is) and
 * `todo` (what the user can do, the resource's own delete command included).
 */
export function notOursRefusal(ctx: Ctx, what: string, evidence: string, todo: string): NotOurs {
  return {
    code: GCE_RESOURCE_NOT_OURS,
    summary: `${what} has the name kops-ts gives this cluster's (${ctx.clusterName}) but is not this cluster's: ${evidence}; kops-ts never adopts, changes or deletes it`,
    hint: todo,
  };
}

/** Why a labelled resource found by name is not the cluster's: it carries another cluster's label. Unlabelled: `undefined` (labelled in place). */
export function labelledNotOurs(ctx: Ctx, labels: Readonly<Record<string, string>> | null | undefined): string | undefined {
  const v = labels?.[GCE_LABEL_CLUSTER];
  return v !== undefined && !ownedByClusterLabel(ctx, labels) ? `it is labelled for ${labelOwner(labels)}` : undefined;
}

/**
 * Why a managed instance group found by name is not the cluster's, or `undefined`: its instance
 * template (when readable) carries another cluster's label or none, or its base instance name is
 * not the instance group its name is built from (`ownedMigName`, `ownedMigTemplate`).
 */
export function migNotOurs(
  ctx: Ctx,
  m: { readonly name?: string | null; readonly baseInstanceName?: string | null; readonly zone?: string | null; readonly instanceTemplate?: string | null },
  templateLabels: Readonly<Record<string, string>> | null | undefined,
): string | undefined {
  if (!ownedMigTemplate(ctx, templateLabels)) return `its instance template ${lastSegment(m.instanceTemplate)} is labelled for ${labelOwner(templateLabels)}`;
  if (!ownedMigName(ctx, m)) return `its base instance name is "${m.baseInstanceName ?? ''}", so it is the MIG of that group (of another cluster), not of the group this name is built from`;
  return undefined;
}

/**
 * Why a firewall rule found by name is not the cluster's, or `undefined`: a target tag that is not
 * one of this cluster's role tags, no target tag (every rule the model builds has one), or a
 * network other than the cluster's (`network`: its name, when known).
 */
export function firewallRuleNotOurs(
  ctx: Ctx,
  rule: { readonly name?: string | null; readonly targetTags?: readonly string[] | null; readonly network?: string | null },
  network: string | undefined,
): string | undefined {
  if (!ownedFirewallRule(ctx, rule)) {
    const tags = rule.targetTags ?? [];
    return tags.length === 0
      ? 'it has no target tags (every rule kops-ts builds targets the cluster\'s role tags)'
      : `its target tags (${[...tags].sort().join(', ')}) are not this cluster's role tags (${roleTags(ctx.clusterName)[0]!.replace(/-k8s-io-role-.*$/, '')}-k8s-io-role-<role>)`;
  }
  return networkNotOurs(rule.network, network);
}

/**
 * Why the API's target pool found by name is not the cluster's, or `undefined`: a health check
 * other than the cluster's API check (`api-<c>`), or an instance that does not carry the cluster
 * label (`instanceLabels`: each registered instance's labels, `undefined` when it is gone).
 */
export function targetPoolNotOurs(
  ctx: Ctx,
  pool: { readonly healthChecks?: readonly string[] | null },
  instanceLabels: ReadonlyMap<string, Readonly<Record<string, string>> | null | undefined>,
): string | undefined {
  const foreignChecks = (pool.healthChecks ?? []).map(lastSegment).filter((h) => !ownedApiLoadBalancerName(ctx, h));
  if (foreignChecks.length > 0) return `its health check ${foreignChecks.join(', ')} is not this cluster's (${apiLoadBalancerName(ctx.clusterName)})`;
  for (const [instance, labels] of instanceLabels) {
    if (labels !== undefined && !ownedByClusterLabel(ctx, labels)) return `its instance ${lastSegment(instance)} is labelled for ${labelOwner(labels)}`;
  }
  return undefined;
}

/**
 * Why the API's HTTP health check found by name is not the cluster's, or `undefined`: a target
 * pool other than the cluster's API pool (`api-<c>`) uses it (`usedBy`: the pools' links).
 */
export function httpHealthCheckNotOurs(ctx: Ctx, usedBy: readonly string[]): string | undefined {
  const others = usedBy.filter((p) => !ownedApiLoadBalancerName(ctx, lastSegment(p)));
  return others.length > 0 ? `the target pool ${others.map(lastSegment).join(', ')}, not this cluster's, uses it` : undefined;
}

/** Why a resource with a network (router, subnetwork) found by name is not the cluster's: another network. */
export function networkNotOurs(actualNetwork: string | null | undefined, network: string | undefined): string | undefined {
  return network !== undefined && lastSegment(actualNetwork) !== network ? `it is on the network ${lastSegment(actualNetwork)}, not the cluster's network ${network}` : undefined;
}

/** The name of the network a desired state names: a ref's target task (the model names a Network task as its network) or a link's last segment. */
export function desiredNetworkName(v: Val): string | undefined {
  if (isRef(v)) return v.kind === 'Network' ? v.name : undefined;
  return lastSegment(v) || undefined;
}
