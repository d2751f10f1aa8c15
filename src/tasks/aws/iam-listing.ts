/**
 * What the IAM kinds (IAMRole, IAMRolePolicy, IAMRolePolicyAttachment, IAMInstanceProfile,
 * IAMInstanceProfileRole) read, shared through `ctx.once('aws.iam')` so that one plan lists IAM once:
 *
 * - `GetAccountAuthorizationDetails` (filter `Role`, paged): every role with its trust policy,
 *   inline policies, attached managed policies, tags and permissions boundary in one listing (kops
 *   calls GetRole and GetRolePolicy once per role and policy, and ListAttachedRolePolicies once
 *   per role);
 * - `ListInstanceProfiles` (paged): every instance profile with its role.
 *
 * IAM has no tag filter, so the listing is the account's; each kind picks its tasks by name (IAM
 * names are the task names, as in kops: `masters.<cluster>`), and orphan searches keep to roles
 * tagged `kubernetes.io/cluster/<cluster>=owned`. The number of calls depends on the size of the
 * account (pages), never on the number of instance groups.
 *
 * Policy documents come back URL-encoded (RFC 3986) and reformatted; `canonicalPolicy` turns both
 * sides into the same pretty-printed JSON with sorted keys, so a document just written compares
 * equal and the plan can show a readable line diff.
 */
import { paginateGetAccountAuthorizationDetails, paginateListInstanceProfiles, type InstanceProfile, type RoleDetail, type Tag } from '@aws-sdk/client-iam';
import { KopsError } from '../../diagnostics.js';
import { isRef, type Val } from '../types.js';
import { fromAwsTags, type AwsTaskContext, type Tags } from './context.js';

/** A policy document as a builder passes it: JSON text, or an object serialised as JSON. */
export type PolicyDocumentInput = string | object;

export interface IamRoleInfo {
  readonly name: string;
  readonly id: string;
  readonly arn: string;
  /** Canonical JSON (see `canonicalPolicy`); '' when AWS returned none. */
  readonly assumeRolePolicy: string;
  readonly permissionsBoundary?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Inline policies: name → canonical JSON. */
  readonly inlinePolicies: ReadonlyMap<string, string>;
  /** ARNs of the managed policies attached to the role. */
  readonly attachedPolicies: readonly string[];
}

export interface IamProfileInfo {
  readonly name: string;
  readonly id: string;
  readonly arn: string;
  /** Role names (an instance profile holds at most one role). */
  readonly roles: readonly string[];
  /**
   * Tags, when the listing carried them. Real IAM list calls do not return tags (the emulator's
   * does), so `undefined` means "read them with ListInstanceProfileTags".
   */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface IamListing {
  readonly roles: ReadonlyMap<string, IamRoleInfo>;
  readonly profiles: ReadonlyMap<string, IamProfileInfo>;
}

/** The account's roles and instance profiles, read once per run (two paged listings, in parallel). */
export function iamListing(ctx: AwsTaskContext): Promise<IamListing> {
  return ctx.once('aws.iam', async () => {
    const [roles, profiles] = await Promise.all([listRoles(ctx), listProfiles(ctx)]);
    return { roles, profiles };
  });
}

async function listRoles(ctx: AwsTaskContext): Promise<Map<string, IamRoleInfo>> {
  const out = new Map<string, IamRoleInfo>();
  for await (const page of paginateGetAccountAuthorizationDetails({ client: ctx.clients.iam }, { Filter: ['Role'] })) {
    for (const r of page.RoleDetailList ?? []) {
      if (r.RoleName) out.set(r.RoleName, toRoleInfo(r));
    }
  }
  return out;
}

function toRoleInfo(r: RoleDetail): IamRoleInfo {
  const where = `IAM role ${r.RoleName ?? ''}`;
  const inline = new Map<string, string>();
  for (const p of r.RolePolicyList ?? []) {
    if (p.PolicyName) inline.set(p.PolicyName, p.PolicyDocument ? canonicalPolicy(decodePolicy(p.PolicyDocument, `${where}, policy ${p.PolicyName}`)) : '');
  }
  const info: IamRoleInfo = {
    name: r.RoleName ?? '',
    id: r.RoleId ?? '',
    arn: r.Arn ?? '',
    assumeRolePolicy: r.AssumeRolePolicyDocument ? canonicalPolicy(decodePolicy(r.AssumeRolePolicyDocument, where)) : '',
    tags: fromAwsTags(r.Tags),
    inlinePolicies: inline,
    attachedPolicies: (r.AttachedManagedPolicies ?? []).flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : [])),
  };
  const boundary = r.PermissionsBoundary?.PermissionsBoundaryArn;
  return boundary ? { ...info, permissionsBoundary: boundary } : info;
}

