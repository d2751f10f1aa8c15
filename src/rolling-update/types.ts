/**
 * The rolling update's contract: what the pure policy (`policy.ts`, `roll.ts`) needs from the
 * world, as interfaces. Three kinds of effects sit behind them:
 *
 *  - the cloud (`CloudProvider`): a cluster's instance groups as the cloud sees them, and the few
 *    mutations a roll makes (detach for surge, terminate, take a control plane out of the API's
 *    load balancer). AWS implements it in `src/cloud/aws/instance-groups.ts`; GCE will implement
 *    the same interface (#13) without touching the policy.
 *  - the Kubernetes API (`KubeOps`), through `@kubernetes/client-node` (`src/kube/`).
 *  - time (`Clock`): every wait, interval and timeout goes through it, so tests run a 100-node roll
 *    on a simulated clock.
 *
 * `validate cluster` and the roll share one check (`ClusterValidator`, `src/kube/validate.ts`).
 */
import type { NormalizedRole } from '../model/api/types.js';

// ---------------------------------------------------------------------------------------------
// Time

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(t);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

// ---------------------------------------------------------------------------------------------
// The cloud

/** kops's `CloudInstance` status: `NeedsUpdate` covers a template change, the annotation and `--force`. */
export type CloudInstanceStatus = 'UpToDate' | 'NeedsUpdate' | 'Detached';

export interface CloudInstance {
  /** The cloud's id (AWS: `i-…`). */
  readonly id: string;
  /** The instance group (kops IG name) it belongs to. */
  readonly group: string;
  /** From the cloud alone (template version, detached tag); the policy may raise it (annotation, --force). */
  readonly status: CloudInstanceStatus;
  /** The cloud's lifecycle/state word (AWS ASG lifecycle, e.g. `InService`, `Pending`; `Detached` when detached). */
  readonly state: string;
  readonly machineType?: string;
  readonly privateIp?: string;
  readonly publicIp?: string;
  /** The name its Kubernetes Node has or will have (AWS: the private DNS name), when known. */
  readonly nodeName?: string;
  /** `aws:///<zone>/<id>` on AWS: what the cloud controller puts in Node.spec.providerID. */
  readonly providerId?: string;
}

export interface CloudInstanceGroup {
  /** The kops instance group's name. */
  readonly name: string;
  readonly role: NormalizedRole;
  /** The cloud's group (AWS: the autoscaling group's name). */
  readonly cloudName: string;
  readonly minSize: number;
  readonly maxSize: number;
  /** Desired capacity. */
  readonly targetSize: number;
  /** Attached and detached instances (detached ones carry status `Detached`). Terminating ones are left out. */
  readonly instances: readonly CloudInstance[];
}

/** An instance of the cluster the cloud still lists though it is terminated (AWS lists one for about an hour). */
export interface GoneInstance {
  readonly id: string;
  /** The kops instance group its tags name. */
  readonly group: string;
  /** The cloud's state word (AWS: `shutting-down` or `terminated`). */
  readonly state: string;
}

export interface CloudProvider {
  /** `aws` | `gce`: kops's default maxSurge depends on it (1 on AWS, 0 elsewhere). */
  readonly name: 'aws' | 'gce';
  /**
   * The cluster's instance groups as the cloud has them, for the groups named (every group of the
   * cluster when `groups` is undefined). A group the spec has but the cloud lacks is left out.
   */
  listGroups(cluster: string, groups?: readonly { name: string; role: NormalizedRole }[]): Promise<CloudInstanceGroup[]>;
  /**
   * Surge: mark the instance (AWS tag `kops.k8s.io/detached-from-asg=<group>`) then take it out of
   * its group without lowering the desired size, so the group launches a replacement while the old
   * instance keeps serving. Idempotent for an instance already detached.
   */
  detach(group: CloudInstanceGroup, instance: CloudInstance): Promise<void>;
  /**
   * Terminate the instance; its group (when still attached) launches a replacement. An instance
   * that is already gone counts as terminated.
   */
  terminate(group: CloudInstanceGroup, instance: CloudInstance): Promise<void>;
  /**
   * Take a control-plane (or API server) instance out of the API's load balancer and wait, through
   * `clock`, until its connections are drained (AWS: target health `unused`). No-op when the
   * instance is in no load balancer.
   */
  deregister(group: CloudInstanceGroup, instance: CloudInstance, clock: Clock, signal?: AbortSignal): Promise<void>;
  /**
   * The cluster's instance `query` (cloud id, or the node name the cloud gave it while it had one)
   * when the cloud still lists it as terminated or terminating; undefined otherwise. Absent where
   * the cloud keeps no record of a deleted instance (GCE).
   */
  findGone?(cluster: string, query: string): Promise<GoneInstance | undefined>;
}

