/**
 * The kubelet versions the cluster's nodes report (`status.nodeInfo.kubeletVersion`): what
 * `upgrade cluster` checks the version-skew policy against, since nodes not yet rolled keep the
 * kubelet they booted with whatever the spec says.
 */
import type { RunningKubelet } from '../cloudup/upgrade-cluster.js';
import { listAll, type KubeClient } from './client.js';
import { translate } from './errors.js';

/** The label kubeadm (and kops) put on control-plane nodes: `update` reads only theirs. */
export const CONTROL_PLANE_NODE_LABEL = 'node-role.kubernetes.io/control-plane';

export async function readKubeletVersions(client: KubeClient, signal?: AbortSignal, labelSelector?: string): Promise<RunningKubelet[]> {
  try {
    const nodes = await listAll((limit, cont) => client.core.listNode({ limit, ...(cont ? { _continue: cont } : {}), ...(labelSelector ? { labelSelector } : {}) }, client.options(signal)));
    return nodes.map((n) => ({ node: n.metadata?.name ?? '', version: n.status?.nodeInfo?.kubeletVersion ?? '' })).filter((k) => k.node !== '' && k.version !== '');
  } catch (e) {
    throw translate(client, 'listing nodes', e);
  }
}
