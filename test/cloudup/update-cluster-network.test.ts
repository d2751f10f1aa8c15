/**
 * update cluster end to end for the networks kops users have: additional VPC ranges with subnets
 * inside them (`create cluster --network-cidr a,b`), the VPC's Amazon IPv6 block and `::/0`
 * route, a shared VPC with shared subnets (`create cluster --subnets`), and every form of private
 * egress (`nat-`, `eipalloc-`, `i-`, `tgw-`, `External`, and none).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AllocateAddressCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateSubnetCommand,
  CreateTransitGatewayCommand,
  CreateTransitGatewayVpcAttachmentCommand,
  CreateVpcCommand,
  DeleteRouteCommand,
  DeleteSubnetCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DisassociateVpcCidrBlockCommand,
  RunInstancesCommand,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import { newCluster, type NewClusterOptions, type NewClusterResult } from '../../src/cloudup/new-cluster.js';
import { lookupSharedNetwork } from '../../src/cloudup/new-cluster-shared.js';
import { subnetIpv6Cidr } from '../../src/tasks/aws/subnet.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { KopsError } from '../../src/diagnostics.js';
import type { ClusterSubnetSpec, InstanceGroup } from '../../src/model/api/types.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { testAws, type TestAws } from '../helpers/aws.js';
import { applyAndConverge, changeLines, ownedFilter, tagMap, type E2ECluster } from './update-helpers.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();

/** Stores a spec built (and possibly edited) by the test in a fresh store bound to `aws`. */
async function storeCluster(aws: TestAws, built: NewClusterResult): Promise<E2ECluster> {
  const cs = new Clientset(openStateStore(`memory://net-${aws.account}-${built.cluster.metadata.name}`));
  await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
  const { region: _region, ...awsOpts } = aws.options;
  const name = built.cluster.metadata.name;
  return { aws, cs, name, update: (yes = false) => updateCluster({ clientset: cs, clusterName: name, aws: awsOpts, yes }) };
}

async function clusterVpc(c: E2ECluster) {
  const vpcs = (await c.aws.clients.ec2.send(new DescribeVpcsCommand({ Filters: ownedFilter(c.name) }))).Vpcs ?? [];
  expect(vpcs).toHaveLength(1);
  return vpcs[0]!;
}

