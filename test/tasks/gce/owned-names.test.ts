/**
 * The orphan-search predicates every GCE kind and so `update` and `delete cluster` share
 * (src/tasks/gce/owned-names.ts): a cluster's names, cut or not, are its own; a cluster whose name
 * differs only past the cut owns none of them; a cluster `foo.<c>`, whose names all end with
 * `-<safe c>`, owns none of `<c>`'s and `<c>` none of its (no suffix match); the list filters let
 * every owned name through.
 */
import { describe, expect, it } from 'vitest';
import {
  apiLoadBalancerName, firewallRuleName, firewallRuleNames, GCE_FIREWALL_RULE_IDS, GCE_RANGED_FIREWALL_RULE_IDS, instanceGroupManagerName, roleTags, safeClusterName, tagForRole,
} from '../../../src/model/gce/names.js';
import { clusterLabels } from '../../../src/model/gce/labels.js';
import {
  labelledNotOurs, migNotOurs, ownedApiLoadBalancerFilter, ownedApiLoadBalancerName, ownedByClusterLabel, ownedByClusterLabelFilter, ownedFirewallRule, ownedFirewallRuleFilter, ownedMigName, ownedMigNameFilter, ownedMigTemplate, ownedOrphans, targetPoolNotOurs,
} from '../../../src/tasks/gce/owned-names.js';
import type { GceTaskContext } from '../../../src/tasks/gce/context.js';

const LONG = 'orphans-of-a-cluster-whose-name-is-long-enough-to-be-cut.example.com';
const DECOY = 'orphans-of-a-cluster-whose-name-is-long-enough-to-be-cut.example.org';
const SHORT = 'short.example.com';
const SUB = `foo.${SHORT}`;

/** Only the names the predicates read: no clients are needed. */
const ctxOf = (cluster: string): GceTaskContext => ({ clusterName: cluster, safeClusterName: safeClusterName(cluster) }) as GceTaskContext;

/** Compute's `name eq "<re>"` as the API applies it: the whole name must match. */
function passes(filter: string, name: string): boolean {
  const re = /^name eq "(.*)"$/.exec(filter)?.[1];
  if (re === undefined) throw new Error(`unexpected filter ${filter}`);
  return new RegExp(`^(?:${re})$`).test(name);
}

const zone = 'us-central1-a';
const mig = (cluster: string, ig: string) => ({ name: instanceGroupManagerName(cluster, ig, zone), baseInstanceName: ig, zone: `https://www.googleapis.com/compute/v1/projects/p/zones/${zone}` });
/** A rule as the model builds it for `cluster` (its node tag as the target). */
const rule = (id: Parameters<typeof firewallRuleName>[0], cluster: string) => ({ name: firewallRuleName(id, cluster), targetTags: [tagForRole(cluster, 'Node')] });

