/** Builds clusters on the memory cloud for the engine's tests, and watches what is down when. */
import { RecordingSink } from '../../src/events.js';
import type { NormalizedRole, RollingUpdate } from '../../src/model/api/types.js';
import { MemoryProgress } from '../../src/rolling-update/progress.js';
import { rollingUpdateCluster, type RollingUpdateOptions, type RollingUpdateResult } from '../../src/rolling-update/roll.js';
import type { ValidationFailure } from '../../src/rolling-update/types.js';
import { MemoryCloud } from '../fakes/memory-cloud.js';
import { SimClock } from '../helpers/sim-clock.js';
import { FakeKube, FakeValidator } from './fakes.js';

export interface GroupInit {
  name: string;
  role: NormalizedRole;
  size: number;
  rollingUpdate?: RollingUpdate;
}

export const HA_GROUPS: GroupInit[] = [
  { name: 'bastions', role: 'Bastion', size: 1 },
  { name: 'control-plane-us-east-1a', role: 'ControlPlane', size: 1 },
  { name: 'control-plane-us-east-1b', role: 'ControlPlane', size: 1 },
  { name: 'control-plane-us-east-1c', role: 'ControlPlane', size: 1 },
  { name: 'nodes-us-east-1a', role: 'Node', size: 3 },
  { name: 'nodes-us-east-1b', role: 'Node', size: 2 },
];

export function makeCluster(groups: GroupInit[], opts: { cloud?: 'aws' | 'gce'; extra?: (n: number) => ValidationFailure[] } = {}) {
  const clock = new SimClock();
  const cloud = new MemoryCloud(clock, { name: opts.cloud ?? 'aws' });
  for (const g of groups) cloud.addGroup({ name: g.name, role: g.role, size: g.size });
  const kube = new FakeKube(cloud, clock);
  const validator = new FakeValidator(cloud, kube, opts.extra);
  const events = new RecordingSink();
  const progress = new MemoryProgress();
  const originals = [...cloud.groups.values()].flatMap((g) => g.instances.map((i) => i.id));
  const specGroups = groups.map((g) => ({ name: g.name, role: g.role, ...(g.rollingUpdate ? { rollingUpdate: g.rollingUpdate } : {}) }));
  const roll = (o: Partial<RollingUpdateOptions> = {}): Promise<RollingUpdateResult> =>
    rollingUpdateCluster({
      cluster: 'example.com',
      cloud,
      kube,
      validator,
      clock,
      events: events.sink,
      progress,
      specGroups,
      ...o,
    });
  return { clock, cloud, kube, validator, events, progress, originals, roll };
}

/**
 * The most instances disrupted at once, per group and across control planes: capacity missing
 * (desired minus attached in-service instances) plus attached instances cordoned, sampled at every
 * cloud mutation and every cordon.
 */
export function watchDisruption(cloud: MemoryCloud, kube: FakeKube) {
  const max = new Map<string, number>();
  let maxControlPlane = 0;
  const check = (): void => {
    let cp = 0;
    for (const g of cloud.groups.values()) {
      const cordoned = g.instances.filter((i) => !i.detached && kube.cordoned.has(i.nodeName)).length;
      const d = cloud.missing(g.name) + cordoned;
      max.set(g.name, Math.max(max.get(g.name) ?? 0, d));
      if (g.role === 'ControlPlane') cp += d;
    }
    maxControlPlane = Math.max(maxControlPlane, cp);
  };
  cloud.observers.push(check);
  kube.observers.push(check);
  return {
    max,
    get maxControlPlane(): number {
      return maxControlPlane;
    },
  };
}

/** Every instance attached, on its group's current version, the group at its size. */
export function allCurrent(cloud: MemoryCloud): boolean {
  return [...cloud.groups.values()].every((g) => g.instances.length === g.target && g.instances.every((i) => !i.detached && i.version === g.version));
}
