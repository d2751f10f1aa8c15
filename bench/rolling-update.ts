/**
 * Benchmark 4: a rolling update of 100 nodes with maxSurge 10 (and of 3 control planes, one at a
 * time) on the simulated clock, against the memory cloud and the fake Kubernetes API of the
 * rolling-update tests. Boot time (a replacement comes into service), validation time (one
 * cluster validation), drain time and the API load balancer's deregistration delay (a control
 * plane's connection draining, 30 s on the API's target group) are parameters. The bound is the issue's:
 * ceil(N / (maxSurge + maxUnavailable)) x (boot + validate): each batch must boot its
 * replacements and pass validation before the next; the ratio says what the roll adds on top
 * (drains, deregistration, the validation count, the intervals kops waits between instances).
 */
import type { NormalizedRole, RollingUpdate } from '../src/model/api/types.js';
import { MemoryProgress } from '../src/rolling-update/progress.js';
import { rollingUpdateCluster } from '../src/rolling-update/roll.js';
import type { ClusterValidator, ValidationResult } from '../src/rolling-update/types.js';
import { MemoryCloud } from '../test/fakes/memory-cloud.js';
import { SimClock } from '../test/helpers/sim-clock.js';
import { FakeKube, FakeValidator } from '../test/rolling-update/fakes.js';
import { table } from './harness.js';

export interface RollParams {
  readonly bootMs: number;
  readonly validateMs: number;
  readonly drainMs: number;
  /** `--post-drain-delay` (kops's default 5 s). */
  readonly postDrainMs: number;
  /** `--validate-count` (kops's default 2: two validations in a row must pass). */
  readonly validateCount: number;
  /** `--node-interval` / `--control-plane-interval` (kops's default 15 s). */
  readonly intervalMs: number;
  /** The API target group's `deregistration_delay.timeout_seconds` (kops-ts and kops: 30 s); control planes only. */
  readonly deregisterMs: number;
}

export interface RollCase {
  readonly label: string;
  readonly role: NormalizedRole;
  readonly groups: number;
  readonly size: number;
  readonly rollingUpdate: RollingUpdate;
  /** Instances replaced at once: maxSurge + maxUnavailable (1 for control planes). */
  readonly batch: number;
  /**
   * Instances of the (first) group already on the new version when the roll starts (a resumed roll,
   * or a group scaled up after the spec change). kops surges a canary first only when none is;
   * kops-ts surges no canary (src/rolling-update/surge.ts), so both rolls take as long.
   */
  readonly upToDate?: number;
}

export interface RollFigure {
  readonly simMs: number;
  readonly boundMs: number;
  readonly replaced: number;
  readonly realMs: number;
}

/** Instances the roll replaces: every one but those already up to date. */
const toReplace = (c: RollCase): number => c.groups * c.size - (c.upToDate ?? 0);

/** Validation that takes `ms` of simulated time. */
class TimedValidator implements ClusterValidator {
  constructor(private readonly inner: FakeValidator, private readonly clock: SimClock, private readonly ms: number) {}
  async validate(signal?: AbortSignal): Promise<ValidationResult> {
    await this.clock.sleep(this.ms, signal);
    return this.inner.validate();
  }
}

export async function roll(c: RollCase, p: RollParams): Promise<RollFigure> {
  const clock = new SimClock();
  const cloud = new MemoryCloud(clock, { launchDelayMs: p.bootMs, deregisterDelayMs: p.deregisterMs });
  const names: string[] = [];
  for (let i = 0; i < c.groups; i++) {
    const name = c.groups === 1 ? c.label : `${c.label}-${i}`;
    cloud.addGroup({ name, role: c.role, size: c.size });
    names.push(name);
  }
  const kube = new FakeKube(cloud, clock, p.drainMs);
  const validator = new TimedValidator(new FakeValidator(cloud, kube), clock, p.validateMs);
  cloud.bumpVersion();
  const first = cloud.groups.get(names[0]!)!;
  for (let i = 0; i < (c.upToDate ?? 0); i++) first.instances[i] = { ...first.instances[i]!, version: first.version };
  const t0 = performance.now();
  const v0 = clock.now();
  const res = await rollingUpdateCluster({
    cluster: 'bench.example.com', cloud, kube, validator, clock, progress: new MemoryProgress(),
    specGroups: names.map((name) => ({ name, role: c.role, rollingUpdate: c.rollingUpdate })),
    validateCount: p.validateCount, postDrainDelayMs: p.postDrainMs, nodeIntervalMs: p.intervalMs, controlPlaneIntervalMs: p.intervalMs,
  });
  const simMs = clock.now() - v0;
  const total = toReplace(c);
  if (res.replaced.length !== total) throw new Error(`bench: ${c.label}: ${res.replaced.length} of ${total} instances replaced`);
  return { simMs, boundMs: Math.ceil(total / c.batch) * (p.bootMs + p.validateMs), replaced: res.replaced.length, realMs: performance.now() - t0 };
}

