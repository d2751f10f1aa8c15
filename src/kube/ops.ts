/**
 * `KubeOps` (src/rolling-update/types.ts) over the Kubernetes API: what the roll does to a Node
 * before its instance goes (taint, cordon, drain) and after (delete).
 *
 * Drain follows `kubectl drain --ignore-daemonsets --delete-emptydir-data --force` as kops runs
 * it: DaemonSet-owned and mirror (static) pods stay, every other pod is evicted through the
 * Eviction API (policy/v1), so PodDisruptionBudgets are respected. A 429 (the budget allows no
 * disruption now) is retried every `retryDelayMs` until `timeoutMs`; then the evicted pods are
 * waited for until they are gone. A 500 "more than one PodDisruptionBudget" (the API server never
 * evicts a pod that several budgets select) fails at once with `SeveralBudgetsError`, naming the
 * budgets read then. Every wait goes through the injected Clock.
 */
import * as k8s from '@kubernetes/client-node';
import { KopsError } from '../diagnostics.js';
import type { Clock, DrainOptions, KubeNode, KubeOps } from '../rolling-update/types.js';
import { listAll, type KubeClient } from './client.js';
import { apiStatus, isSeveralBudgetsRefusal, SeveralBudgetsError, translate } from './errors.js';
import { budgetsSelecting, readBlockingBudgets } from './pdb-check.js';
import { podToEvict } from './pods.js';

export { apiStatus, SeveralBudgetsError, translate } from './errors.js';
export { MIRROR_POD_ANNOTATION, podToEvict } from './pods.js';

export const SCHEDULED_FOR_UPDATE_TAINT = 'kops.k8s.io/scheduled-for-update';
export const NEEDS_UPDATE_ANNOTATION = 'kops.k8s.io/needs-update';
export const INSTANCE_GROUP_LABEL = 'kops.k8s.io/instancegroup';
export const EXCLUDE_FROM_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';
/** kubectl drain's delay between eviction attempts after a 429. */
export const DEFAULT_EVICTION_RETRY_MS = 5_000;
/** kubectl drain's poll interval while waiting for evicted pods to be gone. */
export const DELETE_POLL_MS = 1_000;

/** A drain that did not finish in time; names the pod and, when one blocked it, the PodDisruptionBudget. */
export class DrainTimeoutError extends KopsError {
  readonly node: string;
  /** `<namespace>/<name>` */
  readonly pod: string;
  /** `<namespace>/<name>` of the PodDisruptionBudget that refused the eviction, when one did. */
  readonly pdb?: string;
  constructor(node: string, pod: string, timeoutMs: number, why: { pdb?: string; detail?: string; phase: 'evict' | 'delete' }) {
    const after = formatDuration(timeoutMs);
    const msg =
      why.phase === 'evict'
        ? `drain of node ${node} timed out after ${after}: pod ${pod} cannot be evicted${why.pdb ? `: PodDisruptionBudget ${why.pdb} allows no disruption` : ''}${why.detail ? ` (${why.detail})` : ''}`
        : `drain of node ${node} timed out after ${after}: evicted pod ${pod} was not deleted`;
    super('DrainTimeout', msg, {
      hint: why.pdb
        ? `make room for the pod (scale up or fix the pods PodDisruptionBudget ${why.pdb} counts), raise --drain-timeout, or pass --fail-on-drain-error=false to go on without draining`
        : 'raise --drain-timeout, or pass --fail-on-drain-error=false to go on without draining',
    });
    this.node = node;
    this.pod = pod;
    if (why.pdb) this.pdb = why.pdb;
  }
}

function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** The instance id at the end of a provider id (`aws:///us-east-1a/i-0abc` → `i-0abc`). */
export function instanceIdFromProviderId(providerId: string | undefined): string | undefined {
  if (!providerId) return undefined;
  const last = providerId.split('/').filter(Boolean).pop();
  return last && last !== providerId ? last : undefined;
}

