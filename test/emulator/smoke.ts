/**
 * The checks every emulator must pass for the suite to mean anything, run against the suite's
 * emulator (moto by default) on every run, and against LocalStack whenever a Docker engine is
 * reachable (localstack.test.ts): one code path for both.
 *
 * - account isolation: two fresh accounts, each client names its own (accountAccess), STS says
 *   so and neither sees the other's VPC or image;
 * - images registered through RegisterImage resolve through the Image task's find, by
 *   `<owner>/<name pattern>`, in their own account only;
 * - an Auto Scaling group launches an instance from a launch template on the registered image.
 */
import { CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, CreateVpcCommand, DescribeInstancesCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { imageKind } from '../../src/tasks/aws/image.js';
import { newMemo } from '../../src/tasks/aws/context.js';
import { testAws, type EmulatorKind, type TestAws } from '../helpers/aws.js';
import { registerTestImages } from './images.js';

export interface SmokeFacts {
  readonly accounts: readonly [string, string];
  /** What STS GetCallerIdentity said for each. */
  readonly callers: readonly [string | undefined, string | undefined];
  /** VPCs of the CIDR created in the first account, as each account sees them. */
  readonly vpcsSeen: readonly [number, number];
  readonly registered: { readonly imageId: string; readonly ownerId: string; readonly spec: string };
  /** The Image task's find of the registered image's spec (with a `*` for its date), from each account. */
  readonly imageFound: readonly [string | undefined, string | undefined];
  /** The image of the instance the group launched. */
  readonly launchedImage: string | undefined;
}

const taskCtx = (aws: TestAws) => ({ clients: aws.clients, clusterName: 'smoke.example.com', region: 'us-east-1', once: newMemo() });

export async function emulatorSmoke(endpoint: string, emulator: EmulatorKind): Promise<SmokeFacts> {
  const a = testAws({ endpoint, emulator });
  const b = testAws({ endpoint, emulator });
  const callers = [
    (await a.clients.sts.send(new GetCallerIdentityCommand({}))).Account,
    (await b.clients.sts.send(new GetCallerIdentityCommand({}))).Account,
  ] as const;
  const cidr = '10.77.0.0/16';
  await a.clients.ec2.send(new CreateVpcCommand({ CidrBlock: cidr }));
  const seen = async (t: TestAws) => (await t.clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: [cidr] }] }))).Vpcs?.length ?? 0;
  const vpcsSeen = [await seen(a), await seen(b)] as const;

  const images = await registerTestImages(a.clients.ec2);
  const amd64 = images.find((i) => i.architecture === 'x86_64' && i.name.includes('noble'));
  if (!amd64) throw new Error('smoke: the fixture has no Ubuntu 24.04 amd64 image');
  const pattern = amd64.spec.replace(/\d{8}$/, '*');
  const task = { kind: 'Image', name: 'nodes', desired: { spec: pattern }, shared: true } as const;
  const imageFound = [
    (await imageKind.find(taskCtx(a), [task])).get('nodes')?.id,
    (await imageKind.find(taskCtx(b), [task])).get('nodes')?.id,
  ] as const;

  const lt = await a.clients.ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'smoke', LaunchTemplateData: { ImageId: amd64.imageId, InstanceType: 't3.medium' } }));
  await a.clients.autoscaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'smoke', MinSize: 1, MaxSize: 1, DesiredCapacity: 1, AvailabilityZones: ['us-east-1a'],
      LaunchTemplate: { LaunchTemplateId: lt.LaunchTemplate?.LaunchTemplateId, Version: '$Default' },
    }),
  );
  const group = await a.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['smoke'] }));
  const instanceId = group.AutoScalingGroups?.[0]?.Instances?.[0]?.InstanceId;
  const launched = instanceId ? await a.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })) : undefined;
  return {
    accounts: [a.account, b.account],
    callers,
    vpcsSeen,
    registered: { imageId: amd64.imageId, ownerId: amd64.ownerId, spec: amd64.spec },
    imageFound,
    launchedImage: launched?.Reservations?.[0]?.Instances?.[0]?.ImageId,
  };
}
