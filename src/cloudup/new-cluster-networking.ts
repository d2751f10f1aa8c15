/**
 * `--networking <mode>` → `spec.networking`, as kops's setupNetworking maps it. Only the CNIs the
 * kops-ts model knows are offered; kops's `external`, `kopeio` and `weave` are refused with a
 * clear message rather than written into a spec nothing would act on.
 */

/** The `--networking` values kops-ts accepts, kops's spellings and aliases included. */
export const KNOWN_NETWORKING = [
  'cilium',
  'cilium-etcd',
  'cilium-eni',
  'calico',
  'canal',
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
