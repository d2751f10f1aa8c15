/**
 * `ProjectIAMBinding`: one member in one role of the project's IAM policy (kops's
 * gcetasks/projectiambinding.go). As kops: present when the role's unconditional binding lists
 * the member; created by adding the member to that binding (or a new binding for the role), never
 * by replacing the policy: every other binding and member, conditional bindings and audit configs
 * are written back as read. Deleting removes only this member (and its `deleted:` form, which IAM
 * leaves when the account was deleted first), dropping the binding if it is left empty.
 *
 * The write is Resource Manager's read-modify-write: `getIamPolicy` (version 3), change,
 * `setIamPolicy` with the etag read. A concurrent change makes Google answer 409 `ABORTED`; the
 * whole read-modify-write is then retried with backoff, as Google asks. A member whose account
 * IAM has just created may be refused for a few seconds (400 `INVALID_ARGUMENT` "... does not
 * exist", IAM's eventual consistency), retried the same way. One binding is written at a time
 * (concurrency 1): the bindings of one project share its policy.
 *
 * No orphan search (`update` removes no member it no longer describes); `delete cluster` sweeps
 * this cluster's accounts out of the policy in any role (`clusterPolicyMembers`), also in their
 * `deleted:serviceAccount:<email>?uid=` form.
 *
 * Resource Manager methods: projects.getIamPolicy, projects.setIamPolicy.
 */
import { describeGceError } from '../../cloud/gce/errors.js';
import { googleStatusOf, type IamBinding, type IamPolicy } from '../../cloud/gce/iam-api.js';
import { KopsError } from '../../diagnostics.js';
import type { TaskKind } from '../types.js';
import type { GceTaskContext } from './context.js';
import { clusterServiceAccountEmails } from './service-account.js';
import type { GceProjectIamBindingDesired } from './types.js';

export interface GceProjectIamBindingActual {
  readonly role: string;
  readonly member: string;
}

/** How many times a conflicting or not-yet-consistent write is tried in all. */
export const IAM_POLICY_ATTEMPTS = 6;

/** The email a policy member names, for `serviceAccount:<email>` and `deleted:serviceAccount:<email>?uid=<id>`. */
export function memberEmail(member: string): string | undefined {
  const m = /^(?:deleted:)?serviceAccount:([^?]+)(?:\?uid=\d+)?$/.exec(member);
  return m?.[1];
}

/** Whether `member` is `want` or its `deleted:` form (IAM's rewrite once the account is gone). */
function sameMember(member: string, want: string): boolean {
  return member === want || (member.startsWith(`deleted:${want}?uid=`) && want.startsWith('serviceAccount:'));
}

/** kops's `patchCRMPolicy`: adds `member` to `role`'s unconditional binding; false if already there. */
export function addMember(policy: IamPolicy, role: string, member: string): { policy: IamPolicy; changed: boolean } {
  const bindings = [...(policy.bindings ?? [])];
  const i = bindings.findIndex((b) => b.role === role && b.condition === undefined);
  if (i >= 0) {
    const b = bindings[i] as IamBinding;
    if ((b.members ?? []).includes(member)) return { policy, changed: false };
    bindings[i] = { ...b, members: [...(b.members ?? []), member] };
  } else bindings.push({ role, members: [member] });
  return { policy: { ...policy, bindings }, changed: true };
}

/** Removes `member` (and its `deleted:` form) from `role`'s unconditional binding; an emptied binding goes. */
export function removeMember(policy: IamPolicy, role: string, member: string): { policy: IamPolicy; changed: boolean } {
  let changed = false;
  const bindings: IamBinding[] = [];
  for (const b of policy.bindings ?? []) {
    if (b.role !== role || b.condition !== undefined) {
      bindings.push(b);
      continue;
    }
    const kept = (b.members ?? []).filter((m) => !sameMember(m, member));
    if (kept.length !== (b.members ?? []).length) changed = true;
    if (kept.length > 0) bindings.push({ ...b, members: kept });
  }
  return { policy: { ...policy, bindings }, changed };
}

function retryable(e: unknown): boolean {
  const status = googleStatusOf(e);
  if (status === 'ABORTED') return true;
  const d = describeGceError(e);
  // Cloud Storage refuses a bucket policy written over a concurrent change with 412.
  if (d.status === 412) return true;
  return d.status === 400 && /does not exist/i.test(d.message);
}

