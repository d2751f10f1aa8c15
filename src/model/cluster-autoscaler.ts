/**
 * kops's `spec.clusterAutoscaler`: which groups the autoscaler may scale, kops's defaults
 * (pkg/model/components/clusterautoscaler.go) and the checks of its fields. The addon itself is
 * rendered by src/bootstrap/cluster-autoscaler.ts; the discovery tags go on the autoscaling groups
 * (src/model/aws/compute.ts) and its grants on the control-plane role (src/model/aws/iam-policies.ts).
 *
 * AWS only: kops discovers GCE's managed instance groups too, which kops-ts does not build yet, so
 * `enabled: true` on GCE is refused (docs/spec.md, "Cluster autoscaler").
 */
import { normalizeRole, type ClusterAutoscalerSpec, type ClusterSpec, type InstanceGroup } from './api/types.js';
import { minorOf, parseKubernetesVersion } from './kubernetes-version.js';
import { parseGoDuration } from './kubelet.js';
import { pathKey } from './api/check.js';
import { igPath, type Reporter } from './validation-util.js';

/** The tag every group the autoscaler may scale carries (its `--node-group-auto-discovery`). */
export const AUTOSCALER_ENABLED_TAG = 'k8s.io/cluster-autoscaler/enabled';
/** The tag naming the cluster, so that one cluster's autoscaler never scales another's groups. */
export const autoscalerClusterTag = (cluster: string): string => `k8s.io/cluster-autoscaler/${cluster}`;

/** The expanders kops accepts (validateClusterAutoscaler); `price` is GCE's. */
export const EXPANDERS = ['least-waste', 'most-pods', 'random', 'priority', 'price'] as const;

/**
 * The image kops picks per Kubernetes minor (`registry.k8s.io/autoscaling/cluster-autoscaler`);
 * any other minor gets the newest, as kops does.
 */
export const CLUSTER_AUTOSCALER_IMAGE_REPOSITORY = 'registry.k8s.io/autoscaling/cluster-autoscaler';
export const CLUSTER_AUTOSCALER_IMAGE_TAGS: Readonly<Record<string, string>> = {
  '1.32': 'v1.32.7',
  '1.33': 'v1.33.5',
  '1.34': 'v1.34.4',
  '1.35': 'v1.35.1',
  '1.36': 'v1.36.0',
};
const NEWEST_TAG = 'v1.36.0';

/** The default image for a Kubernetes version, or undefined when the version does not parse. */
export function defaultAutoscalerImage(kubernetesVersion: string | undefined): string | undefined {
  const v = parseKubernetesVersion(kubernetesVersion);
  if (!v) return undefined;
  return `${CLUSTER_AUTOSCALER_IMAGE_REPOSITORY}:${CLUSTER_AUTOSCALER_IMAGE_TAGS[minorOf(v)] ?? NEWEST_TAG}`;
}

export function clusterAutoscalerEnabled(spec: ClusterSpec | undefined): boolean {
  return spec?.clusterAutoscaler?.enabled === true;
}

/**
 * Whether the autoscaler may scale the group: a node group (not a control plane, API server or
 * bastion, as kops's `HasNode`) whose `autoscale` is not false.
 */
export function autoscaledGroup(ig: InstanceGroup): boolean {
  return normalizeRole(ig.spec.role) === 'Node' && ig.spec.autoscale !== false;
}

/** The autoscaling group's discovery tags when the cluster's autoscaler may scale it, else none. */
export function autoscalerDiscoveryTags(spec: ClusterSpec, cluster: string, ig: InstanceGroup): Record<string, string> {
  if (!clusterAutoscalerEnabled(spec) || !autoscaledGroup(ig)) return {};
  return { [AUTOSCALER_ENABLED_TAG]: '1', [autoscalerClusterTag(cluster)]: '1' };
}

/** Whether kops-ts writes the priority expander's ConfigMap (completed spec). */
export function writesPriorityConfig(ca: ClusterAutoscalerSpec): boolean {
  return ca.expander === 'priority' && ca.createPriorityExpanderConfig !== false;
}

/**
 * kops's defaults, filled only when the autoscaler is enabled (as kops). Two differ from kops's
 * code on purpose: `createPriorityExpanderConfig` defaults to true with the priority expander but
 * an explicit false is kept (kops overwrites it, against its own docs); `cordonNodeBeforeTerminating`,
 * `cpuRequest` and `memoryRequest` are written with the values kops's template uses when unset.
 */
