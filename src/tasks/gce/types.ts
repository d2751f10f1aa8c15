/**
 * The GCE task contract: the desired state of every GCE task kind, as model builders
 * (`src/model/gce`) produce them and the kinds (`src/tasks/gce/<kind>.ts`) apply them. Plain data
 * with `Ref`s, like the AWS kinds; nothing here loads `@google-cloud/compute`.
 *
 * kops's conventions, which the builders follow and the kinds rely on:
 *  - Names are GCE resource names: `[a-z]([-a-z0-9]*[a-z0-9])?`, at most 63 characters (see
 *    `gceName` in `src/model/gce/names.ts`). The cluster's safe name is its name with dots as
 *    dashes (`minimal.example.com` → `minimal-example-com`).
 *  - Ownership: resources that take labels carry `k8s-io-cluster-name=<safe cluster name>` (kops's
 *    `gce.GceLabelNameKubernetesCluster`) and find/delete by it. Networks, subnetworks, firewall
 *    rules, health checks, target pools and forwarding rules take no labels in the Compute API:
 *    they are found by their exact names (every name the cluster's tasks use embeds the safe
 *    cluster name, so two clusters never share one), and orphans by the `-<safe cluster name>`
 *    suffix, as kops's GCE resource lister matches them.
 *  - Role labels on instances (instance template `properties.labels`) and disks:
 *    `k8s-io-role-control-plane` / `k8s-io-role-master` / `k8s-io-role-node` = `""` (kops sets the
 *    role key), `k8s-io-instance-group=<ig name>`. Etcd disks: `k8s-io-etcd-<main|events>=<member>-<all members joined by ->`,
 *    `k8s-io-role-master=master`.
 *  - Zonal resources (disks, managed instance groups) carry their zone in the desired state;
 *    regional ones (subnetworks, addresses, target pools, forwarding rules) their region.
 */
import type { Val } from '../types.js';

/**
 * The kinds' names (shown in plans, kops's gcetasks type names). Every kind's outputs are `id`
 * (GCE's numeric id), `name` and `selfLink` (the resource URL other resources reference); an
 * `Address` also gives `address` (the IP). Reference URLs with `ref(kind, taskName, 'selfLink')`.
 */
export const GCE_KINDS = {
  network: 'Network',
  subnet: 'Subnet',
  firewallRule: 'FirewallRule',
  disk: 'Disk',
  address: 'Address',
  httpHealthCheck: 'HTTPHealthCheck',
  targetPool: 'TargetPool',
  forwardingRule: 'ForwardingRule',
  instanceTemplate: 'InstanceTemplate',
  instanceGroupManager: 'InstanceGroupManager',
  serviceAccount: 'ServiceAccount',
  projectIamBinding: 'ProjectIAMBinding',
  storageBucketIam: 'StorageBucketIAM',
  dnsZone: 'DNSZone',
  dnsRecordSet: 'DNSRecordSet',
  router: 'Router',
} as const;
export type GceKindName = (typeof GCE_KINDS)[keyof typeof GCE_KINDS];

/** GCE labels: keys and values `[a-z0-9_-]{0,63}`. */
export type Labels = Readonly<Record<string, string>>;

/** The label every labelled resource of the cluster carries (`k8s-io-cluster-name`). */
export const GCE_LABEL_CLUSTER = 'k8s-io-cluster-name';
export const GCE_LABEL_INSTANCE_GROUP = 'k8s-io-instance-group';

/** `Network`: a custom-mode VPC network (`autoCreateSubnetworks: false`), or the user's, by name. */
export interface GceNetworkDesired {
  /** The network's name (kops: the safe cluster name, or `spec.networkID` for a shared one). */
  readonly name: string;
  /** `custom` (kops's default for new clusters); a shared network may be `auto`. */
  readonly mode: 'custom' | 'auto';
}

/** `Subnet` (GCE subnetwork): regional. */
export interface GceSubnetDesired {
  readonly name: string;
  readonly region: string;
  /** Ref to the Network's `selfLink` output (or its URL for a shared one). */
  readonly network: Val;
  readonly ipCidrRange: string;
  /** Secondary ranges by name (IP-alias networking: pods, services). */
  readonly secondaryRanges?: Readonly<Record<string, string>>;
}

export interface GceFirewallAllowed {
  /** `tcp`, `udp`, `icmp`, `esp`, `ah`, `sctp`, `ipip` or a protocol number. */
  readonly protocol: string;
  /** e.g. `['443']`, `['30000-32767']`; absent: every port. */
  readonly ports?: readonly string[];
}

