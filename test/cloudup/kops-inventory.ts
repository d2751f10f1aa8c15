/**
 * A kops-built cluster made BY HAND with the SDK, as kops 1.37 builds `kops create cluster
 * --zones us-east-1a minimal.example.com` (test/fixtures/kops/kops-minimal.yaml: one public zone,
 * DNS None, cilium): kops's names, tags, descriptions and rules, read from kops's sources
 * (pkg/model/names.go, awsmodel/{network,firewall,external_access,api_loadbalancer,iam,
 * autoscalinggroup}.go, master_volumes.go), never from kops-ts's builders, so that a kops-ts plan
 * of the same spec shows what kops-ts would change on a real kops cluster.
 *
 * Left out on purpose: the VPC's Amazon IPv6 block and its `::/0` route (another part of issue #7
 * builds them), instances (the emulator launches them from the groups; nothing is compared).
 */
import {
  AssociateDhcpOptionsCommand,
  AssociateVpcCidrBlockCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateDhcpOptionsCommand,
  CreateInternetGatewayCommand,
  CreateLaunchTemplateCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeSecurityGroupRulesCommand,
  ImportKeyPairCommand,
  ModifyVpcAttributeCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { sshPublicKeyFingerprint } from '../../src/statestore/ssh.js';
import { awsResourceName32 } from '../../src/tasks/aws/elb-listing.js';
import type { AwsClients } from '../../src/cloud/aws/clients.js';

export const CLUSTER = 'minimal.example.com';
const ZONE = 'us-east-1a';
const IMAGE = { owner: '099720109477', name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20260714' };

/**
 * kops's `GetResourceName32` names for this cluster (FNV-1a + base32hex of `<prefix>-<cluster>`);
 * `awsResourceName32` is checked against kops's own test vectors in test/tasks/aws/elb-listing.test.ts.
 */
export const KOPS_NAMES = {
  apiLoadBalancer: awsResourceName32(CLUSTER, 'api'),
  tcpTargetGroup: awsResourceName32(CLUSTER, 'tcp'),
  kopsControllerTargetGroup: awsResourceName32(CLUSTER, 'kops-controller'),
} as const;

/** kops's `CloudTags(name)` for a cluster: the ownership tags and Name. */
export function kopsCloudTags(cluster: string, name: string, extra: Record<string, string> = {}): { Key: string; Value: string }[] {
  return Object.entries({ KubernetesCluster: cluster, [`kubernetes.io/cluster/${cluster}`]: 'owned', Name: name, ...extra }).map(([Key, Value]) => ({ Key, Value }));
}

function cloudTags(name: string, extra: Record<string, string> = {}): { Key: string; Value: string }[] {
  return kopsCloudTags(CLUSTER, name, extra);
}

/** kops's rule name (awsmodel/firewall.go generateName). */
function ruleName(src: string, direction: 'ingress' | 'egress', proto: string, from: number, to: number, dst: string): string {
  return `from-${src}-${direction}-${proto}-${from}to${to}-${dst}`;
}

export type KopsRule = (group: string, direction: 'ingress' | 'egress', proto: string, from: number, to: number, peer: string, tagged?: boolean) => Promise<void>;

/**
 * Authorizes a rule as kops does: `ids` maps group names to ids (a peer that is a group name is a
 * group), tagged with the cluster's tags and Name = kops's generated name unless `tagged` is false
 * (kops adds its path-MTU rules with c.AddTask, untagged). Egress rules are to a CIDR, all traffic.
 */
export function kopsRules(ec2: AwsClients['ec2'], cluster: string, ids: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>> = {}): KopsRule {
  return async (group, direction, proto, from, to, peer, tagged = true) => {
    const p: IpPermission = { IpProtocol: proto };
    // kops sends no ports for IP-in-IP (4); the emulator fails on that, and -1/-1 means the same on AWS.
    if (proto === '4') Object.assign(p, { FromPort: -1, ToPort: -1 });
    else if (proto !== '-1') Object.assign(p, { FromPort: from, ToPort: to });
    if (ids[peer]) p.UserIdGroupPairs = [{ GroupId: ids[peer] }];
    else if (peer.includes(':')) p.Ipv6Ranges = [{ CidrIpv6: peer }];
    else p.IpRanges = [{ CidrIp: peer }];
    const all = proto === '-1' || proto === '4';
    const name = direction === 'ingress' ? ruleName(peer, direction, proto === '-1' ? 'all' : proto, all ? 0 : from, all ? 0 : to, group) : ruleName(group, direction, 'all', 0, 0, peer);
    const TagSpecifications = tagged ? tagSpec('security-group-rule', kopsCloudTags(cluster, name, labels)) : undefined;
    if (direction === 'egress') await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: ids[group], IpPermissions: [p], TagSpecifications }));
    else await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: ids[group], IpPermissions: [p], TagSpecifications }));
  };
}

