/**
 * The kubelet's configuration from the spec (docs/bootstrap.md, "The kubelet's configuration"):
 * kops's KubeletConfigSpec fields kops-ts acts on → kubelet.config.k8s.io/v1beta1's names
 * (evictions from kops's strings to maps, `enforceNodeAllocatable` to a list, `logLevel` to
 * `logging.verbosity`, durations kept as Go durations).
 *
 * Two places carry it:
 * - kubeadm-init.yaml's KubeletConfiguration: the cluster-wide settings (`spec.kubelet`). `kubeadm
 *   init` stores it in the `kubelet-config` ConfigMap, which every `kubeadm join` downloads. It is
 *   written once, when the cluster is created: a later change of the spec never reaches it.
 * - each group's kubeadm patch (`kubeletconfiguration+merge.yaml` in the patches directory its
 *   Init/JoinConfiguration names): the group's merged settings (src/model/kubelet.ts: cluster, then
 *   masterKubelet for control planes, then the group's), applied by kubeadm over whatever the
 *   ConfigMap holds before it writes /var/lib/kubelet/config.yaml. Two JSON merge patches
 *   (RFC 7386) in one file, applied in order: the first deletes every field kops-ts sets (so a
 *   setting removed from the spec, or a map key, does not survive from the ConfigMap; the kubelet
 *   then uses its default), the second sets the group's values. Every group gets it, so what a
 *   node runs is the spec of the day it booted, whatever the ConfigMap was created with.
 *
 * `kubeletConfigHash` names the patch in the user data, so a change of a group's kubelet settings
 * changes its launch template (instance template on GCE) and `rolling-update` replaces its instances.
 */
import { createHash } from 'node:crypto';
import { yaml11 } from './yaml-1-1.js';
import { effectiveKubelet, keyValueMap } from '../model/kubelet.js';
import type { Cluster, InstanceGroup, KubeletConfigSpec } from '../model/api/types.js';
import { DNS_DOMAIN, specError } from './cluster-endpoints.js';

export const KUBELET_API_VERSION = 'kubelet.config.k8s.io/v1beta1';
export const CRI_SOCKET = 'unix:///run/containerd/containerd.sock';

type Doc = Record<string, unknown>;

/** The v1beta1 fields kops-ts sets from the spec, deleted by the patch's first document. */
const RESET: Doc = {
  maxPods: null, podPidsLimit: null, kubeReserved: null, systemReserved: null, kubeReservedCgroup: null,
  systemReservedCgroup: null, enforceNodeAllocatable: null, evictionHard: null, evictionSoft: null,
  evictionSoftGracePeriod: null, imageGCHighThresholdPercent: null, imageGCLowThresholdPercent: null,
  cpuManagerPolicy: null, topologyManagerPolicy: null, serializeImagePulls: null, maxParallelImagePulls: null,
  registryPullQPS: null, registryBurst: null, cpuCFSQuota: null, cpuCFSQuotaPeriod: null, readOnlyPort: null,
  shutdownGracePeriod: null, shutdownGracePeriodCriticalPods: null, allowedUnsafeSysctls: null, featureGates: null,
  logging: { verbosity: null },
};

/** Fields whose name and value are the same in kops's spec and in v1beta1. */
const SAME = [
  'maxPods', 'podPidsLimit', 'kubeReservedCgroup', 'systemReservedCgroup', 'imageGCHighThresholdPercent',
  'imageGCLowThresholdPercent', 'cpuManagerPolicy', 'topologyManagerPolicy', 'serializeImagePulls', 'maxParallelImagePulls',
  'registryPullQPS', 'registryBurst', 'cpuCFSQuota', 'cpuCFSQuotaPeriod', 'readOnlyPort', 'shutdownGracePeriod',
  'shutdownGracePeriodCriticalPods',
] as const;

/** kops's feature gates are strings (`"true"`); the kubelet's are booleans. */
function gates(cluster: string, path: string, raw: Record<string, string> | undefined): Record<string, boolean> | undefined {
  if (raw == null) return undefined;
  const out: Record<string, boolean> = {};
  for (const k of Object.keys(raw).sort()) {
    const s = String(raw[k]).toLowerCase();
    if (s !== 'true' && s !== 'false') throw specError(cluster, `${path}.featureGates.${k}`, `is ${JSON.stringify(raw[k])}; a feature gate is "true" or "false"`);
    out[k] = s === 'true';
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function sortedMap(m: Record<string, string> | undefined): Record<string, string> | undefined {
  if (m == null || Object.keys(m).length === 0) return undefined;
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]!]));
}

/**
 * The v1beta1 fields of merged kops settings, only those set, keys in a fixed order (the rendered
 * YAML is deterministic). `anonymousAuth` is always given: unset, the kubelet would allow it.
 */
export function kubeletFields(cluster: string, k: KubeletConfigSpec, from: Readonly<Record<string, string>> = {}): Doc {
  const out: Doc = { authentication: { anonymous: { enabled: k.anonymousAuth === true } } };
  for (const f of SAME) if (k[f] != null) out[f] = k[f];
  const put = (name: string, v: unknown) => {
    if (v !== undefined) out[name] = v;
  };
  put('kubeReserved', sortedMap(k.kubeReserved));
  put('systemReserved', sortedMap(k.systemReserved));
  put('enforceNodeAllocatable', k.enforceNodeAllocatable?.split(',').map((s) => s.trim()).filter((s) => s !== ''));
  put('evictionHard', sortedMap(keyValueMap(k.evictionHard, '<')));
  put('evictionSoft', sortedMap(keyValueMap(k.evictionSoft, '<')));
  put('evictionSoftGracePeriod', sortedMap(keyValueMap(k.evictionSoftGracePeriod, '=')));
  if (k.allowedUnsafeSysctls != null && k.allowedUnsafeSysctls.length > 0) out.allowedUnsafeSysctls = [...k.allowedUnsafeSysctls];
  put('featureGates', gates(cluster, from.featureGates ?? 'spec.kubelet', k.featureGates));
  if (k.logLevel != null) out.logging = { verbosity: k.logLevel };
  return out;
}

/** kubeadm-init.yaml's KubeletConfiguration: kops-ts's fixed settings and the cluster-wide ones (`spec.kubelet`). */
export function kubeletConfiguration(c: Cluster): { apiVersion: string; kind: string } & Doc {
  const m = effectiveKubelet(c);
  return {
    apiVersion: KUBELET_API_VERSION,
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
    containerRuntimeEndpoint: CRI_SOCKET,
    clusterDomain: DNS_DOMAIN,
    ...kubeletFields(c.metadata.name, m.spec, m.from),
  };
}

/** The group's kubeadm patch of target `kubeletconfiguration` (merge): reset, then the group's settings. */
export function kubeletPatch(c: Cluster, ig: InstanceGroup): string {
  const m = effectiveKubelet(c, ig);
  return [
    '# kops-ts: this group\'s kubelet settings (src/bootstrap/kubelet-config.ts), a kubeadm patch of the\n',
    '# kubelet-config ConfigMap; first every field kops-ts sets is deleted, then the spec\'s are set.\n',
    yaml11(RESET),
    '---\n',
    yaml11(kubeletFields(c.metadata.name, m.spec, m.from)),
  ].join('');
}

/** A short digest of the group's patch, named in its user data so that a change rolls its instances. */
export function kubeletConfigHash(c: Cluster, ig: InstanceGroup): string {
  return createHash('sha256').update(kubeletPatch(c, ig)).digest('hex').slice(0, 16);
}
