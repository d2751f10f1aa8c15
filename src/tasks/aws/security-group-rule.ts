/**
 * `SecurityGroupRule`: one rule of a security group, with exactly one source (or, for egress,
 * destination): an IPv4 CIDR, an IPv6 CIDR, an AWS managed prefix list (`pl-...`, kops's
 * `SetCidrOrPrefix`) or another group. Task names are kops's
 * (`securityGroupRuleName`), e.g. `from-0.0.0.0/0-ingress-tcp-22to22-masters.<cluster>`.
 *
 * Rules are immutable: any change is a replacement (revoke, then authorize); only tags change in
 * place. They are tagged at creation (`TagSpecifications` on Authorize*), like kops.
 *
 * find: one paged DescribeSecurityGroupRules for the rules of every group involved (the cluster's
 * groups, from the shared group listing, plus groups given by id), whatever the number of rules.
 * Rules are matched to tasks by their natural key (group, direction, protocol, ports, source), so
 * a rule made by hand with the same content, or AWS's default egress rule, counts as present. A
 * rule tagged with the task's name but different content (the task changed) is the task's old
 * rule and is replaced.
 *
 * kops-ts removes only its own rules: orphans are rules tagged with this cluster's
 * `KubernetesCluster` tag that no task describes (e.g. SSH from a CIDR no longer in `sshAccess`).
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateTagsCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  paginateDescribeSecurityGroupRules,
  type IpPermission,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { KopsError } from '../../diagnostics.js';
import { isRef, type RefResolver, type SecurityCategory, type Task, type TaskKind, type Val, type View } from '../types.js';
import { TAG_CLUSTER, fromAwsTags, tagSpec, tagsToSet, toAwsTags, type AwsTaskContext, type Tags } from './context.js';
import { clusterSecurityGroups, errorCode, groupsByName } from './security-group.js';

export type RuleDirection = 'ingress' | 'egress';

export interface SecurityGroupRuleDesired {
  /** The group the rule belongs to: `ref('SecurityGroup', name)`, or a literal id for a shared group. */
  readonly group: Val<string>;
  readonly direction: RuleDirection;
  /** `tcp`, `udp`, `icmp`, `icmpv6`, `-1` (all; `all` is accepted) or an IP protocol number. */
  readonly protocol: string;
  /** tcp/udp: the port range (required). icmp: type and code (unset = all). Others: ignored. */
  readonly fromPort?: number;
  readonly toPort?: number;
  /** Exactly one of the four: */
  readonly cidr?: string;
  readonly ipv6Cidr?: string;
  /** A managed prefix list id (`pl-...`). */
  readonly prefixList?: string;
  readonly sourceGroup?: Val<string>;
  readonly tags: Tags;
}

export interface SecurityGroupRuleActual {
  readonly id: string;
  readonly groupId: string;
  readonly direction: RuleDirection;
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidr?: string;
  readonly ipv6Cidr?: string;
  readonly sourceGroup?: string;
  readonly prefixList?: string;
  readonly tags: Readonly<Record<string, string>>;
}

// ---------------------------------------------------------------------------------------------
// Normalisation (AWS answers with names for the common protocols and -1 for "all ports")

