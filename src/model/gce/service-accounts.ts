/**
 * kops's gcemodel ServiceAccountsBuilder: with the legacy `spec.cloudProvider.gce.serviceAccount`
 * set, every instance runs as that account, and, as kops, one shared `ServiceAccount` task named
 * `shared` looks it up (found, never created, changed or deleted; the templates wait for it), but
 * for `default` (GCE's default compute account, which always exists). Otherwise one service account per role that has instance groups: control
 * plane (API servers share it), nodes, bastions, with kops's account ids (`gceServiceAccountId`),
 * display names (the role) and descriptions; the control plane's gets the project role kops
 * grants it, `roles/container.serviceAgent` (GKE's service-agent role: kops avoids a custom role
 * because deleting one takes 7 days); nodes and bastions get no project role.
 *
 * With a `gs://` state store, each account also gets what it needs of the store's bucket, and no
 * more: conditional `StorageBucketIAM` grants limited to its cluster's object prefixes
 * (src/model/gce/bucket-grants.ts, as narrow as AWS's instance roles); the instances read their
 * bootstrap files from it as themselves. The grant on the whole bucket an earlier kops-ts made
 * (`LEGACY_BUCKET_ROLES`) is each grant's `supersedes`: removed by the next update.
 *
 * Built from every instance group (cluster-wide, like the network), so `update cluster
 * --instance-group` never plans another role's account away.
 */
import { ref, type Ref } from '../../tasks/types.js';
import { GCE_KINDS, type GceProjectIamBindingDesired, type GceServiceAccountDesired, type GceStorageBucketIamDesired } from '../../tasks/gce/types.js';
import type { ClusterSpec, InstanceGroup } from '../api/types.js';
import type { GceModelContext } from './context.js';
import { GCE_SERVICE_ACCOUNT_ROLES, gceServiceAccountId, type GceServiceAccountRole } from './names.js';
import { gceBucketGrants, LEGACY_BUCKET_ROLES, type GceBucketGrant } from './bucket-grants.js';

/** kops's descriptions (pkg/model/gcemodel/service_accounts.go). */
const DESCRIPTIONS: Readonly<Record<GceServiceAccountRole, string>> = {
  'control-plane': 'kubernetes control-plane instances',
  node: 'kubernetes worker nodes',
  bastion: 'bastion nodes',
};

/**
 * The project roles kops grants each role's account. The control plane's boot programs
 * (src/bootstrap/gce-helpers.ts, gce-control-planes.ts) are taken to need no more: `gcecp.py` (its cluster's control
 * planes, `instances.aggregatedList`) needs `compute.instances.list`, which GKE's service-agent
 * role is expected to include (the cloud controller running as this account lists instances too);
 * not checked against Google's role reference here. If it does not, `roles/compute.viewer` is
 * the narrow addition.
 */
export const GCE_SERVICE_ACCOUNT_PROJECT_ROLES: Readonly<Record<GceServiceAccountRole, readonly string[]>> = {
  'control-plane': ['roles/container.serviceAgent'],
  node: [],
  bastion: [],
};