/** `FirewallRule`: an ingress rule of the cluster's network. */
export interface GceFirewallRuleDesired {
  readonly name: string;
  readonly network: Val;
  readonly sourceRanges?: readonly string[];
  readonly sourceTags?: readonly string[];
  readonly targetTags?: readonly string[];
  readonly allowed: readonly GceFirewallAllowed[];
  /** Default 1000. */
  readonly priority?: number;
}

/** `Disk`: a zonal persistent disk (etcd members' data). */
export interface GceDiskDesired {
  readonly name: string;
  readonly zone: string;
  readonly sizeGb: number;
  /** `pd-ssd` (kops's default for etcd), `pd-balanced`, `pd-standard`. */
  readonly type: string;
  readonly labels: Labels;
}

/** `Address`: a regional static external IP (the API load balancer's). */
export interface GceAddressDesired {
  readonly name: string;
  readonly region: string;
  readonly labels?: Labels;
}

/** `HTTPHealthCheck` (the legacy health check a target pool takes). */
export interface GceHttpHealthCheckDesired {
  readonly name: string;
  /** kops: 3990 (kube-apiserver-healthcheck) with path `/healthz`. */
  readonly port: number;
  readonly requestPath: string;
}

/** `TargetPool`: the API load balancer's backend; control-plane MIGs register their instances in it. */
export interface GceTargetPoolDesired {
  readonly name: string;
  readonly region: string;
  /** Refs to `HTTPHealthCheck` `selfLink`s. */
  readonly healthChecks: readonly Val[];
}

/** `ForwardingRule`: the API's public entry (TCP 443 to the target pool). */
export interface GceForwardingRuleDesired {
  readonly name: string;
  readonly region: string;
  /** Ref to the `Address`'s `address` output (the IP). */
  readonly ipAddress: Val;
  readonly ipProtocol: 'TCP';
  readonly portRange: string;
  /** Ref to the `TargetPool`'s `selfLink`. */
  readonly target: Val;
  readonly labels?: Labels;
}

/** One disk of an instance template. */
export interface GceTemplateDisk {
  readonly boot: boolean;
  readonly sizeGb: number;
  readonly type: string;
  /** Boot disk: the image URL or family URL (`projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64`). */
  readonly sourceImage?: string;
}

/**
 * `InstanceTemplate`: immutable in GCE. kops names each version `<prefix>-<timestamp>`; kops-ts
 * names it `<prefix>-<hash of the desired properties>` (`name` below is the prefix), so a change
 * creates a new template, the MIG switches to it, and the old one is deleted as an orphan. The
 * `name` output is the full name, `selfLink` its URL.
 */
export interface GceInstanceTemplateDesired {
  /** The name prefix (the template's full name adds `-<hash>`). */
  readonly namePrefix: string;
  readonly machineType: string;
  /** Ref to the Subnet's `selfLink`. */
  readonly subnetwork: Val;
  readonly network: Val;
  /** An ephemeral external IP (kops: public topology only). */
  readonly externalIp: boolean;
  readonly canIpForward: boolean;
  readonly disks: readonly GceTemplateDisk[];
  /** Network tags the firewall rules target (kops: `<cluster-safe>-k8s-io-role-<role>`). */
  readonly tags: readonly string[];
  /** Instance labels: ownership, role, instance group. */
  readonly labels: Labels;
  /** Instance metadata; `user-data`/`startup-script` hold the bootstrap script (a blob field). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Service account email (`default` for the project's default) and scopes. */
  readonly serviceAccount: { readonly email: string; readonly scopes: readonly string[] };
  readonly preemptible?: boolean;
  /**
   * `SPOT`: Spot VMs (kops's `gcpProvisioningModel: SPOT`), preemptible too. Absent: standard, and
   * absent from the name's hash, so that standard templates keep their names.
   */
  readonly provisioningModel?: 'SPOT';
  /** Shielded VM: secure boot, vTPM, integrity monitoring. */
  readonly shieldedVm?: { readonly secureBoot: boolean; readonly vtpm: boolean; readonly integrityMonitoring: boolean };
}

/** `InstanceGroupManager`: a zonal managed instance group, one per kops instance group and zone. */
export interface GceInstanceGroupManagerDesired {
  readonly name: string;
  readonly zone: string;
  /** Ref to the InstanceTemplate's `selfLink`. */
  readonly instanceTemplate: Val;
  /** Also the instances' name prefix. */
  readonly baseInstanceName: string;
  readonly targetSize: number;
  /** Refs to TargetPool `selfLink`s (control planes: the API pool). */
  readonly targetPools?: readonly Val[];
}