async function listProfiles(ctx: AwsTaskContext): Promise<Map<string, IamProfileInfo>> {
  const out = new Map<string, IamProfileInfo>();
  for await (const page of paginateListInstanceProfiles({ client: ctx.clients.iam }, {})) {
    for (const p of page.InstanceProfiles ?? []) {
      if (p.InstanceProfileName) out.set(p.InstanceProfileName, toProfileInfo(p));
    }
  }
  return out;
}

function toProfileInfo(p: InstanceProfile): IamProfileInfo {
  const info: IamProfileInfo = {
    name: p.InstanceProfileName ?? '',
    id: p.InstanceProfileId ?? '',
    arn: p.Arn ?? '',
    roles: (p.Roles ?? []).flatMap((r) => (r.RoleName ? [r.RoleName] : [])),
  };
  return p.Tags ? { ...info, tags: fromAwsTags(p.Tags) } : info;
}

// ---------------------------------------------------------------------------------------------
// Names

/**
 * The IAM name a value stands for without resolving it: a literal is the name itself, and a ref
 * names the task whose task name is the IAM name (IAM kinds use the task name as the AWS name).
 * `find` uses this because refs are not resolved at find time.
 */
export function staticIamName(v: Val<string>): string {
  return isRef(v) ? v.name : v;
}

/** Refs between IAM tasks must point at the `name` output: IAM APIs take names, not ids. */
export function checkNameRef(v: Val<string>, field: string, task: string): void {
  if (isRef(v) && v.output !== 'name') {
    throw new KopsError('InvalidTaskRef', `${task}: ${field} refers to ${v.kind}/${v.name} output "${v.output}", but IAM APIs take names`, {
      hint: `build the ref with ref('${v.kind}', '${v.name}', 'name')`,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Policy documents

/** Parses a document as AWS returns it: plain JSON, or URL-encoded JSON (GetRole, GetRolePolicy). */
export function decodePolicy(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not plain JSON: AWS URL-encodes documents; decode and try again.
  }
  try {
    return JSON.parse(decodeURIComponent(text));
  } catch (e) {
    throw new KopsError('InvalidPolicyDocument', `${where}: the policy document is not valid JSON`, { cause: e });
  }
}

/**
 * The comparable form of a document (JSON text, or an already parsed or built object): keys sorted
 * at every depth, 2-space indented.
 */
export function canonicalPolicy(doc: unknown): string {
  const value = typeof doc === 'string' ? parsePolicyText(doc) : doc;
  return JSON.stringify(sortKeys(value), null, 2);
}

/** The document as sent to AWS: compact JSON (the size limits count characters). */
export function policyText(doc: PolicyDocumentInput): string {
  return JSON.stringify(typeof doc === 'string' ? parsePolicyText(doc) : doc);
}

function parsePolicyText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new KopsError('InvalidPolicyDocument', 'an IAM policy document given to the task is not valid JSON', {
      cause: e,
      hint: 'pass the document as an object or as JSON text',
    });
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .filter((k) => o[k] !== undefined)
        .map((k) => [k, sortKeys(o[k])]),
    );
  }
  return v;
}

/** Tags as IAM takes them (its `Tag` requires both fields, unlike EC2's), sorted by key. */
export function toIamTags(tags: Tags): Tag[] {
  return Object.entries(tags)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Key, Value]) => ({ Key, Value }));
}

/**
 * Runs an IAM deletion (or a detach, a removal) where "not there" is success: the entity was
 * already deleted, by an earlier interrupted run or by hand. Any other error is thrown.
 */
export async function goneIsDone(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (e) {
    if (!isNoSuchEntity(e)) throw e;
  }
}

/** IAM's "not there" (already deleted, or not created yet). */
export function isNoSuchEntity(e: unknown): boolean {
  return (e as { name?: unknown } | null)?.name === 'NoSuchEntityException' || (e as { name?: unknown } | null)?.name === 'NoSuchEntity';
}
