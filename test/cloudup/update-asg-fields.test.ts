/**
 * The instance-group fields kops-ts acts on through the autoscaling group and the launch template,
 * end to end on the emulator: after `update cluster --yes` the group really carries them, the plan
 * of a change names only the changed fields, and the next plan is empty.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { InstanceGroup } from '../../src/model/api/types.js';
import { DescribeLaunchTemplateVersionsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { CreateLoadBalancerCommand as CreateElbCommand } from '@aws-sdk/client-elastic-load-balancing';
import { CreateTargetGroupCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsCloudProvider } from '../../src/cloud/aws/instance-groups.js';
import { applyAndConverge, changeLines, setupCluster, type E2ECluster } from './update-helpers.js';

const NAME = 'asgfields.example.com';
const NODES = 'nodes-us-east-1a';
const ASG = `AutoscalingGroup/${NODES}.${NAME}`;

async function editGroup(c: E2ECluster, ig: string, edit: (spec: InstanceGroup['spec']) => InstanceGroup['spec']): Promise<void> {
  const current = await c.cs.getInstanceGroup(c.name, ig);
  await c.cs.updateInstanceGroup(c.name, { ...current.object, spec: edit({ ...current.object.spec }) }, current.version);
}

async function nodesGroup(c: E2ECluster): Promise<AutoScalingGroup | undefined> {
  const out = await c.aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`${NODES}.${NAME}`] }));
  return out.AutoScalingGroups?.[0];
}

describe('update cluster: autoscaling-group and launch-template fields on the emulator', () => {
  let c: E2ECluster;
  beforeAll(async () => {
    c = await setupCluster({ name: NAME, zones: ['us-east-1a'] });
    // Set before the group exists: moto 5.2.1 takes CapacityRebalance on create only (docs/aws-errors.md).
    await editGroup(c, NODES, (spec) => ({ ...spec, capacityRebalance: true, instanceProtection: true }));
    await applyAndConverge(c);
  }, 180_000);

  it('capacityRebalance and instanceProtection: the group carries them, its instances are protected from scale-in', async () => {
    const g = await nodesGroup(c);
    expect(g).toMatchObject({ CapacityRebalance: true, NewInstancesProtectedFromScaleIn: true });
    expect(g?.Instances?.map((i) => i.ProtectedFromScaleIn)).toEqual([true]);
  });

  it("the rolling update still replaces a protected instance: scale-in protection does not cover the group's replacement", async () => {
    const cloud = new AwsCloudProvider(c.aws.clients);
    const group = (await cloud.listGroups(NAME)).find((x) => x.name === NODES)!;
    const [instance] = group.instances;
    await cloud.terminate(group, instance!);
    const after = await nodesGroup(c);
    expect(after?.Instances?.map((i) => i.InstanceId)).not.toContain(instance!.id);
    expect(after?.DesiredCapacity).toBe(1);
  });

  it('instanceProtection: false turns it off in place (new instances only); the next plan is empty', async () => {
    await editGroup(c, NODES, (spec) => ({ ...spec, instanceProtection: false }));
    expect(changeLines((await c.update(false)).plan)).toEqual([`${ASG}: update newInstancesProtectedFromScaleIn`]);
    await applyAndConverge(c);
    expect((await nodesGroup(c))?.NewInstancesProtectedFromScaleIn).toBe(false);
  });

  it('detailedInstanceMonitoring, cpuCredits, tenancy: a new launch template version carries them; the next plan is empty', async () => {
    await editGroup(c, NODES, (spec) => ({ ...spec, detailedInstanceMonitoring: true, cpuCredits: 'unlimited', tenancy: 'dedicated' }));
    expect(changeLines((await c.update(false)).plan)).toEqual([`LaunchTemplate/${NODES}.${NAME}: update cpuCredits,detailedMonitoring,tenancy`]);
    await applyAndConverge(c);
    const out = await c.aws.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: `${NODES}.${NAME}`, Versions: ['$Default'] }));
    expect(out.LaunchTemplateVersions?.[0]?.LaunchTemplateData).toMatchObject({
      Monitoring: { Enabled: true },
      CreditSpecification: { CpuCredits: 'unlimited' },
      Placement: { Tenancy: 'dedicated' },
    });
  }, 120_000);

  it("externalLoadBalancers: the group registers with the user's classic load balancer and target group, detaches them once removed; the next plan is empty", async () => {
    const vpc = (await c.aws.clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:KubernetesCluster', Values: [NAME] }] }))).Vpcs?.[0]?.VpcId;
    const tg = await c.aws.clients.elbv2.send(new CreateTargetGroupCommand({ Name: 'ingress', Protocol: 'TCP', Port: 30443, VpcId: vpc }));
    const arn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
    const elb = await c.aws.clients.elb();
    await elb.send(new CreateElbCommand({ LoadBalancerName: 'legacy-ingress', Listeners: [{ Protocol: 'TCP', LoadBalancerPort: 80, InstancePort: 30080 }], AvailabilityZones: ['us-east-1a'] }));
    await editGroup(c, NODES, (spec) => ({ ...spec, externalLoadBalancers: [{ loadBalancerName: 'legacy-ingress' }, { targetGroupArn: arn }] }));
    expect(changeLines((await c.update(false)).plan)).toEqual([`${ASG}: update loadBalancerNames,targetGroupArns`]);
    await applyAndConverge(c);
    expect(await nodesGroup(c)).toMatchObject({ LoadBalancerNames: ['legacy-ingress'], TargetGroupARNs: [arn] });
    // Removed from the spec: detached, as kops does.
    await editGroup(c, NODES, ({ externalLoadBalancers: _e, ...spec }) => spec);
    await applyAndConverge(c);
    expect(await nodesGroup(c)).toMatchObject({ LoadBalancerNames: [], TargetGroupARNs: [] });
  }, 120_000);

  it('suspendProcesses: suspends the listed processes in place, resumes a removed one; the next plan is empty', async () => {
    await editGroup(c, NODES, (spec) => ({ ...spec, suspendProcesses: ['AZRebalance', 'ScheduledActions'] }));
    expect(changeLines((await c.update(false)).plan)).toEqual([`${ASG}: update suspendProcesses`]);
    await applyAndConverge(c);
    expect((await nodesGroup(c))?.SuspendedProcesses?.map((p) => p.ProcessName).sort()).toEqual(['AZRebalance', 'ScheduledActions']);
    await editGroup(c, NODES, (spec) => ({ ...spec, suspendProcesses: ['AZRebalance'] }));
    await applyAndConverge(c);
    expect((await nodesGroup(c))?.SuspendedProcesses?.map((p) => p.ProcessName)).toEqual(['AZRebalance']);
    // Removed from the spec: resumed, as kops does.
    await editGroup(c, NODES, ({ suspendProcesses: _p, ...spec }) => spec);
    await applyAndConverge(c);
    expect((await nodesGroup(c))?.SuspendedProcesses ?? []).toEqual([]);
  }, 120_000);
});
