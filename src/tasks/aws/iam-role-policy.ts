/**
 * `IAMRolePolicy`: an inline policy on a role. The policy's name is the task name (kops:
 * `masters.<cluster>`, `additional.nodes.<cluster>`); the document is the model builder's and is
 * handled generically here: compared as parsed JSON, shown in the plan as a line diff of the
 * pretty-printed documents, and flagged as an IAM change.
 *
 * Inline policies on the cluster's own roles (tagged `kubernetes.io/cluster/<cluster>=owned`) that
 * no task describes any more, e.g. an `additionalPolicies` entry removed from the spec, are
 * reported as orphans so that the plan deletes them.
 */
import { DeleteRolePolicyCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import type { TaskKind, Val } from '../types.js';
import { ownershipTagKey, type AwsTaskContext } from './context.js';
import { canonicalPolicy, checkNameRef, iamListing, goneIsDone, policyText, staticIamName, type PolicyDocumentInput } from './iam-listing.js';

export interface IamRolePolicyDesired {
  /** The role's name: `iamRoleRef('masters.<cluster>')` or a literal name. */
  readonly role: Val<string>;
  readonly document: PolicyDocumentInput;
}

export interface IamRolePolicyActual {
  readonly roleName: string;
  readonly policyName: string;
  /** Canonical JSON. */
  readonly document: string;
}

export const iamRolePolicyKind: TaskKind<IamRolePolicyDesired, IamRolePolicyActual, AwsTaskContext> = {
  kind: 'IAMRolePolicy',
  fields: {
    // A policy cannot move between roles: it is deleted from one and put on the other.
    role: { mode: 'replace' },
    document: { security: 'iam', blob: true },
  },
  concurrency: 4,

  async find(ctx, tasks) {
    const found = new Map<string, IamRolePolicyActual>();
    if (tasks.length === 0) return found;
    const { roles } = await iamListing(ctx);
    const owned = ownershipTagKey(ctx.clusterName);
    for (const t of tasks) {
      const want = staticIamName(t.desired.role);
      // On its role; else on another of the cluster's roles (the task moved it: a replacement).
      const role = roles.get(want)?.inlinePolicies.has(t.name)
        ? roles.get(want)
        : [...roles.values()].find((r) => r.tags[owned] === 'owned' && r.inlinePolicies.has(t.name));
      const doc = role?.inlinePolicies.get(t.name);
      if (role && doc !== undefined) found.set(t.name, { roleName: role.name, policyName: t.name, document: doc });
    }
    return found;
  },

  view(d, refs) {
    checkNameRef(d.role, 'role', 'IAMRolePolicy');
    return { role: refs.resolve(d.role), document: canonicalPolicy(d.document) };
  },

  actualView: (a) => ({ role: a.roleName, document: a.document }),

  async apply(ctx, req) {
    const roleName = req.refs.known(req.desired.role);
    await ctx.clients.iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: req.name, PolicyDocument: policyText(req.desired.document) }));
    return { roleName, policyName: req.name, document: canonicalPolicy(req.desired.document) };
  },

  outputs: (a) => ({ id: `${a.roleName}/${a.policyName}`, name: a.policyName }),

  async delete(ctx, actual) {
    await goneIsDone(() => ctx.clients.iam.send(new DeleteRolePolicyCommand({ RoleName: actual.roleName, PolicyName: actual.policyName })));
  },

  async findOrphans(ctx, tasks, found) {
    const { roles } = await iamListing(ctx);
    const described = new Set(tasks.map((t) => `${staticIamName(t.desired.role)}\n${t.name}`));
    for (const a of found.values()) described.add(`${a.roleName}\n${a.policyName}`);
    const taskNames = new Set(tasks.map((t) => t.name));
    const owned = ownershipTagKey(ctx.clusterName);
    const orphans: { name: string; actual: IamRolePolicyActual }[] = [];
    for (const role of roles.values()) {
      if (role.tags[owned] !== 'owned') continue;
      for (const [policyName, document] of role.inlinePolicies) {
        if (described.has(`${role.name}\n${policyName}`)) continue;
        // Named like kops's policy; qualified by the role only where it would clash with a task.
        const name = taskNames.has(policyName) ? `${role.name}/${policyName}` : policyName;
        orphans.push({ name, actual: { roleName: role.name, policyName, document } });
      }
    }
    return orphans;
  },
};
