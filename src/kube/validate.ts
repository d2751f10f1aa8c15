/**
 * THE cluster check, shared by `validate cluster` and the rolling update between steps, after
 * kops's pkg/validation:
 *
 *  - every instance group the spec has must exist in the cloud ("is missing from the cloud provider")
 *    and have at least its target size of attached instances ("did not have enough nodes 1 vs 3");
 *  - every attached instance (bastions excepted) must have joined as a Node ("machine … has not yet
 *    joined cluster"), matched by the instance id in the Node's provider id;
 *  - every Node of a group must be Ready ("node … of role … is not ready");
 *  - every Ready control-plane Node must run kube-apiserver, kube-controller-manager,
 *    kube-scheduler and (kops-ts runs stacked etcd) etcd ("master … is missing … pod");
 *  - every system-cluster-critical / system-node-critical pod must be Running with its containers
 *    Ready ("… pod … is pending", "is unknown phase", "is not ready (c1,c2)").
 *
 * `validateCluster` is the pure core; `clusterValidator` gathers its inputs from a CloudProvider
 * and the Kubernetes API; `waitForValidation` is `--wait/--count/--interval`, on the injected Clock.
 */
import type * as k8s from '@kubernetes/client-node';
import type { InstanceGroup, NormalizedRole } from '../model/api/types.js';
import { normalizeRole } from '../model/api/types.js';
import type { CloudInstanceGroup, CloudProvider, Clock, ClusterValidator, ValidationFailure, ValidationNode, ValidationResult } from '../rolling-update/types.js';
import { KubeUnreachableError, listAll, type KubeClient } from './client.js';
import { instanceIdFromProviderId, nodeReady, translate } from './ops.js';

/** `validate cluster` exits 2 when the cluster does not validate (kops). */
export const VALIDATION_FAILED_EXIT_CODE = 2;

/** The control-plane static pods every control-plane node must run (kops's list plus stacked etcd). */
export const CONTROL_PLANE_PODS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'] as const;

/** A Node as the check needs it. */
export interface ValidationInputNode {
  readonly name: string;
  readonly ready: boolean;
  readonly providerId?: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A Pod as the check needs it. */
export interface ValidationInputPod {
  readonly namespace: string;
  readonly name: string;
  readonly nodeName?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly priorityClassName?: string;
  /** `Pending` | `Running` | `Succeeded` | `Failed` | `Unknown` */
  readonly phase: string;
  /** Containers whose status is not Ready. */
  readonly notReadyContainers: readonly string[];
}

/** A node row of the result, with what kops's `-o json|yaml` shows. */
export interface ValidationNodeDetail extends ValidationNode {
  readonly zone?: string;
  readonly hostname?: string;
  /** The Ready condition's status (`True`, `False`, `Unknown`). */
  readonly status: string;
}

export interface ClusterValidation extends ValidationResult {
  readonly nodes: readonly ValidationNodeDetail[];
}

export interface ValidateClusterInput {
  /** The spec's instance groups (the ones to check). */
  readonly instanceGroups: readonly Pick<InstanceGroup, 'metadata' | 'spec'>[];
  readonly cloudGroups: readonly CloudInstanceGroup[];
  readonly nodes: readonly ValidationInputNode[];
  readonly pods: readonly ValidationInputPod[];
  /**
   * Check no pods, not even the control-plane components (kops's validation with every pod filtered
   * out, as `reconcile cluster` waits for the API after updating the control plane).
   */
  readonly ignorePods?: boolean;
}

/** kops's ROLE column word for an instance group role. */
export function roleWord(role: NormalizedRole): string {
  switch (role) {
    case 'ControlPlane':
      return 'control-plane';
    case 'APIServer':
      return 'apiserver';
    case 'Bastion':
      return 'bastion';
    default:
      return 'node';
  }
}

export function toValidationNode(n: k8s.V1Node): ValidationInputNode {
  return { name: n.metadata?.name ?? '', ready: nodeReady(n), ...(n.spec?.providerID ? { providerId: n.spec.providerID } : {}), labels: { ...(n.metadata?.labels ?? {}) } };
}

export function toValidationPod(p: k8s.V1Pod): ValidationInputPod {
  return {
    namespace: p.metadata?.namespace ?? '',
    name: p.metadata?.name ?? '',
    ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}),
    labels: { ...(p.metadata?.labels ?? {}) },
    ...(p.spec?.priorityClassName ? { priorityClassName: p.spec.priorityClassName } : {}),
    phase: p.status?.phase ?? 'Unknown',
    notReadyContainers: (p.status?.containerStatuses ?? []).filter((c) => !c.ready).map((c) => c.name),
  };
}

