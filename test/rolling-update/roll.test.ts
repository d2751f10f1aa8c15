import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { HA_GROUPS, allCurrent, makeCluster, watchDisruption } from './harness.js';

describe('rollingUpdateCluster: the HA cluster after an image change', () => {
  it('replaces the bastion, the 3 control planes one at a time, then every node, ending on the new version', async () => {
    const c = makeCluster(HA_GROUPS);
    const watch = watchDisruption(c.cloud, c.kube);
    c.cloud.bumpVersion();
    const res = await c.roll();

    expect(allCurrent(c.cloud)).toBe(true);
    expect([...c.cloud.terminated].sort()).toEqual([...c.originals].sort());
    expect(res.replaced).toHaveLength(c.originals.length);
    expect(res.resumed).toBe(false);
    // Never two control planes down at once, and it did take them down.
    expect(watch.maxControlPlane).toBe(1);
    // Node groups (surge 1, unavailable 0 by default on AWS) never beyond 1.
    expect(watch.max.get('nodes-us-east-1a')).toBe(1);
    expect(watch.max.get('nodes-us-east-1b')).toBe(1);
    // Order: bastion, control planes alphabetically, then node groups one after the other.
    const term = c.cloud.log.filter((o) => o.op === 'terminate').map((o) => o.group);
    const firstIdx = (g: string): number => term.indexOf(g);
    const lastIdx = (g: string): number => term.lastIndexOf(g);
    expect(lastIdx('bastions')).toBeLessThan(firstIdx('control-plane-us-east-1a'));
    expect(lastIdx('control-plane-us-east-1a')).toBeLessThan(firstIdx('control-plane-us-east-1b'));
    expect(lastIdx('control-plane-us-east-1b')).toBeLessThan(firstIdx('control-plane-us-east-1c'));
    expect(lastIdx('control-plane-us-east-1c')).toBeLessThan(firstIdx('nodes-us-east-1a'));
    expect(lastIdx('nodes-us-east-1a')).toBeLessThan(firstIdx('nodes-us-east-1b'));
    // Control planes were taken out of the API load balancer first (3 API servers), never detached.
    const cpOps = c.cloud.log.filter((o) => o.group.startsWith('control-plane') && o.op !== 'launch').map((o) => o.op);
    expect(cpOps).toEqual(['deregister', 'terminate', 'deregister', 'terminate', 'deregister', 'terminate']);
    // The bastion and the node groups surged (kops's AWS default maxSurge 1): one detach each.
    expect(c.cloud.log.filter((o) => o.op === 'detach').map((o) => o.group)).toEqual(['bastions', 'nodes-us-east-1a', 'nodes-us-east-1b']);
    // Every node drained was tainted first; bastions are not drained.
    const drained = c.kube.calls.filter((k) => k.op === 'drain').map((k) => k.node);
    expect(drained).toHaveLength(c.originals.length - 1);
    for (const n of drained) expect(c.kube.tainted.has(n)).toBe(true);
    expect(c.progress.record).toBeUndefined();
    expect(c.events.of('rolling-update.done')[0]?.replaced).toBe(c.originals.length);
  });

  it('a second run finds nothing to do', async () => {
    const c = makeCluster(HA_GROUPS);
    c.cloud.bumpVersion();
    await c.roll();
    const before = c.cloud.terminated.length;
    const res = await c.roll();
    expect(res.replaced).toEqual([]);
    expect(c.cloud.terminated.length).toBe(before);
  });

  it('rolls 100 nodes on the simulated clock, and a 10% surge takes a fraction of the simulated time', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 100 }]);
    c.cloud.bumpVersion();
    const v0 = c.clock.now();
    await c.roll();
    const sim = c.clock.now() - v0;
    expect(allCurrent(c.cloud)).toBe(true);
    expect(c.cloud.terminated).toHaveLength(100);
    // Hours of simulated waits (drains, intervals, replacements, validations)...
    expect(sim).toBeGreaterThan(3 * 60 * 60_000);
    // With a 10% surge (and the same budget drained at once) the same roll takes a fraction of that.
    const d = makeCluster([{ name: 'nodes', role: 'Node', size: 100, rollingUpdate: { maxSurge: '10%' } }]);
    d.cloud.bumpVersion();
    const w0 = d.clock.now();
    await d.roll();
    expect(allCurrent(d.cloud)).toBe(true);
    expect(d.clock.now() - w0).toBeLessThan(sim / 4);
  });
});

