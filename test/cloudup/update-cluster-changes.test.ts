/**
 * update cluster end to end for changes after the first apply, on one minimal cluster applied
 * once: an in-place instance-group edit plans exactly the task it touches, and drift made behind
 * kops-ts's back (a deleted route, a revoked rule) is planned as `create` and repaired.
 *
 * The steps build on each other (one emulator-backed cluster keeps the file fast), so they are
 * sequential tests in one describe.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DeleteRouteCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeRouteTablesCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import type { InstanceGroup } from '../../src/model/api/types.js';
import { applyAndConverge, changeLines, ownedFilter, securityGroupsByName, setupCluster, type E2ECluster } from './update-helpers.js';

const NAME = 'minimal.example.com';
const IG = 'nodes-us-east-1a';
const GROUP = `${IG}.${NAME}`;

describe('update cluster: changes after the first apply', () => {
  let c: E2ECluster;
  beforeAll(async () => {
    c = await setupCluster({ name: NAME, zones: ['us-east-1a'] });
    await applyAndConverge(c);
  }, 120_000);

  /** Reads the group from the store, edits its spec and writes it back (as `edit ig` does). */
  async function editGroup(edit: (spec: InstanceGroup['spec']) => InstanceGroup['spec']): Promise<void> {
    const current = await c.cs.getInstanceGroup(NAME, IG);
    const ig = current.object;
    await c.cs.updateInstanceGroup(NAME, { ...ig, spec: edit(ig.spec) }, current.version);
  }

  it('plans only the launch template for a new machine type, and applies it as version 2', async () => {
    await editGroup((spec) => ({ ...spec, machineType: 't3.large' }));
    const planned = await c.update(false);
    expect(changeLines(planned.plan)).toEqual([expect.stringMatching(new RegExp(`^LaunchTemplate/${GROUP}: update `))]);
    expect(planned.plan.changes[0]!.action).toBe('update');

    await applyAndConverge(c);
    const ec2 = c.aws.clients.ec2;
    const lt = (await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [GROUP] }))).LaunchTemplates?.[0];
    expect(lt?.LatestVersionNumber).toBe(2);
    const v2 = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt?.LaunchTemplateId, Versions: ['2'] }));
    expect(v2.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.InstanceType).toBe('t3.large');
    const v1 = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt?.LaunchTemplateId, Versions: ['1'] }));
    expect(v1.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.InstanceType).toBe('t3.medium');
  });

  it('plans only the autoscaling group for a larger maxSize, and applies it', async () => {
    await editGroup((spec) => ({ ...spec, maxSize: 3 }));
    const planned = await c.update(false);
    expect(changeLines(planned.plan)).toEqual([expect.stringMatching(new RegExp(`^AutoscalingGroup/${GROUP}: update `))]);
    expect(planned.plan.summary).toMatchObject({ create: 0, update: 1, replace: 0, delete: 0 });

    await applyAndConverge(c);
    const asg = (await c.aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }))).AutoScalingGroups?.[0];
    expect(asg?.MaxSize).toBe(3);
  });

  it('plans a deleted route and a revoked rule as creates, and --yes restores them', async () => {
    const ec2 = c.aws.clients.ec2;
    const publicTable = async () => (await ec2.send(new DescribeRouteTablesCommand({ Filters: ownedFilter(NAME) }))).RouteTables?.[0];
    const table = await publicTable();
    expect(table?.Routes?.some((r) => r.DestinationCidrBlock === '0.0.0.0/0')).toBe(true);
    await ec2.send(new DeleteRouteCommand({ RouteTableId: table!.RouteTableId, DestinationCidrBlock: '0.0.0.0/0' }));
    const masters = (await securityGroupsByName(c)).get(`masters.${NAME}`)!;
    await ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: masters.GroupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );

    const planned = await c.update(false);
    expect(planned.plan.changes.map((ch) => `${ch.key}: ${ch.action}`)).toEqual([
      'Route/0.0.0.0/0: create',
      `SecurityGroupRule/from-0.0.0.0/0-ingress-tcp-22to22-masters.${NAME}: create`,
    ]);

    await applyAndConverge(c);
    const repaired = await publicTable();
    expect(repaired?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')?.GatewayId).toMatch(/^igw-/);
    const sg = (await securityGroupsByName(c)).get(`masters.${NAME}`)!;
    const ssh = (sg.IpPermissions ?? []).find((p) => p.IpProtocol === 'tcp' && p.FromPort === 22 && p.ToPort === 22);
    expect(ssh?.IpRanges?.map((r) => r.CidrIp)).toContain('0.0.0.0/0');
  });
});
