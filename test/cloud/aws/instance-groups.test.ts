/**
 * The rolling update's AWS cloud (src/cloud/aws/instance-groups.ts) against the emulator: a real
 * cluster built by `update cluster`, a spec change that gives the node group a new launch template
 * version, then each of the roll's cloud effects checked with the raw SDK. The steps build on
 * each other (one cluster keeps the file fast): sequential tests, one describe.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsCallRecorder } from '../../../src/cloud/aws/call-scope.js';
import { AwsClients } from '../../../src/cloud/aws/clients.js';
import { AwsCloudProvider, DETACHED_STATE, TAG_DETACHED_FROM_ASG } from '../../../src/cloud/aws/instance-groups.js';
import { operatorPolicy } from '../../../src/cloudup/aws/operator-policy.js';
import type { CloudInstance, CloudInstanceGroup, Clock } from '../../../src/rolling-update/types.js';
import { ROLLING_UPDATE_ACTIONS } from '../../../src/tasks/aws/iam-actions.js';
import { evaluate } from '../../helpers/iam-sim.js';
import { applyAndConverge, setupCluster, tagMap, type E2ECluster } from '../../cloudup/update-helpers.js';

const NAME = 'roll.example.com';
const NODES = 'nodes-us-east-1a';
const CONTROL_PLANE = 'control-plane-us-east-1a';
const NODES_ASG = `${NODES}.${NAME}`;
const CONTROL_PLANE_ASG = `${CONTROL_PLANE}.masters.${NAME}`;

/** A clock that only moves when slept on, counting the sleeps. */
function fakeClock(): Clock & { slept: number[] } {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

describe('AwsCloudProvider on the emulator', () => {
  let c: E2ECluster;
  let cloud: AwsCloudProvider;
  const recorder = new AwsCallRecorder();

  beforeAll(async () => {
    c = await setupCluster({ name: NAME, zones: ['us-east-1a'], nodeCount: 2 });
    await applyAndConverge(c);
    cloud = new AwsCloudProvider(new AwsClients({ ...c.aws.options, hooks: [...(c.aws.options.hooks ?? []), recorder.hook] }));
  }, 120_000);

  async function asg(name: string): Promise<AutoScalingGroup> {
    const out = await c.aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
    return out.AutoScalingGroups![0]!;
  }
  async function ec2Instance(id: string): Promise<Instance> {
    const out = await c.aws.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    return out.Reservations![0]!.Instances![0]!;
  }
  async function group(name: string): Promise<CloudInstanceGroup> {
    const g = (await cloud.listGroups(NAME)).find((x) => x.name === name);
    if (!g) throw new Error(`no group ${name}`);
    return g;
  }
  const line = (i: CloudInstance) => `${i.status} ${i.state}`;

  it('lists the groups by instance group, with sizes, roles and every instance up to date', async () => {
    const groups = await cloud.listGroups(NAME);
    expect(groups.map((g) => `${g.name} ${g.role} ${g.cloudName} ${g.minSize}/${g.targetSize}/${g.maxSize}`)).toEqual([
      `${CONTROL_PLANE} ControlPlane ${CONTROL_PLANE_ASG} 1/1/1`,
      `${NODES} Node ${NODES_ASG} 2/2/2`,
    ]);
    const nodes = groups[1]!;
    expect(nodes.instances.map(line)).toEqual(['UpToDate InService', 'UpToDate InService']);
    for (const i of nodes.instances) {
      const raw = await ec2Instance(i.id);
      expect(i.group).toBe(NODES);
      expect(i.machineType).toBe('t3.medium');
      expect(i.privateIp).toBe(raw.PrivateIpAddress);
      expect(i.nodeName).toBe(raw.PrivateDnsName);
      expect(i.providerId).toBe(`aws:///us-east-1a/${i.id}`);
    }
  });

  it('lists only the groups asked for, with the role the caller gives', async () => {
    const groups = await cloud.listGroups(NAME, [{ name: NODES, role: 'Node' }, { name: 'not-in-the-cloud', role: 'Node' }]);
    expect(groups.map((g) => g.name)).toEqual([NODES]);
    expect(await cloud.listGroups('other.example.com')).toEqual([]);
  });

  it('reports the instances as NeedsUpdate once the group launches a newer template version', async () => {
    // moto cannot launch from a version made by CreateLaunchTemplateVersion that carries user data
    // (docs/aws-errors.md), and every version update cluster makes does: so the replacements of
    // the next steps come from a version made here without user data, as the new default.
    const ec2 = c.aws.clients.ec2;
    const v1 = (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: NODES_ASG, Versions: ['$Default'] }))).LaunchTemplateVersions![0]!;
    const v2 = await ec2.send(
      new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: v1.LaunchTemplateId, LaunchTemplateData: { ImageId: v1.LaunchTemplateData!.ImageId, InstanceType: 't3.large' } }),
    );
    const version = String(v2.LaunchTemplateVersion!.VersionNumber);
    await ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: v1.LaunchTemplateId, DefaultVersion: version }));
    const groups = await cloud.listGroups(NAME);
    expect(groups.find((g) => g.name === NODES)!.instances.map(line)).toEqual(['NeedsUpdate InService', 'NeedsUpdate InService']);
    expect(groups.find((g) => g.name === CONTROL_PLANE)!.instances.map(line)).toEqual(['UpToDate InService']);
  });

  it('detach tags the instance, takes it out of the group without lowering the desired capacity, and lists it as Detached', async () => {
    const before = await group(NODES);
    const victim = before.instances[0]!;
    await cloud.detach(before, victim);

    expect(tagMap((await ec2Instance(victim.id)).Tags)[TAG_DETACHED_FROM_ASG]).toBe(NODES_ASG);
    const raw = await asg(NODES_ASG);
    expect(raw.DesiredCapacity).toBe(2);
    expect(raw.Instances!.map((i) => i.InstanceId)).not.toContain(victim.id);

    const after = await group(NODES);
    expect(after.targetSize).toBe(2);
    const detached = after.instances.find((i) => i.id === victim.id);
    expect(detached).toMatchObject({ status: 'Detached', state: DETACHED_STATE, group: NODES, nodeName: victim.nodeName });
    // moto, like AWS, launches the replacement at once: from the new version, so up to date.
    const others = after.instances.filter((i) => i.id !== victim.id).map(line).sort();
    expect(others).toEqual(['NeedsUpdate InService', 'UpToDate InService']);

    // Idempotent: a second detach (a resumed roll) changes nothing.
    await cloud.detach(after, detached!);
    expect((await asg(NODES_ASG)).Instances).toHaveLength(2);
  });

  it('terminate of a detached instance terminates it through EC2, and it is no longer listed', async () => {
    const g = await group(NODES);
    const detached = g.instances.find((i) => i.status === 'Detached')!;
    await cloud.terminate(g, detached);
    expect(['shutting-down', 'terminated']).toContain((await ec2Instance(detached.id)).State?.Name);
    expect((await group(NODES)).instances.map((i) => i.id)).not.toContain(detached.id);
    // Already gone, and never existed: both count as terminated.
    await cloud.terminate(g, detached);
    await cloud.terminate(g, { ...detached, id: 'i-0123456789abcdef0' });
  });

  it('terminate of an attached instance makes the group replace it from the new version, desired capacity kept', async () => {
    const g = await group(NODES);
    const old = g.instances.find((i) => i.status === 'NeedsUpdate')!;
    await cloud.terminate(g, old);
    expect(['shutting-down', 'terminated']).toContain((await ec2Instance(old.id)).State?.Name);
    const raw = await asg(NODES_ASG);
    expect(raw.DesiredCapacity).toBe(2);
    expect(raw.Instances!.map((i) => i.InstanceId)).not.toContain(old.id);
    const after = await group(NODES);
    expect(after.instances.map(line)).toEqual(['UpToDate InService', 'UpToDate InService']);
    for (const i of after.instances) expect((await ec2Instance(i.id)).InstanceType).toBe('t3.large');
  });

  it('an attached instance already tagged as detached (detach interrupted) is listed Detached, and detach finishes it', async () => {
    const g = await group(NODES);
    const half = g.instances[0]!;
    await c.aws.clients.ec2.send(new CreateTagsCommand({ Resources: [half.id], Tags: [{ Key: TAG_DETACHED_FROM_ASG, Value: NODES_ASG }] }));
    const listed = (await group(NODES)).instances.find((i) => i.id === half.id)!;
    expect(line(listed)).toBe('Detached InService');
    await cloud.detach(g, listed);
    expect((await asg(NODES_ASG)).Instances!.map((i) => i.InstanceId)).not.toContain(half.id);
    expect(line((await group(NODES)).instances.find((i) => i.id === half.id)!)).toBe(`Detached ${DETACHED_STATE}`);
  });

  it('deregister takes a control plane out of the API target group and returns once it is unused', async () => {
    const g = await group(CONTROL_PLANE);
    const cp = g.instances[0]!;
    const arns = (await asg(CONTROL_PLANE_ASG)).TargetGroupARNs ?? [];
    expect(arns.length).toBeGreaterThan(0);
    const health = async (arn: string) =>
      (await c.aws.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions ?? [];
    for (const arn of arns) expect((await health(arn)).map((d) => d.Target?.Id)).toContain(cp.id);

    const clock = fakeClock();
    await cloud.deregister(g, cp, clock);
    for (const arn of arns) expect((await health(arn)).map((d) => d.Target?.Id)).not.toContain(cp.id);
    // Again (a resumed roll): not registered any more, still fine.
    await cloud.deregister(g, cp, clock);
    // A node group has no target group: nothing to do.
    const nodes = await group(NODES);
    await cloud.deregister(nodes, nodes.instances[0]!, clock);
    expect(clock.slept).toEqual([]);
  });

  it('after a spec change (a new launch template version from update cluster), reports the old instances NeedsUpdate', async () => {
    const current = await c.cs.getInstanceGroup(NAME, NODES);
    await c.cs.updateInstanceGroup(NAME, { ...current.object, spec: { ...current.object.spec, machineType: 't3.xlarge' } }, current.version);
    await applyAndConverge(c);
    const groups = await cloud.listGroups(NAME);
    // The instance detached in the previous step stays Detached: the roll finishes it first.
    expect(groups.find((g) => g.name === NODES)!.instances.map(line).sort()).toEqual(['Detached Detached', 'NeedsUpdate InService', 'NeedsUpdate InService']);
    expect(groups.find((g) => g.name === CONTROL_PLANE)!.instances.map(line)).toEqual(['UpToDate InService']);
  });

  it('calls only the declared rolling-update actions, and the operator policy allows them', async () => {
    const called = [...new Set(recorder.calls.flatMap((x) => x.actions))].sort();
    expect(called.filter((a) => !ROLLING_UPDATE_ACTIONS.includes(a))).toEqual([]);
    for (const a of ['autoscaling:DetachInstances', 'autoscaling:TerminateInstanceInAutoScalingGroup', 'ec2:CreateTags', 'ec2:TerminateInstances', 'elasticloadbalancing:DeregisterTargets']) {
      expect(called).toContain(a);
    }
    const policy = operatorPolicy({ stateStore: { bucket: 'b', prefix: 'kops' } });
    const results = await Promise.all(called.map(async (a) => `${a}: ${await evaluate(policy, { action: a })}`));
    expect(results.filter((r) => !r.endsWith('Allowed'))).toEqual([]);
  });
});
