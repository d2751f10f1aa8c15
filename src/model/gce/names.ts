/**
 * kops's names for the GCE resources of a cluster (upup/pkg/fi/cloudup/gce: utils.go,
 * instancegroups.go, labels.go), so a kops user recognises every name in a plan. Pure functions
 * of the cluster name and the spec.
 *
 * Every name is a GCE resource name (`[a-z]([-a-z0-9]*[a-z0-9])?`, at most 63 characters). GCE
 * takes no dots, so the cluster's safe name has dashes for dots (`minimal.example.com` →
 * `minimal-example-com`). A name that would be too long is cut and given a 6-character hash of
 * the whole name (kops's `truncate.TruncateString` / `LimitedLengthName`, the same FNV-1a
 * base32hex hash as the AWS names), so it is stable across runs and two long names differ.
 */
import { normalizeRole, type ClusterSubnetSpec, type InstanceGroup, type InstanceGroupRole } from '../api/types.js';
import { truncateName } from '../../tasks/aws/truncate.js';

/** GCE's limit on resource names. */
export const GCE_NAME_MAX = 63;
/** kops's `InstanceTemplateNamePrefixMaxLength`: the kind appends a suffix to the prefix. */
export const INSTANCE_TEMPLATE_PREFIX_MAX = 32;
/** A valid GCE resource name. */
export const GCE_NAME_PATTERN = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** kops's `SafeClusterName`: the cluster name with dashes for dots. */
export function safeClusterName(cluster: string): string {
  return cluster.replaceAll('.', '-');
}

/** kops's `LimitedLengthName`: `s` if it fits in `n`, else cut with `-<hash of s>`. */
export function limitedLengthName(s: string, n: number = GCE_NAME_MAX): string {
  return truncateName(s, n);
}

/** kops's `SafeObjectName`: `<name>-<cluster>` with dashes for dots (not fitted). */
export function safeObjectName(name: string, cluster: string): string {
  return safeClusterName(`${name}-${cluster}`);
}

/**
 * `<name>-<safe cluster>` fitted to 63 characters: kops's `SafeObjectName` made a valid GCE name
 * with `LimitedLengthName`, as kops fits its managed-instance-group names.
 */
export function gceName(name: string, cluster: string): string {
  return limitedLengthName(safeObjectName(name, cluster), GCE_NAME_MAX);
}

/** kops's `SafeTruncatedClusterName`: the safe cluster name, cut with a hash past `max`. */
export function safeTruncatedClusterName(cluster: string, max: number = GCE_NAME_MAX): string {
  return truncateName(safeClusterName(cluster), max);
}

function reasonable(room: number, part: string): void {
  if (room < 10) throw new Error(`cannot build a GCE name of at most ${GCE_NAME_MAX} characters around ${JSON.stringify(part)}: it leaves ${room} for the cluster name`);
}

/** IAM's limit on a service account id (6-30 characters), kops's `ServiceAccountName` length. */
export const GCE_SERVICE_ACCOUNT_ID_MAX = 30;
/** kops's per-role service accounts (gce.ControlPlane, gce.Node, gce.Bastion); API servers share the control plane's. */
export const GCE_SERVICE_ACCOUNT_ROLES = ['control-plane', 'node', 'bastion'] as const;
export type GceServiceAccountRole = (typeof GCE_SERVICE_ACCOUNT_ROLES)[number];

/**
 * kops's `ServiceAccountName(role, cluster)`: `<role>-<safe cluster>` in 30 characters, the cluster
 * part cut with `-<hash>` past what is left (`node-minimal-example-com` fits;
 * `control-plane-minimal-example-com` becomes `control-plane-minimal-e-<hash>`).
 */
export function gceServiceAccountId(role: GceServiceAccountRole, cluster: string): string {
  return clusterSuffixedName(role, cluster, GCE_SERVICE_ACCOUNT_ID_MAX);
}

/** kops's `ClusterSuffixedName`: `<object>-<safe cluster, cut to fit>`. */
export function clusterSuffixedName(object: string, cluster: string, max: number = GCE_NAME_MAX): string {
  const prefix = `${object}-`;
  reasonable(max - prefix.length, object);
  return prefix + truncateName(safeClusterName(cluster), max - prefix.length);
}

/** kops's `ClusterPrefixedName`: `<safe cluster, cut to fit>-<object>`. */
export function clusterPrefixedName(object: string, cluster: string, max: number = GCE_NAME_MAX): string {
  const suffix = `-${object}`;
  reasonable(max - suffix.length, object);
  return truncateName(safeClusterName(cluster), max - suffix.length) + suffix;
}

/**
 * The network: the cluster's own (its safe name, cut to 63), or the user's named by
 * `spec.networkID` (`name` or `project/name`, kops's `ParseNameAndProjectFromNetworkID`).
 */
export function networkName(cluster: string, networkID?: string): string {
  if (!networkID) return safeTruncatedClusterName(cluster);
  const parts = networkID.split('/');
  return parts[parts.length - 1] ?? networkID;
}

/**
 * The project owning the network `spec.networkID` names when it is `project/name` (a shared VPC
 * of another project, kops's `ParseNameAndProjectFromNetworkID`), else `undefined`: the cluster's.
 */
export function networkProject(networkID?: string): string | undefined {
  if (!networkID?.includes('/')) return undefined;
  const [project] = networkID.split('/');
  return project !== '' ? project : undefined;
}

/** A subnet's name: its `id` (shared), else `<subnet name>-<safe cluster>` (kops's `LinkToSubnet`). */
export function subnetName(subnet: Pick<ClusterSubnetSpec, 'name' | 'id'>, cluster: string): string {
  return subnet.id ?? clusterSuffixedName(subnet.name, cluster);
}

