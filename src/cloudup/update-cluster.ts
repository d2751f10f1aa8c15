/**
 * `update cluster`: the stored spec → its cloud's tasks (`Cloud.prepare`, the cloud chosen by
 * `spec.cloudProvider`: src/cloud/providers.ts) → a plan against what really exists → (with `yes`)
 * apply under the cluster lock, then record the completed spec and the kops-ts version.
 *
 * Nothing is written to the state store unless the apply succeeded; a failed apply is safe to
 * re-run (the next plan shows only what is left).
 */
import type { AdminSSHKey, BootstrapCloudFacts, Cloud, CloudOptions, RunHealth } from '../cloud/provider.js';
import { adminSSHKeys } from '../cloud/model-input.js';
import { loadProvider } from '../cloud/providers.js';
import { allInOrder } from '../concurrency.js';
import { KopsError, hasErrors, type Diagnostic } from '../diagnostics.js';
import { notActedOnWarning } from '../model/api/parse.js';
import { safeSink, type EventSink } from '../events.js';
import { completeCluster, type CompletedCluster } from '../model/completion.js';
import { validateCluster } from '../model/validation.js';
import { cloudProviderOf, normalizeRole, type Cluster, type InstanceGroup, type NormalizedRole } from '../model/api/types.js';
import type { Clientset } from '../statestore/clientset.js';
import { forceUnlock, readClusterLock, withClusterLock, type ClusterLock, type WithLockOptions } from '../statestore/lock.js';
import type { LockInfo } from '../statestore/types.js';
import { applyPlan, type ApplyOptions, type ApplyResult } from '../tasks/apply.js';
import { planTasks, type Plan, type PlanResult } from '../tasks/plan.js';
import type { TaskRegistry } from '../tasks/registry.js';
import type { Lifecycle, Task } from '../tasks/types.js';
import { KOPS_TS_VERSION } from '../version.js';
import { ensureClusterKeysets, pregenerateClusterKeysets, SERVICE_ACCOUNT, type PregeneratedKeysets } from '../pki/cluster.js';
import { KeysetStore } from '../pki/store.js';
import { writeBootstrapAfterApply } from './bootstrap-config.js';
import { publishIssuerDiscovery, type PublishedDiscovery } from './issuer-discovery.js';
import type { WriteBootstrapResult } from '../bootstrap/store.js';
import { invalidSpec } from './create-cluster.js';
import { InterruptedError, interruptedBeforeApply, interruptedDuringApply } from './interrupted.js';
import { assertPlanForCluster, assertSavedPlanCurrent, type SavedPlanRef } from './saved-plan.js';
import { planNodeVersion, type ControlPlaneKubeletReader } from './node-version.js';
import { lastNodeVersionOf } from '../model/kubelet-skew.js';

export interface UpdateClusterOptions {
  readonly clientset: Clientset;
  readonly clusterName: string;
  /** Apply (kops's `--yes`); otherwise only plan. */
  readonly yes?: boolean;
  /** AWS client settings beyond the region (timeouts; tests: endpoint, credentials, hooks). */
  readonly aws?: CloudOptions['aws'];
  /** When the cloud's endpoint counts as down, which stops an apply early (AWS: `EndpointHealth`). */
  readonly endpointHealth?: CloudOptions['endpointHealth'];
  /** Lock tuning (tests): renewal interval and timers. */
  readonly lock?: Pick<WithLockOptions, 'ttlMs' | 'renewEveryMs' | 'timers' | 'onIdle'>;
  /** Apply tuning (tests): the executor's task deadline and backoff. */
  readonly apply?: Pick<ApplyOptions, 'taskTimeoutMs' | 'backoff' | 'consistencyWindowMs'>;
  /** `--instance-group`: only these groups' resources (no deletions are planned then). */
  readonly instanceGroups?: readonly string[];
  /** `--instance-group-roles`: ControlPlane/Master, Node, Bastion, APIServer. */
  readonly instanceGroupRoles?: readonly string[];
  /**
   * Plan the deletion of what the model no longer wants (default true; kops's `--prune`).
   * `reconcile cluster` passes false until every instance has been rolled.
   */
  readonly deletions?: boolean;
  readonly lifecycleOverrides?: Readonly<Record<string, Lifecycle>>;
  /** Break a stale lock with this id before taking the lock. */
  readonly forceUnlock?: string;
  readonly events?: EventSink;
  /**
   * `--plan plan.json`: a saved plan (its cluster and fingerprint). A fresh plan must match it, both
   * before and under the lock, or `StalePlan` is thrown and nothing is applied.
   */
  readonly savedPlan?: SavedPlanRef;
  /**
   * Stops the operation (the CLI aborts it on SIGINT/SIGTERM): no new change starts, running ones
   * finish, the lock is released, and `InterruptedError` (exit code 130) says what was done. An
   * apply that finished anyway returns normally. Checked between steps: a plan in progress is
   * finished first.
   */
  readonly signal?: AbortSignal;
  /**
   * Reads the control-plane nodes' kubelet versions (kops's kubelet skew protection, docs/upgrades.md):
   * asked only when the spec's version is newer than the node groups were last rendered with;
   * node groups then get the oldest one while it is older. Absent or failing: node groups keep the
   * version they last had, with a warning.
   */
  readonly controlPlaneKubelets?: ControlPlaneKubeletReader;
  /** `--ignore-kubelet-version-skew`: every group gets the spec's version, nothing is read. */
  readonly ignoreKubeletVersionSkew?: boolean;
  /**
   * Plan this spec instead of the stored Cluster and instance groups (`update cluster -f`: the
   * store as if `replace -f` had been run, src/cloudup/plan-manifest.ts). Plan only: refused with
   * `yes`, since what is applied must be what the store holds. The completed spec and the SSH keys
   * are still read from the store.
   */
  readonly spec?: { readonly cluster: Cluster; readonly instanceGroups: readonly InstanceGroup[] };
}