export function completeClusterAutoscaler(spec: ClusterSpec): void {
  const ca = spec.clusterAutoscaler;
  if (!ca || ca.enabled !== true) return;
  const image = defaultAutoscalerImage(spec.kubernetesVersion);
  if (ca.image == null && image) ca.image = image;
  ca.expander ??= 'random';
  ca.ignoreDaemonSetsUtilization ??= false;
  ca.scaleDownUtilizationThreshold ??= '0.5';
  ca.skipNodesWithCustomControllerPods ??= true;
  ca.skipNodesWithLocalStorage ??= true;
  ca.skipNodesWithSystemPods ??= true;
  ca.balanceSimilarNodeGroups ??= false;
  ca.emitPerNodegroupMetrics ??= false;
  ca.awsUseStaticInstanceList ??= false;
  ca.newPodScaleUpDelay ??= '0s';
  ca.scaleDownDelayAfterAdd ??= '10m0s';
  ca.scaleDownUnneededTime ??= '10m0s';
  ca.scaleDownUnreadyTime ??= '20m0s';
  ca.maxNodeProvisionTime ??= '15m0s';
  ca.cordonNodeBeforeTerminating ??= true;
  ca.cpuRequest ??= '100m';
  ca.memoryRequest ??= '300Mi';
  if (ca.expander === 'priority') ca.createPriorityExpanderConfig ??= true;
}

const DURATIONS = ['newPodScaleUpDelay', 'scaleDownDelayAfterAdd', 'scaleDownUnneededTime', 'scaleDownUnreadyTime', 'maxNodeProvisionTime'] as const;
/** A Kubernetes resource quantity (apimachinery's format). */
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;
/** A Kubernetes annotation key: an optional DNS-subdomain prefix and a name of at most 63 characters. */
const ANNOTATION_KEY = /^(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)\/)?([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

/** The API server's limit on an object's annotations, keys and values together (apimachinery's TotalAnnotationSizeLimitB). */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;
/** The addon's own pod annotations (prometheus.io/port: "8085", prometheus.io/scrape: "true"), which the pod template also carries. */
const OWN_ANNOTATION_BYTES = 'prometheus.io/port'.length + 4 + 'prometheus.io/scrape'.length + 4;

/** A utilization in [0, 1] as the flag takes it (a plain decimal: `0.5`, `"0.5"`), else undefined. */
export function utilization(v: string | number): string | undefined {
  const text = typeof v === 'number' ? String(v) : v.trim();
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text)) return undefined;
  return Number(text) <= 1 ? text : undefined;
}

/** Every problem of `spec.clusterAutoscaler` and of the groups' `autoscale`/`autoscalePriority`. */
export function validateClusterAutoscaler(r: Reporter, spec: ClusterSpec, igs: readonly InstanceGroup[], cloud: string | undefined): void {
  const ca = spec.clusterAutoscaler;
  const at = (f: string) => `spec.clusterAutoscaler.${f}`;
  const enabled = ca?.enabled === true;
  if (ca && enabled && cloud === 'gce') {
    r.err('UnsupportedField', at('enabled'), 'the cluster autoscaler is AWS-only in kops-ts for now: kops discovers GCE\'s managed instance groups, which kops-ts does not do yet', 'remove clusterAutoscaler (or set enabled: false) on GCE');
  }
  if (ca) checkFields(r, ca, at, cloud);
  if (ca && !enabled && Object.keys(ca).some((k) => k !== 'enabled')) {
    r.warn('FieldNotActedOn', 'spec.clusterAutoscaler', 'the cluster autoscaler is not enabled: its settings are kept as is and nothing runs', 'set clusterAutoscaler.enabled: true to run it');
  }
  const priorities = enabled && ca!.expander === 'priority' && ca!.createPriorityExpanderConfig !== false && ca!.customPriorityExpanderConfig == null;
  for (const ig of igs) {
    const s = ig.spec;
    if (s == null) continue;
    const name = ig.metadata?.name ?? '';
    const node = normalizeRole(s.role) === 'Node';
    if (s.autoscale != null && (!enabled || !node)) {
      r.warn('FieldNotActedOn', igPath(name, 'spec.autoscale'), enabled ? 'the cluster autoscaler scales node groups only: kept as is' : 'the cluster autoscaler is not enabled (spec.clusterAutoscaler.enabled): kept as is', 'remove it, or enable the cluster autoscaler');
    }
    if (s.autoscalePriority != null && (!priorities || !node || s.autoscale === false)) {
      r.warn('FieldNotActedOn', igPath(name, 'spec.autoscalePriority'), "read only for the priority expander's ConfigMap that kops-ts writes (clusterAutoscaler enabled, expander: priority, no customPriorityExpanderConfig) of a node group the autoscaler scales: kept as is", 'remove it, or set clusterAutoscaler.expander: priority');
    }
  }
}

