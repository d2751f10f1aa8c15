/**
 * AWS: what `delete cluster` finds by the cluster's tag rather than through a task kind: the instances
 * its groups launched or a rolling update detached, network interfaces, volumes and security
 * groups no task describes any more, and (reported, never deleted) snapshots.
 */
import {
  DeleteNetworkInterfaceCommand,
  DeleteSecurityGroupCommand,
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  TerminateInstancesCommand,
  type Filter,
} from '@aws-sdk/client-ec2';
import type { OwnedResource, Remaining } from '../provider.js';
import { ownershipTagKey, TAG_CLUSTER, type AwsTaskContext } from '../../tasks/aws/context.js';
import { awsErrorCode } from './errors.js';

/** The kind that stands for instances found by tag (not a registry kind: `Instance` is find-only). */
export const CLUSTER_INSTANCE_KIND = 'ClusterInstance';
/** Network interfaces tagged as the cluster's (e.g. made by a CNI on its nodes), found by tag. */
export const CLUSTER_ENI_KIND = 'ClusterNetworkInterface';

const TYPE_NAMES: Readonly<Record<string, string>> = {
  VPC: 'vpc',
  VPCCIDRBlock: 'vpc-cidr-block',
  VPCAmazonIPv6CIDRBlock: 'vpc-ipv6-cidr-block',
  VPCDHCPOptionsAssociation: 'vpc-dhcp-options-association',
  DHCPOptions: 'dhcp-options',
  IAMRole: 'iam-role',
  IAMRolePolicy: 'iam-role-policy',
  IAMRolePolicyAttachment: 'iam-role-policy-attachment',
  IAMInstanceProfile: 'iam-instance-profile',
  IAMInstanceProfileRole: 'iam-instance-profile-role',
  IAMOIDCProvider: 'iam-oidc-provider',
  SSHKey: 'keypair',
  ServiceLoadBalancer: 'load-balancer',
  ServiceNetworkLoadBalancer: 'load-balancer',
  ServiceTargetGroup: 'target-group',
  EBSVolume: 'volume',
  DNSName: 'dns-record',
  // Only the dump lists the hosted zone (delete reports it as kept).
  DNSZone: 'dns-zone',
  ElasticIP: 'elastic-ip',
  NatGateway: 'nat-gateway',
  AutoscalingGroup: 'autoscaling-group',
  NetworkLoadBalancer: 'load-balancer',
  NetworkLoadBalancerListener: 'load-balancer-listener',
  [CLUSTER_INSTANCE_KIND]: 'instance',
  [CLUSTER_ENI_KIND]: 'network-interface',
};

/** kops-style lower-case type of an AWS kind: `SecurityGroupRule` → `security-group-rule`. */
export function resourceType(kind: string): string {
  return TYPE_NAMES[kind] ?? kind.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/**
 * The cluster owns it by either of its tags, and no tag says it is shared: `KubernetesCluster=<c>`
 * or `kubernetes.io/cluster/<c>=owned`, and not `kubernetes.io/cluster/<c>=shared`.
 */
export function ownedNotShared(tags: Readonly<Record<string, string>>, cluster: string): boolean {
  return tags[ownershipTagKey(cluster)] !== 'shared' && ownedByTags(tags, cluster);
}

/** True when the tags say the cluster owns the resource (either of kops's two ownership tags). */
export function ownedByTags(tags: Readonly<Record<string, string>>, cluster: string): boolean {
  return tags[TAG_CLUSTER] === cluster || tags[ownershipTagKey(cluster)] === 'owned';
}

const ownedFilters = (cluster: string): Filter[] => [{ Name: `tag:${TAG_CLUSTER}`, Values: [cluster] }];

/** Instances carrying the cluster's tags: launched by its groups, or detached by a rolling update. */
export async function clusterInstances(ctx: AwsTaskContext): Promise<OwnedResource[]> {
  const out: OwnedResource[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.clients.ec2.send(
      new DescribeInstancesCommand({ Filters: [...ownedFilters(ctx.clusterName), { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] }], NextToken: token }),
    );
    for (const r of page.Reservations ?? []) {
      for (const i of r.Instances ?? []) {
        const tags = Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
        if (!i.InstanceId || !ownedByTags(tags, ctx.clusterName)) continue;
        const id = i.InstanceId;
        const detached = tags['kops.k8s.io/detached-from-asg'];
        out.push({
          kind: CLUSTER_INSTANCE_KIND,
          type: resourceType(CLUSTER_INSTANCE_KIND),
          name: tags['Name'] ?? (detached ? `detached from ${detached}` : id),
          id,
          remove: () => terminate(ctx, id),
        });
      }
    }
    token = page.NextToken;
  } while (token);
  return out;
}