export interface UpdateClusterResult {
  readonly plan: Plan;
  readonly warnings: readonly Diagnostic[];
  /** Present when `yes` was given and there was something to apply. */
  readonly applied?: ApplyResult;
  /** True the first time a cluster is applied (no completed spec stored before). */
  readonly firstApply: boolean;
  /** With `yes`: the node bootstrap files (igconfig/, addons/) written after the apply. */
  readonly bootstrap?: WriteBootstrapResult;
  /** With `yes` and a discovery store: the issuer and the documents written (src/cloudup/issuer-discovery.ts). */
  readonly issuerDiscovery?: PublishedDiscovery;
}

interface Prepared<C> {
  readonly ctx: C;
  readonly registry: TaskRegistry<C>;
  readonly tasks: Task[];
  readonly completed: CompletedCluster;
  readonly warnings: Diagnostic[];
  readonly firstApply: boolean;
  readonly bootstrap: BootstrapCloudFacts;
}

/** The stored spec, completed and validated (no cloud yet). */
interface ReadSpec {
  readonly completed: CompletedCluster;
  readonly diags: readonly Diagnostic[];
  readonly firstApply: boolean;
  /** The cluster's admin SSH public keys, sorted by fingerprint. */
  readonly sshPublicKeys: readonly AdminSSHKey[];
  /** The version the node groups were last rendered with (src/model/kubelet-skew.ts). */
  readonly lastNodeVersion?: string;
}

function selectGroups(cluster: string, igs: readonly InstanceGroup[], names?: readonly string[], roles?: readonly string[]): InstanceGroup[] {
  const wantRoles = roles?.map((r): NormalizedRole => (r.toLowerCase() === 'master' || r.toLowerCase() === 'controlplane' ? 'ControlPlane' : (r[0]!.toUpperCase() + r.slice(1)) as NormalizedRole));
  const unknown = (names ?? []).filter((n) => !igs.some((g) => g.metadata.name === n));
  if (unknown.length > 0) {
    const have = igs.map((g) => g.metadata.name).join(', ');
    throw new KopsError('InstanceGroupNotFound', `instance group ${unknown.join(', ')} not found in cluster ${cluster} (its groups: ${have})`, { hint: `list them with kops-ts get ig --name ${cluster}`, exitCode: 2 });
  }
  return igs.filter((g) => (!names?.length || names.includes(g.metadata.name)) && (!wantRoles?.length || wantRoles.includes(normalizeRole(g.spec.role))));
}

/**
 * The spec objects `update` reads (config, instance groups, the completed spec, the SSH keys) are
 * independent objects: read at once, two round trips to the store instead of six one after
 * another, twice per `update --yes` (before and under the lock). Errors come as the serial read
 * met them: the cluster's first, and the SSH keys' only after the spec validated.
 */
