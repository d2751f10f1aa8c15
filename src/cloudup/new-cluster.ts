/**
 * `create cluster` flags → the user's spec (Cluster + InstanceGroups), as kops's
 * upup/pkg/fi/cloudup/new_cluster.go and PerformAssignments build it. Pure: no cloud calls, no
 * state store, no files. The result is the USER spec (what `config` holds, with the network and
 * subnet CIDRs assigned as kops writes them); completion adds the other defaults later.
 *
 * Bad flags are collected and thrown together as one `KopsError` (`InvalidFlags`, exit code 2)
 * whose diagnostics name each flag.
 */
import { KopsError, warning, type Diagnostic } from '../diagnostics.js';
import { API_VERSION, KIND_CLUSTER, type Cluster, type ClusterSpec, type ClusterSubnetSpec, type DNSType, type InstanceGroup } from '../model/api/types.js';
import { assignSubnetCIDRs } from '../model/completion.js';
import { DEFAULT_ACCESS, DEFAULT_AWS_NETWORK_CIDR, DEFAULT_CHANNEL, DEFAULT_NETWORKING, DEFAULT_NON_MASQUERADE_CIDR, STACKED_ETCD_CLUSTER } from '../model/defaults.js';
import { DEFAULT_KUBERNETES_VERSION } from '../version.js';
import { buildInstanceGroups } from './new-cluster-igs.js';
import { etcdClusterSpecs } from '../model/completion-etcd.js';
import { checkNewClusterOptions, resolveCloud } from './new-cluster-check.js';
import { networkingSpec, usesKubeProxyReplacement } from './new-cluster-networking.js';
import { gceRegionOf } from './new-cluster-parse.js';

export { KNOWN_NETWORKING } from './new-cluster-networking.js';

