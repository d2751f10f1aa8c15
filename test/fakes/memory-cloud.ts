/**
 * An in-memory `CloudProvider` with real state, for the rolling update's tests: groups with a
 * desired size and a launch template version, instances with the version they were launched from.
 * Detaching an instance keeps the desired size, so the group launches a replacement at once;
 * terminating an attached instance launches a replacement too (a detached one just goes).
 * Replacements are `Pending` for `launchDelayMs` of the injected clock, then `InService`.
 * Every mutation is logged (`log`) and passed to `observers`, so tests can check what was down when.
 */
import type { NormalizedRole } from '../../src/model/api/types.js';
import type { CloudInstance, CloudInstanceGroup, CloudProvider, Clock } from '../../src/rolling-update/types.js';

export interface MemInstance {
  readonly id: string;
  readonly group: string;
  readonly version: number;
  readonly launchedAt: number;
  readonly nodeName: string;
  detached: boolean;
  /** Marked for a detach that never happened (a run killed between the tag and DetachInstances): still in the group. */
  marked?: boolean;
}

export interface MemGroup {
  readonly name: string;
  readonly role: NormalizedRole;
  readonly cloudName: string;
  minSize: number;
  maxSize: number;
  target: number;
  version: number;
  instances: MemInstance[];
}

export interface CloudOp {
  readonly op: 'detach' | 'terminate' | 'deregister' | 'launch';
  readonly group: string;
  readonly id: string;
  readonly at: number;
}

export class MemoryCloud implements CloudProvider {
  readonly name: 'aws' | 'gce';
  readonly groups = new Map<string, MemGroup>();
  readonly log: CloudOp[] = [];
  readonly observers: ((op: CloudOp, cloud: MemoryCloud) => void)[] = [];
  /** Instance ids whose detach fails (as an ASG refusing below its minimum would). */
  readonly failDetach = new Set<string>();
  /** Every instance id ever launched, and every one terminated (in order). */
  readonly terminated: string[] = [];
  private counter = 0;
  private readonly launchDelayMs: number;
  private readonly deregisterDelayMs: number;
  /** Instances whose deregistration fails, once its delay is over, with this message (AWS: still `draining` when the wait ran out). */
  readonly deregisterFailures = new Map<string, string>();

  constructor(
    private readonly clock: Clock,
    opts: { name?: 'aws' | 'gce'; launchDelayMs?: number; deregisterDelayMs?: number } = {},
  ) {
    this.name = opts.name ?? 'aws';
    this.launchDelayMs = opts.launchDelayMs ?? 90_000;
    this.deregisterDelayMs = opts.deregisterDelayMs ?? 30_000;
  }

  addGroup(init: { name: string; role: NormalizedRole; size: number; minSize?: number; maxSize?: number; version?: number }): MemGroup {
    const g: MemGroup = {
      name: init.name,
      role: init.role,
      cloudName: `${init.name}.example.com`,
      minSize: init.minSize ?? init.size,
      maxSize: init.maxSize ?? init.size,
      target: init.size,
      version: init.version ?? 1,
      instances: [],
    };
    this.groups.set(g.name, g);
    for (let i = 0; i < init.size; i++) g.instances.push(this.newInstance(g, Number.NEGATIVE_INFINITY));
    return g;
  }

  /** A spec change: the group's launch template gets a new version. */
  bumpVersion(group?: string): void {
    for (const g of this.groups.values()) if (group === undefined || g.name === group) g.version++;
  }

  instance(id: string): MemInstance | undefined {
    for (const g of this.groups.values()) {
      const i = g.instances.find((x) => x.id === id);
      if (i) return i;
    }
    return undefined;
  }

  inService(i: MemInstance): boolean {
    return this.clock.now() - i.launchedAt >= this.launchDelayMs;
  }

  /** Desired size minus attached in-service instances: the capacity a group is missing right now. */
  missing(group: string): number {
    const g = this.groups.get(group)!;
    return g.target - g.instances.filter((i) => !i.detached && this.inService(i)).length;
  }

  async listGroups(_cluster: string, groups?: readonly { name: string; role: NormalizedRole }[]): Promise<CloudInstanceGroup[]> {
    const want = groups ? groups.map((g) => g.name) : [...this.groups.keys()];
    const out: CloudInstanceGroup[] = [];
    for (const name of want) {
      const g = this.groups.get(name);
      if (!g) continue;
      out.push({
        name: g.name,
        role: g.role,
        cloudName: g.cloudName,
        minSize: g.minSize,
        maxSize: g.maxSize,
        targetSize: g.target,
        instances: g.instances.map((i) => this.view(g, i)),
      });
    }
    return out;
  }

  /** What a roll killed between a detach's tag and the detach leaves: the instance marked, still in its group, no replacement launched. */
  markDetached(id: string): void {
    for (const g of this.groups.values()) {
      const i = g.instances.find((x) => x.id === id);
      if (i) i.marked = true;
    }
  }

  async detach(group: CloudInstanceGroup, instance: CloudInstance): Promise<void> {
    const g = this.groups.get(group.name)!;
    const i = g.instances.find((x) => x.id === instance.id);
    if (!i || i.detached) return;
    if (this.failDetach.has(i.id)) throw new Error(`ValidationError: detaching ${i.id} failed`);
    i.detached = true;
    const replacement = this.newInstance(g, this.clock.now());
    g.instances.push(replacement);
    // State first, then the log: an observer that throws (a lost response) finds the cloud consistent.
    this.record('detach', g.name, i.id);
    this.record('launch', g.name, replacement.id);
  }

  async terminate(group: CloudInstanceGroup, instance: CloudInstance): Promise<void> {
    const g = this.groups.get(group.name)!;
    const i = g.instances.find((x) => x.id === instance.id);
    if (!i) return;
    g.instances = g.instances.filter((x) => x !== i);
    this.terminated.push(i.id);
    const replacement = i.detached ? undefined : this.newInstance(g, this.clock.now());
    if (replacement) g.instances.push(replacement);
    this.record('terminate', g.name, i.id);
    if (replacement) this.record('launch', g.name, replacement.id);
  }

  async deregister(group: CloudInstanceGroup, instance: CloudInstance, clock: Clock, signal?: AbortSignal): Promise<void> {
    this.record('deregister', group.name, instance.id);
    await clock.sleep(this.deregisterDelayMs, signal);
    const failure = this.deregisterFailures.get(instance.id);
    if (failure) throw new Error(failure);
  }

  private newInstance(g: MemGroup, launchedAt: number): MemInstance {
    const n = ++this.counter;
    const id = `i-${n.toString(16).padStart(17, '0')}`;
    const inst: MemInstance = { id, group: g.name, version: g.version, launchedAt, nodeName: `ip-10-0-${Math.floor(n / 250)}-${n % 250}.ec2.internal`, detached: false };
    return inst;
  }

  private view(g: MemGroup, i: MemInstance): CloudInstance {
    return {
      id: i.id,
      group: g.name,
      status: i.detached || i.marked ? 'Detached' : i.version === g.version ? 'UpToDate' : 'NeedsUpdate',
      state: i.detached ? 'Detached' : this.inService(i) ? 'InService' : 'Pending',
      nodeName: i.nodeName,
      providerId: `aws:///us-east-1a/${i.id}`,
    };
  }

  private record(op: CloudOp['op'], group: string, id: string): void {
    const e: CloudOp = { op, group, id, at: this.clock.now() };
    this.log.push(e);
    for (const o of this.observers) o(e, this);
  }
}