async function readSpec(o: UpdateClusterOptions): Promise<ReadSpec> {
  const cs = o.clientset;
  const keys = cs.listSSHPublicKeys(o.clusterName).then(
    (stored) => ({ stored }),
    (error: unknown) => ({ error }),
  );
  const given = o.spec;
  let cluster, igs, previous;
  try {
    [cluster, igs, previous] = await allInOrder([
      given ? Promise.resolve(given.cluster) : cs.getCluster(o.clusterName).then((v) => v.object),
      given ? Promise.resolve([...given.instanceGroups]) : cs.listInstanceGroups(o.clusterName).then((l) => l.map((v) => v.object)),
      cs.readCompletedSpec(o.clusterName),
    ] as const);
  } finally {
    await keys;
  }
  const completed = completeCluster(cluster, igs);
  const validation = validateCluster(completed.cluster, completed.instanceGroups, previous ? { previous: previous.object } : {});
  if (hasErrors(validation)) throw invalidSpec(validation);
  const unread = notActedOnWarning([cluster, ...igs]);
  const diags = unread ? [...validation, unread] : validation;
  const key = await keys;
  if ('error' in key) throw key.error;
  const lastNodeVersion = lastNodeVersionOf(previous?.object);
  return { completed, diags, firstApply: !previous, sshPublicKeys: adminSSHKeys(key.stored), ...(lastNodeVersion !== undefined ? { lastNodeVersion } : {}) };
}

async function prepare<C>(o: UpdateClusterOptions, cloud: Cloud<C>, health: RunHealth, spec?: ReadSpec): Promise<Prepared<C>> {
  const cs = o.clientset;
  const read = spec ?? (await readSpec(o));
  const now = cloudProviderOf(read.completed.cluster.spec);
  if (now !== cloud.name) {
    throw new KopsError('ConcurrentChange', `spec.cloudProvider of ${o.clusterName} changed from ${cloud.name} to ${now ?? 'unset'} while update cluster ran`, {
      hint: `re-run: kops-ts update cluster --name ${o.clusterName}`,
    });
  }
  const filtered = Boolean(o.instanceGroups?.length || o.instanceGroupRoles?.length);
  const selected = filtered ? selectGroups(o.clusterName, read.completed.instanceGroups, o.instanceGroups, o.instanceGroupRoles) : undefined;
  // Node groups never ahead of the control plane's kubelets (the API is asked only when they could be).
  const nodes = await planNodeVersion({
    clusterName: o.clusterName,
    completed: read.completed,
    rendered: selected ?? read.completed.instanceGroups,
    ...(read.lastNodeVersion !== undefined ? { lastNodeVersion: read.lastNodeVersion } : {}),
    ...(o.ignoreKubeletVersionSkew ? { ignoreSkew: true } : {}),
    ...(o.controlPlaneKubelets ? { read: o.controlPlaneKubelets } : {}),
  });
  const p = await cloud.prepare(
    {
      clusterName: o.clusterName,
      completed: read.completed,
      ...(selected ? { selectedInstanceGroups: selected } : {}),
      sshPublicKeys: read.sshPublicKeys,
      stateStoreUrl: cs.store.url,
      ...(nodes.nodeKubernetesVersion !== undefined ? { nodeKubernetesVersion: nodes.nodeKubernetesVersion } : {}),
    },
    health,
  );
  const completed = { ...read.completed, cluster: nodes.record(p.cluster) };
  return { ctx: p.ctx, registry: p.registry, tasks: p.tasks, completed, warnings: [...read.diags, ...p.diagnostics, ...nodes.warnings].filter((d) => d.severity === 'warning'), firstApply: read.firstApply, bootstrap: p.bootstrap ?? {} };
}

async function plan<C>(o: UpdateClusterOptions, cloud: Cloud<C>, p: Prepared<C>): Promise<PlanResult> {
  const filtered = Boolean(o.instanceGroups?.length || o.instanceGroupRoles?.length);
  return planTasks(p.ctx, p.registry, p.tasks, {
    cluster: o.clusterName,
    deletions: !filtered && o.deletions !== false,
    errorCode: cloud.errors.errorCode,
    ...(o.lifecycleOverrides ? { lifecycleOverrides: o.lifecycleOverrides } : {}),
    ...(o.events ? { events: o.events } : {}),
  });
}

const OPERATION = 'update cluster';

function stopIfInterrupted(o: UpdateClusterOptions): void {
  if (o.signal?.aborted) throw interruptedBeforeApply(OPERATION, o.clusterName);
}