/** The pure check. Failures come in kops's order: groups and machines and nodes, then pods. */
export function validateCluster(input: ValidateClusterInput): ClusterValidation {
  const failures: ValidationFailure[] = [];
  const nodesOut: ValidationNodeDetail[] = [];
  const byInstance = new Map<string, ValidationInputNode>();
  const byName = new Map<string, ValidationInputNode>();
  for (const n of input.nodes) {
    const id = instanceIdFromProviderId(n.providerId);
    if (id) byInstance.set(id, n);
    byName.set(n.name, n);
  }
  const nodeGroup = new Map<string, string>();
  const readyNodes: ValidationInputNode[] = [];
  const seen = new Set<string>();
  const wanted = new Set(input.instanceGroups.map((ig) => ig.metadata.name));

  for (const g of input.cloudGroups) {
    if (!wanted.has(g.name)) continue;
    seen.add(g.name);
    // Members of the group: an instance a detach marked but never took out (an interrupted surge)
    // is still one, and until the roll finishes that detach no replacement is launched for it.
    const attached = g.instances.filter((i) => i.state !== 'Detached');
    if (attached.length < g.targetSize) {
      failures.push({ kind: 'InstanceGroup', name: g.name, message: `InstanceGroup ${JSON.stringify(g.name)} did not have enough nodes ${attached.length} vs ${g.targetSize}`, instanceGroup: g.name });
    }
    const role = roleWord(g.role);
    for (const inst of g.instances) {
      const node = byInstance.get(inst.id) ?? (inst.nodeName ? byName.get(inst.nodeName) : undefined);
      if (!node) {
        if (g.role !== 'Bastion' && inst.status !== 'Detached') {
          failures.push({ kind: 'Machine', name: inst.id, message: `machine ${JSON.stringify(inst.id)} has not yet joined cluster`, instanceGroup: g.name });
        }
        continue;
      }
      nodeGroup.set(node.name, g.name);
      if (node.ready) readyNodes.push(node);
      else failures.push({ kind: 'Node', name: node.name, message: `node ${JSON.stringify(node.name)} of role ${JSON.stringify(role)} is not ready`, instanceGroup: g.name });
      const zone = node.labels['topology.kubernetes.io/zone'] ?? node.labels['failure-domain.beta.kubernetes.io/zone'];
      const hostname = node.labels['kubernetes.io/hostname'];
      nodesOut.push({ name: node.name, role, ready: node.ready, instanceGroup: g.name, status: node.ready ? 'True' : 'False', ...(zone ? { zone } : {}), ...(hostname ? { hostname } : {}) });
    }
  }
  for (const ig of input.instanceGroups) {
    if (!seen.has(ig.metadata.name)) {
      failures.push({ kind: 'InstanceGroup', name: ig.metadata.name, message: `InstanceGroup ${JSON.stringify(ig.metadata.name)} is missing from the cloud provider`, instanceGroup: ig.metadata.name });
    }
  }

  // Pods: control-plane static pods on each Ready control-plane node, then system-critical pods.
  const missing = new Map<string, Set<string>>();
  for (const n of input.ignorePods ? [] : readyNodes) {
    if ('node-role.kubernetes.io/control-plane' in n.labels || 'node-role.kubernetes.io/master' in n.labels) missing.set(n.name, new Set(CONTROL_PLANE_PODS));
  }
  const podFailures: ValidationFailure[] = [];
  for (const p of input.pods) {
    const app = p.labels['k8s-app'] ?? p.labels['component'];
    if (p.namespace === 'kube-system' && app && p.nodeName) missing.get(p.nodeName)?.delete(app);
    const priority = p.priorityClassName;
    if (priority !== 'system-cluster-critical' && priority !== 'system-node-critical') continue;
    if (p.phase === 'Succeeded') continue;
    const ig = priority === 'system-node-critical' && p.nodeName ? nodeGroup.get(p.nodeName) : undefined;
    const base = { kind: 'Pod' as const, name: `${p.namespace}/${p.name}`, ...(ig ? { instanceGroup: ig } : {}) };
    if (p.phase === 'Pending') podFailures.push({ ...base, message: `${priority} pod ${JSON.stringify(p.name)} is pending` });
    else if (p.phase === 'Unknown') podFailures.push({ ...base, message: `${priority} pod ${JSON.stringify(p.name)} is unknown phase` });
    else if (p.notReadyContainers.length > 0) podFailures.push({ ...base, message: `${priority} pod ${JSON.stringify(p.name)} is not ready (${p.notReadyContainers.join(',')})` });
  }
  failures.push(...podFailures);
  for (const [node, apps] of [...missing].sort(([a], [b]) => a.localeCompare(b))) {
    for (const app of CONTROL_PLANE_PODS) {
      if (!apps.has(app)) continue;
      const ig = nodeGroup.get(node);
      failures.push({ kind: 'Node', name: node, message: `master ${JSON.stringify(node)} is missing ${app} pod`, ...(ig ? { instanceGroup: ig } : {}) });
    }
  }
  return { failures, nodes: nodesOut, groups: input.cloudGroups.filter((g) => wanted.has(g.name)) };
}