export interface NewClusterOptions {
  /** The cluster name, a DNS name with at least one dot (`my.example.com`, `dev.k8s.local`). */
  readonly name: string;
  /** `aws` or `gce`; default: guessed from the zones, then from `configBase`'s scheme. */
  readonly cloud?: string;
  readonly zones: readonly string[];
  /** Default: the first of `zones`, round-robin when `controlPlaneCount` is larger. */
  readonly controlPlaneZones?: readonly string[];
  /** Default: one per control-plane zone, or 1. Must be odd (etcd quorum). */
  readonly controlPlaneCount?: number;
  /** Total nodes, spread over one `nodes-<zone>` group per zone. Default: one per zone. */
  readonly nodeCount?: number;
  /** Machine types; on AWS more than one gives a mixed-instances policy. */
  readonly controlPlaneSizes?: readonly string[];
  readonly nodeSizes?: readonly string[];
  /** Image of every group, unless a per-role image is given. Default: the channel's image. */
  readonly image?: string;
  readonly controlPlaneImage?: string;
  readonly nodeImage?: string;
  readonly bastionImage?: string;
  readonly controlPlaneVolumeSize?: number;
  readonly nodeVolumeSize?: number;
  readonly controlPlaneVolumeType?: string;
  readonly nodeVolumeType?: string;
  /** Default: `DEFAULT_KUBERNETES_VERSION` (the stable channel's recommendation). Kept as given. */
  readonly kubernetesVersion?: string;
  /** Default `stable`. */
  readonly channel?: string;
  /** GCE project (required on GCE). */
  readonly project?: string;
  /** Default `public`. */
  readonly topology?: string;
  /** `public`, `private` or `none`; default `none` unless `dnsZone` is given (then `public`). */
  readonly dns?: string;
  readonly dnsZone?: string;
  /** Default `cilium`; see `KNOWN_NETWORKING`. */
  readonly networking?: string;
  /**
   * The VPC CIDR(s): the first is `networkCIDR` (default 172.20.0.0/16 for a new AWS VPC), the
   * others `additionalNetworkCIDRs`, each also a subnet of its own (`<zone>-<n>`, zones taken in
   * turn) that the zone's nodes use, as kops does.
   */
  readonly networkCIDRs?: readonly string[];
  /** An existing VPC (shared: used, never modified). */
  readonly networkID?: string;
  /** Existing subnets (shared), one per zone. */
  readonly subnetIDs?: readonly string[];
  readonly utilitySubnetIDs?: readonly string[];
  /**
   * Each subnet of `subnetIDs`/`utilitySubnetIDs` as the cloud reports it (see
   * `lookupSharedNetwork`): subnets go to their own zone and carry their CIDR, as kops writes them.
   * Without it they are taken in `zones` order, without CIDRs.
   */
  readonly sharedSubnets?: Readonly<Record<string, { readonly zone: string; readonly cidr?: string }>>;
  /** Default: `adminAccess`. */
  readonly sshAccess?: readonly string[];
  /** Who may reach the API (`kubernetesApiAccess`). Default `0.0.0.0/0`, `::/0`. */
  readonly adminAccess?: readonly string[];
  /** A `bastions` group (private topology only). */
  readonly bastion?: boolean;
  /** `public` or `internal`; giving it always puts the API behind a load balancer. */
  readonly apiLoadBalancerType?: string;
  readonly apiSSLCertificate?: string;
  readonly apiPublicName?: string;
  readonly cloudLabels?: Readonly<Record<string, string>>;
  /** Default: true on AWS, false elsewhere (kops). */
  readonly encryptEtcdStorage?: boolean;
  readonly etcdStorageType?: string;
  /** Default `main` (kops: `main`, `events`; kops-ts runs only `main`, STACKED_ETCD_CLUSTER). */
  readonly etcdClusters?: readonly string[];
  /** Recorded as kops would, but refused: kops-ts does not support IPv6 clusters yet. */
  readonly ipv6?: boolean;
  readonly associatePublicIP?: boolean;
  readonly nodeSecurityGroups?: readonly string[];
  readonly controlPlaneSecurityGroups?: readonly string[];
  /** Gate name → "true"/"false" (see `parseFeatureGates`). */
  readonly featureGates?: Readonly<Record<string, string>>;
  /** `RBAC` (default) or `AlwaysAllow`. */
  readonly authorization?: string;
  /** `<state store>/<name>`, written as `spec.configBase` as kops does. */
  readonly configBase?: string;
  /** Admin SSH public keys (file contents), passed through to the result. */
  readonly sshPublicKeys?: readonly string[];
}

export interface NewClusterResult {
  readonly cluster: Cluster;
  readonly instanceGroups: InstanceGroup[];
  readonly sshPublicKeys: string[];
  /** Things worth saying that do not stop the create (e.g. control planes sharing a zone). */
  readonly warnings: Diagnostic[];
}

/** Builds the new cluster's spec from `create cluster` options; throws `InvalidFlags` on bad input. */
export function newCluster(o: NewClusterOptions): NewClusterResult {
  const cloud = resolveCloud(o);
  const problems = checkNewClusterOptions(o, cloud);
  if (problems.length > 0 || !cloud) {
    throw new KopsError('InvalidFlags', problems.map((d) => d.summary).join('; '), { diagnostics: problems, exitCode: 2 });
  }
  const spec = clusterSpec(o, cloud);
  const groups = buildInstanceGroups(o, cloud, spec);
  const controlPlanes = groups.filter((g) => g.spec.role === 'Master');
  const names = [...(o.etcdClusters ?? [STACKED_ETCD_CLUSTER]), ...(o.networking === 'cilium-etcd' ? ['cilium'] : [])];
  spec.etcdClusters = etcdClusterSpecs(controlPlanes, {
    names,
    encrypted: o.encryptEtcdStorage ?? cloud === 'aws',
    ...(o.etcdStorageType ? { volumeType: o.etcdStorageType } : {}),
  });
  const warnings: Diagnostic[] = [];
  const zones = controlPlanes.map((g) => g.spec.zones?.[0] ?? g.spec.subnets?.[0]);
  if (new Set(zones).size < zones.length) {
    warnings.push(warning('SharedControlPlaneZones', 'several control planes share a zone: losing that zone loses etcd quorum', { path: '--control-plane-zones', hint: 'spread the control planes over as many zones as there are control planes' }));
  }
  const cluster: Cluster = { apiVersion: API_VERSION, kind: KIND_CLUSTER, metadata: { name: o.name }, spec };
  return {
    cluster: sortKeysDeep(cluster),
    instanceGroups: groups.map(sortKeysDeep),
    sshPublicKeys: [...(o.sshPublicKeys ?? [])],
    warnings,
  };
}

