/**
 * A GCE cluster whose name is long enough that the model cuts its resource names (the cluster
 * part cut with a hash, a MIG's whole name cut with the hash of it): `update cluster` and `delete
 * cluster` must find its orphans too (a removed instance group's MIG, a firewall rule the model no
 * longer builds),
 * whose names do not end with `-<safe cluster name>`, and must leave alone every resource of a
 * second cluster whose name differs only past the cut (same visible prefix, another hash).
 * Through the CLI against the fake Compute API.
 */
import { describe, expect, it } from 'vitest';
import { firewallRuleName, instanceGroupManagerName, networkName, safeClusterName, tagForRole } from '../../src/model/gce/names.js';
import { computeRest, useFakeGceCompute } from './gce-harness.js';
import { cli, cliOk, KEY, tempStore } from './harness.js';

const PROJECT = 'kops-long-names';
const ZONE = 'us-central1-a';
const LONG = 'orphans-of-a-cluster-whose-name-is-long-enough-to-be-cut.example.com';
/** The decoy: the same name up to past every cut, so its cut names differ only in the hash. */
const DECOY = 'orphans-of-a-cluster-whose-name-is-long-enough-to-be-cut.example.org';
const COLLECTIONS = ['networks', 'subnetworks', 'firewalls', 'httpHealthChecks', 'targetPools', 'forwardingRules', 'addresses', 'instanceGroupManagers', 'instanceTemplates', 'disks', 'instances'];

const fake = useFakeGceCompute(PROJECT);

/** Every resource in the project, by collection, name and id (an instance recreated gets a new id). */
const everything = (): string[] => COLLECTIONS.flatMap((c) => fake.all(PROJECT, c).map((r) => `${c}/${String(r.name)}#${String(r.id)}`)).sort();

const ok = cliOk;

const rest = computeRest(fake, PROJECT);

/** A rule the model builds only without an API load balancer (to the control plane's tag): with one, left over from an older spec. */
async function leftoverRule(cluster: string): Promise<string> {
  const name = firewallRuleName('kubernetes-master-https', cluster);
  await rest('POST', 'global/firewalls', {
    name,
    network: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/global/networks/${networkName(cluster)}`,
    allowed: [{ IPProtocol: 'tcp', ports: ['443'] }],
    sourceRanges: ['0.0.0.0/0'],
    targetTags: [tagForRole(cluster, 'ControlPlane')],
  });
  return name;
}

async function build(cluster: string, state: string[]): Promise<void> {
  await ok(['create', 'cluster', '--name', cluster, '--cloud', 'gce', '--project', PROJECT, '--zones', ZONE, '--ssh-public-key', KEY, ...state]);
  const ig = await cli(['create', 'instancegroup', 'extra-nodes', '--name', cluster, '--role', 'Node', '--zone', ZONE, '--edit=false', ...state]);
  expect(ig.code, ig.stderr).toBe(0);
  await ok(['update', 'cluster', '--name', cluster, '--yes', ...state]);
}

describe('update and delete cluster on GCE with a name the model cuts', () => {
  const long = ['--state', tempStore().url];
  const decoy = ['--state', tempStore().url];
  const extraMig = instanceGroupManagerName(LONG, 'extra-nodes', ZONE);
  let rule = '';
  let decoyResources: string[] = [];

  it('the names are cut: neither the MIG nor the rules end with the safe cluster name, and the decoy differs only in the hash', async () => {
    const safe = safeClusterName(LONG);
    expect(safe.length).toBeGreaterThan(63);
    expect(extraMig.endsWith(`-${safe}`)).toBe(false);
    expect(extraMig.length).toBe(63);
    expect(instanceGroupManagerName(DECOY, 'extra-nodes', ZONE).slice(0, 56)).toBe(extraMig.slice(0, 56));
    expect(instanceGroupManagerName(DECOY, 'extra-nodes', ZONE)).not.toBe(extraMig);
    // The decoy: built, with its own leftover rule; everything of it must survive the delete.
    await build(DECOY, decoy);
    await leftoverRule(DECOY);
    decoyResources = everything();
    expect(decoyResources.some((r) => r.startsWith('instanceGroupManagers/'))).toBe(true);
  });

  it('a removed instance group\'s MIG and a leftover rule are listed as the cluster\'s; nothing of the decoy is', async () => {
    await build(LONG, long);
    expect(fake.all(PROJECT, 'instanceGroupManagers').map((m) => m.name)).toContain(extraMig);
    await ok(['delete', 'instancegroup', 'extra-nodes', '--name', LONG, '--yes', ...long]);
    rule = await leftoverRule(LONG);
    expect(rule.endsWith(`-${safeClusterName(LONG)}`)).toBe(false);
    const before = everything();
    const listing = await ok(['delete', 'cluster', '--name', LONG, ...long]);
    expect(listing).toContain('Must specify --yes to delete cluster');
    expect(listing).toMatch(new RegExp(`InstanceGroupManager\\s+${ZONE}/${extraMig}\\s`));
    expect(listing).toMatch(new RegExp(`FirewallRule\\s+${rule}\\s`));
    for (const r of decoyResources) expect(listing).not.toContain(` ${r.slice(r.indexOf('/') + 1, r.indexOf('#'))} `);
    expect(everything()).toEqual(before);
  });

  it('update plans the deletion of exactly that MIG, the rule and the group\'s template; --yes removes them, nothing of the decoy', async () => {
    const plan = JSON.parse(await ok(['update', 'cluster', '--name', LONG, '-o', 'json', ...long])) as { changes: { kind: string; name: string; action: string }[] };
    const deletes = plan.changes.filter((x) => x.action === 'delete');
    expect(deletes.map((x) => x.kind).sort()).toEqual(['FirewallRule', 'InstanceGroupManager', 'InstanceTemplate']);
    expect(deletes.find((x) => x.kind === 'InstanceGroupManager')?.name).toBe(`${ZONE}/${extraMig}`);
    expect(deletes.find((x) => x.kind === 'FirewallRule')?.name).toBe(rule);
    expect(plan.changes.filter((x) => x.action !== 'delete')).toEqual([]);
    const before = everything();
    await ok(['update', 'cluster', '--name', LONG, '--yes', ...long]);
    const gone = before.filter((r) => !everything().includes(r));
    expect(gone.filter((r) => r.startsWith('instanceGroupManagers/') || r.startsWith('firewalls/')).map((r) => r.slice(0, r.indexOf('#')))).toEqual([`firewalls/${rule}`, `instanceGroupManagers/${extraMig}`]);
    for (const r of decoyResources) expect(everything()).toContain(r);
    // A second plan has nothing left to do.
    const again = await cli(['update', 'cluster', '--name', LONG, '--detailed-exitcode', ...long]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it('delete --yes leaves exactly the decoy cluster\'s resources, untouched', async () => {
    await ok(['delete', 'cluster', '--name', LONG, '--yes', ...long]);
    expect(everything()).toEqual(decoyResources);
    // ...and the decoy, deleted in turn, leaves an empty project (its own cut orphan included).
    await ok(['delete', 'cluster', '--name', DECOY, '--yes', ...decoy]);
    expect(everything()).toEqual([]);
  });
});
