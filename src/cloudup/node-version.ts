/**
 * `update cluster`'s kubelet skew protection (src/model/kubelet-skew.ts decides): reads the
 * control-plane kubelets through the caller's reader only when a node group could otherwise move
 * ahead of them, and says what it decided.
 */
import type { Diagnostic } from '../diagnostics.js';
import { normalizeRole, type Cluster, type InstanceGroup } from '../model/api/types.js';
import {
  decideNodeVersion,
  heldBackRole,
  needsControlPlaneKubelets,
  nodeVersionWarnings,
  recordNodeVersion,
  type ControlPlaneKubelets,
  type NodeVersionDecision,
} from '../model/kubelet-skew.js';
import type { RunningKubelet } from './upgrade-cluster.js';

/** Reads the control-plane nodes' kubelets (the CLI: through the cluster's kubeconfig context, 10 s a request). */
export type ControlPlaneKubeletReader = () => Promise<readonly RunningKubelet[]>;

/** The control plane's kubelet versions are a check, not the command's job: a slow API does not hold it up long (as upgrade cluster). */
const KUBELET_READ_TIMEOUT_MS = 10_000;

/**
 * The reader the CLI gives `update cluster`: the Nodes labelled `node-role.kubernetes.io/control-plane`
 * through the kubeconfig context named after the cluster (`kubeconfig`, else `$KUBECONFIG`'s files,
 * else ~/.kube/config), 10 s a request. The Kubernetes client is loaded only when it is called.
 */
export function kubeconfigKubeletReader(o: { readonly clusterName: string; readonly kubeconfig?: string; readonly env?: Readonly<Record<string, string | undefined>>; readonly signal?: AbortSignal }): ControlPlaneKubeletReader {
  return async () => {
    const [{ kubeClient }, { readKubeletVersions, CONTROL_PLANE_NODE_LABEL }] = await Promise.all([import('../kube/client.js'), import('../kube/kubelets.js')]);
    const client = kubeClient({ clusterName: o.clusterName, requestTimeoutMs: KUBELET_READ_TIMEOUT_MS, ...(o.env ? { env: o.env } : {}), ...(o.kubeconfig !== undefined ? { kubeconfig: o.kubeconfig } : {}) });
    return readKubeletVersions(client, o.signal, CONTROL_PLANE_NODE_LABEL);
  };
}

export interface NodeVersionPlan {
  readonly decision: NodeVersionDecision;
  /** For the model: set only when node groups are held back, so a cluster at one version renders as before. */
  readonly nodeKubernetesVersion?: string;
  readonly warnings: readonly Diagnostic[];
  /** The completed spec to record, with what the node groups now have (`NODE_VERSION_ANNOTATION`). */
  record(cluster: Cluster): Cluster;
}

export interface NodeVersionInput {
  readonly clusterName: string;
  readonly completed: { readonly cluster: Cluster; readonly instanceGroups: readonly InstanceGroup[] };
  /** The groups whose templates this run renders. */
  readonly rendered: readonly InstanceGroup[];
  readonly lastNodeVersion?: string;
  readonly ignoreSkew?: boolean;
  readonly read?: ControlPlaneKubeletReader;
}

export async function planNodeVersion(i: NodeVersionInput): Promise<NodeVersionPlan> {
  const specVersion = i.completed.cluster.spec.kubernetesVersion ?? '';
  const nodeGroups = i.rendered.filter((g) => heldBackRole(normalizeRole(g.spec.role))).map((g) => g.metadata.name);
  const base = { specVersion, ...(i.lastNodeVersion !== undefined ? { lastNodeVersion: i.lastNodeVersion } : {}), ...(i.ignoreSkew ? { ignoreSkew: true } : {}) };
  let controlPlane: ControlPlaneKubelets | undefined;
  if (needsControlPlaneKubelets(base, nodeGroups.length > 0)) controlPlane = await readControlPlane(i.read);
  const decision = decideNodeVersion({ ...base, ...(controlPlane ? { controlPlane } : {}) });
  const rendered = new Set(i.rendered.map((g) => g.metadata.name));
  return {
    decision,
    ...(decision.heldBack ? { nodeKubernetesVersion: decision.nodeVersion } : {}),
    warnings: nodeVersionWarnings(i.clusterName, decision, specVersion, nodeGroups),
    record: (cluster) => recordNodeVersion(cluster, i.completed.instanceGroups, rendered, decision.nodeVersion, i.lastNodeVersion),
  };
}

async function readControlPlane(read: ControlPlaneKubeletReader | undefined): Promise<ControlPlaneKubelets> {
  if (!read) return { unreadable: 'no Kubernetes API reader was given to update cluster' };
  try {
    return { versions: (await read()).map((k) => k.version) };
  } catch (e) {
    return { unreadable: e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e) };
  }
}