function dnsTypeOf(o: NewClusterOptions): DNSType {
  const d = o.dns?.toLowerCase();
  if (d === 'public') return 'Public';
  if (d === 'private') return 'Private';
  if (d === 'none') return 'None';
  return o.dnsZone ? 'Public' : 'None';
}

/**
 * kops's setupAPI: a load balancer when asked for, when there is no DNS, or in private topology.
 * On GCE always: kops-ts points the API's Cloud DNS record at the load balancer's address (it runs
 * no dns-controller to point it at the control planes; docs/gce.md).
 */
function apiSpec(o: NewClusterOptions, cloud: string, dns: DNSType): ClusterSpec['api'] {
  const privateTopology = o.topology?.toLowerCase() === 'private';
  const wantsLB = o.apiLoadBalancerType !== undefined || o.apiSSLCertificate !== undefined || dns === 'None' || privateTopology || cloud === 'gce';
  if (!wantsLB) return { dns: {} };
  return {
    loadBalancer: {
      ...(cloud === 'aws' ? { class: 'Network' as const } : {}),
      ...(o.apiSSLCertificate ? { sslCertificate: o.apiSSLCertificate } : {}),
      type: o.apiLoadBalancerType?.toLowerCase() === 'internal' ? 'Internal' : 'Public',
    },
  };
}

/** AWS: one subnet per zone named after it (kops sorts the zones); GCE: one per region. */
function subnets(o: NewClusterOptions, cloud: string): ClusterSubnetSpec[] {
  const privateTopology = o.topology?.toLowerCase() === 'private';
  const type = privateTopology ? 'Private' : 'Public';
  const allZones = [...new Set([...o.zones, ...(o.controlPlaneZones ?? [])])].sort();
  if (cloud === 'gce') {
    const regions = [...new Set(allZones.map(gceRegionOf))];
    return regions.map((region) => ({ name: region, region, type, ...(o.subnetIDs?.[0] ? { id: o.subnetIDs[0] } : {}) }));
  }
  const idOf = (ids: readonly string[] | undefined, zone: string) => {
    if (o.sharedSubnets) return ids?.find((id) => o.sharedSubnets?.[id]?.zone === zone);
    const i = o.zones.indexOf(zone);
    return i >= 0 ? ids?.[i] : undefined;
  };
  // kops (PerformAssignments): a shared subnet's CIDR is written as AWS reports it.
  const shared = (id: string | undefined) => (id ? { id, ...(o.sharedSubnets?.[id]?.cidr ? { cidr: o.sharedSubnets[id].cidr } : {}) } : {});
  const out: ClusterSubnetSpec[] = allZones.map((zone) => ({ name: zone, zone, type, ...shared(idOf(o.subnetIDs, zone)) }));
  // kops: each further --network-cidr is a subnet of its own, in the zones taken in turn.
  (o.networkCIDRs ?? []).slice(1).forEach((cidr, i) => {
    const zone = o.zones[i % o.zones.length] ?? '';
    out.push({ name: `${zone}-${i + 1}`, zone, cidr, type, ...shared(idOf(o.subnetIDs, zone)) });
  });
  if (privateTopology) {
    // kops: a utility subnet for every private subnet.
    for (const s of out.filter((x) => x.type === 'Private')) {
      out.push({ name: `utility-${s.name}`, zone: s.zone ?? '', type: 'Utility', ...shared(idOf(o.utilitySubnetIDs, s.zone ?? '')) });
    }
  }
  return out;
}

