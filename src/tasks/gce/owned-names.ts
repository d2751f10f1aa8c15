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
import { clusterLabelValue } from '../../model/gce/labels.js';
import { apiLoadBalancerName, firewallRuleNames, GCE_NAME_MAX, isInstanceGroupManagerNameOf, roleTags } from '../../model/gce/names.js';
import { lastSegment, nameFilter } from './common.js';
import type { GceTaskContext } from './context.js';
import { GCE_LABEL_CLUSTER } from './types.js';

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