export interface ClusterValidatorOptions {
  readonly clusterName: string;
  readonly instanceGroups: readonly Pick<InstanceGroup, 'metadata' | 'spec'>[];
  readonly cloud: CloudProvider;
  readonly client: KubeClient;
  /** Lists no pods and checks none (`ValidateClusterInput.ignorePods`). */
  readonly ignorePods?: boolean;
}

/**
 * The check against the live cluster. An API that cannot be reached is a failure of kind
 * `ApiServer` (the roll retries validation until its timeout, as kops does), not an exception;
 * other API errors (401, 403…) are thrown.
 */
export function clusterValidator(o: ClusterValidatorOptions): ClusterValidator & { validate(signal?: AbortSignal): Promise<ClusterValidation> } {
  return {
    async validate(signal) {
      const groups = await o.cloud.listGroups(
        o.clusterName,
        o.instanceGroups.map((ig) => ({ name: ig.metadata.name, role: normalizeRole(ig.spec.role) })),
      );
      try {
        const nodes = await listAll((limit, cont) => o.client.core.listNode({ limit, ...(cont ? { _continue: cont } : {}) }, o.client.options(signal)));
        const pods = o.ignorePods ? [] : await listAll((limit, cont) => o.client.core.listPodForAllNamespaces({ limit, ...(cont ? { _continue: cont } : {}) }, o.client.options(signal)));
        return validateCluster({ instanceGroups: o.instanceGroups, cloudGroups: groups, nodes: nodes.map(toValidationNode), pods: pods.map(toValidationPod), ...(o.ignorePods ? { ignorePods: true } : {}) });
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        const t = translate(o.client, 'listing nodes and pods', e);
        if (t instanceof KubeUnreachableError) {
          return { failures: [{ kind: 'ApiServer', name: 'apiserver', message: t.message }], nodes: [], groups };
        }
        throw t;
      }
    },
  };
}

export interface WaitForValidationOptions {
  readonly validator: ClusterValidator;
  readonly clock: Clock;
  /** `--wait`: keep trying this long (0: validate once). */
  readonly waitMs: number;
  /** `--count`: successes in a row required (default 1). */
  readonly count?: number;
  /** `--interval` between attempts (kops default 10 s). */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
  /** Called after each attempt (progress lines). */
  readonly onAttempt?: (r: ValidationResult, consecutive: number) => void;
}

export interface WaitForValidationResult {
  readonly ok: boolean;
  /** The last attempt's result. */
  readonly result: ValidationResult;
  readonly attempts: number;
}

/** Validate until `count` successes in a row, or until `waitMs` has passed. */
export async function waitForValidation(o: WaitForValidationOptions): Promise<WaitForValidationResult> {
  const count = Math.max(1, o.count ?? 1);
  const interval = o.intervalMs ?? 10_000;
  const deadline = o.clock.now() + o.waitMs;
  let consecutive = 0;
  let attempts = 0;
  for (;;) {
    o.signal?.throwIfAborted();
    const result = await o.validator.validate(o.signal);
    attempts++;
    consecutive = result.failures.length === 0 ? consecutive + 1 : 0;
    o.onAttempt?.(result, consecutive);
    if (consecutive >= count) return { ok: true, result, attempts };
    if (o.clock.now() + interval > deadline) {
      if (result.failures.length === 0 && o.waitMs === 0) return { ok: true, result, attempts };
      return { ok: false, result, attempts };
    }
    await o.clock.sleep(interval, o.signal);
  }
}
