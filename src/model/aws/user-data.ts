/**
 * The launch templates' user-data. The real node bootstrap (cloud-init installing containerd,
 * kubelet and kubeadm, and joining with the cluster's PKI) comes with the PKI/bootstrap work;
 * until then every instance gets this placeholder, which says plainly that it bootstraps nothing.
 *
 * The script's content is a pure function of the instance group's identity, so a second
 * `update cluster` sees no change, and a change to it (later: to the bootstrap configuration)
 * shows up as a new launch-template version, which is what marks instances for a rolling update.
 */
import type { InstanceGroup } from '../api/types.js';

export const USER_DATA_PLACEHOLDER_VERSION = 1;

export function placeholderUserData(cluster: string, ig: InstanceGroup, kubernetesVersion: string): string {
  return [
    '#!/bin/bash',
    '# kops-ts placeholder user-data (version ' + String(USER_DATA_PLACEHOLDER_VERSION) + ').',
    '# This instance is NOT bootstrapped into a Kubernetes cluster: kops-ts does not yet generate',
    '# node bootstrap configuration (containerd, kubelet, kubeadm join). It only records who it is.',
    'set -euo pipefail',
    'mkdir -p /etc/kops-ts',
    "cat > /etc/kops-ts/instance-group <<'KOPS_TS_EOF'",
    `cluster: ${cluster}`,
    `instanceGroup: ${ig.metadata.name}`,
    `role: ${ig.spec.role}`,
    `kubernetesVersion: ${kubernetesVersion}`,
    'KOPS_TS_EOF',
    'echo "kops-ts: placeholder user-data ran; no Kubernetes bootstrap was performed" >&2',
    '',
  ].join('\n');
}
