import {
  CreateTargetGroupCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { targetGroupName } from '../../../src/tasks/aws/elb-listing.js';
import { KOPS_API_HEALTH_CHECK, KOPS_TARGET_GROUP_ATTRIBUTES, targetGroupKind, type TargetGroupDesired } from '../../../src/tasks/aws/target-group.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';
import { clusterTags, makeNetwork, type Network } from './lb-fixtures.js';

const CLUSTER = 'tg.example.com';

function tgTask(prefix = 'tcp', over: Partial<TargetGroupDesired> = {}): Task<TargetGroupDesired> {
  const name = targetGroupName(CLUSTER, prefix);
  return {
    kind: 'TargetGroup',
    name,
    desired: {
      name,
      vpc: ref('VPC', CLUSTER),
      protocol: 'TCP',
      port: 443,
      healthCheck: KOPS_API_HEALTH_CHECK,
      attributes: KOPS_TARGET_GROUP_ATTRIBUTES,
      tags: clusterTags(CLUSTER, name),
      ...over,
    },
  };
}

const vpcRefs = (net: Network) => staticRefs({ [`VPC/${CLUSTER}`]: { id: net.vpcId } });

async function attribute(ctx: ReturnType<typeof awsTestContext>, arn: string, key: string): Promise<string | undefined> {
  const out = await ctx.clients.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }));
  return out.Attributes?.find((a) => a.Key === key)?.Value;
}