/** kops's full egress for a group: AWS's default IPv4 rule (which kops adopts and tags) and IPv6. */
export async function kopsEgress(ec2: AwsClients['ec2'], cluster: string, rule: KopsRule, group: string, groupId: string, labels: Readonly<Record<string, string>> = {}): Promise<void> {
  const rules = (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).SecurityGroupRules ?? [];
  const defaultEgress = rules.find((r) => r.IsEgress && r.CidrIpv4 === '0.0.0.0/0');
  await ec2.send(new CreateTagsCommand({ Resources: [defaultEgress!.SecurityGroupRuleId!], Tags: kopsCloudTags(cluster, ruleName(group, 'egress', 'all', 0, 0, '0.0.0.0/0'), labels) }));
  // In a VPC with an IPv6 block, AWS gives a new group an IPv6 egress rule too, which kops adopts
  // and tags as it does the IPv4 one; without the block, kops adds it.
  const defaultEgress6 = rules.find((r) => r.IsEgress && r.CidrIpv6 === '::/0');
  if (defaultEgress6) {
    await ec2.send(new CreateTagsCommand({ Resources: [defaultEgress6.SecurityGroupRuleId!], Tags: kopsCloudTags(cluster, ruleName(group, 'egress', 'all', 0, 0, '::/0'), labels) }));
  } else {
    await rule(group, 'egress', '-1', 0, 0, '::/0');
  }
}

export interface KopsInventory {
  readonly vpcId: string;
  readonly groups: Readonly<Record<'masters' | 'nodes' | 'api-elb', string>>;
  readonly loadBalancerArn: string;
}