/**
 * `ServiceAccount`: an IAM service account of the project, one per role (kops's
 * ServiceAccountsBuilder). Identity: the email, `<accountId>@<project>.iam.gserviceaccount.com`.
 * Outputs: `email`, `name` (`projects/<p>/serviceAccounts/<email>`), `id` (the unique id).
 */
export interface GceServiceAccountDesired {
  /** 6-30 characters, `[a-z]([-a-z0-9]*[a-z0-9])`: kops's `ServiceAccountName(role, cluster)`. */
  readonly accountId: string;
  readonly email: string;
  readonly displayName: string;
  readonly description: string;
}

/**
 * `ProjectIAMBinding`: one member in one role of the project's IAM policy (kops's
 * ProjectIAMBinding: added to the role's unconditional binding; nobody else's member is touched).
 */
export interface GceProjectIamBindingDesired {
  /** `roles/container.serviceAgent`. */
  readonly role: string;
  /** `serviceAccount:<email>`. */
  readonly member: string;
}

/**
 * `StorageBucketIAM`: one member in one role of a bucket's IAM policy (kops's StorageBucketIAM:
 * the role accounts' access to the `gs://` state store and the etcd backup stores).
 */
export interface GceStorageBucketIamDesired {
  readonly bucket: string;
  /** `roles/storage.objectAdmin`, `roles/storage.objectViewer`. */
  readonly role: string;
  /** `serviceAccount:<email>`. */
  readonly member: string;
  /** The binding's IAM Condition (src/model/gce/bucket-grants.ts); none: the whole bucket. */
  readonly condition?: GceIamCondition;
  /**
   * The role an earlier kops-ts granted this member on the whole bucket (no condition): that
   * grant is found as an orphan and removed (`findOrphans`).
   */
  readonly supersedes?: string;
}

/** An IAM Condition as the policy holds it: a CEL `expression`, with a `title` (kops-ts's start `kops-ts:`). */
export interface GceIamCondition {
  readonly title: string;
  readonly description?: string;
  readonly expression: string;
}

/**
 * `DNSZone`: the Cloud DNS managed zone the API's records go in (`spec.dnsZone`). The user's:
 * found, never created, changed or deleted (a shared task), as kops requires the zone to exist.
 * kops's rule for the value: with a dot it is the zone's DNS name (`example.com`), without one
 * the managed zone's name (or numeric id). Outputs: `id`, `name` (the managed zone's name), `dnsName`.
 */
export interface GceDnsZoneDesired {
  /** `spec.dnsZone` as written. */
  readonly name: string;
  /** Found among private zones (`topology.dns.type: Private`), else public ones. */
  readonly private: boolean;
}

/**
 * `DNSRecordSet`: one record set (name + type) of the cluster's managed zone, e.g. `api.<cluster>`
 * type A to the API load balancer's address. Record sets take no labels: the cluster owns exactly
 * the names its model builds (`delete cluster` deletes those, never another record of the zone).
 */
export interface GceDnsRecordSetDesired {
  /** The managed zone's name: `ref('DNSZone', <spec.dnsZone>, 'name')`. */
  readonly zone: Val;
  /** How find (before refs are known) looks the zone up: the `DNSZone` task's desired state. */
  readonly zoneLookup: GceDnsZoneDesired;
  /** Fully qualified or not (`api.minimal.example.com`); stored with the trailing dot. */
  readonly name: string;
  readonly type: 'A' | 'AAAA' | 'CNAME' | 'TXT';
  /** Seconds (kops's dns-controller writes 60). */
  readonly ttl: number;
  /** The values: for A, `ref('Address', 'api-<c>', 'address')`. */
  readonly rrdatas: readonly Val[];
}

/** The one NAT of a `Router` (kops's gcetasks Router: the NAT is named like the router). */
export interface GceRouterNatDesired {
  readonly name: string;
  /** kops: `AUTO_ONLY` (Google allocates the NAT's external IPs). */
  readonly natIpAllocateOption: 'AUTO_ONLY';
  /** kops: `LIST_OF_SUBNETWORKS` (only the subnetworks below; each with `ALL_IP_RANGES`). */
  readonly sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS';
  /** Refs to the private `Subnet`s' `selfLink`s, NATed with all their IP ranges (`ALL_IP_RANGES`). */
  readonly subnetworks: readonly Val[];
}

/**
 * `Router`: a Cloud Router of the cluster's network in its region, carrying the Cloud NAT of the
 * private subnets (kops's gcemodel NetworkModelBuilder, `nat-<safe cluster>`). Routers take no
 * labels: found by their exact name.
 */
export interface GceRouterDesired {
  readonly name: string;
  readonly region: string;
  /** Ref to the Network's `selfLink` (or the user's network's URL). */
  readonly network: Val;
  readonly nat: GceRouterNatDesired;
}
