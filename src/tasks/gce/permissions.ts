/**
 * The IAM permissions the GCE "operator" (whoever runs `update`, `delete` and `toolbox dump`)
 * needs, per Compute API method kops-ts calls, as Google's REST reference names them
 * ("Authorization requires the following IAM permission"). The GCE counterpart of
 * src/tasks/aws/iam-actions.ts: each kind declares the methods it calls, the provider its own
 * (pre-flight, the instance listing of `delete cluster`, awaiting operations).
 *
 * The per-role service accounts call IAM (`iam.<method>`: projects.serviceAccounts) and Resource
 * Manager (`resourceManager.<method>`: the project's IAM policy) and Cloud Storage
 * (`storageIam.<method>`: the state store bucket's policy), named by the helper's methods
 * (src/cloud/gce/iam-api.ts); the fakes enforce those permissions too.
 *
 * Listed: the permission on the resource the call names. Some calls also need permissions on the
 * resources they refer to (`SECONDARY`: e.g. creating a subnetwork uses its network); these are
 * part of the operator set too, but the fake Compute API (test/fakes/gce-compute.ts) enforces only
 * the first kind.
 */
import { GCE_KINDS, type GceKindName } from './types.js';

/** A Compute API method kops-ts calls (`<client>.<method>`), and its permission. */
export const GCE_METHOD_PERMISSIONS = {
  'networks.list': 'compute.networks.list',
  'networks.get': 'compute.networks.get',
  'networks.insert': 'compute.networks.create',
  'networks.delete': 'compute.networks.delete',
  'subnetworks.list': 'compute.subnetworks.list',
  'subnetworks.aggregatedList': 'compute.subnetworks.list',
  'subnetworks.get': 'compute.subnetworks.get',
  'subnetworks.insert': 'compute.subnetworks.create',
  'subnetworks.patch': 'compute.subnetworks.update',
  'subnetworks.delete': 'compute.subnetworks.delete',
  'firewalls.list': 'compute.firewalls.list',
  'firewalls.get': 'compute.firewalls.get',
  'firewalls.insert': 'compute.firewalls.create',
  'firewalls.patch': 'compute.firewalls.update',
  'firewalls.delete': 'compute.firewalls.delete',
  'disks.list': 'compute.disks.list',
  'disks.aggregatedList': 'compute.disks.list',
  'disks.get': 'compute.disks.get',
  'disks.insert': 'compute.disks.create',
  'disks.resize': 'compute.disks.resize',
  'disks.setLabels': 'compute.disks.setLabels',
  'disks.delete': 'compute.disks.delete',
  'addresses.list': 'compute.addresses.list',
  'addresses.get': 'compute.addresses.get',
  'addresses.insert': 'compute.addresses.create',
  'addresses.setLabels': 'compute.addresses.setLabels',
  'addresses.delete': 'compute.addresses.delete',
  'httpHealthChecks.list': 'compute.httpHealthChecks.list',
  'httpHealthChecks.get': 'compute.httpHealthChecks.get',
  'httpHealthChecks.insert': 'compute.httpHealthChecks.create',
  'httpHealthChecks.patch': 'compute.httpHealthChecks.update',
  'httpHealthChecks.delete': 'compute.httpHealthChecks.delete',
  'targetPools.list': 'compute.targetPools.list',
  'targetPools.get': 'compute.targetPools.get',
  'targetPools.insert': 'compute.targetPools.create',
  'targetPools.addHealthCheck': 'compute.targetPools.addHealthCheck',
  'targetPools.removeHealthCheck': 'compute.targetPools.removeHealthCheck',
  'targetPools.delete': 'compute.targetPools.delete',
  'forwardingRules.list': 'compute.forwardingRules.list',
  'forwardingRules.get': 'compute.forwardingRules.get',
  'forwardingRules.insert': 'compute.forwardingRules.create',
  'forwardingRules.setLabels': 'compute.forwardingRules.setLabels',
  'forwardingRules.delete': 'compute.forwardingRules.delete',
  'routers.list': 'compute.routers.list',
  'routers.get': 'compute.routers.get',
  'routers.insert': 'compute.routers.create',
  'routers.patch': 'compute.routers.update',
  'routers.delete': 'compute.routers.delete',
  'instanceTemplates.list': 'compute.instanceTemplates.list',
  'instanceTemplates.get': 'compute.instanceTemplates.get',
  'instanceTemplates.insert': 'compute.instanceTemplates.create',
  'instanceTemplates.delete': 'compute.instanceTemplates.delete',
  'instanceGroupManagers.list': 'compute.instanceGroupManagers.list',
  'instanceGroupManagers.aggregatedList': 'compute.instanceGroupManagers.list',
  'instanceGroupManagers.get': 'compute.instanceGroupManagers.get',
  'instanceGroupManagers.insert': 'compute.instanceGroupManagers.create',
  'instanceGroupManagers.resize': 'compute.instanceGroupManagers.update',
  'instanceGroupManagers.setInstanceTemplate': 'compute.instanceGroupManagers.update',
  'instanceGroupManagers.setTargetPools': 'compute.instanceGroupManagers.update',
  'instanceGroupManagers.delete': 'compute.instanceGroupManagers.delete',
  'instanceGroupManagers.listManagedInstances': 'compute.instanceGroupManagers.get',
  'instanceGroupManagers.abandonInstances': 'compute.instanceGroupManagers.update',
  'instances.aggregatedList': 'compute.instances.list',
  'instances.get': 'compute.instances.get',
  'instances.setLabels': 'compute.instances.setLabels',
  'instances.delete': 'compute.instances.delete',
  'targetPools.removeInstance': 'compute.targetPools.removeInstance',
  'projects.get': 'compute.projects.get',
  'regions.get': 'compute.regions.get',
  'zones.get': 'compute.zones.get',
  'globalOperations.wait': 'compute.globalOperations.get',
  'regionOperations.wait': 'compute.regionOperations.get',
  'zoneOperations.wait': 'compute.zoneOperations.get',
  // IAM v1 (projects.serviceAccounts) and Resource Manager v1 (projects), over REST (src/cloud/gce/iam-api.ts).
  'iam.listServiceAccounts': 'iam.serviceAccounts.list',
  'iam.getServiceAccount': 'iam.serviceAccounts.get',
  'iam.createServiceAccount': 'iam.serviceAccounts.create',
  'iam.patchServiceAccount': 'iam.serviceAccounts.update',
  'iam.deleteServiceAccount': 'iam.serviceAccounts.delete',
  'resourceManager.getIamPolicy': 'resourcemanager.projects.getIamPolicy',
  'resourceManager.setIamPolicy': 'resourcemanager.projects.setIamPolicy',
  // Cloud Storage JSON API v1 (b/<bucket>/iam), over REST.
  'storageIam.getBucket': 'storage.buckets.get',
  'storageIam.getBucketIamPolicy': 'storage.buckets.getIamPolicy',
  'storageIam.setBucketIamPolicy': 'storage.buckets.setIamPolicy',
  // Cloud DNS v1 (managedZones, resourceRecordSets), over REST (src/cloud/gce/dns-api.ts).
  'dns.listManagedZones': 'dns.managedZones.list',
  'dns.listRecordSets': 'dns.resourceRecordSets.list',
  'dns.createRecordSet': 'dns.resourceRecordSets.create',
  'dns.patchRecordSet': 'dns.resourceRecordSets.update',
  'dns.deleteRecordSet': 'dns.resourceRecordSets.delete',
} as const;

