/**
 * `StorageBucketIAM`: one member in one role of a Cloud Storage bucket's IAM policy (kops's
 * gcetasks/storagebucketiam.go, built by src/model/gce/service-accounts.ts for the `gs://` state
 * store), with an IAM Condition (src/model/gce/bucket-grants.ts: the grant is limited to object
 * name prefixes) or without one. The same read-modify-write as `ProjectIAMBinding` on
 * `b/<bucket>/iam`, read as policy version 3 and written as version 3 once any binding has a
 * condition (a write over a concurrent change: 412, retried whole); only its member is added to
 * or removed from the binding of its role with exactly its condition: every other member and
 * binding, unconditional or with another condition, stays.
 *
 * Orphans (`findOrphans`, so `update` plans them as deletions and `delete cluster` removes them),
 * in the buckets the tasks name, of this cluster's own accounts only:
 *  - the unconditional grant on the whole bucket an earlier kops-ts made (the task's
 *    `supersedes` role, same member, no condition);
 *  - a conditional binding with a kops-ts title (`kops-ts:`) that no task describes any more (the
 *    state store's prefix changed, a role lost its groups).
 * A grant no longer described for lack of any task in its bucket (after a switch to the legacy
 * single account) stays until removed by hand.
 *
 * Cloud Storage methods: buckets.getIamPolicy, buckets.setIamPolicy.
 */
import { createHash } from 'node:crypto';
import type { IamPolicy } from '../../cloud/gce/iam-api.js';
import type { Task, TaskKind } from '../types.js';
import type { GceTaskContext } from './context.js';
import { addConditionalMember, asGceCondition, hasConditionalMember, removeConditionalMember, sameCondition } from './iam-conditions.js';
import { addMember, memberEmail, modifyIamPolicy, removeMember, unconditional, type PolicyIo } from './project-iam-binding.js';
import { clusterServiceAccountEmails } from './service-account.js';
import type { GceIamCondition, GceStorageBucketIamDesired } from './types.js';

/** The title prefix of the conditions kops-ts writes (src/model/gce/bucket-grants.ts). */
const KOPS_TITLE = 'kops-ts:';

export interface GceStorageBucketIamActual {
  readonly bucket: string;
  readonly role: string;
  readonly member: string;
  readonly condition?: GceIamCondition;
}

const has = (p: IamPolicy, role: string, member: string, condition: GceIamCondition | undefined): boolean =>
  condition ? hasConditionalMember(p, role, member, condition) : unconditional(p).some((b) => b.role === role && (b.members ?? []).includes(member));

const add = (role: string, member: string, condition: GceIamCondition | undefined) => (p: IamPolicy) => (condition ? addConditionalMember(p, role, member, condition) : addMember(p, role, member));
const remove = (role: string, member: string, condition: GceIamCondition | undefined) => (p: IamPolicy) => (condition ? removeConditionalMember(p, role, member, condition) : removeMember(p, role, member));

const short = (role: string) => role.replace(/^roles\/(storage\.)?/, '').toLowerCase();
const accountId = (member: string) => (memberEmail(member) ?? member).split('@')[0] ?? member;
const describeGrant = (a: GceStorageBucketIamActual) => `gs://${a.bucket} ${a.role} ${a.member}${a.condition ? ` if ${a.condition.expression}` : ''}`;

/** Orphans of one bucket's policy: superseded unconditional grants, and kops-ts conditions no task describes. */
function bucketOrphans(ctx: GceTaskContext, bucket: string, policy: IamPolicy, tasks: readonly Task<GceStorageBucketIamDesired>[]): { name: string; actual: GceStorageBucketIamActual }[] {
  const out = new Map<string, GceStorageBucketIamActual>();
  for (const t of tasks) {
    const { member, supersedes } = t.desired;
    if (supersedes && has(policy, supersedes, member, undefined)) out.set(`unconditional-${short(supersedes)}-${bucket}-${accountId(member)}`, { bucket, role: supersedes, member });
  }
  const ours = clusterServiceAccountEmails(ctx);
  for (const b of policy.bindings ?? []) {
    if (!b.condition?.title?.startsWith(KOPS_TITLE)) continue;
    const condition = asGceCondition(b.condition);
    for (const member of b.members ?? []) {
      const email = memberEmail(member);
      if (!email || !ours.has(email) || member.startsWith('deleted:')) continue;
      if (tasks.some((t) => t.desired.role === b.role && t.desired.member === member && t.desired.condition && sameCondition(b.condition, t.desired.condition))) continue;
      const digest = createHash('sha256').update(`${b.role}\n${condition.title}\n${condition.expression}`).digest('hex').slice(0, 8);
      out.set(`conditional-${short(b.role)}-${bucket}-${accountId(member)}-${digest}`, { bucket, role: b.role, member, condition });
    }
  }
  return [...out].map(([name, actual]) => ({ name, actual }));
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
    condition: { mode: 'replace', security: 'iam' },
    title: { mode: 'replace' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, GceStorageBucketIamActual>();
    for (const bucket of buckets(tasks)) {
      const policy = await policyOf(ctx, bucket);
      for (const t of tasks.filter((x) => x.desired.bucket === bucket)) {
        const { role, member, condition } = t.desired;
        if (has(policy, role, member, condition)) found.set(t.name, { bucket, role, member, ...(condition ? { condition } : {}) });
      }
    }
    return found;
  },

  view: (d) => ({ bucket: d.bucket, role: d.role, member: d.member, condition: d.condition?.expression ?? '(none: the whole bucket)', title: d.condition?.title ?? '' }),
  actualView: (a) => ({ bucket: a.bucket, role: a.role, member: a.member, condition: a.condition?.expression ?? '(none: the whole bucket)', title: a.condition?.title ?? '' }),

  async apply(ctx, req) {
    const { bucket, role, member, condition } = req.desired;
    await modifyIamPolicy(ctx, `StorageBucketIAM ${req.name}`, bucketIo(ctx, bucket), add(role, member, condition));
    return { bucket, role, member, ...(condition ? { condition } : {}) };
  },

  outputs: (a) => ({ id: describeGrant(a), role: a.role, member: a.member }),

  async delete(ctx, a) {
    await modifyIamPolicy(ctx, `StorageBucketIAM ${describeGrant(a)}`, bucketIo(ctx, a.bucket), remove(a.role, a.member, a.condition));
  },

  async findOrphans(ctx, tasks) {
    const out: { name: string; actual: GceStorageBucketIamActual }[] = [];
    for (const bucket of buckets(tasks)) {
      out.push(...bucketOrphans(ctx, bucket, await policyOf(ctx, bucket), tasks.filter((t) => t.desired.bucket === bucket)));
    }
    return out;
  },
};
