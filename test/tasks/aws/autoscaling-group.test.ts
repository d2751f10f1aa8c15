import {
  CreateAutoScalingGroupCommand,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DetachLoadBalancerTargetGroupsCommand,
  SetDesiredCapacityCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { CreateSubnetCommand, CreateVpcCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { CreateTargetGroupCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateLoadBalancerCommand as CreateElbCommand } from '@aws-sdk/client-elastic-load-balancing';
import { describe, expect, it, vi } from 'vitest';
import { ownershipTags } from '../../../src/tasks/aws/context.js';
import { autoscalingGroupKind, clampDesired, toActual, type AutoscalingGroupDesired } from '../../../src/tasks/aws/autoscaling-group.js';
import { diffTask } from '../../../src/tasks/diff.js';
import { launchTemplateKind } from '../../../src/tasks/aws/launch-template.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { isTryAgainLater } from '../../../src/tasks/retry.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const CLUSTER = 'asg.example.com';
type Ctx = ReturnType<typeof awsTestContext>;

/** A VPC with two subnets, an API target group and one launch template (made with its kind). */
async function prerequisites(ctx: Ctx) {
  const ec2 = ctx.clients.ec2;
  const image = await ec2.send(new RegisterImageCommand({ Name: 'kops-ts-asg-test', RootDeviceName: '/dev/xvda' }));
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.2.0.0/16' }))).Vpc?.VpcId ?? '';
  const subnet = async (cidr: string, zone: string) =>
    (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: zone }))).Subnet?.SubnetId ?? '';
  const a = await subnet('10.2.1.0/24', 'us-east-1a');
  const b = await subnet('10.2.2.0/24', 'us-east-1b');
  const tg = await ctx.clients.elbv2.send(new CreateTargetGroupCommand({ Name: 'tcp-asg-example-com', Protocol: 'TCP', Port: 443, VpcId: vpcId }));
  const tgArn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
  const lt: Task<Parameters<typeof launchTemplateKind.view>[0]> = {
    kind: 'LaunchTemplate',
    name: `control-plane-us-east-1a.masters.${CLUSTER}`,
    desired: { imageId: image.ImageId ?? '', instanceType: 't3.medium', securityGroupIds: [], tags: ownershipTags(CLUSTER) },
  };
  const ltOut = await converge(ctx, launchTemplateKind, [lt]);
  const refs = staticRefs({
    ...ltOut,
    [`Subnet/us-east-1a.${CLUSTER}`]: { id: a },
    [`Subnet/us-east-1b.${CLUSTER}`]: { id: b },
    'TargetGroup/tcp-asg-example-com': { id: tgArn, arn: tgArn },
  });
  return { refs, ltId: ltOut[`LaunchTemplate/${lt.name}`]?.id ?? '', subnets: { a, b }, tgArn };
}

function group(ig: string, over: Partial<AutoscalingGroupDesired> = {}): Task<AutoscalingGroupDesired> {
  const name = `${ig}.masters.${CLUSTER}`;
  return {
    kind: 'AutoscalingGroup',
    name,
    desired: {
      launchTemplate: ref('LaunchTemplate', `control-plane-us-east-1a.masters.${CLUSTER}`),
      minSize: 0,
      maxSize: 1,
      subnets: [ref('Subnet', `us-east-1a.${CLUSTER}`)],
      targetGroupArns: [ref('TargetGroup', 'tcp-asg-example-com', 'arn')],
      tags: { Name: name, ...ownershipTags(CLUSTER), 'k8s.io/role/control-plane': '1', 'kops.k8s.io/instancegroup': ig },
      ...over,
    },
  };
}

async function describeGroup(ctx: Ctx, name: string) {
  const out = await ctx.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  return out.AutoScalingGroups?.[0];
}

