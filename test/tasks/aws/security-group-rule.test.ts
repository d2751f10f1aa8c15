import {
  AuthorizeSecurityGroupIngressCommand,
  CreateManagedPrefixListCommand,
  CreateSecurityGroupCommand,
  CreateVpcCommand,
  DescribeSecurityGroupRulesCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { diffViews } from '../../../src/tasks/diff.js';
import { ownershipTags, type AwsTaskContext } from '../../../src/tasks/aws/context.js';
import { securityGroupKind, type SecurityGroupDesired } from '../../../src/tasks/aws/security-group.js';
import {
  checkRule,
  securityGroupRuleKind,
  securityGroupRuleName,
  type SecurityGroupRuleDesired,
} from '../../../src/tasks/aws/security-group-rule.js';
import { isRef, ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const C = 'rules.example.com';
const MASTERS = `masters.${C}`;
const NODES = `nodes.${C}`;

type RuleSpec = Omit<SecurityGroupRuleDesired, 'tags'>;

/** A rule task named and tagged as kops's firewall builder does (group tags + Name). */
function rule(d: RuleSpec): Task<SecurityGroupRuleDesired> {
  const groupName = isRef(d.group) ? d.group.name : d.group;
  const peer = d.sourceGroup !== undefined ? (isRef(d.sourceGroup) ? d.sourceGroup.name : d.sourceGroup) : (d.cidr ?? d.ipv6Cidr ?? d.prefixList ?? '');
  const name = securityGroupRuleName({ ...d, groupName, peer });
  return { kind: 'SecurityGroupRule', name, desired: { ...d, tags: { Name: name, ...ownershipTags(C) } } };
}

const sshFrom = (cidr: string) => rule({ group: ref('SecurityGroup', MASTERS), direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, cidr });
const TASKS = {
  ssh: sshFrom('203.0.113.0/24'),
  api6: rule({ group: ref('SecurityGroup', MASTERS), direction: 'ingress', protocol: 'tcp', fromPort: 443, toPort: 443, ipv6Cidr: '::/0' }),
  nodeToMaster: rule({ group: ref('SecurityGroup', MASTERS), direction: 'ingress', protocol: 'tcp', fromPort: 1, toPort: 2379, sourceGroup: ref('SecurityGroup', NODES) }),
  nodeToMasterUdp: rule({ group: ref('SecurityGroup', MASTERS), direction: 'ingress', protocol: 'udp', fromPort: 1, toPort: 65535, sourceGroup: ref('SecurityGroup', NODES) }),
  masterToNode: rule({ group: ref('SecurityGroup', NODES), direction: 'ingress', protocol: '-1', sourceGroup: ref('SecurityGroup', MASTERS) }),
  egress: rule({ group: ref('SecurityGroup', MASTERS), direction: 'egress', protocol: '-1', cidr: '0.0.0.0/0' }),
  icmp: rule({ group: ref('SecurityGroup', MASTERS), direction: 'ingress', protocol: 'icmp', fromPort: 3, toPort: 4, cidr: '0.0.0.0/0' }),
};
const ALL = Object.values(TASKS);

function group(name: string): Task<SecurityGroupDesired> {
  return { kind: 'SecurityGroup', name, desired: { name, vpc: ref('VPC', C), description: name, tags: { Name: name, ...ownershipTags(C) } } };
}

async function setup() {
  const ctx = awsTestContext(C);
  const vpc = await ctx.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '172.20.0.0/16' }));
  const vpcId = vpc.Vpc!.VpcId!;
  const groups = await converge(ctx, securityGroupKind, [group(MASTERS), group(NODES)], staticRefs({ [`VPC/${C}`]: { id: vpcId } }));
  const mastersId = groups[`SecurityGroup/${MASTERS}`]!.id!;
  const nodesId = groups[`SecurityGroup/${NODES}`]!.id!;
  return { ctx: nextRun(ctx), vpcId, mastersId, nodesId, refs: staticRefs(groups) };
}

async function rulesOf(ctx: AwsTaskContext, groupId: string) {
  const out = await ctx.clients.ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
  return out.SecurityGroupRules ?? [];
}

