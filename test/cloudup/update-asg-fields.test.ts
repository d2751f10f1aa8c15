/**
 * The instance-group fields kops-ts acts on through the autoscaling group and the launch template,
 * end to end on the emulator: after `update cluster --yes` the group really carries them, the plan
 * of a change names only the changed fields, and the next plan is empty.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { InstanceGroup } from '../../src/model/api/types.js';
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
    await applyAndConverge(c);
  }, 180_000);

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
