/**
 * `create cluster` flags → the user's spec (Cluster + InstanceGroups), as kops's
 * upup/pkg/fi/cloudup/new_cluster.go builds it. Pure: no cloud calls, no state store. The result
 * is the USER spec (what `config` holds); completion adds the defaults later.
 */
import { KopsError, error, type Diagnostic } from '../diagnostics.js';
import {
  API_VERSION,
  KIND_CLUSTER,
  KIND_INSTANCE_GROUP,
  LABEL_CLUSTER_NAME,
  type Cluster,
  type ClusterSubnetSpec,
  type EtcdClusterSpec,
  type InstanceGroup,
  type InstanceGroupRole,
} from '../model/api/types.js';
import {
  DEFAULT_AWS_BASTION_MACHINE_TYPE,
  DEFAULT_AWS_MACHINE_TYPE,
  DEFAULT_AWS_NETWORK_CIDR,
  DEFAULT_CHANNEL,
  DEFAULT_GCE_NETWORK_CIDR,
  DEFAULT_ETCD_BACKUP_RETENTION_DAYS,
  DEFAULT_GCE_MACHINE_TYPE,
  DEFAULT_NETWORKING,
  defaultImage,
} from '../model/defaults.js';
import { assignSubnetCIDRs, memberNames } from '../model/completion.js';
import { DEFAULT_KUBERNETES_VERSION } from '../version.js';

export const KNOWN_NETWORKING = ['cilium', 'cilium-etcd', 'cilium-eni', 'calico', 'kubenet', 'flannel', 'kindnet', 'amazonvpc', 'canal', 'kube-router', 'cni', 'gce'] as const;

export interface NewClusterOptions {
  readonly name: string;
  readonly cloud?: string;
  readonly zones: readonly string[];
  readonly controlPlaneZones?: readonly string[];
  readonly controlPlaneCount?: number;
  readonly nodeCount?: number;
  readonly controlPlaneSize?: string;
  readonly nodeSize?: string;
  readonly image?: string;
  readonly controlPlaneImage?: string;
  readonly nodeImage?: string;
  readonly controlPlaneVolumeSize?: number;
  readonly nodeVolumeSize?: number;
  readonly kubernetesVersion?: string;
  readonly channel?: string;
  readonly project?: string;
  readonly topology?: 'public' | 'private';
  readonly dns?: 'public' | 'private' | 'none';
  readonly dnsZone?: string;
  readonly networking?: string;
  readonly networkCIDR?: string;
  readonly networkID?: string;
  readonly subnetIDs?: readonly string[];
  readonly utilitySubnetIDs?: readonly string[];
  readonly sshAccess?: readonly string[];
  readonly adminAccess?: readonly string[];
  readonly bastion?: boolean;
  readonly apiLoadBalancerType?: 'public' | 'internal';
  readonly cloudLabels?: Readonly<Record<string, string>>;
  readonly encryptEtcdStorage?: boolean;
  readonly ipv6?: boolean;
  readonly nodeSecurityGroups?: readonly string[];
  readonly controlPlaneSecurityGroups?: readonly string[];
  readonly featureGates?: Readonly<Record<string, string>>;
}

export interface NewCluster {
  readonly cluster: Cluster;
  readonly instanceGroups: InstanceGroup[];
}

/** AWS zones end in a letter after a digit (`us-east-1a`); GCE zones in `-<letter>` (`us-central1-a`). */
export function inferCloud(zones: readonly string[]): 'aws' | 'gce' | undefined {
  if (zones.length === 0) return undefined;
  if (zones.every((z) => /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/.test(z))) return 'aws';
  if (zones.every((z) => /^[a-z]+-[a-z]+\d+-[a-z]$/.test(z))) return 'gce';
  return undefined;
}

function fail(diags: Diagnostic[]): never {
  throw new KopsError('InvalidFlags', diags.map((d) => d.summary).join('; '), { diagnostics: diags, exitCode: 2 });
}

function networkingSpec(name: string): Record<string, Record<string, unknown>> {
  switch (name) {
    case 'cilium-etcd':
      return { cilium: { etcdManaged: true } };
    case 'cilium-eni':
      return { cilium: { ipam: 'eni' } };
    case 'kube-router':
      return { kuberouter: {} };
    default:
      return { [name]: {} };
  }
}