describe('owned-names: exact ownership, no suffix match', () => {
  it("a long cluster's cut names are its own, and none of them the decoy's (or the other way round)", () => {
    for (const r of [rule('node-to-node', LONG), rule('kubernetes-master-https', LONG)]) {
      expect(r.name.endsWith(`-${safeClusterName(LONG)}`)).toBe(false);
      expect(ownedFirewallRule(ctxOf(LONG), r)).toBe(true);
      expect(passes(ownedFirewallRuleFilter(ctxOf(LONG)), r.name)).toBe(true);
      expect(ownedFirewallRule(ctxOf(DECOY), r)).toBe(false);
    }
    expect(ownedFirewallRule(ctxOf(LONG), rule('node-to-node', DECOY))).toBe(false);
    expect(ownedApiLoadBalancerName(ctxOf(LONG), apiLoadBalancerName(LONG))).toBe(true);
    expect(ownedApiLoadBalancerName(ctxOf(DECOY), apiLoadBalancerName(LONG))).toBe(false);
    expect(passes(ownedApiLoadBalancerFilter(ctxOf(LONG)), apiLoadBalancerName(LONG))).toBe(true);
    expect(ownedMigName(ctxOf(LONG), mig(LONG, 'extra-nodes'))).toBe(true);
    expect(passes(ownedMigNameFilter(ctxOf(LONG)), mig(LONG, 'extra-nodes').name)).toBe(true);
    expect(ownedMigName(ctxOf(DECOY), mig(LONG, 'extra-nodes'))).toBe(false);
    expect(ownedMigName(ctxOf(LONG), mig(DECOY, 'extra-nodes'))).toBe(false);
    // A MIG's cut name is recognised with its own base instance name and zone only.
    expect(ownedMigName(ctxOf(LONG), { ...mig(LONG, 'extra-nodes'), baseInstanceName: 'other' })).toBe(false);
  });

  it(`${SUB}'s resources all end with -${safeClusterName(SHORT)}, and none is ${SHORT}'s; none of ${SHORT}'s is ${SUB}'s`, () => {
    for (const [mine, other] of [[SHORT, SUB], [SUB, SHORT]] as const) {
      const theirs = [apiLoadBalancerName(other), ...firewallRuleNames(other), mig(other, 'nodes').name];
      if (other === SUB) for (const n of theirs) expect(n.endsWith(`-${safeClusterName(SHORT)}`)).toBe(true);
      for (const n of [apiLoadBalancerName(other), ...firewallRuleNames(other)]) {
        expect(ownedFirewallRule(ctxOf(mine), { name: n, targetTags: [tagForRole(other, 'Node')] })).toBe(false);
        expect(ownedApiLoadBalancerName(ctxOf(mine), n)).toBe(false);
        expect(passes(ownedApiLoadBalancerFilter(ctxOf(mine)), n)).toBe(false);
      }
      for (const id of ['nodes', 'control-plane-us-central1-a', 'bastions']) expect(ownedMigName(ctxOf(mine), mig(other, id))).toBe(false);
      expect(ownedByClusterLabel(ctxOf(mine), clusterLabels(other))).toBe(false);
      // ...while the cluster's own are its.
      expect(ownedMigName(ctxOf(mine), mig(mine, 'nodes'))).toBe(true);
      expect(ownedApiLoadBalancerName(ctxOf(mine), apiLoadBalancerName(mine))).toBe(true);
      expect(ownedByClusterLabel(ctxOf(mine), clusterLabels(mine))).toBe(true);
    }
    // The MIG of group `nodes` of foo.c is `a-nodes-foo-...`: for c it would be the group `nodes-foo`, whose base instance name it does not have.
    expect(ownedMigName(ctxOf(SHORT), { ...mig(SUB, 'nodes'), baseInstanceName: 'nodes-foo' })).toBe(true);
    expect(ownedMigName(ctxOf(SHORT), mig(SUB, 'nodes'))).toBe(false);
  });

  it('every firewall rule id the model builds is recognised, with this cluster\'s role tags only', () => {
    const ids = [...GCE_FIREWALL_RULE_IDS, ...GCE_RANGED_FIREWALL_RULE_IDS.flatMap((id) => [id, `${id}-ipv6` as const])];
    expect(firewallRuleNames(SHORT)).toHaveLength(ids.length);
    for (const id of ids) {
      for (const tag of roleTags(SHORT)) expect(ownedFirewallRule(ctxOf(SHORT), { name: firewallRuleName(id, SHORT), targetTags: [tag] })).toBe(true);
      expect(passes(ownedFirewallRuleFilter(ctxOf(SHORT)), firewallRuleName(id, SHORT))).toBe(true);
      // No target tags (every instance of the network), or another's among them: not the cluster's.
      expect(ownedFirewallRule(ctxOf(SHORT), { name: firewallRuleName(id, SHORT), targetTags: [] })).toBe(false);
      expect(ownedFirewallRule(ctxOf(SHORT), { name: firewallRuleName(id, SHORT), targetTags: [tagForRole(SHORT, 'Node'), tagForRole(SUB, 'Node')] })).toBe(false);
    }
    // An object the model never builds is not the cluster's, whatever its suffix.
    expect(ownedFirewallRule(ctxOf(SHORT), { name: `whatever-rule-${safeClusterName(SHORT)}`, targetTags: [tagForRole(SHORT, 'Node')] })).toBe(false);
    expect(passes(ownedFirewallRuleFilter(ctxOf(SHORT)), `whatever-rule-${safeClusterName(SHORT)}`)).toBe(false);
    // `https-api-ipv6-<c>` is also ipv6.<c>'s IPv4 `https-api`: the target tags tell them apart.
    const v6 = `ipv6.${SHORT}`;
    expect(firewallRuleName('https-api', v6)).toBe(firewallRuleName('https-api-ipv6', SHORT));
    expect(ownedFirewallRule(ctxOf(SHORT), { name: firewallRuleName('https-api', v6), targetTags: [tagForRole(v6, 'ControlPlane')] })).toBe(false);
    expect(ownedFirewallRule(ctxOf(v6), { name: firewallRuleName('https-api', v6), targetTags: [tagForRole(v6, 'ControlPlane')] })).toBe(true);
  });

  it('labelled kinds: the cluster label decides; unlabelled or other-labelled is never the cluster\'s', () => {
    expect(ownedByClusterLabel(ctxOf(LONG), clusterLabels(LONG))).toBe(true);
    expect(ownedByClusterLabel(ctxOf(LONG), clusterLabels(DECOY))).toBe(false);
    expect(ownedByClusterLabel(ctxOf(SHORT), {})).toBe(false);
    expect(ownedByClusterLabel(ctxOf(SHORT), null)).toBe(false);
    expect(ownedByClusterLabelFilter(ctxOf(SHORT))).toBe(`labels.k8s-io-cluster-name = "${safeClusterName(SHORT)}"`);
    // A MIG's template: this cluster's label, or unreadable (gone: the name decides); another's or none is not.
    expect(ownedMigTemplate(ctxOf(SHORT), clusterLabels(SHORT))).toBe(true);
    expect(ownedMigTemplate(ctxOf(SHORT), undefined)).toBe(true);
    expect(ownedMigTemplate(ctxOf(SHORT), clusterLabels(SUB))).toBe(false);
    expect(ownedMigTemplate(ctxOf(SHORT), null)).toBe(false);
    expect(ownedMigTemplate(ctxOf(SHORT), {})).toBe(false);
  });

  it('ownedOrphans: the owned ones no task describes, by their orphan names', () => {
    const listed = [{ n: 'a' }, { n: 'b' }, { n: 'c' }];
    const out = ownedOrphans(listed, (x) => x.n !== 'c', new Set(['a']), (x) => `z/${x.n}`, (x) => x.n.toUpperCase());
    expect(out).toEqual([{ name: 'z/a', actual: 'A' }, { name: 'z/b', actual: 'B' }]);
    expect(ownedOrphans(listed, () => true, new Set(['z/a']), (x) => `z/${x.n}`, (x) => x.n)).toEqual([{ name: 'z/b', actual: 'b' }, { name: 'z/c', actual: 'c' }]);
  });
});

