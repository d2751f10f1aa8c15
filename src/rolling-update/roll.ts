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
 *     detach the last `maxSurge` instances so replacements launch first (validating after the first
 *     when no instance was up to date), then drain → deregister → terminate → wait for the
 *     replacement → validate, `maxSurge + maxUnavailable` at a time, the first one alone when no
 *     instance was up to date.
 *  3. before a control-plane instance goes down, every control-plane node must be Ready and the
 *     validation free of control-plane failures, or the roll refuses (etcd quorum).
 *  4. a validation is not asked again when attempts that found no failure at all just passed
 *     (within kops's 10 s between successes) and the roll changed nothing since: a group's start
 *     right after the previous group's last validation, the quorum check right after a group's
 *     start (`freshClean`). Every validation after a detach, drain or termination still runs.
 *
 * Progress goes to a `ProgressStore` as the roll goes, so an interrupted roll resumes (progress.ts).
 */
import { KopsError } from '../diagnostics.js';
import { safeSink, type EventSink } from '../events.js';
import type { NormalizedRole, RollingUpdate } from '../model/api/types.js';
import {
  DeclinedError,
  DrainFailedError,
  GroupFailedError,
  QuorumAtRiskError,
  ReplacementTimeoutError,
  ValidationTimeoutError,
} from './errors.js';
import { filterGroups, nodeOf, planPhases, resumeFor, selectUpdates, type Phase, type UpdateSelection } from './order.js';
import { MemoryProgress, type ProgressRecord, type ProgressStore } from './progress.js';
import { groupSettings, type GroupPlanSettings } from './settings.js';
import {
  systemClock,
  type CloudInstance,
  type CloudInstanceGroup,
  type CloudProvider,
  type ClusterValidator,
  type Clock,
  type KubeNode,
  type KubeOps,
  type ValidationFailure,
  type ValidationResult,
} from './types.js';

/** An instance group as the spec has it (what the roll needs of it). */
export interface RollGroupSpec {
  readonly name: string;
  readonly role: NormalizedRole;
  readonly rollingUpdate?: RollingUpdate | null;
}

export type ConfirmAnswer = 'yes' | 'no' | 'always';

export interface ConfirmQuestion {
  readonly group: string;
  readonly instance: string;
  readonly node?: string;
}

export interface RollingUpdateOptions {
  readonly cluster: string;
  readonly cloud: CloudProvider;
  /** Undefined with --cloudonly. */
  readonly kube?: KubeOps;
  /** Undefined with --cloudonly (or --validate-count 0). */
  readonly validator?: ClusterValidator;
  readonly clock?: Clock;
  readonly events?: EventSink;
  /** Where progress is recorded (the state store in the CLI); in memory when omitted. */
  readonly progress?: ProgressStore;
  /** The --interactive prompt, asked before each instance is replaced. */
  readonly confirm?: (q: ConfirmQuestion) => Promise<ConfirmAnswer>;
  /** The cluster's instance groups from the spec; every group the cloud has when omitted. */
  readonly specGroups?: readonly RollGroupSpec[];
  /** The cluster's `spec.rollingUpdate`. */
  readonly clusterRollingUpdate?: RollingUpdate | null;

  readonly force?: boolean;
  readonly cloudOnly?: boolean;
  readonly interactive?: boolean;
  /** Default 15 m. */
  readonly validationTimeoutMs?: number;
  /** Default 2. */
  readonly validateCount?: number;
  /** Default 15 m. */
  readonly drainTimeoutMs?: number;
  /** Default 5 s. */
  readonly postDrainDelayMs?: number;
  /** Defaults 15 s each. */
  readonly controlPlaneIntervalMs?: number;
  readonly nodeIntervalMs?: number;
  readonly bastionIntervalMs?: number;
  /** Default true. */
  readonly failOnDrainError?: boolean;
  /** Default true. */
  readonly failOnValidateError?: boolean;
  /** kops-ts extension; default 1. */
  readonly nodeGroupConcurrency?: number;
  /** --instance-group */
  readonly instanceGroups?: readonly string[];
  /** --instance-group-roles */
  readonly instanceGroupRoles?: readonly string[];
  /** How long a replacement may take to come into service; default: the validation timeout. */
  readonly replacementTimeoutMs?: number;
  /** Poll interval while waiting for replacements; default 10 s. */
  readonly replacementPollMs?: number;
  readonly signal?: AbortSignal;
}

export interface RollingUpdateResult {
  /** Instance ids replaced by this run, in the order they were terminated. */
  readonly replaced: readonly string[];
  /** Whether this run continued an interrupted one. */
  readonly resumed: boolean;
  /** Groups that needed an update, with the number of instances this run replaced in each. */
  readonly groups: readonly { readonly name: string; readonly replaced: number }[];
}

/** kops's numbers between validations: 10 s after a success, 30 s after a failure. */
export const VALIDATE_SUCCESS_INTERVAL_MS = 10_000;
export const VALIDATE_FAILURE_INTERVAL_MS = 30_000;

export const ROLLING_UPDATE_DEFAULTS = {
  validationTimeoutMs: 15 * 60_000,
  validateCount: 2,
  drainTimeoutMs: 15 * 60_000,
  postDrainDelayMs: 5_000,
  controlPlaneIntervalMs: 15_000,
  nodeIntervalMs: 15_000,
  bastionIntervalMs: 15_000,
  replacementPollMs: 10_000,
} as const;

const CONTROL_PLANE_POD = /(^|\/)(etcd|kube-apiserver|kube-controller-manager|kube-scheduler)/;

export async function rollingUpdateCluster(opts: RollingUpdateOptions): Promise<RollingUpdateResult> {
  return new Roll(opts).run();
}

class Roll {
  private readonly clock: Clock;
  private readonly emit: EventSink;
  private readonly progress: ProgressStore;
  private readonly o: Required<
    Pick<
      RollingUpdateOptions,
      | 'validationTimeoutMs'
      | 'validateCount'
      | 'drainTimeoutMs'
      | 'postDrainDelayMs'
      | 'controlPlaneIntervalMs'
      | 'nodeIntervalMs'
      | 'bastionIntervalMs'
      | 'replacementPollMs'
      | 'failOnDrainError'
      | 'failOnValidateError'
    >
  >;
  private interactive: boolean;
  private record!: ProgressRecord;
  private saving: Promise<void> = Promise.resolve();
  private nodes: KubeNode[] | undefined;
  private groups: CloudInstanceGroup[] = [];
  /** Instances behind the API load balancer (control planes and API servers). */
  private apiServers = 0;
  private readonly roleOf = new Map<string, NormalizedRole>();
  private readonly replaced: string[] = [];
  private readonly replacedBy = new Map<string, number>();
  /** Bumped by every step of the roll that changes what a validation sees (see `freshClean`). */
  private changes = 0;
  /** The latest validation attempts that found no failure at all, in a row, and when. */
  private clean?: { readonly changes: number; readonly at: number; readonly streak: number };

  constructor(private readonly opts: RollingUpdateOptions) {
    this.clock = opts.clock ?? systemClock;
    this.emit = safeSink(opts.events);
    this.progress = opts.progress ?? new MemoryProgress();
    this.interactive = opts.interactive ?? false;
    const d = ROLLING_UPDATE_DEFAULTS;
    this.o = {
      validationTimeoutMs: opts.validationTimeoutMs ?? d.validationTimeoutMs,
      validateCount: opts.validateCount ?? d.validateCount,
      drainTimeoutMs: opts.drainTimeoutMs ?? d.drainTimeoutMs,
      postDrainDelayMs: opts.postDrainDelayMs ?? d.postDrainDelayMs,
      controlPlaneIntervalMs: opts.controlPlaneIntervalMs ?? d.controlPlaneIntervalMs,
      nodeIntervalMs: opts.nodeIntervalMs ?? d.nodeIntervalMs,
      bastionIntervalMs: opts.bastionIntervalMs ?? d.bastionIntervalMs,
      replacementPollMs: opts.replacementPollMs ?? d.replacementPollMs,
      failOnDrainError: opts.failOnDrainError ?? true,
      failOnValidateError: opts.failOnValidateError ?? true,
    };
  }

  private get cloudOnly(): boolean {
    return this.opts.cloudOnly === true;
  }

  private checkAborted(): void {
    this.opts.signal?.throwIfAborted();
  }

  async run(): Promise<RollingUpdateResult> {
    const { cluster, cloud } = this.opts;
    const start = this.clock.now();
    if (!this.cloudOnly && !this.opts.kube) {
      throw new KopsError('NoKubernetesClient', 'the rolling update needs the Kubernetes API to drain and validate, and none was given', {
        hint: 'roll cloud-only to replace instances without draining or validating',
      });
    }
    if (!this.cloudOnly && !this.opts.validator && this.o.validateCount > 0) {
      throw new KopsError('NoClusterValidator', 'the rolling update needs a cluster validator between steps, and none was given', {
        hint: 'roll cloud-only, or with a validate count of 0, to replace instances without validating',
      });
    }
    if (this.interactive && !this.opts.confirm) {
      throw new KopsError('NoPrompt', '--interactive needs a terminal to ask on', { hint: 'run the roll without the interactive prompt, or from a terminal' });
    }
    if (!Number.isInteger(this.o.validateCount) || this.o.validateCount < 0) {
      throw new KopsError('InvalidFlag', `--validate-count must be a whole number >= 0, got ${this.o.validateCount}`, { hint: 'use a whole number such as 2 (kops default)', exitCode: 2 });
    }

    const allSpecs = this.opts.specGroups ?? (await cloud.listGroups(cluster)).map((g) => ({ name: g.name, role: g.role }));
    const specs = filterGroups(allSpecs, this.opts.instanceGroups, this.opts.instanceGroupRoles);
    const phases = planPhases(specs, this.opts.nodeGroupConcurrency === undefined ? {} : { nodeGroupConcurrency: this.opts.nodeGroupConcurrency });
    const allGroups = await cloud.listGroups(cluster, allSpecs);
    const wanted = new Set(specs.map((s) => s.name));
    this.groups = allGroups.filter((g) => wanted.has(g.name));
    // Behind the API load balancer: every control plane and API server, whatever the filters.
    this.apiServers = allGroups.filter((g) => g.role === 'ControlPlane' || g.role === 'APIServer').reduce((n, g) => n + g.targetSize, 0);
    for (const g of allGroups) this.roleOf.set(g.name, g.role);
    for (const s of allSpecs) this.roleOf.set(s.name, s.role);
    this.nodes = this.cloudOnly ? undefined : await this.opts.kube?.listNodes(this.opts.signal);

    const previous = await this.progress.load();
    const selections = new Map<string, UpdateSelection>();
    for (const g of this.groups) {
      const resume = resumeFor(g.name, previous);
      selections.set(g.name, selectUpdates(g, this.nodes, { ...(this.opts.force ? { force: true } : {}), ...(resume ? { resume } : {}) }));
    }
    const targeted: Record<string, string[]> = {};
    for (const [name, ids] of Object.entries(previous?.targeted ?? {})) targeted[name] = [...ids];
    for (const [name, sel] of selections) {
      const set = new Set(targeted[name] ?? []);
      for (const i of sel.update) set.add(i.id);
      if (set.size > 0) targeted[name] = [...set];
    }
    const total = [...selections.values()].reduce((n, s) => n + s.update.length, 0);
    this.record = { started: previous?.started ?? new Date(this.clock.now()).toISOString(), targeted, done: [...(previous?.done ?? [])] };
    if (total === 0) {
      if (previous) await this.finishRecord();
      this.emit({ code: 'rolling-update.done', cluster, replaced: 0, ms: this.clock.now() - start });
      return { replaced: [], resumed: previous !== undefined, groups: [] };
    }
    await this.saveRecord();
    const toRoll = [...selections].filter(([, s]) => s.update.length > 0);
    this.emit({ code: 'rolling-update.start', cluster, groups: toRoll.length, instances: total, resumed: previous !== undefined });

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

    await this.finishRecord();
    this.emit({ code: 'rolling-update.done', cluster, replaced: this.replaced.length, ms: this.clock.now() - start });
    return {
      replaced: [...this.replaced],
      resumed: previous !== undefined,
      groups: toRoll.map(([name]) => ({ name, replaced: this.replacedBy.get(name) ?? 0 })),
    };
  }

  /** Runs a phase's groups, `groupConcurrency` at once; returns the failures (an abort is rethrown). */
  private async runPhase(phase: Phase, names: readonly string[], selections: Map<string, UpdateSelection>): Promise<GroupFailedError[]> {
    const interval =
      phase.kind === 'bastion' ? this.o.bastionIntervalMs : phase.kind === 'control-plane' ? this.o.controlPlaneIntervalMs : this.o.nodeIntervalMs;
    const failures: GroupFailedError[] = [];
    const queue = [...names];
    const worker = async (): Promise<void> => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        this.checkAborted();
        const group = this.groups.find((g) => g.name === name);
        const sel = selections.get(name);
        if (!group || !sel) continue;
        try {
          await this.rollGroup(group, sel, interval);
        } catch (e) {
          if (this.opts.signal?.aborted) throw e;
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

  // -------------------------------------------------------------------------------------------
  // One group (kops's rollingUpdateInstanceGroup)

  private async rollGroup(group: CloudInstanceGroup, sel: UpdateSelection, interval: number): Promise<void> {
    const t0 = this.clock.now();
    const spec = this.opts.specGroups?.find((s) => s.name === group.name);
    const isBastion = group.role === 'Bastion';
    const settings: GroupPlanSettings = groupSettings(
      this.opts.cloud.name,
      this.opts.clusterRollingUpdate,
      spec?.rollingUpdate,
      group.role,
      group.instances.length,
      sel.update.length,
      { interactive: this.interactive, cloudOnly: this.cloudOnly },
    );
    this.emit({
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

    if (!isBastion) await this.maybeValidate(group.name, 1);

    if (!this.cloudOnly && this.opts.kube) {
      for (const u of update) {
        const node = nodeOf(u, this.nodes);
        if (!node || node.unschedulable) continue;
        this.checkAborted();
        try {
          await this.opts.kube.taintForUpdate(node.name);
        } catch (e) {
          // kops: a taint that fails is fatal only with --fail-on-drain-error.
          if (this.o.failOnDrainError) throw new DrainFailedError(node.name, e, 'taint');
          this.emit({ code: 'rolling-update.warning', group: group.name, instance: u.id, message: `ignoring error tainting node ${node.name}: ${errMessage(e)}` });
          continue;
        }
        this.emit({ code: 'rolling-update.step', group: group.name, instance: u.id, node: node.name, step: 'taint' });
      }
    }

    // Surge: detach instances from the end of the list so the group launches their replacements
    // first. Instances an interrupted run left detached count against maxSurge (kops keeps them in
    // the surge by sorting them last; kops-ts sorts them first, to finish them first, and counts
    // them here instead).
    const alreadyDetached = update.filter((u) => u.status === 'Detached').length;
    let maxSurge = Math.max(0, settings.maxSurge - alreadyDetached);
    if (alreadyDetached > 0) {
      await this.waitForCapacity(group);
      this.changed();
    }
    if (maxSurge > 0) {
      let skipped = 0;
      for (let numSurge = 1; numSurge <= maxSurge; numSurge++) {
        const idx = update.length - numSurge - skipped;
        const u = update[idx];
        if (idx < alreadyDetached || !u) break;
        this.checkAborted();
        try {
          this.changed();
          await this.opts.cloud.detach(group, u);
          update[idx] = { ...u, status: 'Detached', state: 'Detached' };
          this.emit({ code: 'rolling-update.step', group: group.name, instance: u.id, ...nodeName(u, this.nodes), step: 'detach' });
        } catch (e) {
          // A failed detach is skipped, the next instance surges instead.
          this.emit({ code: 'rolling-update.warning', group: group.name, instance: u.id, message: `could not detach instance: ${errMessage(e)}` });
          skipped++;
          numSurge--;
          maxSurge = Math.min(maxSurge, update.length - alreadyDetached - skipped);
          continue;
        }
        if (numSurge === maxSurge || noneReady) {
          await this.waitForCapacity(group);
          this.changed();
          await this.clock.sleep(interval, this.opts.signal);
          await this.maybeValidate(group.name, this.o.validateCount);
          noneReady = false;
        }
      }
    }

    if (!settings.drainAndTerminate) {
      this.emit({ code: 'rolling-update.warning', group: group.name, message: 'rolling updates are disabled for this instance group (rollingUpdate.drainAndTerminate: false)' });
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
        promise: this.drainTerminateAndWait(group, u, interval).then(
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
        this.checkAborted();
        await this.maybeConfirm(group, u);
      } catch (e) {
        return failAfterPending(e);
      }
      start(u);
      // The first replacement must validate before more run in parallel when none was up to date.
      if (running.size < settings.concurrency && (!noneReady || i > 0)) continue;
      const r = await next();
      if (r.err !== undefined) return failAfterPending(r.err);
      try {
        await this.maybeValidate(group.name, this.o.validateCount);
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
      await this.maybeValidate(group.name, this.o.validateCount);
    }
    this.emit({ code: 'rolling-update.group.done', group: group.name, replaced: this.replacedBy.get(group.name) ?? 0, ms: this.clock.now() - t0 });
  }

  private async maybeConfirm(group: CloudInstanceGroup, u: CloudInstance): Promise<void> {
    if (!this.interactive || !this.opts.confirm) return;
    const node = nodeOf(u, this.nodes);
    const answer = await this.opts.confirm({ group: group.name, instance: u.id, ...(node ? { node: node.name } : {}) });
    if (answer === 'no') throw new DeclinedError(u.id);
    if (answer === 'always') this.interactive = false;
  }

  // -------------------------------------------------------------------------------------------
  // One instance (kops's drainTerminateAndWait)

  private async drainTerminateAndWait(group: CloudInstanceGroup, u: CloudInstance, interval: number): Promise<void> {
    const { cloud, kube, signal } = this.opts;
    const node = nodeOf(u, this.nodes);
    const isBastion = group.role === 'Bastion';
    const isApi = group.role === 'ControlPlane' || group.role === 'APIServer';
    const step = (s: 'drain' | 'deregister' | 'terminate' | 'wait-replacement' | 'replaced'): void =>
      this.emit({ code: 'rolling-update.step', group: group.name, instance: u.id, ...(node ? { node: node.name } : {}), step: s });

    if (group.role === 'ControlPlane' && !this.cloudOnly) await this.checkQuorum(group, u);

    if (!isBastion && !this.cloudOnly && kube) {
      if (node) {
        step('drain');
        this.changed();
        try {
          await kube.cordon(node.name);
          await kube.drain(node.name, { timeoutMs: this.o.drainTimeoutMs, clock: this.clock, ...(signal ? { signal } : {}) });
        } catch (e) {
          if (signal?.aborted) throw e;
          if (this.o.failOnDrainError) throw new DrainFailedError(node.name, e);
          this.emit({ code: 'rolling-update.warning', group: group.name, instance: u.id, message: `ignoring error draining node ${node.name}: ${errMessage(e)}` });
        }
        if (this.o.postDrainDelayMs > 0) await this.clock.sleep(this.o.postDrainDelayMs, signal);
      } else {
        this.emit({ code: 'rolling-update.warning', group: group.name, instance: u.id, message: `skipping drain of instance ${u.id}: it is not registered in Kubernetes` });
      }
    }

    if (isApi && this.apiServers > 1) {
      step('deregister');
      this.changed();
      await cloud.deregister(group, u, this.clock, signal);
    }
    // GCE reuses instance names: delete the Node so the replacement does not inherit the cordon.
    if (cloud.name === 'gce' && node && kube && !isBastion && !this.cloudOnly) {
      this.changed();
      await kube.deleteNode(node.name);
    }

    this.checkAborted();
    step('terminate');
    this.changed();
    await cloud.terminate(group, u);
    this.replaced.push(u.id);
    this.replacedBy.set(group.name, (this.replacedBy.get(group.name) ?? 0) + 1);
    await this.markDone(u.id);

    step('wait-replacement');
    await this.waitForCapacity(group);
    this.changed();
    await this.clock.sleep(interval, signal);
    step('replaced');
  }


  /** Refuses to take a control plane down unless every control-plane node is healthy. */
  private async checkQuorum(group: CloudInstanceGroup, u: CloudInstance): Promise<void> {
    const { kube, validator, signal, cloud, cluster } = this.opts;
    if (!kube) return;
    const reasons: string[] = [];
    const cpSpecs = [...this.roleOf].filter(([, r]) => r === 'ControlPlane').map(([name]) => ({ name, role: 'ControlPlane' as const }));
    const cpGroups = await cloud.listGroups(cluster, cpSpecs);
    const cpNames = new Set(cpSpecs.map((s) => s.name));
    const liveIds = new Set(cpGroups.flatMap((g) => g.instances.map((i) => i.id)));
    const nodes = await kube.listNodes(signal);
    const cpNodes = nodes.filter(
      (n) =>
        (n.roles.includes('control-plane') || n.roles.includes('master') || (n.instanceGroup !== undefined && cpNames.has(n.instanceGroup))) &&
        // A Node of an instance already terminated is on its way out; it holds no etcd member.
        (n.instanceId === undefined || liveIds.has(n.instanceId)),
    );
    for (const n of cpNodes) if (!n.ready) reasons.push(`control-plane node ${n.name} is not Ready`);
    const expected = cpGroups.reduce((k, g) => k + g.targetSize, 0);
    if (cpNodes.length < expected) reasons.push(`only ${cpNodes.length} of ${expected} control-plane nodes are registered`);
    // A validation that just found no failure at all, with nothing changed since, found none of
    // the control plane's either: it answers the quorum question (the nodes above are read fresh).
    if (validator && !this.freshClean(1)) {
      const changesAtStart = this.changes;
      try {
        const res = await validator.validate(signal);
        this.noteAttempt(res, changesAtStart, 1);
        for (const f of res.failures) if (isControlPlaneFailure(f, cpNames)) reasons.push(describeFailure(f));
      } catch (e) {
        this.noteAttempt(undefined, changesAtStart, 0);
        if (signal?.aborted) throw e;
        reasons.push(`the cluster could not be validated (${errMessage(e)})`);
      }
    }
    if (reasons.length > 0) throw new QuorumAtRiskError(group.name, u.id, reasons);
  }

  // -------------------------------------------------------------------------------------------
  // Waiting

  /** Polls the cloud until the group again has its target size of attached, in-service instances. */
  private async waitForCapacity(group: CloudInstanceGroup): Promise<void> {
    const timeout = this.opts.replacementTimeoutMs ?? this.o.validationTimeoutMs;
    const start = this.clock.now();
    for (;;) {
      this.checkAborted();
      const [g] = await this.opts.cloud.listGroups(this.opts.cluster, [{ name: group.name, role: group.role }]);
      const inService = g ? g.instances.filter((i) => i.status !== 'Detached' && i.state === 'InService').length : 0;
      const target = g?.targetSize ?? group.targetSize;
      if (inService >= target) return;
      if (this.clock.now() - start >= timeout) throw new ReplacementTimeoutError(group.name, timeout, inService, target);
      await this.clock.sleep(this.o.replacementPollMs, this.opts.signal);
    }
  }

  /** kops's maybeValidate: skipped with --cloudonly; a failure only warns without --fail-on-validate-error. */
  private async maybeValidate(group: string, count: number): Promise<void> {
    if (this.cloudOnly || !this.opts.validator) return;
    if (count === 0) return;
    if (this.freshClean(count)) return;
    try {
      await this.validateWithTimeout(group, count);
    } catch (e) {
      if (this.opts.signal?.aborted || this.o.failOnValidateError) throw e;
      this.emit({ code: 'rolling-update.warning', group, message: `cluster validation failed, going on since --fail-on-validate-error=false: ${errMessage(e)}` });
    }
  }

  /**
   * Whether validations that just passed answer a request for `count` successes: at least `count`
   * attempts in a row found no failure anywhere, the last within kops's interval between two
   * successful attempts (10 s: kops's own `count` successes are that far apart), and the roll
   * changed nothing since the first of them started (no detach, drain, deregistration, termination
   * or replacement coming into service). Validating again would ask the same question of the same
   * cluster: kops validates back to back at a group's start after the previous group's last
   * validation and, for control planes, kops-ts's quorum check validates again right after that.
   */
  private freshClean(count: number): boolean {
    const c = this.clean;
    return c !== undefined && c.changes === this.changes && c.streak >= count && this.clock.now() - c.at <= VALIDATE_SUCCESS_INTERVAL_MS;
  }

  private changed(): void {
    this.changes++;
  }

  /**
   * Records one validation attempt for `freshClean`: `changesAtStart` is `this.changes` when it
   * began, `streak` how many attempts in a row (this one the last) have passed for its caller.
   */
  private noteAttempt(res: ValidationResult | undefined, changesAtStart: number, streak: number): void {
    const clean = res !== undefined && res.failures.length === 0 && changesAtStart === this.changes;
    this.clean = clean ? { changes: changesAtStart, at: this.clock.now(), streak } : undefined;
  }

  /** `count` successes in a row within the validation timeout; failures of other node groups are ignored. */
  private async validateWithTimeout(group: string, count: number): Promise<void> {
    const validator = this.opts.validator!;
    const { signal } = this.opts;
    const start = this.clock.now();
    let successes = 0;
    let last: string[] = [];
    for (;;) {
      this.checkAborted();
      let relevant: string[];
      const changesAtStart = this.changes;
      try {
        const res = await validator.validate(signal);
        this.noteAttempt(res, changesAtStart, this.clean?.changes === changesAtStart ? successes + 1 : 1);
        relevant = res.failures.filter((f) => this.relevantTo(f, group)).map(describeFailure);
      } catch (e) {
        this.noteAttempt(undefined, changesAtStart, 0);
        if (signal?.aborted) throw e;
        relevant = [`validation error: ${errMessage(e)}`];
      }
      if (relevant.length === 0) {
        successes++;
        if (successes >= count) {
          this.emit({ code: 'rolling-update.validated', group, count, ms: this.clock.now() - start });
          return;
        }
        await this.clock.sleep(VALIDATE_SUCCESS_INTERVAL_MS, signal);
        continue;
      }
      successes = 0;
      last = relevant;
      this.emit({ code: 'rolling-update.validation-failed', group, failures: relevant });
      if (this.clock.now() - start >= this.o.validationTimeoutMs) throw new ValidationTimeoutError(group, this.o.validationTimeoutMs, last);
      await this.clock.sleep(VALIDATE_FAILURE_INTERVAL_MS, signal);
    }
  }

  /** kops's hasFailureRelevantToGroup. */
  private relevantTo(f: ValidationFailure, group: string): boolean {
    if (f.instanceGroup === undefined) return true;
    if (f.instanceGroup === group) return true;
    return this.roleOf.get(f.instanceGroup) === 'ControlPlane';
  }

  // -------------------------------------------------------------------------------------------
  // Progress

  private async markDone(id: string): Promise<void> {
    this.record = { ...this.record, done: [...this.record.done, id] };
    await this.saveRecord();
  }

  /** Writes are chained so concurrent instances never race the conditional write. */
  private saveRecord(): Promise<void> {
    const rec = this.record;
    this.saving = this.saving.then(() => this.progress.save(rec));
    return this.saving;
  }

  /** Clears the record when no targeted instance is left anywhere (a filtered run may leave some). */
  private async finishRecord(): Promise<void> {
    await this.saving;
    const specs = [...this.roleOf].map(([name, role]) => ({ name, role }));
    const all = await this.opts.cloud.listGroups(this.opts.cluster, specs);
    const live = new Set(all.flatMap((g) => g.instances.map((i) => i.id)));
    const done = new Set(this.record.done);
    const left = Object.values(this.record.targeted)
      .flat()
      .filter((id) => live.has(id) && !done.has(id));
    if (left.length === 0) await this.progress.clear();
  }
}

function isControlPlaneFailure(f: ValidationFailure, cpGroups: ReadonlySet<string>): boolean {
  if (f.instanceGroup !== undefined && cpGroups.has(f.instanceGroup)) return true;
  if (f.kind === 'ApiServer') return true;
  return f.kind === 'Pod' && CONTROL_PLANE_POD.test(f.name);
}

function describeFailure(f: ValidationFailure): string {
  return `${f.kind} ${f.name}: ${f.message}`;
}

function nodeName(u: CloudInstance, nodes: readonly KubeNode[] | undefined): { node?: string } {
  const n = nodeOf(u, nodes);
  return n ? { node: n.name } : {};
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