const PROTOCOL_NAMES: Readonly<Record<string, string>> = { all: '-1', '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };

export function normalizeProtocol(p: string): string {
  const lower = p.trim().toLowerCase();
  return PROTOCOL_NAMES[lower] ?? lower;
}

/** Ports as AWS reports them: -1 where the protocol has none or the rule means "all". */
export function normalizePorts(protocol: string, from: number | undefined, to: number | undefined): [number, number] {
  const p = normalizeProtocol(protocol);
  if (p === 'tcp' || p === 'udp' || p === 'icmp' || p === 'icmpv6') return [from ?? -1, to ?? -1];
  return [-1, -1];
}

/** What identifies a rule (AWS refuses a second rule with the same). */
interface RuleKey {
  readonly groupId: string;
  readonly direction: string;
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidr?: string | undefined;
  readonly ipv6Cidr?: string | undefined;
  readonly prefixList?: string | undefined;
  readonly sourceGroup?: string | undefined;
}

/** The natural key of a rule as one string. */
function naturalKey(r: RuleKey): string {
  return [r.groupId, r.direction, r.protocol, r.fromPort, r.toPort, r.cidr ?? '', r.ipv6Cidr ?? '', r.sourceGroup ?? '', r.prefixList ?? ''].join('|');
}

function toActual(r: SecurityGroupRule): SecurityGroupRuleActual {
  const protocol = normalizeProtocol(r.IpProtocol ?? '-1');
  const [fromPort, toPort] = normalizePorts(protocol, r.FromPort, r.ToPort);
  const a: { -readonly [K in keyof SecurityGroupRuleActual]: SecurityGroupRuleActual[K] } = {
    id: r.SecurityGroupRuleId ?? '',
    groupId: r.GroupId ?? '',
    direction: r.IsEgress ? 'egress' : 'ingress',
    protocol,
    fromPort,
    toPort,
    tags: fromAwsTags(r.Tags),
  };
  if (r.CidrIpv4) a.cidr = r.CidrIpv4;
  if (r.CidrIpv6) a.ipv6Cidr = r.CidrIpv6;
  if (r.ReferencedGroupInfo?.GroupId) a.sourceGroup = r.ReferencedGroupInfo.GroupId;
  if (r.PrefixListId) a.prefixList = r.PrefixListId;
  return a;
}

// ---------------------------------------------------------------------------------------------
// Naming (kops's pkg/model/awsmodel/firewall.go generateName)

export interface RuleNameParts {
  readonly direction: RuleDirection;
  readonly protocol?: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  /** The group's name, e.g. `masters.<cluster>`. */
  readonly groupName: string;
  /** The source (ingress) or destination (egress): a CIDR or another group's name. */
  readonly peer: string;
}

/** `from-<src>-<direction>-<protocol|all>-<from>to<to>-<dst>`, ports 0 where unset, as kops. */
export function securityGroupRuleName(p: RuleNameParts): string {
  const proto = p.protocol === undefined || p.protocol === '' || normalizeProtocol(p.protocol) === '-1' ? 'all' : p.protocol;
  const [src, dst] = p.direction === 'ingress' ? [p.peer, p.groupName] : [p.groupName, p.peer];
  return `from-${src}-${p.direction}-${proto}-${p.fromPort ?? 0}to${p.toPort ?? 0}-${dst}`;
}

// ---------------------------------------------------------------------------------------------
// Listing

interface RuleListing {
  /** Group id by the name a `ref('SecurityGroup', name)` uses. */
  readonly groupIds: ReadonlyMap<string, string>;
  readonly rules: readonly SecurityGroupRuleActual[];
}

/** Resolves a group without refs: a literal id, or the cluster group named by the ref's task. */
function staticGroupId(v: Val<string> | undefined, groupIds: ReadonlyMap<string, string>): string | undefined {
  if (v === undefined) return undefined;
  if (!isRef(v)) return v;
  return v.kind === 'SecurityGroup' ? groupIds.get(v.name) : undefined;
}

/** DescribeSecurityGroupRules accepts at most 200 values per filter. */
const FILTER_VALUES = 200;

async function listRules(ctx: AwsTaskContext, tasks: readonly Task<SecurityGroupRuleDesired>[]): Promise<RuleListing> {
  const groups = await clusterSecurityGroups(ctx);
  const groupIds = new Map([...groupsByName(groups)].map(([name, g]) => [name, g.id]));
  const literal = tasks.flatMap((t) => (isRef(t.desired.group) ? [] : [t.desired.group]));
  const ids = [...new Set([...groups.map((g) => g.id), ...literal])].sort();
  const rules = await ctx.once(`aws.securityGroupRules:${ids.join(',')}`, async () => {
    const out: SecurityGroupRuleActual[] = [];
    for (let i = 0; i < ids.length; i += FILTER_VALUES) {
      const chunk = ids.slice(i, i + FILTER_VALUES);
      for await (const page of paginateDescribeSecurityGroupRules({ client: ctx.clients.ec2 }, { Filters: [{ Name: 'group-id', Values: chunk }] })) {
        out.push(...(page.SecurityGroupRules ?? []).map(toActual));
      }
    }
    return out;
  });
  return { groupIds, rules };
}

/** The natural key of a desired rule, given the ids its group refs stand for. */
function keyOf(d: SecurityGroupRuleDesired, groupId: string, sourceGroup: string | undefined): string {
  const protocol = normalizeProtocol(d.protocol);
  const [fromPort, toPort] = normalizePorts(protocol, d.fromPort, d.toPort);
  return naturalKey({ groupId, direction: d.direction, protocol, fromPort, toPort, cidr: d.cidr, ipv6Cidr: d.ipv6Cidr, prefixList: d.prefixList, sourceGroup });
}

/** At find time: `undefined` when a group it names does not exist (yet), so nor can the rule. */
function desiredKey(d: SecurityGroupRuleDesired, groupIds: ReadonlyMap<string, string>): string | undefined {
  const groupId = staticGroupId(d.group, groupIds);
  const sourceGroup = staticGroupId(d.sourceGroup, groupIds);
  if (groupId === undefined || (d.sourceGroup !== undefined && sourceGroup === undefined)) return undefined;
  return keyOf(d, groupId, sourceGroup);
}

function matchTasks(tasks: readonly Task<SecurityGroupRuleDesired>[], listing: RuleListing): Map<string, SecurityGroupRuleActual> {
  const byKey = new Map<string, SecurityGroupRuleActual>();
  for (const r of listing.rules) if (!byKey.has(naturalKey(r))) byKey.set(naturalKey(r), r);
  const found = new Map<string, SecurityGroupRuleActual>();
  const claimed = new Set<string>();
  for (const t of tasks) {
    const key = desiredKey(t.desired, listing.groupIds);
    const hit = key === undefined ? undefined : byKey.get(key);
    if (hit) {
      found.set(t.name, hit);
      claimed.add(hit.id);
    }
  }
  // The task's own rule with other content: the task changed since it was applied (replace it).
  for (const t of tasks) {
    if (found.has(t.name)) continue;
    const old = listing.rules.find((r) => r.tags.Name === t.name && !claimed.has(r.id));
    if (old) {
      found.set(t.name, old);
      claimed.add(old.id);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// The kind

/** A rule's peer is security-sensitive in the direction the rule opens: an egress rule is not "ingress". */
const ruleDirection = (v: View): SecurityCategory => (v.direction === 'egress' ? 'egress' : 'ingress');

export const securityGroupRuleKind: TaskKind<SecurityGroupRuleDesired, SecurityGroupRuleActual, AwsTaskContext> = {
  kind: 'SecurityGroupRule',
  fields: {
    group: { mode: 'replace' },
    direction: { mode: 'replace' },
    protocol: { mode: 'replace' },
    fromPort: { mode: 'replace' },
    toPort: { mode: 'replace' },
    cidr: { mode: 'replace', security: ruleDirection },
    ipv6Cidr: { mode: 'replace', security: ruleDirection },
    prefixList: { mode: 'replace', security: ruleDirection },
    sourceGroup: { mode: 'replace', security: ruleDirection },
    tags: { compare: 'tags' },
  },

  async find(ctx, tasks) {
    if (tasks.length === 0) return new Map();
    return matchTasks(tasks, await listRules(ctx, tasks));
  },

  view(d, refs) {
    const protocol = normalizeProtocol(d.protocol);
    const [fromPort, toPort] = normalizePorts(protocol, d.fromPort, d.toPort);
    return {
      group: refs.resolve(d.group),
      direction: d.direction,
      protocol,
      fromPort,
      toPort,
      cidr: d.cidr,
      ipv6Cidr: d.ipv6Cidr,
      prefixList: d.prefixList,
      sourceGroup: d.sourceGroup === undefined ? undefined : refs.resolve(d.sourceGroup),
      tags: d.tags,
    };
  },

  actualView: (a) => ({
    group: a.groupId,
    direction: a.direction,
    protocol: a.protocol,
    fromPort: a.fromPort,
    toPort: a.toPort,
    cidr: a.cidr,
    ipv6Cidr: a.ipv6Cidr,
    prefixList: a.prefixList,
    sourceGroup: a.sourceGroup,
    tags: a.tags,
  }),

  async apply(ctx, req) {
    if (req.actual !== undefined) return retag(ctx, req.actual, req.desired.tags);
    checkRule(req.name, req.desired);
    return authorize(ctx, req.name, req.desired, req.refs);
  },

  outputs: (a) => ({ id: a.id }),

  async delete(ctx, actual) {
    const input = { GroupId: actual.groupId, SecurityGroupRuleIds: [actual.id] };
    try {
      if (actual.direction === 'egress') await ctx.clients.ec2.send(new RevokeSecurityGroupEgressCommand(input));
      else await ctx.clients.ec2.send(new RevokeSecurityGroupIngressCommand(input));
    } catch (e) {
      if (!GONE.has(errorCode(e) ?? '')) throw e;
    }
  },

  async findOrphans(ctx, tasks, found) {
    const listing = await listRules(ctx, tasks);
    const used = new Set([...found.values()].map((a) => a.id));
    const names = new Set(tasks.map((t) => t.name));
    // Named by their Name tag (kops's rule name), unless a task has that name (then by id).
    const nameOf = (r: SecurityGroupRuleActual) => (r.tags.Name !== undefined && !names.has(r.tags.Name) ? r.tags.Name : `${r.groupId}/${r.id}`);
    return listing.rules.filter((r) => r.tags[TAG_CLUSTER] === ctx.clusterName && !used.has(r.id)).map((r) => ({ name: nameOf(r), actual: r }));
  },
};

/** Revoking what is already gone is success. */
const GONE = new Set(['InvalidPermission.NotFound', 'InvalidSecurityGroupRuleId.NotFound', 'InvalidGroup.NotFound']);

/** kops's CheckChanges, before any call: one source, ports where the protocol needs them. */
export function checkRule(name: string, d: SecurityGroupRuleDesired): void {
  const problems: string[] = [];
  const sources = [d.cidr, d.ipv6Cidr, d.prefixList, d.sourceGroup].filter((s) => s !== undefined).length;
  if (sources !== 1) problems.push(`it needs exactly one of cidr, ipv6Cidr, prefixList and sourceGroup (it has ${sources})`);
  const protocol = normalizeProtocol(d.protocol);
  if (protocol === 'tcp' || protocol === 'udp') {
    if (d.fromPort === undefined || d.toPort === undefined) problems.push(`protocol ${protocol} needs fromPort and toPort`);
    else if (d.fromPort > d.toPort) problems.push(`fromPort ${d.fromPort} is above toPort ${d.toPort}`);
  }
  if (problems.length > 0) {
    throw new KopsError('InvalidSecurityGroupRule', `SecurityGroupRule/${name}: ${problems.join('; ')}`, {
      hint: 'this is a bug in the model builder that made the task; please report it',
    });
  }
}

function permission(d: SecurityGroupRuleDesired, refs: RefResolver): IpPermission {
  const protocol = normalizeProtocol(d.protocol);
  const p: IpPermission = { IpProtocol: protocol };
  if (protocol === 'tcp' || protocol === 'udp' || protocol === 'icmp' || protocol === 'icmpv6') {
    [p.FromPort, p.ToPort] = normalizePorts(protocol, d.fromPort, d.toPort);
  } else if (protocol !== '-1') {
    // Another IP protocol by number (calico's IP-in-IP, 4): AWS allows every port whatever is sent;
    // -1/-1 says so explicitly, and the emulator fails (HTTP 500) on such a rule without ports.
    p.FromPort = -1;
    p.ToPort = -1;
  }
  if (d.cidr !== undefined) p.IpRanges = [{ CidrIp: d.cidr }];
  if (d.ipv6Cidr !== undefined) p.Ipv6Ranges = [{ CidrIpv6: d.ipv6Cidr }];
  if (d.prefixList !== undefined) p.PrefixListIds = [{ PrefixListId: d.prefixList }];
  if (d.sourceGroup !== undefined) p.UserIdGroupPairs = [{ GroupId: refs.known(d.sourceGroup) }];
  return p;
}

async function authorize(ctx: AwsTaskContext, name: string, d: SecurityGroupRuleDesired, refs: RefResolver): Promise<SecurityGroupRuleActual> {
  const groupId = refs.known(d.group);
  const input = { GroupId: groupId, IpPermissions: [permission(d, refs)], TagSpecifications: tagSpec('security-group-rule', d.tags) };
  try {
    const out =
      d.direction === 'egress'
        ? await ctx.clients.ec2.send(new AuthorizeSecurityGroupEgressCommand(input))
        : await ctx.clients.ec2.send(new AuthorizeSecurityGroupIngressCommand(input));
    const created = out.SecurityGroupRules?.[0];
    if (created) return { ...toActual(created), tags: { ...fromAwsTags(created.Tags), ...d.tags } };
  } catch (e) {
    // The same rule exists already (made by hand, or by a run that died before recording it).
    if (errorCode(e) !== 'InvalidPermission.Duplicate') throw e;
  }
  return adoptExisting(ctx, name, d, groupId, refs);
}

/** Finds the rule AWS says exists with our content, and tags it as ours. */
async function adoptExisting(ctx: AwsTaskContext, name: string, d: SecurityGroupRuleDesired, groupId: string, refs: RefResolver): Promise<SecurityGroupRuleActual> {
  const rules: SecurityGroupRuleActual[] = [];
  for await (const page of paginateDescribeSecurityGroupRules({ client: ctx.clients.ec2 }, { Filters: [{ Name: 'group-id', Values: [groupId] }] })) {
    rules.push(...(page.SecurityGroupRules ?? []).map(toActual));
  }
  const key = keyOf(d, groupId, d.sourceGroup === undefined ? undefined : refs.known(d.sourceGroup));
  const existing = rules.find((r) => naturalKey(r) === key);
  if (!existing) {
    throw new KopsError('SecurityGroupRuleConflict', `SecurityGroupRule/${name}: AWS reports the rule as a duplicate but no rule of ${groupId} matches it`, {
      hint: 'look at the group\'s rules in the AWS console and re-run update',
    });
  }
  return retag(ctx, existing, d.tags);
}

async function retag(ctx: AwsTaskContext, a: SecurityGroupRuleActual, want: Tags): Promise<SecurityGroupRuleActual> {
  const add = tagsToSet(a.tags, want);
  if (Object.keys(add).length === 0) return a;
  await ctx.clients.ec2.send(new CreateTagsCommand({ Resources: [a.id], Tags: toAwsTags(add) }));
  return { ...a, tags: { ...a.tags, ...add } };
}