const CASES: readonly RollCase[] = [
  { label: 'nodes', role: 'Node', groups: 1, size: 100, rollingUpdate: { maxSurge: 10, maxUnavailable: 0 }, batch: 10 },
  { label: 'control-plane', role: 'ControlPlane', groups: 3, size: 1, rollingUpdate: {}, batch: 1 },
  // One instance already up to date: where kops would have no canary either (it surges one
  // instance alone first only when none is); ceil(99 / 10) batches, each boot and validation.
  { label: 'nodes, 1 of 100 up to date', role: 'Node', groups: 1, size: 100, rollingUpdate: { maxSurge: 10, maxUnavailable: 0 }, batch: 10, upToDate: 1 },
  // kops's AWS default (maxSurge 1), for the speed-up of the surge.
  { label: 'nodes-surge-1', role: 'Node', groups: 1, size: 100, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }, batch: 1 },
];

const s = (ms: number): string => (ms / 1000).toFixed(0);

/** What a setting makes the roll wait for beyond boot and one validation per batch. */
function outsideBound(c: RollCase, p: RollParams): string[] {
  return [
    ...(p.validateCount > 1 ? ['a second validation'] : []),
    ...(p.intervalMs > 0 ? ['the interval'] : []),
    ...(p.drainMs + p.postDrainMs > 0 ? ['the drain'] : []),
    ...(c.role === 'ControlPlane' && p.deregisterMs > 0 ? ['the deregistration'] : []),
  ];
}

export async function benchRollingUpdate(): Promise<string> {
  // `only`: the cases a setting is run for (a deregistration delay changes control planes alone).
  const settings: readonly (RollParams & { name: string; only?: readonly string[] })[] = [
    { name: 'kops defaults', bootMs: 90_000, validateMs: 30_000, drainMs: 20_000, postDrainMs: 5_000, validateCount: 2, intervalMs: 15_000, deregisterMs: 30_000 },
    { name: 'one validation, no interval', bootMs: 90_000, validateMs: 30_000, drainMs: 20_000, postDrainMs: 5_000, validateCount: 1, intervalMs: 0, deregisterMs: 30_000 },
    { name: 'boot and validation only', bootMs: 90_000, validateMs: 30_000, drainMs: 0, postDrainMs: 0, validateCount: 1, intervalMs: 0, deregisterMs: 0 },
    { name: 'boot and validation, 30 s deregistration', bootMs: 90_000, validateMs: 30_000, drainMs: 0, postDrainMs: 0, validateCount: 1, intervalMs: 0, deregisterMs: 30_000, only: ['control-plane'] },
  ];
  const rows: string[][] = [];
  const verdicts: string[] = [];
  const reported: string[] = [];
  for (const p of settings) {
    for (const c of CASES) {
      if (p.only && !p.only.includes(c.label)) continue;
      const f = await roll(c, p);
      const ratio = f.simMs / f.boundMs;
      rows.push([c.label, `${toReplace(c)}`, String(c.batch), p.name, `${s(p.bootMs)} / ${s(p.validateMs)} / ${s(p.drainMs)} + ${s(p.postDrainMs)} / ${c.role === 'ControlPlane' ? s(p.deregisterMs) : '-'}`, String(p.validateCount), s(p.intervalMs),
        String(f.replaced), s(f.simMs), s(f.boundMs), ratio.toFixed(2), f.realMs.toFixed(0)]);
      // A row with time the bound (boot + one validation per batch) leaves out is reported
      // beside it; the target judges the rows on the bound's own terms.
      const outside = outsideBound(c, p);
      if (outside.length > 0) reported.push(`${c.label}, ${p.name}: ${ratio.toFixed(2)} (with ${outside.join(', ')})`);
      else verdicts.push(`${c.label}: ${ratio <= 1.1 ? 'held' : 'NOT held'} (${ratio.toFixed(2)})`);
    }
  }
  const out = ['### Rolling update on the simulated clock (memory cloud, fake Kubernetes API)\n'];
  out.push(table(['group', 'instances', 'batch', 'settings', 'boot / validate / drain + post-drain / deregistration (s)', 'validate count', 'interval (s)', 'replaced', 'simulated wall (s)', 'bound (s)', 'wall / bound', 'real ms'], rows));
  out.push(`\nBound: ceil(N / batch) x (boot + validate). Target <= 1.1x, boot and validation only: ${verdicts.join('; ')}.`);
  out.push(`Reported beside it, wall / bound with what the bound leaves out: ${reported.join('; ')}.`);
  return out.join('\n');
}
