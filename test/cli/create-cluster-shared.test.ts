/**
 * `create cluster --subnets/--utility-subnets/--vpc` through the CLI: the subnets are read from
 * AWS (the emulator, through the SDK's AWS_ENDPOINT_URL as a user's environment would point it).
 */
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import { AwsClients } from '../../src/cloud/aws/clients.js';
import { cli } from './harness.js';

const ENV = { AWS_ENDPOINT_URL: inject('awsEndpoint'), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_MAX_ATTEMPTS: '1' };

describe('kops-ts create cluster with shared subnets', () => {
  const saved: Record<string, string | undefined> = {};
  let vpc = '';
  let other = '';
  const subnet: Record<string, string> = {};
  beforeAll(async () => {
    for (const [k, v] of Object.entries(ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    const ec2 = new AwsClients({ region: 'us-east-1' }).ec2;
    vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.77.0.0/16' }))).Vpc!.VpcId!;
    other = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.78.0.0/16' }))).Vpc!.VpcId!;
    for (const [name, zone, cidr] of [['a', 'us-east-1a', '10.77.0.0/20'], ['b', 'us-east-1b', '10.77.16.0/20'], ['ua', 'us-east-1a', '10.77.32.0/20'], ['ub', 'us-east-1b', '10.77.48.0/20']] as const) {
      subnet[name] = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr, AvailabilityZone: zone }))).Subnet!.SubnetId!;
    }
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('puts each subnet in the zone AWS reports with its CIDR, and takes the VPC (and its CIDR) of the first, as kops does', async () => {
    const r = await cli([
      'create', 'cluster', '--name', 'shared-cli.example.com', '--zones', 'us-east-1a,us-east-1b', '--topology', 'private',
      '--subnets', `${subnet['b']},${subnet['a']}`, '--utility-subnets', `${subnet['ua']},${subnet['ub']}`, '--dry-run', '-o', 'json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [cluster] = JSON.parse(r.stdout) as { spec: { networkID: string; networkCIDR?: string; subnets: { name: string; id: string; cidr?: string }[] } }[];
    expect(cluster!.spec.networkID).toBe(vpc);
    expect(cluster!.spec.networkCIDR).toBe('10.77.0.0/16');
    expect(cluster!.spec.subnets.map((s) => `${s.name} ${s.id} ${s.cidr ?? '-'}`)).toEqual([
      `us-east-1a ${subnet['a']} 10.77.0.0/20`,
      `us-east-1b ${subnet['b']} 10.77.16.0/20`,
      `utility-us-east-1a ${subnet['ua']} 10.77.32.0/20`,
      `utility-us-east-1b ${subnet['ub']} 10.77.48.0/20`,
    ]);
  });

  it('reports bad flags before asking AWS anything', async () => {
    const r = await cli(['create', 'cluster', '--name', 'flags.example.com', '--zones', 'us-east-1a', '--subnets', 'subnet-0123456789abcdef0', '--topology', 'sideways', '--dry-run', '-o', 'yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown topology "sideways"');
    expect(r.stderr).not.toContain('subnet-0123456789abcdef0 was not found');
  });

  it('refuses, with exit 2, subnets that are not in the --vpc given or do not exist', async () => {
    const r = await cli(['create', 'cluster', '--name', 'bad-cli.example.com', '--zones', 'us-east-1a,us-east-1b', '--vpc', other, '--subnets', `${subnet['a']},subnet-0123456789abcdef0`, '--dry-run', '-o', 'yaml']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`subnet ${subnet['a']} is in VPC ${vpc}, not in ${other}`);
    expect(r.stderr).toContain('subnet subnet-0123456789abcdef0 was not found in region us-east-1');
  });
});