export async function buildKopsMinimal(clients: AwsClients, sshPublicKey: string): Promise<KopsInventory> {
  const ec2 = clients.ec2;
  const ts = (type: Parameters<typeof tagSpec>[0], name: string, extra?: Record<string, string>) => tagSpec(type, cloudTags(name, extra));

  // --- network (awsmodel/network.go)
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '172.20.0.0/16', TagSpecifications: ts('vpc', CLUSTER) }))).Vpc!.VpcId!;
  await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: true } }));
  await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
  const dhcp = await ec2.send(
    new CreateDhcpOptionsCommand({
      DhcpConfigurations: [
        { Key: 'domain-name', Values: ['ec2.internal'] },
        { Key: 'domain-name-servers', Values: ['AmazonProvidedDNS'] },
      ],
    }),
  );
  // kops tags DHCP options after creating them (CreateTags).
  await ec2.send(new CreateTagsCommand({ Resources: [dhcp.DhcpOptions!.DhcpOptionsId!], Tags: cloudTags(CLUSTER) }));
  await ec2.send(new AssociateDhcpOptionsCommand({ VpcId: vpcId, DhcpOptionsId: dhcp.DhcpOptions!.DhcpOptionsId! }));
  const igw = (await ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: ts('internet-gateway', CLUSTER) }))).InternetGateway!.InternetGatewayId!;
  await ec2.send(new AttachInternetGatewayCommand({ VpcId: vpcId, InternetGatewayId: igw }));
  const rt = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: ts('route-table', CLUSTER, { 'kubernetes.io/kops/role': 'public' }) }))).RouteTable!.RouteTableId!;
  await ec2.send(new CreateRouteCommand({ RouteTableId: rt, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }));
  // kops's VPCAmazonIPv6CIDRBlock task and the public table's IPv6 default route (network.go).
  await ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, AmazonProvidedIpv6CidrBlock: true }));
  await ec2.send(new CreateRouteCommand({ RouteTableId: rt, DestinationIpv6CidrBlock: '::/0', GatewayId: igw }));
  const subnetName = `${ZONE}.${CLUSTER}`;
  const subnet = (
    await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: '172.20.0.0/16',
        AvailabilityZone: ZONE,
        // With no private subnets kops also tags public ones for internal load balancers.
        TagSpecifications: ts('subnet', subnetName, { SubnetType: 'Public', 'kubernetes.io/role/elb': '1', 'kubernetes.io/role/internal-elb': '1' }),
      }),
    )
  ).Subnet!.SubnetId!;
  await ec2.send(new AssociateRouteTableCommand({ RouteTableId: rt, SubnetId: subnet }));

  // --- security groups (firewall.go GetSecurityGroups, api_loadbalancer.go): names and descriptions
  const group = async (name: string, description: string) =>
    (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: name, Description: description, TagSpecifications: ts('security-group', name) }))).GroupId!;
  const masters = `masters.${CLUSTER}`;
  const nodes = `nodes.${CLUSTER}`;
  const elb = `api-elb.${CLUSTER}`;
  const ids: Record<string, string> = {
    [masters]: await group(masters, 'Security group for masters'),
    [nodes]: await group(nodes, 'Security group for nodes'),
    [elb]: await group(elb, 'Security group for api ELB'),
  };
  // Rules: AddDirectionalGroupRule tags each with the group's tags and Name = its generated name;
  // the PMTU rules of the load balancer are added with c.AddTask, untagged.
  const rule = kopsRules(ec2, CLUSTER, ids);
  for (const g of [masters, nodes, elb]) await kopsEgress(ec2, CLUSTER, rule, g, ids[g]!);
  await rule(masters, 'ingress', '-1', 0, 0, masters);
  await rule(nodes, 'ingress', '-1', 0, 0, nodes);
  await rule(nodes, 'ingress', '-1', 0, 0, masters);
  for (const [from, to] of [[1, 2379], [2382, 4000], [4003, 65535]] as const) await rule(masters, 'ingress', 'tcp', from, to, nodes);
  await rule(masters, 'ingress', 'udp', 1, 65535, nodes);
  for (const cidr of ['0.0.0.0/0', '::/0']) {
    await rule(masters, 'ingress', 'tcp', 22, 22, cidr);
    await rule(nodes, 'ingress', 'tcp', 22, 22, cidr);
    await rule(elb, 'ingress', 'tcp', 443, 443, cidr);
  }
  await rule(elb, 'ingress', 'icmp', 3, 4, '0.0.0.0/0', false);
  await rule(elb, 'ingress', 'icmpv6', -1, -1, '::/0', false);
  await rule(elb, 'ingress', '-1', 0, 0, nodes);
  await rule(masters, 'ingress', 'tcp', 443, 443, elb);
  await rule(masters, 'ingress', 'icmp', 3, 4, elb);
  await rule(elb, 'ingress', 'icmp', 3, 4, masters);
  await rule(masters, 'ingress', 'tcp', 3988, 3988, elb);

  // --- IAM (awsmodel/iam.go): roles, inline policies and instance profiles named by role
  const assume = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  for (const role of [masters, nodes]) {
    await clients.iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: assume, Tags: cloudTags(role) }));
    // kops's own policy text differs from kops-ts's (least privilege is another part of issue #7).
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeRegions'], Resource: '*' }] };
    await clients.iam.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: role, PolicyDocument: JSON.stringify(policy) }));
    await clients.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: role, Tags: cloudTags(role) }));
    await clients.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: role, RoleName: role }));
  }

  // --- the SSH key (sshkey.go: kubernetes.<cluster>-<fingerprint>)
  const keyName = `kubernetes.${CLUSTER}-${sshPublicKeyFingerprint(sshPublicKey)}`;
  await ec2.send(new ImportKeyPairCommand({ KeyName: keyName, PublicKeyMaterial: Buffer.from(sshPublicKey), TagSpecifications: ts('key-pair', keyName) }));

  // --- etcd volumes (master_volumes.go)
  for (const etcd of ['main', 'events']) {
    const name = `a.etcd-${etcd}.${CLUSTER}`;
    await ec2.send(
      new CreateVolumeCommand({
        AvailabilityZone: ZONE,
        Size: 20,
        VolumeType: 'gp3',
        Iops: 3000,
        Throughput: 125,
        Encrypted: true,
        TagSpecifications: ts('volume', name, { [`k8s.io/etcd/${etcd}`]: 'a/a', 'k8s.io/role/control-plane': '1', 'k8s.io/role/master': '1' }),
      }),
    );
  }

  // --- the API load balancer (api_loadbalancer.go, DNS None)
  const elbv2 = clients.elbv2;
  const lbTags = cloudTags(`api.${CLUSTER}`);
  const lb = (
    await elbv2.send(
      new CreateLoadBalancerCommand({ Name: KOPS_NAMES.apiLoadBalancer, Type: 'network', Scheme: 'internet-facing', Subnets: [subnet], SecurityGroups: [ids[elb]!], Tags: lbTags }),
    )
  ).LoadBalancers![0]!;
  await elbv2.send(
    new ModifyLoadBalancerAttributesCommand({
      LoadBalancerArn: lb.LoadBalancerArn!,
      Attributes: [
        { Key: 'load_balancing.cross_zone.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'false' },
      ],
    }),
  );
  const targetGroup = async (name: string, port: number, hc: 'TCP' | 'HTTPS') => {
    const tg = (
      await elbv2.send(
        new CreateTargetGroupCommand({
          Name: name,
          Protocol: 'TCP',
          Port: port,
          VpcId: vpcId,
          TargetType: 'instance',
          HealthCheckProtocol: hc,
          ...(hc === 'HTTPS' ? { HealthCheckPath: '/healthz' } : {}),
          HealthCheckIntervalSeconds: 10,
          HealthyThresholdCount: 2,
          UnhealthyThresholdCount: 2,
          Tags: cloudTags(name),
        }),
      )
    ).TargetGroups![0]!.TargetGroupArn!;
    await elbv2.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tg,
        Attributes: [
          { Key: 'deregistration_delay.connection_termination.enabled', Value: 'true' },
          { Key: 'deregistration_delay.timeout_seconds', Value: '30' },
        ],
      }),
    );
    await elbv2.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn!, Port: port, Protocol: 'TCP', DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }] }));
    return tg;
  };
  const tcp = await targetGroup(KOPS_NAMES.tcpTargetGroup, 443, 'TCP');
  const kopsController = await targetGroup(KOPS_NAMES.kopsControllerTargetGroup, 3988, 'HTTPS');

  // --- launch templates and autoscaling groups (autoscalinggroup.go, launchtemplate task)
  const image = (await ec2.send(new DescribeImagesCommand({ Owners: [IMAGE.owner], Filters: [{ Name: 'name', Values: [IMAGE.name] }] }))).Images![0]!;
  const groupsToBuild: { name: string; asg: string; group: string; size: number; role: Record<string, string>; tgs: string[] }[] = [
    { name: 'control-plane-us-east-1a', asg: `control-plane-us-east-1a.masters.${CLUSTER}`, group: masters, size: 64, role: {
        'k8s.io/role/control-plane': '1',
        'k8s.io/role/master': '1',
        // kops advertises the control plane's own node labels to the autoscaler (CloudTagsForInstanceGroup).
        'k8s.io/cluster-autoscaler/node-template/label/node-role.kubernetes.io/control-plane': '',
        'k8s.io/cluster-autoscaler/node-template/label/kops.k8s.io/kops-controller-pki': '',
        'k8s.io/cluster-autoscaler/node-template/label/node.kubernetes.io/exclude-from-external-load-balancers': '',
      },
      tgs: [tcp, kopsController] },
    { name: 'nodes-us-east-1a', asg: `nodes-us-east-1a.${CLUSTER}`, group: nodes, size: 128, role: { 'k8s.io/role/node': '1', 'k8s.io/cluster-autoscaler/node-template/label/node-role.kubernetes.io/node': '' }, tgs: [] },
  ];
  for (const ig of groupsToBuild) {
    const igTags = cloudTags(ig.asg, {
      ...ig.role,
      'kops.k8s.io/instancegroup': ig.name,
      'k8s.io/cluster-autoscaler/node-template/label/kops.k8s.io/instancegroup': ig.name,
    });
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: ig.asg,
        TagSpecifications: ts('launch-template', ig.asg),
        LaunchTemplateData: {
          ImageId: image.ImageId,
          InstanceType: 't3.medium',
          IamInstanceProfile: { Name: ig.group },
          KeyName: keyName,
          NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: true, DeleteOnTermination: true, Groups: [ids[ig.group]!] }],
          BlockDeviceMappings: [
            { DeviceName: image.RootDeviceName ?? '/dev/sda1', Ebs: { VolumeSize: ig.size, VolumeType: 'gp3', Iops: 3000, Throughput: 125, Encrypted: true, DeleteOnTermination: true } },
          ],
          MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' },
          // kops's nodeup bootstrap script (kops-ts writes its own user-data).
          UserData: Buffer.from('#!/bin/bash\n# kops nodeup bootstrap\n').toString('base64'),
          TagSpecifications: [
            { ResourceType: 'instance', Tags: igTags },
            { ResourceType: 'volume', Tags: igTags },
          ],
        },
      }),
    );
    await clients.autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: ig.asg,
        LaunchTemplate: { LaunchTemplateName: ig.asg, Version: '$Latest' },
        MinSize: 1,
        MaxSize: 1,
        VPCZoneIdentifier: subnet,
        ...(ig.tgs.length > 0 ? { TargetGroupARNs: ig.tgs } : {}),
        Tags: igTags.map((t) => ({ Key: t.Key, Value: t.Value, PropagateAtLaunch: true, ResourceId: ig.asg, ResourceType: 'auto-scaling-group' })),
      }),
    );
  }
  return { vpcId, groups: { masters: ids[masters]!, nodes: ids[nodes]!, 'api-elb': ids[elb]! }, loadBalancerArn: lb.LoadBalancerArn! };
}

export function tagSpec(type: 'vpc' | 'internet-gateway' | 'route-table' | 'subnet' | 'security-group' | 'security-group-rule' | 'key-pair' | 'volume' | 'launch-template', tags: { Key: string; Value: string }[]) {
  return [{ ResourceType: type, Tags: tags }];
}
