/**
 * `delete cluster`: every cloud resource the cluster owns, then its state.
 *
 * Finding reuses the task kinds: the stored spec is modelled by the cluster's cloud
 * (`Cloud.model`, src/cloud/provider.ts) and every kind's own `find` and `findOrphans` read what
 * exists, so the delete sees exactly what `update` manages (AWS: IAM by its names, the rest by the
 * `KubernetesCluster` tag). Added to that, by the cloud (`CloudDeletion.tagged`; AWS: the instances
 * the cluster's autoscaling groups launched and those a rolling update detached, and network
 * interfaces, all carrying the cluster's tags). Never deleted: a shared task (the user's VPC,
 * subnets, NAT gateways, given by id), a resource whose tags do not say the cluster owns it, what
 * the cloud always keeps (the hosted zone) and kinds that cannot delete (images): those are
 * reported as what remains. What `update` added to the user's resources is undone where it is the
 * cluster's (`CloudDeletion.addedToShared`; AWS: a private zone's association with the cluster's
 * own VPC) and reported otherwise.
 *
 * Deleting runs in rounds (kops's `DeleteResources`): in each round a resource is tried once its
 * dependents (by kind: if tasks of kind X refer to kind Y, X goes first) are gone; "still has
 * dependencies" and other failures are retried next round. It gives up after `count` rounds
 * without progress (0: never) or when `waitMs` is spent, naming what is left and what blocks it.
 * Time is injected (`clock`) so tests never sleep. Progress is reported through `progress`; the
 * library never prints.
 */
import type { CloudOptions, InventoryCloud, OwnedResource, Remaining } from '../cloud/provider.js';
import type { Clientset } from '../statestore/clientset.js';
import { parseStateStoreURL } from '../statestore/open.js';
import { kindClosure } from '../tasks/apply-graph.js';
import { errorMessage } from '../tasks/executor-options.js';
import { buildGraph } from '../tasks/graph.js';
import { isTryAgainLater, systemClock, type Clock } from '../tasks/retry.js';
import { findModelled, withStoredCluster, type ModelledCluster } from './cluster-resources.js';
import { findIssuerDiscovery } from './issuer-discovery.js';

export type { InventoryCloud, OwnedResource, Remaining };

/** The kind of a published discovery document in the inventory (not a task kind: nothing refers to it). */
export const DISCOVERY_DOCUMENT_KIND = 'DiscoveryDocument';

export interface ClusterInventory {
  readonly resources: readonly OwnedResource[];
  /** What is never deleted (shared resources, the hosted zone, the state store's bucket, snapshots). */
  readonly kept: readonly Remaining[];
  /** `a` must be deleted before `b` (by kind). */
  readonly before: (a: OwnedResource, b: OwnedResource) => boolean;
  /** The cloud's reading of failed deletes, and what blocks what is left. */
  readonly cloud: InventoryCloud;
}

export interface ListClusterResourcesOptions {
  readonly clientset: Clientset;
  readonly clusterName: string;
  /** AWS client settings beyond the region (timeouts; tests: endpoint, credentials, hooks). */
  readonly aws?: CloudOptions['aws'];
}

/** Reads the spec and lists what the cluster owns in the cloud; changes nothing. */
export function listClusterResources(o: ListClusterResourcesOptions): Promise<ClusterInventory> {
  return withStoredCluster(o, 'delete cluster', (m) => inventory(o, m));
}

