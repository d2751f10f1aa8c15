/**
 * `rollingUpdateCluster`: the engine of `rolling-update cluster`, every effect injected (cloud,
 * Kubernetes API, validator, clock, progress store, prompt). It follows kops's
 * pkg/instancegroups (rollingupdate.go `RollingUpdate`, instancegroups.go
 * `rollingUpdateInstanceGroup` / `drainTerminateAndWait` / `validateClusterWithTimeout`):
 *
 *  1. bastions (all groups at once), then control-plane groups (alphabetically, one instance at a
 *     time), then API-server groups, then node groups (one group at a time, or
 *     `nodeGroupConcurrency`); a failed bastion, control-plane or API-server group stops the roll, a
 *     failed node group does not stop the other node groups (kops) but fails the roll.
 *  2. per group: validate first (not bastions, not --cloudonly), taint every node to update,
 *     detach the last `maxSurge` instances so replacements launch first (validated together, before
 *     any drain; kops surges a canary alone first, see surge.ts), then drain → deregister →
 *     terminate → wait for the replacement → validate, `maxSurge + maxUnavailable` at a time, the
 *     first one alone when no instance was up to date and none surged.
 *  3. before a control-plane instance goes down, every control-plane node must be Ready and the
 *     validation free of control-plane failures, or the roll refuses (etcd quorum).
 *  4. a validation is not asked again when attempts that found no failure at all just passed
 *     (within kops's 10 s between successes) and the roll changed nothing since: a group's start
 *     right after the previous group's last validation, the quorum check right after a group's
 *     start (`freshClean`). Every validation after a detach, drain or termination still runs.
 *
 * Before the first group, a warning names each PodDisruptionBudget that would refuse the eviction
 * of a pod on a node the roll will drain (pdb-warnings.ts): found now, not at `--drain-timeout`.
 *
 * Progress goes to a `ProgressStore` as the roll goes, so an interrupted roll resumes (progress.ts).
 *
 * This file is the entry point and the roll's course; the steps live beside it: group.ts (one
 * group), surge.ts (taint and surge), instance.ts (one instance), quorum.ts (the etcd quorum
 * guard), validation.ts (validation and its reuse), roll-context.ts (the state a roll shares),
 * roll-options.ts (options, result, defaults).
 */
import { KopsError } from '../diagnostics.js';
import { GroupFailedError } from './errors.js';
import { rollGroup } from './group.js';
import { filterGroups, planPhases, resumeFor, selectUpdates, type Phase, type UpdateSelection } from './order.js';
import { blockingBudgetWarnings, nodesToDrain } from './pdb-warnings.js';
import { RollContext } from './roll-context.js';
import type { RollingUpdateOptions, RollingUpdateResult } from './roll-options.js';

export {
  ROLLING_UPDATE_DEFAULTS,
  VALIDATE_FAILURE_INTERVAL_MS,
  VALIDATE_SUCCESS_INTERVAL_MS,
  type ConfirmAnswer,
  type ConfirmQuestion,
  type RollGroupSpec,
  type RollingUpdateOptions,
  type RollingUpdateResult,
} from './roll-options.js';

export async function rollingUpdateCluster(opts: RollingUpdateOptions): Promise<RollingUpdateResult> {
  return new Roll(new RollContext(opts)).run();
}

/** The roll's course: checks, selection, phases in order, groups of a phase in parallel. */
class Roll {
  constructor(private readonly ctx: RollContext) {}