/** The legacy single account (`spec.cloudProvider.gce.serviceAccount`) of a spec, if set. */
export function legacyServiceAccountOf(spec: ClusterSpec): string | undefined {
  const gce = typeof spec.cloudProvider === 'object' ? spec.cloudProvider.gce : undefined;
  const v = gce?.['serviceAccount'];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The legacy single account (`spec.cloudProvider.gce.serviceAccount`), if set. */
export function legacyServiceAccount(m: GceModelContext): string | undefined {
  return legacyServiceAccountOf(m.cluster.spec);
}

/** kops's task name of the legacy account's shared lookup. */
export const LEGACY_SERVICE_ACCOUNT_TASK = 'shared';

/** The legacy account if it is one to look up (`default`, GCE's default compute account, always exists). */
function legacyLookedUp(m: GceModelContext): string | undefined {
  const legacy = legacyServiceAccount(m);
  return legacy !== undefined && legacy !== 'default' ? legacy : undefined;
}

/** kops's `LinkToServiceAccount` role name of a group. */
export function serviceAccountRole(m: GceModelContext, ig: InstanceGroup): GceServiceAccountRole {
  const role = m.role(ig);
  return role === 'ControlPlane' || role === 'APIServer' ? 'control-plane' : role === 'Bastion' ? 'bastion' : 'node';
}

export function serviceAccountEmail(m: GceModelContext, role: GceServiceAccountRole): string {
  return `${gceServiceAccountId(role, m.name)}@${m.project}.iam.gserviceaccount.com`;
}

/** The email a group's instances run as: the legacy account, else its role's. */
export function serviceAccountOf(m: GceModelContext, ig: InstanceGroup): string {
  return legacyServiceAccount(m) ?? serviceAccountEmail(m, serviceAccountRole(m, ig));
}

/** After kops's task name (`objectadmin-<bucket>-serviceaccount-<role>`): `<grant>-<bucket>-serviceaccount-<role>`. */
function bucketGrantName(role: GceServiceAccountRole, bucket: string, grant: GceBucketGrant): string {
  return `${grant.id}-${bucket}-serviceaccount-${role.replace('-', '')}`;
}

/** A role's grants on the state store's bucket (none without a `gs://` store). */
function bucketGrantsOf(m: GceModelContext, role: GceServiceAccountRole): { bucket: string; grant: GceBucketGrant }[] {
  const store = m.input.stateStore;
  if (!store?.bucket) return [];
  return gceBucketGrants(role, store, m.name).map((grant) => ({ bucket: store.bucket, grant }));
}

/**
 * What a group's instance template waits for: its account and the account's grant on the state
 * store's bucket (the instances read their bootstrap files as it at first boot). For the legacy
 * account its shared lookup (none for `default`).
 */
export function accountDependencies(m: GceModelContext, ig: InstanceGroup): Ref[] {
  if (legacyServiceAccount(m)) return legacyLookedUp(m) ? [ref(GCE_KINDS.serviceAccount, LEGACY_SERVICE_ACCOUNT_TASK, 'email')] : [];
  const role = serviceAccountRole(m, ig);
  const out: Ref[] = [ref(GCE_KINDS.serviceAccount, gceServiceAccountId(role, m.name), 'email')];
  for (const { bucket, grant } of bucketGrantsOf(m, role)) out.push(ref(GCE_KINDS.storageBucketIam, bucketGrantName(role, bucket, grant), 'id'));
  return out;
}

export function buildServiceAccounts(m: GceModelContext): void {
  if (legacyServiceAccount(m)) {
    const email = legacyLookedUp(m);
    if (email) {
      const accountId = email.split('@')[0] ?? email;
      m.add<GceServiceAccountDesired>({ kind: GCE_KINDS.serviceAccount, name: LEGACY_SERVICE_ACCOUNT_TASK, shared: true, desired: { accountId, email, displayName: '', description: '' } });
    }
    return;
  }
  const roles = new Set(m.instanceGroups.map((ig) => serviceAccountRole(m, ig)));
  for (const role of GCE_SERVICE_ACCOUNT_ROLES.filter((r) => roles.has(r))) {
    const accountId = gceServiceAccountId(role, m.name);
    const email = serviceAccountEmail(m, role);
    m.add<GceServiceAccountDesired>({ kind: GCE_KINDS.serviceAccount, name: accountId, desired: { accountId, email, displayName: role, description: DESCRIPTIONS[role] } });
    for (const projectRole of GCE_SERVICE_ACCOUNT_PROJECT_ROLES[role]) {
      m.add<GceProjectIamBindingDesired>({
        kind: GCE_KINDS.projectIamBinding,
        // kops's task name (`serviceaccount-control-plane`), with the role when there would be more than one.
        name: GCE_SERVICE_ACCOUNT_PROJECT_ROLES[role].length === 1 ? `serviceaccount-${role}` : `serviceaccount-${role}-${projectRole.replace(/^roles\//, '')}`,
        desired: { role: projectRole, member: `serviceAccount:${email}` },
        dependsOn: [ref(GCE_KINDS.serviceAccount, accountId, 'email')],
      });
    }
    const supersedes = LEGACY_BUCKET_ROLES[role];
    for (const { bucket, grant } of bucketGrantsOf(m, role)) {
      m.add<GceStorageBucketIamDesired>({
        kind: GCE_KINDS.storageBucketIam,
        name: bucketGrantName(role, bucket, grant),
        desired: { bucket, role: grant.role, member: `serviceAccount:${email}`, condition: grant.condition, ...(supersedes ? { supersedes } : {}) },
        dependsOn: [ref(GCE_KINDS.serviceAccount, accountId, 'email')],
      });
    }
  }
}