export type GceMethod = keyof typeof GCE_METHOD_PERMISSIONS;

/** The methods each kind's find, findOrphans, apply and delete call. */
export const GCE_KIND_METHODS: Readonly<Record<GceKindName, readonly GceMethod[]>> = {
  [GCE_KINDS.network]: ['networks.list', 'networks.get', 'networks.insert', 'networks.delete'],
  [GCE_KINDS.subnet]: ['subnetworks.list', 'subnetworks.get', 'subnetworks.insert', 'subnetworks.patch', 'subnetworks.delete'],
  [GCE_KINDS.firewallRule]: ['firewalls.list', 'firewalls.get', 'firewalls.insert', 'firewalls.patch', 'firewalls.delete'],
  [GCE_KINDS.disk]: ['disks.list', 'disks.aggregatedList', 'disks.get', 'disks.insert', 'disks.resize', 'disks.setLabels', 'disks.delete'],
  [GCE_KINDS.address]: ['addresses.list', 'addresses.get', 'addresses.insert', 'addresses.setLabels', 'addresses.delete'],
  // targetPools.list: which pools use a check found by name (owned-names.ts httpHealthCheckNotOurs).
  [GCE_KINDS.httpHealthCheck]: ['httpHealthChecks.list', 'httpHealthChecks.get', 'httpHealthChecks.insert', 'httpHealthChecks.patch', 'httpHealthChecks.delete', 'targetPools.list'],
  // instances.get: the labels of a found pool's instances (owned-names.ts targetPoolNotOurs).
  [GCE_KINDS.targetPool]: ['targetPools.list', 'targetPools.get', 'targetPools.insert', 'targetPools.addHealthCheck', 'targetPools.removeHealthCheck', 'targetPools.delete', 'instances.get'],
  [GCE_KINDS.forwardingRule]: ['forwardingRules.list', 'forwardingRules.get', 'forwardingRules.insert', 'forwardingRules.setLabels', 'forwardingRules.delete'],
  [GCE_KINDS.instanceTemplate]: ['instanceTemplates.list', 'instanceTemplates.get', 'instanceTemplates.insert', 'instanceTemplates.delete'],
  [GCE_KINDS.instanceGroupManager]: [
    'instanceGroupManagers.list',
    'instanceGroupManagers.aggregatedList',
    'instanceGroupManagers.get',
    'instanceGroupManagers.insert',
    'instanceGroupManagers.resize',
    'instanceGroupManagers.setInstanceTemplate',
    'instanceGroupManagers.setTargetPools',
    'instanceGroupManagers.delete',
    // A MIG's template labels (owned-names.ts ownedMigTemplate, migNotOurs): the cluster's template
    // list (cluster-templates.ts), and get for a template not in it.
    'instanceTemplates.list',
    'instanceTemplates.get',
  ],
  // get: only after a create answered ALREADY_EXISTS, and the legacy account's shared lookup.
  [GCE_KINDS.serviceAccount]: ['iam.listServiceAccounts', 'iam.getServiceAccount', 'iam.createServiceAccount', 'iam.patchServiceAccount', 'iam.deleteServiceAccount'],
  [GCE_KINDS.projectIamBinding]: ['resourceManager.getIamPolicy', 'resourceManager.setIamPolicy'],
  [GCE_KINDS.storageBucketIam]: ['storageIam.getBucketIamPolicy', 'storageIam.setBucketIamPolicy'],
  [GCE_KINDS.dnsZone]: ['dns.listManagedZones'],
  // patch: an update, or a create answered alreadyExists.
  [GCE_KINDS.dnsRecordSet]: ['dns.listManagedZones', 'dns.listRecordSets', 'dns.createRecordSet', 'dns.patchRecordSet', 'dns.deleteRecordSet'],
  [GCE_KINDS.router]: ['routers.list', 'routers.get', 'routers.insert', 'routers.patch', 'routers.delete'],
};