export function nodeReady(n: k8s.V1Node): boolean {
  return (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Roles from `node-role.kubernetes.io/<role>` labels (and the legacy `kubernetes.io/role`). */
export function nodeRoles(labels: Readonly<Record<string, string>> | undefined): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    if (k === 'kubernetes.io/role' && v) roles.add(v === 'master' ? 'control-plane' : v);
  }
  return [...roles].sort();
}

export function toKubeNode(n: k8s.V1Node): KubeNode {
  const providerId = n.spec?.providerID;
  const instanceId = instanceIdFromProviderId(providerId);
  const ig = n.metadata?.labels?.[INSTANCE_GROUP_LABEL];
  return {
    name: n.metadata?.name ?? '',
    ...(providerId ? { providerId } : {}),
    ...(instanceId ? { instanceId } : {}),
    ready: nodeReady(n),
    unschedulable: n.spec?.unschedulable === true,
    ...(ig ? { instanceGroup: ig } : {}),
    roles: nodeRoles(n.metadata?.labels),
    needsUpdate: n.metadata?.annotations?.[NEEDS_UPDATE_ANNOTATION] !== undefined,
  };
}

export interface KubeOpsOptions {
  /** Conflict retries for read-modify-write patches (default 5). */
  readonly conflictRetries?: number;
}

/** `KubeOps` through a KubeClient. */
export function kubeOps(client: KubeClient, opts: KubeOpsOptions = {}): KubeOps {
  const retries = opts.conflictRetries ?? 5;
  const wrap = async <T>(what: string, f: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw translate(client, what, e);
    }
  };
  const strategic = (signal?: AbortSignal) => client.options(signal, { 'Content-Type': k8s.PatchStrategy.StrategicMergePatch });

  return {
    async listNodes(signal) {
      const items = await wrap('listing nodes', () => listAll((limit, cont) => client.core.listNode({ limit, ...(cont ? { _continue: cont } : {}) }, client.options(signal))), signal);
      return items.map(toKubeNode);
    },

    async taintForUpdate(node) {
      for (let attempt = 0; ; attempt++) {
        const n = await wrap(`reading node ${node}`, () => client.core.readNode({ name: node }, client.options()));
        const taints = n.spec?.taints ?? [];
        if (taints.some((t) => t.key === SCHEDULED_FOR_UPDATE_TAINT && t.effect === 'PreferNoSchedule')) return;
        const body = {
          metadata: { resourceVersion: n.metadata?.resourceVersion },
          spec: { taints: [...taints.map((t) => ({ key: t.key, effect: t.effect, ...(t.value !== undefined ? { value: t.value } : {}) })), { key: SCHEDULED_FOR_UPDATE_TAINT, effect: 'PreferNoSchedule' }] },
        };
        try {
          await client.core.patchNode({ name: node, body }, strategic());
          return;
        } catch (e) {
          if (apiStatus(e)?.code === 409 && attempt < retries) continue;
          throw translate(client, `tainting node ${node}`, e);
        }
      }
    },

    async cordon(node) {
      const body = { metadata: { labels: { [EXCLUDE_FROM_LB_LABEL]: '' } }, spec: { unschedulable: true } };
      await wrap(`cordoning node ${node}`, () => client.core.patchNode({ name: node, body }, strategic()));
    },

    blockingBudgets(nodes, signal) {
      return readBlockingBudgets(client, nodes, signal);
    },

    async drain(node, d) {
      await drainNode(client, node, d);
    },

    async deleteNode(node) {
      try {
        await client.core.deleteNode({ name: node }, client.options());
      } catch (e) {
        if (apiStatus(e)?.code === 404) return;
        throw translate(client, `deleting node ${node}`, e);
      }
    },
  };
}