async function subnetsOf(aws: TestAws, vpcId: string) {
  return (await aws.clients.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets ?? [];
}

async function routeTablesOf(aws: TestAws, vpcId: string): Promise<RouteTable[]> {
  return (await aws.clients.ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).RouteTables ?? [];
}

describe('update cluster: additional network CIDRs and the VPC\u2019s IPv6 block', () => {
  const NAME = 'ranges.example.com';
  const opts: NewClusterOptions = { name: NAME, zones: ['us-east-1a', 'us-east-1b'], networkCIDRs: ['10.0.0.0/16', '10.1.0.0/16'] };
  let c: E2ECluster;
  beforeAll(async () => {
    const built = newCluster(opts);
    // One subnet asks for an IPv6 range: the second /64 of the VPC's block (kops's notation).
    built.cluster.spec.subnets = built.cluster.spec.subnets?.map((s) => (s.name === 'us-east-1b' ? { ...s, ipv6CIDR: '/64#1' } : s));
    c = await storeCluster(testAws(), built);
    await applyAndConverge(c);
  }, 120_000);

  it('writes the spec kops writes for two --network-cidr values', () => {
    const built = newCluster(opts);
    expect(built.cluster.spec.networkCIDR).toBe('10.0.0.0/16');
    expect(built.cluster.spec.additionalNetworkCIDRs).toEqual(['10.1.0.0/16']);
    expect(built.cluster.spec.subnets?.map((s) => `${s.name} ${s.zone} ${s.cidr}`)).toEqual([
      'us-east-1a us-east-1a 10.0.0.0/17',
      'us-east-1b us-east-1b 10.0.128.0/17',
      'us-east-1a-1 us-east-1a 10.1.0.0/16',
    ]);
    const subnetsOfGroup = (n: string) => built.instanceGroups.find((g) => g.metadata.name === n)?.spec.subnets;
    // kops: the zone's nodes use the further subnet, the control plane the main one.
    expect(subnetsOfGroup('nodes-us-east-1a')).toEqual(['us-east-1a-1']);
    expect(subnetsOfGroup('nodes-us-east-1b')).toEqual(['us-east-1b']);
    expect(subnetsOfGroup('control-plane-us-east-1a')).toEqual(['us-east-1a']);
  });

  it('associates the additional range with the VPC and creates the subnet inside it', async () => {
    const vpc = await clusterVpc(c);
    const ranges = (vpc.CidrBlockAssociationSet ?? []).map((a) => `${a.CidrBlock} ${a.CidrBlockState?.State}`).sort();
    expect(ranges).toEqual(['10.0.0.0/16 associated', '10.1.0.0/16 associated']);
    const extra = (await subnetsOf(c.aws, vpc.VpcId!)).find((s) => tagMap(s.Tags)['Name'] === `us-east-1a-1.${NAME}`);
    expect(extra?.CidrBlock).toBe('10.1.0.0/16');
    expect(extra?.AvailabilityZone).toBe('us-east-1a');
  });

  it('gives the VPC its Amazon IPv6 block and routes ::/0 to the internet gateway, as kops does', async () => {
    const vpc = await clusterVpc(c);
    const v6 = (vpc.Ipv6CidrBlockAssociationSet ?? []).map((a) => [a.Ipv6Pool, a.Ipv6CidrBlockState?.State, /\/56$/.test(a.Ipv6CidrBlock ?? '')]);
    expect(v6).toEqual([['Amazon', 'associated', true]]);
    const pub = (await routeTablesOf(c.aws, vpc.VpcId!)).find((t) => tagMap(t.Tags)['kubernetes.io/kops/role'] === 'public');
    const igw = pub?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')?.GatewayId;
    expect(igw).toMatch(/^igw-/);
    expect(pub?.Routes?.find((r) => r.DestinationIpv6CidrBlock === '::/0')?.GatewayId).toBe(igw);
  });

  it('gives IPv6 ranges only to the subnets whose spec asks for one', async () => {
    const vpc = await clusterVpc(c);
    const block = vpc.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock ?? '';
    const v6 = (await subnetsOf(c.aws, vpc.VpcId!)).map((s) => [tagMap(s.Tags)['Name'], s.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock, s.AssignIpv6AddressOnCreation]).sort();
    expect(v6).toEqual([
      [`us-east-1a-1.${NAME}`, undefined, false],
      [`us-east-1a.${NAME}`, undefined, false],
      [`us-east-1b.${NAME}`, subnetIpv6Cidr('/64#1', block), true],
    ]);
  });

  it('tags public subnets for internal load balancers too when the cluster has no private subnet (kops)', async () => {
    const vpc = await clusterVpc(c);
    for (const s of await subnetsOf(c.aws, vpc.VpcId!)) {
      expect(tagMap(s.Tags), s.CidrBlock).toMatchObject({ SubnetType: 'Public', 'kubernetes.io/role/elb': '1', 'kubernetes.io/role/internal-elb': '1' });
    }
  });

  it('removes a range dropped from the spec once no subnet is left in it (kops keeps removed subnets)', async () => {
    const { object: cluster, version } = await c.cs.getCluster(NAME);
    const edited = structuredClone(cluster);
    delete edited.spec.additionalNetworkCIDRs;
    edited.spec.subnets = (edited.spec.subnets ?? []).filter((s: ClusterSubnetSpec) => s.name !== 'us-east-1a-1');
    await c.cs.updateCluster(edited, version);
    const ig = await c.cs.getInstanceGroup(NAME, 'nodes-us-east-1a');
    const moved: InstanceGroup = { ...ig.object, spec: { ...ig.object.spec, subnets: ['us-east-1a'] } };
    await c.cs.updateInstanceGroup(NAME, moved, ig.version);

    // The subnet is still in the range: AWS would refuse to remove it, so nothing is deleted yet.
    const deletions = async () => (await c.update(false)).plan.changes.filter((x) => x.action === 'delete').map((x) => x.key);
    expect(await deletions()).toEqual([]);
    await applyAndConverge(c);
    const vpc = await clusterVpc(c);
    const extra = (await subnetsOf(c.aws, vpc.VpcId!)).find((s) => tagMap(s.Tags)['Name'] === `us-east-1a-1.${NAME}`);
    await c.aws.clients.ec2.send(new DeleteSubnetCommand({ SubnetId: extra!.SubnetId! }));

    expect(await deletions()).toEqual(['VPCCIDRBlock/10.1.0.0/16']);
    await applyAndConverge(c);
    const live = ((await clusterVpc(c)).CidrBlockAssociationSet ?? []).filter((a) => a.CidrBlockState?.State === 'associated').map((a) => a.CidrBlock);
    expect(live).toEqual(['10.0.0.0/16']);
  }, 120_000);
});

describe('update cluster: a VPC made without the IPv6 block (an older kops-ts cluster)', () => {
  it('plans the block and the ::/0 route as additions, never a new VPC, and applies them', async () => {
    const c = await storeCluster(testAws(), newCluster({ name: 'older.example.com', zones: ['us-east-1a'] }));
    await applyAndConverge(c);
    const ec2 = c.aws.clients.ec2;
    const vpc = await clusterVpc(c);
    const pub = (await routeTablesOf(c.aws, vpc.VpcId!)).find((t) => tagMap(t.Tags)['kubernetes.io/kops/role'] === 'public')!;
    await ec2.send(new DeleteRouteCommand({ RouteTableId: pub.RouteTableId!, DestinationIpv6CidrBlock: '::/0' }));
    await ec2.send(new DisassociateVpcCidrBlockCommand({ AssociationId: vpc.Ipv6CidrBlockAssociationSet![0]!.AssociationId! }));

    const plan = (await c.update(false)).plan;
    expect(changeLines(plan)).toEqual(['Route/::/0: create cidr,routeTableId,target', 'VPCAmazonIPv6CIDRBlock/AmazonIPv6: create vpcId']);
    await applyAndConverge(c);
    const after = await clusterVpc(c);
    expect(after.VpcId).toBe(vpc.VpcId);
    expect(after.Ipv6CidrBlockAssociationSet?.filter((a) => a.Ipv6CidrBlockState?.State === 'associated')).toHaveLength(1);
  }, 120_000);
});

describe('update cluster: a shared VPC with shared subnets', () => {
  const NAME = 'shared.example.com';
  let aws: TestAws;
  let vpcId: string;
  const ids: Record<string, string> = {};
  let c: E2ECluster;
  let built: NewClusterResult;
  beforeAll(async () => {
    aws = testAws();
    const ec2 = aws.clients.ec2;
    vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.60.0.0/16' }))).Vpc!.VpcId!;
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    for (const [zone, cidr] of [['us-east-1a', '10.60.0.0/20'], ['us-east-1b', '10.60.16.0/20']] as const) {
      const s = await ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: zone, TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'Name', Value: `theirs-${zone}` }] }] }),
      );
      ids[zone] = s.Subnet!.SubnetId!;
    }
    // As `create cluster --zones us-east-1a,us-east-1b --subnets <b>,<a>` (no --network-id).
    const zones = ['us-east-1a', 'us-east-1b'];
    const subnetIDs = [ids['us-east-1b']!, ids['us-east-1a']!];
    const shared = await lookupSharedNetwork(aws.clients, { subnetIDs });
    built = newCluster({ name: NAME, zones, subnetIDs, networkID: shared.networkID, sharedSubnets: shared.subnets, ...(shared.networkCIDR ? { networkCIDRs: [shared.networkCIDR] } : {}) });
    c = await storeCluster(aws, built);
    await applyAndConverge(c);
  }, 120_000);

  it('writes kops\u2019s spec: the VPC of the subnets and its CIDR, each subnet in its own zone with its CIDR', () => {
    expect(built.cluster.spec.networkID).toBe(vpcId);
    expect(built.cluster.spec.networkCIDR).toBe('10.60.0.0/16');
    expect(built.cluster.spec.subnets).toEqual([
      { cidr: '10.60.0.0/20', id: ids['us-east-1a'], name: 'us-east-1a', type: 'Public', zone: 'us-east-1a' },
      { cidr: '10.60.16.0/20', id: ids['us-east-1b'], name: 'us-east-1b', type: 'Public', zone: 'us-east-1b' },
    ]);
  });

  it('tags the shared subnets as kops does and changes nothing else of them', async () => {
    for (const s of await subnetsOf(aws, vpcId)) {
      const zone = s.AvailabilityZone!;
      expect(tagMap(s.Tags), zone).toEqual({
        Name: `theirs-${zone}`,
        [`kubernetes.io/cluster/${NAME}`]: 'shared',
        SubnetType: 'Public',
        'kubernetes.io/role/elb': '1',
        'kubernetes.io/role/internal-elb': '1',
      });
      expect(s.CidrBlock).toBe(zone === 'us-east-1a' ? '10.60.0.0/20' : '10.60.16.0/20');
    }
  });

  it('never modifies the shared VPC: no tags, no IPv6 block, no ranges, no route tables of the cluster', async () => {
    const vpc = (await aws.clients.ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs![0]!;
    expect(vpc.Tags ?? []).toEqual([]);
    expect((vpc.Ipv6CidrBlockAssociationSet ?? []).filter((a) => a.Ipv6CidrBlockState?.State === 'associated')).toEqual([]);
    expect((vpc.CidrBlockAssociationSet ?? []).map((a) => a.CidrBlock)).toEqual(['10.60.0.0/16']);
    const tables = (await aws.clients.ec2.send(new DescribeRouteTablesCommand({ Filters: ownedFilter(NAME) }))).RouteTables ?? [];
    expect(tables).toEqual([]);
  });

  it('--network-id alone: the VPC\u2019s CIDR is the network CIDR new subnets are carved from; a missing VPC is named', async () => {
    const net = await lookupSharedNetwork(aws.clients, { networkID: vpcId });
    expect(net).toEqual({ networkID: vpcId, networkCIDR: '10.60.0.0/16', subnets: {} });
    const r = newCluster({ name: 'own-subnets.example.com', zones: ['us-east-1a'], networkID: vpcId, networkCIDRs: [net.networkCIDR!] });
    expect(r.cluster.spec.subnets?.map((s) => s.cidr)).toEqual(['10.60.0.0/16']);
    const missing = (await lookupSharedNetwork(aws.clients, { networkID: 'vpc-0123456789abcdef0' }).catch((e: unknown) => e)) as KopsError;
    expect(missing.diagnostics.map((d) => `${d.code} ${d.path} ${d.summary}`)).toEqual(['VPCNotFound --network-id VPC vpc-0123456789abcdef0 was not found in region us-east-1']);
  });

  it('refuses subnets that do not exist or are in another VPC, naming each', async () => {
    const other = (await aws.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.70.0.0/16' }))).Vpc!.VpcId!;
    const stray = (await aws.clients.ec2.send(new CreateSubnetCommand({ VpcId: other, CidrBlock: '10.70.0.0/20', AvailabilityZone: 'us-east-1c' }))).Subnet!.SubnetId!;
    const p = lookupSharedNetwork(aws.clients, { networkID: vpcId, subnetIDs: [ids['us-east-1a']!, 'subnet-0123456789abcdef0'], utilitySubnetIDs: [stray] });
    await expect(p).rejects.toSatisfy((e) => KopsError.is(e, 'InvalidFlags'));
    const err = (await p.catch((e: unknown) => e)) as KopsError;
    expect(err.diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['SubnetNotFound --subnets', 'SubnetNotInVPC --utility-subnets']);
    expect(err.message).toContain('subnet-0123456789abcdef0');
    expect(err.message).toContain(stray);
  });
});

