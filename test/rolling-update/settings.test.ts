import { describe, expect, it } from 'vitest';
import type { NormalizedRole, RollingUpdate } from '../../src/model/api/types.js';
import { clampSettings, groupSettings, intOrPercent, resolveSettings } from '../../src/rolling-update/settings.js';

describe('resolveSettings (kops settings.go)', () => {
  const cases: {
    name: string;
    cloud?: 'aws' | 'gce';
    cluster?: RollingUpdate;
    group?: RollingUpdate;
    n?: number;
    surge: number;
    unavailable: number;
    drain?: boolean;
  }[] = [
    { name: 'AWS defaults: surge 1, unavailable 0', surge: 1, unavailable: 0 },
    { name: 'GCE defaults: surge 0, unavailable 1', cloud: 'gce', surge: 0, unavailable: 1 },
    { name: 'cluster surge 0 makes unavailable default 1', cluster: { maxSurge: 0 }, surge: 0, unavailable: 1 },
    { name: 'group overrides cluster', cluster: { maxSurge: 3, maxUnavailable: 2 }, group: { maxSurge: 2 }, surge: 2, unavailable: 2 },
    { name: 'cluster fills what the group leaves', cluster: { maxUnavailable: 2 }, group: { maxSurge: 0 }, surge: 0, unavailable: 2 },
    { name: 'surge percentage rounds up (25% of 10 = 3)', group: { maxSurge: '25%' }, n: 10, surge: 3, unavailable: 0 },
    { name: 'surge 1% of 10 rounds up to 1', group: { maxSurge: '1%' }, n: 10, surge: 1, unavailable: 0 },
    { name: 'surge 0% resolves to 0, so unavailable defaults to 1', group: { maxSurge: '0%' }, n: 10, surge: 0, unavailable: 1 },
    { name: 'unavailable percentage rounds down (25% of 10 = 2)', group: { maxSurge: 0, maxUnavailable: '25%' }, n: 10, surge: 0, unavailable: 2 },
    { name: 'unavailable percentage is at least 1 (10% of 5)', group: { maxSurge: 0, maxUnavailable: '10%' }, n: 5, surge: 0, unavailable: 1 },
    { name: 'unavailable 0% with surge becomes 1', group: { maxSurge: 1, maxUnavailable: '0%' }, n: 4, surge: 1, unavailable: 1 },
    { name: 'unavailable 0 as a number stays 0', group: { maxSurge: 2, maxUnavailable: 0 }, n: 4, surge: 2, unavailable: 0 },
    { name: 'string numbers are whole numbers', group: { maxSurge: '2', maxUnavailable: '3' }, n: 4, surge: 2, unavailable: 3 },
    { name: 'drainAndTerminate from the cluster', cluster: { drainAndTerminate: false }, surge: 1, unavailable: 0, drain: false },
    { name: 'drainAndTerminate from the group wins', cluster: { drainAndTerminate: false }, group: { drainAndTerminate: true }, surge: 1, unavailable: 0, drain: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = resolveSettings(c.cloud ?? 'aws', c.cluster, c.group, c.n ?? 3);
      expect(s).toEqual({ maxSurge: c.surge, maxUnavailable: c.unavailable, drainAndTerminate: c.drain ?? true });
    });
  }

  it('rejects a value that is neither a number nor a percentage', () => {
    expect(() => intOrPercent('three', 3, true)).toThrow(/expected a whole number or "N%"/);
  });
});

describe('clampSettings (kops rollingUpdateInstanceGroup)', () => {
  const cases: {
    name: string;
    s: { maxSurge: number; maxUnavailable: number };
    role?: NormalizedRole;
    toUpdate: number;
    interactive?: boolean;
    cloudOnly?: boolean;
    surge: number;
    concurrency: number;
  }[] = [
    { name: 'surge + unavailable', s: { maxSurge: 2, maxUnavailable: 1 }, toUpdate: 5, surge: 2, concurrency: 3 },
    { name: 'surge never exceeds the instances to update', s: { maxSurge: 5, maxUnavailable: 0 }, toUpdate: 2, surge: 2, concurrency: 2 },
    { name: 'control planes never surge and go one at a time', s: { maxSurge: 1, maxUnavailable: 2 }, role: 'ControlPlane', toUpdate: 3, surge: 0, concurrency: 1 },
    { name: 'control planes with unavailable 0 still go one at a time', s: { maxSurge: 0, maxUnavailable: 0 }, role: 'ControlPlane', toUpdate: 3, surge: 0, concurrency: 1 },
    { name: 'API servers may surge', s: { maxSurge: 1, maxUnavailable: 0 }, role: 'APIServer', toUpdate: 2, surge: 1, concurrency: 1 },
    { name: '--interactive: concurrency 1, surge at most 1', s: { maxSurge: 3, maxUnavailable: 2 }, toUpdate: 5, interactive: true, surge: 1, concurrency: 1 },
    { name: '--cloudonly does not surge (no detach) but keeps the concurrency', s: { maxSurge: 2, maxUnavailable: 1 }, toUpdate: 5, cloudOnly: true, surge: 0, concurrency: 3 },
    { name: 'concurrency is at least 1', s: { maxSurge: 0, maxUnavailable: 0 }, toUpdate: 5, surge: 0, concurrency: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = clampSettings({ ...c.s, drainAndTerminate: true }, c.role ?? 'Node', c.toUpdate, { interactive: c.interactive ?? false, cloudOnly: c.cloudOnly ?? false });
      expect({ surge: r.maxSurge, concurrency: r.concurrency }).toEqual({ surge: c.surge, concurrency: c.concurrency });
    });
  }

  it('groupSettings resolves then clamps: 50% surge of 4 nodes with 1 to update', () => {
    expect(groupSettings('aws', undefined, { maxSurge: '50%' }, 'Node', 4, 1)).toEqual({ maxSurge: 1, maxUnavailable: 0, drainAndTerminate: true, concurrency: 1 });
  });
});
