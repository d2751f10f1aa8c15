/**
 * Inspecting a built cluster, changing nothing:
 *
 *  - `listInstances` (`get instances`): every instance of the cluster's instance groups as the
 *    cloud has them (`CloudProvider.listGroups`: status UpToDate / NeedsUpdate / Detached, addresses,
 *    machine type, lifecycle state), joined with the Kubernetes Nodes when the API answers (by the
 *    instance id in `spec.providerID`, else by the node name the cloud predicts). Without the API,
 *    the node name is the cloud's and `nodesUnavailable` says why (kops warns and goes on).
 *  - `dumpCluster` (`toolbox dump`): the cluster's cloud resources found as `update` and `delete`
 *    find them — the stored spec modelled by its cloud (`Cloud.model`) and every kind's own batched
 *    `find` and `findOrphans` — shaped as kops's dump (`resources`, `instances`, `subnets`, `vpc`,
 *    `loadBalancers`) plus security groups, autoscaling groups and etcd volumes (the cloud's
 *    sections: `Cloud.dumpDetails`), and what `delete cluster` finds beyond the kinds by tag or
 *    label (`CloudDeletion.tagged`: the Services' load balancers, untracked security groups such
 *    as a classic ELB's `k8s-elb-*`, network interfaces, volumes). Only names, ids
 *    and plain attributes are copied out of what the kinds found: never a launch template's user
 *    data, a policy document or a key's material.
 */
import type { CloudOptions, FoundResource } from '../cloud/provider.js';
import { normalizeRole, type InstanceGroup, type NormalizedRole } from '../model/api/types.js';
import type { CloudInstanceGroup, CloudInstanceStatus, CloudProvider, KubeNode } from '../rolling-update/types.js';
import type { Clientset } from '../statestore/clientset.js';
import { findModelled, withStoredCluster, type ModelledCluster } from './cluster-resources.js';

// ---------------------------------------------------------------------------------------------
// get instances

/** One row of `get instances` (kops's columns), and its JSON/YAML form. */
export interface InstanceRow {
  readonly id: string;
  /** The Node's name when the API answered and has one, else the name the cloud predicts ('' if none). */
  readonly nodeName: string;
  readonly status: CloudInstanceStatus;
  /** The Node's roles when joined, else the instance group's role (kops's lower-case words). */
  readonly roles: readonly string[];
  readonly internalIP: string;
  readonly externalIP: string;
  readonly instanceGroup: string;
  readonly machineType: string;
  /** The cloud's lifecycle state (`InService`, `Pending`, `Detached`, …). */
  readonly state: string;
}

const ROLE_WORDS: Readonly<Record<NormalizedRole, string>> = { ControlPlane: 'control-plane', Node: 'node', Bastion: 'bastion', APIServer: 'apiserver' };

/**
 * Cloud instances joined with Nodes (pure). A node matches by the instance id of its provider id,
 * else by name; `nodes` undefined means the API was not reachable. Rows sorted by group, then id.
 */
export function joinInstances(groups: readonly CloudInstanceGroup[], nodes: readonly KubeNode[] | undefined): InstanceRow[] {
  const byId = new Map((nodes ?? []).flatMap((n) => (n.instanceId ? [[n.instanceId, n] as const] : [])));
  const byName = new Map((nodes ?? []).map((n) => [n.name, n] as const));
  const rows: InstanceRow[] = [];
  for (const g of groups) {
    for (const i of g.instances) {
      const node = byId.get(i.id) ?? (i.nodeName !== undefined ? byName.get(i.nodeName) : undefined);
      rows.push({
        id: i.id,
        nodeName: node?.name ?? (nodes === undefined ? (i.nodeName ?? '') : ''),
        status: i.status,
        roles: node && node.roles.length > 0 ? node.roles : [ROLE_WORDS[g.role]],
        internalIP: i.privateIp ?? '',
        externalIP: i.publicIp ?? '',
        instanceGroup: g.name,
        machineType: i.machineType ?? '',
        state: i.state,
      });
    }
  }
  return rows.sort((a, b) => a.instanceGroup.localeCompare(b.instanceGroup) || a.id.localeCompare(b.id));
}

