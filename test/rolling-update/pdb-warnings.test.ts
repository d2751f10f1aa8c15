/**
 * The PodDisruptionBudgets that will block a drain (a budget at 0, a pod two budgets select), said
 * before the first drain: the words and the
 * nodes the roll drains (pure), and the roll's and `delete instance`'s engines on the memory cloud
 * (the warning comes before any drain; nothing for nodes not rolled, bastions, groups not drained,
 * --cloudonly; an unreadable API is one line and the roll goes on). The fake API's budgets and the
 * CLI run it end to end in test/cli/rolling-update-pdb.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { blockingBudgetMessage, blockingBudgetWarnings, nodesToDrain, severalBudgetsMessage, severalBudgetsMessages } from '../../src/rolling-update/pdb-warnings.js';
import { deleteInstance } from '../../src/rolling-update/single-instance.js';
import type { BlockingBudget, CloudInstanceGroup, KubeNode } from '../../src/rolling-update/types.js';
import { HA_GROUPS, makeCluster } from './harness.js';

const BUDGET: BlockingBudget = {
  namespace: 'shop',
  name: 'db-pdb',
  currentHealthy: 3,
  desiredHealthy: 3,
  pods: [
    { node: 'n1', pods: ['shop/db-0'] },
    { node: 'n2', pods: ['shop/db-1', 'shop/db-2'] },
  ],
};

describe('blockingBudgetMessage', () => {
  it('names the budget, its pods per node, its health, and what the drain will do after --drain-timeout', () => {
    expect(blockingBudgetMessage(BUDGET, { drainTimeoutMs: 15 * 60_000, failOnDrainError: true })).toBe(
      'PodDisruptionBudget shop/db-pdb allows 0 disruptions now (currentHealthy 3, desiredHealthy 3) and 3 of its pods sit on nodes to be drained (1 on n1, 2 on n2): ' +
        'their eviction will be refused until it allows one; the drain waits up to --drain-timeout 15m, then stops the roll',
    );
    const one = blockingBudgetMessage({ ...BUDGET, pods: [{ node: 'n1', pods: ['shop/db-0'] }] }, { drainTimeoutMs: 90_000, failOnDrainError: false });
    expect(one).toContain('and 1 of its pods sits on nodes to be drained (1 on n1)');
    expect(one).toMatch(/--drain-timeout 90s, then goes on without draining, with --fail-on-drain-error=false$/);
  });
});

describe('severalBudgetsMessage', () => {
  it('names the pod, its node and the budgets, says the drain fails on it whatever they allow, what the roll then does, and what to do', () => {
    const p = { pod: 'shop/api-0', node: 'n1', budgets: ['shop/api-pdb', 'shop/front-pdb'] };
    expect(severalBudgetsMessage([p], { drainTimeoutMs: 15 * 60_000, failOnDrainError: true })).toBe(
      'pod shop/api-0 on node n1 is selected by 2 PodDisruptionBudgets (shop/api-pdb, shop/front-pdb), and the eviction API refuses to evict a pod that more than one budget selects, whatever they allow: ' +
        'the drain of n1 will fail on it without waiting for --drain-timeout, and the roll then stops; merge the budgets or narrow their selectors so that one budget selects the pod',
    );
    expect(severalBudgetsMessage([p], { drainTimeoutMs: 60_000, failOnDrainError: false })).toContain('and the roll then goes on without draining, with --fail-on-drain-error=false; merge');
  });

  it('says the pods the same budgets select in one line (counted per node, five named), and other sets in lines of their own', () => {
    const web = Array.from({ length: 7 }, (_, i) => ({ pod: `shop/web-${i}`, node: i < 3 ? 'n1' : 'n2', budgets: ['shop/all-pdb', 'shop/web-pdb'] }));
    const api = { pod: 'shop/api-0', node: 'n2', budgets: ['shop/all-pdb', 'shop/api-pdb'] };
    const lines = severalBudgetsMessages([web[0]!, api, ...web.slice(1)], { drainTimeoutMs: 60_000, failOnDrainError: true });
    expect(lines).toEqual([
      '7 pods on nodes to be drained (3 on n1, 4 on n2: shop/web-0, shop/web-1, shop/web-2, shop/web-3, shop/web-4, and 2 more) are selected by 2 PodDisruptionBudgets (shop/all-pdb, shop/web-pdb), ' +
        'and the eviction API refuses to evict a pod that more than one budget selects, whatever they allow: the drain of each of these nodes will fail on them without waiting for --drain-timeout, ' +
        'and the roll then stops; merge the budgets or narrow their selectors so that one budget selects each pod',
      severalBudgetsMessage([api], { drainTimeoutMs: 60_000, failOnDrainError: true }),
    ]);
    expect(severalBudgetsMessages(web.slice(0, 2), { drainTimeoutMs: 60_000, failOnDrainError: true })[0]).toContain('2 pods on nodes to be drained (2 on n1: shop/web-0, shop/web-1) are selected by 2 PodDisruptionBudgets (shop/all-pdb, shop/web-pdb), and the eviction API refuses to evict a pod that more than one budget selects, whatever they allow: the drain of n1 will fail on them');
    expect(severalBudgetsMessages([], { drainTimeoutMs: 60_000, failOnDrainError: true })).toEqual([]);
  });
});

describe('nodesToDrain', () => {
  const group = (name: string, role: CloudInstanceGroup['role'], ids: string[]): CloudInstanceGroup => ({
    name,
    role,
    cloudName: name,
    minSize: ids.length,
    maxSize: ids.length,
    targetSize: ids.length,
    instances: ids.map((id) => ({ id, group: name, status: 'NeedsUpdate', state: 'InService', nodeName: `node-${id}` })),
  });
  const node = (id: string): KubeNode => ({ name: `node-${id}`, instanceId: id, ready: true, unschedulable: false, roles: ['node'], needsUpdate: false });
  const nodes = ['a1', 'a2', 'b1', 'c1', 'd1'].map(node);
  const a = group('nodes-a', 'Node', ['a1', 'a2']);
  const b = group('bastions', 'Bastion', ['b1']);
  const c = group('nodes-c', 'Node', ['c1']);
  const d = group('nodes-d', 'Node', ['d1', 'd9']);

  it('the Nodes of the instances to update, not bastions, not a group with drainAndTerminate false, not an instance without a Node', () => {
    const specs = [{ name: 'nodes-c', role: 'Node' as const, rollingUpdate: { drainAndTerminate: false } }];
    const got = nodesToDrain('aws', null, specs, [{ group: a, update: [a.instances[1]!] }, { group: b, update: b.instances }, { group: c, update: c.instances }, { group: d, update: d.instances }], nodes);
    expect(got).toEqual(['node-a2', 'node-d1']);
    // The cluster's drainAndTerminate false applies where a group sets none.
    expect(nodesToDrain('aws', { drainAndTerminate: false }, specs, [{ group: a, update: a.instances }], nodes)).toEqual([]);
    // Without the API (no Nodes) nothing is drained.
    expect(nodesToDrain('aws', null, specs, [{ group: a, update: a.instances }], undefined)).toEqual([]);
  });
});

describe('blockingBudgetWarnings', () => {
  it('an API that cannot be read is one line, and no error', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 1 }]);
    c.kube.budgetError = new Error('cannot reach the Kubernetes API at https://api.example.com');
    expect(await blockingBudgetWarnings(c.kube, ['n1'], { drainTimeoutMs: 60_000, failOnDrainError: true })).toEqual([
      'could not check the PodDisruptionBudgets before draining (cannot reach the Kubernetes API at https://api.example.com); going on',
    ]);
    expect(await blockingBudgetWarnings(c.kube, [], { drainTimeoutMs: 60_000, failOnDrainError: true })).toEqual([]);
  });
});

describe('the roll warns before its first drain', () => {
  it('names the budget blocking a node to be replaced before any drain, asking only about the nodes it drains', async () => {
    const c = makeCluster([
      { name: 'bastions', role: 'Bastion', size: 1 },
      { name: 'nodes', role: 'Node', size: 2, rollingUpdate: { maxSurge: 0 } },
    ]);
    const [a, b] = c.cloud.groups.get('nodes')!.instances;
    c.kube.blocked.add(a!.nodeName);
    c.cloud.bumpVersion();
    await c.roll({ drainTimeoutMs: 60_000, failOnDrainError: false });
    expect(c.kube.budgetChecks).toEqual([[a!.nodeName, b!.nodeName].sort()]);
    const codes = c.events.events.map((e) => (e.code === 'rolling-update.warning' ? `warning ${e.message}` : e.code === 'rolling-update.step' ? `step ${e.step}` : e.code));
    const warning = codes.findIndex((x) => x.startsWith(`warning PodDisruptionBudget default/web-pdb allows 0 disruptions now`));
    expect(warning).toBeGreaterThan(codes.indexOf('rolling-update.start'));
    expect(warning).toBeLessThan(codes.indexOf('step drain'));
    expect(codes[warning]).toContain(`(1 on ${a!.nodeName})`);
    expect(codes[warning]).toContain('--drain-timeout 1m, then goes on without draining, with --fail-on-drain-error=false');
  });

  it('no warning when the blocked node is not rolled, and no check at all with --cloudonly', async () => {
    const c = makeCluster([
      { name: 'nodes-a', role: 'Node', size: 1 },
      { name: 'nodes-b', role: 'Node', size: 1 },
    ]);
    const rolled = c.cloud.groups.get('nodes-a')!.instances[0]!.nodeName;
    c.kube.blocked.add(c.cloud.groups.get('nodes-b')!.instances[0]!.nodeName);
    c.cloud.bumpVersion();
    await c.roll({ instanceGroups: ['nodes-a'] });
    expect(c.kube.budgetChecks).toEqual([[rolled]]);
    expect(c.events.of('rolling-update.warning')).toEqual([]);

    const d = makeCluster([{ name: 'nodes', role: 'Node', size: 1 }]);
    d.kube.blocked.add(d.cloud.groups.get('nodes')!.instances[0]!.nodeName);
    d.cloud.bumpVersion();
    await d.roll({ cloudOnly: true });
    expect(d.kube.budgetChecks).toEqual([]);
  });

  it('an unreadable API is one warning and the roll goes on', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 1 }]);
    c.kube.budgetError = new Error('the server is gone');
    c.cloud.bumpVersion();
    const res = await c.roll();
    expect(res.replaced).toHaveLength(1);
    expect(c.events.of('rolling-update.warning').map((w) => w.message)).toEqual(['could not check the PodDisruptionBudgets before draining (the server is gone); going on']);
  });
});

describe('a pod two budgets select', () => {
  it('the roll warns of it before its first drain, after the budgets at 0', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 2, rollingUpdate: { maxSurge: 0 } }]);
    const [a, b] = c.cloud.groups.get('nodes')!.instances;
    c.kube.blocked.add(a!.nodeName);
    c.kube.underTwoBudgets.add(b!.nodeName);
    c.cloud.bumpVersion();
    await c.roll({ drainTimeoutMs: 60_000, failOnDrainError: false });
    const codes = c.events.events.map((e) => (e.code === 'rolling-update.warning' ? `warning ${e.message}` : e.code === 'rolling-update.step' ? `step ${e.step}` : e.code));
    const atZero = codes.findIndex((x) => x.startsWith('warning PodDisruptionBudget default/web-pdb'));
    const two = codes.findIndex((x) => x.startsWith(`warning pod default/api-0 on node ${b!.nodeName} is selected by 2 PodDisruptionBudgets (default/api-a, default/api-b)`));
    expect(atZero).toBeGreaterThan(codes.indexOf('rolling-update.start'));
    expect(two).toBe(atZero + 1);
    expect(two).toBeLessThan(codes.indexOf('step drain'));
  });

  it("delete instance warns of it before its drain, only for the instance's Node", async () => {
    const c = makeCluster(HA_GROUPS);
    const [victim, other] = c.cloud.groups.get('nodes-us-east-1a')!.instances;
    c.kube.underTwoBudgets.add(victim!.nodeName);
    const run = (instance: string) =>
      deleteInstance({ cluster: 'example.com', cloud: c.cloud, kube: c.kube, validator: c.validator, clock: c.clock, events: c.events.sink, specGroups: HA_GROUPS.map((g) => ({ name: g.name, role: g.role })), instance, validateCount: 1, failOnDrainError: true, drainTimeoutMs: 60_000 });
    await run(victim!.id);
    const codes = c.events.events.map((e) => (e.code === 'rolling-update.warning' ? 'warning' : e.code === 'rolling-update.step' ? `step ${e.step}` : e.code));
    expect(codes.indexOf('warning')).toBeGreaterThanOrEqual(0);
    expect(codes.indexOf('warning')).toBeLessThan(codes.indexOf('step detach'));
    expect(c.events.of('rolling-update.warning').map((w) => w.message)).toEqual([expect.stringMatching(new RegExp(`^pod default/api-0 on node ${victim!.nodeName} is selected by 2 PodDisruptionBudgets .* and the roll then stops; merge`))]);
    c.events.events.length = 0;
    await run(other!.id);
    expect(c.events.of('rolling-update.warning')).toEqual([]);
  });
});

describe('delete instance warns before its drain', () => {
  it("names the budget blocking the instance's Node, before the drain; nothing for another instance", async () => {
    const c = makeCluster(HA_GROUPS);
    const [victim, other] = c.cloud.groups.get('nodes-us-east-1a')!.instances;
    c.kube.blocked.add(victim!.nodeName);
    const run = (instance: string) =>
      deleteInstance({ cluster: 'example.com', cloud: c.cloud, kube: c.kube, validator: c.validator, clock: c.clock, events: c.events.sink, specGroups: HA_GROUPS.map((g) => ({ name: g.name, role: g.role })), instance, validateCount: 1, failOnDrainError: false, drainTimeoutMs: 60_000 });
    await run(victim!.id);
    const codes = c.events.events.map((e) => (e.code === 'rolling-update.warning' ? 'warning' : e.code === 'rolling-update.step' ? `step ${e.step}` : e.code));
    expect(codes.indexOf('warning')).toBeGreaterThanOrEqual(0);
    expect(codes.indexOf('warning')).toBeLessThan(codes.indexOf('step detach'));
    expect(c.events.of('rolling-update.warning')[0]?.message).toMatch(/^PodDisruptionBudget default\/web-pdb allows 0 disruptions now/);
    expect(c.kube.budgetChecks).toEqual([[victim!.nodeName]]);

    c.events.events.length = 0;
    await run(other!.id);
    expect(c.events.of('rolling-update.warning').filter((w) => w.message.startsWith('PodDisruptionBudget'))).toEqual([]);
  });
});
