/**
 * AutoscalingGroup with a mixed-instances policy (autoscaling-mixed.ts) on moto: created with the
 * policy as sent, updated in place (types, distribution, Spot price), switched to and from a plain
 * launch template in place, and a no-op plan after each apply.
 */
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateSubnetCommand, CreateVpcCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { ownershipTags } from '../../../src/tasks/aws/context.js';
import { autoscalingGroupKind, type AutoscalingGroupDesired } from '../../../src/tasks/aws/autoscaling-group.js';
import { mixedActual, mixedRequest } from '../../../src/tasks/aws/autoscaling-mixed.js';
import { launchTemplateKind } from '../../../src/tasks/aws/launch-template.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const CLUSTER = 'mixed.example.com';
type Ctx = ReturnType<typeof awsTestContext>;
const LT = `nodes.${CLUSTER}`;

async function prerequisites(ctx: Ctx) {
  const ec2 = ctx.clients.ec2;
  const image = await ec2.send(new RegisterImageCommand({ Name: 'kops-ts-mixed-test', RootDeviceName: '/dev/xvda' }));
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.3.0.0/16' }))).Vpc?.VpcId ?? '';
  const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.3.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet?.SubnetId ?? '';
  const lt: Task<Parameters<typeof launchTemplateKind.view>[0]> = {
    kind: 'LaunchTemplate',
    name: LT,
    desired: { imageId: image.ImageId ?? '', instanceType: 't3.large', securityGroupIds: [], tags: ownershipTags(CLUSTER) },
  };
  const ltOut = await converge(ctx, launchTemplateKind, [lt]);
  const refs = staticRefs({ ...ltOut, [`Subnet/us-east-1a.${CLUSTER}`]: { id: subnet } });
  return { refs, ltId: ltOut[`LaunchTemplate/${LT}`]?.id ?? '' };
}

function group(over: Partial<AutoscalingGroupDesired> = {}): Task<AutoscalingGroupDesired> {
  const name = `nodes.${CLUSTER}`;
  return {
    kind: 'AutoscalingGroup',
    name,
    desired: {
      launchTemplate: ref('LaunchTemplate', LT),
      minSize: 1,
      maxSize: 3,
      subnets: [ref('Subnet', `us-east-1a.${CLUSTER}`)],
      tags: { Name: name, ...ownershipTags(CLUSTER), 'kops.k8s.io/instancegroup': 'nodes' },
      ...over,
    },
  };
}

async function describeGroup(ctx: Ctx, name: string) {
  const out = await ctx.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  return out.AutoScalingGroups?.[0];
}

const SPOT = { instanceTypes: ['t3.large', 'm5.large'], onDemandBase: 1, onDemandAboveBase: 0, spotAllocationStrategy: 'capacity-optimized', spotMaxPrice: '0.08' };