async function drainNode(client: KubeClient, node: string, d: DrainOptions): Promise<void> {
  const { clock, signal } = d;
  const deadline = clock.now() + d.timeoutMs;
  const retryMs = d.retryDelayMs ?? DEFAULT_EVICTION_RETRY_MS;
  let onNode: k8s.V1Pod[];
  try {
    onNode = await listAll((limit, cont) => client.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}`, limit, ...(cont ? { _continue: cont } : {}) }, client.options(signal)));
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw translate(client, `listing the pods of node ${node}`, e);
  }
  const pods = onNode.filter(podToEvict);
  await Promise.all(pods.map((p) => evictAndWait(client, node, p, { deadline, retryMs, clock, timeoutMs: d.timeoutMs, ...(signal ? { signal } : {}) })));
}

async function evictAndWait(client: KubeClient, node: string, pod: k8s.V1Pod, o: { deadline: number; retryMs: number; clock: Clock; timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  const name = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace ?? 'default';
  const uid = pod.metadata?.uid;
  const key = `${namespace}/${name}`;
  for (;;) {
    o.signal?.throwIfAborted();
    try {
      await client.core.createNamespacedPodEviction(
        { name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } } },
        client.options(o.signal),
      );
      break;
    } catch (e) {
      if (o.signal?.aborted) throw o.signal.reason;
      const st = apiStatus(e);
      if (st?.code === 404) return;
      if (isSeveralBudgetsRefusal(e)) throw new SeveralBudgetsError(node, key, await budgetsOfPod(client, pod), e);
      if (st?.code !== 429) throw translate(client, `evicting pod ${key} from node ${node}`, e);
      if (o.clock.now() + o.retryMs > o.deadline) {
        const pdb = await blockingPdb(client, pod, st.causes);
        throw new DrainTimeoutError(node, key, o.timeoutMs, { phase: 'evict', ...(pdb ? { pdb } : {}), ...(st.causes[0]?.message ? { detail: st.causes[0].message } : st.message ? { detail: st.message } : {}) });
      }
      await o.clock.sleep(o.retryMs, o.signal);
    }
  }
  // Wait for the pod (this incarnation of it) to be gone.
  for (;;) {
    try {
      const cur = await client.core.readNamespacedPod({ name, namespace }, client.options(o.signal));
      if (uid && cur.metadata?.uid !== uid) return;
    } catch (e) {
      if (o.signal?.aborted) throw o.signal.reason;
      if (apiStatus(e)?.code === 404) return;
      throw translate(client, `reading pod ${key}`, e);
    }
    if (o.clock.now() + DELETE_POLL_MS > o.deadline) throw new DrainTimeoutError(node, key, o.timeoutMs, { phase: 'delete' });
    await o.clock.sleep(DELETE_POLL_MS, o.signal);
  }
}

/**
 * The PDB that refused: named in the 429's causes, else (a 429 without them, such as API Priority
 * and Fairness's) the first of the namespace's PDBs whose selector selects the pod (`budgetsOfPod`).
 */
export async function blockingPdb(client: KubeClient, pod: k8s.V1Pod, causes: readonly { reason?: string; message?: string }[]): Promise<string | undefined> {
  const namespace = pod.metadata?.namespace ?? 'default';
  for (const c of causes) {
    const m = c.message?.match(/disruption budget (\S+)/);
    if (c.reason === 'DisruptionBudget' && m?.[1]) return `${namespace}/${m[1]}`;
  }
  return (await budgetsOfPod(client, pod))[0];
}

/** The budgets of the pod's namespace that select it (`<namespace>/<name>`, sorted); none when they cannot be read. */
export async function budgetsOfPod(client: KubeClient, pod: k8s.V1Pod): Promise<string[]> {
  try {
    const namespace = pod.metadata?.namespace ?? 'default';
    const pdbs = await listAll((limit, cont) => client.policy.listNamespacedPodDisruptionBudget({ namespace, limit, ...(cont ? { _continue: cont } : {}) }, client.options()));
    return budgetsSelecting(pdbs, pod);
  } catch {
    return [];
  }
}
