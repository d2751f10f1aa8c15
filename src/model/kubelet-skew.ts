/**
 * Nodes never run ahead of the control plane (kops's kubelet skew protection, `update_cluster.go`
 * `checkControlPlaneRunningVersion`): after `upgrade cluster` raises `spec.kubernetesVersion`,
 * every group's template would install the new kubelet and kubeadm at once, and a node launched
 * before the control plane is rolled (a scale-up, a replaced or interrupted instance) would run a
 * kubelet newer than the API server, which Kubernetes' skew policy forbids and `kubeadm join`'s
 * preflight refuses. So `update` renders the node groups (Node, Bastion) with the oldest
 * control-plane kubelet's version while that is older than the spec; control planes and API
 * servers always get the spec's.
 *
 * Pure: the caller reads the control-plane kubelets (src/kube/kubelets.ts) only when
 * `needsControlPlaneKubelets` says so, and records what the node groups were rendered with
 * (`NODE_VERSION_ANNOTATION` on the completed spec) so that the next run knows they lag.
 *
 * When the versions cannot be read, the safe fallback is the version the node groups were last
 * rendered with: the completed spec says what was last applied to the control plane's templates,
 * not that its instances were replaced, so it proves nothing about what the API server runs. Node
 * groups therefore never move forward without the API's word (kops assumes instead, silently, that
 * no upgrade is in progress).
 */
import semver from 'semver';
import { warning, type Diagnostic } from '../diagnostics.js';
import { normalizeRole, type Cluster, type InstanceGroup, type NormalizedRole } from './api/types.js';
import { parseKubernetesVersion } from './kubernetes-version.js';

/**
 * On the completed spec: the version the node groups were last rendered with, when it was older
 * than `spec.kubernetesVersion` (absent when they run the spec's).
 */
export const NODE_VERSION_ANNOTATION = 'kops-ts.io/node-kubernetes-version';

/** The roles whose kubelet must not be newer than the control plane's. */
export function heldBackRole(role: NormalizedRole): boolean {
  return role === 'Node' || role === 'Bastion';
}

/** What was read of the control plane's kubelets: their versions, or why they could not be. */
export type ControlPlaneKubelets = { readonly versions: readonly string[] } | { readonly unreadable: string };

export interface NodeVersionInput {
  /** `spec.kubernetesVersion` (completed). */
  readonly specVersion: string;
  /** The version the node groups were last rendered with (annotation, else the completed spec's); absent before the first apply. */
  readonly lastNodeVersion?: string;
  /** The control-plane kubelets read; absent when not read (not needed, or the flag). */
  readonly controlPlane?: ControlPlaneKubelets;
  /** `--ignore-kubelet-version-skew`. */
  readonly ignoreSkew?: boolean;
}

export type NodeVersionReason = 'spec' | 'ignored' | 'control-plane' | 'unreadable';

export interface NodeVersionDecision {
  /** The version Node and Bastion groups are rendered with. */
  readonly nodeVersion: string;
  /** Whether that is older than the spec's. */
  readonly heldBack: boolean;
  readonly reason: NodeVersionReason;
  /** The oldest control-plane kubelet (`v1.35.2`), when read. */
  readonly oldestControlPlane?: string;
  /** Why the versions could not be read, when they could not. */
  readonly unreadable?: string;
}

const bare = (v: string): string => v.trim().replace(/^v/, '');

function older(a: string, b: string): boolean {
  const pa = parseKubernetesVersion(a);
  const pb = parseKubernetesVersion(b);
  return pa !== undefined && pb !== undefined && semver.lt(pa, pb);
}

/**
 * Whether the control plane's kubelets must be read: only when a node group could otherwise get a
 * version newer than it was last rendered with (a no-op update asks nothing).
 */
export function needsControlPlaneKubelets(i: Omit<NodeVersionInput, 'controlPlane'>, nodeGroupsRendered: boolean): boolean {
  if (i.ignoreSkew || !nodeGroupsRendered || i.lastNodeVersion === undefined) return false;
  return older(i.lastNodeVersion, i.specVersion);
}

