/**
 * `IAMInstanceProfileRole`: puts a role in an instance profile (kops names the task after the
 * profile, e.g. `IAMInstanceProfileRole/masters.<cluster>`). An instance profile holds at most
 * one role, so the actual state is "the profile's role": another role found there (changed behind
 * kops-ts's back) is a replacement (remove it, add ours), flagged as an IAM change.
 *
 * Both ends are names (IAM APIs take names): `instanceProfileRef(...)` and `iamRoleRef(...)`.
 */
import { AddRoleToInstanceProfileCommand, GetInstanceProfileCommand, RemoveRoleFromInstanceProfileCommand } from '@aws-sdk/client-iam';
import type { TaskKind, Val } from '../types.js';
import type { AwsTaskContext } from './context.js';
import { checkNameRef, iamListing, goneIsDone, staticIamName } from './iam-listing.js';

export interface IamInstanceProfileRoleDesired {
  /** The profile's name: `instanceProfileRef('masters.<cluster>')` or a literal name. */
  readonly instanceProfile: Val<string>;
  /** The role's name: `iamRoleRef('masters.<cluster>')` or a literal name. */
  readonly role: Val<string>;
}

export interface IamInstanceProfileRoleActual {
  readonly profileName: string;
  readonly roleName: string;
}

export const iamInstanceProfileRoleKind: TaskKind<IamInstanceProfileRoleDesired, IamInstanceProfileRoleActual, AwsTaskContext> = {
  kind: 'IAMInstanceProfileRole',
  fields: {
    instanceProfile: { mode: 'replace' },
    role: { mode: 'replace', security: 'iam' },
  },
  concurrency: 4,

  async find(ctx, tasks) {
    const found = new Map<string, IamInstanceProfileRoleActual>();
    if (tasks.length === 0) return found;
    const { profiles } = await iamListing(ctx);
    for (const t of tasks) {
      const profile = profiles.get(staticIamName(t.desired.instanceProfile));
      if (!profile || profile.roles.length === 0) continue;
      const want = staticIamName(t.desired.role);
      const roleName = profile.roles.includes(want) ? want : profile.roles[0]!;
      found.set(t.name, { profileName: profile.name, roleName });
    }
    return found;
  },

  view(d, refs) {
    checkNameRef(d.instanceProfile, 'instanceProfile', 'IAMInstanceProfileRole');
    checkNameRef(d.role, 'role', 'IAMInstanceProfileRole');
    return { instanceProfile: refs.resolve(d.instanceProfile), role: refs.resolve(d.role) };
  },

  actualView: (a) => ({ instanceProfile: a.profileName, role: a.roleName }),

  async apply(ctx, req) {
    const profileName = req.refs.known(req.desired.instanceProfile);
    const roleName = req.refs.known(req.desired.role);
    await ctx.clients.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: profileName, RoleName: roleName }));
    return { profileName, roleName };
  },

  outputs: (a) => ({ id: a.profileName, name: a.profileName, role: a.roleName }),

  async delete(ctx, actual) {
    const iam = ctx.clients.iam;
    await goneIsDone(async () => {
      // Look first: removing a role the profile no longer holds has no documented error code
      // (the emulator even answers it with a 500), and "already removed" is success.
      const out = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: actual.profileName }));
      if (!(out.InstanceProfile?.Roles ?? []).some((r) => r.RoleName === actual.roleName)) return;
      await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: actual.profileName, RoleName: actual.roleName }));
    });
  },
};