/** Where a policy is read and written: the project's (Resource Manager) or a bucket's (Cloud Storage). */
export interface PolicyIo {
  /** `project kops-test`, `bucket gs://b`: named in errors. */
  readonly where: string;
  read(): Promise<IamPolicy>;
  write(policy: IamPolicy): Promise<unknown>;
}

export function projectPolicyIo(ctx: GceTaskContext): PolicyIo {
  return { where: `project ${ctx.project}`, read: () => ctx.clients.resourceManager.getIamPolicy(ctx.project), write: (p) => ctx.clients.resourceManager.setIamPolicy(ctx.project, p) };
}

/** Read, change, write with the etag read; the whole cycle again on a conflict. */
export async function modifyIamPolicy(ctx: GceTaskContext, what: string, io: PolicyIo, change: (p: IamPolicy) => { policy: IamPolicy; changed: boolean }): Promise<void> {
  const sleep = ctx.wait?.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let pause = ctx.wait?.backoffMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    const read = await io.read();
    const { policy, changed } = change(read);
    if (!changed) return;
    try {
      // Conditional bindings need version 3 written back; an unconditional policy keeps its version.
      const version = (policy.bindings ?? []).some((b) => b.condition !== undefined) ? 3 : (read.version ?? 1);
      await io.write({ ...policy, version });
      return;
    } catch (e) {
      if (!retryable(e) || attempt >= IAM_POLICY_ATTEMPTS) {
        if (googleStatusOf(e) === 'ABORTED' || describeGceError(e).status === 412) {
          throw new KopsError('GceIamPolicyConflict', `${what}: the IAM policy of ${io.where} kept changing under ${attempt} read-modify-write attempts (${googleStatusOf(e) ?? 'HTTP 412'})`, {
            cause: e,
            hint: 'something else is editing that IAM policy; re-run when it is done',
          });
        }
        throw e;
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 10_000);
    }
  }
}

function policyOf(ctx: GceTaskContext): Promise<IamPolicy> {
  return ctx.once('gce:projectIamPolicy', () => ctx.clients.resourceManager.getIamPolicy(ctx.project));
}

export const unconditional = (p: IamPolicy): IamBinding[] => (p.bindings ?? []).filter((b) => b.condition === undefined);

export const projectIamBindingKind: TaskKind<GceProjectIamBindingDesired, GceProjectIamBindingActual, GceTaskContext> = {
  kind: 'ProjectIAMBinding',
  concurrency: 1,
  fields: {
    role: { mode: 'replace', security: 'iam' },
    member: { mode: 'replace', security: 'iam' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, GceProjectIamBindingActual>();
    if (tasks.length === 0) return found;
    const policy = await policyOf(ctx);
    for (const t of tasks) {
      const { role, member } = t.desired;
      if (unconditional(policy).some((b) => b.role === role && (b.members ?? []).includes(member))) found.set(t.name, { role, member });
    }
    return found;
  },

  view: (d) => ({ role: d.role, member: d.member }),
  actualView: (a) => ({ role: a.role, member: a.member }),

  async apply(ctx, req) {
    const { role, member } = req.desired;
    if (!memberEmail(member)) {
      throw new KopsError('GceIamMember', `ProjectIAMBinding ${req.name}: member "${member}" is not serviceAccount:<email>`, { hint: 'src/model/gce/service-accounts.ts builds the members' });
    }
    await modifyIamPolicy(ctx, `ProjectIAMBinding ${req.name}`, projectPolicyIo(ctx), (p) => addMember(p, role, member));
    return { role, member };
  },

  outputs: (a) => ({ id: `${a.role} ${a.member}`, role: a.role, member: a.member }),

  async delete(ctx, a) {
    await modifyIamPolicy(ctx, `ProjectIAMBinding ${a.role} ${a.member}`, projectPolicyIo(ctx), (p) => removeMember(p, a.role, a.member));
  },
};

/**
 * `delete cluster`'s sweep: every member of the project's policy that is one of this cluster's
 * accounts (kops's ids, also in IAM's `deleted:` form), in any unconditional binding. Not an
 * orphan search: `update` never removes a member it no longer describes (an instance may still
 * run as the account until it is rolled), as kops's update does not.
 */
export async function clusterPolicyMembers(ctx: GceTaskContext): Promise<GceProjectIamBindingActual[]> {
  const ours = clusterServiceAccountEmails(ctx);
  const out: GceProjectIamBindingActual[] = [];
  for (const b of unconditional(await policyOf(ctx))) {
    for (const m of b.members ?? []) {
      const email = memberEmail(m);
      if (email && ours.has(email)) out.push({ role: b.role, member: m });
    }
  }
  return out;
}
