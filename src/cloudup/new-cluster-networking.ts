/**
 * `--networking <mode>` → `spec.networking`, as kops's setupNetworking maps it. Only the CNIs the
 * kops-ts model knows are offered; kops's `external`, `kopeio` and `weave` are refused with a
 * clear message rather than written into a spec nothing would act on.
 */
import { OLDEST_SUPPORTED_KUBERNETES_VERSION } from '../version.js';

/**
 * kops's `--networking` values that no Kubernetes version kops-ts supports can run, with why: refused
 * by name rather than as unknown (kops itself refuses canal for Kubernetes >= 1.28).
 */
export const RETIRED_NETWORKING: Readonly<Record<string, string>> = {
  canal: `Canal is not supported for Kubernetes >= 1.28, and kops-ts supports ${OLDEST_SUPPORTED_KUBERNETES_VERSION} and newer`,
};

/** The `--networking` values kops-ts accepts, kops's spellings and aliases included. */
export const KNOWN_NETWORKING = [
  'cilium',
  'cilium-etcd',
  'cilium-eni',
  'calico',
  'flannel',
  'flannel-vxlan',
  'flannel-udp',
  'kindnet',
  'kubenet',
  'kube-router',
  'amazonvpc',
  'amazon-vpc-routed-eni',
  'cni',
  'gce',
  'gcp',
] as const;

/** kops replaces kube-proxy for these (Cilium's and kube-router's own service proxy). */
export function usesKubeProxyReplacement(mode: string): boolean {
  return mode.startsWith('cilium') || mode === 'kube-router';
}

export function networkingSpec(mode: string): Record<string, Record<string, unknown>> {
  switch (mode) {
    case 'cilium':
      return { cilium: { enableNodePort: true } };
    case 'cilium-etcd':
      return { cilium: { enableNodePort: true, etcdManaged: true } };
    case 'cilium-eni':
      return { cilium: { enableNodePort: true, ipam: 'eni' } };
    case 'flannel':
    case 'flannel-vxlan':
      return { flannel: { backend: 'vxlan' } };
    case 'flannel-udp':
      return { flannel: { backend: 'udp' } };
    case 'kube-router':
      return { kuberouter: {} };
    case 'amazonvpc':
    case 'amazon-vpc-routed-eni':
      return { amazonvpc: {} };
    case 'gce':
    case 'gcp':
      return { gce: {} };
    default:
      return { [mode]: {} };
  }
}

/**
 * kops's `create cluster`, after `--set`: Calico's eBPF data plane replaces kube-proxy (and from
 * Calico 3.31 binds kube-proxy's health port), so a spec that turns it on gets
 * `kubeProxy.enabled: false` unless it says otherwise (cmd/kops/create_cluster.go). A spec that
 * keeps kube-proxy on is then refused by validation, as kops refuses it.
 */
export function disableKubeProxyForCalicoBPF(spec: Record<string, unknown>): void {
  const networking = spec.networking as { calico?: { bpfEnabled?: unknown } } | undefined;
  if (networking?.calico?.bpfEnabled !== true) return;
  const current = spec.kubeProxy ?? {};
  // A kubeProxy that is not an object is the user's mistake, left for the schema check to name.
  if (typeof current !== 'object' || Array.isArray(current)) return;
  const kubeProxy = current as Record<string, unknown>;
  if (kubeProxy.enabled === undefined || kubeProxy.enabled === null) kubeProxy.enabled = false;
  spec.kubeProxy = kubeProxy;
}
