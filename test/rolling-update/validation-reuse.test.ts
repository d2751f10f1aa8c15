/**
 * A validation that just found the whole cluster healthy, with nothing changed by the roll since,
 * is not asked again at once (the next group's start, the control-plane quorum check): every
 * validation after a step that changes something still runs.
 */
import { describe, expect, it } from 'vitest';
import type { ValidationFailure } from '../../src/rolling-update/types.js';
import { allCurrent, makeCluster, watchDisruption, type GroupInit } from './harness.js';

const CONTROL_PLANES: GroupInit[] = [
  { name: 'control-plane-a', role: 'ControlPlane', size: 1 },
  { name: 'control-plane-b', role: 'ControlPlane', size: 1 },
  { name: 'control-plane-c', role: 'ControlPlane', size: 1 },
];

function bumpControlPlanes(c: ReturnType<typeof makeCluster>): void {
  for (const g of CONTROL_PLANES) c.cloud.bumpVersion(g.name);
}

describe('rollingUpdateCluster: validations not repeated with nothing changed', () => {
  it('3 control planes: validated before the first and after each replacement, 4 validations instead of 9', async () => {
    const c = makeCluster(CONTROL_PLANES);
    const watch = watchDisruption(c.cloud, c.kube);
    bumpControlPlanes(c);
    await c.roll({ validateCount: 1, controlPlaneIntervalMs: 0 });
    expect(allCurrent(c.cloud)).toBe(true);
    // Before: each group validated at its start, in its quorum check and after its replacement.
    // Now the start of the second and third groups and every quorum check reuse the validation
    // that passed just before, with nothing changed; the validation after each termination runs.
    expect(c.validator.calls).toBe(4);
    expect(c.events.of('rolling-update.validated')).toHaveLength(4);
    expect(watch.maxControlPlane).toBe(1);
  });

  it('validateCount 2: a group start reuses the two in a row that just passed', async () => {
    const c = makeCluster(CONTROL_PLANES);
    bumpControlPlanes(c);
    await c.roll({ validateCount: 2, controlPlaneIntervalMs: 0 });
    expect(allCurrent(c.cloud)).toBe(true);
    // 1 (first group's start) + 3 x 2 (after each replacement).
    expect(c.validator.calls).toBe(7);
  });

  it('a validation with a failure anywhere (even one the group may ignore) is never reused', async () => {
    // A node group nobody rolls stays unhealthy: each control-plane group passes its own
    // validation (the failure is not relevant to it), but the cluster is not wholly healthy, so
    // the quorum check and the next group's start validate again, as before.
    const stuck = (): ValidationFailure[] => [{ kind: 'Pod', name: 'kube-system/coredns-1', message: 'pod is CrashLoopBackOff', instanceGroup: 'nodes' }];
    const c = makeCluster([...CONTROL_PLANES, { name: 'nodes', role: 'Node', size: 2 }], { extra: stuck });
    bumpControlPlanes(c);
    await c.roll({ validateCount: 1, controlPlaneIntervalMs: 0 });
    expect(allCurrent(c.cloud)).toBe(true);
    expect(c.validator.calls).toBe(9);
  });

  it('the quorum check still sees a control-plane node that went NotReady (the node list is read fresh)', async () => {
    const c = makeCluster(CONTROL_PLANES);
    bumpControlPlanes(c);
    const sick = c.cloud.groups.get('control-plane-c')!.instances[0]!;
    // The first group's start validation passes; the node fails just after it, before the check.
    const validate = c.validator.validate.bind(c.validator);
    c.validator.validate = async () => {
      const res = await validate();
      c.kube.notReady.add(sick.nodeName);
      return res;
    };
    const err = await c.roll({ validateCount: 1 }).catch((e: unknown) => e);
    expect((err as Error).message).toContain(`control-plane node ${sick.nodeName} is not Ready`);
    expect(c.cloud.terminated).toEqual([]);
  });

  it('nodes with surge: every validation after a change still runs, including the one after the detached instances end', async () => {
    const c = makeCluster([{ name: 'nodes', role: 'Node', size: 20, rollingUpdate: { maxSurge: 5, maxUnavailable: 0 } }]);
    c.cloud.bumpVersion();
    await c.roll({ validateCount: 1, nodeIntervalMs: 0 });
    expect(allCurrent(c.cloud)).toBe(true);
    // Start; after the 5 surged replacements (together: no canary, surge.ts); one per batch of 5
    // of the 15 attached instances; after the 5 detached ones are drained and terminated:
    // 1 + 1 + 3 + 1.
    expect(c.validator.calls).toBe(6);
  });
});