function checkFields(r: Reporter, ca: ClusterAutoscalerSpec, at: (f: string) => string, cloud: string | undefined): void {
  if (ca.expander != null) {
    if (!(EXPANDERS as readonly string[]).includes(ca.expander)) {
      r.err('InvalidValue', at('expander'), `${JSON.stringify(ca.expander)} is not an expander kops supports`, `use one of ${EXPANDERS.filter((e) => e !== 'price').join(', ')}`);
    } else if (ca.expander === 'price' && cloud !== 'gce') {
      r.err('InvalidValue', at('expander'), 'the price expander is GCE-only (as in kops)', 'use least-waste, most-pods, random or priority');
    }
  }
  const t = ca.scaleDownUtilizationThreshold;
  if (t != null) {
    if (utilization(t) === undefined) {
      r.err('InvalidValue', at('scaleDownUtilizationThreshold'), `${typeof t === 'number' ? String(t) : JSON.stringify(t)} is not a utilization between 0 and 1`, 'give a decimal such as "0.5"');
    }
  }
  for (const f of DURATIONS) {
    const v = ca[f];
    if (v == null) continue;
    const ns = typeof v === 'string' ? parseGoDuration(v) : undefined;
    if (ns === undefined || ns < 0) r.err('InvalidDuration', at(f), `${JSON.stringify(v)} is not a Go duration >= 0`, 'use a duration such as 0s, 30s, 10m0s or 1h');
  }
  for (const f of ['cpuRequest', 'memoryRequest'] as const) {
    const v = ca[f];
    if (v != null && !QUANTITY.test(String(v))) r.err('InvalidQuantity', at(f), `${JSON.stringify(v)} is not a Kubernetes quantity`, f === 'cpuRequest' ? 'use e.g. 100m or 1' : 'use e.g. 300Mi or 1Gi');
  }
  if (ca.image != null && !/^[^\s"']+$/.test(ca.image)) r.err('InvalidValue', at('image'), `${JSON.stringify(ca.image)} is not an image reference`, `use e.g. ${CLUSTER_AUTOSCALER_IMAGE_REPOSITORY}:${NEWEST_TAG}, or remove it for the default of the Kubernetes version`);
  let annotationBytes = OWN_ANNOTATION_BYTES;
  for (const [k, v] of Object.entries(ca.podAnnotations ?? {})) {
    if (!ANNOTATION_KEY.test(k) || k.length > 253 + 1 + 63) r.err('InvalidValue', at(pathKey('podAnnotations', k)), `${JSON.stringify(k)} is not a Kubernetes annotation key`, 'use [prefix/]name, e.g. example.com/team');
    annotationBytes += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (annotationBytes > ANNOTATIONS_MAX_BYTES) {
    r.err('InvalidValue', at('podAnnotations'), `come to ${annotationBytes} bytes with the addon's own annotations, over the ${ANNOTATIONS_MAX_BYTES} bytes the API server takes for an object's annotations (it would refuse the Deployment on every control plane)`, 'shorten or remove annotations');
  }
  const custom = ca.customPriorityExpanderConfig;
  if (custom) {
    for (const [p, names] of Object.entries(custom)) {
      if (!/^-?\d+$/.test(p) || Math.abs(Number(p)) > 2_147_483_647) r.err('InvalidValue', at(pathKey('customPriorityExpanderConfig', p)), `${JSON.stringify(p)} is not a priority: the priority expander's keys are integers`, 'use integer keys such as 100, 50, 0');
      if (names.length === 0) r.err('InvalidValue', at(pathKey('customPriorityExpanderConfig', p)), 'a priority without any group pattern', 'list the autoscaling group name patterns (regular expressions) of this priority, or remove it');
      names.forEach((pattern, i) => {
        const problem = re2Problem(pattern);
        if (problem) r.err('InvalidValue', `${at(pathKey('customPriorityExpanderConfig', p))}[${i}]`, `${JSON.stringify(pattern)} is not a pattern the cluster autoscaler can read (Go's RE2 syntax): ${problem}`, 'write the autoscaling group name pattern without look-arounds or back-references, e.g. .*gpu.*');
      });
    }
  }
}

/**
 * Why `pattern` is not a regular expression the cluster autoscaler (Go, RE2) compiles, or
 * undefined. The priority expander does not use a configuration it cannot parse: with one bad
 * pattern, no priority applies. JavaScript's parser finds the syntax errors both share; RE2 also has
 * no look-arounds, atomic groups or back-references, which JavaScript accepts.
 */
export function re2Problem(pattern: string): string | undefined {
  try {
    // RE2's own group syntax, which JavaScript lacks, as JavaScript writes it: flag groups
    // (`(?i)`, `(?i:...)`) as plain groups, `(?P<name>` as `(?<name>`.
    new RegExp(pattern.replace(/\(\?[imsU-]+\)/g, '').replace(/\(\?[imsU-]+:/g, '(?:').replace(/\(\?P</g, '(?<'));
  } catch (e) {
    return (e as Error).message.replace(/^Invalid regular expression: \/.*\/: /, '');
  }
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || (next === 'k' && pattern[i + 2] === '<'))) return `back-reference \\${next === 'k' ? 'k<' : next} (RE2 has none)`;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const group = /^\(\?(<=|<!|=|!|>)/.exec(pattern.slice(i))?.[1];
      if (group) return `${group === '>' ? 'atomic group' : 'look-around'} (?${group} (RE2 has none)`;
    }
  }
  return undefined;
}
