/**
 * `IAMInstanceProfile`: what a launch template names to give instances their role. The profile's
 * name is the task name (`masters.<cluster>`); the role is added by `IAMInstanceProfileRole`.
 *
 * Tags: IAM's list calls do not return an instance profile's tags (only GetInstanceProfile and
 * ListInstanceProfileTags do), so `find` reads them with one ListInstanceProfileTags per profile
 * that exists and that a task describes. There is one profile per role group (masters, nodes,
 * bastions), not per instance group, so this stays small. (The emulator's listing includes the
 * tags, and then no extra call is made.)
 *
 * Eventual consistency: a profile just created is not usable by EC2 for a few seconds; a launch
 * template or instance naming it fails meanwhile with `InvalidParameterValue: Invalid IAM
 * Instance Profile name`, which the executor retries on the consumer's side.
 *
 * A profile the user owns (kops's `spec.iam.profile`, given by ARN) is `shared`: found by name,
 * never created, changed or deleted.
 */
import {
  CreateInstanceProfileCommand,
  DeleteInstanceProfileCommand,
  GetInstanceProfileCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagInstanceProfileCommand,
  paginateListInstanceProfileTags,
} from '@aws-sdk/client-iam';
import { KopsError } from '../../diagnostics.js';
import { ref, type Ref, type TaskKind } from '../types.js';
import { fromAwsTags, tagsToSet, type AwsTaskContext, type Tags } from './context.js';
import { iamListing, goneIsDone, isNoSuchEntity, toIamTags, type IamProfileInfo } from './iam-listing.js';

export interface IamInstanceProfileDesired {
  readonly tags: Tags;
  /** Set for a profile the user owns (the task is then `shared`): its ARN, as given in the spec. */
  readonly arn?: string;
}

export interface IamInstanceProfileActual {
  readonly id: string;
  readonly name: string;
  readonly arn: string;
  readonly roles: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

/** The ref other tasks use for a profile: its name (launch templates and IAM take names). */
export function instanceProfileRef(name: string): Ref<'IAMInstanceProfile'> {
  return ref('IAMInstanceProfile', name, 'name');
}

/** `arn:aws:iam::123456789012:instance-profile/path/name` → `name`. */
export function profileNameFromArn(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  return resource.split('/').pop() ?? resource;
}

export const iamInstanceProfileKind: TaskKind<IamInstanceProfileDesired, IamInstanceProfileActual, AwsTaskContext> = {
  kind: 'IAMInstanceProfile',
  fields: { tags: { compare: 'tags' } },
  concurrency: 4,

  async find(ctx, tasks) {
    const found = new Map<string, IamInstanceProfileActual>();
    if (tasks.length === 0) return found;
    const { profiles } = await iamListing(ctx);
    const hits = tasks.flatMap((t) => {
      const p = profiles.get(t.desired.arn ? profileNameFromArn(t.desired.arn) : t.name);
      return p ? [{ task: t.name, profile: p }] : [];
    });
    await Promise.all(
      hits.map(async ({ task, profile }) => {
        const tags = profile.tags ?? (await readTags(ctx, profile.name));
        if (tags) found.set(task, profileActual(profile, tags));
      }),
    );
    return found;
  },

  view: (d) => ({ tags: d.tags }),
  actualView: (a) => ({ tags: a.tags }),

  async apply(ctx, req) {
    if (req.desired.arn !== undefined) {
      throw new KopsError('SharedResourceNotFound', `IAMInstanceProfile/${req.name}: the instance profile ${req.desired.arn} was not found`, {
        hint: "check the instance group's spec.iam.profile: kops-ts uses that profile as it is and never creates it",
      });
    }
    if (req.actual !== undefined) return retag(ctx, req.actual, req.desired.tags);
    const out = await ctx.clients.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: req.name, Tags: toIamTags(req.desired.tags) }));
    const p = out.InstanceProfile;
    return { id: p?.InstanceProfileId ?? '', name: req.name, arn: p?.Arn ?? '', roles: [], tags: { ...req.desired.tags } };
  },

  outputs: (a) => ({ id: a.id, name: a.name, arn: a.arn }),

  async delete(ctx, actual) {
    const iam = ctx.clients.iam;
    await goneIsDone(async () => {
      // IAM refuses to delete a profile that still holds a role: remove the roles it holds now.
      const now = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: actual.name }));
      for (const role of now.InstanceProfile?.Roles ?? []) {
        await goneIsDone(() => iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: actual.name, RoleName: role.RoleName })));
      }
      await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: actual.name }));
    });
  },
};

function profileActual(p: IamProfileInfo, tags: Readonly<Record<string, string>>): IamInstanceProfileActual {
  return { id: p.id, name: p.name, arn: p.arn, roles: p.roles, tags };
}

/** The profile's tags; `undefined` if it was deleted since the listing. */
async function readTags(ctx: AwsTaskContext, name: string): Promise<Record<string, string> | undefined> {
  const tags: { Key?: string; Value?: string }[] = [];
  try {
    for await (const page of paginateListInstanceProfileTags({ client: ctx.clients.iam }, { InstanceProfileName: name })) {
      tags.push(...(page.Tags ?? []));
    }
  } catch (e) {
    if (isNoSuchEntity(e)) return undefined;
    throw e;
  }
  return fromAwsTags(tags);
}

async function retag(ctx: AwsTaskContext, a: IamInstanceProfileActual, want: Tags): Promise<IamInstanceProfileActual> {
  const add = tagsToSet(a.tags, want);
  if (Object.keys(add).length === 0) return a;
  await ctx.clients.iam.send(new TagInstanceProfileCommand({ InstanceProfileName: a.name, Tags: toIamTags(add) }));
  return { ...a, tags: { ...a.tags, ...add } };
}