describe('rollingUpdateCluster: budgets and order within a group', () => {
  it('a node group never has more than maxSurge + maxUnavailable disrupted, and uses its budget', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 6, rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } }]);
    const watch = watchDisruption(c.cloud, c.kube);
    c.cloud.bumpVersion();
    await c.roll();
    expect(watch.max.get('nodes')).toBe(3);
    expect(allCurrent(c.cloud)).toBe(true);
    expect(c.cloud.log.filter((o) => o.op === 'detach')).toHaveLength(2);
  });

  it('--node-group-concurrency rolls groups at once, each within its own budget', async () => {
    const groups = ['a', 'b', 'c'].map((x) => ({ name: `nodes-${x}`, role: 'Node' as const, size: 3, rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }));
    const c = makeCluster(groups);
    const watch = watchDisruption(c.cloud, c.kube);
    let concurrentGroups = 0;
    c.kube.observers.push(() => {
      const busy = [...c.cloud.groups.values()].filter((g) => c.cloud.missing(g.name) + g.instances.filter((i) => c.kube.cordoned.has(i.nodeName)).length > 0);
      concurrentGroups = Math.max(concurrentGroups, busy.length);
    });
    c.cloud.bumpVersion();
    await c.roll({ nodeGroupConcurrency: 2 });
    expect(concurrentGroups).toBe(2);
    for (const g of groups) expect(watch.max.get(g.name)).toBe(1);
    expect(allCurrent(c.cloud)).toBe(true);
  });

  it('when no instance was up to date, the first replacement validates before more run in parallel', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 4, rollingUpdate: { maxSurge: 0, maxUnavailable: 2 } }]);
    c.cloud.bumpVersion();
    await c.roll();
    const ev = c.events.events;
    const firstTerm = ev.findIndex((e) => e.code === 'rolling-update.step' && e.step === 'terminate');
    const validatedAfter = ev.findIndex((e, i) => i > firstTerm && e.code === 'rolling-update.validated');
    const drains = ev.flatMap((e, i) => (e.code === 'rolling-update.step' && e.step === 'drain' ? [i] : []));
    expect(drains).toHaveLength(4);
    expect(validatedAfter).toBeGreaterThan(firstTerm);
    expect(drains[1]).toBeGreaterThan(validatedAfter);
  });

  it('with an instance already up to date, two drain at once from the start', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 4, rollingUpdate: { maxSurge: 0, maxUnavailable: 2 } }]);
    const keep = c.cloud.groups.get('nodes')!.instances[3]!;
    c.cloud.bumpVersion();
    (keep as { version: number }).version = c.cloud.groups.get('nodes')!.version;
    const watch = watchDisruption(c.cloud, c.kube);
    await c.roll();
    const ev = c.events.events;
    const firstTerm = ev.findIndex((e) => e.code === 'rolling-update.step' && e.step === 'terminate');
    const drains = ev.flatMap((e, i) => (e.code === 'rolling-update.step' && e.step === 'drain' ? [i] : []));
    expect(drains).toHaveLength(3);
    expect(drains[1]).toBeLessThan(firstTerm);
    expect(watch.max.get('nodes')).toBe(2);
    expect(c.cloud.terminated).not.toContain(keep.id);
  });

  it('with surge, the whole surge detaches before the first validation, whether or not an instance was up to date (no canary, unlike kops)', async () => {
    const detachesBeforeFirstValidation = async (upToDate: boolean): Promise<number> => {
      const c = makeCluster([{ name: 'nodes', role: 'Node', size: 6, rollingUpdate: { maxSurge: 3, maxUnavailable: 0 } }]);
      const keep = c.cloud.groups.get('nodes')!.instances[5]!;
      c.cloud.bumpVersion();
      if (upToDate) (keep as { version: number }).version = c.cloud.groups.get('nodes')!.version;
      await c.roll();
      expect(allCurrent(c.cloud)).toBe(true);
      const ev = c.events.events;
      const detached = ev.flatMap((e, i) => (e.code === 'rolling-update.step' && e.step === 'detach' ? [i] : []));
      const firstValidatedAfterDetach = ev.findIndex((e, i) => i > detached[0]! && e.code === 'rolling-update.validated');
      expect(firstValidatedAfterDetach).toBeGreaterThan(0);
      return detached.filter((i) => i < firstValidatedAfterDetach).length;
    };
    expect(await detachesBeforeFirstValidation(false)).toBe(3);
    expect(await detachesBeforeFirstValidation(true)).toBe(3);
  });

  it('a spec whose surged replacements never validate stops the roll before any instance is drained or terminated', async () => {
    let surged = false;
    const broken = () => (surged ? [{ kind: 'Node' as const, name: 'ip-new', message: 'node "ip-new" of role "node" is not ready', instanceGroup: 'nodes' }] : []);
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 6, rollingUpdate: { maxSurge: 3, maxUnavailable: 0 } }], { extra: broken });
    c.cloud.bumpVersion();
    const origDetach = c.cloud.detach.bind(c.cloud);
    c.cloud.detach = async (...a: Parameters<typeof origDetach>) => {
      surged = true;
      return origDetach(...a);
    };
    const err = await c.roll({ validationTimeoutMs: 5 * 60_000 }).catch((e: unknown) => e);
    expect(KopsError.is(err, 'ValidationTimeout')).toBe(true);
    expect(c.cloud.log.filter((o) => o.op === 'detach')).toHaveLength(3);
    expect(c.cloud.terminated).toEqual([]);
    expect(c.kube.calls.filter((k) => k.op === 'drain')).toEqual([]);
    // After the fix, the next run finishes the detached instances first and ends current.
    surged = false;
    c.cloud.detach = origDetach;
    await c.roll();
    expect(allCurrent(c.cloud)).toBe(true);
    expect(c.cloud.terminated).toHaveLength(6);
  });

  it("the cluster's rollingUpdate applies where the group has none", async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 4 }]);
    const watch = watchDisruption(c.cloud, c.kube);
    c.cloud.bumpVersion();
    await c.roll({ clusterRollingUpdate: { maxSurge: 0, maxUnavailable: 2 } });
    expect(c.cloud.log.some((o) => o.op === 'detach')).toBe(false);
    expect(watch.max.get('nodes')).toBe(2);
    expect(c.events.of('rolling-update.group.start')[0]).toMatchObject({ maxSurge: 0, maxUnavailable: 2, concurrency: 2 });
  });

  it('on GCE: no surge by default, and each Node is deleted before its instance (GCE reuses names)', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 2 }], { cloud: 'gce' });
    c.cloud.bumpVersion();
    await c.roll();
    expect(c.cloud.log.some((o) => o.op === 'detach')).toBe(false);
    const deleted = c.kube.calls.filter((k) => k.op === 'delete').map((k) => k.node);
    expect(deleted).toHaveLength(2);
    expect(allCurrent(c.cloud)).toBe(true);
  });

  it('a taint that fails stops the group with failOnDrainError, and is only a warning without', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 2 }]);
    c.kube.taintForUpdate = async (node: string) => {
      throw new Error(`nodes "${node}" is forbidden`);
    };
    c.cloud.bumpVersion();
    const err = await c.roll().catch((e: unknown) => e);
    expect(KopsError.is(err, 'DrainFailed')).toBe(true);
    expect((err as Error).message).toMatch(/failed to taint node ip-.*is forbidden/);
    expect(c.cloud.terminated).toEqual([]);
    await c.roll({ failOnDrainError: false });
    expect(allCurrent(c.cloud)).toBe(true);
    expect(c.events.of('rolling-update.warning').some((w) => w.message.startsWith('ignoring error tainting node'))).toBe(true);
  });

  it('--force replaces up-to-date instances; the Node annotation alone marks one', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 3 }]);
    const [a] = c.cloud.groups.get('nodes')!.instances;
    c.kube.annotated.add(a!.nodeName);
    await c.roll();
    expect(c.cloud.terminated).toEqual([a!.id]);
    await c.roll({ force: true });
    expect(c.cloud.terminated).toHaveLength(4);
  });

  it('--instance-group and --instance-group-roles limit the roll', async () => {
    const c = makeCluster(HA_GROUPS);
    c.cloud.bumpVersion();
    await c.roll({ instanceGroupRoles: ['bastion'] });
    expect(new Set(c.cloud.log.filter((o) => o.op === 'terminate').map((o) => o.group))).toEqual(new Set(['bastions']));
    await c.roll({ instanceGroups: ['nodes-us-east-1b'] });
    expect(new Set(c.cloud.log.filter((o) => o.op === 'terminate').map((o) => o.group))).toEqual(new Set(['bastions', 'nodes-us-east-1b']));
  });

  it('a failed detach is skipped and the next instance surges instead (kops)', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 3 }]);
    const ids = c.cloud.groups.get('nodes')!.instances.map((i) => i.id);
    c.cloud.failDetach.add(ids[2]!);
    c.cloud.bumpVersion();
    await c.roll();
    expect(c.cloud.log.filter((o) => o.op === 'detach').map((o) => o.id)).toEqual([ids[1]]);
    expect(c.events.of('rolling-update.warning').some((w) => w.message.includes('could not detach'))).toBe(true);
    expect(allCurrent(c.cloud)).toBe(true);
  });

  it('when failed detaches leave fewer to surge than maxSurge, it still waits for the surged replacement and validates before draining', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 2, rollingUpdate: { maxSurge: 2 } }]);
    const ids = c.cloud.groups.get('nodes')!.instances.map((i) => i.id);
    c.cloud.failDetach.add(ids[0]!);
    c.cloud.bumpVersion();
    await c.roll();
    expect(c.cloud.log.filter((o) => o.op === 'detach').map((o) => o.id)).toEqual([ids[1]]);
    const ev = c.events.events.map((e) => (e.code === 'rolling-update.step' ? `${e.step}:${e.instance}` : e.code));
    const detached = ev.indexOf(`detach:${ids[1]}`);
    const firstDrain = ev.findIndex((e) => e.startsWith('drain:'));
    expect(detached).toBeGreaterThan(-1);
    expect(firstDrain).toBeGreaterThan(detached);
    // The surged replacement validated between the detach and the first drain (kops validates there too).
    expect(ev.slice(detached, firstDrain)).toContain('rolling-update.validated');
    expect(allCurrent(c.cloud)).toBe(true);
  });

  it('drainAndTerminate: false detaches for surge but replaces nothing', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 2, rollingUpdate: { drainAndTerminate: false } }]);
    c.cloud.bumpVersion();
    await c.roll();
    expect(c.cloud.terminated).toEqual([]);
    expect(c.events.of('rolling-update.warning').map((w) => w.message)).toContain('rolling updates are disabled for this instance group (rollingUpdate.drainAndTerminate: false)');
  });
});

