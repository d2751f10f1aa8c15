/**
 * The security groups and load balancers of a kops-built private cluster with a bastion, made BY
 * HAND as kops 1.37 builds test/fixtures/kops/kops-private.yaml (three zones, Private and Utility
 * subnets, calico, DNS None, a bastion, cloudLabels): kops's group names and descriptions
 * (awsmodel/firewall.go, api_loadbalancer.go, bastion.go), every rule with kops's tags (or none,
 * for the path-MTU rules kops adds untagged), the API and bastion load balancers with their target
 * groups and listeners. The VPC and subnets are made so the load balancers have somewhere to live;
 * the rest of the cluster (gateways, route tables, IAM, instances) is other parts' and left out.
 */
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../../src/cloud/aws/clients.js';
import { awsResourceName32 } from '../../src/tasks/aws/elb-listing.js';
import { kopsCloudTags, kopsEgress, kopsRules, tagSpec } from './kops-inventory.js';

export const PRIVATE_CLUSTER = 'private.example.com';
const C = PRIVATE_CLUSTER;
const LABELS = { Owner: 'Platform Team', 'cost-center': '0042' };
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'] as const;
const PRIVATE_CIDRS = ['172.20.64.0/18', '172.20.128.0/18', '172.20.192.0/18'];
const UTILITY_CIDRS = ['172.20.0.0/21', '172.20.8.0/21', '172.20.16.0/21'];
const ACCESS = '203.0.113.0/24';

export async function buildKopsPrivateEdge(clients: AwsClients): Promise<void> {
  const ec2 = clients.ec2;
  const tags = (name: string, extra: Record<string, string> = {}) => kopsCloudTags(C, name, { ...LABELS, ...extra });
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '172.20.0.0/16', TagSpecifications: tagSpec('vpc', tags(C)) }))).Vpc!.VpcId!;
  const utility: string[] = [];
  for (const [i, zone] of ZONES.entries()) {
    await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: PRIVATE_CIDRS[i], AvailabilityZone: zone, TagSpecifications: tagSpec('subnet', tags(`${zone}.${C}`, { SubnetType: 'Private', 'kubernetes.io/role/internal-elb': '1' })) }),
    );
    const u = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: UTILITY_CIDRS[i], AvailabilityZone: zone, TagSpecifications: tagSpec('subnet', tags(`utility-${zone}.${C}`, { SubnetType: 'Utility', 'kubernetes.io/role/elb': '1' })) }),
    );
    utility.push(u.Subnet!.SubnetId!);
  }

  const masters = `masters.${C}`;
  const nodes = `nodes.${C}`;
  const apiElb = `api-elb.${C}`;
  const bastion = `bastion.${C}`;
  const bastionElb = `bastion-elb.${C}`;
  const ids: Record<string, string> = {};
  for (const [name, description] of [
    [masters, 'Security group for masters'],
    [nodes, 'Security group for nodes'],
    [apiElb, 'Security group for api ELB'],
    [bastion, 'Security group for bastion'],
    [bastionElb, 'Security group for bastion ELB'],
  ] as const) {
    ids[name] = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: name, Description: description, TagSpecifications: tagSpec('security-group', tags(name)) }))).GroupId!;
  }
  const rule = kopsRules(ec2, C, ids, LABELS);
  for (const g of Object.keys(ids)) await kopsEgress(ec2, C, rule, g, ids[g]!, LABELS);
  // firewall.go (calico: IP-in-IP from the nodes)
  await rule(masters, 'ingress', '-1', 0, 0, masters);
  await rule(nodes, 'ingress', '-1', 0, 0, nodes);
  await rule(nodes, 'ingress', '-1', 0, 0, masters);
  for (const [from, to] of [[1, 2379], [2382, 4000], [4003, 65535]] as const) await rule(masters, 'ingress', 'tcp', from, to, nodes);
  await rule(masters, 'ingress', 'udp', 1, 65535, nodes);
  await rule(masters, 'ingress', '4', 0, 0, nodes);
  // api_loadbalancer.go (DNS None)
  await rule(apiElb, 'ingress', 'tcp', 443, 443, ACCESS);
  await rule(apiElb, 'ingress', 'icmp', 3, 4, ACCESS, false);
  await rule(apiElb, 'ingress', '-1', 0, 0, nodes);
  await rule(masters, 'ingress', 'tcp', 443, 443, apiElb);
  await rule(masters, 'ingress', 'icmp', 3, 4, apiElb);
  await rule(apiElb, 'ingress', 'icmp', 3, 4, masters);
  await rule(masters, 'ingress', 'tcp', 3988, 3988, apiElb);
  // bastion.go: SSH only through the bastion and its load balancer
  await rule(masters, 'ingress', 'tcp', 22, 22, bastion);
  await rule(nodes, 'ingress', 'tcp', 22, 22, bastion);
  for (const cidr of [...UTILITY_CIDRS, ACCESS]) {
    await rule(bastionElb, 'ingress', 'tcp', 22, 22, cidr);
    await rule(bastionElb, 'ingress', 'icmp', 3, 4, cidr, false);
  }
  await rule(bastion, 'ingress', 'tcp', 22, 22, bastionElb);
  await rule(bastion, 'ingress', 'icmp', 3, 4, bastionElb);
  await rule(bastionElb, 'ingress', 'icmp', 3, 4, bastion);

  // The two load balancers, their target groups (kops's attributes) and listeners.
  const elbv2 = clients.elbv2;
  const loadBalancer = async (prefix: 'api' | 'bastion', group: string, crossZone: boolean | undefined) => {
    const lb = (
      await elbv2.send(
        new CreateLoadBalancerCommand({ Name: awsResourceName32(C, prefix), Type: 'network', Scheme: 'internet-facing', IpAddressType: 'ipv4', Subnets: utility, SecurityGroups: [ids[group]!], Tags: tags(`${prefix}.${C}`) }),
      )
    ).LoadBalancers![0]!.LoadBalancerArn!;
    if (crossZone !== undefined) {
      await elbv2.send(
        new ModifyLoadBalancerAttributesCommand({
          LoadBalancerArn: lb,
          Attributes: [
            { Key: 'load_balancing.cross_zone.enabled', Value: String(crossZone) },
            { Key: 'access_logs.s3.enabled', Value: 'false' },
          ],
        }),
      );
    }
    return lb;
  };
  const forward = async (lb: string, prefix: string, port: number, healthCheck: 'TCP' | 'HTTPS') => {
    const name = awsResourceName32(C, prefix);
    const tg = (
      await elbv2.send(
        new CreateTargetGroupCommand({
          Name: name,
          Protocol: 'TCP',
          Port: port,
          VpcId: vpcId,
          TargetType: 'instance',
          HealthCheckProtocol: healthCheck,
          ...(healthCheck === 'HTTPS' ? { HealthCheckPath: '/healthz' } : {}),
          HealthCheckIntervalSeconds: 10,
          HealthyThresholdCount: 2,
          UnhealthyThresholdCount: 2,
          Tags: tags(name),
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
    await elbv2.send(new CreateListenerCommand({ LoadBalancerArn: lb, Port: port, Protocol: 'TCP', DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }] }));
  };
  // kops forces cross-zone on for the API with DNS None; it leaves the bastion's unset (AWS: off).
  const api = await loadBalancer('api', apiElb, true);
  await forward(api, 'tcp', 443, 'TCP');
  await forward(api, 'kops-controller', 3988, 'HTTPS');
  const bastionLb = await loadBalancer('bastion', bastionElb, undefined);
  await forward(bastionLb, 'bastion', 22, 'TCP');
}
