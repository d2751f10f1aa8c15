/**
 * `toolbox dump` (library) on clusters of other shapes on the emulator: one in a shared VPC (the
 * user's VPC and subnet shown as shared, the user's other resources in that VPC not shown), a
 * private one with a bastion (NAT gateways, elastic IPs, the bastion's load balancer and instance),
 * one with Route53 DNS (the hosted zone is the user's), and an HA one (etcd members a, b, c).
 */
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dumpCluster } from '../../src/cloudup/inspect.js';
import { lookupSharedNetwork } from '../../src/cloudup/new-cluster-shared.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { openCloudProvider } from '../../src/rolling-update/providers.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { testAws, type TestAws } from '../helpers/aws.js';
import { setupCluster } from '../cloudup/update-helpers.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();

function awsOpts(aws: TestAws) {
  const { region: _region, ...rest } = aws.options;
  return rest;
}

async function dumpOf(cs: Clientset, name: string, aws: TestAws) {
  const cluster = (await cs.getCluster(name)).object;
  const cloud = await openCloudProvider(cluster, { aws: awsOpts(aws) });
  return dumpCluster({ clientset: cs, clusterName: name, aws: awsOpts(aws), cloud });
}

describe('toolbox dump (library, emulator)', () => {
  it('a shared VPC: the VPC and subnet given by id (and the internet gateway of the VPC) are marked shared; the user\'s other resources there are not shown', async () => {
    const aws = testAws();
    const ec2 = aws.clients.ec2;
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.70.0.0/16' }))).Vpc!.VpcId!;
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const subnetA = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.70.0.0/20', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const decoySubnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.70.64.0/20', AvailabilityZone: 'us-east-1b' }))).Subnet!.SubnetId!;
    const decoyGroup = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'decoy', Description: 'not the cluster\'s' }))).GroupId!;
    const decoyInstance = (await ec2.send(new RunInstancesCommand({ ImageId: 'ami-' + '0'.repeat(8), MinCount: 1, MaxCount: 1, SubnetId: subnetA, SecurityGroupIds: [decoyGroup] }))).Instances![0]!.InstanceId!;

    const name = 'shared.k8s.local';
    const shared = await lookupSharedNetwork(aws.clients, { subnetIDs: [subnetA] });
    const built = newCluster({ name, zones: ['us-east-1a'], subnetIDs: [subnetA], networkID: shared.networkID, sharedSubnets: shared.subnets, ...(shared.networkCIDR ? { networkCIDRs: [shared.networkCIDR] } : {}) });
    const cs = new Clientset(openStateStore(`memory://dump-shared-${aws.account}`));
    await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
    const applied = await updateCluster({ clientset: cs, clusterName: name, aws: awsOpts(aws), yes: true });
    expect(applied.applied?.ok).toBe(true);

    const dump = await dumpOf(cs, name, aws);
    expect(dump.vpc).toEqual({ id: vpcId, cidr: '10.70.0.0/16', shared: true });
    expect(dump.subnets.map((s) => [s.id, s.zone, s.cidr, s.shared])).toEqual([[subnetA, 'us-east-1a', '10.70.0.0/20', true]]);
    expect(dump.resources).toContainEqual(expect.objectContaining({ id: vpcId, type: 'vpc', shared: true }));
    // The user's internet gateway is the one the cluster routes through: shown, as shared.
    expect(dump.resources.filter((r) => r.shared).map((r) => r.id).sort()).toEqual([igw, subnetA, vpcId].sort());
    const text = JSON.stringify(dump);
    for (const theirs of [decoySubnet, decoyGroup, decoyInstance]) expect(text).not.toContain(theirs);
    expect(dump.instances.length).toBeGreaterThanOrEqual(2);
    expect(dump.instances.every((i) => i.privateAddresses.length === 1 && i.privateAddresses[0]!.startsWith('10.70.'))).toBe(true);
  }, 180_000);

  it('private with a bastion: NAT gateway, elastic IP, the bastion\'s load balancer and instance, private and utility subnets', async () => {
    const c = await setupCluster({ name: 'private.k8s.local', zones: ['us-east-1a', 'us-east-1b'], topology: 'private', bastion: true });
    const applied = await c.update(true);
    expect(applied.applied?.ok).toBe(true);
    const dump = await dumpOf(c.cs, c.name, c.aws);
    const types = new Set(dump.resources.map((r) => r.type));
    for (const t of ['nat-gateway', 'elastic-ip', 'load-balancer', 'autoscaling-group', 'volume']) expect(types, t).toContain(t);
    expect(dump.loadBalancers.map((l) => l.name.split('-')[0]).sort()).toEqual(['api', 'bastion']);
    expect(dump.subnets.map((s) => s.name).sort()).toEqual(['us-east-1a', 'us-east-1b', 'utility-us-east-1a', 'utility-us-east-1b'].map((n) => `${n}.${c.name}`));
    expect(dump.instances.filter((i) => i.roles.includes('bastion')).map((i) => i.instanceGroup)).toEqual(['bastions']);
    expect(dump.instances.filter((i) => i.roles.includes('control-plane'))).toHaveLength(1);
    expect(dump.etcdVolumes.map((v) => `${v.etcdCluster}/${v.etcdMember}`).sort()).toEqual(['main/a']);
  }, 180_000);

  it('Route53 DNS: the hosted zone is shown as shared, the API record as the cluster\'s', async () => {
    const c = await setupCluster({ name: 'dns.dev.example.com', zones: ['us-east-1a'], dns: 'public' });
    const zone = (await c.aws.clients.route53.send(new CreateHostedZoneCommand({ Name: 'dev.example.com', CallerReference: `dev-${c.aws.account}` }))).HostedZone!.Id!.replace('/hostedzone/', '');
    const applied = await c.update(true);
    expect(applied.applied?.ok).toBe(true);
    const dump = await dumpOf(c.cs, c.name, c.aws);
    expect(dump.resources.filter((r) => r.type === 'dns-zone')).toEqual([expect.objectContaining({ id: zone, shared: true })]);
    const records = dump.resources.filter((r) => r.type === 'dns-record');
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.shared === undefined)).toBe(true);
  }, 180_000);

  it('HA (three control planes): an etcd volume per member of main (the one etcd kops-ts runs), each control plane an instance, one API load balancer', async () => {
    const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
    const c = await setupCluster({ name: 'ha.k8s.local', zones, controlPlaneZones: zones });
    const applied = await c.update(true);
    expect(applied.applied?.ok).toBe(true);
    const dump = await dumpOf(c.cs, c.name, c.aws);
    expect(dump.etcdVolumes.map((v) => `${v.etcdCluster}/${v.etcdMember} ${v.zone}`).sort()).toEqual([
      'main/a us-east-1a',
      'main/b us-east-1b',
      'main/c us-east-1c',
    ]);
    const controlPlanes = dump.instances.filter((i) => i.roles.includes('control-plane'));
    expect(controlPlanes.map((i) => i.instanceGroup).sort()).toEqual(zones.map((z) => `control-plane-${z}`));
    expect(dump.loadBalancers.map((l) => l.subnets.length)).toEqual([3]);
  }, 180_000);
});

