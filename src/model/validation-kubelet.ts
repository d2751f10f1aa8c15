/**
 * Validation of the kubelet settings kops-ts acts on (src/model/kubelet.ts lists them): each level
 * (`spec.kubelet`, `spec.masterKubelet`, each instance group's `spec.kubelet`) field by field, then
 * each group's merged settings for what the kubelet itself refuses at start (so a bad combination
 * is caught by `update`, not by a node that never becomes Ready):
 * - eviction thresholds: known signals, a quantity or a percentage from 0% to 100%, no signal twice;
 *   every soft threshold has a grace period (a Go duration);
 * - percentages from 0 to 100, and imageGCLowThresholdPercent below imageGCHighThresholdPercent
 *   (the kubelet's defaults 80 and 85 stand in for an unset one);
 * - Go durations; shutdownGracePeriodCriticalPods not above shutdownGracePeriod; cpuCFSQuotaPeriod
 *   from 1ms to 1s;
 * - maxParallelImagePulls above 1 only with serializeImagePulls: false;
 * - the static CPU manager with some CPU reserved; enforceNodeAllocatable's cgroups named;
 * - kubeReserved/systemReserved: resource names and quantities.
 * A problem of merged settings is reported at the level that set the field; once, however many
 * groups share it.
 */
import { normalizeRole, type Cluster, type InstanceGroup, type KubeletConfigSpec } from './api/types.js';
import { effectiveKubelet, kubeletLevels, parseGoDuration, parseKeyValueList, type MergedKubelet } from './kubelet.js';
import type { Reporter } from './validation-util.js';

/** The kubelet's eviction signals (pkg/kubelet/eviction/api). */
export const EVICTION_SIGNALS = [
  'memory.available', 'allocatableMemory.available', 'nodefs.available', 'nodefs.inodesFree',
  'imagefs.available', 'imagefs.inodesFree', 'containerfs.available', 'containerfs.inodesFree', 'pid.available',
] as const;

const RESERVED_RESOURCES = ['cpu', 'memory', 'ephemeral-storage', 'pid'];
const ENFORCE_KEYS = ['pods', 'system-reserved', 'kube-reserved', 'system-reserved-compressible', 'kube-reserved-compressible', 'none'];
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const SYSCTL = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*([a-z0-9]([-_a-z0-9]*[a-z0-9])?|\*)$/;
const DEFAULT_GC_HIGH = 85;
const DEFAULT_GC_LOW = 80;

type Err = (path: string, summary: string, hint: string) => void;

function isZeroQuantity(q: string | undefined): boolean {
  return q == null || !QUANTITY.test(q) || Number(/^[\d.]+/.exec(q)?.[0] ?? '0') === 0;
}

function checkEvictions(err: Err, path: string, value: string, hint: string): void {
  const parsed = parseKeyValueList(value, '<');
  if ('error' in parsed) return err(path, `${JSON.stringify(value)}: ${parsed.error}`, hint);
  const seen = new Set<string>();
  for (const { key, value: v } of parsed.items) {
    if (!(EVICTION_SIGNALS as readonly string[]).includes(key)) {
      err(path, `${JSON.stringify(key)} is not an eviction signal (expected one of ${EVICTION_SIGNALS.join(', ')})`, hint);
    } else if (seen.has(key)) {
      err(path, `the signal ${key} is given twice`, hint);
    }
    seen.add(key);
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(v);
    if (pct) {
      if (Number(pct[1]) > 100) err(path, `${key}<${v}: a percentage threshold is from 0% to 100%`, hint);
    } else if (!QUANTITY.test(v)) {
      err(path, `${key}<${v}: the threshold is not a quantity (such as 100Mi) or a percentage (such as 10%)`, hint);
    }
  }
}

function checkGracePeriods(err: Err, path: string, value: string): void {
  const hint = 'give signal=duration pairs, e.g. memory.available=1m30s,nodefs.available=2m';
  const parsed = parseKeyValueList(value, '=');
  if ('error' in parsed) return err(path, `${JSON.stringify(value)}: ${parsed.error}`, hint);
  for (const { key, value: v } of parsed.items) {
    if (!(EVICTION_SIGNALS as readonly string[]).includes(key)) err(path, `${JSON.stringify(key)} is not an eviction signal (expected one of ${EVICTION_SIGNALS.join(', ')})`, hint);
    const ns = parseGoDuration(v);
    if (ns === undefined || ns < 0) err(path, `${key}=${v}: the grace period is not a Go duration >= 0 (such as 30s or 1m30s)`, hint);
  }
}

function checkDuration(err: Err, path: string, v: unknown): void {
  if (typeof v !== 'string') return;
  const ns = parseGoDuration(v);
  if (ns === undefined || ns < 0) err(path, `${JSON.stringify(v)} is not a Go duration >= 0`, 'use a Go duration such as 30s, 2m or 1h30m');
}

function checkMin(err: Err, path: string, v: unknown, min: number, what: string): void {
  if (typeof v === 'number' && v < min) err(path, `is ${v}; expected ${what}`, `set a value of at least ${min}, or remove it for the kubelet's default`);
}

