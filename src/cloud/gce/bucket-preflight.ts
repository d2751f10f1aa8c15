/**
 * `update cluster`'s pre-flight for the state store's bucket (before anything changes): the
 * instances' grants on it are IAM Conditions (src/model/gce/bucket-grants.ts), which Cloud
 * Storage accepts only on a bucket with uniform bucket-level access (a conditional binding on
 * another bucket is refused with 400; docs/gce.md, "Service accounts"). A bucket without it is
 * refused here, named, with the command that turns it on (`storage.buckets.get`).
 */
import { KopsError } from '../../diagnostics.js';
import type { Task } from '../../tasks/types.js';
import type { GceTaskContext } from '../../tasks/gce/context.js';
import { GCE_KINDS, type GceStorageBucketIamDesired } from '../../tasks/gce/types.js';
import { describeGceError } from './errors.js';

export async function gceStateBucketPreflight(ctx: GceTaskContext, tasks: readonly Task[]): Promise<void> {
  const buckets = new Set<string>();
  for (const t of tasks) {
    if (t.kind === GCE_KINDS.storageBucketIam && (t.desired as GceStorageBucketIamDesired).condition) buckets.add((t.desired as GceStorageBucketIamDesired).bucket);
  }
  for (const bucket of [...buckets].sort()) {
    let uniform: boolean;
    try {
      uniform = (await ctx.clients.storageIam.getBucket(bucket)).iamConfiguration?.uniformBucketLevelAccess?.enabled === true;
    } catch (e) {
      const d = describeGceError(e);
      if (d.status !== 403) throw e;
      throw new KopsError('GcePermissionDenied', `state store bucket gs://${bucket}: its settings cannot be read: ${d.message}`, {
        hint: 'nothing was changed; the credentials need storage.buckets.get on the bucket (docs/gce.md, "Permissions"), then re-run',
      });
    }
    if (!uniform) {
      throw new KopsError('GceBucketNotUniform', `state store bucket gs://${bucket}: uniform bucket-level access is off, and the instances' grants on it are limited to their cluster's objects with IAM Conditions, which Cloud Storage refuses on such a bucket`, {
        hint: `nothing was changed; turn it on (gcloud storage buckets update gs://${bucket} --uniform-bucket-level-access; object ACLs then stop granting access), then re-run kops-ts update cluster --name ${ctx.clusterName}`,
      });
    }
  }
}
