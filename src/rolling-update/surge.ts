/**
 * A group's preparation before its instances go (kops's instancegroups.go
 * `rollingUpdateInstanceGroup`): taint every node to update so nothing new lands on it, then the
 * surge: detach the last `maxSurge` instances so the group launches their replacements first.
 */
import { DrainFailedError } from './errors.js';
import { nodeOf } from './order.js';
import { errMessage, type RollContext } from './roll-context.js';
import type { CloudInstance, CloudInstanceGroup, KubeNode } from './types.js';
import { maybeValidate } from './validation.js';

/** Taints the nodes of `update` for the update; a failure is fatal only with --fail-on-drain-error. */
export async function taintForUpdate(ctx: RollContext, group: CloudInstanceGroup, update: readonly CloudInstance[]): Promise<void> {
  const kube = ctx.opts.kube;
  if (ctx.cloudOnly || !kube) return;
  for (const u of update) {
    const node = nodeOf(u, ctx.nodes);
    if (!node || node.unschedulable) continue;
    ctx.checkAborted();
    try {
      await kube.taintForUpdate(node.name);
    } catch (e) {
      // kops: a taint that fails is fatal only with --fail-on-drain-error.
      if (ctx.o.failOnDrainError) throw new DrainFailedError(node.name, e, 'taint');
      ctx.emit({ code: 'rolling-update.warning', group: group.name, instance: u.id, message: `ignoring error tainting node ${node.name}: ${errMessage(e)}` });
      continue;
    }
    ctx.emit({ code: 'rolling-update.step', group: group.name, instance: u.id, node: node.name, step: 'taint' });
  }
}

/**
 * Detaches up to `settingsMaxSurge` instances from the end of `update` (marking them Detached in
 * place), then waits for capacity and validates once, after the last one. Returns whether still no
 * instance is known ready (`noneReady`: none was up to date and no surged replacement validated).
 *
 * kops detaches one instance alone first when none was up to date (a canary, "in case the current
 * spec does not result in usable nodes"), then the rest of the surge. kops-ts surges all at once:
 * a detach drains nothing, and no instance is drained before the surged replacements validate, so
 * a spec that gives unusable nodes already stops the roll with every old node serving. The canary
 * would spare only the launch of `maxSurge - 1` more instances of a bad spec, and it costs every
 * roll of a surging group one more boot and validation (11 rounds instead of 10 for 100 nodes at
 * maxSurge 10). The first-drained-alone rule without surge (group.ts) stays: there a drain takes
 * capacity away before the replacement is known good.
 */
export async function detachSurge(
  ctx: RollContext,
  group: CloudInstanceGroup,
  update: CloudInstance[],
  settingsMaxSurge: number,
  noneReady: boolean,
  interval: number,
): Promise<boolean> {
  // Surge: detach instances from the end of the list so the group launches their replacements
  // first. Instances an interrupted run left detached count against maxSurge (kops keeps them in
  // the surge by sorting them last; kops-ts sorts them first, to finish them first, and counts
  // them here instead).
  const alreadyDetached = update.filter((u) => u.status === 'Detached').length;
  let maxSurge = Math.max(0, settingsMaxSurge - alreadyDetached);
  // A run killed between a detach's mark (AWS tag, GCE label) and the detach itself leaves the
  // instance marked but still in its group: finish that detach, or the group never launches its
  // replacement and the wait for capacity below never ends.
  for (const [idx, u] of update.entries()) {
    if (u.status !== 'Detached' || u.state === 'Detached') continue;
    ctx.checkAborted();
    ctx.changed();
    await ctx.opts.cloud.detach(group, u);
    update[idx] = { ...u, state: 'Detached' };
    ctx.emit({ code: 'rolling-update.step', group: group.name, instance: u.id, ...nodeName(u, ctx.nodes), step: 'detach' });
  }
  if (alreadyDetached > 0) {
    await ctx.waitForCapacity(group);
    ctx.changed();
  }
  if (maxSurge > 0) {
    let skipped = 0;
    let surged = 0;
    for (let numSurge = 1; numSurge <= maxSurge; numSurge++) {
      const idx = update.length - numSurge - skipped;
      const u = update[idx];
      if (idx < alreadyDetached || !u) break;
      ctx.checkAborted();
      try {
        ctx.changed();
        await ctx.opts.cloud.detach(group, u);
        update[idx] = { ...u, status: 'Detached', state: 'Detached' };
        ctx.emit({ code: 'rolling-update.step', group: group.name, instance: u.id, ...nodeName(u, ctx.nodes), step: 'detach' });
        surged++;
      } catch (e) {
        // A failed detach is skipped, the next instance surges instead.
        ctx.emit({ code: 'rolling-update.warning', group: group.name, instance: u.id, message: `could not detach instance: ${errMessage(e)}` });
        skipped++;
        numSurge--;
        maxSurge = Math.min(maxSurge, update.length - alreadyDetached - skipped);
      }
    }
    // After the whole surge, also when failed detaches left fewer instances than maxSurge to
    // detach (the loop then ends before its count): the replacements must be in service and
    // validate before anything is drained.
    if (surged > 0) {
      await ctx.waitForCapacity(group);
      ctx.changed();
      await ctx.clock.sleep(interval, ctx.opts.signal);
      await maybeValidate(ctx, group.name, ctx.o.validateCount);
      noneReady = false;
    }
  }

  return noneReady;
}

function nodeName(u: CloudInstance, nodes: readonly KubeNode[] | undefined): { node?: string } {
  const n = nodeOf(u, nodes);
  return n ? { node: n.name } : {};
}