describe('update cluster: every form of private egress', () => {
  const NAME = 'egress.example.com';
  // (moto offers no t3.medium in us-east-1e, so the External subnet shares us-east-1a.)
  const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1f'];
  let aws: TestAws;
  let vpcId: string;
  const theirs = { nat: '', eip: '', instance: '', tgw: '' };
  let c: E2ECluster;
  let tables: RouteTable[];
  const subnetIdByName = new Map<string, string>();

  beforeAll(async () => {
    aws = testAws();
    const ec2 = aws.clients.ec2;
    // The user's network: a VPC with an internet gateway, a public subnet with their NAT gateway
    // and their NAT instance, an elastic IP of theirs, and a transit gateway attached to the VPC.
    vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.50.0.0/16' }))).Vpc!.VpcId!;
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const pub = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.50.250.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const natEip = (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!;
    theirs.nat = (await ec2.send(new CreateNatGatewayCommand({ SubnetId: pub, AllocationId: natEip }))).NatGateway!.NatGatewayId!;
    theirs.eip = (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!;
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
    theirs.instance = (await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, SubnetId: pub, InstanceType: 't3.micro' }))).Instances![0]!.InstanceId!;
    theirs.tgw = (await ec2.send(new CreateTransitGatewayCommand({}))).TransitGateway!.TransitGatewayId!;
    await ec2.send(new CreateTransitGatewayVpcAttachmentCommand({ TransitGatewayId: theirs.tgw, VpcId: vpcId, SubnetIds: [pub] }));

    const built = newCluster({ name: NAME, zones: ZONES, topology: 'private', networkID: vpcId });
    const egress: Record<string, string | undefined> = {
      'us-east-1a': undefined,
      'us-east-1b': theirs.nat,
      'us-east-1c': theirs.eip,
      'us-east-1d': theirs.instance,
      'us-east-1f': theirs.tgw,
    };
    const subnets: ClusterSubnetSpec[] = ZONES.map((zone, i) => ({ name: zone, zone, type: 'Private', cidr: `10.50.${i * 16}.0/20`, ...(egress[zone] ? { egress: egress[zone] } : {}) }));
    // `External` does not count as the zone's egress: it may share a zone with another form.
    subnets.push({ name: 'external-us-east-1a', zone: 'us-east-1a', type: 'Private', cidr: '10.50.96.0/20', egress: 'External' });
    // Utility subnets where a NAT gateway of kops-ts's goes (no egress, eipalloc-).
    subnets.push({ name: 'utility-us-east-1a', zone: 'us-east-1a', type: 'Utility', cidr: '10.50.128.0/22' });
    subnets.push({ name: 'utility-us-east-1c', zone: 'us-east-1c', type: 'Utility', cidr: '10.50.132.0/22' });
    built.cluster.spec.networkCIDR = '10.50.0.0/16';
    built.cluster.spec.subnets = subnets;
    // One control plane in us-east-1a, one node group over every private subnet.
    const cp = built.instanceGroups.find((g) => g.spec.role === 'Master')!;
    const node = built.instanceGroups.find((g) => g.metadata.name === 'nodes-us-east-1a')!;
    node.metadata.name = 'nodes';
    node.spec.subnets = [...ZONES];
    node.spec.minSize = 1;
    node.spec.maxSize = 1;
    c = await storeCluster(aws, { ...built, instanceGroups: [cp, node] });
    await applyAndConverge(c);
    tables = await routeTablesOf(aws, vpcId);
    for (const s of await subnetsOf(aws, vpcId)) subnetIdByName.set(tagMap(s.Tags)['Name'] ?? '', s.SubnetId!);
  }, 180_000);

  function privateTable(zone: string): RouteTable | undefined {
    return tables.find((t) => tagMap(t.Tags)['Name'] === `private-${zone}.${NAME}`);
  }
  function defaultRoute(zone: string) {
    const r = privateTable(zone)?.Routes?.find((x) => x.DestinationCidrBlock === '0.0.0.0/0');
    expect(r, zone).toBeDefined();
    expect(privateTable(zone)?.Associations?.map((a) => a.SubnetId), zone).toEqual([subnetIdByName.get(`${zone}.${NAME}`)]);
    return r!;
  }

  it('no egress: a NAT gateway of the cluster, on a new elastic IP, in the zone\u2019s utility subnet', async () => {
    const nat = defaultRoute('us-east-1a').NatGatewayId!;
    const g = (await aws.clients.ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [nat] }))).NatGateways![0]!;
    expect(tagMap(g.Tags)[`kubernetes.io/cluster/${NAME}`]).toBe('owned');
    expect(g.SubnetId).toBe(subnetIdByName.get(`utility-us-east-1a.${NAME}`));
    expect(g.NatGatewayAddresses?.[0]?.AllocationId).not.toBe(theirs.eip);
  });

  it('nat-: the user\u2019s NAT gateway, untouched', async () => {
    expect(defaultRoute('us-east-1b').NatGatewayId).toBe(theirs.nat);
    const g = (await aws.clients.ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [theirs.nat] }))).NatGateways![0]!;
    expect(g.Tags ?? []).toEqual([]);
  });

  it('eipalloc-: a NAT gateway of the cluster on the user\u2019s elastic IP, which is not tagged', async () => {
    const nat = defaultRoute('us-east-1c').NatGatewayId!;
    expect(nat).not.toBe(theirs.nat);
    const g = (await aws.clients.ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [nat] }))).NatGateways![0]!;
    expect(g.NatGatewayAddresses?.[0]?.AllocationId).toBe(theirs.eip);
    expect(g.SubnetId).toBe(subnetIdByName.get(`utility-us-east-1c.${NAME}`));
    expect(tagMap(g.Tags)[`kubernetes.io/cluster/${NAME}`]).toBe('owned');
    const eip = (await aws.clients.ec2.send(new DescribeAddressesCommand({ AllocationIds: [theirs.eip] }))).Addresses![0]!;
    expect(eip.Tags ?? []).toEqual([]);
  });

  it('i-: a route to the user\u2019s instance', () => {
    expect(defaultRoute('us-east-1d').InstanceId).toBe(theirs.instance);
  });

  it('tgw-: a route to the user\u2019s transit gateway', () => {
    expect(defaultRoute('us-east-1f').TransitGatewayId).toBe(theirs.tgw);
  });

  it('External: the subnet is created but not routed by kops-ts (no association with any table)', () => {
    const ext = subnetIdByName.get(`external-us-east-1a.${NAME}`);
    expect(ext).toMatch(/^subnet-/);
    expect(tables.flatMap((t) => t.Associations ?? []).some((a) => a.SubnetId === ext)).toBe(false);
  });

  it('i- of an instance that does not exist: a planning error naming it, before anything is made', async () => {
    const { object: cluster, version } = await c.cs.getCluster(NAME);
    const edited = structuredClone(cluster);
    for (const s of edited.spec.subnets ?? []) if (s.egress === theirs.instance) s.egress = 'i-0123456789abcdef0';
    await c.cs.updateCluster(edited, version);
    try {
      const err = (await c.update(false).catch((e: unknown) => e)) as KopsError;
      expect(KopsError.is(err, 'SharedResourceNotFound')).toBe(true);
      expect(err.diagnostics.map((d) => d.code)).toEqual(['SharedResourceNotFound']);
      expect(err.diagnostics[0]?.summary).toContain('Instance/i-0123456789abcdef0');
    } finally {
      const back = await c.cs.getCluster(NAME);
      await c.cs.updateCluster(cluster, back.version);
    }
  });

  it('creates exactly two NAT gateways and one elastic IP of its own', async () => {
    // (Filtered here, not by the request: moto ignores tag filters on DescribeNatGateways.)
    const all = (await aws.clients.ec2.send(new DescribeNatGatewaysCommand({}))).NatGateways ?? [];
    const nats = all.filter((g) => g.State !== 'deleted' && tagMap(g.Tags)[`kubernetes.io/cluster/${NAME}`] === 'owned');
    expect(nats).toHaveLength(2);
    const eips = (await aws.clients.ec2.send(new DescribeAddressesCommand({ Filters: ownedFilter(NAME) }))).Addresses ?? [];
    expect(eips).toHaveLength(1);
    expect(changeLines((await c.update(false)).plan)).toEqual([]);
  });
});
