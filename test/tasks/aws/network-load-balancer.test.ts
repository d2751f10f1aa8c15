import {
  AddTagsCommand,
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  ModifyLoadBalancerAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { apiLoadBalancerAwsName } from '../../../src/tasks/aws/elb-listing.js';
import { networkLoadBalancerKind, type NetworkLoadBalancerDesired } from '../../../src/tasks/aws/network-load-balancer.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';
import { clusterTags, makeNetwork, type Network } from './lb-fixtures.js';

const CLUSTER = 'nlb.example.com';

function nlbTask(net: Network, over: Partial<NetworkLoadBalancerDesired> = {}, name = `api.${CLUSTER}`): Task<NetworkLoadBalancerDesired> {
  return {
    kind: 'NetworkLoadBalancer',
    name,
    desired: {
      loadBalancerName: apiLoadBalancerAwsName(name.replace(/^api\./, '')),
      scheme: 'internet-facing',
      subnets: [ref('Subnet', `us-east-1a.${CLUSTER}`), ref('Subnet', `us-east-1b.${CLUSTER}`)],
      securityGroups: [ref('SecurityGroup', `api-elb.${CLUSTER}`)],
      tags: clusterTags(CLUSTER, name, { team: 'platform' }),
      ...over,
    },
  };
}

function netRefs(net: Network) {
  return staticRefs({
    [`Subnet/us-east-1a.${CLUSTER}`]: { id: net.subnets[0] },
    [`Subnet/us-east-1b.${CLUSTER}`]: { id: net.subnets[1] },
    [`Subnet/us-east-1c.${CLUSTER}`]: { id: net.subnets[2] },
    [`SecurityGroup/api-elb.${CLUSTER}`]: { id: net.securityGroup },
  });
}

async function crossZone(ctx: ReturnType<typeof awsTestContext>, arn: string): Promise<string | undefined> {
  const out = await ctx.clients.elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
  return out.Attributes?.find((a) => a.Key === 'load_balancing.cross_zone.enabled')?.Value;
}

describe('NetworkLoadBalancer', () => {
  it('creates the API load balancer with kops\'s name, cross-zone on and its tags, then plans no change', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const task = nlbTask(net);
    const plan = await planKind(ctx, networkLoadBalancerKind, [task], netRefs(net));
    expect(plan[0]?.action).toBe('create');
    // A new public API load balancer is flagged as an exposure change.
    expect(plan[0]?.security).toEqual(['exposure']);

    const { outputs } = await expectIdempotent(ctx, networkLoadBalancerKind, [task], netRefs(net));
    const out = outputs[`NetworkLoadBalancer/api.${CLUSTER}`];
    expect(out?.name).toBe(apiLoadBalancerAwsName(CLUSTER));
    expect(out?.name).toMatch(/^api-nlb-example-com-[0-9a-v]{6}$/);
    expect(out?.dnsName).toContain(out?.name);
    expect(out?.hostedZoneId).toBeTruthy();
    expect(out?.id).toBe(out?.arn);

    const lb = (await ctx.clients.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [out?.arn ?? ''] }))).LoadBalancers?.[0];
    expect(lb?.Type).toBe('network');
    expect(lb?.Scheme).toBe('internet-facing');
    expect(lb?.SecurityGroups).toEqual([net.securityGroup]);
    expect(await crossZone(ctx, out?.arn ?? '')).toBe('true');
  });

  it('creating makes two requests, one after the other, and returns what a fresh read finds (no re-read after the create)', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const task = nlbTask(net);
    ctx.aws.counter.reset();
    const applied = await networkLoadBalancerKind.apply(ctx, { action: 'create', name: task.name, desired: task.desired, fields: [], refs: netRefs(net) });
    expect([...ctx.aws.counter.counts]).toEqual([['elbv2:CreateLoadBalancerCommand', 1], ['elbv2:ModifyLoadBalancerAttributesCommand', 1]]);
    const found = (await networkLoadBalancerKind.find(nextRun(ctx), [task])).get(task.name);
    expect(found).toBeDefined();
    expect(networkLoadBalancerKind.actualView(applied)).toEqual(networkLoadBalancerKind.actualView(found!));
    expect(networkLoadBalancerKind.outputs(applied)).toEqual(networkLoadBalancerKind.outputs(found!));
    expect(applied.crossZoneLoadBalancing).toBe(true);
    expect(applied.tags).toEqual(task.desired.tags);
  });

  it('adds a subnet and turns cross-zone off in place', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const { outputs } = await expectIdempotent(ctx, networkLoadBalancerKind, [nlbTask(net)], netRefs(net));
    const arn = outputs[`NetworkLoadBalancer/api.${CLUSTER}`]?.arn ?? '';

    const wider = nlbTask(net, {
      subnets: [ref('Subnet', `us-east-1a.${CLUSTER}`), ref('Subnet', `us-east-1b.${CLUSTER}`), ref('Subnet', `us-east-1c.${CLUSTER}`)],
      crossZoneLoadBalancing: false,
    });
    const plan = await planKind(nextRun(ctx), networkLoadBalancerKind, [wider], netRefs(net));
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => f.field).sort()).toEqual(['crossZoneLoadBalancing', 'subnets']);

    const again = await expectIdempotent(nextRun(ctx), networkLoadBalancerKind, [wider], netRefs(net));
    expect(again.outputs[`NetworkLoadBalancer/api.${CLUSTER}`]?.arn).toBe(arn);
    const lb = (await ctx.clients.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))).LoadBalancers?.[0];
    expect(lb?.AvailabilityZones?.map((z) => z.SubnetId).sort()).toEqual([...net.subnets].sort());
    expect(await crossZone(ctx, arn)).toBe('false');
  });

  it('replaces the load balancer when the scheme changes, flagging the exposure', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const { outputs } = await expectIdempotent(ctx, networkLoadBalancerKind, [nlbTask(net, { scheme: 'internal' })], netRefs(net));
    const oldArn = outputs[`NetworkLoadBalancer/api.${CLUSTER}`]?.arn ?? '';

    const plan = await planKind(nextRun(ctx), networkLoadBalancerKind, [nlbTask(net)], netRefs(net));
    expect(plan[0]?.action).toBe('replace');
    expect(plan[0]?.security).toEqual(['exposure']);
    expect(plan[0]?.fields).toEqual([expect.objectContaining({ field: 'scheme', before: 'internal', after: 'internet-facing', forcesReplacement: true })]);

    const after = await expectIdempotent(nextRun(ctx), networkLoadBalancerKind, [nlbTask(net)], netRefs(net));
    const newArn = after.outputs[`NetworkLoadBalancer/api.${CLUSTER}`]?.arn;
    expect(newArn).not.toBe(oldArn);
    const all = (await ctx.clients.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    expect(all.map((l) => l.LoadBalancerArn)).toEqual([newArn]);
  });

  it('replaces a load balancer made without security groups when they are wanted (AWS cannot add them later)', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    await converge(ctx, networkLoadBalancerKind, [nlbTask(net, { securityGroups: [] })], netRefs(net));
    const plan = await planKind(nextRun(ctx), networkLoadBalancerKind, [nlbTask(net)], netRefs(net));
    expect(plan[0]?.action).toBe('replace');
    expect(plan[0]?.fields.find((f) => f.forcesReplacement)?.field).toBe('securityGroupsAttached');

    // An executor that hands apply the replace with the old actual state: apply deletes it first
    // (the AWS name must be free), then creates; waitForReady waits for `active`.
    const old = plan[0]!.actual!;
    const task = nlbTask(net, { waitForReady: true });
    const after = await networkLoadBalancerKind.apply(ctx, { action: 'replace', name: task.name, desired: task.desired, actual: old, fields: plan[0]!.fields, refs: netRefs(net) });
    expect(after.arn).not.toBe(old.arn);
    expect(after.state).toBe('active');
    expect(after.securityGroups).toEqual([net.securityGroup]);
    const all = (await ctx.clients.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    expect(all.map((l) => l.LoadBalancerArn)).toEqual([after.arn]);
  });

  it('adds a security group to a load balancer created with one in place (SetSecurityGroups), keeping its ARN', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const { outputs } = await expectIdempotent(ctx, networkLoadBalancerKind, [nlbTask(net)], netRefs(net));
    const arn = outputs[`NetworkLoadBalancer/api.${CLUSTER}`]?.arn ?? '';
    const extra = (await ctx.clients.ec2.send(new CreateSecurityGroupCommand({ VpcId: net.vpcId, GroupName: 'users-extra', Description: 'extra' }))).GroupId ?? '';
    const wider = nlbTask(net, { securityGroups: [ref('SecurityGroup', `api-elb.${CLUSTER}`), extra] });
    const plan = await planKind(nextRun(ctx), networkLoadBalancerKind, [wider], netRefs(net));
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => f.field)).toEqual(['securityGroups']);
    ctx.aws.counter.reset();
    await expectIdempotent(nextRun(ctx), networkLoadBalancerKind, [wider], netRefs(net));
    expect(ctx.aws.counter.counts.get('elbv2:SetSecurityGroupsCommand')).toBe(1);
    const lb = (await ctx.clients.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))).LoadBalancers?.[0];
    expect([...(lb?.SecurityGroups ?? [])].sort()).toEqual([net.securityGroup, extra].sort());
  });

  it('sees drift behind its back (attribute changed, tag overwritten, load balancer deleted) and restores it', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const task = nlbTask(net);
    const { outputs } = await expectIdempotent(ctx, networkLoadBalancerKind, [task], netRefs(net));
    const arn = outputs[`NetworkLoadBalancer/api.${CLUSTER}`]?.arn ?? '';

    await ctx.clients.elbv2.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: 'false' }] }));
    await ctx.clients.elbv2.send(new AddTagsCommand({ ResourceArns: [arn], Tags: [{ Key: 'team', Value: 'someone-else' }] }));
    const plan = await planKind(nextRun(ctx), networkLoadBalancerKind, [task], netRefs(net));
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => f.field).sort()).toEqual(['crossZoneLoadBalancing', 'tags']);
    await expectIdempotent(nextRun(ctx), networkLoadBalancerKind, [task], netRefs(net));
    expect(await crossZone(ctx, arn)).toBe('true');

    await ctx.clients.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
    const gone = await planKind(nextRun(ctx), networkLoadBalancerKind, [task], netRefs(net));
    expect(gone[0]?.action).toBe('create');
  });

  it('finds every load balancer with one listing: calls do not grow with the number of tasks', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const tasks = ['api', 'api2', 'api3'].map((p) => nlbTask(net, { loadBalancerName: `${p}-lb` }, `${p}.${CLUSTER}`));

    const count = async (ts: Task<NetworkLoadBalancerDesired>[]) => {
      ctx.aws.counter.reset();
      await networkLoadBalancerKind.find(nextRun(ctx), ts);
      return Object.fromEntries(ctx.aws.counter.counts);
    };
    // Nothing exists yet: one listing, whatever the number of tasks.
    expect(await count(tasks.slice(0, 1))).toEqual(await count(tasks));

    await converge(ctx, networkLoadBalancerKind, tasks, netRefs(net));
    const one = await count(tasks.slice(0, 1));
    const three = await count(tasks);
    expect(one['elbv2:DescribeLoadBalancersCommand']).toBe(1);
    expect(three['elbv2:DescribeLoadBalancersCommand']).toBe(1);
    expect(three['elbv2:DescribeTagsCommand']).toBe(one['elbv2:DescribeTagsCommand']);
    // Attributes have no batched describe: one per load balancer found.
    expect(one['elbv2:DescribeLoadBalancerAttributesCommand']).toBe(1);
    expect(three['elbv2:DescribeLoadBalancerAttributesCommand']).toBe(3);
  });

  it('ignores load balancers of other clusters, and of nobody, that carry the same Name tag', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const name = `api.${CLUSTER}`;
    await ctx.clients.elbv2.send(
      new CreateLoadBalancerCommand({ Name: 'other', Type: 'network', Subnets: net.subnets.slice(0, 2), Tags: [{ Key: 'Name', Value: name }, { Key: 'KubernetesCluster', Value: 'other.example.com' }] }),
    );
    await ctx.clients.elbv2.send(new CreateLoadBalancerCommand({ Name: 'nobody', Type: 'network', Subnets: net.subnets.slice(0, 2), Tags: [{ Key: 'Name', Value: name }] }));
    const found = await networkLoadBalancerKind.find(ctx, [nlbTask(net)]);
    expect(found.size).toBe(0);
  });

  it('finds a shared load balancer by ARN and never changes it', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const made = await ctx.clients.elbv2.send(new CreateLoadBalancerCommand({ Name: 'users-lb', Type: 'network', Scheme: 'internal', Subnets: net.subnets.slice(0, 2) }));
    const arn = made.LoadBalancers?.[0]?.LoadBalancerArn ?? '';
    const task: Task<NetworkLoadBalancerDesired> = { ...nlbTask(net, { id: arn }), shared: true };
    const plan = await planKind(ctx, networkLoadBalancerKind, [task], netRefs(net));
    expect(plan[0]?.action).toBe('noop');
    expect(networkLoadBalancerKind.outputs((await networkLoadBalancerKind.find(ctx, [task])).get(task.name)!).arn).toBe(arn);
  });

  it('deletes, and deleting what is already gone succeeds', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    await converge(ctx, networkLoadBalancerKind, [nlbTask(net)], netRefs(net));
    const actual = (await networkLoadBalancerKind.find(nextRun(ctx), [nlbTask(net)])).get(`api.${CLUSTER}`);
    expect(actual).toBeDefined();
    await networkLoadBalancerKind.delete!(ctx, actual!);
    await networkLoadBalancerKind.delete!(ctx, actual!);
    expect((await networkLoadBalancerKind.find(nextRun(ctx), [nlbTask(net)])).size).toBe(0);
  });
});