async function inventory<C>(o: ListClusterResourcesOptions, m: ModelledCluster<C>): Promise<ClusterInventory> {
  const name = o.clusterName;
  const { ctx, tasks, registry, byKey, cloud } = m;
  const del = cloud.deletion;
  const found = await findModelled(m);
  const resources: OwnedResource[] = [];
  const kept: Remaining[] = [];
  const candidates = [
    ...[...found.found].map(([k, actual]) => ({ kind: byKey.get(k)?.kind ?? k.split('/')[0]!, name: k.slice(k.indexOf('/') + 1), actual, shared: byKey.get(k)?.shared === true })),
    ...found.orphans.map((x) => ({ kind: x.kind, name: x.name, actual: x.actual, shared: false })),
  ].map((c) => ({ ...c, shared: c.shared || (c.actual as { shared?: unknown } | null)?.shared === true }));
  for (const c of candidates) {
    const kind = registry.get(c.kind);
    const id = kind.outputs(c.actual).id ?? c.name;
    const isShared = c.shared;
    if (del.lookupKinds.has(c.kind)) continue; // looked up, never the cluster's
    const always = del.alwaysKept(c.kind, c.name, id, c.actual);
    if (always) {
      kept.push(always);
      continue;
    }
    if (isShared) {
      // A shared VPC's internet gateway is found through the VPC, not named in the spec.
      const how = c.kind === 'InternetGateway' ? "the shared VPC's internet gateway" : c.kind === 'IAMInstanceProfile' ? "given by ARN in an instance group's spec.iam.profile" : 'given by id in the spec';
      // A user's instance profile is known by its name (IAM's id, AIPA..., is shown nowhere else).
      const what = c.kind === 'IAMInstanceProfile' ? `${del.resourceType(c.kind)} ${c.name} (${id})` : `${del.resourceType(c.kind)} ${id}`;
      kept.push({ what, why: `shared: ${how}, it is the user's` });
      continue;
    }
    const notOurs = kind.notOurs?.(c.actual);
    if (notOurs) {
      kept.push({ what: `${del.resourceType(c.kind)} ${c.name} (${id})`, why: notOurs.summary });
      continue;
    }
    if (del.ownedByLabels(c.actual, name) === false) {
      kept.push({ what: `${del.resourceType(c.kind)} ${c.name} (${id})`, why: `it has the cluster's name but not its ownership tag (${del.ownershipLabel(name)})` });
      continue;
    }
    const remove = kind.delete?.bind(kind);
    if (!remove) {
      kept.push({ what: `${del.resourceType(c.kind)} ${c.name} (${id})`, why: `kops-ts cannot delete a ${c.kind}` });
      continue;
    }
    resources.push({ kind: c.kind, type: del.resourceType(c.kind), name: c.name, id, remove: () => remove(ctx, c.actual) });
  }
  // What update added to the user's resources (AWS: a private zone's association with the cluster's VPC).
  const added = del.addedToShared?.(ctx, candidates);
  if (added) {
    resources.push(...added.resources);
    kept.push(...added.kept);
  }
  const tagged = await del.tagged(ctx, new Set(resources.map((r) => r.id)));
  resources.push(...tagged.resources);
  kept.push(...tagged.kept);
  // The service-account issuer's two public documents (src/cloudup/issuer-discovery.ts): the objects only, never their bucket.
  for (const doc of await findIssuerDiscovery(m.completed.cluster, o.aws ? { aws: o.aws } : {})) {
    resources.push({ kind: DISCOVERY_DOCUMENT_KIND, type: 's3-object', name: doc.name, id: doc.url, remove: doc.remove });
  }
  const store = parseStateStoreURL(o.clientset.store.url);
  if (store.scheme === 's3' || store.scheme === 'gs') kept.push({ what: `the state store bucket ${store.scheme}://${store.bucket}`, why: 'it may hold other clusters; kops-ts deletes only this cluster\'s objects in it' });

  // Order by kind: X before Y when X's tasks refer (even indirectly) to Y's; the cloud adds the
  // kinds it found by tag.
  const closure = kindClosure(buildGraph(tasks, registry));
  del.order(closure);
  const dependsOn = (a: string, b: string) => a !== b && (closure.get(a)?.has(b) ?? false) && !(closure.get(b)?.has(a) ?? false);
  resources.sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return {
    resources,
    kept,
    before: (a, b) => dependsOn(a.kind, b.kind),
    cloud: { errorCode: cloud.errors.errorCode, waitsForDependents: del.waitsForDependents, blockers: (left, all) => del.blockers(ctx, left, all) },
  };
}

// ---------------------------------------------------------------------------------------------
// Deleting

export type DeleteOutcome = 'ok' | 'dependencies' | 'in-progress' | 'error';

export interface DeleteProgress {
  readonly resource: OwnedResource;
  readonly outcome: DeleteOutcome;
  readonly error?: string;
}