describe('TargetGroup', () => {
  it('creates kops\'s API target group (TCP 443, TCP health check 10 s, 2/2, deregistration 30 s), then plans no change', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const task = tgTask();
    const { outputs } = await expectIdempotent(ctx, targetGroupKind, [task], vpcRefs(net));
    const out = outputs[`TargetGroup/${task.name}`];
    expect(out?.name).toBe(task.name);
    expect(out?.name?.length).toBeLessThanOrEqual(32);
    expect(out?.id).toBe(out?.arn);

    const tg = (await ctx.clients.elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [out?.arn ?? ''] }))).TargetGroups?.[0];
    expect(tg).toMatchObject({ Protocol: 'TCP', Port: 443, VpcId: net.vpcId, TargetType: 'instance', HealthCheckProtocol: 'TCP', HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2 });
    expect(await attribute(ctx, out?.arn ?? '', 'deregistration_delay.timeout_seconds')).toBe('30');
    expect(await attribute(ctx, out?.arn ?? '', 'deregistration_delay.connection_termination.enabled')).toBe('true');
  });

  it('creating makes two requests, one after the other, and returns what a fresh read finds (no re-read after the create)', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const task = tgTask();
    ctx.aws.counter.reset();
    const applied = await targetGroupKind.apply(ctx, { action: 'create', name: task.name, desired: task.desired, fields: [], refs: vpcRefs(net) });
    expect([...ctx.aws.counter.counts]).toEqual([['elbv2:CreateTargetGroupCommand', 1], ['elbv2:ModifyTargetGroupAttributesCommand', 1]]);
    const found = (await targetGroupKind.find(nextRun(ctx), [task])).get(task.name);
    expect(found).toBeDefined();
    // Attributes compare on the keys kops sets (the group has more): those, and every other field, as read.
    const view = (a: typeof applied) => {
      const v = targetGroupKind.actualView(a) as Record<string, unknown>;
      const attrs = v.attributes as Record<string, string>;
      return { ...v, attributes: Object.fromEntries(Object.keys(KOPS_TARGET_GROUP_ATTRIBUTES).map((k) => [k, attrs[k]])) };
    };
    expect(view(applied)).toEqual(view(found!));
    expect(view(applied).attributes).toEqual(KOPS_TARGET_GROUP_ATTRIBUTES);
    expect(targetGroupKind.outputs(applied)).toEqual(targetGroupKind.outputs(found!));
  });

  it('changes the health check in place (kops-controller\'s HTTPS /healthz) and restores drifted attributes', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const { outputs } = await expectIdempotent(ctx, targetGroupKind, [tgTask()], vpcRefs(net));
    const arn = outputs[`TargetGroup/${tgTask().name}`]?.arn ?? '';

    const https = tgTask('tcp', { healthCheck: { ...KOPS_API_HEALTH_CHECK, protocol: 'HTTPS', path: '/healthz', unhealthyThreshold: 3 } });
    const plan = await planKind(nextRun(ctx), targetGroupKind, [https], vpcRefs(net));
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => f.field).sort()).toEqual(['healthCheckPath', 'healthCheckProtocol', 'unhealthyThreshold']);
    const again = await expectIdempotent(nextRun(ctx), targetGroupKind, [https], vpcRefs(net));
    expect(again.outputs[`TargetGroup/${https.name}`]?.arn).toBe(arn);
    const tg = (await ctx.clients.elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }))).TargetGroups?.[0];
    expect(tg).toMatchObject({ HealthCheckProtocol: 'HTTPS', HealthCheckPath: '/healthz', UnhealthyThresholdCount: 3 });

    // Drift: someone puts the deregistration delay back to AWS's 300 s and changes the interval.
    await ctx.clients.elbv2.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '300' }] }));
    await ctx.clients.elbv2.send(new ModifyTargetGroupCommand({ TargetGroupArn: arn, HealthCheckIntervalSeconds: 30 }));
    const drift = await planKind(nextRun(ctx), targetGroupKind, [https], vpcRefs(net));
    expect(drift[0]?.fields.map((f) => f.field).sort()).toEqual(['attributes', 'healthCheckIntervalSeconds']);
    await expectIdempotent(nextRun(ctx), targetGroupKind, [https], vpcRefs(net));
    expect(await attribute(ctx, arn, 'deregistration_delay.timeout_seconds')).toBe('30');
  });

  it('replaces the target group when its port changes', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const { outputs } = await expectIdempotent(ctx, targetGroupKind, [tgTask()], vpcRefs(net));
    const oldArn = outputs[`TargetGroup/${tgTask().name}`]?.arn;
    const moved = tgTask('tcp', { port: 8443 });
    const plan = await planKind(nextRun(ctx), targetGroupKind, [moved], vpcRefs(net));
    expect(plan[0]?.action).toBe('replace');
    expect(plan[0]?.fields).toEqual([expect.objectContaining({ field: 'port', before: 443, after: 8443, forcesReplacement: true })]);
    const after = await expectIdempotent(nextRun(ctx), targetGroupKind, [moved], vpcRefs(net));
    expect(after.outputs[`TargetGroup/${moved.name}`]?.arn).not.toBe(oldArn);
  });

  it('shows an unknown VPC when the VPC is still to be created', async () => {
    const ctx = awsTestContext(CLUSTER);
    const plan = await planKind(ctx, targetGroupKind, [tgTask()]);
    expect(plan[0]?.action).toBe('create');
    expect(String(plan[0]?.fields.find((f) => f.field === 'vpc')?.after)).toBe('(known after apply)');
  });

  it('finds all target groups with one listing: calls do not grow with the number of tasks', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const tasks = ['tcp', 'tls', 'kops-controller'].map((p) => tgTask(p));
    const count = async (ts: Task<TargetGroupDesired>[]) => {
      ctx.aws.counter.reset();
      await targetGroupKind.find(nextRun(ctx), ts);
      return Object.fromEntries(ctx.aws.counter.counts);
    };
    expect(await count(tasks.slice(0, 1))).toEqual(await count(tasks));
    await converge(ctx, targetGroupKind, tasks, vpcRefs(net));
    const one = await count(tasks.slice(0, 1));
    const three = await count(tasks);
    for (const c of [one, three]) {
      expect(c['elbv2:DescribeTargetGroupsCommand']).toBe(1);
      expect(c['elbv2:DescribeLoadBalancersCommand']).toBe(1);
      expect(c['elbv2:DescribeTagsCommand']).toBe(1);
    }
    // Attributes have no batched describe: one per target group found.
    expect(three['elbv2:DescribeTargetGroupAttributesCommand']).toBe(3);
  });

  it('finds a shared target group by ARN and never changes it', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const made = await ctx.clients.elbv2.send(new CreateTargetGroupCommand({ Name: 'users-tg', Protocol: 'TCP', Port: 80, VpcId: net.vpcId }));
    const arn = made.TargetGroups?.[0]?.TargetGroupArn ?? '';
    const task: Task<TargetGroupDesired> = { ...tgTask('tcp', { id: arn }), shared: true };
    const plan = await planKind(ctx, targetGroupKind, [task], vpcRefs(net));
    expect(plan[0]?.action).toBe('noop');
    expect(plan[0]?.actual?.arn).toBe(arn);
  });

  it('does not adopt a target group of another cluster with the same name tag', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    const task = tgTask();
    await ctx.clients.elbv2.send(
      new CreateTargetGroupCommand({ Name: 'elsewhere', Protocol: 'TCP', Port: 443, VpcId: net.vpcId, Tags: [{ Key: 'Name', Value: task.name }, { Key: 'KubernetesCluster', Value: 'other.example.com' }] }),
    );
    expect((await targetGroupKind.find(ctx, [task])).size).toBe(0);
  });

  it('deletes, and deleting what is already gone succeeds', async () => {
    const ctx = awsTestContext(CLUSTER);
    const net = await makeNetwork(ctx);
    await converge(ctx, targetGroupKind, [tgTask()], vpcRefs(net));
    const actual = (await targetGroupKind.find(nextRun(ctx), [tgTask()])).get(tgTask().name)!;
    await targetGroupKind.delete!(ctx, actual);
    await targetGroupKind.delete!(ctx, actual);
    expect((await targetGroupKind.find(nextRun(ctx), [tgTask()])).size).toBe(0);
  });
});
