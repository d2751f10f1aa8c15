/**
 * The GCE operator's custom role (`kops-ts get iam-policy --operator --cloud gce`), and its
 * read-only variant for plan jobs (`--read-only`): the permissions declared per Compute, IAM,
 * Resource Manager, Cloud DNS and Cloud Storage method in src/tasks/gce/permissions.ts, in the
 * shape IAM's `Role` resource has and `gcloud iam roles create ROLE --project P --file role.yaml`
 * reads (`title`, `description`, `stage`, `includedPermissions`; IAM v1 REST reference,
 * projects.roles). GCE's counterpart of src/cloudup/aws/operator-policy.ts.
 *
 * A role is a set of permissions and nothing more: where it applies is decided by the binding
 * (the project, or one bucket), and it cannot exclude objects of a bucket it is bound on
 * (docs/gce.md, "Permissions").
 */
import { gceOperatorPermissions, gceReadOnlyOperatorPermissions } from '../../tasks/gce/permissions.js';

/** A custom role as `gcloud iam roles create --file` takes it (YAML or JSON). */
export interface GceCustomRole {
  /** At most 100 UTF-8 bytes (IAM). */
  readonly title: string;
  readonly description: string;
  readonly stage: 'GA';
  readonly includedPermissions: readonly string[];
}

export interface GceOperatorRoleOptions {
  /**
   * Whether the state store is `gs://`: its object permissions are in the role. Default true (a
   * GCE operator's store is usually a bucket); false for `file://` and `memory://`.
   */
  readonly gcsStateStore?: boolean;
}

export function gceOperatorRole(o: GceOperatorRoleOptions = {}): GceCustomRole {
  return {
    title: 'kops-ts operator',
    description: "What kops-ts's update cluster --yes, rolling-update cluster, delete cluster and their plans call on GCE (kops-ts get iam-policy --operator --cloud gce).",
    stage: 'GA',
    includedPermissions: gceOperatorPermissions(o),
  };
}

export function gceReadOnlyOperatorRole(o: GceOperatorRoleOptions = {}): GceCustomRole {
  return {
    title: 'kops-ts plan job (read-only)',
    description: 'Reads only: update cluster without --yes, get, validate, toolbox dump and the previews on GCE. Can read every object of a bucket it is bound on: encrypt the store\'s secrets (--secret-key).',
    stage: 'GA',
    includedPermissions: gceReadOnlyOperatorPermissions(o),
  };
}
