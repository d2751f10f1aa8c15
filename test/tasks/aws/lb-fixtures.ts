/**
 * Prerequisites of the load-balancer kinds, made with the raw SDK in the test's emulator account:
 * a VPC with one subnet per zone and a security group (the tasks of other engineers' kinds are not
 * needed to test these).
 */
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import type { AwsTaskContext } from '../../../src/tasks/aws/context.js';
import { ownershipTags, type Tags } from '../../../src/tasks/aws/context.js';

export interface Network {
  readonly vpcId: string;
  /** One per zone: us-east-1a, b, c. */
  readonly subnets: readonly string[];
  readonly securityGroup: string;
}

export async function makeNetwork(ctx: AwsTaskContext, cidr = '10.20.0.0/16'): Promise<Network> {
  const ec2 = ctx.clients.ec2;
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }));
  const vpcId = vpc.Vpc?.VpcId ?? '';
  const prefix = cidr.split('.').slice(0, 2).join('.');
  const subnets: string[] = [];
  for (const [i, zone] of ['us-east-1a', 'us-east-1b', 'us-east-1c'].entries()) {
    const s = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `${prefix}.${i * 16}.0/20`, AvailabilityZone: zone }));
    subnets.push(s.Subnet?.SubnetId ?? '');
  }
  const sg = await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'api-elb', Description: 'api elb' }));
  return { vpcId, subnets, securityGroup: sg.GroupId ?? '' };
}

/** The tags the model builder gives a task: Name = task name, the ownership tags, extras. */
export function clusterTags(cluster: string, name: string, extra: Tags = {}): Tags {
  return { Name: name, ...ownershipTags(cluster), ...extra };
}
