/**
 * A group's kubelet settings as kops merges them (upup/pkg/fi/cloudup/populate_instancegroup_spec.go,
 * JSONMergeStruct): the cluster's `spec.kubelet`, then for control planes `spec.masterKubelet` (but
 * the cluster's `anonymousAuth: false` stays, as in kops), then
 * the instance group's `spec.kubelet`; a later level wins field by field, and the map fields
 * (`kubeReserved`, `systemReserved`, `featureGates`) are merged key by key, as Go's JSON decoder
 * merges into an existing map. Each merged field remembers the spec path it came from, so a
 * problem of the merged settings names the field to fix.
 *
 * Also the parsers of kops's string forms shared by validation and the kubelet mapping:
 * `evictionHard: "memory.available<100Mi,nodefs.available<10%"`, `evictionSoftGracePeriod:
 * "memory.available=30s"`, and Go durations.
 */
import { normalizeRole, type Cluster, type InstanceGroup, type KubeletConfigSpec } from './api/types.js';

/** The kubelet fields kops-ts acts on (schema.ts types them; the others are kops's, kept). */
export const KUBELET_ACTED_FIELDS = [
  'anonymousAuth', 'featureGates', 'maxPods', 'podPidsLimit', 'kubeReserved', 'systemReserved',
  'kubeReservedCgroup', 'systemReservedCgroup', 'enforceNodeAllocatable', 'evictionHard', 'evictionSoft',
  'evictionSoftGracePeriod', 'imageGCHighThresholdPercent', 'imageGCLowThresholdPercent', 'cpuManagerPolicy',
  'topologyManagerPolicy', 'serializeImagePulls', 'maxParallelImagePulls', 'registryPullQPS', 'registryBurst',
  'cpuCFSQuota', 'cpuCFSQuotaPeriod', 'readOnlyPort', 'shutdownGracePeriod', 'shutdownGracePeriodCriticalPods',
  'allowedUnsafeSysctls', 'logLevel',
] as const;

export type KubeletField = (typeof KUBELET_ACTED_FIELDS)[number];

/** Fields merged key by key (Go maps); every other field is replaced whole. */
const MAP_FIELDS: ReadonlySet<string> = new Set(['featureGates', 'kubeReserved', 'systemReserved']);

/** One level of the merge: its settings and where they are in the spec. */
export interface KubeletLevel {
  /** `spec.kubelet`, `spec.masterKubelet` or `InstanceGroup/<name> spec.kubelet`. */
  readonly path: string;
  readonly spec: KubeletConfigSpec | undefined;
}

/** The merged settings, and for each field (or map key) the path of the level that set it. */
export interface MergedKubelet {
  readonly spec: KubeletConfigSpec;
  /** field → the level's path (`spec.kubelet`, ...), for diagnostics. */
  readonly from: Readonly<Record<string, string>>;
}

/** The levels that apply to `ig`, in merge order (later wins). */
export function kubeletLevels(c: Cluster, ig: InstanceGroup | undefined): KubeletLevel[] {
  const levels: KubeletLevel[] = [{ path: 'spec.kubelet', spec: c.spec.kubelet }];
  if (ig && normalizeRole(ig.spec.role) === 'ControlPlane') {
    levels.push({ path: 'spec.masterKubelet', spec: c.spec.masterKubelet });
    // kops: the cluster's `anonymousAuth: false` wins over masterKubelet's (the group's still decides).
    if (c.spec.kubelet?.anonymousAuth === false) levels.push({ path: 'spec.kubelet', spec: { anonymousAuth: false } });
  }
  if (ig) levels.push({ path: `InstanceGroup/${ig.metadata.name} spec.kubelet`, spec: ig.spec.kubelet });
  return levels;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merges the acted-on fields of `levels` (null and undefined mean unset, as kops's pointers). */
export function mergeKubelet(levels: readonly KubeletLevel[]): MergedKubelet {
  const spec: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  for (const level of levels) {
    const s = level.spec as Record<string, unknown> | undefined;
    if (!isRecord(s)) continue;
    for (const field of KUBELET_ACTED_FIELDS) {
      const v = s[field];
      if (v == null) continue;
      if (MAP_FIELDS.has(field) && isRecord(v)) {
        spec[field] = { ...(isRecord(spec[field]) ? spec[field] : {}), ...structuredClone(v) };
      } else {
        spec[field] = structuredClone(v);
      }
      from[field] = level.path;
    }
  }
  return { spec: spec as KubeletConfigSpec, from };
}

/** The kubelet settings of a group's instances (or, without a group, the cluster-wide ones). */
export function effectiveKubelet(c: Cluster, ig?: InstanceGroup): MergedKubelet {
  return mergeKubelet(kubeletLevels(c, ig));
}

/** One `key<sep>value` pair of a kops list string. */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

/**
 * kops's comma-separated `key<sep>value` lists (nodeup's parseKeyValueList): each item is split at
 * its first `sep`, both sides trimmed. An item without `sep` is a problem: `{ error }` names it.
 */
export function parseKeyValueList(s: string, sep: '<' | '='): { items: KeyValue[] } | { error: string } {
  if (s.trim() === '') return { items: [] };
  const items: KeyValue[] = [];
  for (const raw of s.split(',')) {
    const at = raw.indexOf(sep);
    if (at < 0) return { error: `item ${JSON.stringify(raw)} has no "${sep}" (expected signal${sep}value)` };
    items.push({ key: raw.slice(0, at).trim(), value: raw.slice(at + 1).trim() });
  }
  return { items };
}

/** The same list as a map; the caller has validated it (a malformed item is skipped). */
export function keyValueMap(s: string | undefined, sep: '<' | '='): Record<string, string> | undefined {
  if (s == null) return undefined;
  const r = parseKeyValueList(s, sep);
  if ('error' in r || r.items.length === 0) return undefined;
  return Object.fromEntries(r.items.map((i) => [i.key, i.value]));
}

const DURATION_UNIT_NS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
/** 2^63 ns, the first duration Go's time.ParseDuration refuses (compared as a double: exact to a few microseconds there). */
const MAX_DURATION_NS = 2 ** 63;
const DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;

/** A Go duration (`time.ParseDuration`: `30s`, `1m30s`, `1.5h`, `0`) in nanoseconds, or undefined if it is not one (or overflows Go's int64). */
export function parseGoDuration(s: string): number | undefined {
  if (s === '0' || s === '+0' || s === '-0') return 0;
  if (!DURATION.test(s)) return undefined;
  const sign = s.startsWith('-') ? -1 : 1;
  let total = 0;
  for (const m of s.replace(/^[-+]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(m[1]) * DURATION_UNIT_NS[m[2]!]!;
  }
  // Go refuses a duration past an int64 of nanoseconds (about 2562047h): the component would not start.
  if (total >= MAX_DURATION_NS) return undefined;
  return sign * total;
}
