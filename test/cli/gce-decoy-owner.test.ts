/**
 * Two GCE clusters in one project, `owner.example.com` and `foo.owner.example.com`: every resource
 * name of the second ends with `-owner-example-com`, the first's safe name, so kops's suffix match
 * would take the second's load balancer, firewall rules and MIGs as the first's orphans. `update`
 * (plan and --yes) and `delete cluster --yes` of either must leave every resource of the other
 * untouched (the fake's whole inventory compared, ids included), while the cluster's own orphans
 * (a removed instance group's MIG and template, a rule the model no longer builds, a labelled
 * address no task describes) are still pruned. Through the CLI against the fake Compute API.
 */
import { describe, expect, it } from 'vitest';
import { clusterLabels } from '../../src/model/gce/labels.js';
import { firewallRuleName, instanceGroupManagerName, networkName, safeClusterName, tagForRole } from '../../src/model/gce/names.js';
import { computeRest, useFakeGceCompute } from './gce-harness.js';
import { cli, cliOk, KEY, tempStore } from './harness.js';

const PROJECT = 'kops-decoy-owner';
const ZONE = 'us-central1-a';
const REGION = 'us-central1';
const OWNER = 'owner.example.com';
const SUB = `foo.${OWNER}`;
const COLLECTIONS = ['networks', 'subnetworks', 'firewalls', 'httpHealthChecks', 'targetPools', 'forwardingRules', 'addresses', 'instanceGroupManagers', 'instanceTemplates', 'disks', 'instances'];

const fake = useFakeGceCompute(PROJECT);

/** Every resource in the project, by collection, name and id (an instance recreated gets a new id). */
const everything = (): string[] => COLLECTIONS.flatMap((c) => fake.all(PROJECT, c).map((r) => `${c}/${String(r.name)}#${String(r.id)}`)).sort();
const nameOf = (r: string): string => r.slice(r.indexOf('/') + 1, r.indexOf('#'));

const ok = cliOk;

const rest = computeRest(fake, PROJECT);

async function build(cluster: string, state: string[]): Promise<void> {
  await ok(['create', 'cluster', '--name', cluster, '--cloud', 'gce', '--project', PROJECT, '--zones', ZONE, '--ssh-public-key', KEY, ...state]);
  const ig = await cli(['create', 'instancegroup', 'extra-nodes', '--name', cluster, '--role', 'Node', '--zone', ZONE, '--edit=false', ...state]);
  expect(ig.code, ig.stderr).toBe(0);
  await ok(['update', 'cluster', '--name', cluster, '--yes', ...state]);
}

/**
 * The cluster's genuine orphans: its `extra-nodes` group removed (its MIG and template stay), a
 * rule the model builds only without an API load balancer (to the control plane's tag, as built),
 * and an address carrying the cluster's label that no task describes.
 */
