import { DeleteListenerCommand, DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { apiLoadBalancerAwsName, listenerTaskName, targetGroupName } from '../../../src/tasks/aws/elb-listing.js';
import { networkLoadBalancerListenerKind, type NetworkLoadBalancerListenerDesired } from '../../../src/tasks/aws/network-load-balancer-listener.js';
import { networkLoadBalancerKind, type NetworkLoadBalancerDesired } from '../../../src/tasks/aws/network-load-balancer.js';
import { KOPS_API_HEALTH_CHECK, targetGroupKind, type TargetGroupDesired } from '../../../src/tasks/aws/target-group.js';
import { ref, type Outputs, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';
import { clusterTags, makeNetwork } from './lb-fixtures.js';

const CLUSTER = 'lis.example.com';
const NLB = `api.${CLUSTER}`;

function lbTask(name = NLB, awsName = apiLoadBalancerAwsName(CLUSTER)): Task<NetworkLoadBalancerDesired> {
  return {
    kind: 'NetworkLoadBalancer',
    name,
    desired: { loadBalancerName: awsName, scheme: 'internet-facing', subnets: [ref('Subnet', 'a'), ref('Subnet', 'b')], tags: clusterTags(CLUSTER, name) },
  };
}

function tgTask(prefix: string): Task<TargetGroupDesired> {
  const name = targetGroupName(CLUSTER, prefix);
  return { kind: 'TargetGroup', name, desired: { name, vpc: ref('VPC', CLUSTER), protocol: 'TCP', port: 443, healthCheck: KOPS_API_HEALTH_CHECK, tags: clusterTags(CLUSTER, name) } };
}

function listenerTask(tgPrefix = 'tcp', port = 443, lb = NLB): Task<NetworkLoadBalancerListenerDesired> {
  return {
    kind: 'NetworkLoadBalancerListener',
    name: listenerTaskName(lb, port),
    desired: { loadBalancer: ref('NetworkLoadBalancer', lb, 'arn'), port, targetGroup: ref('TargetGroup', targetGroupName(CLUSTER, tgPrefix), 'arn') },
  };
}

/** The API load balancer with two target groups, made with their kinds; the refs a listener needs. */
async function setup(ctx: ReturnType<typeof awsTestContext>, lbs: Task<NetworkLoadBalancerDesired>[] = [lbTask()]) {
  const net = await makeNetwork(ctx);
  const netOut: Record<string, Outputs> = { 'Subnet/a': { id: net.subnets[0] }, 'Subnet/b': { id: net.subnets[1] }, [`VPC/${CLUSTER}`]: { id: net.vpcId } };
  const lbOut = await converge(ctx, networkLoadBalancerKind, lbs, staticRefs(netOut));
  const tgOut = await converge(ctx, targetGroupKind, [tgTask('tcp'), tgTask('tcp2'), tgTask('tcp3')], staticRefs(netOut));
  const outputs = { ...netOut, ...lbOut, ...tgOut };
  return { outputs, refs: staticRefs(outputs) };
}

describe('NetworkLoadBalancerListener', () => {
  it('forwards TCP 443 to the target group, then plans no change', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { outputs, refs } = await setup(ctx);
    const { outputs: out } = await expectIdempotent(nextRun(ctx), networkLoadBalancerListenerKind, [listenerTask()], refs);
    const arn = out[`NetworkLoadBalancerListener/${NLB}-443`]?.arn ?? '';
    const l = (await ctx.clients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [arn] }))).Listeners?.[0];
    expect(l).toMatchObject({ Port: 443, Protocol: 'TCP', LoadBalancerArn: outputs[`NetworkLoadBalancer/${NLB}`]?.arn });
    expect(l?.DefaultActions?.[0]).toMatchObject({ Type: 'forward', TargetGroupArn: outputs[`TargetGroup/${targetGroupName(CLUSTER, 'tcp')}`]?.arn });
  });

  it('moves to another target group in place with ModifyListener (no listener outage)', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { outputs, refs } = await setup(ctx);
    const first = await expectIdempotent(nextRun(ctx), networkLoadBalancerListenerKind, [listenerTask()], refs);
    const arn = first.outputs[`NetworkLoadBalancerListener/${NLB}-443`]?.arn;

    const moved = listenerTask('tcp2');
    const plan = await planKind(nextRun(ctx), networkLoadBalancerListenerKind, [moved], refs);
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => f.field)).toEqual(['targetGroup']);
    ctx.aws.counter.reset();
    const again = await expectIdempotent(nextRun(ctx), networkLoadBalancerListenerKind, [moved], refs);
    expect(ctx.aws.counter.counts.get('elbv2:ModifyListenerCommand')).toBe(1);
    expect(ctx.aws.counter.counts.has('elbv2:DeleteListenerCommand')).toBe(false);
    expect(again.outputs[`NetworkLoadBalancerListener/${NLB}-443`]?.arn).toBe(arn);
    const l = (await ctx.clients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [arn ?? ''] }))).Listeners?.[0];
    expect(l?.DefaultActions?.[0]?.TargetGroupArn).toBe(outputs[`TargetGroup/${targetGroupName(CLUSTER, 'tcp2')}`]?.arn);
  });

  it('plans a create when the listener was deleted behind its back, and when the load balancer is still to be made', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await setup(ctx);
    const { outputs } = await expectIdempotent(nextRun(ctx), networkLoadBalancerListenerKind, [listenerTask()], refs);
    await ctx.clients.elbv2.send(new DeleteListenerCommand({ ListenerArn: outputs[`NetworkLoadBalancerListener/${NLB}-443`]?.arn }));
    expect((await planKind(nextRun(ctx), networkLoadBalancerListenerKind, [listenerTask()], refs))[0]?.action).toBe('create');

    const fresh = awsTestContext(CLUSTER);
    const plan = await planKind(fresh, networkLoadBalancerListenerKind, [listenerTask()]);
    expect(plan[0]?.action).toBe('create');
    expect(String(plan[0]?.fields.find((f) => f.field === 'loadBalancer')?.after)).toBe('(known after apply)');
  });

  it('finds listeners with one DescribeListeners per load balancer, not per task', async () => {
    const ctx = awsTestContext(CLUSTER);
    const other = `api2.${CLUSTER}`;
    const { refs } = await setup(ctx, [lbTask(), lbTask(other, 'api2-lb')]);
    const tasks = [listenerTask('tcp', 443), listenerTask('tcp2', 3988), listenerTask('tcp', 8443), listenerTask('tcp3', 443, other)];
    await converge(nextRun(ctx), networkLoadBalancerListenerKind, tasks, refs);
    ctx.aws.counter.reset();
    const found = await networkLoadBalancerListenerKind.find(nextRun(ctx), tasks);
    expect([...found.keys()].sort()).toEqual(tasks.map((t) => t.name).sort());
    expect(ctx.aws.counter.counts.get('elbv2:DescribeListenersCommand')).toBe(2);
    expect(ctx.aws.counter.counts.get('elbv2:DescribeLoadBalancersCommand')).toBe(1);
    expect(ctx.aws.counter.counts.get('elbv2:DescribeTagsCommand')).toBe(1);
  });

  it('shares one ELBv2 listing between the three load-balancer kinds in a run', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await setup(ctx);
    await converge(nextRun(ctx), networkLoadBalancerListenerKind, [listenerTask()], refs);
    const run = nextRun(ctx);
    ctx.aws.counter.reset();
    const [lbs, tgs, listeners] = await Promise.all([
      networkLoadBalancerKind.find(run, [lbTask()]),
      targetGroupKind.find(run, [tgTask('tcp'), tgTask('tcp2')]),
      networkLoadBalancerListenerKind.find(run, [listenerTask()]),
    ]);
    expect([lbs.size, tgs.size, listeners.size]).toEqual([1, 2, 1]);
    expect(ctx.aws.counter.counts.get('elbv2:DescribeLoadBalancersCommand')).toBe(1);
    expect(ctx.aws.counter.counts.get('elbv2:DescribeTargetGroupsCommand')).toBe(1);
    expect(ctx.aws.counter.counts.get('elbv2:DescribeTagsCommand')).toBe(1);
  });

  it('is gone with its load balancer: deleting it then succeeds', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await setup(ctx);
    await converge(nextRun(ctx), networkLoadBalancerListenerKind, [listenerTask()], refs);
    const listener = (await networkLoadBalancerListenerKind.find(nextRun(ctx), [listenerTask()])).get(`${NLB}-443`)!;
    const lb = (await networkLoadBalancerKind.find(nextRun(ctx), [lbTask()])).get(NLB)!;
    await networkLoadBalancerKind.delete!(ctx, lb);
    await networkLoadBalancerListenerKind.delete!(ctx, listener);
    expect((await networkLoadBalancerListenerKind.find(nextRun(ctx), [listenerTask()])).size).toBe(0);
  });
});
