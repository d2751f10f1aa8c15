/**
 * A control plane leaves the API load balancer while its node drains (src/rolling-update/instance.ts).
 * kops deregisters first and drains after, so the target group's connection draining (30 s in the
 * memory cloud, as on the API's target group) and the drain add up. Here they run side by side and
 * the instance is terminated when the longer of the two ends; a failure of either still stops the
 * roll with nothing terminated, and only once the other has ended.
 */
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { makeCluster, type GroupInit } from './harness.js';

const CPS: GroupInit[] = [
  { name: 'control-plane-us-east-1a', role: 'ControlPlane', size: 1 },
  { name: 'control-plane-us-east-1b', role: 'ControlPlane', size: 1 },
  { name: 'control-plane-us-east-1c', role: 'ControlPlane', size: 1 },
];

/** The first control plane's instance and node, and when its steps happened. */
function firstControlPlane(c: ReturnType<typeof makeCluster>) {
  const inst = c.cloud.groups.get('control-plane-us-east-1a')!.instances[0]!;
  const at = (op: string): number | undefined => c.cloud.log.find((o) => o.op === op && o.id === inst.id)?.at;
  const kubeAt = (op: string): number | undefined => c.kube.calls.find((k) => k.op === op && k.node === inst.nodeName)?.at;
  return { inst, at, kubeAt };
}

describe('rolling update: a control plane deregistered while it drains', () => {
  it('is terminated when the longer of the deregistration (30 s) and the drain with its delay ends', async () => {
    // The drain (20 s) and the post-drain delay (5 s) take 25 s: the deregistration is the longer.
    const c = makeCluster(CPS);
    const cp = firstControlPlane(c);
    c.cloud.bumpVersion();
    await c.roll();
    const cordon = cp.kubeAt('cordon')!;
    expect(cp.at('deregister')).toBe(cordon);
    expect(cp.kubeAt('drained')).toBe(cordon + 20_000);
    expect(cp.at('terminate')).toBe(cordon + 30_000);

    // A 20 s post-drain delay makes the drain side 40 s: the termination waits for it.
    const d = makeCluster(CPS);
    const dp = firstControlPlane(d);
    d.cloud.bumpVersion();
    await d.roll({ postDrainDelayMs: 20_000 });
    expect(dp.at('terminate')).toBe(dp.kubeAt('cordon')! + 40_000);
    // Still one control plane at a time, each deregistered before it went.
    expect(d.cloud.log.filter((o) => o.op !== 'launch').map((o) => o.op)).toEqual(['deregister', 'terminate', 'deregister', 'terminate', 'deregister', 'terminate']);
  });

  it('a drain that fails stops the roll only once the deregistration under way has ended, nothing terminated', async () => {
    const c = makeCluster(CPS);
    const cp = firstControlPlane(c);
    c.kube.blocked.add(cp.inst.nodeName);
    c.cloud.bumpVersion();
    const err = await c.roll({ drainTimeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(KopsError.is(err, 'DrainFailed')).toBe(true);
    // The drain gave up 10 s in; the roll returned when the deregistration ended, 30 s in, and
    // left no step of this instance running behind it.
    expect(c.clock.now()).toBe(cp.kubeAt('cordon')! + 30_000);
    expect(c.clock.pending).toBe(0);
    expect(c.cloud.terminated).toEqual([]);
  });

  it('a deregistration that fails stops the roll after the drain has finished, nothing terminated', async () => {
    const c = makeCluster(CPS);
    const cp = firstControlPlane(c);
    c.cloud.deregisterFailures.set(cp.inst.id, `instance ${cp.inst.id} is still draining in target group tcp-api`);
    c.cloud.bumpVersion();
    const err = await c.roll({ postDrainDelayMs: 20_000 }).catch((e: unknown) => e);
    expect((err as Error).message).toContain(`instance ${cp.inst.id} is still draining`);
    expect(cp.kubeAt('drained')).toBe(cp.kubeAt('cordon')! + 20_000);
    expect(c.clock.now()).toBe(cp.kubeAt('cordon')! + 40_000);
    expect(c.clock.pending).toBe(0);
    expect(c.cloud.terminated).toEqual([]);
  });
});