export function newCluster(o: NewClusterOptions): NewCluster {
  const problems: Diagnostic[] = [];
  const bad = (code: string, flag: string, summary: string, hint?: string) =>
    problems.push(error(code, summary, { path: flag, ...(hint ? { hint } : {}) }));
  if (o.zones.length === 0) bad('MissingZones', '--zones', 'no zones given', 'pass --zones, e.g. --zones us-east-1a');
  const cloud = o.cloud ?? inferCloud(o.zones);
  if (!cloud) bad('UnknownCloud', '--cloud', `cannot tell the cloud from zones ${o.zones.join(',')}`, 'pass --cloud aws or --cloud gce');
  else if (cloud !== 'aws' && cloud !== 'gce') bad('UnsupportedCloud', '--cloud', `cloud ${cloud} is not supported`, 'use aws or gce');
  const cpZones = o.controlPlaneZones && o.controlPlaneZones.length > 0 ? [...o.controlPlaneZones] : [o.zones[0] ?? ''];
  for (const z of cpZones) if (!o.zones.includes(z)) bad('InvalidZone', '--control-plane-zones', `control-plane zone ${z} is not in --zones`, 'every control-plane zone must also be listed in --zones');
  const cpCount = o.controlPlaneCount ?? cpZones.length;
  if (cpCount < 1 || cpCount % 2 === 0) bad('InvalidControlPlaneCount', '--control-plane-count', `${cpCount} control planes: etcd needs an odd number`, 'use 1, 3 or 5');
  const networking = o.networking ?? DEFAULT_NETWORKING;
  if (!(KNOWN_NETWORKING as readonly string[]).includes(networking)) bad('UnknownNetworking', '--networking', `unknown networking ${networking}`, `use one of ${KNOWN_NETWORKING.join(', ')}`);
  if (o.ipv6) bad('UnsupportedIPv6', '--ipv6', 'IPv6 clusters are not supported by kops-ts yet', 'create an IPv4 cluster');
  if (o.bastion && o.topology !== 'private') bad('BastionNeedsPrivate', '--bastion', 'a bastion needs --topology private');
  if (o.subnetIDs && o.subnetIDs.length > 0 && o.subnetIDs.length !== o.zones.length) bad('InvalidSubnets', '--subnets', `${o.subnetIDs.length} subnet ids for ${o.zones.length} zones`, 'give one subnet id per zone, in zone order');
  if (problems.length > 0) fail(problems);

  const dnsType = o.dns ? ({ public: 'Public', private: 'Private', none: 'None' } as const)[o.dns] : o.dnsZone ? 'Public' : 'None';
  const subnets = buildSubnets(o);
  // kops writes the network and subnet CIDRs into the new spec, so the user sees (and owns) them.
  const networkCIDR = o.networkCIDR ?? (o.networkID ? undefined : cloud === 'gce' ? DEFAULT_GCE_NETWORK_CIDR : DEFAULT_AWS_NETWORK_CIDR);
  if (networkCIDR) assignSubnetCIDRs(subnets, networkCIDR);
  const cluster: Cluster = {
    apiVersion: API_VERSION,
    kind: KIND_CLUSTER,
    metadata: { name: o.name },
    spec: {
      api: dnsType === 'None' ? { loadBalancer: { class: 'Network', type: o.apiLoadBalancerType === 'internal' ? 'Internal' : 'Public' } } : { dns: {} },
      authorization: { rbac: {} },
      channel: o.channel ?? DEFAULT_CHANNEL,
      cloudProvider: cloud!,
      ...(o.cloudLabels && Object.keys(o.cloudLabels).length > 0 ? { cloudLabels: { ...o.cloudLabels } } : {}),
      ...(o.dnsZone ? { dnsZone: o.dnsZone } : {}),
      etcdClusters: [],
      iam: { allowContainerRegistry: true, legacy: false },
      kubelet: { anonymousAuth: false, ...(o.featureGates ? { featureGates: { ...o.featureGates } } : {}) },
      ...(o.featureGates ? { kubeAPIServer: { featureGates: { ...o.featureGates } } } : {}),
      kubernetesApiAccess: [...(o.adminAccess ?? ['0.0.0.0/0', '::/0'])],
      kubernetesVersion: o.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION,
      ...(networkCIDR ? { networkCIDR } : {}),
      ...(o.networkID ? { networkID: o.networkID } : {}),
      networking: networkingSpec(networking),
      nonMasqueradeCIDR: '100.64.0.0/10',
      ...(cloud === 'gce' && o.project ? { project: o.project } : {}),
      sshAccess: [...(o.sshAccess ?? ['0.0.0.0/0', '::/0'])],
      subnets,
      topology: { dns: { type: dnsType } },
    },
  };
  const instanceGroups = buildInstanceGroups(o, cloud!, cluster.spec.kubernetesVersion!, cpZones, cpCount, subnets);
  cluster.spec.etcdClusters = etcdClusters(instanceGroups, o.encryptEtcdStorage ?? true);
  return { cluster, instanceGroups };
}

