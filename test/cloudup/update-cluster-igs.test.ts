/**
 * Instance groups on an existing cluster: `update cluster --instance-group <node group>` plans
 * against the whole spec (etcd volumes keep their control-plane zones), and a deleted instance
 * group's autoscaling group and launch template are planned as deletions and deleted by the next
 * `update cluster --yes` — never with `--instance-group`.
 */
import { describe, expect, it } from 'vitest';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplatesCommand } from '@aws-sdk/client-ec2';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { applyAndConverge, changeLines, setupCluster } from './update-helpers.js';

describe('update cluster and instance groups', () => {
  it('plans --instance-group on an existing cluster, then deletes a deleted group\'s resources on the next full update', async () => {
    const c = await setupCluster({ name: 'igs.example.com', zones: ['us-east-1a', 'us-east-1b'], controlPlaneZones: ['us-east-1a'] });
    await applyAndConverge(c);
    const { region: _region, ...aws } = c.aws.options;
    const only = (groups: string[]) => updateCluster({ clientset: c.cs, clusterName: c.name, aws, instanceGroups: groups });

    // The control-plane group is not selected, yet the etcd volumes keep its zone: nothing to do.
    const nodesOnly = await only(['nodes-us-east-1a']);
    expect(changeLines(nodesOnly.plan)).toEqual([]);
    expect(nodesOnly.plan.unchanged).toContain('EBSVolume/a.etcd-main.igs.example.com');

    const gone = 'nodes-us-east-1b.igs.example.com';
    const ig = await c.cs.getInstanceGroup(c.name, 'nodes-us-east-1b');
    await c.cs.deleteInstanceGroup(c.name, 'nodes-us-east-1b', ig.version);

    // A selection plans no deletion.
    expect(changeLines((await only(['nodes-us-east-1a'])).plan)).toEqual([]);

    const planned = await c.update(false);
    expect(changeLines(planned.plan)).toEqual([`AutoscalingGroup/${gone}: delete `, `LaunchTemplate/${gone}: delete `]);

    await applyAndConverge(c);
    const groups = await c.aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}));
    expect((groups.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName).sort()).toEqual([
      'control-plane-us-east-1a.masters.igs.example.com',
      'nodes-us-east-1a.igs.example.com',
    ]);
    const templates = await c.aws.clients.ec2.send(new DescribeLaunchTemplatesCommand({}));
    expect((templates.LaunchTemplates ?? []).map((t) => t.LaunchTemplateName)).not.toContain(gone);
    expect((templates.LaunchTemplates ?? []).map((t) => t.LaunchTemplateName)).toContain('nodes-us-east-1a.igs.example.com');
  });

  it('a selection changes no cluster-wide resource: with a bastion, SSH stays behind it when only nodes are selected', async () => {
    const c = await setupCluster({ name: 'igs-bastion.example.com', zones: ['us-east-1a'], topology: 'private', bastion: true });
    await applyAndConverge(c);
    const { region: _region, ...aws } = c.aws.options;
    for (const selection of [{ instanceGroups: ['nodes-us-east-1a'] }, { instanceGroupRoles: ['Node'] }, { instanceGroupRoles: ['ControlPlane'] }]) {
      const r = await updateCluster({ clientset: c.cs, clusterName: c.name, aws, ...selection });
      // Before the fix, the bastion (not selected) vanished from the model: SSH from sshAccess was
      // planned straight onto masters and nodes, and the bastion's load balancer rules went away.
      expect(changeLines(r.plan), JSON.stringify(selection)).toEqual([]);
    }
    const nodesOnly = await updateCluster({ clientset: c.cs, clusterName: c.name, aws, instanceGroups: ['nodes-us-east-1a'] });
    const keys = [...nodesOnly.plan.unchanged];
    // The selected group's own resources are planned; the unselected groups' are not.
    expect(keys).toContain('AutoscalingGroup/nodes-us-east-1a.igs-bastion.example.com');
    expect(keys.filter((k) => k.startsWith('AutoscalingGroup/'))).toEqual(['AutoscalingGroup/nodes-us-east-1a.igs-bastion.example.com']);
    // The cluster-wide resources are still planned (and found unchanged).
    expect(keys).toContain('SecurityGroup/bastion.igs-bastion.example.com');
  });
});