describe('the verdict on a resource found by name (owned-names.ts *NotOurs)', () => {
  const c = { clusterName: SHORT, safeClusterName: safeClusterName(SHORT) } as GceTaskContext;
  const ours = clusterLabels(SHORT);
  const theirs = clusterLabels(`foo.${SHORT}`);
  const inst = 'projects/p/zones/us-central1-a/instances/control-plane-us-central1-a-x1';

  it("targetPoolNotOurs: an instance labelled for another cluster or none makes the pool not ours; a gone instance does not", () => {
    const pool = { healthChecks: [`projects/p/global/httpHealthChecks/${apiLoadBalancerName(SHORT)}`] };
    expect(targetPoolNotOurs(c, pool, new Map([[inst, ours]]))).toBeUndefined();
    expect(targetPoolNotOurs(c, pool, new Map([[inst, undefined]]))).toBeUndefined();
    expect(targetPoolNotOurs(c, pool, new Map([[inst, theirs]]))).toContain(`instance control-plane-us-central1-a-x1 is labelled for cluster foo-short-example-com`);
    expect(targetPoolNotOurs(c, pool, new Map([[inst, null]]))).toContain('no k8s-io-cluster-name label');
    expect(targetPoolNotOurs(c, { healthChecks: [] }, new Map())).toBeUndefined();
  });

  it('labelledNotOurs: only another cluster\'s label refuses (an unlabelled resource is labelled in place)', () => {
    expect(labelledNotOurs(c, ours)).toBeUndefined();
    expect(labelledNotOurs(c, {})).toBeUndefined();
    expect(labelledNotOurs(c, theirs)).toContain('cluster foo-short-example-com');
  });

  it('migNotOurs: the template label first, then the base instance name', () => {
    const mig = { name: instanceGroupManagerName(SHORT, 'nodes', 'us-central1-a'), baseInstanceName: 'nodes', zone: 'zones/us-central1-a', instanceTemplate: 'projects/p/global/instanceTemplates/t' };
    expect(migNotOurs(c, mig, ours)).toBeUndefined();
    expect(migNotOurs(c, mig, undefined)).toBeUndefined();
    expect(migNotOurs(c, mig, theirs)).toContain('instance template t is labelled for cluster foo-short-example-com');
    expect(migNotOurs(c, { ...mig, baseInstanceName: 'other' }, ours)).toContain('base instance name is "other"');
  });
});
