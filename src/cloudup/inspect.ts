/**
 * Inspecting a built cluster, changing nothing:
 *
 *  - `listInstances` (`get instances`): every instance of the cluster's instance groups as the
 *    cloud has them (`CloudProvider.listGroups`: status UpToDate / NeedsUpdate / Detached, addresses,
 *    machine type, lifecycle state), joined with the Kubernetes Nodes when the API answers (by the
 *    instance id in `spec.providerID`, else by the node name the cloud predicts). Without the API,
 *    the node name is the cloud's and `nodesUnavailable` says why (kops warns and goes on).
 *  - `dumpCluster` (`toolbox dump`): the cluster's cloud resources found as `update` and `delete`
 *    find them — the stored spec modelled (`buildAwsTasks`) and every kind's own batched `find`
 *    and `findOrphans` — shaped as kops's dump (`resources`, `instances`, `subnets`, `vpc`,
 *    `loadBalancers`) plus security groups, autoscaling groups and etcd volumes. Only names, ids
 *    and plain attributes are copied out of what the kinds found: never a launch template's user
 *    data, a policy document or a key's material.
 */
import type { AwsClientOptions } from '../cloud/aws/clients.js';
import { KopsError } from '../diagnostics.js';
import { buildAwsTasks } from '../model/aws/index.js';
import { cloudProviderOf, normalizeRole, type Cluster, type InstanceGroup, type NormalizedRole } from '../model/api/types.js';
import type { CloudInstanceGroup, CloudInstanceStatus, CloudProvider, KubeNode } from '../rolling-update/types.js';
import type { Clientset } from '../statestore/clientset.js';
import { TAG_INSTANCE_GROUP, type AutoscalingGroupActual } from '../tasks/aws/autoscaling-group.js';
import type { EbsVolumeActual } from '../tasks/aws/ebs-volume.js';
import type { NetworkLoadBalancerActual } from '../tasks/aws/network-load-balancer.js';
import type { SecurityGroupActual } from '../tasks/aws/security-group.js';
import type { SubnetActual } from '../tasks/aws/subnet.js';
import type { VpcActual } from '../tasks/aws/vpc.js';
import { findModelled, modelStoredCluster } from './cluster-resources.js';
import { resourceType } from './delete-cluster.js';

/**
 * Refuses a cluster that is not on AWS, naming the command (the rolling update's cloud would name
 * itself instead).
 */
export function requireAws(cluster: Cluster, command: 'get instances' | 'toolbox dump'): void {
  const cloud = cloudProviderOf(cluster.spec);
  if (cloud === 'aws') return;
  const name = cluster.metadata.name;
  throw new KopsError('UnsupportedCloud', `${command} reads AWS clusters only; ${name} has spec.cloudProvider ${cloud === undefined ? 'unset' : JSON.stringify(cloud)}`, {
    hint: cloud === undefined ? 'set spec.cloudProvider to aws (kops-ts edit cluster) if the cluster is on AWS' : "list its instances and resources with the cloud's own tools",
    exitCode: 2,
  });
}

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
  readonly aws?: Omit<AwsClientOptions, 'region'>;
  /** The instance listing (the rolling update's cloud); instances are left out when not given. */
  readonly cloud?: CloudProvider;
}

/** Kinds only looked up, never the cluster's (the AMI, a NAT instance given by id). */
const LOOKUP_KINDS = new Set(['Image', 'Instance']);

interface Found {
  readonly kind: string;
  readonly name: string;
  readonly actual: unknown;
  readonly shared: boolean;
}

