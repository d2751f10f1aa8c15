/**
 * `delete cluster`: every cloud resource the cluster owns, then its state.
 *
 * Finding reuses the task kinds: the stored spec is modelled (`buildAwsTasks`) and every kind's own
 * `find` and `findOrphans` read what exists, so the delete sees exactly what `update` manages
 * (IAM by its names, the rest by the `KubernetesCluster` tag). Added to that: the instances the
 * cluster's autoscaling groups launched and those a rolling update detached, and network
 * interfaces (all carry the cluster's tags; interfaces AWS manages are left to AWS). Never deleted: a shared task (the user's VPC, subnets, NAT gateways, given by
 * id), a resource whose tags do not say the cluster owns it, and kinds that cannot delete (the
 * hosted zone, images): those are reported as what remains.
 *
 * Deleting runs in rounds (kops's `DeleteResources`): in each round a resource is tried once its
 * dependents (by kind: if tasks of kind X refer to kind Y, X goes first) are gone; "still has
 * dependencies" and other failures are retried next round. It gives up after `count` rounds
 * without progress (0: never) or when `waitMs` is spent, naming what is left and what blocks it.
 * Time is injected (`clock`) so tests never sleep. Progress is reported through `progress`; the
 * library never prints.
 */
import type { AwsClientOptions } from '../cloud/aws/clients.js';
import { awsErrorCode, isDependencyAwsError } from '../cloud/aws/errors.js';
import { KopsError } from '../diagnostics.js';
import { buildAwsTasks } from '../model/aws/index.js';
import { cloudProviderOf } from '../model/api/types.js';
import type { Clientset } from '../statestore/clientset.js';
import { parseStateStoreURL } from '../statestore/open.js';
import { kindClosure } from '../tasks/apply-graph.js';
import { ownershipTagKey, TAG_CLUSTER, type AwsTaskContext } from '../tasks/aws/context.js';
import { errorMessage } from '../tasks/executor-options.js';
import { buildGraph } from '../tasks/graph.js';
import { isTryAgainLater, systemClock, type Clock } from '../tasks/retry.js';
import { modelStoredCluster, findModelled } from './cluster-resources.js';
import { findBlockers } from './delete-cluster-blockers.js';
import { clusterInstances, clusterInterfaces, clusterSnapshots, untrackedVolumesAndGroups } from './delete-cluster-tagged.js';

/** One resource the cluster owns, as listed (`TYPE NAME ID`) and deleted. */
export interface OwnedResource {
  /** The task kind (`VPC`, `SecurityGroup`, ...), or `ClusterInstance` for launched instances. */
  readonly kind: string;
  /** kops-style type shown in the table and progress lines (`vpc`, `security-group`, `instance`). */
  readonly type: string;
  readonly name: string;
  readonly id: string;
  /** Deletes it (idempotent: gone counts as deleted). */
  readonly remove: () => Promise<void>;
}

/** Something left in the account after the delete, and why. */
export interface Remaining {
  readonly what: string;
  readonly why: string;
}

export interface ClusterInventory {
  readonly resources: readonly OwnedResource[];
  /** What is never deleted (shared resources, the hosted zone, the state store's bucket, snapshots). */
  readonly kept: readonly Remaining[];
  /** `a` must be deleted before `b` (by kind). */
  readonly before: (a: OwnedResource, b: OwnedResource) => boolean;
  readonly ctx: AwsTaskContext;
}

export interface ListClusterResourcesOptions {
  readonly clientset: Clientset;
  readonly clusterName: string;
  readonly aws?: Omit<AwsClientOptions, 'region'>;
}

/** The kind that stands for instances found by tag (not a registry kind: `Instance` is find-only). */
export const CLUSTER_INSTANCE_KIND = 'ClusterInstance';
/** Network interfaces tagged as the cluster's (e.g. made by a CNI on its nodes), found by tag. */
export const CLUSTER_ENI_KIND = 'ClusterNetworkInterface';

const TYPE_NAMES: Readonly<Record<string, string>> = {
  VPC: 'vpc',
  VPCCIDRBlock: 'vpc-cidr-block',
  VPCAmazonIPv6CIDRBlock: 'vpc-ipv6-cidr-block',
  VPCDHCPOptionsAssociation: 'vpc-dhcp-options-association',
  DHCPOptions: 'dhcp-options',
  IAMRole: 'iam-role',
  IAMRolePolicy: 'iam-role-policy',
  IAMInstanceProfile: 'iam-instance-profile',
  IAMInstanceProfileRole: 'iam-instance-profile-role',
  SSHKey: 'keypair',
  EBSVolume: 'volume',
  DNSName: 'dns-record',
  ElasticIP: 'elastic-ip',
  NatGateway: 'nat-gateway',
  AutoscalingGroup: 'autoscaling-group',
  NetworkLoadBalancer: 'load-balancer',
  NetworkLoadBalancerListener: 'load-balancer-listener',
  [CLUSTER_INSTANCE_KIND]: 'instance',
  [CLUSTER_ENI_KIND]: 'network-interface',
};

