/**
 * Pre-flight of the resources an instance group borrows from the user (src/model/aws/ig-overrides.ts):
 * its `spec.iam.profile` (one iam:GetInstanceProfile per distinct profile) and its
 * `spec.securityGroupOverride` (one ec2:DescribeSecurityGroups, filtered by id, for all of them).
 * A missing one is an error naming the field, before any change; without these checks the plan
 * would only say that a shared task was not found.
 *
 * A user's profile also gets a warning: kops-ts cannot check what its role allows, and the group's
 * instances need their role's state-store grants to bootstrap (docs/iam.md).
 */
import { paginateDescribeSecurityGroups, type SecurityGroup } from '@aws-sdk/client-ec2';
import { GetInstanceProfileCommand } from '@aws-sdk/client-iam';
import type { AwsClients } from '../../cloud/aws/clients.js';
import { error, warning, type Diagnostic } from '../../diagnostics.js';
import type { Cluster, InstanceGroup } from '../../model/api/types.js';
import { roleGroupPrefix } from '../../model/aws/names.js';
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
  const out: UserResourceResult = { diagnostics: [], failures: [] };
  await Promise.all([
    ...[...profiles].map(([arn, users]) => checkProfile(clients, arn, users, cluster.metadata.name, out)),
    groups.size > 0 ? checkGroups(clients, cluster, groups, out) : undefined,
  ]);
  return out;
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