/**
 * The provider's own calls: pre-flight (project, region, zones), awaiting every kind of
 * operation, the legacy service account's look-up, `delete cluster`'s instance listing, the
 * Services' load balancers it ties to those instances, and what it reads to name the blockers. (Orphans
 * whose names the model cut for a long cluster name are found and deleted by their kinds.)
 */
export const GCE_PROVIDER_METHODS: readonly GceMethod[] = [
  'projects.get',
  'regions.get',
  'zones.get',
  'globalOperations.wait',
  'regionOperations.wait',
  'zoneOperations.wait',
  'instances.aggregatedList',
  'instances.delete',
  'firewalls.list',
  'subnetworks.aggregatedList',
  'instanceGroupManagers.aggregatedList',
  'forwardingRules.list',
  'targetPools.list',
  'routers.list', // the routers that keep a subnetwork or network (blockers)
  // The load balancers cloud-provider-gcp made for the cluster's Services (src/cloud/gce/service-lb.ts):
  // listed in the region and project, tied to the cluster's instances, deleted.
  'httpHealthChecks.list',
  'addresses.list',
  'forwardingRules.delete',
  'targetPools.delete',
  'httpHealthChecks.delete',
  'firewalls.delete',
  'addresses.delete',
  // The legacy spec.cloudProvider.gce.serviceAccount must exist (pre-flight).
  'iam.getServiceAccount',
  // The state store's bucket must have uniform bucket-level access for the conditional grants (pre-flight).
  'storageIam.getBucket',
];

/**
 * The GCE rolling update's calls (src/cloud/gce/instance-groups.ts, `GceCloudProvider`; docs/gce.md,
 * "Rolling update"): listing the groups' instances, replacing, surging and deregistering them.
 */
export const GCE_ROLL_METHODS: readonly GceMethod[] = [
  'instanceTemplates.list',
  'instanceTemplates.get', // a MIG named as a group's whose template is not the cluster's: whose it is (migNotOurs)
  'instanceGroupManagers.aggregatedList',
  'instanceGroupManagers.listManagedInstances',
  'instanceGroupManagers.get',
  'instanceGroupManagers.abandonInstances',
  'instanceGroupManagers.resize',
  'instances.aggregatedList',
  'instances.get',
  'instances.setLabels',
  'instances.delete',
  'targetPools.get',
  'targetPools.removeInstance',
  'zoneOperations.wait',
];

/**
 * Permissions on the resources a call refers to, which Google checks as well (Compute's REST
 * reference, per method): instances are created by the MIGs from templates that use a network,
 * a subnetwork, an image and a service account.
 */