export interface ListInstancesOptions {
  readonly clusterName: string;
  /** The instance groups to list (`--instance-group`-like selection is the caller's). */
  readonly instanceGroups: readonly InstanceGroup[];
  readonly cloud: CloudProvider;
  /** The cluster's Nodes; a rejection makes the listing fall back to the cloud's names. */
  readonly listNodes?: () => Promise<KubeNode[]>;
}

export interface InstanceListing {
  readonly instances: readonly InstanceRow[];
  /** Why the Nodes could not be listed (node names are then the cloud's), when they could not. */
  readonly nodesUnavailable?: string;
}

/** The instances of the cluster, from the cloud, with their Nodes when the API answers. */
export async function listInstances(o: ListInstancesOptions): Promise<InstanceListing> {
  // The cloud and the API at once: a slow API costs no more than its own timeout.
  const listNodes = o.listNodes;
  const [groups, nodes] = await Promise.all([
    o.cloud.listGroups(o.clusterName, o.instanceGroups.map((g) => ({ name: g.metadata.name, role: normalizeRole(g.spec.role) }))),
    listNodes ? listNodes().then((n): KubeNode[] | { error: string } => n, (e: unknown) => ({ error: firstLine(e) })) : Promise.resolve({ error: 'no Kubernetes API client' }),
  ]);
  const nodesUnavailable = Array.isArray(nodes) ? undefined : nodes.error;
  return { instances: joinInstances(groups, Array.isArray(nodes) ? nodes : undefined), ...(nodesUnavailable !== undefined ? { nodesUnavailable } : {}) };
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0] ?? m;
}

// ---------------------------------------------------------------------------------------------
// toolbox dump

/** kops's dump `resources` entry: what exists and is the cluster's (type, name, id). */
export interface DumpResource {
  readonly type: string;
  readonly name: string;
  readonly id: string;
  /** The user's, given by id in the spec (never changed or deleted by kops-ts). */
  readonly shared?: true;
}

export interface DumpInstance {
  readonly id: string;
  readonly name: string;
  readonly instanceGroup: string;
  readonly roles: readonly string[];
  readonly status: CloudInstanceStatus;
  readonly state: string;
  readonly machineType: string;
  readonly privateAddresses: readonly string[];
  readonly publicAddresses: readonly string[];
}

export interface DumpSubnet {
  readonly id: string;
  readonly name: string;
  readonly zone: string;
  readonly cidr: string;
  readonly ipv6Cidr?: string;
  readonly shared?: true;
}

export interface DumpVpc {
  readonly id: string;
  readonly cidr: string;
  readonly shared?: true;
}

export interface DumpLoadBalancer {
  readonly name: string;
  readonly dnsName: string;
  readonly type: string;
  readonly scheme: string;
  readonly state: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
}

export interface DumpSecurityGroup {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly vpcId: string;
}

export interface DumpAutoscalingGroup {
  readonly name: string;
  readonly instanceGroup: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly launchTemplate: string;
  readonly launchTemplateVersion: string;
  readonly subnets: readonly string[];
}

export interface DumpVolume {
  readonly id: string;
  readonly name: string;
  readonly zone: string;
  readonly sizeGb: number;
  readonly volumeType: string;
  readonly encrypted: boolean;
  readonly state: string;
  /** `main` / `events`: from the volume's `k8s.io/etcd/<cluster>` tag (`<member>/<all members>`), when it has one. */
  readonly etcdCluster?: string;
  /** The member (`a`, `b`, …) the volume holds. */
  readonly etcdMember?: string;
}

/** The dump, in kops's shape where kops has one (`resources`, `instances`, `subnets`, `vpc`, `loadBalancers`). */
export interface ClusterDump {
  readonly cluster: string;
  readonly region: string;
  readonly resources: readonly DumpResource[];
  readonly instances: readonly DumpInstance[];
  readonly subnets: readonly DumpSubnet[];
  readonly vpc?: DumpVpc;
  readonly loadBalancers: readonly DumpLoadBalancer[];
  readonly securityGroups: readonly DumpSecurityGroup[];
  readonly autoscalingGroups: readonly DumpAutoscalingGroup[];
  readonly etcdVolumes: readonly DumpVolume[];
}

export interface DumpClusterOptions {
  readonly clientset: Clientset;
  readonly clusterName: string;
  /** AWS client settings beyond the region (timeouts; tests: endpoint, credentials, hooks). */
  readonly aws?: CloudOptions['aws'];
  /** The instance listing (the rolling update's cloud); instances are left out when not given. */
  readonly cloud?: CloudProvider;
}

