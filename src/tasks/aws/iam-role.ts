/**
 * `IAMRole`: the instance role of a role group (`masters.<cluster>`, `nodes.<cluster>`,
 * `bastions.<cluster>`). The role's name is the task name, as in kops. The trust policy is the
 * builder's (normally "ec2.amazonaws.com may assume this role") and is compared as parsed JSON;
 * a change is an in-place `UpdateAssumeRolePolicy`, flagged as an IAM change in the plan.
 *
 * The trust policy may hold refs (a service account's role names the cluster's OIDC provider by
 * `ref('IAMOIDCProvider', <cluster>, 'arn')`): resolved in the plan (`(known after apply)` while the
 * provider is still to be made) and at apply.
 *
 * Orphans: a role of the cluster's (tagged `kubernetes.io/cluster/<cluster>=owned`) that is a
 * service account's (tagged `service-account.kops.k8s.io/name`) and that no task describes, e.g. an
 * entry removed from `spec.iam.serviceAccountExternalPermissions`, is deleted, as kops's
 * FindDeletions deletes the cluster's roles it no longer models. The instance roles are never
 * orphans: they stay until `delete cluster` (see src/model/aws/iam.ts).
 *
 * IAM is eventually consistent: a role just created may not be visible to other IAM calls (or to
 * EC2) for a few seconds. The dependents (`IAMRolePolicy`, `IAMInstanceProfileRole`) fail with
 * NoSuchEntity meanwhile, which the executor retries.
 */
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  PutRolePermissionsBoundaryCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  paginateListAttachedRolePolicies,
  paginateListInstanceProfilesForRole,
  paginateListRolePolicies,
} from '@aws-sdk/client-iam';
import { KopsError } from '../../diagnostics.js';
import { isRef, isUnknown, ref, type Ref, type RefResolver, type TaskKind } from '../types.js';
import { ownershipTagKey, tagsToSet, type AwsTaskContext, type Tags } from './context.js';
import { canonicalPolicy, iamListing, goneIsDone, toIamTags, policyText, type PolicyDocumentInput } from './iam-listing.js';

export interface IamRoleDesired {
  /** The trust policy: who may assume the role (for instances, `ec2.amazonaws.com`). */
  readonly assumeRolePolicy: PolicyDocumentInput;
  readonly tags: Tags;
  /** ARN of a managed policy that bounds the role's permissions (kops's `permissionsBoundary`); unset = don't care. */
  readonly permissionsBoundary?: string;
}