/** The version the node groups get. */
export function decideNodeVersion(i: NodeVersionInput): NodeVersionDecision {
  const spec = i.specVersion;
  if (i.ignoreSkew) return { nodeVersion: spec, heldBack: false, reason: 'ignored' };
  const cp = i.controlPlane;
  if (cp === undefined) return { nodeVersion: spec, heldBack: false, reason: 'spec' };
  const parsed = 'versions' in cp ? cp.versions.filter((v) => parseKubernetesVersion(v) !== undefined) : [];
  if ('unreadable' in cp || parsed.length === 0) {
    const why = 'unreadable' in cp ? cp.unreadable : cp.versions.length === 0 ? 'no control-plane node was found' : `no control-plane kubelet version could be parsed (${cp.versions.join(', ')})`;
    const last = i.lastNodeVersion;
    const keep = last !== undefined && older(last, spec) ? bare(last) : spec;
    return { nodeVersion: keep, heldBack: keep !== spec, reason: 'unreadable', unreadable: why };
  }
  const oldest = parsed.reduce((a, b) => (older(b, a) ? b : a));
  if (!older(oldest, spec)) return { nodeVersion: spec, heldBack: false, reason: 'control-plane', oldestControlPlane: oldest };
  return { nodeVersion: bare(oldest), heldBack: true, reason: 'control-plane', oldestControlPlane: oldest };
}

/** A group's Kubernetes version: control planes and API servers the spec's, Node and Bastion groups `nodeVersion`. */
export function groupKubernetesVersion(role: NormalizedRole, specVersion: string, nodeVersion: string | undefined): string {
  return heldBackRole(role) && nodeVersion !== undefined ? nodeVersion : specVersion;
}

/**
 * The version the node groups were last rendered with, from the previous completed spec: its
 * annotation when they lagged, else its `spec.kubernetesVersion`; undefined before the first apply.
 */
export function lastNodeVersionOf(previous: Cluster | undefined): string | undefined {
  if (!previous) return undefined;
  return previous.metadata.annotations?.[NODE_VERSION_ANNOTATION] ?? previous.spec.kubernetesVersion;
}

/**
 * The completed spec to record: the annotation set to the oldest version a node group now has
 * (rendered now, or kept from the last run for groups not selected), removed when none lags.
 */
export function recordNodeVersion(cluster: Cluster, groups: readonly InstanceGroup[], rendered: ReadonlySet<string>, nodeVersion: string, lastNodeVersion: string | undefined): Cluster {
  const spec = cluster.spec.kubernetesVersion ?? '';
  let oldest = spec;
  for (const g of groups) {
    if (!heldBackRole(normalizeRole(g.spec.role))) continue;
    const v = rendered.has(g.metadata.name) ? nodeVersion : (lastNodeVersion ?? spec);
    if (older(v, oldest)) oldest = bare(v);
  }
  const { [NODE_VERSION_ANNOTATION]: _old, ...others } = cluster.metadata.annotations ?? {};
  const annotations = oldest === spec ? others : { ...others, [NODE_VERSION_ANNOTATION]: oldest };
  const { annotations: _a, ...metadata } = cluster.metadata;
  return { ...cluster, metadata: { ...metadata, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) } };
}

/**
 * The plan's one warning line when node groups are held back: which groups, both versions, why,
 * and what to do. An unreadable control plane is said in the same line.
 */
export function nodeVersionWarnings(cluster: string, d: NodeVersionDecision, spec: string, groups: readonly string[]): Diagnostic[] {
  if (!d.heldBack || groups.length === 0) {
    // Unread with nothing held back: nothing lags, nothing to say.
    return [];
  }
  const todo = `roll the control plane (kops-ts rolling-update cluster --name ${cluster} --instance-group-roles control-plane --yes), then run kops-ts update cluster --name ${cluster} --yes again`;
  if (d.reason === 'unreadable') {
    return [warning('KubeletVersionsUnreadable', `instance group(s) ${groups.join(', ')} keep Kubernetes ${d.nodeVersion}, not ${spec}: the control plane's kubelet versions could not be read (${d.unreadable ?? 'unknown'}), and nodes are not moved ahead of what it may run; once it answers, run kops-ts update cluster --name ${cluster} --yes again (or pass --ignore-kubelet-version-skew)`)];
  }
  return [warning('NodesHeldBack', `instance group(s) ${groups.join(', ')} get Kubernetes ${d.nodeVersion}, not ${spec}: the oldest control-plane kubelet runs ${d.oldestControlPlane ?? '?'}; ${todo}`)];
}
