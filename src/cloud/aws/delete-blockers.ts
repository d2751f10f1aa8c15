/**
 * What keeps `delete cluster` from finishing, named for the user: resources the cluster does not
 * own inside what it could not delete (a user's network interface in its subnet, a user's subnet
 * or security group in its VPC). Best effort: a failed read names nothing, the resources left are
 * reported anyway.
 */
import { DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, type Filter } from '@aws-sdk/client-ec2';
import type { AwsTaskContext } from '../../tasks/aws/context.js';
import type { OwnedResource, Remaining } from '../provider.js';
import { CLUSTER_INSTANCE_KIND, ownedByTags } from './delete-tagged.js';

/**
 * Network interfaces in what is left (subnets, the VPC, security groups) that are not the
 * cluster's: a user's instance, interface or load balancer there keeps the delete from finishing.
 */
export async function findBlockers(ctx: AwsTaskContext, left: readonly OwnedResource[], all: readonly OwnedResource[] = left): Promise<Remaining[]> {
  const filters: Filter[] = [];
  const ids = (kind: string) => left.filter((r) => r.kind === kind).map((r) => r.id);
  const subnets = ids('Subnet');
  const vpcs = ids('VPC');
  const groups = ids('SecurityGroup');
  if (subnets.length > 0) filters.push({ Name: 'subnet-id', Values: subnets });
  if (vpcs.length > 0) filters.push({ Name: 'vpc-id', Values: vpcs });
  if (groups.length > 0) filters.push({ Name: 'group-id', Values: groups });
  // The interfaces of the cluster's own instances (left, or terminated and going) are not blockers.
  const ours = new Set(all.filter((r) => r.kind === CLUSTER_INSTANCE_KIND).map((r) => r.id));
  const out = new Map<string, Remaining>();
  // One call per filter: EC2 ANDs the filters of one call.
  for (const f of filters) {
    let enis;
    try {
      enis = await ctx.clients.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [f] }));
    } catch {
      continue; // naming the blockers is best effort; what is left is reported anyway
    }
    for (const n of enis.NetworkInterfaces ?? []) {
      const id = n.NetworkInterfaceId ?? '';
      const instance = n.Attachment?.InstanceId;
      if (!id || (instance && ours.has(instance)) || out.has(id)) continue;
      const tags = Object.fromEntries((n.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
      if (ownedByTags(tags, ctx.clusterName)) continue;
      const where = [n.SubnetId ? `subnet ${n.SubnetId}` : '', n.VpcId ? `VPC ${n.VpcId}` : ''].filter(Boolean).join(', ');
      const desc = [n.Description ? `"${n.Description}"` : '', instance ? `attached to ${instance}` : '', n.InterfaceType && n.InterfaceType !== 'interface' ? n.InterfaceType : ''].filter(Boolean).join(', ');
      const lb = loadBalancerOf(n.Description, all);
      if (lb) {
        // The cluster's load balancer (its API's, or a Service's): deleted or being deleted by this run.
        out.set(id, { what: `network interface ${id}${desc ? ` (${desc})` : ''} in ${where}`, why: `it belongs to the cluster's load balancer ${lb.name}; AWS removes a load balancer's interfaces some minutes after the load balancer is deleted: run the delete again, or give it a longer --wait` });
        continue;
      }
      if (n.RequesterManaged || n.Description?.startsWith('ELB ')) {
        // A load balancer's interface (the cluster's, or a Service controller's): AWS removes it some time after its load balancer goes.
        out.set(id, { what: `network interface ${id}${desc ? ` (${desc})` : ''} in ${where}`, why: 'managed by AWS for a load balancer or another service; AWS deletes it after that resource is deleted (if the load balancer is not the cluster\'s, delete it), then run the delete again' });
        continue;
      }
      out.set(id, { what: `network interface ${id}${desc ? ` (${desc})` : ''} in ${where}`, why: 'not owned by the cluster (no ownership tag), so kops-ts does not delete it; it keeps the subnet, VPC or security group from being deleted: delete or move it, then run the delete again' });
    }
  }
  // What else is in a VPC that is left: a user's subnet or security group keeps it from going.
  for (const vpc of vpcs) {
    const [subnetsOut, groupsOut] = await Promise.all([
      ctx.clients.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc] }] })).catch(() => undefined),
      ctx.clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc] }] })).catch(() => undefined),
    ]);
    const tagsOf = (t: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined) => Object.fromEntries((t ?? []).map((x) => [x.Key ?? '', x.Value ?? '']));
    const why = 'not owned by the cluster (no ownership tag), so kops-ts does not delete it; it keeps the VPC from being deleted: delete it, then run the delete again';
    for (const s of subnetsOut?.Subnets ?? []) {
      if (s.SubnetId && !ownedByTags(tagsOf(s.Tags), ctx.clusterName)) out.set(s.SubnetId, { what: `subnet ${s.SubnetId}${s.CidrBlock ? ` (${s.CidrBlock})` : ''} in VPC ${vpc}`, why });
    }
    for (const g of groupsOut?.SecurityGroups ?? []) {
      // Every VPC has a "default" group, deleted with it.
      if (g.GroupId && g.GroupName !== 'default' && !ownedByTags(tagsOf(g.Tags), ctx.clusterName)) out.set(g.GroupId, { what: `security group ${g.GroupId} (${g.GroupName ?? ''}) in VPC ${vpc}`, why });
    }
  }
  return [...out.values()];
}

/**
 * The cluster's load balancer an interface belongs to, by the description AWS gives it: `ELB <name>`
 * (classic ELB) or `ELB net/<name>/<id>` (NLB; `app/` for an ALB).
 */
function loadBalancerOf(description: string | undefined, all: readonly OwnedResource[]): OwnedResource | undefined {
  const m = /^ELB (?:(?:net|app|gwy)\/([^/]+)\/[0-9a-f]+|([^\s/]+))$/.exec(description ?? '');
  const name = m?.[1] ?? m?.[2];
  if (!name) return undefined;
  return all.find((r) => r.type === 'load-balancer' && (r.id === name || r.id.includes(`:loadbalancer/net/${name}/`) || r.id.includes(`:loadbalancer/app/${name}/`)));
}