export interface DeleteResourcesOptions {
  /** Give up once this long has passed (kops's `--wait`, default 10 minutes). */
  readonly waitMs?: number;
  /** Give up after this many rounds in a row without progress (0: never; kops's `--count`). */
  readonly count?: number;
  /** Pause between rounds (kops's `--interval`, default 10 s). */
  readonly intervalMs?: number;
  readonly clock?: Clock;
  readonly progress?: (p: DeleteProgress) => void;
  /** Called before each pause, with what is left. */
  readonly waiting?: (left: readonly OwnedResource[]) => void;
  /** Called after every answer from AWS, error or not (the lock's heartbeat: the run is alive). */
  readonly heartbeat?: () => void;
  readonly signal?: AbortSignal;
}

export interface DeleteResourcesResult {
  readonly deleted: readonly OwnedResource[];
  /** Left when it gave up, with the last error of each. */
  readonly left: readonly { readonly resource: OwnedResource; readonly error: string }[];
  /** What blocks the resources left that the cluster does not own (e.g. a user's network interface). */
  readonly blockers: readonly Remaining[];
  readonly rounds: number;
  /** Why it stopped early: `count`, `wait` or `interrupted`. */
  readonly gaveUp?: 'count' | 'wait' | 'interrupted';
}

export const DEFAULT_DELETE_WAIT_MS = 10 * 60_000;
export const DEFAULT_DELETE_INTERVAL_MS = 10_000;

function outcomeOf(inv: ClusterInventory, e: unknown): DeleteOutcome {
  if (inv.cloud.waitsForDependents(e)) return 'dependencies';
  if (isTryAgainLater(e)) return 'in-progress';
  return 'error';
}

/** Deletes in rounds until nothing is left or it gives up; see the file comment. */
export async function deleteResources(inv: ClusterInventory, o: DeleteResourcesOptions = {}): Promise<DeleteResourcesResult> {
  const clock = o.clock ?? systemClock;
  const waitMs = o.waitMs ?? DEFAULT_DELETE_WAIT_MS;
  const intervalMs = o.intervalMs ?? DEFAULT_DELETE_INTERVAL_MS;
  const count = o.count ?? 0;
  const start = clock.now();
  let left = [...inv.resources];
  const deleted: OwnedResource[] = [];
  const lastError = new Map<OwnedResource, string>();
  let stalled = 0;
  let rounds = 0;
  let gaveUp: DeleteResourcesResult['gaveUp'];
  while (left.length > 0) {
    rounds++;
    let progress = false;
    const tried = new Set<OwnedResource>();
    for (;;) {
      if (o.signal?.aborted) break;
      const ready = left.filter((r) => !tried.has(r) && !left.some((x) => x !== r && inv.before(x, r)));
      if (ready.length === 0) break;
      const results = await inBatches(ready, 8, async (r) => {
        try {
          await r.remove();
          return { r, outcome: 'ok' as const };
        } catch (e) {
          const code = inv.cloud.errorCode(e);
          return { r, outcome: outcomeOf(inv, e), error: `${code ? `${code}: ` : ''}${errorMessage(e)}` };
        }
      });
      for (const x of results) {
        tried.add(x.r);
        o.heartbeat?.();
        o.progress?.({ resource: x.r, outcome: x.outcome, ...(x.error !== undefined ? { error: x.error } : {}) });
        if (x.outcome === 'ok') {
          progress = true;
          deleted.push(x.r);
          left = left.filter((r) => r !== x.r);
        } else if (x.error !== undefined) {
          lastError.set(x.r, x.error);
        }
      }
    }
    if (left.length === 0) break;
    if (o.signal?.aborted) {
      gaveUp = 'interrupted';
      break;
    }
    stalled = progress ? 0 : stalled + 1;
    if (count > 0 && stalled >= count) {
      gaveUp = 'count';
      break;
    }
    if (clock.now() - start + intervalMs > waitMs) {
      gaveUp = 'wait';
      break;
    }
    o.waiting?.(left);
    await clock.sleep(intervalMs, o.signal);
  }
  const remaining = left.map((r) => ({ resource: r, error: lastError.get(r) ?? 'not tried: what depends on it is still there' }));
  return { deleted, left: remaining, blockers: left.length > 0 ? await inv.cloud.blockers(left, inv.resources).catch(() => []) : [], rounds, ...(gaveUp ? { gaveUp } : {}) };
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}