async function orphans(cluster: string, state: string[]): Promise<{ mig: string; rule: string; address: string }> {
  await ok(['delete', 'instancegroup', 'extra-nodes', '--name', cluster, '--yes', ...state]);
  const rule = firewallRuleName('kubernetes-master-https', cluster);
  await rest('POST', 'global/firewalls', {
    name: rule,
    network: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/global/networks/${networkName(cluster)}`,
    allowed: [{ IPProtocol: 'tcp', ports: ['443'] }],
    sourceRanges: ['0.0.0.0/0'],
    targetTags: [tagForRole(cluster, 'ControlPlane')],
  });
  const address = `old-api-${safeClusterName(cluster)}`;
  await rest('POST', `regions/${REGION}/addresses`, { name: address, labels: clusterLabels(cluster) });
  return { mig: instanceGroupManagerName(cluster, 'extra-nodes', ZONE), rule, address };
}

describe.each([
  { target: OWNER, decoy: SUB },
  { target: SUB, decoy: OWNER },
])('GCE: $target next to $decoy', ({ target, decoy }) => {
  const mine = ['--state', tempStore().url];
  const theirs = ['--state', tempStore().url];
  let decoyResources: string[] = [];
  let own = { mig: '', rule: '', address: '' };

  it('both clusters built; the decoy has its own orphans too', async () => {
    expect(fake.all(PROJECT, 'instances')).toEqual([]);
    await build(decoy, theirs);
    await orphans(decoy, theirs);
    decoyResources = everything();
    expect(decoyResources.some((r) => r.startsWith('targetPools/'))).toBe(true);
    expect(decoyResources.some((r) => r.startsWith('instanceGroupManagers/'))).toBe(true);
    // The unlabelled kinds' names of foo.owner.example.com all end with owner.example.com's suffix.
    const unlabelled = decoyResources.filter((r) => /^(firewalls|targetPools|httpHealthChecks|instanceGroupManagers)\//.test(r));
    expect(unlabelled.length).toBeGreaterThan(8);
    if (decoy === SUB) for (const r of unlabelled) expect(nameOf(r)).toMatch(/-owner-example-com$/);
    // The target's first `update --yes` prunes what it takes as its orphans: nothing of the decoy.
    await build(target, mine);
    const now = everything();
    for (const r of decoyResources) expect(now).toContain(r);
    own = await orphans(target, mine);
  });

  it("delete cluster (no --yes) lists the target's orphans and nothing of the decoy", async () => {
    const before = everything();
    const listing = await ok(['delete', 'cluster', '--name', target, ...mine]);
    expect(listing).toMatch(new RegExp(`InstanceGroupManager\\s+${ZONE}/${own.mig}\\s`));
    expect(listing).toMatch(new RegExp(`FirewallRule\\s+${own.rule}\\s`));
    expect(listing).toMatch(new RegExp(`Address\\s+${own.address}\\s`));
    for (const r of decoyResources) expect(listing).not.toMatch(new RegExp(`[\\s/]${nameOf(r)}\\s`));
    expect(everything()).toEqual(before);
  });

  it("update plans the deletion of exactly the target's orphans; --yes removes them and nothing of the decoy", async () => {
    const plan = JSON.parse(await ok(['update', 'cluster', '--name', target, '-o', 'json', ...mine])) as { changes: { kind: string; name: string; action: string }[] };
    const deletes = plan.changes.filter((x) => x.action === 'delete');
    expect(deletes.map((x) => x.kind).sort()).toEqual(['Address', 'FirewallRule', 'InstanceGroupManager', 'InstanceTemplate']);
    expect(deletes.find((x) => x.kind === 'InstanceGroupManager')?.name).toBe(`${ZONE}/${own.mig}`);
    expect(deletes.find((x) => x.kind === 'FirewallRule')?.name).toBe(own.rule);
    expect(deletes.find((x) => x.kind === 'Address')?.name).toBe(own.address);
    expect(deletes.find((x) => x.kind === 'InstanceTemplate')?.name).toMatch(/^extra-nodes-/);
    expect(plan.changes.filter((x) => x.action !== 'delete')).toEqual([]);
    await ok(['update', 'cluster', '--name', target, '--yes', ...mine]);
    const now = everything();
    for (const r of decoyResources) expect(now).toContain(r);
    for (const n of [own.mig, own.rule, own.address]) expect(now.some((r) => nameOf(r) === n)).toBe(false);
    const again = await cli(['update', 'cluster', '--name', target, '--detailed-exitcode', ...mine]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it('delete cluster --yes leaves exactly the decoy\'s resources, ids unchanged; the decoy\'s delete then empties the project', async () => {
    await ok(['delete', 'cluster', '--name', target, '--yes', ...mine]);
    expect(everything()).toEqual(decoyResources);
    await ok(['delete', 'cluster', '--name', decoy, '--yes', ...theirs]);
    expect(everything()).toEqual([]);
  });
});