/**
 * Plans, and with `yes` applies. Throws `KopsError` on invalid specs, pre-flight or apply failures,
 * and `InterruptedError` when `signal` stopped it.
 */
export async function updateCluster(o: UpdateClusterOptions): Promise<UpdateClusterResult> {
  if (o.spec && o.yes) {
    throw new KopsError('InvalidOption', 'a spec given to plan (update cluster -f) cannot be applied: what is applied is what the store holds', {
      hint: 'write it with kops-ts replace -f <file>, then apply the plan saved from it with kops-ts update cluster --name <cluster> --plan <plan> --yes',
      exitCode: 2,
    });
  }
  if (o.savedPlan) assertPlanForCluster(o.savedPlan, o.clusterName);
  stopIfInterrupted(o);
  const spec = await readSpec(o);
  // A first `update --yes` makes the cluster's CAs. Their keys are generated now, in memory, while
  // the plan waits on the cloud, rather than during the apply, whose requests would share the
  // CPU with them (ensureClusterKeysets, under the lock, stores them or drops them for ones
  // another run stored first). A plan without --yes generates nothing.
  const pregenerated = o.yes ? pregenerateClusterKeysets(new KeysetStore(o.clientset.store), spec.completed.cluster) : undefined;
  const options: CloudOptions = { ...(o.aws ? { aws: o.aws } : {}), ...(o.endpointHealth ? { endpointHealth: o.endpointHealth } : {}) };
  const cloud = await loadProvider(spec.completed.cluster, OPERATION, options);
  return cloud.use(async (c) => {
    const health = c.runHealth();
    try {
      return await update(o, c, health, spec, pregenerated);
    } catch (e) {
      // Before the apply only: after it, "nothing was changed" would not be true.
      throw health.applyStarted ? e : health.explain(e, OPERATION);
    }
  });
}

async function update<C>(o: UpdateClusterOptions, cloud: Cloud<C>, health: RunHealth, spec: ReadSpec, pregenerated?: PregeneratedKeysets): Promise<UpdateClusterResult> {
  const prepared = await prepare(o, cloud, health, spec);
  const planned = await plan(o, cloud, prepared);
  const planErrors = planned.plan.diagnostics.filter((d) => d.severity === 'error');
  if (planErrors.length > 0) throw new KopsError(planErrors[0]!.code, 'the plan could not be made', { diagnostics: planErrors });
  // Fail fast, before taking the lock; the check under the lock below is the one that counts.
  if (o.savedPlan) assertSavedPlanCurrent(o.savedPlan, planned.plan.fingerprint);
  const base = { plan: planned.plan, warnings: [...prepared.warnings, ...planned.plan.diagnostics], firstApply: prepared.firstApply };
  if (!o.yes) return base;
  stopIfInterrupted(o);
  const store = o.clientset.store;
  if (o.forceUnlock) {
    const broken = await forceUnlock(store, o.clusterName, o.forceUnlock);
    const { id, holder, operation, acquired } = broken;
    safeSink(o.events)({ code: 'lock.force-unlocked', cluster: o.clusterName, id, holder, operation, acquired });
  }
  return underLock(o, async (lock) => {
    // The lease is renewed only while the cloud answers (see lock.ts): a hung run lets it expire.
    health.onResponse(() => lock.heartbeat());
    // The plan above was made before the lock was held: read the spec and the cloud again under
    // it, so what is applied is what is in the store now (another writer may have changed it).
    const current = await prepare(o, cloud, health);
    const fresh = await plan(o, cloud, current);
    if (o.savedPlan) assertSavedPlanCurrent(o.savedPlan, fresh.plan.fingerprint);
    stopIfInterrupted(o);
    // The cluster's CAs (first update: generated, most likely already before the plan; later:
    // kept as stored) are stored while the cloud is applied: no task reads them (the plan above
    // was made without them), and instances reach them only through the bootstrap files, written
    // below once both are done. One after the other they cost the first `update --yes` four
    // round trips to the store. Silent: what is made is key material.
    const keysets = ensureClusterKeysets(new KeysetStore(o.clientset.store), current.completed.cluster, pregenerated ? { pregenerated } : {}).then(
      (made) => ({ made }),
      (error: unknown) => ({ error }),
    );
    health.applyStarted = true;
    const applied = await applyPlan(current.ctx, current.registry, current.tasks, fresh, {
      isRetryable: cloud.errors.isRetryable,
      isRetryableDelete: cloud.errors.isRetryableDelete,
      errorCode: cloud.errors.errorCode,
      // The endpoint found down, or the caller's signal (SIGINT), stops the run: nothing new
      // starts, retries end, running calls finish or time out.
      signal: o.signal ? AbortSignal.any([health.signal, o.signal]) : health.signal,
      ...(o.apply ?? {}),
      ...(o.events ? { events: o.events } : {}),
    });
    const ensured = await keysets;
    if (!applied.ok && o.signal?.aborted && applied.skipped.some((s) => s.reason === 'cancelled')) {
      throw interruptedDuringApply(OPERATION, o.clusterName, applied);
    }
    if (health.down) throw endpointDown(o.clusterName, health.down, applied, health.downHint(o.clusterName));
    if (!applied.ok) {
      const errors = applied.diagnostics.filter((d) => d.severity === 'error');
      throw new KopsError('ApplyFailed', `${applied.failed.length} task(s) failed; re-run to finish (the next plan shows what is left)`, { diagnostics: errors });
    }
    if ('error' in ensured) throw ensured.error;
    // The service-account keys exist now: the issuer's documents, before the instances' files name it.
    const discovery = await publishIssuerDiscovery(current.completed.cluster, ensured.made.keysets.get(SERVICE_ACCOUNT), o.aws ? { aws: o.aws } : {});
    // After the apply: a cluster without DNS is reached by the load balancer's AWS-assigned name.
    // With --instance-group(-roles), only the selected groups' files: the others' instances keep theirs.
    const filtered = Boolean(o.instanceGroups?.length || o.instanceGroupRoles?.length);
    const bootGroups = filtered ? selectGroups(o.clusterName, current.completed.instanceGroups, o.instanceGroups, o.instanceGroupRoles) : current.completed.instanceGroups;
    const boot = await writeBootstrapAfterApply(store, { cluster: current.completed.cluster, instanceGroups: bootGroups }, applied, current.bootstrap);
    await allInOrder([o.clientset.writeCompletedSpec(o.clusterName, current.completed.cluster), o.clientset.writeKopsVersion(o.clusterName, KOPS_TS_VERSION)] as const);
    return { ...base, warnings: [...base.warnings, ...boot.warnings], plan: fresh.plan, applied, ...(boot.result ? { bootstrap: boot.result } : {}), ...(discovery ? { issuerDiscovery: discovery } : {}) };
  });
}

