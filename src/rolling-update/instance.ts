/**
 * One instance (kops's instancegroups.go `drainTerminateAndWait`): the quorum guard for a control
 * plane, cordon and drain its node while it is deregistered from the API load balancer, terminate
 * it, wait for its replacement to come into service.
 *
 * kops deregisters first and drains after: the load balancer's connection draining (30 s on the
 * API's target group) and the node's drain add up. Here the deregistration starts once the node is
 * cordoned and runs beside the drain and the post-drain delay; the instance is terminated only when
 * both are done, so the API server still finishes its open connections and the pods still leave
 * before it goes. A control plane's roll is shorter by the lesser of the two.
 */
import { DrainFailedError } from './errors.js';
import { nodeOf } from './order.js';
import { checkQuorum } from './quorum.js';
import { errMessage, type RollContext } from './roll-context.js';
import type { CloudInstance, CloudInstanceGroup } from './types.js';

export async function drainTerminateAndWait(ctx: RollContext, group: CloudInstanceGroup, u: CloudInstance, interval: number): Promise<void> {
  const { cloud, kube, signal } = ctx.opts;
  const node = nodeOf(u, ctx.nodes);
  const isBastion = group.role === 'Bastion';
  const isApi = group.role === 'ControlPlane' || group.role === 'APIServer';
  const step = (s: 'drain' | 'deregister' | 'terminate' | 'wait-replacement' | 'replaced'): void =>
    ctx.emit({ code: 'rolling-update.step', group: group.name, instance: u.id, ...(node ? { node: node.name } : {}), step: s });

  if (group.role === 'ControlPlane' && !ctx.cloudOnly) await checkQuorum(ctx, group, u);

  // Started at most once, after the cordon when there is a node to drain; awaited before the termination.
  let deregistering: Promise<void> | undefined;
  const startDeregister = (): void => {
    if (deregistering || !isApi || ctx.apiServers <= 1) return;
    step('deregister');
    ctx.changed();
    deregistering = cloud.deregister(group, u, ctx.clock, signal);
    // Its failure is reported where it is awaited; until then the drain must not see it as unhandled.
    deregistering.catch(() => undefined);
  };

  if (!isBastion && !ctx.cloudOnly && kube) {
    if (node) {
      step('drain');
      ctx.changed();
      try {
        await kube.cordon(node.name);
        startDeregister();
        await kube.drain(node.name, { timeoutMs: ctx.o.drainTimeoutMs, clock: ctx.clock, ...(signal ? { signal } : {}) });
      } catch (e) {
        if (signal?.aborted || ctx.o.failOnDrainError) await settled(deregistering);
        if (signal?.aborted) throw e;
        if (ctx.o.failOnDrainError) throw new DrainFailedError(node.name, e);
        ctx.emit({ code: 'rolling-update.warning', group: group.name, instance: u.id, message: `ignoring error draining node ${node.name}: ${errMessage(e)}` });
      }
      if (ctx.o.postDrainDelayMs > 0) {
        try {
          await ctx.clock.sleep(ctx.o.postDrainDelayMs, signal);
        } catch (e) {
          await settled(deregistering);
          throw e;
        }
      }
    } else {
      ctx.emit({ code: 'rolling-update.warning', group: group.name, instance: u.id, message: `skipping drain of instance ${u.id}: it is not registered in Kubernetes` });
    }
  }

  startDeregister();
  await deregistering;
  // GCE reuses instance names: delete the Node so the replacement does not inherit the cordon.
  if (cloud.name === 'gce' && node && kube && !isBastion && !ctx.cloudOnly) {
    ctx.changed();
    await kube.deleteNode(node.name);
  }

  ctx.checkAborted();
  step('terminate');
  ctx.changed();
  await cloud.terminate(group, u);
  ctx.replaced.push(u.id);
  ctx.replacedBy.set(group.name, (ctx.replacedBy.get(group.name) ?? 0) + 1);
  await ctx.markDone(u.id);

  step('wait-replacement');
  await ctx.waitForCapacity(group);
  ctx.changed();
  await ctx.clock.sleep(interval, signal);
  step('replaced');
}

/** Waits for a step under way to end, whatever its outcome: an error elsewhere is the one to report. */
async function settled(p: Promise<void> | undefined): Promise<void> {
  if (p) await p.catch(() => undefined);
}