// ---------------------------------------------------------------------------------------------
// The Kubernetes API

export interface KubeNode {
  readonly name: string;
  /** `spec.providerID`, e.g. `aws:///us-east-1a/i-0abc`. */
  readonly providerId?: string;
  /** The instance id parsed from the provider id, when it has one. */
  readonly instanceId?: string;
  readonly ready: boolean;
  readonly unschedulable: boolean;
  /** `kops.k8s.io/instancegroup` label. */
  readonly instanceGroup?: string;
  /** From `node-role.kubernetes.io/<role>` labels (`control-plane`, `node`, …). */
  readonly roles: readonly string[];
  /** Carries the annotation `kops.k8s.io/needs-update`. */
  readonly needsUpdate: boolean;
}

export interface DrainOptions {
  /** Give up after this long (`--drain-timeout`), naming the pod and the PodDisruptionBudget that blocked it. */
  readonly timeoutMs: number;
  /** Delay between eviction retries after a 429 (kubectl's 5 s). */
  readonly retryDelayMs?: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
}

/**
 * A PodDisruptionBudget that allows no disruption now (`status.disruptionsAllowed` 0) and selects
 * pods on nodes about to be drained: their eviction will be refused (429) until it allows one.
 */
export interface BlockingBudget {
  readonly namespace: string;
  readonly name: string;
  readonly currentHealthy: number;
  readonly desiredHealthy: number;
  /** Its pods on the nodes to be drained whose eviction it refuses now, by node (nodes sorted, pods `<namespace>/<name>` sorted). */
  readonly pods: readonly { readonly node: string; readonly pods: readonly string[] }[];
}

/**
 * A pod the drain would evict that two or more PodDisruptionBudgets of its namespace select: the
 * eviction API refuses it (HTTP 500, "This pod has more than one PodDisruptionBudget") whatever
 * the budgets allow.
 */
export interface PodUnderSeveralBudgets {
  /** `<namespace>/<name>` */
  readonly pod: string;
  readonly node: string;
  /** The budgets that select it, `<namespace>/<name>` sorted. */
  readonly budgets: readonly string[];
}

/** What the budgets will refuse on the nodes to drain: budgets at 0, and pods under several budgets. */
export interface BudgetFindings {
  /** Sorted by namespace and name. */
  readonly atZero: readonly BlockingBudget[];
  /** Sorted by node, then pod. */
  readonly severalBudgets: readonly PodUnderSeveralBudgets[];
}

export interface KubeOps {
  listNodes(signal?: AbortSignal): Promise<KubeNode[]>;
  /**
   * The PodDisruptionBudgets that would refuse the eviction of pods on `nodes` now (read-only: one
   * list of the budgets, then the pods of the namespaces that have a budget at 0 or two budgets or
   * more). Optional: without it the roll checks nothing before its drains.
   */
  blockingBudgets?(nodes: readonly string[], signal?: AbortSignal): Promise<BudgetFindings>;
  /** Add the taint `kops.k8s.io/scheduled-for-update:PreferNoSchedule` (idempotent). */
  taintForUpdate(node: string): Promise<void>;
  /** Mark unschedulable and label `node.kubernetes.io/exclude-from-external-load-balancers`. */
  cordon(node: string): Promise<void>;
  /**
   * Evict every pod of the node through the Eviction API: DaemonSet-owned and mirror pods are
   * skipped, PodDisruptionBudgets respected (429 retried until the timeout), then wait for the
   * evicted pods to be gone. Throws `DrainTimeoutError` naming the pod and its PDB, or (at once) an
   * error naming a pod that several PDBs select, which the Eviction API never evicts.
   */
  drain(node: string, opts: DrainOptions): Promise<void>;
  /** Delete the Node object (GCE reuses names); a missing node is not an error. */
  deleteNode(node: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Validation (shared by `validate cluster` and the roll)

/** kops's VALIDATION ERRORS kinds. */
export type ValidationFailureKind = 'InstanceGroup' | 'Machine' | 'Node' | 'Pod' | 'dns' | 'ApiServer';

export interface ValidationFailure {
  readonly kind: ValidationFailureKind;
  readonly name: string;
  readonly message: string;
  /** The instance group the failure belongs to, when it belongs to one (the roll ignores other node groups' failures). */
  readonly instanceGroup?: string;
}

export interface ValidationNode {
  readonly name: string;
  readonly role: string;
  readonly ready: boolean;
  readonly instanceGroup?: string;
}

export interface ValidationResult {
  readonly failures: readonly ValidationFailure[];
  readonly nodes: readonly ValidationNode[];
  readonly groups: readonly CloudInstanceGroup[];
}

export interface ClusterValidator {
  validate(signal?: AbortSignal): Promise<ValidationResult>;
}
