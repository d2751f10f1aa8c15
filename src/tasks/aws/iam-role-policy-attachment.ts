/**
 * `IAMRolePolicyAttachment`: a managed policy attached to one of the cluster's roles (kops's
 * `spec.externalPolicies`). One task per role and policy, named `<role name>/<policy ARN>`; the
 * policy itself is the user's (or AWS's): never created, changed or deleted, only attached and
 * detached.
 *
 * The attachments are read from the IAM listing (GetAccountAuthorizationDetails returns each
 * role's attached policies), so finding them costs no call of its own. As in kops (its
 * `IAMRolePolicy` with `ExternalPolicies`, docs/iam_roles.md), the set of managed policies on the
 * cluster's own roles (tagged `kubernetes.io/cluster/<cluster>=owned`) is the spec's: a policy
 * attached that no task describes (removed from the spec, or attached by hand) is an orphan, and
 * the plan detaches it. kops keeps no record of what it attached either; it lists the role's
 * policies and detaches the others.
 *
 * A policy that does not exist makes AttachRolePolicy fail with NoSuchEntity ("Policy <arn> does
 * not exist or is not attachable"): reported as `ExternalPolicyNotFound`, naming the spec field.
 */
import { AttachRolePolicyCommand, DetachRolePolicyCommand } from '@aws-sdk/client-iam';
import { KopsError } from '../../diagnostics.js';
import type { TaskKind, Val } from '../types.js';
import { ownershipTagKey, type AwsTaskContext } from './context.js';
import { checkNameRef, iamListing, goneIsDone, isNoSuchEntity, staticIamName } from './iam-listing.js';

export interface IamRolePolicyAttachmentDesired {
  /** The role's name: `ref('IAMRole', '<role>', 'name')` or a literal name. */
  readonly role: Val<string>;
  readonly policyArn: string;
  /** Where the ARN comes from, for messages only (`spec.externalPolicies.node`); not compared. */
  readonly specField?: string;
}

export interface IamRolePolicyAttachmentActual {
  readonly roleName: string;
  readonly policyArn: string;
}

/** The task (and orphan) name of an attachment: `nodes.<cluster>/arn:aws:iam::aws:policy/...`. */
export function attachmentName(roleName: string, policyArn: string): string {
  return `${roleName}/${policyArn}`;
}

export const iamRolePolicyAttachmentKind: TaskKind<IamRolePolicyAttachmentDesired, IamRolePolicyAttachmentActual, AwsTaskContext> = {
  kind: 'IAMRolePolicyAttachment',
  fields: {
    // An attachment is created or removed, never changed: the name holds both.
    role: { mode: 'replace', security: 'iam' },
    policyArn: { mode: 'replace', security: 'iam' },
  },
  concurrency: 4,

  async find(ctx, tasks) {
    const found = new Map<string, IamRolePolicyAttachmentActual>();
    if (tasks.length === 0) return found;
    const { roles } = await iamListing(ctx);
    for (const t of tasks) {
      const roleName = staticIamName(t.desired.role);
      if (roles.get(roleName)?.attachedPolicies.includes(t.desired.policyArn)) found.set(t.name, { roleName, policyArn: t.desired.policyArn });
    }
    return found;
  },

  view(d, refs) {
    checkNameRef(d.role, 'role', 'IAMRolePolicyAttachment');
    return { role: refs.resolve(d.role), policyArn: d.policyArn };
  },

  actualView: (a) => ({ role: a.roleName, policyArn: a.policyArn }),

  async apply(ctx, req) {
    const roleName = req.refs.known(req.desired.role);
    const policyArn = req.desired.policyArn;
    try {
      await ctx.clients.iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
    } catch (e) {
      if (isNoSuchEntity(e) && isMissingPolicy(e, policyArn)) throw policyNotFound(req.desired, roleName, e);
      throw e;
    }
    return { roleName, policyArn };
  },

  outputs: (a) => ({ id: attachmentName(a.roleName, a.policyArn) }),

  async delete(ctx, actual) {
    await goneIsDone(() => ctx.clients.iam.send(new DetachRolePolicyCommand({ RoleName: actual.roleName, PolicyArn: actual.policyArn })));
  },

  async findOrphans(ctx, tasks, found) {
    const { roles } = await iamListing(ctx);
    const described = new Set(tasks.map((t) => attachmentName(staticIamName(t.desired.role), t.desired.policyArn)));
    for (const a of found.values()) described.add(attachmentName(a.roleName, a.policyArn));
    const owned = ownershipTagKey(ctx.clusterName);
    const orphans: { name: string; actual: IamRolePolicyAttachmentActual }[] = [];
    for (const role of roles.values()) {
      if (role.tags[owned] !== 'owned') continue;
      for (const policyArn of role.attachedPolicies) {
        const name = attachmentName(role.name, policyArn);
        if (!described.has(name)) orphans.push({ name, actual: { roleName: role.name, policyArn } });
      }
    }
    return orphans;
  },
};

/**
 * IAM's NoSuchEntity names the policy's ARN when the policy is missing ("Policy <arn> does not
 * exist or is not attachable."), the role when the role is ("The role with name <role> cannot be
 * found."). A role name may hold the word "policy"; an ARN it cannot.
 */
function isMissingPolicy(e: unknown, policyArn: string): boolean {
  const message = (e as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.includes(policyArn);
}

function policyNotFound(d: IamRolePolicyAttachmentDesired, roleName: string, cause: unknown): KopsError {
  const where = d.specField ?? 'the managed policy';
  return new KopsError('ExternalPolicyNotFound', `${where}: ${d.policyArn} does not exist or cannot be attached to ${roleName} (IAM answered NoSuchEntity)`, {
    cause,
    hint: `check the ARN's account id, path and name (an AWS managed policy is arn:aws:iam::aws:policy/<name>), create the policy first, or remove it from ${d.specField ?? 'the list'}`,
  });
}