describe('rollingUpdateCluster: drains', () => {
  it('a drain a PodDisruptionBudget blocks fails the roll with the PDB named, leaving the instance', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 2, rollingUpdate: { maxSurge: 0 } }]);
    const [a] = c.cloud.groups.get('nodes')!.instances;
    c.kube.blocked.add(a!.nodeName);
    c.cloud.bumpVersion();
    const err = await c.roll({ drainTimeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(KopsError.is(err, 'DrainFailed')).toBe(true);
    expect((err as Error).message).toContain('PodDisruptionBudget default/web-pdb');
    expect(c.cloud.terminated).toEqual([]);
  });

  it('with failOnDrainError false the roll goes on and warns', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 2, rollingUpdate: { maxSurge: 0 } }]);
    const [a] = c.cloud.groups.get('nodes')!.instances;
    c.kube.blocked.add(a!.nodeName);
    c.cloud.bumpVersion();
    await c.roll({ drainTimeoutMs: 60_000, failOnDrainError: false });
    expect(c.cloud.terminated).toContain(a!.id);
    expect(allCurrent(c.cloud)).toBe(true);
    expect(c.events.of('rolling-update.warning').some((w) => w.message.includes(`ignoring error draining node ${a!.nodeName}`) && w.message.includes('web-pdb'))).toBe(true);
  });
});