describe('AutoscalingGroup with a mixed-instances policy', () => {
  it('creates the group with the policy as sent (the types as overrides, AWS defaults filled in) and plans no change next', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs, ltId } = await prerequisites(ctx);
    const task = group({ mixedInstancesPolicy: SPOT });
    await expectIdempotent(ctx, autoscalingGroupKind, [task], refs);

    const g = await describeGroup(ctx, task.name);
    expect(g?.LaunchTemplate).toBeUndefined();
    expect(g?.MixedInstancesPolicy).toEqual({
      LaunchTemplate: {
        LaunchTemplateSpecification: { LaunchTemplateId: ltId, LaunchTemplateName: LT, Version: '$Default' },
        Overrides: [{ InstanceType: 't3.large' }, { InstanceType: 'm5.large' }],
      },
      InstancesDistribution: {
        OnDemandAllocationStrategy: 'prioritized',
        OnDemandBaseCapacity: 1,
        OnDemandPercentageAboveBaseCapacity: 0,
        SpotAllocationStrategy: 'capacity-optimized',
        SpotMaxPrice: '0.08',
      },
    });
  });

  it('updates types, distribution and Spot price in place, keeps the policy when only the sizes move, and removes the price with ""', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await prerequisites(ctx);
    await converge(ctx, autoscalingGroupKind, [group({ mixedInstancesPolicy: SPOT })], refs);

    const changed = group({ mixedInstancesPolicy: { instanceTypes: ['m5.large', 'm5a.large', 't3.large'], spotAllocationStrategy: 'lowest-price', spotInstancePools: 3, spotMaxPrice: '0.1' } });
    const [plan] = await planKind(nextRun(ctx), autoscalingGroupKind, [changed], refs);
    expect(plan?.action).toBe('update');
    expect(plan?.fields.map((f) => `${f.field}: ${JSON.stringify(f.before)} -> ${JSON.stringify(f.after)}`)).toEqual([
      'mixedInstanceTypes: ["t3.large","m5.large"] -> ["m5.large","m5a.large","t3.large"]',
      'onDemandAboveBase: 0 -> 100',
      'onDemandBase: 1 -> 0',
      'spotAllocationStrategy: "capacity-optimized" -> "lowest-price"',
      'spotInstancePools: null -> 3',
      'spotMaxPrice: "0.08" -> "0.1"',
    ]);
    await expectIdempotent(nextRun(ctx), autoscalingGroupKind, [changed], refs);
    let g = await describeGroup(ctx, changed.name);
    expect(g?.MixedInstancesPolicy?.LaunchTemplate?.Overrides?.map((o) => o.InstanceType)).toEqual(['m5.large', 'm5a.large', 't3.large']);
    expect(g?.MixedInstancesPolicy?.InstancesDistribution).toMatchObject({ OnDemandBaseCapacity: 0, OnDemandPercentageAboveBaseCapacity: 100, SpotInstancePools: 3, SpotMaxPrice: '0.1' });

    // Only the sizes: the update carries the whole policy, which stays as it was.
    const bigger = group({ ...changed.desired, maxSize: 5 });
    await expectIdempotent(nextRun(ctx), autoscalingGroupKind, [bigger], refs);
    g = await describeGroup(ctx, changed.name);
    expect(g?.MaxSize).toBe(5);
    expect(g?.MixedInstancesPolicy?.LaunchTemplate?.Overrides).toHaveLength(3);

    const { spotMaxPrice: _, ...noPrice } = bigger.desired.mixedInstancesPolicy!;
    await expectIdempotent(nextRun(ctx), autoscalingGroupKind, [group({ ...bigger.desired, mixedInstancesPolicy: noPrice })], refs);
    g = await describeGroup(ctx, changed.name);
    expect(mixedActual(g!)?.spotMaxPrice).toBeUndefined();
  });

  it('switches a plain group to a mixed one and back in place, never replacing it', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs, ltId } = await prerequisites(ctx);
    const plain = group();
    await converge(ctx, autoscalingGroupKind, [plain], refs);
    const arn = (await describeGroup(ctx, plain.name))?.AutoScalingGroupARN;

    const mixed = group({ mixedInstancesPolicy: { instanceTypes: ['t3.large', 'm5.large'] } });
    const [toMixed] = await planKind(nextRun(ctx), autoscalingGroupKind, [mixed], refs);
    expect(toMixed?.action).toBe('update');
    expect(toMixed?.fields.map((f) => f.field)).toContain('mixedInstanceTypes');
    await expectIdempotent(nextRun(ctx), autoscalingGroupKind, [mixed], refs);
    let g = await describeGroup(ctx, plain.name);
    expect(g?.AutoScalingGroupARN).toBe(arn);
    // AWS answers with the policy alone; moto also keeps the group's old LaunchTemplate (docs/aws-errors.md).
    expect(g?.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.LaunchTemplateId).toBe(ltId);

    const [toPlain] = await planKind(nextRun(ctx), autoscalingGroupKind, [plain], refs);
    expect(toPlain?.action).toBe('update');
    expect(toPlain?.fields.find((f) => f.field === 'mixedInstanceTypes')).toMatchObject({ before: ['t3.large', 'm5.large'], after: null });
    await expectIdempotent(nextRun(ctx), autoscalingGroupKind, [plain], refs);
    g = await describeGroup(ctx, plain.name);
    expect(g?.AutoScalingGroupARN).toBe(arn);
    expect(g?.MixedInstancesPolicy).toBeUndefined();
    expect(g?.LaunchTemplate).toMatchObject({ LaunchTemplateId: ltId, Version: '$Default' });
  });
});

describe('the mixed policy request', () => {
  it('sends SpotInstancePools only with lowest-price, and "" to remove a maximum price', () => {
    const lowest = mixedRequest({ instanceTypes: ['t3.large'] }, 'lt-1', '$Default').InstancesDistribution;
    expect(lowest).toEqual({ OnDemandAllocationStrategy: 'prioritized', OnDemandBaseCapacity: 0, OnDemandPercentageAboveBaseCapacity: 100, SpotAllocationStrategy: 'lowest-price', SpotInstancePools: 2, SpotMaxPrice: '' });
    expect(mixedRequest({ instanceTypes: ['t3.large'], spotAllocationStrategy: 'price-capacity-optimized' }, 'lt-1', '$Default').InstancesDistribution?.SpotInstancePools).toBeUndefined();
  });

  it('reads AWS\'s answer without SpotMaxPrice (unset) as moto\'s "" ', () => {
    const base = { AutoScalingGroupName: 'g', MinSize: 0, MaxSize: 0, DesiredCapacity: 0, DefaultCooldown: 0, AvailabilityZones: [], HealthCheckType: 'EC2', CreatedTime: new Date() };
    const aws = mixedActual({ ...base, MixedInstancesPolicy: { InstancesDistribution: { SpotAllocationStrategy: 'lowest-price' } } });
    const moto = mixedActual({ ...base, MixedInstancesPolicy: { InstancesDistribution: { SpotAllocationStrategy: 'lowest-price', SpotMaxPrice: '' } } });
    expect(aws).toEqual(moto);
    expect(aws?.spotMaxPrice).toBeUndefined();
  });
});
