/**
 * `delete instance`: replace one instance of a cluster (kops's cmd/kops/delete_instance.go and
 * instancegroups.go `UpdateSingleInstance`), through the rolling update's own steps:
 *
 *  - with surge (kops's default on AWS; not for control planes, which kops never detaches): the
 *    roll's surge step (`detachSurge`: detach so the group launches a replacement, wait for it to
 *    be in service, validate), then the roll's per-instance step (`drainTerminateAndWait`) on the
 *    detached instance;
 *  - without surge: `drainTerminateAndWait` (drain, terminate, the group replaces it, wait for
 *    the replacement), then a validation.
 *
 * A control plane goes through the roll's quorum guard (inside `drainTerminateAndWait`), so it is
 * refused whenever the roll would refuse it. `cloudOnly`: no drain, no validation, no Kubernetes
 * API. Every step's events are the roll's (`rolling-update.step`, `.validated`, `.warning`).
 *
 * The instance is found among the cluster's instance groups only (the cloud lists a cluster's
 * groups by its ownership tags or labels), by its cloud id or its Node's name: an instance of
 * another cluster is never found, so never touched.
 */
import { KopsError } from '../diagnostics.js';
import { drainTerminateAndWait } from './instance.js';
import { nodeOf } from './order.js';
import { blockingBudgetWarnings, type DrainPolicy } from './pdb-warnings.js';
import { RollContext } from './roll-context.js';
import type { RollGroupSpec, RollingUpdateOptions } from './roll-options.js';
import { resolveSettings } from './settings.js';
import { detachSurge } from './surge.js';
import type { CloudInstance, CloudInstanceGroup, CloudProvider, KubeNode } from './types.js';
import { maybeValidate } from './validation.js';

/** The roll's options that make sense for one instance, plus which instance and whether to surge. */
export interface DeleteInstanceOptions
  extends Omit<RollingUpdateOptions, 'force' | 'interactive' | 'confirm' | 'instanceGroups' | 'instanceGroupRoles' | 'nodeGroupConcurrency' | 'progress'> {
  /** The instance's cloud id (AWS `i-…`, GCE instance name) or its Kubernetes Node's name. */
  readonly instance: string;
  /** Detach first so the group launches the replacement before the drain. Default: see `defaultSurge`. */
  readonly surge?: boolean;
}

export interface LocatedInstance {
  readonly group: CloudInstanceGroup;
  readonly instance: CloudInstance;
  /** Its Node, when the API was asked and has one. */
  readonly node?: KubeNode;
  /** Whether it will be detached first. */
  readonly surge: boolean;
  /** Why surge was turned off or defaulted as it was, when that needs saying. */
  readonly surgeNote?: string;
}

export interface DeleteInstanceResult {
  readonly group: string;
  readonly instance: string;
  readonly node?: string;
  readonly surged: boolean;
}

/**
 * kops's default for `--surge`: true on AWS. On GCE kops cannot surge ("gce cloud provider does
 * not support surging"); kops-ts's GCE surge is what the roll does there: only when the group's
 * resolved `maxSurge` (its `spec.rollingUpdate`, else the cluster's; default 0 on GCE) is above 0.
 */
export function defaultSurge(cloud: CloudProvider['name'], spec: RollGroupSpec | undefined, clusterRU: RollingUpdateOptions['clusterRollingUpdate'], numInstances: number): boolean {
  if (cloud === 'aws') return true;
  return resolveSettings(cloud, clusterRU, spec?.rollingUpdate, numInstances).maxSurge > 0;
}

/**
 * Finds `query` among `groups` by cloud id, else by Node name (the API's Nodes when given, else
 * the name the cloud predicts: with `--cloudonly` there is no API to ask). Pure.
 */
export function findInstance(
  groups: readonly CloudInstanceGroup[],
  nodes: readonly KubeNode[] | undefined,
  query: string,
): { group: CloudInstanceGroup; instance: CloudInstance; node?: KubeNode } | undefined {
  for (const byNode of [false, true]) {
    for (const group of groups) {
      for (const instance of group.instances) {
        const node = nodeOf(instance, nodes);
        const hit = byNode ? (nodes ? node?.name === query : instance.nodeName === query) : instance.id === query;
        if (hit) return { group, instance, ...(node ? { node } : {}) };
      }
    }
  }
  return undefined;
}

