/**
 * The state one roll shares between its steps (roll.ts, group.ts, surge.ts, instance.ts,
 * quorum.ts, validation.ts): the resolved options, what the roll has learnt of the cloud and the
 * cluster, what it replaced, the change counter that tells whether a validation is still fresh,
 * and the progress record it keeps in the `ProgressStore`.
 */
import { safeSink, type EventSink } from '../events.js';
import type { NormalizedRole } from '../model/api/types.js';
import { ReplacementTimeoutError } from './errors.js';
import { MemoryProgress, type ProgressRecord, type ProgressStore } from './progress.js';
import { ROLLING_UPDATE_DEFAULTS, type RollingUpdateOptions } from './roll-options.js';
import { systemClock, type CloudInstanceGroup, type Clock, type KubeNode } from './types.js';

/** The options that have defaults, resolved. */
export type ResolvedOptions = Required<
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

export class RollContext {
  readonly clock: Clock;
  readonly emit: EventSink;
  readonly progress: ProgressStore;
  readonly o: ResolvedOptions;
  /** Turned off by an `always` answer to the prompt. */
  interactive: boolean;
  record!: ProgressRecord;
  private saving: Promise<void> = Promise.resolve();
  nodes: KubeNode[] | undefined;
  groups: CloudInstanceGroup[] = [];
  /** Instances behind the API load balancer (control planes and API servers). */
  apiServers = 0;
  readonly roleOf = new Map<string, NormalizedRole>();
  readonly replaced: string[] = [];
  readonly replacedBy = new Map<string, number>();
  /** Bumped by every step of the roll that changes what a validation sees (see `freshClean`). */
  changes = 0;
  /** The latest validation attempts that found no failure at all, in a row, and when. */
  clean?: { readonly changes: number; readonly at: number; readonly streak: number };

  /**
   * What the whole cluster's groups tell every step, whatever the roll targets: each group's role
   * (from the cloud and from the spec), and how many instances sit behind the API load balancer
   * (every control plane and API server).
   */
  knowCluster(groups: readonly CloudInstanceGroup[], specs: readonly { readonly name: string; readonly role: NormalizedRole }[]): void {
    this.apiServers = groups.filter((g) => g.role === 'ControlPlane' || g.role === 'APIServer').reduce((n, g) => n + g.targetSize, 0);
    for (const g of groups) this.roleOf.set(g.name, g.role);
    for (const s of specs) this.roleOf.set(s.name, s.role);
  }

  constructor(readonly opts: RollingUpdateOptions) {
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

  get cloudOnly(): boolean {
    return this.opts.cloudOnly === true;
  }

  checkAborted(): void {
    this.opts.signal?.throwIfAborted();
  }

  changed(): void {
    this.changes++;
  }

  /** Polls the cloud until the group again has its target size of attached, in-service instances. */
  async waitForCapacity(group: CloudInstanceGroup): Promise<void> {
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

  // -------------------------------------------------------------------------------------------
  // Progress

  async markDone(id: string): Promise<void> {
    this.record = { ...this.record, done: [...this.record.done, id] };
    await this.saveRecord();
  }

  /** Writes are chained so concurrent instances never race the conditional write. */
  saveRecord(): Promise<void> {
    const rec = this.record;
    this.saving = this.saving.then(() => this.progress.save(rec));
    return this.saving;
  }

  /** Clears the record when no targeted instance is left anywhere (a filtered run may leave some). */
  async finishRecord(): Promise<void> {
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

export function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
