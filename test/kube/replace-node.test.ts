/**
 * The Kubernetes side of replacing one node, end to end against the AWS emulator: the fake API
 * server's Nodes follow the emulator's instances, so taint, cordon and drain a node, terminate its
 * instance in its autoscaling group (which launches a replacement), and the shared check sees the
 * replacement join (NotReady, then Ready) and the old Node go.
 */
import { CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, CreateSubnetCommand, CreateVpcCommand, DescribeImagesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { kubeOps } from '../../src/kube/ops.js';
import { clusterValidator } from '../../src/kube/validate.js';
import type { InstanceGroup } from '../../src/model/api/types.js';
import type { CloudInstanceGroup, CloudProvider } from '../../src/rolling-update/types.js';
import { ec2InstanceSource } from '../fakes/kube-apiserver.js';
import { testAws, type TestAws } from '../helpers/aws.js';
import { SimClock } from '../helpers/sim-clock.js';
import { CLUSTER, startKube, type KubeFixture } from './kube-setup.js';

let fx: KubeFixture | undefined;
afterEach(async () => {
  await fx?.fake.close();
  fx = undefined;
});

const IG: Pick<InstanceGroup, 'metadata' | 'spec'> = { metadata: { name: 'nodes-us-east-1a' }, spec: { role: 'Node', minSize: 2, maxSize: 2 } };
const ASG = `nodes-us-east-1a.${CLUSTER}`;

/** Just enough of a CloudProvider for the check: the group as DescribeAutoScalingGroups has it. */
function emulatorGroups(aws: TestAws): CloudProvider {
  return {
    name: 'aws',
    async listGroups(): Promise<CloudInstanceGroup[]> {
      const g = (await aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [ASG] }))).AutoScalingGroups![0]!;
      const ids = (g.Instances ?? []).map((i) => i.InstanceId!);
      const described = (await aws.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }))).Reservations!.flatMap((r) => r.Instances ?? []);
      const live = described.filter((i) => i.State?.Name === 'running' || i.State?.Name === 'pending');
      return [
        {
          name: IG.metadata.name,
          role: 'Node',
          cloudName: ASG,
          minSize: g.MinSize!,
          maxSize: g.MaxSize!,
          targetSize: g.DesiredCapacity!,
          instances: live.map((i) => ({ id: i.InstanceId!, group: IG.metadata.name, status: 'UpToDate', state: 'InService', ...(i.PrivateDnsName ? { nodeName: i.PrivateDnsName } : {}) })),
        },
      ];
    },
    detach: async () => undefined,
    terminate: async () => undefined,
    deregister: async () => undefined,
  };
}

describe('replacing a node (emulator-backed Nodes)', () => {
  it('drains the old node, and the check follows the replacement from NotReady to Ready', async () => {
    const aws = testAws();
    const { ec2, autoscaling } = aws.clients;
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '172.20.0.0/16' }))).Vpc!.VpcId!;
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '172.20.32.0/19', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: ASG, LaunchTemplateData: { ImageId: image, InstanceType: 't3.medium' } }));
    await autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: ASG,
        LaunchTemplate: { LaunchTemplateName: ASG, Version: '$Latest' },
        MinSize: 2,
        MaxSize: 2,
        DesiredCapacity: 2,
        VPCZoneIdentifier: subnet,
        Tags: [
          { Key: 'kops.k8s.io/instancegroup', Value: IG.metadata.name, PropagateAtLaunch: true },
          { Key: 'k8s.io/role/node', Value: '1', PropagateAtLaunch: true },
        ],
      }),
    );
    fx = await startKube({ instances: ec2InstanceSource(ec2), joinRequests: 3 });
    const ops = kubeOps(fx.client);
    const validator = clusterValidator({ clusterName: CLUSTER, instanceGroups: [IG], cloud: emulatorGroups(aws), client: fx.client });

    // The first Nodes are joining.
    const joining = await validator.validate();
    expect(joining.failures.map((f) => f.kind)).toEqual(['Node', 'Node']);
    let r = await validator.validate();
    for (let i = 0; i < 5 && r.failures.length > 0; i++) r = await validator.validate();
    expect(r.failures).toEqual([]);
    const before = await ops.listNodes();
    expect(before).toHaveLength(2);
    const victim = before[0]!;
    expect(victim.instanceGroup).toBe(IG.metadata.name);

    fx.fake.addPod({ name: 'web-1', node: victim.name, labels: { app: 'web' }, owner: 'ReplicaSet/web' });
    fx.fake.addPod({ namespace: 'kube-system', name: 'ds-1', node: victim.name, owner: 'DaemonSet/ds', priorityClassName: 'system-node-critical' });
    await ops.taintForUpdate(victim.name);
    await ops.cordon(victim.name);
    await ops.drain(victim.name, { timeoutMs: 60_000, clock: new SimClock() });
    expect(fx.fake.podsOn(victim.name)).toEqual(['kube-system/ds-1']);

    await autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim.instanceId!, ShouldDecrementDesiredCapacity: false }));
    const after = await validator.validate();
    const names = after.nodes.map((n) => n.name);
    expect(names).not.toContain(victim.name);
    expect(after.failures).toEqual([expect.objectContaining({ kind: 'Node', message: expect.stringMatching(/of role "node" is not ready$/), instanceGroup: IG.metadata.name })]);
    r = after;
    for (let i = 0; i < 5 && r.failures.length > 0; i++) r = await validator.validate();
    expect(r.failures).toEqual([]);
    const now = (await ops.listNodes()).map((n) => n.instanceId);
    expect(now).toHaveLength(2);
    expect(now).not.toContain(victim.instanceId);
  });
});