/** The cluster's groups as the cloud has them (the spec's groups when given), and the instance `opts.instance`. */
export async function locateInstance(
  opts: Pick<DeleteInstanceOptions, 'cluster' | 'cloud' | 'kube' | 'cloudOnly' | 'specGroups' | 'clusterRollingUpdate' | 'instance' | 'surge' | 'signal'>,
): Promise<{ located: LocatedInstance; groups: CloudInstanceGroup[]; nodes: KubeNode[] | undefined }> {
  const { cluster, cloud } = opts;
  const specs = opts.specGroups?.map((s) => ({ name: s.name, role: s.role }));
  const groups = await cloud.listGroups(cluster, specs);
  const nodes = opts.cloudOnly ? undefined : await opts.kube?.listNodes(opts.signal);
  const hit = findInstance(groups, nodes, opts.instance);
  if (!hit) {
    const searched = groups.map((g) => g.name).join(', ') || 'none found in the cloud';
    const how = opts.cloudOnly || !nodes ? 'cloud id or the node name the cloud gives it' : 'cloud id or Kubernetes Node name';
    // GCE lists no deleted VM: an instance an earlier delete instance removed is simply not found.
    const noRecord = cloud.findGone ? '' : `${cloud.name.toUpperCase()} keeps no record of a deleted instance, so whether an earlier delete instance removed it cannot be told; `;
    throw new KopsError('InstanceNotFound', `instance ${JSON.stringify(opts.instance)} not found by ${how} in the instance groups of cluster ${cluster} (${searched})`, {
      hint: `${noRecord}list the cluster's instances with 'kops-ts get instances --name ${cluster}'`,
    });
  }
  // A bastion is never a Node (kops refuses it here all the same; the roll replaces bastions without the API).
  if (!opts.cloudOnly && !hit.node && hit.group.role !== 'Bastion') {
    throw new KopsError('InstanceNotRegistered', `instance ${hit.instance.id} of instance group ${hit.group.name} is not a member of the cluster: no Kubernetes Node has it`, {
      hint: 'use --cloudonly to delete it without confirming progress with the Kubernetes API (no drain, no validation)',
    });
  }
  const spec = opts.specGroups?.find((s) => s.name === hit.group.name);
  let surge = opts.surge ?? defaultSurge(cloud.name, spec, opts.clusterRollingUpdate, hit.group.instances.length);
  let surgeNote: string | undefined;
  if (surge && hit.group.role === 'ControlPlane') {
    surge = false;
    surgeNote = 'control-plane instances are never detached: replaced without surge (kops: "cannot detach control-plane instances")';
  } else if (opts.surge === undefined && cloud.name === 'gce' && !surge) {
    surgeNote = `no surge: instance group ${hit.group.name}'s maxSurge is 0 (GCE's default); set spec.rollingUpdate.maxSurge or pass --surge to detach first`;
  }
  return { located: { ...hit, surge, ...(surgeNote ? { surgeNote } : {}) }, groups, nodes };
}

/**
 * The warnings for the PodDisruptionBudgets that would refuse an eviction from the instance's Node
 * now (pdb-warnings.ts): none with `cloudOnly` or for a bastion (never drained). Said before the
 * drain by `deleteInstance`, and by the CLI's preview.
 */
export async function budgetWarnings(
  opts: Pick<DeleteInstanceOptions, 'kube' | 'cloudOnly' | 'signal'>,
  located: LocatedInstance,
  policy: DrainPolicy,
): Promise<string[]> {
  if (opts.cloudOnly || !opts.kube || !located.node || located.group.role === 'Bastion') return [];
  return blockingBudgetWarnings(opts.kube, [located.node.name], policy, opts.signal);
}

/** Replaces one instance of the cluster (see the file's comment). Take the cluster lock around it. */
export async function deleteInstance(opts: DeleteInstanceOptions): Promise<DeleteInstanceResult> {
  if (!opts.cloudOnly && !opts.kube) {
    throw new KopsError('NoKubernetesClient', 'deleting an instance needs the Kubernetes API to drain and validate, and none was given', {
      hint: 'delete it cloud-only to terminate it without draining or validating',
    });
  }
  const { located, groups, nodes } = await locateInstance(opts);
  const { group, instance, surge } = located;
  // No interval after the terminate, as kops's delete instance (its intervals are 0).
  const ctx = new RollContext({ ...opts, controlPlaneIntervalMs: 0, nodeIntervalMs: 0, bastionIntervalMs: 0 });
  ctx.groups = [group];
  ctx.nodes = nodes;
  ctx.knowCluster(groups, opts.specGroups ?? []);
  // The record of this one replacement lives in memory: a rolling update's record is not touched.
  ctx.record = { started: new Date(ctx.clock.now()).toISOString(), targeted: { [group.name]: [instance.id] }, done: [] };
  if (located.surgeNote) ctx.emit({ code: 'rolling-update.warning', group: group.name, instance: instance.id, message: located.surgeNote });
  for (const message of await budgetWarnings(opts, located, ctx.o)) ctx.emit({ code: 'rolling-update.warning', group: group.name, instance: instance.id, message });

  let target = instance;
  // An instance an interrupted run left detached (or only marked) is finished as a surge.
  if (surge || instance.status === 'Detached') {
    const update = [instance];
    await detachSurge(ctx, group, update, 1, false, 0);
    target = update[0]!;
  }
  const surged = target.status === 'Detached';
  // A rerun after an interruption finds the instance already detached: detachSurge then only
  // waited for the replacement, so validate as after a fresh detach (answered at once, with
  // nothing changed since, when detachSurge has just validated).
  if (surged) await maybeValidate(ctx, group.name, ctx.o.validateCount);
  await drainTerminateAndWait(ctx, group, target, 0);
  // Without surge (or when the detach failed and the roll's surge step went on without it), the
  // replacement came after the terminate: validate it.
  if (!surged) await maybeValidate(ctx, group.name, ctx.o.validateCount);
  return { group: group.name, instance: instance.id, ...(located.node ? { node: located.node.name } : {}), surged };
}
