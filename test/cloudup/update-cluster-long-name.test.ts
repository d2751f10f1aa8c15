/**
 * A 90-character cluster name, as kops allows: every AWS name that would pass its service's limit
 * (IAM 64, load balancer and target group 32, ...) is fitted with kops's stable hash, the cluster
 * applies on the emulator, and the next plan is empty.
 */
import { describe, expect, it } from 'vitest';
import { ListRolesCommand, ListInstanceProfilesCommand } from '@aws-sdk/client-iam';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplatesCommand } from '@aws-sdk/client-ec2';
import { truncateName } from '../../src/tasks/aws/truncate.js';
import { applyAndConverge, securityGroupsByName, setupCluster } from './update-helpers.js';

const NAME = `${'x'.repeat(38)}.${'y'.repeat(39)}.example.com`;

describe('a long cluster name', () => {
  it('applies with every AWS name within its limit, and converges', async () => {
    expect(NAME.length).toBe(90);
    const c = await setupCluster({ name: NAME, zones: ['us-east-1a', 'us-east-1b'], controlPlaneZones: ['us-east-1a'], topology: 'private' });
    await applyAndConverge(c);

    const roles = (await c.aws.clients.iam.send(new ListRolesCommand({}))).Roles ?? [];
    const masters = truncateName(`masters.${NAME}`, 64);
    expect(masters).toHaveLength(64);
    expect(roles.map((r) => r.RoleName).sort()).toEqual([masters, truncateName(`nodes.${NAME}`, 64)].sort());
    const profiles = (await c.aws.clients.iam.send(new ListInstanceProfilesCommand({}))).InstanceProfiles ?? [];
    expect(profiles.map((p) => p.InstanceProfileName)).toContain(masters);

    const groups = (await c.aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
    expect(groups.map((g) => g.AutoScalingGroupName)).toContain(`control-plane-us-east-1a.masters.${NAME}`);
    const templates = (await c.aws.clients.ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? [];
    expect(templates.every((t) => (t.LaunchTemplateName ?? '').length <= 128)).toBe(true);
    expect([...(await securityGroupsByName(c)).keys()].sort()).toEqual([`api-elb.${NAME}`, `masters.${NAME}`, `nodes.${NAME}`]);
  });
});
