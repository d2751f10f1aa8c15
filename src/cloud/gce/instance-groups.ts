/**
 * The rolling update's GCE cloud (`CloudProvider`, src/rolling-update/types.ts): a cluster's
 * instance groups as their zonal managed instance groups (MIGs) have them, and the few mutations
 * a roll makes. kops's upup/pkg/fi/cloudup/gce/instancegroups.go is the model.
 *
 * Listing:
 *  - the cluster's instance templates: ONE paged `instanceTemplates.list` filtered by the
 *    ownership label (`k8s-io-cluster-name`); their `properties.labels` name the instance group
 *    (`k8s-io-instance-group`) and its role (`k8s-io-role-*`).
 *  - the MIGs: ONE paged `instanceGroupManagers.aggregatedList`. A MIG belongs to a kops group
 *    when its name is the group's MIG name in its zone (`<zone letter>-<ig>-<safe cluster>`,
 *    kops's `NameForInstanceGroupManager` / `matchInstanceGroup`), or when its template is one of
 *    the cluster's and labels it with the group. One kops group spans one MIG per zone: they are
 *    reported as ONE `CloudInstanceGroup` (sizes summed, `cloudName` = the MIG names, comma-joined).
 *  - the members: `instanceGroupManagers.listManagedInstances` per MIG. An instance `NeedsUpdate`
 *    when the template it was created from (`version.instanceTemplate`) is not its MIG's
 *    `instanceTemplate` (kops compares the same two fields). Its state is `InService` when the MIG
 *    has no action pending on it (`currentAction: NONE`) and it runs; otherwise the action
 *    (`CREATING`, `RECREATING`, ...) or the VM's status. Members being deleted or abandoned are
 *    left out (but one being abandoned by a detach is listed `Detached`).
 *  - machine type, addresses and labels come from ONE paged `instances.aggregatedList` filtered
 *    by the cluster label. GCE node names are the instance names: `nodeName` is the name, the
 *    provider id `gce://<project>/<zone>/<name>`, and the instance id the roll uses is the name too
 *    (what the kubelet's provider id ends with).
 *
 * Mutations:
 *  - `terminate`: `instances.delete` of the VM, awaited. The MIG recreates a member it lost under
 *    the SAME name from its current template (kops: `recreateInstances` in older releases, a
 *    delete that the MIG heals in newer ones: the same effect). A detached instance is deleted the
 *    same way and not recreated; when its MIG was left one short (a detach interrupted between its
 *    abandon and its resize) the MIG is first resized back to the size the label recorded.
 *  - `detach` (surge; kops itself refuses to surge on GCE): GCE has no tags and an abandoned
 *    instance keeps no link to its group, so the instance is first LABELLED
 *    `kops-k8s-io-detached-from-mig=<mig>` and `kops-k8s-io-detached-target-size=<size>`
 *    (setLabels with the label fingerprint), then `abandonInstances` takes it out of the MIG
 *    (which lowers the MIG's targetSize, as GCE documents), then `resize` sets the size back so
 *    the MIG launches the replacement while the old instance keeps serving. `listGroups` shows
 *    labelled instances as `Detached`, so a resumed roll finds and finishes them.
 *  - `deregister`: the API's network load balancer is a target pool the control-plane MIGs name
 *    (`targetPools`); an instance the pool lists is taken out with `targetPools.removeInstance`.
 *    Target pools have no connection draining (unlike AWS target groups), so there is nothing to
 *    wait for beyond the operation. kops does nothing here on GCE.
 *
 * Every mutation's operation is awaited (`awaitOperation`, with backoff).
 */
import type { protos } from '@google-cloud/compute';
import { KopsError } from '../../diagnostics.js';
import type { NormalizedRole } from '../../model/api/types.js';
import { clusterLabelValue } from '../../model/gce/labels.js';
import { instanceGroupManagerName } from '../../model/gce/names.js';
import type { CloudInstance, CloudInstanceGroup, CloudInstanceStatus, CloudProvider, Clock } from '../../rolling-update/types.js';
import { lastSegment, LIST_OPTS, relLink } from '../../tasks/gce/common.js';
import { listClusterTemplates } from '../../tasks/gce/cluster-templates.js';
import { safeClusterName } from '../../tasks/gce/context.js';
import { globalTemplateLabels, migNotOurs } from '../../tasks/gce/owned-names.js';
import { GCE_LABEL_CLUSTER, GCE_LABEL_INSTANCE_GROUP } from '../../tasks/gce/types.js';
import type { GceClients } from './clients.js';
import { describeGceError, isGceNotFound } from './errors.js';
import { awaitOperation, type MutationResult, type WaitOptions } from './operations.js';