function clusterSpec(o: NewClusterOptions, cloud: string): ClusterSpec & Record<string, unknown> {
  const dns = dnsTypeOf(o);
  const admin = o.adminAccess && o.adminAccess.length > 0 ? [...o.adminAccess] : [...DEFAULT_ACCESS];
  const networking = o.networking ?? DEFAULT_NETWORKING;
  // PerformAssignments: a new AWS VPC gets 172.20.0.0/16; a shared one keeps its own (looked up later).
  const networkCIDR = o.networkCIDRs?.[0] ?? (cloud === 'aws' && !o.networkID ? DEFAULT_AWS_NETWORK_CIDR : undefined);
  const subnetList = subnets(o, cloud);
  if (cloud === 'aws' && networkCIDR) assignSubnetCIDRs(subnetList, networkCIDR);
  const gates = o.featureGates && Object.keys(o.featureGates).length > 0 ? o.featureGates : undefined;
  const withGates = (extra: Record<string, unknown> = {}) => ({ ...extra, ...(gates ? { featureGates: { ...gates } } : {}) });
  const publicName = o.apiPublicName ?? (dns !== 'None' ? `api.${o.name}` : undefined);
  const spec: ClusterSpec & Record<string, unknown> = {
    api: apiSpec(o, cloud, dns),
    authorization: o.authorization?.toLowerCase() === 'alwaysallow' ? { alwaysAllow: {} } : { rbac: {} },
    channel: o.channel ?? DEFAULT_CHANNEL,
    cloudProvider: cloud,
    ...(o.cloudLabels && Object.keys(o.cloudLabels).length > 0 ? { cloudLabels: { ...o.cloudLabels } } : {}),
    ...(cloud === 'gce' ? { cloudConfig: {} } : {}),
    ...(o.configBase ? { configBase: o.configBase } : {}),
    ...(o.dnsZone ? { dnsZone: o.dnsZone } : {}),
    etcdClusters: [],
    iam: { allowContainerRegistry: true, legacy: false },
    ...(gates ? { kubeAPIServer: withGates(), kubeControllerManager: withGates(), kubeScheduler: withGates() } : {}),
    ...(gates || usesKubeProxyReplacement(networking) ? { kubeProxy: withGates(usesKubeProxyReplacement(networking) ? { enabled: false } : {}) } : {}),
    kubelet: withGates({ anonymousAuth: false }),
    kubernetesApiAccess: admin,
    kubernetesVersion: o.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION,
    ...(publicName ? { masterPublicName: publicName } : {}),
    ...(networkCIDR ? { networkCIDR } : {}),
    ...((o.networkCIDRs?.length ?? 0) > 1 ? { additionalNetworkCIDRs: o.networkCIDRs!.slice(1) } : {}),
    ...(o.networkID ? { networkID: o.networkID } : {}),
    networking: networkingSpec(networking),
    // kops: the Amazon VPC CNI gives pods addresses from the VPC itself.
    nonMasqueradeCIDR: networking.startsWith('amazon') && networkCIDR ? networkCIDR : DEFAULT_NON_MASQUERADE_CIDR,
    ...(cloud === 'gce' && o.project ? { project: o.project } : {}),
    sshAccess: o.sshAccess && o.sshAccess.length > 0 ? [...o.sshAccess] : [...admin],
    subnets: subnetList,
    topology: {
      ...(o.bastion && dns !== 'None' ? { bastion: { bastionPublicName: `bastion.${o.name}` } } : {}),
      dns: { type: dns },
    },
  };
  return spec;
}

/** kops writes objects with sorted keys (they go through a map on the way to YAML). */
export function sortKeysDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => sortKeysDeep(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeysDeep((value as Record<string, unknown>)[k]);
    return out as T;
  }
  return value;
}