export const GCE_SECONDARY_PERMISSIONS: readonly string[] = [
  'compute.networks.updatePolicy', // firewalls.insert/patch on the network
  'compute.networks.use', // subnetworks.insert, instanceTemplates.insert
  'compute.subnetworks.use', // instanceTemplates.insert, the MIGs' instances
  'compute.subnetworks.useExternalIp', // instances with an external address
  'compute.instanceTemplates.useReadOnly', // instanceGroupManagers.insert/setInstanceTemplate
  'compute.instances.create', // the MIGs create instances as the caller
  'compute.instances.setMetadata',
  'compute.instances.setLabels',
  'compute.instances.setTags',
  'compute.instances.setServiceAccount',
  'compute.disks.create', // the instances' boot disks
  'compute.images.useReadOnly', // the boot image
  'compute.addresses.use', // forwardingRules.insert with the static address
  'compute.targetPools.use', // forwardingRules.insert, instanceGroupManagers.setTargetPools
  'compute.httpHealthChecks.useReadOnly', // targetPools.insert/addHealthCheck
  'iam.serviceAccounts.actAs', // templates that run as a service account
  'dns.changes.create', // every record-set create, patch and delete is a change of the zone
];

/**
 * The `gs://` state store's calls (src/statestore/gcs.ts through `@google-cloud/storage`): a read is
 * the object's metadata then its bytes (`storage.objects.get` both), `list` pages the prefix
 * (`storage.objects.list`); a write is an upload (`storage.objects.create`, and
 * `storage.objects.delete` too when it overwrites, as Cloud Storage's IAM permissions table says),
 * a delete `storage.objects.delete`. The lock and the history are objects like the rest.
 */
export const GCS_STATE_STORE_READ_PERMISSIONS: readonly string[] = ['storage.objects.get', 'storage.objects.list'];
export const GCS_STATE_STORE_WRITE_PERMISSIONS: readonly string[] = ['storage.objects.create', 'storage.objects.delete'];

export interface GceOperatorPermissionOptions {
  /**
   * Whether the state store is `gs://` (its object permissions are part of the set). Default true:
   * a GCE operator's store is usually a bucket; false for `file://` and `memory://`.
   */
  readonly gcsStateStore?: boolean;
}

function allMethods(): Set<GceMethod> {
  return new Set<GceMethod>([...Object.values(GCE_KIND_METHODS).flat(), ...GCE_PROVIDER_METHODS, ...GCE_ROLL_METHODS]);
}

/** Every permission the operator needs: the kinds', the provider's, the roll's, the secondary ones and the state store's, sorted. */
export function gceOperatorPermissions(o: GceOperatorPermissionOptions = {}): string[] {
  const store = o.gcsStateStore === false ? [] : [...GCS_STATE_STORE_READ_PERMISSIONS, ...GCS_STATE_STORE_WRITE_PERMISSIONS];
  return [...new Set([...[...allMethods()].map((m) => GCE_METHOD_PERMISSIONS[m]), ...GCE_SECONDARY_PERMISSIONS, ...store])].sort();
}

/**
 * A method that only reads: its name after the client begins with `get` or `list`, or is
 * `aggregatedList` (`networks.get`, `instanceGroupManagers.listManagedInstances`,
 * `resourceManager.getIamPolicy`, `storageIam.getBucket`, `dns.listRecordSets`). An operation's
 * `wait` reads too, but only a change makes an operation to wait for.
 */
export function isGceReadMethod(m: GceMethod): boolean {
  return /^(get|list|aggregatedList)/.test(m.slice(m.indexOf('.') + 1));
}

/** A permission that only reads: `<service>.<resource>.get|list|getIamPolicy`. */
export function isGceReadPermission(p: string): boolean {
  return /^[a-z]+\.[A-Za-z]+\.(get|list|getIamPolicy)$/.test(p);
}

/**
 * The permissions of a plan job (`update cluster` without `--yes`, `get`, `validate cluster`,
 * `toolbox dump`, the previews of `rolling-update cluster` and `delete cluster`): the read methods
 * of the same declarations as the full set (every kind's find, pre-flight's look-ups, the roll's
 * and `delete cluster`'s listings), none of the secondary `use`/`actAs` permissions, and the
 * state store's object reads. Sorted.
 */
export function gceReadOnlyOperatorPermissions(o: GceOperatorPermissionOptions = {}): string[] {
  const reads = [...allMethods()].filter(isGceReadMethod).map((m) => GCE_METHOD_PERMISSIONS[m]);
  return [...new Set([...reads, ...(o.gcsStateStore === false ? [] : GCS_STATE_STORE_READ_PERMISSIONS)])].sort();
}
