/**
 * A GCE resource with the exact name the model gives one of the cluster's is never adopted when it
 * is someone else's: the MIG of group `nodes-<zone>` of `foo.owner.example.com` and of group
 * `nodes-<zone>-foo` of `owner.example.com` have one name (`a-nodes-<zone>-foo-owner-example-com`),
 * so whichever cluster is updated second is refused (GceResourceNotOurs, the MIG and its owner
 * named) and the project is left exactly as it was (ids compared); a hand-made firewall rule with
 * the name the model picks is refused by `update` and left by `delete cluster`. Through the CLI
 * against the fake Compute API.
 */
import { describe, expect, it } from 'vitest';
import { firewallRuleName, instanceGroupManagerName, safeClusterName } from '../../src/model/gce/names.js';
import { computeRest, useFakeGceCompute } from './gce-harness.js';
import { cli, cliOk, KEY, tempStore } from './harness.js';

const PROJECT = 'kops-adopt';
const ZONE = 'us-central1-a';
const OWNER = 'owner.example.com';
const SUB = `foo.${OWNER}`;
const COLLECTIONS = ['networks', 'subnetworks', 'firewalls', 'httpHealthChecks', 'targetPools', 'forwardingRules', 'addresses', 'instanceGroupManagers', 'instanceTemplates', 'disks', 'instances', 'routers'];

const fake = useFakeGceCompute(PROJECT);

const everything = (): string[] => COLLECTIONS.flatMap((c) => fake.all(PROJECT, c).map((r) => `${c}/${String(r.name)}#${String(r.id)}`)).sort();

const ok = cliOk;

const rest = computeRest(fake, PROJECT);

/** `create cluster`, and for `owner.example.com` the group whose MIG name is foo.<c>'s `nodes-<zone>`'s. */
async function define(cluster: string, state: string[]): Promise<void> {
  await ok(['create', 'cluster', '--name', cluster, '--cloud', 'gce', '--project', PROJECT, '--zones', ZONE, '--ssh-public-key', KEY, ...state]);
  if (cluster === OWNER) {
    const ig = await cli(['create', 'instancegroup', `nodes-${ZONE}-foo`, '--name', cluster, '--role', 'Node', '--zone', ZONE, '--edit=false', ...state]);
    expect(ig.code, ig.stderr).toBe(0);
  }
}

const MIG = instanceGroupManagerName(SUB, `nodes-${ZONE}`, ZONE);

describe.each([
  { first: SUB, second: OWNER },
  { first: OWNER, second: SUB },
])('GCE: $second updated after $first, one MIG name for both', ({ first, second }) => {
  const firstState = ['--state', tempStore().url];
  const secondState = ['--state', tempStore().url];

  it('the two clusters name a MIG alike', () => {
    expect(instanceGroupManagerName(OWNER, `nodes-${ZONE}-foo`, ZONE)).toBe(MIG);
  });

  it(`${second}'s update (plan and --yes) is refused naming the MIG and ${first}; nothing in the project changes`, async () => {
    await define(first, firstState);
    await ok(['update', 'cluster', '--name', first, '--yes', ...firstState]);
    const mig = fake.all(PROJECT, 'instanceGroupManagers').find((m) => m.name === MIG);
    expect(mig).toBeDefined();
    const before = everything();

    await define(second, secondState);
    for (const extra of [[], ['--yes']]) {
      const r = await cli(['update', 'cluster', '--name', second, ...extra, ...secondState]);
      expect(r.code, r.stdout).not.toBe(0);
      expect(r.stderr).toContain(`InstanceGroupManager ${ZONE}/${MIG}`);
      expect(r.stderr).toContain(`cluster ${safeClusterName(first)} (k8s-io-cluster-name=${safeClusterName(first)})`);
      expect(r.stderr).toMatch(/rename the instance group \(or the cluster\)/);
    }
    // The first cluster's MIG still runs its own template; not one resource added, changed or removed.
    expect(fake.all(PROJECT, 'instanceGroupManagers').find((m) => m.name === MIG)).toEqual(mig);
    expect(everything()).toEqual(before);
  });

  it(`delete cluster of ${second} never lists ${first}'s MIG; ${first}'s delete then empties the project`, async () => {
    const listing = await cli(['delete', 'cluster', '--name', second, ...secondState]);
    expect(listing.code, listing.stderr).toBe(0);
    expect(listing.stdout).not.toMatch(new RegExp(`InstanceGroupManager\\s+${ZONE}/${MIG}\\s`));
    const before = everything();
    const out = await ok(['delete', 'cluster', '--name', second, '--yes', ...secondState]);
    expect(out).toMatch(new RegExp(`Not deleted:[\\s\\S]*InstanceGroupManager ${MIG} \\(\\d+\\): .*is labelled for cluster ${safeClusterName(first)}`));
    expect(everything()).toEqual(before);
    await ok(['delete', 'cluster', '--name', first, '--yes', ...firstState]);
    expect(everything()).toEqual([]);
  });
});

describe('GCE: a hand-made firewall rule with the name the model picks', () => {
  const CLUSTER = 'fw.example.com';
  const state = ['--state', tempStore().url];
  const RULE = firewallRuleName('node-to-node', CLUSTER);
  let ruleId = '';

  it('update is refused (the rule and its target tags named); nothing is created', async () => {
    await rest('POST', 'global/networks', { name: 'web', autoCreateSubnetworks: false });
    const op = await rest('POST', 'global/firewalls', {
      name: RULE,
      network: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/global/networks/web`,
      allowed: [{ IPProtocol: 'tcp', ports: ['80'] }],
      sourceRanges: ['0.0.0.0/0'],
      targetTags: ['web-server'],
    });
    expect(op.kind).toBe('compute#operation');
    ruleId = String(fake.get(PROJECT, 'global', 'firewalls', RULE)?.id);
    await define(CLUSTER, state);
    const before = everything();
    const r = await cli(['update', 'cluster', '--name', CLUSTER, '--yes', ...state]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`FirewallRule ${RULE} (id ${ruleId})`);
    expect(r.stderr).toContain('its target tags (web-server) are not this cluster');
    expect(r.stderr).toContain(`gcloud compute firewall-rules delete ${RULE}`);
    expect(everything()).toEqual(before);
  });

  it('delete cluster keeps it, saying why; --yes leaves it as it was', async () => {
    const listing = await ok(['delete', 'cluster', '--name', CLUSTER, ...state]);
    expect(listing).not.toMatch(new RegExp(`^FirewallRule\\s+${RULE}\\s`, 'm'));
    const out = await ok(['delete', 'cluster', '--name', CLUSTER, '--yes', ...state]);
    expect(out).toMatch(new RegExp(`Not deleted:[\\s\\S]*FirewallRule ${RULE} \\(${ruleId}\\): .*its target tags \\(web-server\\)`));
    const rule = fake.get(PROJECT, 'global', 'firewalls', RULE);
    expect(String(rule?.id)).toBe(ruleId);
    expect(rule?.targetTags).toEqual(['web-server']);
  });
});