describe('securityGroupRuleName', () => {
  it('names rules as kops does', () => {
    expect(TASKS.ssh.name).toBe(`from-203.0.113.0/24-ingress-tcp-22to22-${MASTERS}`);
    expect(TASKS.nodeToMaster.name).toBe(`from-${NODES}-ingress-tcp-1to2379-${MASTERS}`);
    expect(TASKS.egress.name).toBe(`from-${MASTERS}-egress-all-0to0-0.0.0.0/0`);
    expect(TASKS.masterToNode.name).toBe(`from-${MASTERS}-ingress-all-0to0-${NODES}`);
  });
});

describe('SecurityGroupRule', () => {
  it('authorizes every kind of rule, tagged, and plans no change on the next run', async () => {
    const { ctx, mastersId, nodesId, refs } = await setup();
    await expectIdempotent(ctx, securityGroupRuleKind, ALL, refs);
    const masters = await rulesOf(ctx, mastersId);
    const ssh = masters.find((r) => r.CidrIpv4 === '203.0.113.0/24');
    expect(ssh).toMatchObject({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IsEgress: false });
    expect(ssh?.Tags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: TASKS.ssh.name }, { Key: 'KubernetesCluster', Value: C }]));
    expect(masters.find((r) => r.ReferencedGroupInfo?.GroupId === nodesId && r.IpProtocol === 'tcp')).toMatchObject({ FromPort: 1, ToPort: 2379 });
    expect(masters.find((r) => r.CidrIpv6 === '::/0')).toMatchObject({ FromPort: 443, ToPort: 443 });
    // kops's egress rule is AWS's default one, adopted (tagged), not a second copy.
    const egress = masters.filter((r) => r.IsEgress);
    expect(egress).toHaveLength(1);
    expect(egress[0]?.Tags).toContainEqual({ Key: 'Name', Value: TASKS.egress.name });
  });

  it('returns from apply the state find reads back, which matches the spec (no converge warning)', async () => {
    const { ctx, refs } = await setup();
    for (const t of ALL) {
      const after = await securityGroupRuleKind.apply(ctx, { action: 'create', name: t.name, desired: t.desired, fields: [], refs });
      expect(diffViews(securityGroupRuleKind.actualView(after), securityGroupRuleKind.view(t.desired, refs), securityGroupRuleKind.fields)).toEqual([]);
      const found = await securityGroupRuleKind.find(nextRun(ctx), [t]);
      expect(found.get(t.name)).toEqual(after);
    }
  });

  it('finds the rules of all tasks with a constant number of calls', async () => {
    const { ctx, refs } = await setup();
    await converge(ctx, securityGroupRuleKind, ALL, refs);
    const counts: number[] = [];
    for (const tasks of [ALL.slice(0, 1), ALL]) {
      const run = nextRun(ctx);
      ctx.aws.counter.reset();
      const found = await securityGroupRuleKind.find(run, tasks);
      expect(found.size).toBe(tasks.length);
      counts.push(ctx.aws.counter.total());
    }
    // DescribeSecurityGroups (the shared group listing) + DescribeSecurityGroupRules.
    expect(counts).toEqual([2, 2]);
  });

  it('counts a rule made by hand with the same content as present, and only tags it', async () => {
    const { ctx, mastersId, refs } = await setup();
    const made = await ctx.clients.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: mastersId, IpPermissions: [{ IpProtocol: '6', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.0/24' }] }] }),
    );
    const [change] = await planKind(ctx, securityGroupRuleKind, [TASKS.ssh], refs);
    expect(change?.action).toBe('update');
    expect(change?.fields.map((f) => f.field)).toEqual(['tags']);
    const out = await converge(ctx, securityGroupRuleKind, [TASKS.ssh], refs);
    expect(out[`SecurityGroupRule/${TASKS.ssh.name}`]?.id).toBe(made.SecurityGroupRules?.[0]?.SecurityGroupRuleId);
  });

  it('replaces a rule whose content changed under the same name, flagged as an ingress change', async () => {
    const { ctx, mastersId, refs } = await setup();
    await converge(ctx, securityGroupRuleKind, [TASKS.ssh], refs);
    const widened: Task<SecurityGroupRuleDesired> = { ...TASKS.ssh, desired: { ...TASKS.ssh.desired, cidr: '0.0.0.0/0' } };
    const [change] = await planKind(nextRun(ctx), securityGroupRuleKind, [widened], refs);
    expect(change?.action).toBe('replace');
    expect(change?.security).toEqual(['ingress']);
    expect(change?.fields).toEqual([expect.objectContaining({ field: 'cidr', before: '203.0.113.0/24', after: '0.0.0.0/0', forcesReplacement: true, security: 'ingress' })]);
    await converge(nextRun(ctx), securityGroupRuleKind, [widened], refs);
    const cidrs = (await rulesOf(ctx, mastersId)).filter((r) => !r.IsEgress).map((r) => r.CidrIpv4);
    expect(cidrs).toEqual(['0.0.0.0/0']);
  });

  it('flags an egress rule\'s change as an egress change, not an ingress one', async () => {
    const { ctx, refs } = await setup();
    // Not the all-traffic rule a new group already has: one AWS would create.
    const https = rule({ group: ref('SecurityGroup', MASTERS), direction: 'egress', protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '192.0.2.0/24' });
    const [created] = await planKind(ctx, securityGroupRuleKind, [https], refs);
    expect(created?.action).toBe('create');
    expect(created?.security).toEqual(['egress']);
    expect(created?.fields.find((f) => f.field === 'cidr')).toMatchObject({ after: '192.0.2.0/24', security: 'egress' });
    await converge(ctx, securityGroupRuleKind, [https], refs);
    const narrowed: Task<SecurityGroupRuleDesired> = { ...https, desired: { ...https.desired, cidr: '198.51.100.0/24' } };
    const [change] = await planKind(nextRun(ctx), securityGroupRuleKind, [narrowed], refs);
    expect(change?.action).toBe('replace');
    expect(change?.security).toEqual(['egress']);
  });

  it('shows a rule revoked behind its back as to be created, and apply restores it', async () => {
    const { ctx, mastersId, refs } = await setup();
    const out = await converge(ctx, securityGroupRuleKind, [TASKS.nodeToMaster], refs);
    const id = out[`SecurityGroupRule/${TASKS.nodeToMaster.name}`]!.id!;
    await ctx.clients.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: mastersId, SecurityGroupRuleIds: [id] }));
    const [change] = await planKind(nextRun(ctx), securityGroupRuleKind, [TASKS.nodeToMaster], refs);
    expect(change?.action).toBe('create');
    await expectIdempotent(nextRun(ctx), securityGroupRuleKind, [TASKS.nodeToMaster], refs);
  });

  it('lists as orphans only the rules this cluster tagged that no task describes', async () => {
    const { ctx, mastersId, refs } = await setup();
    const old = sshFrom('198.51.100.0/24');
    await converge(ctx, securityGroupRuleKind, [TASKS.ssh, old], refs);
    await ctx.clients.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: mastersId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }] }),
    );
    const run = nextRun(ctx);
    const found = await securityGroupRuleKind.find(run, [TASKS.ssh]);
    const orphans = await securityGroupRuleKind.findOrphans!(run, [TASKS.ssh], found);
    expect(orphans.map((o) => o.name)).toEqual([old.name]);
    await securityGroupRuleKind.delete!(ctx, orphans[0]!.actual);
    await securityGroupRuleKind.delete!(ctx, orphans[0]!.actual);
    const left = (await rulesOf(ctx, mastersId)).filter((r) => !r.IsEgress).map((r) => r.CidrIpv4).sort();
    expect(left).toEqual(['10.0.0.0/8', '203.0.113.0/24']);
  });

  it('takes AWS duplicate-rule error as "already there" and adopts the rule', async () => {
    const { ctx, mastersId, refs } = await setup();
    const made = await ctx.clients.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: mastersId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.0/24' }] }] }),
    );
    // As if find had run before someone else authorized the same rule.
    const after = await securityGroupRuleKind.apply(ctx, { action: 'create', name: TASKS.ssh.name, desired: TASKS.ssh.desired, fields: [], refs });
    expect(after.id).toBe(made.SecurityGroupRules?.[0]?.SecurityGroupRuleId);
    expect(after.tags.Name).toBe(TASKS.ssh.name);
  });

  it('finds rules in a group given by id (a shared group)', async () => {
    const { ctx, vpcId, refs } = await setup();
    const shared = await ctx.clients.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'corp', Description: 'corp', VpcId: vpcId }));
    const task = rule({ group: shared.GroupId!, direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.1.0.0/16' });
    await expectIdempotent(ctx, securityGroupRuleKind, [task], refs);
    expect((await rulesOf(ctx, shared.GroupId!)).some((r) => r.CidrIpv4 === '10.1.0.0/16')).toBe(true);
  });

  it('plans a create while the group does not exist yet (its id unknown)', async () => {
    const ctx = awsTestContext(C);
    const [change] = await planKind(ctx, securityGroupRuleKind, [TASKS.ssh]);
    expect(change?.action).toBe('create');
    expect(String(change?.fields.find((f) => f.field === 'group')?.after)).toBe('(known after apply)');
  });

  it('allows from a managed prefix list (kops\'s SetCidrOrPrefix): authorized, found again, and a hand-made twin adopted', async () => {
    const { ctx, mastersId, refs } = await setup();
    const pl = await ctx.clients.ec2.send(new CreateManagedPrefixListCommand({ PrefixListName: 'office', AddressFamily: 'IPv4', MaxEntries: 5, Entries: [{ Cidr: '198.51.100.0/24' }] }));
    const id = pl.PrefixList!.PrefixListId!;
    const task = rule({ group: ref('SecurityGroup', MASTERS), direction: 'ingress', protocol: 'tcp', fromPort: 443, toPort: 443, prefixList: id });
    expect(task.name).toBe(`from-${id}-ingress-tcp-443to443-${MASTERS}`);
    const plan = await planKind(ctx, securityGroupRuleKind, [task], refs);
    expect([plan[0]?.action, plan[0]?.security]).toEqual(['create', ['ingress']]);
    await expectIdempotent(ctx, securityGroupRuleKind, [task], refs);
    const rules = (await ctx.clients.ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [mastersId] }] }))).SecurityGroupRules ?? [];
    expect(rules.filter((r) => r.PrefixListId === id).map((r) => [r.FromPort, r.ToPort, r.CidrIpv4])).toEqual([[443, 443, undefined]]);
    // The same rule for a CIDR is a different rule: the prefix-list one does not satisfy it.
    const cidr = rule({ group: ref('SecurityGroup', MASTERS), direction: 'ingress', protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '198.51.100.0/24' });
    expect((await planKind(nextRun(ctx), securityGroupRuleKind, [task, cidr], refs)).map((c) => c.action)).toEqual(['noop', 'create']);
    expect(() => checkRule('x', { ...task.desired, cidr: '198.51.100.0/24' })).toThrow(/exactly one of cidr, ipv6Cidr, prefixList and sourceGroup/);
  });

  it('authorizes an IP-protocol rule by number (calico\'s IP-in-IP, 4), ports all, and finds it again', async () => {
    const { ctx, mastersId, refs } = await setup();
    const ipip = rule({ group: ref('SecurityGroup', MASTERS), direction: 'ingress', protocol: '4', sourceGroup: ref('SecurityGroup', NODES) });
    expect(ipip.name).toBe(`from-${NODES}-ingress-4-0to0-${MASTERS}`);
    await expectIdempotent(ctx, securityGroupRuleKind, [ipip], refs);
    const rules = (await ctx.clients.ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [mastersId] }] }))).SecurityGroupRules ?? [];
    expect(rules.filter((r) => r.IpProtocol === '4').map((r) => [r.FromPort, r.ToPort])).toEqual([[-1, -1]]);
  });

  it('rejects a rule without exactly one source or without ports, before any call', () => {
    const base = TASKS.ssh.desired;
    expect(() => checkRule('x', { ...base, ipv6Cidr: '::/0' })).toThrow(/exactly one of cidr, ipv6Cidr, prefixList and sourceGroup \(it has 2\)/);
    expect(() => checkRule('x', { ...base, fromPort: undefined })).toThrow(KopsError);
    expect(() => checkRule('x', { ...base, fromPort: 30, toPort: 20 })).toThrow(/fromPort 30 is above toPort 20/);
    expect(() => checkRule('x', TASKS.masterToNode.desired)).not.toThrow();
  });
});