/** Reads the spec and the cloud; changes nothing. */
export function dumpCluster(o: DumpClusterOptions): Promise<ClusterDump> {
  return withStoredCluster(o, 'toolbox dump', (m) => dump(o, m));
}

async function dump<C>(o: DumpClusterOptions, m: ModelledCluster<C>): Promise<ClusterDump> {
  const name = o.clusterName;
  const { completed, byKey, registry, cloud } = m;
  const del = cloud.deletion;
  const [outcome, groups] = await Promise.all([
    findModelled(m),
    o.cloud ? o.cloud.listGroups(name, completed.instanceGroups.map((g) => ({ name: g.metadata.name, role: normalizeRole(g.spec.role) }))) : Promise.resolve([]),
  ]);
  const idOf = (kind: string, name: string, actual: unknown) => registry.get(kind).outputs(actual).id ?? name;
  const found: FoundResource[] = [
    ...[...outcome.found].map(([k, actual]) => {
      const t = byKey.get(k);
      const kind = t?.kind ?? k.slice(0, k.indexOf('/'));
      const n = k.slice(k.indexOf('/') + 1);
      // What the cloud always keeps (the hosted zone) is the user's: kops-ts only writes records in it.
      return { kind, name: n, actual, shared: t?.shared === true || isShared(actual) || (!del.lookupKinds.has(kind) && del.alwaysKept(kind, n, idOf(kind, n, actual), actual) !== undefined) };
    }),
    ...outcome.orphans.map((x) => ({ kind: x.kind, name: x.name, actual: x.actual, shared: false })),
    // A resource found by a task's name that is someone else's (the kind says so) is not the cluster's.
  ].filter((f) => !del.lookupKinds.has(f.kind) && registry.get(f.kind).notOurs?.(f.actual) === undefined);

  const resources: DumpResource[] = found
    .map((f) => ({ type: del.resourceType(f.kind), name: f.name, id: idOf(f.kind, f.name, f.actual), ...(f.shared ? { shared: true as const } : {}) }))
    .sort(byTypeNameId);
  const instances: DumpInstance[] = groups
    .flatMap((g) =>
      g.instances.map((i) => ({
        id: i.id,
        name: i.nodeName ?? '',
        instanceGroup: g.name,
        roles: [ROLE_WORDS[g.role]],
        status: i.status,
        state: i.state,
        machineType: i.machineType ?? '',
        privateAddresses: i.privateIp ? [i.privateIp] : [],
        publicAddresses: i.publicIp ? [i.publicIp] : [],
      })),
    )
    .sort((a, b) => a.instanceGroup.localeCompare(b.instanceGroup) || a.id.localeCompare(b.id));
  for (const i of instances) resources.push({ type: del.resourceType(CLUSTER_INSTANCE), name: i.name || i.id, id: i.id });
  // What delete cluster finds beyond the kinds, by tag or label: the Services' load balancers, an
  // instance group's own security groups, a classic ELB's k8s-elb-* group, network interfaces,
  // volumes no member names (the instances are listed above, with their groups).
  const listed = new Set(resources.map((r) => r.id));
  const extra = (await del.tagged(m.ctx, listed)).resources.filter((r) => !(r.kind === CLUSTER_INSTANCE && (listed.has(r.name) || listed.has(r.id.slice(r.id.lastIndexOf('/') + 1)))));
  resources.push(...extra.map((r) => ({ type: r.type, name: r.name, id: r.id })));
  resources.sort(byTypeNameId);
  const details = cloud.dumpDetails(found);
  const loadBalancers = [...details.loadBalancers, ...extra.flatMap((r) => (r.loadBalancer ? [r.loadBalancer] : []))].sort((a, b) => a.name.localeCompare(b.name));
  return { cluster: name, region: m.region, resources, instances, ...details, loadBalancers };
}

/** The kind both clouds give the instances they find by tag or label (delete-tagged.ts, gce/deletion.ts). */
const CLUSTER_INSTANCE = 'ClusterInstance';

function isShared(actual: unknown): boolean {
  return (actual as { shared?: unknown } | null)?.shared === true;
}

function byTypeNameId(a: DumpResource, b: DumpResource): number {
  return a.type.localeCompare(b.type) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}