function checkPercent(err: Err, path: string, v: unknown): void {
  if (typeof v === 'number' && (v < 0 || v > 100)) err(path, `is ${v}; a percentage is from 0 to 100`, 'set a value from 0 to 100');
}

function checkReserved(err: Err, path: string, v: Record<string, string> | undefined): void {
  for (const [k, q] of Object.entries(v ?? {})) {
    const at = `${path}.${k}`;
    if (!RESERVED_RESOURCES.includes(k)) err(at, `${JSON.stringify(k)} is not a resource the kubelet reserves (expected one of ${RESERVED_RESOURCES.join(', ')})`, 'use cpu, memory, ephemeral-storage or pid');
    else if (typeof q !== 'string' || !QUANTITY.test(q)) err(at, `${JSON.stringify(q)} is not a quantity`, 'use a quantity such as 100m (cpu), 512Mi (memory) or 1000 (pid)');
  }
}

/** The checks of one level's fields on their own. */
function checkLevel(err: Err, path: string, k: KubeletConfigSpec): void {
  const at = (f: string) => `${path}.${f}`;
  checkMin(err, at('maxPods'), k.maxPods, 1, 'a whole number >= 1');
  if (typeof k.podPidsLimit === 'number' && k.podPidsLimit < 1 && k.podPidsLimit !== -1) {
    err(at('podPidsLimit'), `is ${k.podPidsLimit}; expected a whole number >= 1, or -1 for no limit`, 'set a limit such as 4096, or -1');
  }
  checkReserved(err, at('kubeReserved'), k.kubeReserved);
  checkReserved(err, at('systemReserved'), k.systemReserved);
  if (typeof k.evictionHard === 'string') checkEvictions(err, at('evictionHard'), k.evictionHard, 'give signal<threshold pairs, e.g. memory.available<100Mi,nodefs.available<10%');
  if (typeof k.evictionSoft === 'string') checkEvictions(err, at('evictionSoft'), k.evictionSoft, 'give signal<threshold pairs, e.g. memory.available<300Mi');
  if (typeof k.evictionSoftGracePeriod === 'string') checkGracePeriods(err, at('evictionSoftGracePeriod'), k.evictionSoftGracePeriod);
  checkPercent(err, at('imageGCHighThresholdPercent'), k.imageGCHighThresholdPercent);
  checkPercent(err, at('imageGCLowThresholdPercent'), k.imageGCLowThresholdPercent);
  checkMin(err, at('maxParallelImagePulls'), k.maxParallelImagePulls, 1, 'a whole number >= 1');
  checkMin(err, at('registryPullQPS'), k.registryPullQPS, 0, 'a whole number >= 0 (0: unlimited)');
  checkMin(err, at('registryBurst'), k.registryBurst, 0, 'a whole number >= 0');
  checkMin(err, at('logLevel'), k.logLevel, 0, 'a whole number >= 0');
  if (typeof k.readOnlyPort === 'number' && (k.readOnlyPort < 0 || k.readOnlyPort > 65535)) err(at('readOnlyPort'), `is ${k.readOnlyPort}; expected a port from 0 (disabled) to 65535`, 'set 0 to disable the read-only port');
  for (const f of ['shutdownGracePeriod', 'shutdownGracePeriodCriticalPods', 'cpuCFSQuotaPeriod'] as const) checkDuration(err, at(f), k[f]);
  if (typeof k.cpuCFSQuotaPeriod === 'string') {
    const ns = parseGoDuration(k.cpuCFSQuotaPeriod);
    if (ns !== undefined && ns >= 0 && (ns < 1e6 || ns > 1e9)) err(at('cpuCFSQuotaPeriod'), `is ${k.cpuCFSQuotaPeriod}; the kubelet takes 1ms to 1s`, 'set a period such as 100ms');
  }
  if (typeof k.enforceNodeAllocatable === 'string') {
    const keys = k.enforceNodeAllocatable.split(',').map((s) => s.trim());
    for (const key of keys) if (!ENFORCE_KEYS.includes(key)) err(at('enforceNodeAllocatable'), `${JSON.stringify(key)} is not one of ${ENFORCE_KEYS.join(', ')}`, 'give a comma-separated list such as pods,system-reserved');
    if (keys.includes('none') && keys.length > 1) err(at('enforceNodeAllocatable'), '"none" cannot be combined with other values', 'use none alone, or list what to enforce');
  }
  (k.allowedUnsafeSysctls ?? []).forEach((s, i) => {
    if (typeof s === 'string' && !SYSCTL.test(s)) err(`${at('allowedUnsafeSysctls')}[${i}]`, `${JSON.stringify(s)} is not a sysctl name or pattern`, 'use a name such as net.core.somaxconn, or a prefix pattern such as net.ipv4.*');
  });
  for (const [gate, v] of Object.entries(k.featureGates ?? {})) {
    const s = String(v).toLowerCase();
    if (s !== 'true' && s !== 'false') err(`${at('featureGates')}.${gate}`, `is ${JSON.stringify(v)}; a feature gate is "true" or "false"`, 'set "true" or "false"');
  }
}

