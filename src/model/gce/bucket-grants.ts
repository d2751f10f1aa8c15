/**
 * What each role's service account may do in the `gs://` state store's bucket: as narrow as the
 * AWS instance roles (src/model/aws/iam-policies.ts), with IAM Conditions on the bucket's policy
 * (docs/gce.md, "Service accounts"). One conditional binding per grant:
 *
 *  - nodes: read `<cluster>/igconfig/node/` (bootstrap.sh's `gcsget.py` of the group's join
 *    configuration; nothing else a node runs reads the store);
 *  - control plane: read `<cluster>/` (its igconfig, PKI and secrets, and addons.sh's addon
 *    manifests), and write, delete and list the etcd backups under `<cluster>/backups/etcd/`
 *    (etcd-backup.py through the GCS store helper: `put`, `list` with `versions=true`, `delete`
 *    of one generation);
 *  - bastions: nothing.
 *
 * An object's resource name in a condition is `projects/_/buckets/<bucket>/objects/<name>`; a
 * list is checked against the bucket (`projects/_/buckets/<bucket>`), so the object-name test can
 * never allow it: the backups' grant also allows a list whose `prefix` lies under the backups'
 * directory, with the request attribute `storage.googleapis.com/objectListPrefix`.
 *
 * Every title starts with `kops-ts:`: how `StorageBucketIAM` recognises its own conditional
 * bindings (the member, one of the cluster's own accounts, says whose).
 */
import type { StateStoreLocation } from '../aws/iam-policy-builder.js';
import type { GceIamCondition } from '../../tasks/gce/types.js';
import type { GceServiceAccountRole } from './names.js';

/** The title prefix of every condition kops-ts writes. */
export const KOPS_CONDITION_TITLE_PREFIX = 'kops-ts:';

/** The role earlier kops-ts versions granted on the whole bucket (no condition): removed on the next update. */
export const LEGACY_BUCKET_ROLES: Readonly<Record<GceServiceAccountRole, string | undefined>> = {
  'control-plane': 'roles/storage.objectAdmin',
  node: 'roles/storage.objectViewer',
  bastion: undefined,
};

export interface GceBucketGrant {
  /** The task name's first word: `igconfig`, `clusterstate`, `etcdbackups`. */
  readonly id: string;
  readonly role: string;
  readonly condition: GceIamCondition;
}

/** `<prefix>/<cluster>/` (or `<cluster>/`): the cluster's directory in the bucket, with its slash. */
export function clusterDir(state: StateStoreLocation, cluster: string): string {
  return `${state.prefix ? `${state.prefix}/` : ''}${cluster}/`;
}

/** CEL string literal: the names kops-ts builds hold no quote or backslash, but never trust that. */
function cel(s: string): string {
  return JSON.stringify(s);
}

/** `resource.name.startsWith("projects/_/buckets/<bucket>/objects/<prefix>")`. */
export function objectsUnder(bucket: string, prefix: string): string {
  return `resource.name.startsWith(${cel(`projects/_/buckets/${bucket}/objects/${prefix}`)})`;
}

/** A list whose `prefix` starts with `prefix` (the list's resource is the bucket). */
export function listUnder(prefix: string): string {
  return `api.getAttribute(${cel('storage.googleapis.com/objectListPrefix')}, ${cel('')}).startsWith(${cel(prefix)})`;
}

/** The grants of one role's account on the state store's bucket, in a fixed order. */
export function gceBucketGrants(role: GceServiceAccountRole, state: StateStoreLocation, cluster: string): GceBucketGrant[] {
  const dir = clusterDir(state, cluster);
  const { bucket } = state;
  const describe = (what: string) => `kops-ts cluster ${cluster}: ${what}`;
  switch (role) {
    case 'node':
      return [
        {
          id: 'igconfig',
          role: 'roles/storage.objectViewer',
          condition: { title: `${KOPS_CONDITION_TITLE_PREFIX} nodes read their join files`, description: describe(`read gs://${bucket}/${dir}igconfig/node/`), expression: objectsUnder(bucket, `${dir}igconfig/node/`) },
        },
      ];
    case 'control-plane': {
      const backups = `${dir}backups/etcd/`;
      return [
        {
          id: 'clusterstate',
          role: 'roles/storage.objectViewer',
          condition: { title: `${KOPS_CONDITION_TITLE_PREFIX} control plane reads its cluster`, description: describe(`read gs://${bucket}/${dir}`), expression: objectsUnder(bucket, dir) },
        },
        {
          id: 'etcdbackups',
          role: 'roles/storage.objectAdmin',
          condition: {
            title: `${KOPS_CONDITION_TITLE_PREFIX} control plane keeps etcd backups`,
            description: describe(`write, delete and list gs://${bucket}/${backups}`),
            expression: `${objectsUnder(bucket, backups)} || ${listUnder(backups)}`,
          },
        },
      ];
    }
    case 'bastion':
      return [];
  }
}