function buildSubnets(o: NewClusterOptions): ClusterSubnetSpec[] {
  const privateTopology = o.topology === 'private';
  const out: ClusterSubnetSpec[] = [];
  o.zones.forEach((zone, i) => {
    const id = o.subnetIDs?.[i];
    out.push({ name: zone, zone, type: privateTopology ? 'Private' : 'Public', ...(id ? { id } : {}) });
  });
  if (privateTopology) {
    o.zones.forEach((zone, i) => {
      const id = o.utilitySubnetIDs?.[i];
      out.push({ name: `utility-${zone}`, zone, type: 'Utility', ...(id ? { id } : {}) });
    });
  }
  return out;
}

function ig(cluster: string, name: string, role: InstanceGroupRole, spec: Partial<InstanceGroup['spec']>): InstanceGroup {
  return {
    apiVersion: API_VERSION,
    kind: KIND_INSTANCE_GROUP,
    metadata: { name, labels: { [LABEL_CLUSTER_NAME]: cluster } },
    spec: { role, ...spec },
  };
}

/** Spreads `total` over `n` buckets as evenly as kops does (the first ones get the remainder). */
export function spread(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

/** kops writes the machine type and image into each new instance group, so users see them. */
function machine(cloud: string, version: string, size: string | undefined, image: string | undefined, bastion = false): { machineType: string; image?: string } {
  const machineType = size ?? (cloud === 'gce' ? DEFAULT_GCE_MACHINE_TYPE : bastion ? DEFAULT_AWS_BASTION_MACHINE_TYPE : DEFAULT_AWS_MACHINE_TYPE);
  const img = image ?? defaultImage(cloud, version, machineType);
  return { machineType, ...(img ? { image: img } : {}) };
}

function buildInstanceGroups(o: NewClusterOptions, cloud: string, version: string, cpZones: string[], cpCount: number, subnets: ClusterSubnetSpec[]): InstanceGroup[] {
  const out: InstanceGroup[] = [];
  const cp = machine(cloud, version, o.controlPlaneSize, o.controlPlaneImage ?? o.image);
  const node = machine(cloud, version, o.nodeSize, o.nodeImage ?? o.image);
  // kops: one control plane per zone; with more control planes than zones, cycle through them.
  const perZone = spread(cpCount, cpZones.length);
  cpZones.forEach((zone, zi) => {
    const count = perZone[zi] ?? 0;
    for (let k = 0; k < count; k++) {
      const name = count === 1 ? `control-plane-${zone}` : `control-plane-${zone}-${k + 1}`;
      out.push(
        ig(o.name, name, 'Master', {
          ...cp,
          maxSize: 1,
          minSize: 1,
          ...(o.controlPlaneVolumeSize ? { rootVolumeSize: o.controlPlaneVolumeSize } : {}),
          ...(o.controlPlaneSecurityGroups?.length ? { additionalSecurityGroups: [...o.controlPlaneSecurityGroups] } : {}),
          subnets: [zone],
        }),
      );
    }
  });
  const nodeCounts = spread(o.nodeCount ?? o.zones.length, o.zones.length);
  o.zones.forEach((zone, i) => {
    const n = nodeCounts[i] ?? 0;
    if (n === 0) return;
    out.push(
      ig(o.name, `nodes-${zone}`, 'Node', {
        ...node,
        maxSize: n,
        minSize: n,
        ...(o.nodeVolumeSize ? { rootVolumeSize: o.nodeVolumeSize } : {}),
        ...(o.nodeSecurityGroups?.length ? { additionalSecurityGroups: [...o.nodeSecurityGroups] } : {}),
        subnets: [zone],
      }),
    );
  });
  if (o.bastion) {
    const utility = subnets.filter((s) => s.type === 'Utility').map((s) => s.name);
    out.push(ig(o.name, 'bastions', 'Bastion', { ...machine(cloud, version, undefined, o.image, true), maxSize: 1, minSize: 1, subnets: utility }));
  }
  return out;
}

function etcdClusters(igs: readonly InstanceGroup[], encrypted: boolean): EtcdClusterSpec[] {
  const cps = igs.filter((g) => g.spec.role === 'Master');
  const members = memberNames(cps);
  return ['main', 'events'].map((name) => ({
    etcdMembers: members.map(([member, igName]) => ({ encryptedVolume: encrypted, instanceGroup: igName, name: member })),
    manager: { backupRetentionDays: DEFAULT_ETCD_BACKUP_RETENTION_DAYS },
    name,
  }));
}