describe('rollingUpdateCluster: validation', () => {
  const stuck = (group: string) => () => [{ kind: 'Pod' as const, name: 'kube-system/coredns-1', message: 'pod is CrashLoopBackOff', instanceGroup: group }];

  it('fails with a validation timeout after --validation-timeout of simulated time', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 2 }], { extra: stuck('nodes') });
    c.cloud.bumpVersion();
    const t0 = c.clock.now();
    const err = await c.roll({ validationTimeoutMs: 5 * 60_000 }).catch((e: unknown) => e);
    expect(KopsError.is(err, 'ValidationTimeout')).toBe(true);
    expect((err as Error).message).toMatch(/did not validate within 5m .*coredns-1: pod is CrashLoopBackOff/);
    const elapsed = c.clock.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(5 * 60_000);
    expect(elapsed).toBeLessThan(6 * 60_000);
    expect(c.cloud.terminated).toEqual([]);
  });

  it('with failOnValidateError false it warns and goes on', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 2 }], { extra: stuck('nodes') });
    c.cloud.bumpVersion();
    await c.roll({ validationTimeoutMs: 5 * 60_000, failOnValidateError: false });
    expect(allCurrent(c.cloud)).toBe(true);
    expect(c.events.of('rolling-update.warning').some((w) => w.message.includes('going on since --fail-on-validate-error=false'))).toBe(true);
  });

  it('a flapping cluster never validates twice in a row', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 2 }], { extra: (n) => (n % 2 === 0 ? stuck('nodes')() : []) });
    c.cloud.bumpVersion();
    const err = await c.roll({ validationTimeoutMs: 3 * 60_000 }).catch((e: unknown) => e);
    expect(KopsError.is(err, 'ValidationTimeout')).toBe(true);
    // kops's pacing: 10 s after a success, 30 s after a failure.
    expect(c.clock.sleeps).toContain(10_000);
    expect(c.clock.sleeps).toContain(30_000);
  });

  it('validates once it recovers, needing validateCount successes in a row', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 2 }], { extra: (n) => (n <= 3 ? stuck('nodes')() : []) });
    c.cloud.bumpVersion();
    await c.roll({ validateCount: 3 });
    expect(allCurrent(c.cloud)).toBe(true);
    // The check before the group starts needs one success (kops), every later one validateCount.
    const counts = c.events.of('rolling-update.validated').map((v) => v.count);
    expect(counts[0]).toBe(1);
    expect(counts.slice(1).length).toBeGreaterThan(0);
    expect(counts.slice(1).every((n) => n === 3)).toBe(true);
    expect(c.events.of('rolling-update.validation-failed')).toHaveLength(3);
  });

  it('failures in another node group are ignored, a control-plane failure is not', async () => {
    const groups = [
      { name: 'control-plane', role: 'ControlPlane' as const, size: 1 },
      { name: 'nodes-a', role: 'Node' as const, size: 2 },
      { name: 'nodes-b', role: 'Node' as const, size: 2 },
    ];
    const c = makeCluster(groups, { extra: stuck('nodes-b') });
    c.cloud.bumpVersion('nodes-a');
    await c.roll();
    expect(c.cloud.terminated).toHaveLength(2);

    const d = makeCluster(groups, { extra: stuck('control-plane') });
    d.cloud.bumpVersion('nodes-a');
    const err = await d.roll({ validationTimeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(KopsError.is(err, 'ValidationTimeout')).toBe(true);
  });
});

