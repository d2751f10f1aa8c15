/**
 * One group (kops's instancegroups.go `rollingUpdateInstanceGroup`): its settings, a validation
 * first (not bastions), taint and surge (surge.ts), then drain → terminate → wait → validate per
 * instance (instance.ts), `maxSurge + maxUnavailable` at a time, the first one alone when no
 * instance was up to date and none surged; the --interactive prompt before each instance.
 */
import { DeclinedError } from './errors.js';
import { drainTerminateAndWait } from './instance.js';
import { nodeOf, type UpdateSelection } from './order.js';
import type { RollContext } from './roll-context.js';
import { groupSettings, type GroupPlanSettings } from './settings.js';
import { detachSurge, taintForUpdate } from './surge.js';
import type { CloudInstance, CloudInstanceGroup } from './types.js';
import { maybeValidate } from './validation.js';

export async function rollGroup(ctx: RollContext, group: CloudInstanceGroup, sel: UpdateSelection, interval: number): Promise<void> {
  const t0 = ctx.clock.now();
  const spec = ctx.opts.specGroups?.find((s) => s.name === group.name);
  const isBastion = group.role === 'Bastion';
  const settings: GroupPlanSettings = groupSettings(
    ctx.opts.cloud.name,
    ctx.opts.clusterRollingUpdate,
    spec?.rollingUpdate,
    group.role,
    group.instances.length,
    sel.update.length,
    { interactive: ctx.interactive, cloudOnly: ctx.cloudOnly },
  );
  ctx.emit({
    code: 'rolling-update.group.start',
    group: group.name,
    role: group.role,
    instances: sel.update.length,
    maxSurge: settings.maxSurge,
    maxUnavailable: settings.maxUnavailable,
    concurrency: settings.concurrency,
  });
  let noneReady = sel.upToDate.length === 0;
  const update: CloudInstance[] = [...sel.update];

  if (!isBastion) await maybeValidate(ctx, group.name, 1);

  await taintForUpdate(ctx, group, update);
  noneReady = await detachSurge(ctx, group, update, settings.maxSurge, noneReady, interval);

  if (!settings.drainAndTerminate) {
    ctx.emit({ code: 'rolling-update.warning', group: group.name, message: 'rolling updates are disabled for this instance group (rollingUpdate.drainAndTerminate: false)' });
    return;
  }

  interface Running {
    readonly promise: Promise<Running>;
    settled: boolean;
    err?: unknown;
  }
  const running = new Set<Running>();
  const start = (u: CloudInstance): void => {
    const r: Running = {
      settled: false,
      promise: drainTerminateAndWait(ctx, group, u, interval).then(
        () => {
          r.settled = true;
          return r;
        },
        (err: unknown) => {
          r.settled = true;
          r.err = err ?? new Error('unknown error');
          return r;
        },
      ),
    };
    running.add(r);
  };
  const next = async (): Promise<Running> => {
    const r = await Promise.race([...running].map((x) => x.promise));
    running.delete(r);
    return r;
  };
  const failAfterPending = async (err: unknown): Promise<never> => {
    while (running.size > 0) await next();
    throw err;
  };

  for (let i = 0; i < update.length; i++) {
    const u = update[i]!;
    try {
      ctx.checkAborted();
      await maybeConfirm(ctx, group, u);
    } catch (e) {
      return failAfterPending(e);
    }
    start(u);
    // The first replacement must validate before more run in parallel when none was up to date.
    if (running.size < settings.concurrency && (!noneReady || i > 0)) continue;
    const r = await next();
    if (r.err !== undefined) return failAfterPending(r.err);
    try {
      await maybeValidate(ctx, group.name, ctx.o.validateCount);
    } catch (e) {
      return failAfterPending(e);
    }
    // kops: validation fails from a drain's start until its replacement is ready, so collect
    // every instance already finished before starting the next.
    for (const x of [...running]) {
      if (!x.settled) continue;
      running.delete(x);
      if (x.err !== undefined) return failAfterPending(x.err);
    }
  }
  if (running.size > 0) {
    let firstErr: unknown;
    while (running.size > 0) {
      const r = await next();
      if (r.err !== undefined && firstErr === undefined) firstErr = r.err;
    }
    if (firstErr !== undefined) throw firstErr;
    await maybeValidate(ctx, group.name, ctx.o.validateCount);
  }
  ctx.emit({ code: 'rolling-update.group.done', group: group.name, replaced: ctx.replacedBy.get(group.name) ?? 0, ms: ctx.clock.now() - t0 });
}

async function maybeConfirm(ctx: RollContext, group: CloudInstanceGroup, u: CloudInstance): Promise<void> {
  if (!ctx.interactive || !ctx.opts.confirm) return;
  const node = nodeOf(u, ctx.nodes);
  const answer = await ctx.opts.confirm({ group: group.name, instance: u.id, ...(node ? { node: node.name } : {}) });
  if (answer === 'no') throw new DeclinedError(u.id);
  if (answer === 'always') ctx.interactive = false;
}