describe('AutoscalingGroup', () => {
  it('creates a group at minSize from the default template version, tagged for launch, and plans no change next', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs, ltId, subnets, tgArn } = await prerequisites(ctx);
    const task = group('control-plane-us-east-1a', { minSize: 1, maxSize: 1 });
    const { outputs } = await expectIdempotent(ctx, autoscalingGroupKind, [task], refs);

    const g = await describeGroup(ctx, task.name);
    expect(g?.LaunchTemplate).toMatchObject({ LaunchTemplateId: ltId, Version: '$Default' });
    expect([g?.MinSize, g?.MaxSize, g?.DesiredCapacity]).toEqual([1, 1, 1]);
    expect(g?.VPCZoneIdentifier).toBe(subnets.a);
    expect(g?.TargetGroupARNs).toEqual([tgArn]);
    expect(g?.Tags?.find((t) => t.Key === 'kops.k8s.io/instancegroup')).toMatchObject({ Value: 'control-plane-us-east-1a', PropagateAtLaunch: true });
    expect(outputs[`AutoscalingGroup/${task.name}`]).toMatchObject({ id: task.name, name: task.name });
    expect(outputs[`AutoscalingGroup/${task.name}`]?.arn).toMatch(/^arn:aws:autoscaling:/);
  });

  it('updates sizes, subnets, tags, target groups and suspended processes in place', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs, subnets } = await prerequisites(ctx);
    const base = group('nodes');
    await converge(ctx, autoscalingGroupKind, [base], refs);

    const changed = group('nodes', {
      maxSize: 3,
      subnets: [ref('Subnet', `us-east-1b.${CLUSTER}`), ref('Subnet', `us-east-1a.${CLUSTER}`)],
      targetGroupArns: [],
      tags: { ...base.desired.tags, 'k8s.io/cluster-autoscaler/node-template/label/pool': 'blue' },
      suspendProcesses: ['AZRebalance'],
    });
    const [plan] = await planKind(nextRun(ctx), autoscalingGroupKind, [changed], refs);
    expect(plan?.action).toBe('update');
    expect(plan?.fields.map((f) => f.field)).toEqual(['maxSize', 'nodeTemplateTagKeys', 'subnets', 'suspendProcesses', 'tags', 'targetGroupArns']);
    await expectIdempotent(nextRun(ctx), autoscalingGroupKind, [changed], refs);

    const g = await describeGroup(ctx, changed.name);
    expect(g?.MaxSize).toBe(3);
    expect(g?.VPCZoneIdentifier?.split(',').sort()).toEqual([subnets.a, subnets.b].sort());
    expect(g?.TargetGroupARNs).toEqual([]);
    expect(g?.SuspendedProcesses?.map((p) => p.ProcessName)).toEqual(['AZRebalance']);
    expect(g?.Tags?.find((t) => t.Key === 'k8s.io/cluster-autoscaler/node-template/label/pool')?.PropagateAtLaunch).toBe(true);

    // An empty list resumes what was suspended.
    await expectIdempotent(nextRun(ctx), autoscalingGroupKind, [group('nodes', { ...changed.desired, suspendProcesses: [] })], refs);
    expect((await describeGroup(ctx, changed.name))?.SuspendedProcesses).toEqual([]);
  });

  it('creates and updates the group settings in place: capacity rebalancing, scale-in protection', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await prerequisites(ctx);
    const on = group('nodes', { capacityRebalance: true, newInstancesProtectedFromScaleIn: true });
    await expectIdempotent(ctx, autoscalingGroupKind, [on], refs);
    expect(await describeGroup(ctx, on.name)).toMatchObject({ CapacityRebalance: true, NewInstancesProtectedFromScaleIn: true });

    // Unset means AWS's default: the spec owns them, so removing them turns them off.
    const off = group('nodes');
    const [plan] = await planKind(nextRun(ctx), autoscalingGroupKind, [off], refs);
    expect(plan?.fields.map((f) => [f.field, f.before, f.after])).toEqual([
      ['capacityRebalance', true, false],
      ['newInstancesProtectedFromScaleIn', true, false],
    ]);
    const send = vi.spyOn(ctx.clients.autoscaling, 'send');
    await converge(nextRun(ctx), autoscalingGroupKind, [off], refs);
    const update = send.mock.calls.map(([cmd]) => cmd).find((cmd) => cmd instanceof UpdateAutoScalingGroupCommand);
    expect(update?.input).toMatchObject({ CapacityRebalance: false, NewInstancesProtectedFromScaleIn: false });
    send.mockRestore();
    // moto 5.2.1 ignores CapacityRebalance in an update (docs/aws-errors.md); AWS applies it.
    expect((await describeGroup(ctx, on.name))?.NewInstancesProtectedFromScaleIn).toBe(false);
  });

  it('sends the maximum instance lifetime on create and update; an answer carrying it plans no change, removing it plans 0', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await prerequisites(ctx);
    const week = group('nodes', { maxInstanceLifetime: 604_800 });
    const send = vi.spyOn(ctx.clients.autoscaling, 'send');
    await converge(ctx, autoscalingGroupKind, [week], refs);
    const sent = (type: new (...args: never[]) => { input: object }) => send.mock.calls.map(([cmd]) => cmd).filter((cmd) => cmd instanceof type).map((cmd) => (cmd as { input: object }).input);
    expect(sent(CreateAutoScalingGroupCommand)).toEqual([expect.objectContaining({ MaxInstanceLifetime: 604_800 })]);
    // moto 5.2.1 neither stores nor returns MaxInstanceLifetime (docs/aws-errors.md): the update is checked on the request.
    await converge(nextRun(ctx), autoscalingGroupKind, [group('nodes', { maxInstanceLifetime: 1_209_600 })], refs);
    expect(sent(UpdateAutoScalingGroupCommand)).toEqual([expect.objectContaining({ MaxInstanceLifetime: 1_209_600 })]);
    send.mockRestore();
    // What AWS answers once the lifetime is set: nothing left to change.
    const answer = toActual({ AutoScalingGroupName: week.name, MinSize: 0, MaxSize: 1, VPCZoneIdentifier: refs.known(week.desired.subnets[0]!), MaxInstanceLifetime: 604_800 } as AutoScalingGroup);
    const change = diffTask(autoscalingGroupKind, week, answer, refs);
    expect(change.fields.map((f) => f.field)).not.toContain('maxInstanceLifetime');
    expect(diffTask(autoscalingGroupKind, group('nodes'), answer, refs).fields.find((f) => f.field === 'maxInstanceLifetime')).toMatchObject({ before: 604_800, after: 0 });
  });

  it("attaches the user's classic load balancers and target groups beside its own, and detaches one the spec drops", async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs, subnets, tgArn } = await prerequisites(ctx);
    const elb = await ctx.clients.elb();
    await elb.send(new CreateElbCommand({ LoadBalancerName: 'legacy-ingress', Listeners: [{ Protocol: 'TCP', LoadBalancerPort: 80, InstancePort: 30080 }], Subnets: [subnets.a] }));
    const withElb = group('nodes', { loadBalancerNames: ['legacy-ingress'] });
    await expectIdempotent(ctx, autoscalingGroupKind, [withElb], refs);
    expect(await describeGroup(ctx, withElb.name)).toMatchObject({ LoadBalancerNames: ['legacy-ingress'], TargetGroupARNs: [tgArn] });

    const dropped = group('nodes', { loadBalancerNames: [] });
    const [plan] = await planKind(nextRun(ctx), autoscalingGroupKind, [dropped], refs);
    expect(plan?.fields.map((f) => f.field)).toEqual(['loadBalancerNames']);
    await expectIdempotent(nextRun(ctx), autoscalingGroupKind, [dropped], refs);
    expect((await describeGroup(ctx, withElb.name))?.LoadBalancerNames).toEqual([]);
  });

  it("deletes the autoscaler's node-template tags the spec no longer has, and leaves other tags alone", async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await prerequisites(ctx);
    const taint = 'k8s.io/cluster-autoscaler/node-template/taint/dedicated';
    const label = 'k8s.io/cluster-autoscaler/node-template/label/pool';
    const base = group('nodes', { targetGroupArns: [], tags: { ...group('nodes').desired.tags, [taint]: 'gpu:NoSchedule', [label]: 'blue' } });
    await converge(ctx, autoscalingGroupKind, [base], refs);
    // A tag someone else put on the group.
    await ctx.clients.autoscaling.send(
      new CreateOrUpdateTagsCommand({ Tags: [{ ResourceId: base.name, ResourceType: 'auto-scaling-group', Key: 'team', Value: 'infra', PropagateAtLaunch: false }] }),
    );
    const { [taint]: _gone, ...rest } = base.desired.tags;
    const without = group('nodes', { targetGroupArns: [], tags: rest });
    const [plan] = await planKind(nextRun(ctx), autoscalingGroupKind, [without], refs);
    expect(plan?.fields.map((f) => [f.field, f.before, f.after])).toEqual([['nodeTemplateTagKeys', [label, taint], [label]]]);
    await expectIdempotent(nextRun(ctx), autoscalingGroupKind, [without], refs);
    const tags = new Map(((await describeGroup(ctx, base.name))?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags.has(taint)).toBe(false);
    expect(tags.get(label)).toBe('blue');
    expect(tags.get('team')).toBe('infra');
  });

  it('leaves the desired capacity to the autoscaler, clamping it only into [min, max]', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await prerequisites(ctx);
    const task = group('nodes', { minSize: 0, maxSize: 3, targetGroupArns: [] });
    await converge(ctx, autoscalingGroupKind, [task], refs);
    await ctx.clients.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: task.name, DesiredCapacity: 2 }));
    const [noop] = await planKind(nextRun(ctx), autoscalingGroupKind, [task], refs);
    expect(noop?.action).toBe('noop');

    await converge(nextRun(ctx), autoscalingGroupKind, [group('nodes', { minSize: 0, maxSize: 1, targetGroupArns: [] })], refs);
    expect((await describeGroup(ctx, task.name))?.DesiredCapacity).toBe(1);
  });

  it('clamps the desired capacity only when it falls outside the bounds', () => {
    expect(clampDesired(2, 0, 3)).toBeUndefined();
    expect(clampDesired(0, 1, 3)).toBe(1);
    expect(clampDesired(5, 1, 3)).toBe(3);
  });

  it('re-attaches a target group detached behind its back', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs, tgArn } = await prerequisites(ctx);
    const task = group('control-plane-us-east-1a');
    await converge(ctx, autoscalingGroupKind, [task], refs);
    await ctx.clients.autoscaling.send(new DetachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: task.name, TargetGroupARNs: [tgArn] }));
    const [plan] = await planKind(nextRun(ctx), autoscalingGroupKind, [task], refs);
    expect(plan?.fields).toEqual([expect.objectContaining({ field: 'targetGroupArns', before: [], after: [tgArn] })]);
    await expectIdempotent(nextRun(ctx), autoscalingGroupKind, [task], refs);
    expect((await describeGroup(ctx, task.name))?.TargetGroupARNs).toEqual([tgArn]);
  });

  it('finds with one call however many groups, and only the cluster\'s own', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs, ltId, subnets } = await prerequisites(ctx);
    const three = ['a', 'b', 'c'].map((ig) => group(ig, { targetGroupArns: [] }));
    await converge(ctx, autoscalingGroupKind, three, refs);
    // Same name as a task, but another cluster's group: not ours.
    const stranger = group('d');
    await ctx.clients.autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: stranger.name,
        MinSize: 0,
        MaxSize: 1,
        LaunchTemplate: { LaunchTemplateId: ltId },
        VPCZoneIdentifier: subnets.a,
        Tags: [{ Key: 'KubernetesCluster', Value: 'other.example.com' }],
      }),
    );
    const counts: number[] = [];
    for (const tasks of [three.slice(0, 1), [...three, stranger]]) {
      ctx.aws.counter.reset();
      const found = await autoscalingGroupKind.find(nextRun(ctx), tasks);
      expect([...found.keys()].sort()).toEqual(tasks.filter((t) => t !== stranger).map((t) => t.name).sort());
      counts.push(ctx.aws.counter.total());
    }
    expect(counts).toEqual([1, 1]);
  });

  it('force-deletes a group with its instances; deleting it again is fine', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await prerequisites(ctx);
    const task = group('nodes', { minSize: 1, targetGroupArns: [] });
    await converge(ctx, autoscalingGroupKind, [task], refs);
    const actual = (await autoscalingGroupKind.find(nextRun(ctx), [task])).get(task.name);
    expect(actual?.desiredCapacity).toBe(1);
    if (!actual) return;
    await autoscalingGroupKind.delete?.(ctx, actual);
    await autoscalingGroupKind.delete?.(ctx, actual);
    expect((await autoscalingGroupKind.find(nextRun(ctx), [task])).size).toBe(0);
  });

  it('waits for AWS to finish deleting a group (its instances terminate first), asking to delete only once', async () => {
    // moto deletes at once; AWS takes minutes. A scripted client plays AWS's answers.
    const answers = [
      { AutoScalingGroups: [{ AutoScalingGroupName: 'g' }] }, // before: present, not being deleted
      {}, // DeleteAutoScalingGroup
      { AutoScalingGroups: [{ AutoScalingGroupName: 'g', Status: 'Delete in progress', Instances: [{}, {}] }] },
      { AutoScalingGroups: [{ AutoScalingGroupName: 'g', Status: 'Delete in progress', Instances: [{}] }] }, // the retry
      { AutoScalingGroups: [] }, // gone
    ];
    const sent: string[] = [];
    const autoscaling = { send: async (cmd: object) => { sent.push(cmd.constructor.name); return answers.shift(); } };
    const ctx = { ...awsTestContext(CLUSTER), clients: { autoscaling } } as unknown as Ctx;
    const actual = { name: 'g', arn: '', minSize: 0, maxSize: 0, desiredCapacity: 0, subnets: [], targetGroupArns: [], loadBalancerNames: [], tags: {}, suspendedProcesses: [], capacityRebalance: false, newInstancesProtectedFromScaleIn: false, maxInstanceLifetime: 0 };
    const first = await autoscalingGroupKind.delete!(ctx, actual).catch((e: unknown) => e);
    expect(isTryAgainLater(first)).toBe(true);
    expect((first as Error).message).toContain('2 instance(s) left');
    await autoscalingGroupKind.delete!(ctx, actual);
    expect(sent).toEqual(['DescribeAutoScalingGroupsCommand', 'DeleteAutoScalingGroupCommand', 'DescribeAutoScalingGroupsCommand', 'DescribeAutoScalingGroupsCommand', 'DescribeAutoScalingGroupsCommand']);
  });

  it('claims as orphans only the cluster\'s instance-group groups that no task describes', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await prerequisites(ctx);
    const kept = group('kept', { targetGroupArns: [] });
    const removed = group('removed', { targetGroupArns: [] });
    const tags = { ...ownershipTags(CLUSTER) };
    // Carries the cluster's tags but is no instance group's: not ours to delete.
    const foreign = group('foreign', { targetGroupArns: [], tags: { Name: 'foreign', ...tags } });
    await converge(ctx, autoscalingGroupKind, [kept, removed, foreign], refs);
    const orphans = await autoscalingGroupKind.findOrphans!(nextRun(ctx), [kept], new Map());
    expect(orphans.map((o) => o.name)).toEqual([removed.name]);
    expect(await autoscalingGroupKind.findOrphans!(nextRun(ctx), [kept, removed], new Map())).toEqual([]);
  });
});