type ApiMig = protos.google.cloud.compute.v1.IInstanceGroupManager;
type ApiInstance = protos.google.cloud.compute.v1.IInstance;
type ApiManagedInstance = protos.google.cloud.compute.v1.IManagedInstance;

/** On an instance detached for surge: the MIG it was abandoned from. */
export const GCE_LABEL_DETACHED_FROM = 'kops-k8s-io-detached-from-mig';
/** On an instance detached for surge: its MIG's targetSize before the abandon. */
export const GCE_LABEL_DETACHED_SIZE = 'kops-k8s-io-detached-target-size';

/** The state word of an instance detached from its MIG. */
export const DETACHED_STATE = 'Detached';
/** The state word of a member the MIG is done with and that runs. */
export const IN_SERVICE_STATE = 'InService';


/** MIG actions after which the instance is on its way out. */
const LEAVING_ACTIONS = new Set(['DELETING', 'ABANDONING']);
/** VM statuses of a detached instance still worth finishing. */
const LIVE_STATUSES = new Set(['PROVISIONING', 'STAGING', 'RUNNING']);

export interface GceCloudProviderOptions {
  /** How operations are awaited (tests shorten the backoff). */
  readonly wait?: WaitOptions;
}

/** A GCE instance as the roll sees it, with where it lives (kept through the roll's spreads). */
export interface GceCloudInstance extends CloudInstance {
  readonly zone: string;
  /** The MIG it belongs (or, detached, belonged) to. */
  readonly mig: string;
}

function isGceInstance(i: CloudInstance): i is GceCloudInstance {
  const x = i as Partial<GceCloudInstance>;
  return typeof x.zone === 'string' && typeof x.mig === 'string';
}

/** A group's role as its instances' labels say it (kops's role labels). */
export function roleFromLabels(labels: Readonly<Record<string, string>>): NormalizedRole {
  if ('k8s-io-role-control-plane' in labels || 'k8s-io-role-master' in labels) return 'ControlPlane';
  if ('k8s-io-role-bastion' in labels) return 'Bastion';
  if ('k8s-io-role-apiserver' in labels) return 'APIServer';
  return 'Node';
}

/**
 * `NeedsUpdate` when the instance was created from another template than its MIG names now, or
 * when either is unknown (kops: `latestInstanceTemplate == i.Version.InstanceTemplate`). Pure.
 */
export function templateStatus(migTemplate: string | null | undefined, instanceTemplate: string | null | undefined): CloudInstanceStatus {
  const want = relLink(migTemplate);
  return want !== '' && relLink(instanceTemplate) === want ? 'UpToDate' : 'NeedsUpdate';
}

/** The roll's state word for a managed instance: `InService` when the MIG is done with it and it runs. Pure. */
export function managedState(currentAction: string | null | undefined, instanceStatus: string | null | undefined): string {
  const action = currentAction ?? 'NONE';
  if (action !== 'NONE') return action;
  if (instanceStatus === 'RUNNING') return IN_SERVICE_STATE;
  return instanceStatus ?? 'UNKNOWN';
}

function instanceDetails(project: string, zone: string, name: string, i: ApiInstance | undefined): Pick<CloudInstance, 'machineType' | 'privateIp' | 'publicIp' | 'nodeName' | 'providerId'> {
  const nic = i?.networkInterfaces?.[0];
  const natIp = nic?.accessConfigs?.find((a) => a.natIP)?.natIP;
  return {
    ...(i?.machineType ? { machineType: lastSegment(i.machineType) } : {}),
    ...(nic?.networkIP ? { privateIp: nic.networkIP } : {}),
    ...(natIp ? { publicIp: natIp } : {}),
    nodeName: name,
    providerId: `gce://${project}/${zone}/${name}`,
  };
}

