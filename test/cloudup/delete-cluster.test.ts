/**
 * delete cluster on the emulator: real clusters built by `update --yes`, then listed (nothing
 * changes) and deleted (nothing the cluster owns is left; nothing it does not own is touched).
 */
import { describe, expect, it } from 'vitest';
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNetworkInterfaceCommand,
  CreateVolumeCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { deleteResources, listClusterResources, type DeleteProgress } from '../../src/cloudup/delete-cluster.js';
import { lookupSharedNetwork } from '../../src/cloudup/new-cluster-shared.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { readFileSync } from 'node:fs';
import { testAws } from '../helpers/aws.js';
import type { AwsRequestHook } from '../../src/cloud/aws/clients.js';
import { AwsCallRecorder } from '../../src/cloud/aws/call-scope.js';
import { operatorActions } from '../../src/cloudup/aws/operator-policy.js';
import { fakeClock, ownedLeft } from './delete-cluster-helpers.js';
import { ownedFilter, setupCluster, type E2ECluster } from './update-helpers.js';
import { CreateHostedZoneCommand, GetHostedZoneCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();

function awsOpts(c: E2ECluster) {
  const { region: _region, ...rest } = c.aws.options;
  return rest;
}

async function applied(c: E2ECluster): Promise<void> {
  const r = await c.update(true);
  expect(r.applied?.ok).toBe(true);
}

/** Lists (asserting that only reads were made), deletes, and returns the progress lines. */
async function listAndDelete(c: E2ECluster): Promise<{ listed: string[]; lines: string[] }> {
  c.aws.counter.reset();
  const recorder = new AwsCallRecorder();
  const opts = awsOpts(c);
  const inv = await listClusterResources({ clientset: c.cs, clusterName: c.name, aws: { ...opts, hooks: [...(opts.hooks ?? []), recorder.hook] } });
  const calls = [...c.aws.counter.counts.keys()];
  expect(calls.length).toBeGreaterThan(0);
  expect(calls.filter((k) => !/:(Describe|List|Get)/.test(k)), 'listing made a call that is not a read').toEqual([]);
  const lines: string[] = [];
  const clock = fakeClock();
  const r = await deleteResources(inv, { clock, progress: (p: DeleteProgress) => lines.push(`${p.resource.type}:${p.resource.id}\t${p.outcome}`) });
  expect(r.left.map((x) => `${x.resource.type} ${x.resource.name}: ${x.error}`)).toEqual([]);
  expect(r.gaveUp).toBeUndefined();
  // Every call the listing and the deletion made is in the operator policy (get iam-policy --operator).
  const declared = new Set(operatorActions());
  expect([...new Set(recorder.calls.flatMap((x) => x.actions))].filter((a) => !declared.has(a))).toEqual([]);
  return { listed: inv.resources.map((x) => `${x.type} ${x.name}`), lines };
}

describe('delete cluster (library, emulator)', () => {
  it('minimal: lists every kind it created without changing anything, then deletes it all', async () => {
    const c = await setupCluster({ name: 'minimal.k8s.local', zones: ['us-east-1a'] });
    await applied(c);
    // An instance a rolling update detached from its group: the cluster's tags and the detached tag.
    const subnet = (await c.aws.clients.ec2.send(new DescribeSubnetsCommand({ Filters: ownedFilter(c.name) }))).Subnets![0]!.SubnetId!;
    const tags = [
      { Key: 'KubernetesCluster', Value: c.name },
      { Key: `kubernetes.io/cluster/${c.name}`, Value: 'owned' },
      { Key: 'kops.k8s.io/detached-from-asg', Value: `nodes-us-east-1a.${c.name}` },
    ];
    const detached = (await c.aws.clients.ec2.send(new RunInstancesCommand({ ImageId: 'ami-' + '0'.repeat(8), MinCount: 1, MaxCount: 1, SubnetId: subnet, TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] }))).Instances![0]!.InstanceId!;
    // A network interface tagged as the cluster's (as a CNI makes them on its nodes).
    const eni = (await c.aws.clients.ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet, TagSpecifications: [{ ResourceType: 'network-interface', Tags: tags.slice(0, 2) }] }))).NetworkInterface!.NetworkInterfaceId!;
    const before = await ownedLeft(c.aws, c.name);
    expect(before).toContain(`instance ${detached}`);
    expect(before.filter((x) => x.startsWith('instance ')).length).toBeGreaterThanOrEqual(3); // control plane, node, detached
    const { listed, lines } = await listAndDelete(c);
    expect(lines).toContain(`instance:${detached}\tok`);
    expect(lines).toContain(`network-interface:${eni}\tok`);
    expect((await c.aws.clients.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'network-interface-id', Values: [eni] }] }))).NetworkInterfaces).toEqual([]);
    // The listing names every kind the engine made, the instances the groups launched included.
    const types = new Set(listed.map((l) => l.split(' ')[0]));
    for (const t of ['vpc', 'subnet', 'security-group', 'route-table', 'internet-gateway', 'autoscaling-group', 'launch-template', 'volume', 'iam-role', 'iam-instance-profile', 'load-balancer', 'target-group', 'keypair', 'instance', 'network-interface']) {
      expect(types, `listing has a ${t}`).toContain(t);
    }
    expect(before.length).toBeGreaterThan(10);
    expect(lines.filter((l) => l.endsWith('\tok')).length).toBe(listed.length);
    // Dependency order: what uses a resource goes before it.
    const at = (type: string) => lines.findIndex((l) => l.startsWith(`${type}:`));
    const lastAt = (type: string) => lines.findLastIndex((l) => l.startsWith(`${type}:`));
    for (const [first, then] of [['autoscaling-group', 'instance'], ['instance', 'volume'], ['instance', 'security-group'], ['autoscaling-group', 'launch-template'], ['load-balancer', 'target-group'], ['subnet', 'vpc'], ['iam-instance-profile-role', 'iam-role'], ['security-group', 'vpc'], ['instance', 'network-interface'], ['network-interface', 'subnet']] as const) {
      expect(lastAt(first), `${first} before ${then}`).toBeLessThan(at(then));
    }
    expect(await ownedLeft(c.aws, c.name)).toEqual([]);
  }, 180_000);

  it('HA (three control planes in three zones): nothing owned is left', async () => {
    const c = await setupCluster({ name: 'ha.k8s.local', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneCount: 3 });
    await applied(c);
    const before = await ownedLeft(c.aws, c.name);
    expect(before.filter((x) => x.startsWith('volume')).length).toBe(3); // etcd main, a/b/c
    // The volume of an etcd member removed from the spec since (tagged as the cluster's, no task).
    const tags = [{ Key: 'KubernetesCluster', Value: c.name }, { Key: `kubernetes.io/cluster/${c.name}`, Value: 'owned' }, { Key: 'Name', Value: `d.etcd-main.${c.name}` }];
    const removed = (await c.aws.clients.ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 20, TagSpecifications: [{ ResourceType: 'volume', Tags: tags }] }))).VolumeId!;
    const { listed } = await listAndDelete(c);
    expect(listed).toContain(`volume d.etcd-main.${c.name}`);
    expect(removed).toMatch(/^vol-/);
    expect(await ownedLeft(c.aws, c.name)).toEqual([]);
  }, 180_000);

  it('private with a bastion: NAT gateways, elastic IPs and the bastion go too', async () => {
    const c = await setupCluster({ name: 'private.k8s.local', zones: ['us-east-1a', 'us-east-1b'], topology: 'private', bastion: true });
    await applied(c);
    const before = await ownedLeft(c.aws, c.name);
    expect(before.filter((x) => x.startsWith('nat-gateway'))).toHaveLength(2);
    const { listed } = await listAndDelete(c);
    expect(listed.filter((l) => l.startsWith('elastic-ip'))).toHaveLength(2);
    expect(await ownedLeft(c.aws, c.name)).toEqual([]);
  }, 180_000);

  it('Route53 DNS: the API record goes, the hosted zone stays and is reported as kept', async () => {
    const c = await setupCluster({ name: 'dns.dev.example.com', zones: ['us-east-1a'], dns: 'public' });
    const r53 = c.aws.clients.route53;
    const zone = (await r53.send(new CreateHostedZoneCommand({ Name: 'dev.example.com', CallerReference: `dev-${c.aws.account}` }))).HostedZone!.Id!.replace('/hostedzone/', '');
    await applied(c);
    const records = async () => ((await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone }))).ResourceRecordSets ?? []).map((r) => `${r.Name} ${r.Type}`);
    expect(await records()).toContain('api.dns.dev.example.com. A');
    const inv = await listClusterResources({ clientset: c.cs, clusterName: c.name, aws: awsOpts(c) });
    expect(inv.resources.map((r) => r.type)).toContain('dns-record');
    expect(inv.kept.map((k) => k.what)).toContain(`Route53 hosted zone dev.example.com (${zone})`);
    const r = await deleteResources(inv, { clock: fakeClock() });
    expect(r.left).toEqual([]);
    expect(await records()).not.toContain('api.dns.dev.example.com. A');
    expect((await r53.send(new GetHostedZoneCommand({ Id: zone }))).HostedZone?.Name).toBe('dev.example.com.');
    expect(await ownedLeft(c.aws, c.name)).toEqual([]);
  }, 180_000);

  it('a shared VPC: the VPC, its subnets and decoys without the ownership tag are all still there', async () => {
    const aws = testAws();
    const ec2 = aws.clients.ec2;
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.70.0.0/16' }))).Vpc!.VpcId!;
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const subnetA = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.70.0.0/20', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const decoySubnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.70.64.0/20', AvailabilityZone: 'us-east-1b' }))).Subnet!.SubnetId!;
    const decoyGroup = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'decoy', Description: 'not the cluster\'s' }))).GroupId!;
    const image = 'ami-' + '0'.repeat(8); // any image: moto runs it
    const decoyInstance = (await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, SubnetId: subnetA, SecurityGroupIds: [decoyGroup] }))).Instances![0]!.InstanceId!;

    const name = 'shared.k8s.local';
    const shared = await lookupSharedNetwork(aws.clients, { subnetIDs: [subnetA] });
    const built = newCluster({ name, zones: ['us-east-1a'], subnetIDs: [subnetA], networkID: shared.networkID, sharedSubnets: shared.subnets, ...(shared.networkCIDR ? { networkCIDRs: [shared.networkCIDR] } : {}) });
    const cs = new Clientset(openStateStore(`memory://del-shared-${aws.account}`));
    await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
    const c: E2ECluster = { aws, cs, name, update: (yes = false) => updateCluster({ clientset: cs, clusterName: name, aws: awsOpts({ aws } as E2ECluster), yes }) };
    await applied(c);

    const inv = await listClusterResources({ clientset: cs, clusterName: name, aws: awsOpts(c) });
    const ids = inv.resources.map((r) => r.id);
    for (const theirs of [vpcId, subnetA, decoySubnet, decoyGroup, decoyInstance, igw]) expect(ids).not.toContain(theirs);
    expect(inv.kept.map((k) => k.what)).toEqual(expect.arrayContaining([`vpc ${vpcId}`, `subnet ${subnetA}`]));
    // Each kept line says truly why: the gateway was found through the VPC, not given by id.
    expect(inv.kept.find((k) => k.what === `subnet ${subnetA}`)?.why).toBe("shared: given by id in the spec, it is the user's");
    expect(inv.kept.find((k) => k.what === `internet-gateway ${igw}`)?.why).toBe("shared: the shared VPC's internet gateway, it is the user's");
    const r = await deleteResources(inv, { clock: fakeClock() });
    expect(r.left).toEqual([]);
    expect(await ownedLeft(aws, name)).toEqual([]);

    expect((await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs).toHaveLength(1);
    expect((await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetA, decoySubnet] }))).Subnets).toHaveLength(2);
    expect((await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [decoyGroup] }))).SecurityGroups).toHaveLength(1);
    const inst = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [decoyInstance] }))).Reservations?.[0]?.Instances?.[0];
    expect(inst?.State?.Name).toBe('running');
  }, 180_000);

  it("a user's network interface in a cluster subnet: stops after --count rounds without progress, naming it", async () => {
    const c = await setupCluster({ name: 'blocked.k8s.local', zones: ['us-east-1a'] });
    await applied(c);
    const ec2 = c.aws.clients.ec2;
    const subnet = (await ec2.send(new DescribeSubnetsCommand({ Filters: ownedFilter(c.name) }))).Subnets![0]!.SubnetId!;
    const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet, Description: 'a user interface' }))).NetworkInterface!.NetworkInterfaceId!;

    // AWS refuses DeleteSubnet while a network interface is in the subnet (DependencyViolation);
    // moto deletes the subnet anyway, so the rule is added in front of it (docs/aws-errors.md).
    const awsRule: AwsRequestHook = (req) => {
      if (req.operation.startsWith('DeleteSubnet') && (req.input as { SubnetId?: string }).SubnetId === subnet) {
        throw Object.assign(new Error(`The subnet '${subnet}' has dependencies and cannot be deleted.`), { name: 'DependencyViolation', Code: 'DependencyViolation' });
      }
    };
    const opts = awsOpts(c);
    const inv = await listClusterResources({ clientset: c.cs, clusterName: c.name, aws: { ...opts, hooks: [...(opts.hooks ?? []), awsRule] } });
    expect(inv.resources.map((r) => r.id)).not.toContain(eni);
    const clock = fakeClock();
    const waits: number[] = [];
    const r = await deleteResources(inv, { clock, count: 3, intervalMs: 10_000, waiting: (left) => waits.push(left.length) });
    expect(r.gaveUp).toBe('count');
    const left = r.left.map((x) => x.resource.type).sort();
    expect(left).toContain('subnet');
    expect(left).toContain('vpc');
    expect(r.left.find((x) => x.resource.type === 'subnet')?.error).toMatch(/DependencyViolation/);
    // Round 1 deletes everything else; rounds 2-4 make no progress; it gives up after the 3rd.
    expect(r.rounds).toBe(4);
    expect(clock.slept).toEqual([10_000, 10_000, 10_000]);
    expect(waits).toHaveLength(3);
    expect(r.blockers.map((b) => b.what)).toEqual([expect.stringContaining(eni)]);
    expect(r.blockers[0]!.what).toContain(subnet);
    // The user's interface is untouched.
    expect((await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni] }))).NetworkInterfaces).toHaveLength(1);
  }, 180_000);
});
