/**
 * `SecurityGroup`: the groups of the control plane, the nodes, the API load balancer and the
 * bastions (`masters.<cluster>`, `nodes.<cluster>`, `api-elb.<cluster>`, `bastion.<cluster>`).
 * The group's name is the task name; name, description and VPC cannot change in place (a change
 * replaces the group). Only tags are updated.
 *
 * Rules are separate `SecurityGroupRule` tasks. AWS gives every new group a default egress rule
 * (all traffic to 0.0.0.0/0); kops-ts leaves it and describes its own egress rule explicitly,
 * which then finds the default one and adopts it.
 *
 * The cluster's groups are listed once per run (`clusterSecurityGroups`, shared with the rule
 * kind, which needs the name → id map to match rules to tasks).
 *
 * A group the user owns (kops's `securityGroupOverride`) is `shared`, with its `id` in desired:
 * found by id, never created, changed or deleted.
 */
import {
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  paginateDescribeSecurityGroups,
  type Filter,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { KopsError } from '../../diagnostics.js';
import type { TaskKind, Val } from '../types.js';
import { clusterFilters, fromAwsTags, tagSpec, tagsToSet, toAwsTags, type AwsTaskContext, type Tags } from './context.js';

export interface SecurityGroupDesired {
  /** The group name; the task name (kops: `masters.<cluster>`). */
  readonly name: string;
  readonly vpc: Val<string>;
  readonly description: string;
  readonly tags: Tags;
  /** A shared group's id (the task is then `shared`). */
  readonly id?: string;
}

export interface SecurityGroupActual {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly vpcId: string;
  readonly tags: Readonly<Record<string, string>>;
}

export const securityGroupKind: TaskKind<SecurityGroupDesired, SecurityGroupActual, AwsTaskContext> = {
  kind: 'SecurityGroup',
  fields: {
    name: { mode: 'replace' },
    description: { mode: 'replace' },
    vpc: { mode: 'replace' },
    tags: { compare: 'tags' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, SecurityGroupActual>();
    if (tasks.length === 0) return found;
    const sharedIds = tasks.flatMap((t) => (t.desired.id ? [t.desired.id] : []));
    const [owned, shared] = await Promise.all([
      tasks.some((t) => !t.desired.id) ? clusterSecurityGroups(ctx) : Promise.resolve([]),
      describeGroups(ctx, [{ Name: 'group-id', Values: sharedIds }], sharedIds.length > 0),
    ]);
    const byName = groupsByName(owned);
    for (const t of tasks) {
      const g = t.desired.id ? shared.find((s) => s.id === t.desired.id) : byName.get(t.name);
      if (g) found.set(t.name, g);
    }
    return found;
  },

  view: (d, refs) => ({ name: d.name, description: d.description, vpc: refs.resolve(d.vpc), tags: d.tags }),

  actualView: (a) => ({ name: a.name, description: a.description, vpc: a.vpcId, tags: a.tags }),

  async apply(ctx, req) {
    const d = req.desired;
    if (d.id !== undefined) {
      throw new KopsError('SharedResourceNotFound', `SecurityGroup/${req.name}: the security group ${d.id} was not found`, {
        hint: "check the instance group's spec.securityGroupOverride: kops-ts uses that group as it is and never creates it",
      });
    }
    if (req.actual !== undefined) return retag(ctx, req.actual, d.tags);
    const vpcId = req.refs.known(d.vpc);
    const out = await ctx.clients.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: d.name, Description: d.description, VpcId: vpcId, TagSpecifications: tagSpec('security-group', d.tags) }),
    );
    return { id: out.GroupId ?? '', name: d.name, description: d.description, vpcId, tags: { ...d.tags } };
  },

  outputs: (a) => ({ id: a.id, name: a.name }),

  async delete(ctx, actual) {
    try {
      await ctx.clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: actual.id }));
    } catch (e) {
      // DependencyViolation (still used by instances, load balancers or other groups' rules) is
      // thrown as is: the caller retries it.
      if (errorCode(e) !== 'InvalidGroup.NotFound') throw e;
    }
  },
};

/** The security groups tagged as the cluster's, read once per run (one paged, tag-filtered call). */
export function clusterSecurityGroups(ctx: AwsTaskContext): Promise<readonly SecurityGroupActual[]> {
  return ctx.once('aws.securityGroups', () => describeGroups(ctx, clusterFilters(ctx.clusterName), true));
}

/** Cluster groups by their `Name` tag (kops's task name), falling back to the group name. */
export function groupsByName(groups: readonly SecurityGroupActual[]): Map<string, SecurityGroupActual> {
  const out = new Map<string, SecurityGroupActual>();
  for (const g of groups) if (!out.has(g.name)) out.set(g.name, g);
  // A Name tag wins over a group name: that is how kops finds its tasks' resources.
  for (const g of groups) if (g.tags.Name !== undefined) out.set(g.tags.Name, g);
  return out;
}

async function describeGroups(ctx: AwsTaskContext, filters: Filter[], run: boolean): Promise<SecurityGroupActual[]> {
  const out: SecurityGroupActual[] = [];
  if (!run) return out;
  for await (const page of paginateDescribeSecurityGroups({ client: ctx.clients.ec2 }, { Filters: filters })) {
    out.push(...(page.SecurityGroups ?? []).map(toActual));
  }
  return out;
}

function toActual(g: SecurityGroup): SecurityGroupActual {
  return { id: g.GroupId ?? '', name: g.GroupName ?? '', description: g.Description ?? '', vpcId: g.VpcId ?? '', tags: fromAwsTags(g.Tags) };
}

async function retag(ctx: AwsTaskContext, a: SecurityGroupActual, want: Tags): Promise<SecurityGroupActual> {
  const add = tagsToSet(a.tags, want);
  if (Object.keys(add).length === 0) return a;
  await ctx.clients.ec2.send(new CreateTagsCommand({ Resources: [a.id], Tags: toAwsTags(add) }));
  return { ...a, tags: { ...a.tags, ...add } };
}

/** The AWS error code of an SDK error (`name` carries it). */
export function errorCode(e: unknown): string | undefined {
  const name = (e as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}
