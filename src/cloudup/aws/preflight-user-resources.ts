/**
 * Pre-flight of the resources an instance group borrows from the user (src/model/aws/ig-overrides.ts):
 * its `spec.iam.profile` (one iam:GetInstanceProfile per distinct profile) and its
 * `spec.securityGroupOverride` (one ec2:DescribeSecurityGroups, filtered by id, for all of them).
 * A missing one is an error naming the field, before any change; without these checks the plan
 * would only say that a shared task was not found.
 *
 * A user's profile also gets a warning: kops-ts cannot check what its role allows, and the group's
 * instances need their role's state-store grants to bootstrap (docs/iam.md). So does a role whose
 * every group now has its own profile while the cluster's profile for it still exists (one more
 * GetInstanceProfile per such role): update --yes takes its role's policies away from instances
 * that may still use it.
 */
import { paginateDescribeSecurityGroups, type SecurityGroup } from '@aws-sdk/client-ec2';
import { GetInstanceProfileCommand } from '@aws-sdk/client-iam';
import type { AwsClients } from '../../cloud/aws/clients.js';
import { error, warning, type Diagnostic } from '../../diagnostics.js';
import type { Cluster, InstanceGroup } from '../../model/api/types.js';
import { iamName, roleGroupPrefix } from '../../model/aws/names.js';
import { rolesWithManagedIam } from '../../model/aws/ig-overrides.js';
import { igPath } from '../../model/validation-util.js';
import { INSTANCE_PROFILE_ARN, SECURITY_GROUP_ID } from '../../model/validation-ig-aws.js';
import { profileNameFromArn } from '../../tasks/aws/iam-instance-profile.js';


/** A failed call, reported by the caller with the action and the spec path. */
export interface UserResourceFailure {
  readonly error: unknown;
  readonly action: string;
  readonly path: string;
}

export interface UserResourceResult {
  readonly diagnostics: Diagnostic[];
  readonly failures: UserResourceFailure[];
}

/** The groups naming each distinct value of a field (well-formed values only: validation reports the rest). */
function usersOf(igs: readonly InstanceGroup[], value: (ig: InstanceGroup) => unknown, shape: RegExp): Map<string, InstanceGroup[]> {
  const out = new Map<string, InstanceGroup[]>();
  for (const ig of igs) {
    const v = value(ig);
    if (typeof v === 'string' && shape.test(v)) out.set(v, [...(out.get(v) ?? []), ig]);
  }
  return out;
}

function errorName(e: unknown): string | undefined {
  const n = (e as { name?: unknown } | null)?.name;
  return typeof n === 'string' ? n : undefined;
}

export async function checkUserResources(clients: AwsClients, cluster: Cluster, igs: readonly InstanceGroup[]): Promise<UserResourceResult> {
  const profiles = usersOf(igs, (ig) => ig.spec.iam?.profile, INSTANCE_PROFILE_ARN);
  const groups = usersOf(igs, (ig) => ig.spec.securityGroupOverride, SECURITY_GROUP_ID);
  // Each check fills its own result; merged in this order, so the report does not depend on timing.
  const fresh = (): UserResourceResult => ({ diagnostics: [], failures: [] });
  const parts = await Promise.all([
    ...[...profiles].map(async ([arn, users]) => { const r = fresh(); await checkProfile(clients, arn, users, cluster.metadata.name, r); return r; }),
    (async () => { const r = fresh(); if (groups.size > 0) await checkGroups(clients, cluster, groups, r); return r; })(),
    ...unbuiltRoleProfiles(igs).map(async (u) => { const r = fresh(); await checkUnbuiltRole(clients, cluster.metadata.name, u, r); return r; }),
  ]);
  return { diagnostics: parts.flatMap((p) => p.diagnostics), failures: parts.flatMap((p) => p.failures) };
}

/** The roles whose every group has its own profile: their own IAM is not built (src/model/aws/ig-overrides.ts). */
function unbuiltRoleProfiles(igs: readonly InstanceGroup[]): { prefix: string; group: InstanceGroup }[] {
  const managed = rolesWithManagedIam(igs);
  const out = new Map<string, InstanceGroup>();
  for (const ig of igs) if (!managed.has(roleGroupPrefix(ig)) && !out.has(roleGroupPrefix(ig))) out.set(roleGroupPrefix(ig), ig);
  return [...out].map(([prefix, group]) => ({ prefix, group }));
}

/**
 * A role none of whose groups uses its profile any more, on a cluster that built it: the next
 * `update --yes` deletes the role's inline policies and detaches its managed ones (orphans of
 * those kinds; roles and profiles are not orphaned), under instances that may still use them.
 */