/** The checks of a group's merged settings: combinations the kubelet refuses at start. */
function checkMerged(err: Err, m: MergedKubelet): void {
  const k = m.spec;
  const at = (f: string) => `${m.from[f] ?? 'spec.kubelet'}.${f}`;
  const high = k.imageGCHighThresholdPercent ?? DEFAULT_GC_HIGH;
  const low = k.imageGCLowThresholdPercent ?? DEFAULT_GC_LOW;
  if ((k.imageGCHighThresholdPercent != null || k.imageGCLowThresholdPercent != null) && low >= high) {
    const f = k.imageGCLowThresholdPercent != null ? 'imageGCLowThresholdPercent' : 'imageGCHighThresholdPercent';
    err(at(f), `imageGCLowThresholdPercent (${low}) must be below imageGCHighThresholdPercent (${high})${k.imageGCLowThresholdPercent == null || k.imageGCHighThresholdPercent == null ? " (the kubelet's default for the one unset)" : ''}`, 'set the low threshold below the high one');
  }
  const grace = typeof k.shutdownGracePeriod === 'string' ? parseGoDuration(k.shutdownGracePeriod) ?? 0 : 0;
  const critical = typeof k.shutdownGracePeriodCriticalPods === 'string' ? parseGoDuration(k.shutdownGracePeriodCriticalPods) : undefined;
  if (critical !== undefined && critical > grace) {
    err(at('shutdownGracePeriodCriticalPods'), `${k.shutdownGracePeriodCriticalPods} is longer than shutdownGracePeriod (${k.shutdownGracePeriod ?? 'unset: 0s'}), of which it is a part`, 'set shutdownGracePeriod to at least shutdownGracePeriodCriticalPods');
  }
  if (typeof k.maxParallelImagePulls === 'number' && k.maxParallelImagePulls > 1 && k.serializeImagePulls !== false) {
    err(at('maxParallelImagePulls'), `is ${k.maxParallelImagePulls}, but images are pulled one at a time unless serializeImagePulls is false (the kubelet's default is true)`, 'set serializeImagePulls: false as well');
  }
  const soft = parseKeyValueList(k.evictionSoft ?? '', '<');
  const periods = parseKeyValueList(k.evictionSoftGracePeriod ?? '', '=');
  if (!('error' in soft) && !('error' in periods)) {
    const have = new Set(periods.items.map((p) => p.key));
    for (const { key } of soft.items) {
      if (!have.has(key)) err(at('evictionSoft'), `the soft threshold of ${key} has no grace period in evictionSoftGracePeriod`, `add ${key}=<duration> to evictionSoftGracePeriod, e.g. ${key}=1m30s`);
    }
  }
  if (k.cpuManagerPolicy === 'static' && isZeroQuantity(k.kubeReserved?.cpu) && isZeroQuantity(k.systemReserved?.cpu)) {
    err(at('cpuManagerPolicy'), 'the static CPU manager needs some CPU reserved: kubeReserved.cpu or systemReserved.cpu above 0', 'reserve CPU, e.g. kubeReserved: {cpu: 100m}');
  }
  const enforce = (k.enforceNodeAllocatable ?? '').split(',').map((s) => s.trim());
  for (const [key, cgroup] of [['system-reserved', 'systemReservedCgroup'], ['kube-reserved', 'kubeReservedCgroup']] as const) {
    if ((enforce.includes(key) || enforce.includes(`${key}-compressible`)) && !k[cgroup]) {
      err(at('enforceNodeAllocatable'), `enforces ${key}, which needs ${cgroup}`, `set ${cgroup} (e.g. /system.slice), or do not enforce ${key}`);
    }
  }
}

/** Every kubelet problem of the cluster and its groups, each once. */
export function validateKubelet(r: Reporter, c: Cluster, igs: readonly InstanceGroup[]): void {
  const seen = new Set<string>();
  const err: Err = (path, summary, hint) => {
    const key = `${path}\n${summary}`;
    if (seen.has(key)) return;
    seen.add(key);
    r.err('InvalidKubeletConfig', path, summary, hint);
  };
  const levels = [...kubeletLevels(c, undefined), { path: 'spec.masterKubelet', spec: c.spec.masterKubelet }];
  for (const ig of igs) levels.push(...kubeletLevels(c, ig).slice(-1));
  for (const l of levels) if (l.spec && typeof l.spec === 'object') checkLevel(err, l.path, l.spec);
  const kube = igs.filter((ig) => ['ControlPlane', 'Node', 'APIServer'].includes(normalizeRole(ig.spec.role)));
  checkMerged(err, effectiveKubelet(c));
  for (const ig of kube) checkMerged(err, effectiveKubelet(c, ig));
  for (const ig of igs) {
    if (normalizeRole(ig.spec.role) === 'Bastion' && ig.spec.kubelet != null) {
      r.warn('FieldNotActedOn', `InstanceGroup/${ig.metadata.name} spec.kubelet`, 'a bastion runs no kubelet; kept as is', 'remove it');
    }
  }
}
