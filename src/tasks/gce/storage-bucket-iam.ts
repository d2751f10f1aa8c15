/**
 * `StorageBucketIAM`: one member in one role of a Cloud Storage bucket's IAM policy (kops's
 * gcetasks/storagebucketiam.go, built by src/model/gce/service-accounts.ts for the `gs://` state
 * store and etcd backup stores). The same read-modify-write as `ProjectIAMBinding` on
 * `b/<bucket>/iam` (a write over a concurrent change: 412, retried whole); only its member is
 * added or removed, every other member and binding stays.
 *
 * No orphan search, as for the project's bindings: a grant no longer described (after a switch to
 * the legacy single account) stays until removed by hand; `delete cluster` removes the described
 * grants (the state store's bucket is known from the spec).
 *
 * Cloud Storage methods: buckets.getIamPolicy, buckets.setIamPolicy.
 */
import type { IamPolicy } from '../../cloud/gce/iam-api.js';
import type { Task, TaskKind } from '../types.js';
import type { GceTaskContext } from './context.js';
import { addMember, modifyIamPolicy, removeMember, unconditional, type PolicyIo } from './project-iam-binding.js';
import type { GceStorageBucketIamDesired } from './types.js';

export interface GceStorageBucketIamActual {
  readonly bucket: string;
  readonly role: string;
  readonly member: string;
}

function bucketIo(ctx: GceTaskContext, bucket: string): PolicyIo {
  return { where: `bucket gs://${bucket}`, read: () => ctx.clients.storageIam.getBucketIamPolicy(bucket), write: (p) => ctx.clients.storageIam.setBucketIamPolicy(bucket, p) };
}

function policyOf(ctx: GceTaskContext, bucket: string): Promise<IamPolicy> {
  return ctx.once(`gce:bucketIamPolicy:${bucket}`, () => ctx.clients.storageIam.getBucketIamPolicy(bucket));
}

const buckets = (tasks: readonly Task<GceStorageBucketIamDesired>[]): string[] => [...new Set(tasks.map((t) => t.desired.bucket))].sort();

export const storageBucketIamKind: TaskKind<GceStorageBucketIamDesired, GceStorageBucketIamActual, GceTaskContext> = {
  kind: 'StorageBucketIAM',
  concurrency: 1,
  fields: {
    bucket: { mode: 'replace' },
    role: { mode: 'replace', security: 'iam' },
    member: { mode: 'replace', security: 'iam' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, GceStorageBucketIamActual>();
    for (const bucket of buckets(tasks)) {
      const policy = await policyOf(ctx, bucket);
      for (const t of tasks.filter((x) => x.desired.bucket === bucket)) {
        const { role, member } = t.desired;
        if (unconditional(policy).some((b) => b.role === role && (b.members ?? []).includes(member))) found.set(t.name, { bucket, role, member });
      }
    }
    return found;
  },

  view: (d) => ({ bucket: d.bucket, role: d.role, member: d.member }),
  actualView: (a) => ({ bucket: a.bucket, role: a.role, member: a.member }),

  async apply(ctx, req) {
    const { bucket, role, member } = req.desired;
    await modifyIamPolicy(ctx, `StorageBucketIAM ${req.name}`, bucketIo(ctx, bucket), (p) => addMember(p, role, member));
    return { bucket, role, member };
  },

  outputs: (a) => ({ id: `gs://${a.bucket} ${a.role} ${a.member}`, role: a.role, member: a.member }),

  async delete(ctx, a) {
    await modifyIamPolicy(ctx, `StorageBucketIAM gs://${a.bucket} ${a.role} ${a.member}`, bucketIo(ctx, a.bucket), (p) => removeMember(p, a.role, a.member));
  },
};
