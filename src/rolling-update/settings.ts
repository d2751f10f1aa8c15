/**
 * The rolling-update settings of one instance group, resolved as kops's
 * pkg/instancegroups/settings.go `resolveSettings` does, then clamped as
 * `rollingUpdateInstanceGroup` clamps them (instancegroups.go). Pure: table-tested.
 *
 *  - Each field comes from the instance group's `spec.rollingUpdate`, else the cluster's
 *    `spec.rollingUpdate`, else kops's default.
 *  - `maxSurge` defaults to 1 on AWS and 0 elsewhere; a percentage rounds UP against the group's
 *    instance count (kops's `numInstances`: ready + needing update).
 *  - `maxUnavailable` defaults to 1 when the surge is 0, else 0; a percentage rounds DOWN, and is at
 *    least 1.
 *  - Clamps: the surge never exceeds the instances to update; control-plane groups never surge
 *    (their concurrency is maxUnavailable, at least 1); `--interactive` forces a concurrency of 1
 *    (and a surge of at most 1).
 */
import type { IntOrString, NormalizedRole, RollingUpdate } from '../model/api/types.js';

export interface ResolvedSettings {
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  readonly drainAndTerminate: boolean;
}

export interface GroupPlanSettings extends ResolvedSettings {
  /** How many instances are drained/terminated at once: maxSurge + maxUnavailable after the clamps. */
  readonly concurrency: number;
}

/** Resolves to whole numbers as kops's `intstr.GetValueFromIntOrPercent` does. */
export function intOrPercent(v: IntOrString, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v.trim());
  if (m) {
    const pct = Number(m[1]);
    return roundUp ? Math.ceil((pct * total) / 100) : Math.floor((pct * total) / 100);
  }
  const n = Number(v);
  if (Number.isInteger(n) && n >= 0 && v.trim() !== '') return n;
  throw new Error(`invalid maxSurge/maxUnavailable value ${JSON.stringify(v)}: expected a whole number or "N%"`);
}

/**
 * kops's `resolveSettings(cluster, group, numInstances)`.
 * `numInstances` is the group's instance count (kops: ready + needing update).
 */
export function resolveSettings(
  cloud: 'aws' | 'gce',
  clusterRU: RollingUpdate | undefined | null,
  groupRU: RollingUpdate | undefined | null,
  numInstances: number,
): ResolvedSettings {
  const maxSurgeRaw = groupRU?.maxSurge ?? clusterRU?.maxSurge ?? (cloud === 'aws' ? 1 : 0);
  const maxUnavailableRaw = groupRU?.maxUnavailable ?? clusterRU?.maxUnavailable;
  const drainAndTerminate = groupRU?.drainAndTerminate ?? clusterRU?.drainAndTerminate ?? true;

  const maxSurge = intOrPercent(maxSurgeRaw, numInstances, true);
  let maxUnavailable: number;
  if (maxUnavailableRaw == null) {
    maxUnavailable = maxSurge === 0 ? 1 : 0;
  } else if (typeof maxUnavailableRaw === 'string' && maxUnavailableRaw.trim().endsWith('%')) {
    maxUnavailable = Math.max(1, intOrPercent(maxUnavailableRaw, numInstances, false));
  } else {
    maxUnavailable = intOrPercent(maxUnavailableRaw, numInstances, false);
  }
  return { maxSurge, maxUnavailable, drainAndTerminate };
}

/** The clamps of kops's `rollingUpdateInstanceGroup`, applied to resolved settings. */
export function clampSettings(
  s: ResolvedSettings,
  role: NormalizedRole,
  toUpdate: number,
  opts: { interactive?: boolean; cloudOnly?: boolean } = {},
): GroupPlanSettings {
  let maxSurge = Math.min(s.maxSurge, toUpdate);
  let concurrency = maxSurge + s.maxUnavailable;
  if (role === 'ControlPlane') {
    // A control plane registers itself through its local API server, which needs its etcd member
    // joined: it cannot surge, and the roll replaces control planes one at a time.
    maxSurge = 0;
    concurrency = 1;
  }
  if (opts.interactive) {
    maxSurge = Math.min(maxSurge, 1);
    concurrency = 1;
  }
  // kops only surges with a Kubernetes API (it skips detaching under --cloudonly).
  if (opts.cloudOnly) maxSurge = 0;
  if (concurrency < 1) concurrency = 1;
  return { maxSurge, maxUnavailable: s.maxUnavailable, drainAndTerminate: s.drainAndTerminate, concurrency };
}

/** Both steps for one group. */
export function groupSettings(
  cloud: 'aws' | 'gce',
  clusterRU: RollingUpdate | undefined | null,
  groupRU: RollingUpdate | undefined | null,
  role: NormalizedRole,
  numInstances: number,
  toUpdate: number,
  opts: { interactive?: boolean; cloudOnly?: boolean } = {},
): GroupPlanSettings {
  return clampSettings(resolveSettings(cloud, clusterRU, groupRU, numInstances), role, toUpdate, opts);
}