async function checkUnbuiltRole(clients: AwsClients, cluster: string, u: { prefix: string; group: InstanceGroup }, out: UserResourceResult): Promise<void> {
  const name = iamName(u.prefix, cluster);
  const path = igPath(u.group.metadata.name, 'spec.iam.profile');
  try {
    await clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
  } catch (e) {
    if (errorName(e) !== 'NoSuchEntity' && errorName(e) !== 'NoSuchEntityException') out.failures.push({ error: e, action: 'iam:GetInstanceProfile', path });
    return;
  }
  out.diagnostics.push(warning('RoleProfileNoLongerUsed', `every ${u.prefix} group now has its own instance profile, so the cluster's ${name} role is no longer built: update --yes deletes its inline policies and detaches its managed ones (the role and profile stay, unused, until delete cluster), and instances still running with that profile lose those grants`, {
    path,
    hint: `move the groups with \`kops-ts update cluster --name ${cluster} --instance-group ${u.group.metadata.name} --yes\` (deletes nothing), roll them with \`kops-ts rolling-update cluster --name ${cluster} --yes\`, then run \`kops-ts update cluster --name ${cluster} --yes\`; or use \`kops-ts reconcile cluster --name ${cluster} --yes\`, which deletes last`,
  }));
}

async function checkProfile(clients: AwsClients, arn: string, users: readonly InstanceGroup[], cluster: string, out: UserResourceResult): Promise<void> {
  const name = profileNameFromArn(arn);
  const path = igPath(users[0]!.metadata.name, 'spec.iam.profile');
  let found: string | undefined;
  try {
    const r = await clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    found = r.InstanceProfile?.Arn;
  } catch (e) {
    if (errorName(e) !== 'NoSuchEntity' && errorName(e) !== 'NoSuchEntityException') {
      out.failures.push({ error: e, action: 'iam:GetInstanceProfile', path });
      return;
    }
  }
  const groupsText = users.map((u) => u.metadata.name).join(', ');
  if (found === undefined || found !== arn) {
    const summary = found === undefined
      ? `the instance profile ${arn} does not exist (instance group${users.length > 1 ? 's' : ''} ${groupsText})`
      : `the account's instance profile ${name} is ${found}, not ${arn} (instance group${users.length > 1 ? 's' : ''} ${groupsText})`;
    for (const u of users) out.diagnostics.push(error('InstanceProfileNotFound', summary, { path: igPath(u.metadata.name, 'spec.iam.profile'), hint: 'create the instance profile (with a role) first, or correct the ARN: kops-ts never creates a profile given by spec.iam.profile' }));
    return;
  }
  const prefix = roleGroupPrefix(users[0]!);
  out.diagnostics.push(warning('InstanceProfilePermissionsUnchecked', `kops-ts uses ${arn} as it is and cannot check what its role allows; the instances of ${groupsText} need at least what the ${prefix} role would be given`, {
    path,
    hint: `compare the role's policies with \`kops-ts get iam-policy --name ${cluster}\` (the ${prefix}.${cluster} role's) and docs/iam.md; without the state-store grants the instances cannot bootstrap`,
  }));
}

async function checkGroups(clients: AwsClients, cluster: Cluster, groups: Map<string, InstanceGroup[]>, out: UserResourceResult): Promise<void> {
  const ids = [...groups.keys()];
  const found: SecurityGroup[] = [];
  try {
    for await (const page of paginateDescribeSecurityGroups({ client: clients.ec2 }, { Filters: [{ Name: 'group-id', Values: ids }] })) found.push(...(page.SecurityGroups ?? []));
  } catch (e) {
    out.failures.push({ error: e, action: 'ec2:DescribeSecurityGroups', path: igPath(groups.get(ids[0]!)![0]!.metadata.name, 'spec.securityGroupOverride') });
    return;
  }
  const vpc = cluster.spec.networkID;
  for (const [id, users] of groups) {
    const g = found.find((x) => x.GroupId === id);
    for (const u of users) {
      const path = igPath(u.metadata.name, 'spec.securityGroupOverride');
      if (!g) out.diagnostics.push(error('SecurityGroupNotFound', `the security group ${id} does not exist in this region`, { path, hint: 'create it first, or correct the id: kops-ts never creates a group given by securityGroupOverride' }));
      else if (vpc && g.VpcId !== vpc) {
        out.diagnostics.push(error('SecurityGroupInOtherVpc', `the security group ${id} is in ${g.VpcId ?? 'no VPC'}, not the cluster's VPC ${vpc}`, { path, hint: "give a security group of the cluster's VPC (spec.networkID)" }));
      }
    }
  }
}