  async run(): Promise<RollingUpdateResult> {
    const ctx = this.ctx;
    const { cluster, cloud } = ctx.opts;
    const start = ctx.clock.now();
    if (!ctx.cloudOnly && !ctx.opts.kube) {
      throw new KopsError('NoKubernetesClient', 'the rolling update needs the Kubernetes API to drain and validate, and none was given', {
        hint: 'roll cloud-only to replace instances without draining or validating',
      });
    }
    if (!ctx.cloudOnly && !ctx.opts.validator && ctx.o.validateCount > 0) {
      throw new KopsError('NoClusterValidator', 'the rolling update needs a cluster validator between steps, and none was given', {
        hint: 'roll cloud-only, or with a validate count of 0, to replace instances without validating',
      });
    }
    if (ctx.interactive && !ctx.opts.confirm) {
      throw new KopsError('NoPrompt', '--interactive needs a terminal to ask on', { hint: 'run the roll without the interactive prompt, or from a terminal' });
    }
    if (!Number.isInteger(ctx.o.validateCount) || ctx.o.validateCount < 0) {
      throw new KopsError('InvalidFlag', `--validate-count must be a whole number >= 0, got ${ctx.o.validateCount}`, { hint: 'use a whole number such as 2 (kops default)', exitCode: 2 });
    }

    const allSpecs = ctx.opts.specGroups ?? (await cloud.listGroups(cluster)).map((g) => ({ name: g.name, role: g.role }));
    const specs = filterGroups(allSpecs, ctx.opts.instanceGroups, ctx.opts.instanceGroupRoles);
    const phases = planPhases(specs, ctx.opts.nodeGroupConcurrency === undefined ? {} : { nodeGroupConcurrency: ctx.opts.nodeGroupConcurrency });
    const allGroups = await cloud.listGroups(cluster, allSpecs);
    const wanted = new Set(specs.map((s) => s.name));
    ctx.groups = allGroups.filter((g) => wanted.has(g.name));
    ctx.knowCluster(allGroups, allSpecs);
    ctx.nodes = ctx.cloudOnly ? undefined : await ctx.opts.kube?.listNodes(ctx.opts.signal);

    const previous = await ctx.progress.load();
    const selections = new Map<string, UpdateSelection>();
    for (const g of ctx.groups) {
      const resume = resumeFor(g.name, previous);
      selections.set(g.name, selectUpdates(g, ctx.nodes, { ...(ctx.opts.force ? { force: true } : {}), ...(resume ? { resume } : {}) }));
    }
    const targeted: Record<string, string[]> = {};
    for (const [name, ids] of Object.entries(previous?.targeted ?? {})) targeted[name] = [...ids];
    for (const [name, sel] of selections) {
      const set = new Set(targeted[name] ?? []);
      for (const i of sel.update) set.add(i.id);
      if (set.size > 0) targeted[name] = [...set];
    }
    const total = [...selections.values()].reduce((n, s) => n + s.update.length, 0);
    ctx.record = { started: previous?.started ?? new Date(ctx.clock.now()).toISOString(), targeted, done: [...(previous?.done ?? [])] };
    if (total === 0) {
      if (previous) await ctx.finishRecord();
      ctx.emit({ code: 'rolling-update.done', cluster, replaced: 0, ms: ctx.clock.now() - start });
      return { replaced: [], resumed: previous !== undefined, groups: [] };
    }
    await ctx.saveRecord();
    const toRoll = [...selections].filter(([, s]) => s.update.length > 0);
    ctx.emit({ code: 'rolling-update.start', cluster, groups: toRoll.length, instances: total, resumed: previous !== undefined });
    await this.warnBlockingBudgets(toRoll);

    const nodeErrors: GroupFailedError[] = [];
    for (const phase of phases) {
      const names = phase.groups.filter((n) => (selections.get(n)?.update.length ?? 0) > 0);
      if (names.length === 0) continue;
      const failures = await this.runPhase(phase, names, selections);
      if (failures.length === 0) continue;
      if (phase.kind !== 'node') throw failures[0];
      nodeErrors.push(...failures);
    }
    if (nodeErrors.length > 0) throw nodeErrors[0];

    await ctx.finishRecord();
    ctx.emit({ code: 'rolling-update.done', cluster, replaced: ctx.replaced.length, ms: ctx.clock.now() - start });
    return {
      replaced: [...ctx.replaced],
      resumed: previous !== undefined,
      groups: toRoll.map(([name]) => ({ name, replaced: ctx.replacedBy.get(name) ?? 0 })),
    };
  }

  /** Before the first drain: a warning per PodDisruptionBudget that would refuse an eviction now (pdb-warnings.ts). */
  private async warnBlockingBudgets(toRoll: readonly (readonly [string, UpdateSelection])[]): Promise<void> {
    const ctx = this.ctx;
    const kube = ctx.opts.kube;
    if (ctx.cloudOnly || !kube) return;
    const groups = toRoll.flatMap(([name, sel]) => ctx.groups.filter((g) => g.name === name).map((group) => ({ group, update: sel.update })));
    const nodes = nodesToDrain(ctx.opts.cloud.name, ctx.opts.clusterRollingUpdate, ctx.opts.specGroups, groups, ctx.nodes);
    for (const message of await blockingBudgetWarnings(kube, nodes, ctx.o, ctx.opts.signal)) ctx.emit({ code: 'rolling-update.warning', message });
  }

  /** Runs a phase's groups, `groupConcurrency` at once; returns the failures (an abort is rethrown). */
  private async runPhase(phase: Phase, names: readonly string[], selections: Map<string, UpdateSelection>): Promise<GroupFailedError[]> {
    const ctx = this.ctx;
    const interval =
      phase.kind === 'bastion' ? ctx.o.bastionIntervalMs : phase.kind === 'control-plane' ? ctx.o.controlPlaneIntervalMs : ctx.o.nodeIntervalMs;
    const failures: GroupFailedError[] = [];
    const queue = [...names];
    const worker = async (): Promise<void> => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        ctx.checkAborted();
        const group = ctx.groups.find((g) => g.name === name);
        const sel = selections.get(name);
        if (!group || !sel) continue;
        try {
          await rollGroup(ctx, group, sel, interval);
        } catch (e) {
          if (ctx.opts.signal?.aborted) throw e;
          failures.push(new GroupFailedError(name, phase.kind, e));
          // Serial phases other than nodes stop at the first failure.
          if (phase.kind !== 'node') return;
        }
      }
    };
    const n = Math.min(phase.groupConcurrency, names.length);
    // Settle every worker before returning or throwing, so nothing of this run acts after it ends.
    const settled = await Promise.allSettled(Array.from({ length: n }, () => worker()));
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    return failures;
  }
}
