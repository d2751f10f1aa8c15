/**
 * Everything of the kinds `update cluster` creates that exists in an emulator account, read with
 * the raw SDK independently of the code under test, with its tags, so a test can say that no
 * resource exists twice and none lacks the cluster's ownership tags. What AWS itself makes in every
 * VPC (default VPC and its subnets, every VPC's `default` security group and main route table) is
 * left out.
 */
import {
  DescribeInternetGatewaysCommand,
  DescribeKeyPairsCommand,
  DescribeLaunchTemplatesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListInstanceProfilesCommand, ListInstanceProfileTagsCommand, ListRolesCommand, ListRoleTagsCommand } from '@aws-sdk/client-iam';
import type { TestAws } from '../helpers/aws.js';

export interface Resource {
  readonly kind: string;
  /** Its `Name` tag, or its AWS name. */
  readonly name: string;
  readonly id: string;
  readonly tags: Readonly<Record<string, string>>;
}

const tagMap = (tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
const nameOf = (tags: readonly Tag[] | undefined, fallback: string): string => tagMap(tags)['Name'] ?? fallback;

/** `p`, its failure naming the call (the emulator's raw answers are otherwise anonymous). */
async function at<T>(what: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw new Error(`inventory: ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export async function inventory(aws: TestAws): Promise<Resource[]> {
  const { ec2, autoscaling, elbv2, iam } = aws.clients;
  const [vpcs, subnets, sgs, rts, igws, vols, lts, keys, asgs, lbs, tgs, roles, profiles] = await Promise.all([
    at('DescribeVpcs', ec2.send(new DescribeVpcsCommand({}))),
    at('DescribeSubnets', ec2.send(new DescribeSubnetsCommand({}))),
    at('DescribeSecurityGroups', ec2.send(new DescribeSecurityGroupsCommand({}))),
    at('DescribeRouteTables', ec2.send(new DescribeRouteTablesCommand({}))),
    at('DescribeInternetGateways', ec2.send(new DescribeInternetGatewaysCommand({}))),
    at('DescribeVolumes', ec2.send(new DescribeVolumesCommand({}))),
    at('DescribeLaunchTemplates', ec2.send(new DescribeLaunchTemplatesCommand({}))),
    at('DescribeKeyPairs', ec2.send(new DescribeKeyPairsCommand({}))),
    at('DescribeAutoScalingGroups', autoscaling.send(new DescribeAutoScalingGroupsCommand({}))),
    at('DescribeLoadBalancers', elbv2.send(new DescribeLoadBalancersCommand({}))),
    at('DescribeTargetGroups', elbv2.send(new DescribeTargetGroupsCommand({}))),
    at('ListRoles', iam.send(new ListRolesCommand({}))),
    at('ListInstanceProfiles', iam.send(new ListInstanceProfilesCommand({}))),
  ]);
  const defaultVpcs = new Set((vpcs.Vpcs ?? []).filter((v) => v.IsDefault).map((v) => v.VpcId));
  const out: Resource[] = [
    ...(vpcs.Vpcs ?? []).filter((v) => !v.IsDefault).map((v) => ({ kind: 'vpc', name: nameOf(v.Tags, v.VpcId!), id: v.VpcId!, tags: tagMap(v.Tags) })),
    ...(subnets.Subnets ?? []).filter((s) => !defaultVpcs.has(s.VpcId)).map((s) => ({ kind: 'subnet', name: nameOf(s.Tags, s.SubnetId!), id: s.SubnetId!, tags: tagMap(s.Tags) })),
    ...(sgs.SecurityGroups ?? []).filter((g) => g.GroupName !== 'default').map((g) => ({ kind: 'security-group', name: g.GroupName!, id: g.GroupId!, tags: tagMap(g.Tags) })),
    ...(rts.RouteTables ?? [])
      .filter((t) => !(t.Associations ?? []).some((a) => a.Main))
      .map((t) => ({ kind: 'route-table', name: nameOf(t.Tags, t.RouteTableId!), id: t.RouteTableId!, tags: tagMap(t.Tags) })),
    ...(igws.InternetGateways ?? [])
      .filter((g) => !(g.Attachments ?? []).some((a) => defaultVpcs.has(a.VpcId)))
      .map((g) => ({ kind: 'internet-gateway', name: nameOf(g.Tags, g.InternetGatewayId!), id: g.InternetGatewayId!, tags: tagMap(g.Tags) })),
    // Root volumes of instances come and go with the instances; only volumes kops-ts creates (etcd) are its own.
    ...(vols.Volumes ?? [])
      .filter((v) => (v.Attachments ?? []).length === 0)
      .map((v) => ({ kind: 'volume', name: nameOf(v.Tags, v.VolumeId!), id: v.VolumeId!, tags: tagMap(v.Tags) })),
    ...(lts.LaunchTemplates ?? []).map((t) => ({ kind: 'launch-template', name: t.LaunchTemplateName!, id: t.LaunchTemplateId!, tags: tagMap(t.Tags) })),
    ...(keys.KeyPairs ?? []).map((k) => ({ kind: 'key-pair', name: k.KeyName!, id: k.KeyPairId ?? k.KeyName!, tags: tagMap(k.Tags) })),
    ...(asgs.AutoScalingGroups ?? []).map((g) => ({ kind: 'autoscaling-group', name: g.AutoScalingGroupName!, id: g.AutoScalingGroupName!, tags: tagMap(g.Tags) })),
  ];
  const elbArns = [...(lbs.LoadBalancers ?? []).map((l) => l.LoadBalancerArn!), ...(tgs.TargetGroups ?? []).map((t) => t.TargetGroupArn!)];
  const elbTags = new Map<string, Record<string, string>>();
  for (let i = 0; i < elbArns.length; i += 20) {
    const r = await at('DescribeTags', elbv2.send(new DescribeTagsCommand({ ResourceArns: elbArns.slice(i, i + 20) })));
    for (const d of r.TagDescriptions ?? []) elbTags.set(d.ResourceArn!, tagMap(d.Tags));
  }
  for (const l of lbs.LoadBalancers ?? []) out.push({ kind: 'load-balancer', name: l.LoadBalancerName!, id: l.LoadBalancerArn!, tags: elbTags.get(l.LoadBalancerArn!) ?? {} });
  for (const t of tgs.TargetGroups ?? []) out.push({ kind: 'target-group', name: t.TargetGroupName!, id: t.TargetGroupArn!, tags: elbTags.get(t.TargetGroupArn!) ?? {} });
  for (const r of (roles.Roles ?? []).filter((x) => !x.Path?.startsWith('/aws-service-role/'))) {
    const tags = await at('ListRoleTags', iam.send(new ListRoleTagsCommand({ RoleName: r.RoleName! })));
    out.push({ kind: 'iam-role', name: r.RoleName!, id: r.RoleId!, tags: tagMap(tags.Tags) });
  }
  for (const p of profiles.InstanceProfiles ?? []) {
    // The emulator's listing carries the tags (AWS's does not) and its ListInstanceProfileTags fails with a 500.
    const tags = p.Tags ?? (await at('ListInstanceProfileTags', iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: p.InstanceProfileName! })))).Tags;
    out.push({ kind: 'iam-instance-profile', name: p.InstanceProfileName!, id: p.InstanceProfileId!, tags: tagMap(tags) });
  }
  return out;
}

/** `kind name` of every resource that exists more than once under one name. */
export function duplicates(resources: readonly Resource[]): string[] {
  const seen = new Map<string, number>();
  for (const r of resources) seen.set(`${r.kind} ${r.name}`, (seen.get(`${r.kind} ${r.name}`) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k} (${n}x)`).sort();
}

/** `kind name` of every resource without the cluster's ownership tags (kops's two). */
export function unowned(resources: readonly Resource[], cluster: string): string[] {
  return resources
    .filter((r) => r.tags[`kubernetes.io/cluster/${cluster}`] !== 'owned' || r.tags['KubernetesCluster'] !== cluster)
    .map((r) => `${r.kind} ${r.name}`)
    .sort();
}