describe('rollingUpdateCluster: control planes and etcd quorum', () => {
  it('refuses to take a control plane down while another control-plane node is NotReady', async () => {
    const c = makeCluster(HA_GROUPS);
    c.cloud.bumpVersion('control-plane-us-east-1a');
    const sick = c.cloud.groups.get('control-plane-us-east-1c')!.instances[0]!;
    c.kube.notReady.add(sick.nodeName);
    // Even with validation failures allowed, the quorum check holds.
    const err = await c.roll({ failOnValidateError: false, validationTimeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(KopsError.is(err, 'EtcdQuorumAtRisk')).toBe(true);
    expect((err as Error).message).toContain(`control-plane node ${sick.nodeName} is not Ready`);
    expect((err as Error).message).toContain('etcd quorum would be at risk');
    expect(c.cloud.terminated).toEqual([]);
  });

  it('a control-plane group of 3 goes one instance at a time even with maxUnavailable 2', async () => {
    const c = makeCluster([{ name: 'control-plane', role: 'ControlPlane', size: 3, rollingUpdate: { maxSurge: 0, maxUnavailable: 2 } }]);
    const watch = watchDisruption(c.cloud, c.kube);
    c.cloud.bumpVersion();
    await c.roll();
    expect(watch.maxControlPlane).toBe(1);
    expect(c.cloud.log.some((o) => o.op === 'detach')).toBe(false);
    expect(allCurrent(c.cloud)).toBe(true);
  });

  it('a control plane rolled alone (--instance-group) is still deregistered when others serve the API', async () => {
    const c = makeCluster(HA_GROUPS);
    c.cloud.bumpVersion();
    await c.roll({ instanceGroups: ['control-plane-us-east-1b'] });
    expect(c.cloud.log.filter((o) => o.op !== 'launch').map((o) => [o.op, o.group])).toEqual([
      ['deregister', 'control-plane-us-east-1b'],
      ['terminate', 'control-plane-us-east-1b'],
    ]);
  });

  it('a single control plane is not deregistered from the API load balancer (nothing else serves it)', async () => {
    const c = makeCluster([{ name: 'control-plane', role: 'ControlPlane', size: 1 }]);
    c.cloud.bumpVersion();
    await c.roll();
    expect(c.cloud.log.filter((o) => o.op === 'deregister')).toEqual([]);
    expect(allCurrent(c.cloud)).toBe(true);
  });

  it('a bastion failing stops the roll before the control planes', async () => {
    const c = makeCluster(HA_GROUPS);
    c.cloud.bumpVersion();
    // The bastion's replacement never comes into service within the timeout.
    const g = c.cloud.groups.get('bastions')!;
    g.target = 2;
    const err = await c.roll({ validationTimeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(KopsError.is(err, 'ReplacementTimeout')).toBe(true);
    expect((err as Error).message).toContain('bastion instance group "bastions" not healthy after update');
    expect(c.cloud.log.filter((o) => o.op === 'terminate').every((o) => o.group === 'bastions')).toBe(true);
  });
});

describe('rollingUpdateCluster: --cloudonly and --interactive', () => {
  it('--cloudonly needs no Kubernetes API: no drain, no surge, every instance replaced', async () => {
    const c = makeCluster(HA_GROUPS);
    c.cloud.bumpVersion();
    const res = await c.roll({ kube: undefined, validator: undefined, cloudOnly: true });
    expect(res.replaced).toHaveLength(c.originals.length);
    expect(allCurrent(c.cloud)).toBe(true);
    expect(c.cloud.log.some((o) => o.op === 'detach')).toBe(false);
    expect(c.kube.calls).toEqual([]);
    expect(c.validator.calls).toBe(0);
  });

  it('without --cloudonly a Kubernetes API is required', async () => {
    const c = makeCluster(HA_GROUPS);
    const err = await c.roll({ kube: undefined }).catch((e: unknown) => e);
    expect(KopsError.is(err, 'NoKubernetesClient')).toBe(true);
  });

  it('--interactive: "no" stops with exit code 3 before touching the instance; "always" stops asking', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 3 }]);
    c.cloud.bumpVersion();
    const asked: string[] = [];
    const err = await c
      .roll({
        interactive: true,
        confirm: async (q) => {
          asked.push(q.instance);
          return asked.length === 1 ? 'yes' : 'no';
        },
      })
      .catch((e: unknown) => e);
    expect(KopsError.is(err, 'Declined')).toBe(true);
    expect((err as KopsError).exitCode).toBe(3);
    expect(c.cloud.terminated).toEqual([asked[0]]);
    // Interactive does not surge more than one at a time.
    expect(c.cloud.log.filter((o) => o.op === 'detach')).toHaveLength(1);

    const asked2: string[] = [];
    await c.roll({ interactive: true, confirm: async (q) => (asked2.push(q.instance), 'always') });
    expect(asked2).toHaveLength(1);
    expect(allCurrent(c.cloud)).toBe(true);
  });
});