/** GCE's 400 for an instance no longer in the group ("… is not a member of …"). */
function isNotMember(e: unknown): boolean {
  const d = describeGceError(e);
  return d.status === 400 && /not a member/i.test(d.message);
}

interface MigOfGroup {
  readonly mig: ApiMig;
  readonly zone: string;
}

export class GceCloudProvider implements CloudProvider {
  readonly name = 'gce' as const;
  private readonly wait: WaitOptions;
  /** Where each instance listed last lives (for instances handed back without it). */
  private readonly located = new Map<string, { zone: string; mig: string }>();

  constructor(
    private readonly clients: GceClients,
    opts: GceCloudProviderOptions = {},
  ) {
    this.wait = opts.wait ?? {};
  }

  private get project(): string {
    return this.clients.project;
  }

  async listGroups(cluster: string, groups?: readonly { name: string; role: NormalizedRole }[]): Promise<CloudInstanceGroup[]> {
    const project = this.project;
    const owner = clusterLabelValue(cluster);
    const wanted = groups ? new Map(groups.map((g) => [g.name, g.role])) : undefined;

    const owned = { clusterName: cluster, safeClusterName: safeClusterName(cluster) };
    const templateLabels = new Map<string, Record<string, string>>();
    for (const t of await listClusterTemplates(this.clients, project, cluster)) {
      const labels = { ...(t.properties?.labels ?? {}) };
      if (labels[GCE_LABEL_CLUSTER] === owner && t.selfLink) templateLabels.set(relLink(t.selfLink), labels);
    }

    const byGroup = new Map<string, { role: NormalizedRole; migs: MigOfGroup[] }>();
    for await (const [, scoped] of this.clients.instanceGroupManagers.aggregatedListAsync({ project }, LIST_OPTS)) {
      for (const mig of scoped.instanceGroupManagers ?? []) {
        const zone = lastSegment(mig.zone);
        const labels = templateLabels.get(relLink(mig.instanceTemplate));
        let ig: string | undefined;
        if (wanted) ig = [...wanted.keys()].find((g) => instanceGroupManagerName(cluster, g, zone) === mig.name);
        // The name is not the cluster's alone (group `nodes-foo` of <c>, `nodes` of foo.<c>): a MIG
        // whose template is another cluster's (or the user's), or whose base instance name is
        // another group's, is never rolled (owned-names.ts migNotOurs, as update refuses it).
        if (ig !== undefined && migNotOurs(owned, mig, labels ?? (await globalTemplateLabels(this.clients, relLink(mig.instanceTemplate)))) !== undefined) ig = undefined;
        const labelled = labels?.[GCE_LABEL_INSTANCE_GROUP];
        if (ig === undefined && labelled && (!wanted || wanted.has(labelled))) ig = labelled;
        if (ig === undefined) continue;
        const entry = byGroup.get(ig) ?? { role: wanted?.get(ig) ?? roleFromLabels(labels ?? {}), migs: [] };
        entry.migs.push({ mig, zone });
        byGroup.set(ig, entry);
      }
    }
    if (byGroup.size === 0) return [];

    const instances = new Map<string, ApiInstance>();
    for await (const [, scoped] of this.clients.instances.aggregatedListAsync({ project, filter: `labels.${GCE_LABEL_CLUSTER} = "${owner}"` }, LIST_OPTS)) {
      for (const i of scoped.instances ?? []) if (i.name) instances.set(`${lastSegment(i.zone)}/${i.name}`, i);
    }

    const out: CloudInstanceGroup[] = [];
    for (const [ig, { role, migs }] of byGroup) {
      const list: GceCloudInstance[] = [];
      let targetSize = 0;
      for (const { mig, zone } of migs.sort((a, b) => String(a.mig.name).localeCompare(String(b.mig.name)))) {
        const migName = mig.name ?? '';
        targetSize += mig.targetSize ?? 0;
        const members = await this.managedInstances(zone, migName);
        const memberNames = new Set<string>();
        for (const m of members) {
          const name = lastSegment(m.instance);
          if (!name) continue;
          memberNames.add(name);
          const vm = instances.get(`${zone}/${name}`);
          const detachedLabel = vm?.labels?.[GCE_LABEL_DETACHED_FROM] !== undefined;
          if (m.currentAction === 'ABANDONING' && detachedLabel) {
            // Our own detach, still in progress: already out of the group's count.
            list.push({ id: name, group: ig, status: 'Detached', state: DETACHED_STATE, zone, mig: migName, ...instanceDetails(this.project, zone, name, vm) });
            continue;
          }
          if (LEAVING_ACTIONS.has(m.currentAction ?? '')) continue;
          list.push({
            id: name,
            group: ig,
            status: detachedLabel ? 'Detached' : templateStatus(mig.instanceTemplate, m.version?.instanceTemplate),
            state: managedState(m.currentAction, m.instanceStatus ?? vm?.status),
            zone,
            mig: migName,
            ...instanceDetails(this.project, zone, name, vm),
          });
        }
        for (const [key, vm] of instances) {
          const name = vm.name ?? '';
          if (!key.startsWith(`${zone}/`) || memberNames.has(name)) continue;
          if (vm.labels?.[GCE_LABEL_DETACHED_FROM] !== migName || !LIVE_STATUSES.has(vm.status ?? '')) continue;
          list.push({ id: name, group: ig, status: 'Detached', state: DETACHED_STATE, zone, mig: migName, ...instanceDetails(this.project, zone, name, vm) });
        }
      }
      list.sort((a, b) => a.id.localeCompare(b.id));
      for (const i of list) this.located.set(i.id, { zone: i.zone, mig: i.mig });
      out.push({
        name: ig,
        role,
        cloudName: migs.map((m) => m.mig.name ?? '').join(','),
        // kops: a MIG's min and max are its target size.
        minSize: targetSize,
        maxSize: targetSize,
        targetSize,
        instances: list,
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async detach(_group: CloudInstanceGroup, instance: CloudInstance): Promise<void> {
    const { zone, mig } = this.locate(instance);
    const project = this.project;
    const migRef = { project, zone, instanceGroupManager: mig };
    const [vm] = await this.clients.instances.get({ project, zone, instance: instance.id });
    const labels: Record<string, string> = { ...(vm.labels ?? {}) };
    // The size to restore: recorded by an earlier, interrupted detach, else the MIG's now.
    let size = Number(labels[GCE_LABEL_DETACHED_SIZE]);
    if (!Number.isInteger(size) || labels[GCE_LABEL_DETACHED_FROM] !== mig) {
      const [m] = await this.clients.instanceGroupManagers.get(migRef);
      size = m.targetSize ?? 0;
    }
    // The label first: a roll interrupted after it finds the instance as detached.
    if (labels[GCE_LABEL_DETACHED_FROM] !== mig || labels[GCE_LABEL_DETACHED_SIZE] !== String(size)) {
      await this.done(
        this.clients.instances.setLabels({
          project,
          zone,
          instance: instance.id,
          instancesSetLabelsRequestResource: { labels: { ...labels, [GCE_LABEL_DETACHED_FROM]: mig, [GCE_LABEL_DETACHED_SIZE]: String(size) }, labelFingerprint: vm.labelFingerprint ?? null },
        }),
      );
    }
    try {
      await this.done(
        this.clients.instanceGroupManagers.abandonInstances({
          ...migRef,
          instanceGroupManagersAbandonInstancesRequestResource: { instances: [vm.selfLink ?? `projects/${project}/zones/${zone}/instances/${instance.id}`] },
        }),
      );
    } catch (e) {
      if (!isNotMember(e)) throw e;
    }
    await this.restoreSize(zone, mig, size);
  }

  async terminate(_group: CloudInstanceGroup, instance: CloudInstance): Promise<void> {
    const { zone, mig } = this.locate(instance);
    const project = this.project;
    if (instance.state === DETACHED_STATE) {
      // A detach interrupted between its abandon and its resize left the MIG one short.
      try {
        const [vm] = await this.clients.instances.get({ project, zone, instance: instance.id });
        const size = Number(vm.labels?.[GCE_LABEL_DETACHED_SIZE]);
        if (Number.isInteger(size) && vm.labels?.[GCE_LABEL_DETACHED_FROM] === mig) await this.restoreSize(zone, mig, size);
      } catch (e) {
        if (isGceNotFound(e)) return;
        throw e;
      }
    }
    try {
      // A member is recreated by its MIG under the same name; a detached instance just goes.
      await this.done(this.clients.instances.delete({ project, zone, instance: instance.id }));
    } catch (e) {
      if (!isGceNotFound(e)) throw e;
    }
  }

  async deregister(_group: CloudInstanceGroup, instance: CloudInstance, _clock: Clock, _signal?: AbortSignal): Promise<void> {
    const { zone, mig } = this.locate(instance);
    const project = this.project;
    const link = `projects/${project}/zones/${zone}/instances/${instance.id}`;
    let pools: string[];
    try {
      const [m] = await this.clients.instanceGroupManagers.get({ project, zone, instanceGroupManager: mig });
      pools = (m.targetPools ?? []).map(relLink).sort();
    } catch (e) {
      if (isGceNotFound(e)) return;
      throw e;
    }
    for (const pool of pools) {
      const parts = pool.split('/');
      const region = parts[3] ?? '';
      const targetPool = parts[5] ?? '';
      const [p] = await this.clients.targetPools.get({ project, region, targetPool });
      if (!(p.instances ?? []).some((i) => relLink(i) === link)) continue;
      try {
        await this.done(
          this.clients.targetPools.removeInstance({
            project,
            region,
            targetPool,
            targetPoolsRemoveInstanceRequestResource: { instances: [{ instance: `https://www.googleapis.com/compute/v1/${link}` }] },
          }),
        );
      } catch (e) {
        if (!isGceNotFound(e)) throw e;
      }
    }
  }

  /** Sets the MIG's targetSize back up to `size` (never lowers it). */
  private async restoreSize(zone: string, mig: string, size: number): Promise<void> {
    const migRef = { project: this.project, zone, instanceGroupManager: mig };
    const [m] = await this.clients.instanceGroupManagers.get(migRef);
    if ((m.targetSize ?? 0) < size) await this.done(this.clients.instanceGroupManagers.resize({ ...migRef, size }));
  }

  private async managedInstances(zone: string, mig: string): Promise<ApiManagedInstance[]> {
    const out: ApiManagedInstance[] = [];
    for await (const m of this.clients.instanceGroupManagers.listManagedInstancesAsync({ project: this.project, zone, instanceGroupManager: mig }, LIST_OPTS)) out.push(m);
    return out;
  }

  private locate(instance: CloudInstance): { zone: string; mig: string } {
    if (isGceInstance(instance)) return { zone: instance.zone, mig: instance.mig };
    const known = this.located.get(instance.id);
    if (known) return known;
    throw new KopsError('UnknownInstance', `instance ${instance.id} of instance group ${instance.group} was not found in the cluster's managed instance groups`, {
      hint: 'run the rolling update again: it lists the instance groups afresh',
    });
  }

  private async done(result: Promise<MutationResult>): Promise<void> {
    await awaitOperation(this.clients, await result, this.wait);
  }
}

/**
 * The rolling update's GCE cloud for a `Cloud.instanceGroups(cluster)`, which must answer at once:
 * the Compute clients (a dynamic import of `@google-cloud/compute`) are opened on the first call
 * and shared by the later ones.
 */
export function lazyGceCloudProvider(open: () => Promise<GceClients>, opts: GceCloudProviderOptions = {}): CloudProvider {
  let provider: Promise<GceCloudProvider> | undefined;
  const get = (): Promise<GceCloudProvider> => {
    provider ??= open().then((c) => new GceCloudProvider(c, opts));
    // A failed open is tried again on the next call.
    provider.catch(() => {
      provider = undefined;
    });
    return provider;
  };
  return {
    name: 'gce',
    listGroups: async (cluster, groups) => (await get()).listGroups(cluster, groups),
    detach: async (group, instance) => (await get()).detach(group, instance),
    terminate: async (group, instance) => (await get()).terminate(group, instance),
    deregister: async (group, instance, clock, signal) => (await get()).deregister(group, instance, clock, signal),
  };
}
