import {
  CreateSubnetCommand,
  CreateTagsCommand,
  DeleteSubnetCommand,
  DescribeSubnetsCommand,
  EC2Client,
  type DescribeSubnetsCommandOutput,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../../../src/cloud/aws/clients.js';
import { newMemo } from '../../../src/tasks/aws/context.js';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { ownershipTags } from '../../../src/tasks/aws/context.js';
import { subnetKind, subnetRoleTags, type SubnetDesired } from '../../../src/tasks/aws/subnet.js';
import type { Task } from '../../../src/tasks/types.js';
import { awsTestContext, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';
import { CLUSTER, Stack, subnetTask, vpcKind, vpcTask, type TestContext } from './network-fixtures.js';

const PUBLIC = subnetTask('us-east-1a', 'Public', '172.20.32.0/19');
const PRIVATE = subnetTask('us-east-1b', 'Private', '172.20.64.0/19');
const UTILITY = subnetTask('us-east-1b', 'Utility', '172.20.0.0/22');

async function withVpc(ctx: TestContext = awsTestContext()): Promise<Stack> {
  const stack = new Stack(ctx);
  await stack.add(vpcKind, [vpcTask()]);
  return stack;
}

async function describeSubnet(ctx: TestContext, id: string) {
  return (await ctx.clients.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets?.[0];
}

describe('Subnet', () => {
  it('tags subnets for load balancers as kops does', () => {
    expect(subnetRoleTags('Public')).toEqual({ SubnetType: 'Public', 'kubernetes.io/role/elb': '1' });
    expect(subnetRoleTags('Utility')).toEqual({ SubnetType: 'Utility', 'kubernetes.io/role/elb': '1' });
    expect(subnetRoleTags('Private')).toEqual({ SubnetType: 'Private', 'kubernetes.io/role/internal-elb': '1' });
  });

  it('creates subnets in their zones with their tags and is idempotent', async () => {
    const stack = await withVpc();
    const { outputs } = await expectIdempotent(stack.ctx, subnetKind, [PUBLIC, PRIVATE, UTILITY], stack.refs);
    expect(Object.keys(outputs).sort()).toEqual([`Subnet/us-east-1a.${CLUSTER}`, `Subnet/us-east-1b.${CLUSTER}`, `Subnet/utility-us-east-1b.${CLUSTER}`]);
    const s = await describeSubnet(stack.ctx, outputs[`Subnet/us-east-1b.${CLUSTER}`]?.id ?? '');
    expect(s).toMatchObject({ CidrBlock: '172.20.64.0/19', AvailabilityZone: 'us-east-1b', VpcId: stack.id(`VPC/${CLUSTER}`) });
    expect(s?.Tags).toEqual(expect.arrayContaining([{ Key: 'SubnetType', Value: 'Private' }, { Key: 'kubernetes.io/role/internal-elb', Value: '1' }]));
  });

  it('replaces a subnet whose CIDR or zone changes', async () => {
    const stack = await withVpc();
    await stack.add(subnetKind, [PUBLIC]);
    const oldId = stack.id(`Subnet/${PUBLIC.name}`);
    const moved: Task<SubnetDesired> = { ...PUBLIC, desired: { ...PUBLIC.desired, cidr: '172.20.96.0/19', availabilityZone: 'us-east-1c' } };
    const plan = await planKind(nextRun(stack.ctx), subnetKind, [moved], stack.refs);
    expect(plan[0]?.action).toBe('replace');
    expect(plan[0]?.fields.map((f) => [f.field, f.forcesReplacement])).toEqual([['availabilityZone', true], ['cidr', true]]);

    const { outputs } = await expectIdempotent(nextRun(stack.ctx), subnetKind, [moved], stack.refs);
    const newId = outputs[`Subnet/${PUBLIC.name}`]?.id ?? '';
    expect(newId).not.toBe(oldId);
    expect(await describeSubnet(stack.ctx, newId)).toMatchObject({ CidrBlock: '172.20.96.0/19', AvailabilityZone: 'us-east-1c' });
    const old = await stack.ctx.clients.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: [oldId] }] }));
    expect(old.Subnets).toEqual([]);
  });

  it('updates a changed tag in place', async () => {
    const stack = await withVpc();
    await stack.add(subnetKind, [PUBLIC]);
    await stack.ctx.clients.ec2.send(new CreateTagsCommand({ Resources: [stack.id(`Subnet/${PUBLIC.name}`)], Tags: [{ Key: 'SubnetType', Value: 'Private' }] }));
    const plan = await planKind(nextRun(stack.ctx), subnetKind, [PUBLIC], stack.refs);
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => f.field)).toEqual(['tags']);
    await expectIdempotent(nextRun(stack.ctx), subnetKind, [PUBLIC], stack.refs);
    expect((await describeSubnet(stack.ctx, stack.id(`Subnet/${PUBLIC.name}`)))?.Tags).toEqual(expect.arrayContaining([{ Key: 'SubnetType', Value: 'Public' }]));
  });

  it('plans a subnet deleted behind its back as a create', async () => {
    const stack = await withVpc();
    await stack.add(subnetKind, [PUBLIC]);
    await stack.ctx.clients.ec2.send(new DeleteSubnetCommand({ SubnetId: stack.id(`Subnet/${PUBLIC.name}`) }));
    expect((await planKind(nextRun(stack.ctx), subnetKind, [PUBLIC], stack.refs))[0]?.action).toBe('create');
    await expectIdempotent(nextRun(stack.ctx), subnetKind, [PUBLIC], stack.refs);
  });

  it('finds shared subnets by id, adds kops\'s tags to them and never changes anything else', async () => {
    const stack = await withVpc();
    const vpcId = stack.id(`VPC/${CLUSTER}`);
    const created = await stack.ctx.clients.ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '172.20.128.0/19', AvailabilityZone: 'us-east-1a', TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'Name', Value: 'theirs' }] }] }),
    );
    const id = created.Subnet?.SubnetId ?? '';
    const kopsTags = { [`kubernetes.io/cluster/${CLUSTER}`]: 'shared', SubnetType: 'Public', 'kubernetes.io/role/elb': '1' };
    // A CIDR and zone that differ from the subnet's own: a shared subnet's other fields are never acted on.
    const shared: Task<SubnetDesired> = { kind: 'Subnet', name: `us-east-1a.${CLUSTER}`, shared: true, desired: { id, vpcId, cidr: '10.0.0.0/24', availabilityZone: 'us-east-1b', tags: kopsTags } };
    const first = await planKind(stack.ctx, subnetKind, [shared], stack.refs);
    expect(first.map((c) => [c.action, c.fields.map((f) => f.field)])).toEqual([['update', ['tags']]]);
    const { outputs } = await expectIdempotent(stack.ctx, subnetKind, [shared], stack.refs);
    expect(outputs[`Subnet/us-east-1a.${CLUSTER}`]).toMatchObject({ id, cidr: '172.20.128.0/19', availabilityZone: 'us-east-1a' });
    const after = await describeSubnet(stack.ctx, id);
    expect(Object.fromEntries((after?.Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual({ Name: 'theirs', ...kopsTags });
    expect(after?.CidrBlock).toBe('172.20.128.0/19');

    const actual = (await subnetKind.find(nextRun(stack.ctx), [shared])).get(shared.name);
    if (!actual) throw new Error('not found');
    expect(actual.shared).toBe(true);
    await expect(subnetKind.delete?.(stack.ctx, actual)).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceReadOnly'));
    // A request that does not name the shared subnet (a builder bug) is refused, not applied to it.
    const { id: _id, ...unnamed } = shared.desired;
    const req = { action: 'update' as const, name: shared.name, desired: unnamed, actual, fields: [], refs: staticRefs({}) };
    await expect(subnetKind.apply(stack.ctx, req)).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceReadOnly'));
    expect(await describeSubnet(stack.ctx, id)).toBeDefined();
  });

  it('finds owned and shared subnets with one call each, whatever the number of tasks', async () => {
    const stack = await withVpc();
    await stack.add(subnetKind, [PUBLIC, PRIVATE, UTILITY]);
    const vpcId = stack.id(`VPC/${CLUSTER}`);
    const sharedId = (await stack.ctx.clients.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '172.20.128.0/19' }))).Subnet?.SubnetId ?? '';
    const shared: Task<SubnetDesired> = { kind: 'Subnet', name: `shared.${CLUSTER}`, shared: true, desired: { id: sharedId, vpcId } };
    for (const ts of [[PUBLIC, shared], [PUBLIC, PRIVATE, UTILITY, shared]]) {
      stack.ctx.aws.counter.reset();
      expect((await subnetKind.find(nextRun(stack.ctx), ts)).size).toBe(ts.length);
      expect(stack.ctx.aws.counter.counts.get('ec2:DescribeSubnetsCommand')).toBe(2);
      expect(stack.ctx.aws.counter.total()).toBe(2);
    }
  });

  it('refuses to pick one of two subnets with the same Name tag', async () => {
    const stack = await withVpc();
    await stack.add(subnetKind, [PUBLIC]);
    const tags = { ...ownershipTags(CLUSTER), Name: PUBLIC.name };
    await stack.ctx.clients.ec2.send(
      new CreateSubnetCommand({
        VpcId: stack.id(`VPC/${CLUSTER}`),
        CidrBlock: '172.20.160.0/19',
        TagSpecifications: [{ ResourceType: 'subnet', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }],
      }),
    );
    await expect(subnetKind.find(nextRun(stack.ctx), [PUBLIC])).rejects.toSatisfy((e) => KopsError.is(e, 'DuplicateResources'));
  });

  it('follows NextToken: subnets on a later page are found', async () => {
    // Stub of real AWS paging, which moto never does (it ignores MaxResults): DescribeSubnets
    // answers one page and a NextToken, and the rest when asked with that token.
    const subnet = (name: string, id: string) => ({ SubnetId: id, VpcId: 'vpc-1', CidrBlock: '10.0.0.0/24', AvailabilityZone: 'us-east-1a', Tags: [{ Key: 'Name', Value: name }] });
    const pages: Record<string, DescribeSubnetsCommandOutput> = {
      first: { Subnets: [subnet(PUBLIC.name, 'subnet-1')], NextToken: 'page-2', $metadata: {} },
      'page-2': { Subnets: [subnet(PRIVATE.name, 'subnet-2')], $metadata: {} },
    };
    const ec2 = new EC2Client({ region: 'us-east-1' });
    const tokens: (string | undefined)[] = [];
    (ec2 as unknown as { send: (c: DescribeSubnetsCommand) => Promise<DescribeSubnetsCommandOutput> }).send = async (c) => {
      tokens.push(c.input.NextToken);
      const page = pages[c.input.NextToken ?? 'first'];
      if (!page) throw new Error(`unexpected token ${c.input.NextToken}`);
      return page;
    };
    const ctx = { clients: { ec2 } as unknown as AwsClients, clusterName: CLUSTER, region: 'us-east-1', once: newMemo() };
    const found = await subnetKind.find(ctx, [PUBLIC, PRIVATE]);
    expect(found.get(PRIVATE.name)?.id).toBe('subnet-2');
    expect(found.get(PUBLIC.name)?.id).toBe('subnet-1');
    expect(tokens).toEqual([undefined, 'page-2']);
  });
});
