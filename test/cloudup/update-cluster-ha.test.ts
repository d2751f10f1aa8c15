/**
 * update cluster end to end for an HA cluster (3 control planes in us-east-1a/b/c, a node group
 * per zone): apply once, then check what exists in the emulator with the raw SDK.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeInternetGatewaysCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { applyAndConverge, expectOwned, groupNamesById, ingressLines, ownedFilter, securityGroupsByName, setupCluster, tagMap, type E2ECluster } from './update-helpers.js';

const NAME = 'ha.example.com';
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const GROUP_NAMES = [...ZONES.map((z) => `control-plane-${z}.masters.${NAME}`), ...ZONES.map((z) => `nodes-${z}.${NAME}`)].sort();

describe('update cluster: HA cluster', () => {
  let c: E2ECluster;
  beforeAll(async () => {
    c = await setupCluster({ name: NAME, zones: ZONES, controlPlaneZones: ZONES });
    const applied = await applyAndConverge(c);
    expect(applied.firstApply).toBe(true);
  }, 120_000);

  it('creates one VPC and the spec subnets in their zones', async () => {
    const ec2 = c.aws.clients.ec2;
    const spec = (await c.cs.getCluster(NAME)).object.spec;
    const vpcs = (await ec2.send(new DescribeVpcsCommand({ Filters: ownedFilter(NAME) }))).Vpcs ?? [];
    expect(vpcs.map((v) => v.CidrBlock)).toEqual([spec.networkCIDR]);
    expectOwned(vpcs[0]!.Tags, NAME, 'VPC');
    const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcs[0]!.VpcId!] }] }))).Subnets ?? [];
    const got = subnets.map((s) => `${s.AvailabilityZone} ${s.CidrBlock}`).sort();
    expect(got).toEqual((spec.subnets ?? []).map((s) => `${s.zone} ${s.cidr}`).sort());
    expect(got).toHaveLength(3);
    for (const s of subnets) expectOwned(s.Tags, NAME, `subnet ${s.CidrBlock}`);
    const igws = (await ec2.send(new DescribeInternetGatewaysCommand({ Filters: ownedFilter(NAME) }))).InternetGateways ?? [];
    expect(igws.map((g) => g.Attachments?.[0]?.VpcId)).toEqual([vpcs[0]!.VpcId]);
    const rts = (await ec2.send(new DescribeRouteTablesCommand({ Filters: ownedFilter(NAME) }))).RouteTables ?? [];
    expect(rts).toHaveLength(1);
    expectOwned(rts[0]!.Tags, NAME, 'route table');
    expect(rts[0]!.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')?.GatewayId).toBe(igws[0]!.InternetGatewayId);
    expect((rts[0]!.Associations ?? []).filter((a) => a.SubnetId).length).toBe(3);
  });

  it('creates the 3 etcd volumes of main in their members\u2019 zones, tagged with the member set', async () => {
    const vols = (await c.aws.clients.ec2.send(new DescribeVolumesCommand({ Filters: ownedFilter(NAME) }))).Volumes ?? [];
    const byName = new Map(vols.map((v) => [tagMap(v.Tags)['Name'] ?? '', v]));
    const expected = ['main'].flatMap((e) => ['a', 'b', 'c'].map((m) => `${m}.etcd-${e}.${NAME}`)).sort();
    expect([...byName.keys()].sort()).toEqual(expected);
    for (const etcd of ['main']) {
      for (const [i, member] of ['a', 'b', 'c'].entries()) {
        const v = byName.get(`${member}.etcd-${etcd}.${NAME}`)!;
        expect(v.AvailabilityZone).toBe(ZONES[i]);
        expect(v.Encrypted).toBe(true);
        expect(tagMap(v.Tags)[`k8s.io/etcd/${etcd}`]).toBe(`${member}/a,b,c`);
        expectOwned(v.Tags, NAME, `volume ${member}.etcd-${etcd}`);
      }
    }
  });

  it('creates 6 launch templates (IMDSv2, encrypted gp3 root) and 6 ASGs named as kops', async () => {
    const ec2 = c.aws.clients.ec2;
    const lts = (await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: ownedFilter(NAME) }))).LaunchTemplates ?? [];
    expect(lts.map((t) => t.LaunchTemplateName).sort()).toEqual(GROUP_NAMES);
    for (const lt of lts) {
      expectOwned(lt.Tags, NAME, `launch template ${lt.LaunchTemplateName}`);
      const versions = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.LaunchTemplateId, Versions: ['$Default'] }));
      const data = versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
      expect(data?.MetadataOptions?.HttpTokens, lt.LaunchTemplateName).toBe('required');
      const root = data?.BlockDeviceMappings?.find((b) => b.Ebs);
      expect(root?.Ebs?.VolumeType, lt.LaunchTemplateName).toBe('gp3');
      expect(root?.Ebs?.Encrypted, lt.LaunchTemplateName).toBe(true);
    }
    const asgs = (await c.aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
    expect(asgs.map((g) => g.AutoScalingGroupName).sort()).toEqual(GROUP_NAMES);
    for (const g of asgs) {
      expect(g.LaunchTemplate?.LaunchTemplateName ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.LaunchTemplateName).toBe(g.AutoScalingGroupName);
      const tags = Object.fromEntries((g.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
      expect(tags['KubernetesCluster'], g.AutoScalingGroupName).toBe(NAME);
      expect(tags[`kubernetes.io/cluster/${NAME}`], g.AutoScalingGroupName).toBe('owned');
    }
  });

  it('opens SSH to the admin CIDR, the API only through its load balancer\u2019s group, and nodes to masters on every port but etcd\u2019s', async () => {
    const groups = await securityGroupsByName(c);
    expect([...groups.keys()].sort()).toEqual([`api-elb.${NAME}`, `masters.${NAME}`, `nodes.${NAME}`]);
    for (const g of groups.values()) expectOwned(g.Tags, NAME, `security group ${g.GroupName}`);
    const names = groupNamesById(groups);
    const masters = ingressLines(groups.get(`masters.${NAME}`)!, names);
    const nodesSG = `nodes.${NAME}`;
    const elbSG = `api-elb.${NAME}`;
    expect(masters).toEqual(
      expect.arrayContaining(['tcp 22-22 0.0.0.0/0', `tcp 443-443 ${elbSG}`, `tcp 1-2379 ${nodesSG}`, `tcp 2382-4000 ${nodesSG}`, `tcp 4003-65535 ${nodesSG}`]),
    );
    // The control planes never open 443 to a CIDR: the API is reached through the load balancer.
    expect(masters.filter((l) => /^tcp \d+-\d+ [0-9a-f.:]+\/\d+$/.test(l) && covers(l.split(' ')[1]!, 443))).toEqual([]);
    const elb = ingressLines(groups.get(elbSG)!, names);
    expect(elb).toEqual(expect.arrayContaining(['tcp 443-443 0.0.0.0/0', 'tcp 443-443 ::/0', 'icmp 3-4 0.0.0.0/0', 'icmpv6 -1--1 ::/0', `-1 - ${nodesSG}`]));
    // No tcp rule from the nodes may cover etcd's peer (2380/2381) or client (4001/4002) ports.
    const fromNodes = masters.filter((l) => l.startsWith('tcp ') && l.endsWith(` ${nodesSG}`)).map((l) => l.split(' ')[1]!.split('-').map(Number) as [number, number]);
    for (const port of [2380, 2381, 4001, 4002]) {
      expect(fromNodes.filter(([from, to]) => from <= port && port <= to), `port ${port}`).toEqual([]);
    }
    // Nor may an all-protocol rule let the nodes in.
    expect(masters.filter((l) => l.startsWith('-1 ') && l.endsWith(` ${nodesSG}`))).toEqual([]);
    const nodes = ingressLines(groups.get(nodesSG)!, groupNamesById(groups));
    expect(nodes).toEqual(expect.arrayContaining(['tcp 22-22 0.0.0.0/0']));
  });
});

/** Whether `from-to` covers `port`. */
function covers(range: string, port: number): boolean {
  const [from, to] = range.split('-').map(Number) as [number, number];
  return from <= port && port <= to;
}