export interface IamRoleActual {
  readonly id: string;
  readonly name: string;
  readonly arn: string;
  /** Canonical JSON. */
  readonly assumeRolePolicy: string;
  readonly permissionsBoundary?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** kops's tags on a service account's role (awstasks/iamrole.go): its name and namespace. */
export const TAG_SERVICE_ACCOUNT_NAME = 'service-account.kops.k8s.io/name';
export const TAG_SERVICE_ACCOUNT_NAMESPACE = 'service-account.kops.k8s.io/namespace';

/** IAM role names are at most 64 characters (kops checks the same before creating). */
export const MAX_ROLE_NAME = 64;

/** The ref other IAM tasks use for a role: its name (IAM APIs take names). */
export function iamRoleRef(name: string): Ref<'IAMRole'> {
  return ref('IAMRole', name, 'name');
}

export const iamRoleKind: TaskKind<IamRoleDesired, IamRoleActual, AwsTaskContext> = {
  kind: 'IAMRole',
  fields: {
    assumeRolePolicy: { security: 'iam', blob: true },
    permissionsBoundary: { security: 'iam' },
    tags: { compare: 'tags' },
  },
  // IAM's write APIs have low rate limits; the roles are few anyway.
  concurrency: 4,

  async find(ctx, tasks) {
    const found = new Map<string, IamRoleActual>();
    if (tasks.length === 0) return found;
    const { roles } = await iamListing(ctx);
    for (const t of tasks) {
      const r = roles.get(t.name);
      if (r) found.set(t.name, roleActual(r));
    }
    return found;
  },

  view: (d, refs) => ({
    assumeRolePolicy: canonicalPolicy(resolvePolicyRefs(d.assumeRolePolicy, (r) => {
      const v = refs.resolve(r);
      return isUnknown(v) ? String(v) : v;
    })),
    permissionsBoundary: d.permissionsBoundary,
    tags: d.tags,
  }),

  actualView: (a) => ({ assumeRolePolicy: a.assumeRolePolicy, permissionsBoundary: a.permissionsBoundary, tags: a.tags }),

  async apply(ctx, req) {
    const desired = knownDesired(req.desired, req.refs);
    if (req.actual === undefined) return createRole(ctx, req.name, desired);
    return updateRole(ctx, req.actual, desired, new Set(req.fields.map((f) => f.field)));
  },

  outputs: (a) => ({ id: a.id, name: a.name, arn: a.arn }),

  async delete(ctx, actual) {
    await goneIsDone(async () => {
      await detachEverything(ctx, actual.name);
      await ctx.clients.iam.send(new DeleteRoleCommand({ RoleName: actual.name }));
    });
  },

  async findOrphans(ctx, tasks, found) {
    const { roles } = await iamListing(ctx);
    const described = new Set([...tasks.map((t) => t.name), ...[...found.values()].map((a) => a.name)]);
    const owned = ownershipTagKey(ctx.clusterName);
    return [...roles.values()]
      .filter((r) => r.tags[owned] === 'owned' && r.tags[TAG_SERVICE_ACCOUNT_NAME] !== undefined && !described.has(r.name))
      .map((r) => ({ name: r.name, actual: roleActual(r) }));
  },
};

/** A policy document with every ref in it replaced by `resolve`'s value (text documents have none). */
export function resolvePolicyRefs(doc: PolicyDocumentInput, resolve: (r: Ref) => string): PolicyDocumentInput {
  if (typeof doc === 'string') return doc;
  const walk = (v: unknown): unknown => {
    if (isRef(v)) return resolve(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(doc) as object;
}

/** The desired role with its trust policy's refs resolved (apply time: every dependency is done). */
function knownDesired(d: IamRoleDesired, refs: RefResolver): IamRoleDesired {
  return { ...d, assumeRolePolicy: resolvePolicyRefs(d.assumeRolePolicy, (r) => refs.known(r)) };
}

function roleActual(r: { name: string; id: string; arn: string; assumeRolePolicy: string; permissionsBoundary?: string; tags: Readonly<Record<string, string>> }): IamRoleActual {
  const a: IamRoleActual = { id: r.id, name: r.name, arn: r.arn, assumeRolePolicy: r.assumeRolePolicy, tags: r.tags };
  return r.permissionsBoundary ? { ...a, permissionsBoundary: r.permissionsBoundary } : a;
}

async function createRole(ctx: AwsTaskContext, name: string, d: IamRoleDesired): Promise<IamRoleActual> {
  if (name.length > MAX_ROLE_NAME) {
    throw new KopsError('InvalidIAMRoleName', `IAMRole/${name}: the role name is ${name.length} characters; IAM allows at most ${MAX_ROLE_NAME}`, {
      hint: 'use a shorter cluster name',
    });
  }
  const out = await ctx.clients.iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: policyText(d.assumeRolePolicy),
      Tags: toIamTags(d.tags),
      ...(d.permissionsBoundary ? { PermissionsBoundary: d.permissionsBoundary } : {}),
    }),
  );
  // The response's document is AWS's re-encoding of ours; the desired one is what was written.
  return roleActual({
    id: out.Role?.RoleId ?? '',
    name,
    arn: out.Role?.Arn ?? '',
    assumeRolePolicy: canonicalPolicy(d.assumeRolePolicy),
    ...(d.permissionsBoundary ? { permissionsBoundary: d.permissionsBoundary } : {}),
    tags: { ...d.tags },
  });
}

async function updateRole(ctx: AwsTaskContext, a: IamRoleActual, d: IamRoleDesired, changed: ReadonlySet<string>): Promise<IamRoleActual> {
  const iam = ctx.clients.iam;
  let next: IamRoleActual = a;
  if (changed.has('assumeRolePolicy')) {
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: a.name, PolicyDocument: policyText(d.assumeRolePolicy) }));
    next = { ...next, assumeRolePolicy: canonicalPolicy(d.assumeRolePolicy) };
  }
  if (changed.has('permissionsBoundary') && d.permissionsBoundary) {
    await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: a.name, PermissionsBoundary: d.permissionsBoundary }));
    next = { ...next, permissionsBoundary: d.permissionsBoundary };
  }
  const tags = tagsToSet(a.tags, d.tags);
  if (Object.keys(tags).length > 0) {
    await iam.send(new TagRoleCommand({ RoleName: a.name, Tags: toIamTags(tags) }));
    next = { ...next, tags: { ...a.tags, ...tags } };
  }
  return next;
}

/** IAM refuses to delete a role that has policies or is in an instance profile: undo those first. */
async function detachEverything(ctx: AwsTaskContext, roleName: string): Promise<void> {
  const iam = ctx.clients.iam;
  for await (const page of paginateListRolePolicies({ client: iam }, { RoleName: roleName })) {
    for (const policy of page.PolicyNames ?? []) await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policy }));
  }
  for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName: roleName })) {
    for (const p of page.AttachedPolicies ?? []) {
      if (p.PolicyArn) await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: p.PolicyArn }));
    }
  }
  for await (const page of paginateListInstanceProfilesForRole({ client: iam }, { RoleName: roleName })) {
    for (const p of page.InstanceProfiles ?? []) {
      if (p.InstanceProfileName) {
        await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: p.InstanceProfileName, RoleName: roleName }));
      }
    }
  }
}