/** The apply stopped because the endpoint is down: what happened, what was done, what to do. */
function endpointDown(cluster: string, down: KopsError, applied: ApplyResult, hint: string): KopsError {
  const done = applied.results.filter((r) => r.status === 'applied').length;
  const notStarted = applied.skipped.length;
  const failed = applied.failed.length;
  const what = `update cluster stopped: ${down.message}; ${done} change${done === 1 ? ' was' : 's were'} applied, ${failed} failed, ${notStarted} ${notStarted === 1 ? 'was' : 'were'} not started`;
  return new KopsError('EndpointDown', what, { cause: down, hint });
}

/**
 * Runs `fn` under the cluster lock, telling `events` when it is taken and released. When `fn` is
 * interrupted, the store is read again to say truthfully whether the lease is gone.
 */
async function underLock<T>(o: UpdateClusterOptions, fn: (lock: ClusterLock) => Promise<T>): Promise<T> {
  const events = safeSink(o.events);
  const store = o.clientset.store;
  let held: LockInfo | undefined;
  try {
    const result = await withClusterLock(store, o.clusterName, OPERATION, async (lock) => {
      held = lock.info;
      events({ code: 'lock.acquired', cluster: o.clusterName, id: held.id, operation: OPERATION, acquired: held.acquired, expires: held.expires });
      return fn(lock);
    }, o.lock ?? {});
    if (held) events({ code: 'lock.released', cluster: o.clusterName, id: held.id });
    return result;
  } catch (e) {
    if (!(e instanceof InterruptedError) || !held) throw e;
    const id = held.id;
    const now = await readClusterLock(store, o.clusterName).then(
      (l) => ({ read: true, id: l?.id }),
      () => ({ read: false, id: undefined }),
    );
    const released = now.read && now.id !== id;
    if (released) events({ code: 'lock.released', cluster: o.clusterName, id });
    throw e.withLock({ id, released });
  }
}