/** Reads the spec and the cloud; changes nothing. */
export async function dumpCluster(o: DumpClusterOptions): Promise<ClusterDump> {
  const name = o.clusterName;
  const m = await modelStoredCluster(o, (cluster) => requireAws(cluster, 'toolbox dump'));
  const { completed, byKey, registry } = m;
  const region = m.ctx.region;
  const [outcome, groups] = await Promise.all([
    findModelled(m),
    o.cloud ? o.cloud.listGroups(name, completed.instanceGroups.map((g) => ({ name: g.metadata.name, role: normalizeRole(g.spec.role) }))) : Promise.resolve([]),
  ]);
  const found: Found[] = [
    ...[...outcome.found].map(([k, actual]) => {
      const t = byKey.get(k);
      const kind = t?.kind ?? k.slice(0, k.indexOf('/'));
      // A hosted zone is always the user's: kops-ts only writes records in it.
      return { kind, name: k.slice(k.indexOf('/') + 1), actual, shared: t?.shared === true || isShared(actual) || kind === 'DNSZone' };
    }),
    ...outcome.orphans.map((x) => ({ kind: x.kind, name: x.name, actual: x.actual, shared: false })),
  ].filter((f) => !LOOKUP_KINDS.has(f.kind));
  const of = <A>(kind: string): { f: Found; a: A }[] => found.filter((f) => f.kind === kind).map((f) => ({ f, a: f.actual as A }));

  const resources: DumpResource[] = found
    .map((f) => ({ type: typeOf(f.kind), name: f.name, id: registry.get(f.kind).outputs(f.actual).id ?? f.name, ...(f.shared ? { shared: true as const } : {}) }))
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
  for (const i of instances) resources.push({ type: resourceType('ClusterInstance'), name: i.name || i.id, id: i.id });
  resources.sort(byTypeNameId);

  const vpc = of<VpcActual>('VPC')[0];
  const etcdTag = `k8s.io/etcd/`;
  return {
    cluster: name,
    region,
    resources,
    instances,
    subnets: of<SubnetActual>('Subnet')
      .map(({ f, a }) => ({ id: a.id, name: f.name, zone: a.availabilityZone, cidr: a.cidr, ...(a.ipv6Cidr ? { ipv6Cidr: a.ipv6Cidr } : {}), ...(f.shared ? { shared: true as const } : {}) }))
      .sort((x, y) => x.name.localeCompare(y.name)),
    ...(vpc ? { vpc: { id: vpc.a.id, cidr: vpc.a.cidr, ...(vpc.f.shared ? { shared: true as const } : {}) } } : {}),
    loadBalancers: of<NetworkLoadBalancerActual>('NetworkLoadBalancer')
      .map(({ a }) => ({ name: a.loadBalancerName, dnsName: a.dnsName, type: a.type, scheme: a.scheme, state: a.state, subnets: [...a.subnets].sort(), securityGroups: [...a.securityGroups].sort() }))
      .sort((x, y) => x.name.localeCompare(y.name)),
    securityGroups: of<SecurityGroupActual>('SecurityGroup')
      .map(({ a }) => ({ id: a.id, name: a.name, description: a.description, vpcId: a.vpcId }))
      .sort((x, y) => x.name.localeCompare(y.name)),
    autoscalingGroups: of<AutoscalingGroupActual>('AutoscalingGroup')
      .map(({ a }) => ({
        name: a.name,
        instanceGroup: a.tags[TAG_INSTANCE_GROUP] ?? '',
        minSize: a.minSize,
        maxSize: a.maxSize,
        desiredCapacity: a.desiredCapacity,
        launchTemplate: a.launchTemplateName ?? a.launchTemplateId ?? '',
        launchTemplateVersion: a.launchTemplateVersion ?? '',
        subnets: [...a.subnets].sort(),
      }))
      .sort((x, y) => x.name.localeCompare(y.name)),
    etcdVolumes: of<EbsVolumeActual>('EBSVolume')
      .map(({ a }) => {
        const tag = Object.keys(a.tags).find((k) => k.startsWith(etcdTag));
        const member = tag ? (a.tags[tag] ?? '').split('/')[0] : undefined;
        return {
          id: a.id,
          name: a.name,
          zone: a.availabilityZone,
          sizeGb: a.sizeGb,
          volumeType: a.volumeType,
          encrypted: a.encrypted,
          state: a.state,
          ...(tag ? { etcdCluster: tag.slice(etcdTag.length) } : {}),
          ...(member ? { etcdMember: member } : {}),
        };
      })
      .sort((x, y) => x.name.localeCompare(y.name)),
  };
}

/** `delete cluster`'s type words; the hosted zone, which delete reports apart, is `dns-zone`. */
function typeOf(kind: string): string {
  return kind === 'DNSZone' ? 'dns-zone' : resourceType(kind);
}

function isShared(actual: unknown): boolean {
  return (actual as { shared?: unknown } | null)?.shared === true;
}

function byTypeNameId(a: DumpResource, b: DumpResource): number {
  return a.type.localeCompare(b.type) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}
