/**
 * The orphan-search predicates every name-found GCE kind and `delete cluster` share
 * (src/tasks/gce/common.ts): a cluster's names, cut or not, are its own; a cluster whose name
 * differs only past the cut owns none of them; the list filters let every such name through.
 */
import { describe, expect, it } from 'vitest';
import { apiLoadBalancerName, firewallRuleName, instanceGroupManagerName, safeClusterName } from '../../../src/model/gce/names.js';
import { ownedByName, ownedMigName, ownedMigNameFilter, ownedNameFilter } from '../../../src/tasks/gce/common.js';
import type { GceTaskContext } from '../../../src/tasks/gce/context.js';

const LONG = 'orphans-of-a-cluster-whose-name-is-long-enough-to-be-cut.example.com';
const DECOY = 'orphans-of-a-cluster-whose-name-is-long-enough-to-be-cut.example.org';
const SHORT = 'short.example.com';

/** Only the names the predicates read: no clients are needed. */
const ctxOf = (cluster: string): GceTaskContext => ({ clusterName: cluster, safeClusterName: safeClusterName(cluster) }) as GceTaskContext;

/** Compute's `name eq "<re>"` as the API applies it: the whole name must match. */
function passes(filter: string, name: string): boolean {
  const re = /^name eq "(.*)"$/.exec(filter)?.[1];
  if (re === undefined) throw new Error(`unexpected filter ${filter}`);
  return new RegExp(`^(?:${re})$`).test(name);
}

describe('ownedByName / ownedMigName', () => {
  const zone = 'us-central1-a';
  const mig = (cluster: string, ig: string) => ({ name: instanceGroupManagerName(cluster, ig, zone), baseInstanceName: ig, zone: `https://www.googleapis.com/compute/v1/projects/p/zones/${zone}` });

  it("a long cluster's cut names are its own, and none of them the decoy's (or the other way round)", () => {
    const names = [firewallRuleName('node-to-node', LONG), firewallRuleName('kubernetes-master-https', LONG), apiLoadBalancerName(LONG)];
    for (const n of names) {
      expect(n.endsWith(`-${safeClusterName(LONG)}`)).toBe(false);
      expect(ownedByName(ctxOf(LONG), n)).toBe(true);
      expect(passes(ownedNameFilter(ctxOf(LONG)), n)).toBe(true);
      expect(ownedByName(ctxOf(DECOY), n)).toBe(false);
    }
    expect(ownedByName(ctxOf(LONG), firewallRuleName('node-to-node', DECOY))).toBe(false);
    expect(ownedMigName(ctxOf(LONG), mig(LONG, 'extra-nodes'))).toBe(true);
    expect(passes(ownedMigNameFilter(ctxOf(LONG)), mig(LONG, 'extra-nodes').name)).toBe(true);
    expect(ownedMigName(ctxOf(DECOY), mig(LONG, 'extra-nodes'))).toBe(false);
    expect(ownedMigName(ctxOf(LONG), mig(DECOY, 'extra-nodes'))).toBe(false);
    // A MIG's cut name is recognised with its own base instance name and zone only.
    expect(ownedMigName(ctxOf(LONG), { ...mig(LONG, 'extra-nodes'), baseInstanceName: 'other' })).toBe(false);
  });

  it("a short cluster's names match by the -<safe cluster name> suffix, as kops's; others' do not", () => {
    expect(ownedByName(ctxOf(SHORT), 'whatever-rule-short-example-com')).toBe(true);
    expect(passes(ownedNameFilter(ctxOf(SHORT)), 'whatever-rule-short-example-com')).toBe(true);
    expect(ownedByName(ctxOf(SHORT), 'rule-short-example-org')).toBe(false);
    expect(ownedByName(ctxOf(SHORT), 'short-example-com-rule')).toBe(false);
    expect(ownedMigName(ctxOf(SHORT), mig(SHORT, 'nodes'))).toBe(true);
    expect(passes(ownedMigNameFilter(ctxOf(SHORT)), mig(SHORT, 'nodes').name)).toBe(true);
    expect(passes(ownedMigNameFilter(ctxOf(SHORT)), 'a-nodes-other-example-com')).toBe(false);
  });
});