/** kops-style lower-case type of a kind: `SecurityGroupRule` → `security-group-rule`. */
export function resourceType(kind: string): string {
  return TYPE_NAMES[kind] ?? kind.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** True when the tags say the cluster owns the resource (either of kops's two ownership tags). */
export function ownedByTags(tags: Readonly<Record<string, string>>, cluster: string): boolean {
  return tags[TAG_CLUSTER] === cluster || tags[ownershipTagKey(cluster)] === 'owned';
}

function tagsOfActual(actual: unknown): Record<string, string> | undefined {
  const t = (actual as { tags?: unknown } | null)?.tags;
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(t)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Reads the spec and lists what the cluster owns in the cloud; changes nothing. */
export async function listClusterResources(o: ListClusterResourcesOptions): Promise<ClusterInventory> {
  const name = o.clusterName;
  const m = await modelStoredCluster(o, (cluster) => {
    const cloud = cloudProviderOf(cluster.spec);
    if (cloud !== 'aws') {
      throw new KopsError('UnsupportedCloud', `delete cluster deletes AWS clusters only; ${name} is on ${cloud}`, {
        hint: `delete its cloud resources by hand, then remove only its state with kops-ts delete cluster --name ${name} --unregister --yes`,
        exitCode: 2,
      });
    }
  });
  const { ctx, tasks, registry, byKey } = m;
  const found = await findModelled(m);
  const resources: OwnedResource[] = [];
  const kept: Remaining[] = [];
  const candidates = [
    ...[...found.found].map(([k, actual]) => ({ kind: byKey.get(k)?.kind ?? k.split('/')[0]!, name: k.slice(k.indexOf('/') + 1), actual, shared: byKey.get(k)?.shared === true })),
    ...found.orphans.map((x) => ({ kind: x.kind, name: x.name, actual: x.actual, shared: false })),
  ];
  for (const c of candidates) {
    const kind = registry.get(c.kind);
    const id = kind.outputs(c.actual).id ?? c.name;
    const isShared = c.shared || (c.actual as { shared?: unknown } | null)?.shared === true;
    if (c.kind === 'Image' || c.kind === 'Instance') continue; // looked up, never the cluster's
    if (c.kind === 'DNSZone') {
      const zoneName = (c.actual as { name?: unknown } | null)?.name;
      kept.push({ what: `Route53 hosted zone ${typeof zoneName === 'string' ? zoneName : c.name} (${id})`, why: 'hosted zones are never deleted (only the cluster\'s records in it)' });
      continue;
    }
    if (isShared) {
      kept.push({ what: `${resourceType(c.kind)} ${id}`, why: 'shared: given by id in the spec, it is the user\'s' });
      continue;
    }
    const tags = tagsOfActual(c.actual);
    if (tags && !ownedByTags(tags, name)) {
      kept.push({ what: `${resourceType(c.kind)} ${c.name} (${id})`, why: `it has the cluster's name but not its ownership tag (${TAG_CLUSTER}=${name})` });
      continue;
    }
    const del = kind.delete?.bind(kind);
    if (!del) {
      kept.push({ what: `${resourceType(c.kind)} ${c.name} (${id})`, why: `kops-ts cannot delete a ${c.kind}` });
      continue;
    }
    resources.push({ kind: c.kind, type: resourceType(c.kind), name: c.name, id, remove: () => del(ctx, c.actual) });
  }
  resources.push(...(await clusterInstances(ctx)), ...(await clusterInterfaces(ctx)));
  resources.push(...(await untrackedVolumesAndGroups(ctx, new Set(resources.map((r) => r.id)))));
  kept.push(...(await clusterSnapshots(ctx)));
  const store = parseStateStoreURL(o.clientset.store.url);
  if (store.scheme === 's3') kept.push({ what: `the state store bucket s3://${store.bucket}`, why: 'it may hold other clusters; kops-ts deletes only this cluster\'s objects in it' });

  // Order by kind: X before Y when X's tasks refer (even indirectly) to Y's.
  const closure = kindClosure(buildGraph(tasks, registry));
  // Launched instances use what their group's launch template names and sit in the group's subnets:
  // they go after the group (which would replace them) and before everything the group uses.
  const asgDeps = closure.get('AutoscalingGroup') ?? new Set<string>();
  // The etcd volumes are attached to the control-plane instances (AWS: VolumeInUse until detached).
  closure.set(CLUSTER_INSTANCE_KIND, new Set([...asgDeps, ...(closure.get('LaunchTemplate') ?? []), 'EBSVolume']));
  closure.set('AutoscalingGroup', new Set([...asgDeps, CLUSTER_INSTANCE_KIND]));
  // An interface is deleted once detached (its instance gone), before its subnet and groups.
  for (const [kind, deps] of closure) if (deps.has(CLUSTER_INSTANCE_KIND) || kind === CLUSTER_INSTANCE_KIND) deps.add(CLUSTER_ENI_KIND);
  closure.set(CLUSTER_ENI_KIND, new Set(['Subnet', 'SecurityGroup', 'VPC', ...(closure.get('Subnet') ?? [])]));
  const dependsOn = (a: string, b: string) => a !== b && (closure.get(a)?.has(b) ?? false) && !(closure.get(b)?.has(a) ?? false);
  resources.sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return { resources, kept, ctx, before: (a, b) => dependsOn(a.kind, b.kind) };
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

function outcomeOf(e: unknown): DeleteOutcome {
  // VolumeInUse: a volume still attached to an instance that is terminating.
  if (isDependencyAwsError(e) || awsErrorCode(e) === 'VolumeInUse') return 'dependencies';
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
          const code = awsErrorCode(e);
          return { r, outcome: outcomeOf(e), error: `${code ? `${code}: ` : ''}${errorMessage(e)}` };
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
  return { deleted, left: remaining, blockers: left.length > 0 ? await findBlockers(inv.ctx, left, inv.resources).catch(() => []) : [], rounds, ...(gaveUp ? { gaveUp } : {}) };
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}