/** Network interfaces carrying the cluster's tags (kops lists these too); AWS-managed ones are left to AWS. */
export async function clusterInterfaces(ctx: AwsTaskContext): Promise<OwnedResource[]> {
  const out: OwnedResource[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.clients.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: ownedFilters(ctx.clusterName), NextToken: token }));
    for (const n of page.NetworkInterfaces ?? []) {
      const tags = Object.fromEntries((n.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
      if (!n.NetworkInterfaceId || n.RequesterManaged || !ownedByTags(tags, ctx.clusterName)) continue;
      const id = n.NetworkInterfaceId;
      out.push({ kind: CLUSTER_ENI_KIND, type: resourceType(CLUSTER_ENI_KIND), name: tags['Name'] ?? n.Description ?? id, id, remove: () => deleteInterface(ctx, id) });
    }
    token = page.NextToken;
  } while (token);
  return out;
}

/**
 * Volumes and security groups tagged as the cluster's that no task describes any more (an etcd
 * member's volume after its member was removed, an instance group's own group): the kinds have
 * no `findOrphans` for them, so they are swept by tag here.
 */
export async function untrackedVolumesAndGroups(ctx: AwsTaskContext, known: ReadonlySet<string>): Promise<OwnedResource[]> {
  const tagsOf = (t: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined) => Object.fromEntries((t ?? []).map((x) => [x.Key ?? '', x.Value ?? '']));
  // Security groups by either tag: the cloud controller's (a classic ELB's `k8s-elb-<name>`) may
  // carry only `kubernetes.io/cluster/<cluster>=owned` (service-load-balancers.ts). EC2 ANDs the
  // filters of one call, so one call per tag.
  const [vols, legacyGroups, ownedGroups] = await Promise.all([
    ctx.clients.ec2.send(new DescribeVolumesCommand({ Filters: ownedFilters(ctx.clusterName) })),
    ctx.clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: ownedFilters(ctx.clusterName) })),
    ctx.clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: `tag:${ownershipTagKey(ctx.clusterName)}`, Values: ['owned'] }] })),
  ]);
  const groups = new Map([...(legacyGroups.SecurityGroups ?? []), ...(ownedGroups.SecurityGroups ?? [])].map((g) => [g.GroupId ?? '', g]));
  const out: OwnedResource[] = [];
  for (const v of vols.Volumes ?? []) {
    const tags = tagsOf(v.Tags);
    const id = v.VolumeId;
    if (!id || known.has(id) || !ownedByTags(tags, ctx.clusterName)) continue;
    out.push({ kind: 'EBSVolume', type: resourceType('EBSVolume'), name: tags['Name'] ?? id, id, remove: () => ignoreGone(ctx.clients.ec2.send(new DeleteVolumeCommand({ VolumeId: id })), 'InvalidVolume.NotFound') });
  }
  for (const g of groups.values()) {
    const tags = tagsOf(g.Tags);
    const id = g.GroupId;
    if (!id || known.has(id) || !ownedNotShared(tags, ctx.clusterName)) continue;
    out.push({ kind: 'SecurityGroup', type: resourceType('SecurityGroup'), name: tags['Name'] ?? g.GroupName ?? id, id, remove: () => ignoreGone(ctx.clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })), 'InvalidGroup.NotFound') });
  }
  return out;
}

async function ignoreGone(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (awsErrorCode(e) !== code) throw e;
  }
}

async function deleteInterface(ctx: AwsTaskContext, id: string): Promise<void> {
  try {
    await ctx.clients.ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id }));
  } catch (e) {
    if (awsErrorCode(e) !== 'InvalidNetworkInterfaceID.NotFound') throw e;
  }
}

async function terminate(ctx: AwsTaskContext, id: string): Promise<void> {
  try {
    await ctx.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  } catch (e) {
    if (awsErrorCode(e) !== 'InvalidInstanceID.NotFound') throw e;
  }
}

/** Snapshots tagged as the cluster's (e.g. of its etcd volumes): kept, they may be the only backup. */
export async function clusterSnapshots(ctx: AwsTaskContext): Promise<Remaining[]> {
  const out = await ctx.clients.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: ownedFilters(ctx.clusterName) }));
  return (out.Snapshots ?? []).map((s) => ({ what: `EBS snapshot ${s.SnapshotId ?? ''}${s.VolumeId ? ` (of ${s.VolumeId})` : ''}`, why: 'snapshots are never deleted: they may be the only copy of the etcd data' }));
}