/** The secondary (IP alias) ranges: `pods-<safe cluster>`, `services-<safe cluster>`. */
export function ipAliasRangeName(key: 'pods' | 'services', cluster: string): string {
  return clusterSuffixedName(key, cluster);
}

/**
 * Every firewall rule id the model builds (src/model/gce/firewall.ts, kops's firewall.go,
 * external_access.go, api_loadbalancer.go); a ranged rule also as `<id>-ipv6`. The orphan search
 * (src/tasks/gce/owned-names.ts) takes a rule as the cluster's only when its name is
 * `firewallRuleName(<one of these>, cluster)`, so `buildFirewall` may add no rule outside this set.
 */
export const GCE_FIREWALL_RULE_IDS = ['lb-health-checks', 'node-to-node', 'master-to-master', 'master-to-node', 'node-to-master', 'bastion-to-master-ssh', 'bastion-to-node-ssh', 'pod-cidrs-to-https-api'] as const;
/** The ids of the rules built per address family: `<id>` (IPv4) and `<id>-ipv6`. */
export const GCE_RANGED_FIREWALL_RULE_IDS = ['pod-cidrs-to-node', 'ssh-external-to-bastion', 'ssh-external-to-master', 'ssh-external-to-node', 'nodeport-external-to-node', 'https-api', 'kubernetes-master-https'] as const;
export type GceRangedFirewallRuleId = (typeof GCE_RANGED_FIREWALL_RULE_IDS)[number];
export type GceFirewallRuleId = (typeof GCE_FIREWALL_RULE_IDS)[number] | GceRangedFirewallRuleId | `${GceRangedFirewallRuleId}-ipv6`;

/** Every name `firewallRuleName` gives the cluster for an id the model builds. */
export function firewallRuleNames(cluster: string): string[] {
  const ids: GceFirewallRuleId[] = [...GCE_FIREWALL_RULE_IDS, ...GCE_RANGED_FIREWALL_RULE_IDS.flatMap((id) => [id, `${id}-ipv6` as const])];
  return ids.map((id) => firewallRuleName(id, cluster));
}

/** kops's roles as network tags: every tag `tagForRole` gives the cluster's instances. */
export function roleTags(cluster: string): string[] {
  return (['ControlPlane', 'Master', 'APIServer', 'Node', 'Bastion'] as const).map((r) => tagForRole(cluster, r));
}

/** `<id>-<safe cluster>`: firewall rules (`node-to-node-...`), and the API's address, pool, check, rule. */
export function firewallRuleName(id: GceFirewallRuleId, cluster: string): string {
  return clusterSuffixedName(id, cluster);
}

/** The API load balancer's resources: `api-<safe cluster>` (each a different kind). */
export function apiLoadBalancerName(cluster: string): string {
  return clusterSuffixedName('api', cluster);
}

/** kops's `NameForRouter("nat")`: the Cloud Router carrying the private subnets' NAT, `nat-<safe cluster>`. */
export function routerName(cluster: string): string {
  return clusterSuffixedName('nat', cluster);
}

/** A role's lower-case spelling in kops's GCE labels and tags (`InstanceGroupRole.ToLowerString`). */
export function roleLower(role: InstanceGroupRole | 'Master'): string {
  switch (role) {
    case 'Master':
      return 'master';
    case 'ControlPlane':
      return 'control-plane';
    case 'APIServer':
      return 'apiserver';
    case 'Bastion':
      return 'bastion';
    default:
      return 'node';
  }
}

/** kops's `TagForRole`: the network tag of a role's instances, `<safe cluster>-k8s-io-role-<role>`. */
export function tagForRole(cluster: string, role: InstanceGroupRole | 'Master'): string {
  return clusterPrefixedName(`k8s-io-role-${roleLower(role)}`, cluster);
}

/** The instance template's name prefix: `<ig>-<safe cluster>` cut to 32 (the kind adds a suffix). */
export function instanceTemplatePrefix(ig: InstanceGroup, cluster: string): string {
  return limitedLengthName(safeObjectName(ig.metadata.name, cluster), INSTANCE_TEMPLATE_PREFIX_MAX);
}

/** kops's `NameForInstanceGroupManager`: `<zone letter>-<ig>-<safe cluster>`, fitted to 63. */
export function instanceGroupManagerName(cluster: string, ig: string, zone: string): string {
  const short = zone.slice(zone.lastIndexOf('-') + 1);
  return gceName(`${short}.${ig}`, cluster);
}

/**
 * An etcd member's disk (kops's MasterVolumeBuilder): `<member>-etcd-<etcd cluster>-<safe cluster>`,
 * with a leading `d` when the member name starts with a digit (GCE names start with a letter).
 */
export function etcdDiskName(member: string, etcdCluster: string, cluster: string): string {
  let prefix = `${member}.etcd-${etcdCluster}`.replaceAll('.', '-');
  if (/^[0-9-]/.test(prefix)) prefix = `d${prefix}`;
  return clusterSuffixedName(prefix, cluster);
}

/** Whether an instance group is a control plane (either spelling). */
export function isControlPlane(ig: InstanceGroup): boolean {
  return normalizeRole(ig.spec.role) === 'ControlPlane';
}

/**
 * Whether `name` is the managed instance group the model names for the instance group
 * `baseInstanceName` (a MIG's base instance name is its group's name) in `zone`: a cut name ends
 * with a hash of the whole name, so it is recognised only by building it again.
 */
export function isInstanceGroupManagerNameOf(name: string, cluster: string, baseInstanceName: string, zone: string): boolean {
  return baseInstanceName !== '' && instanceGroupManagerName(cluster, baseInstanceName, zone) === name;
}
