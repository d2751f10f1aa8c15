/**
 * delete cluster and what update added to the user's resources (src/cloud/aws/delete-shared.ts),
 * on the emulator: a private hosted zone's association with the cluster's own VPC is removed
 * before the VPC (never a shared VPC's, never the zone's last), and the `shared` tag on the
 * user's subnets is left, as kops leaves it, and reported.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AttachInternetGatewayCommand, CreateInternetGatewayCommand, CreateSubnetCommand, CreateVpcCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand, DisassociateVPCFromHostedZoneCommand, GetHostedZoneCommand } from '@aws-sdk/client-route-53';
import { deleteResources, listClusterResources, type DeleteProgress } from '../../src/cloudup/delete-cluster.js';
import { lookupSharedNetwork } from '../../src/cloudup/new-cluster-shared.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { AwsCallRecorder } from '../../src/cloud/aws/call-scope.js';
import { operatorActions } from '../../src/cloudup/aws/operator-policy.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { testAws, type TestAws } from '../helpers/aws.js';
import { fakeClock, ownedLeft } from './delete-cluster-helpers.js';
import { tagMap } from './update-helpers.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();
const ZONE = 'priv.example.com';

interface Setup {
  readonly aws: TestAws;
  readonly cs: Clientset;
  readonly name: string;
  readonly usersVpc: string;
  readonly zoneId: string;
  readonly opts: Omit<TestAws['options'], 'region'>;
}

/** A private zone answering in a VPC of the user's, and a cluster with `--dns private` (in that VPC when `shared`). */
async function setup(name: string, shared = false): Promise<Setup> {
  const aws = testAws();
  const ec2 = aws.clients.ec2;
  const usersVpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.80.0.0/16' }))).Vpc!.VpcId!;
  const zone = await aws.clients.route53.send(
    new CreateHostedZoneCommand({ Name: ZONE, CallerReference: `${name}-${aws.account}`, VPC: { VPCId: usersVpc, VPCRegion: 'us-east-1' }, HostedZoneConfig: { PrivateZone: true } }),
  );
  let built;
  if (shared) {
    // A public subnet of the user's: the VPC has its internet gateway.
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: usersVpc }));
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: usersVpc, CidrBlock: '10.80.0.0/20', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const net = await lookupSharedNetwork(aws.clients, { subnetIDs: [subnet] });
    built = newCluster({ name, zones: ['us-east-1a'], dns: 'private', subnetIDs: [subnet], networkID: net.networkID, sharedSubnets: net.subnets, ...(net.networkCIDR ? { networkCIDRs: [net.networkCIDR] } : {}) });
  } else {
    built = newCluster({ name, zones: ['us-east-1a'], dns: 'private' });
  }
  const cs = new Clientset(openStateStore(`memory://del-zone-${aws.account}`));
  await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
  const { region: _region, ...opts } = aws.options;
  const applied = await updateCluster({ clientset: cs, clusterName: name, aws: opts, yes: true });
  expect(applied.applied?.ok).toBe(true);
  return { aws, cs, name, usersVpc, zoneId: zone.HostedZone!.Id!.replace('/hostedzone/', ''), opts };
}

async function zoneVpcs(s: Setup): Promise<string[]> {
  const z = await s.aws.clients.route53.send(new GetHostedZoneCommand({ Id: s.zoneId }));
  return (z.VPCs ?? []).map((v) => v.VPCId ?? '').sort();
}

async function clusterVpc(s: Setup): Promise<string> {
  const out = await s.aws.clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:KubernetesCluster', Values: [s.name] }] }));
  return out.Vpcs?.[0]?.VpcId ?? '';
}

function list(s: Setup, recorder?: AwsCallRecorder) {
  return listClusterResources({ clientset: s.cs, clusterName: s.name, aws: { ...s.opts, hooks: [...(s.opts.hooks ?? []), ...(recorder ? [recorder.hook] : [])] } });
}

describe('delete cluster: what update added to the user\'s resources', () => {
  it("removes the private zone's association with the cluster's own VPC before the VPC, keeps the zone and its other VPCs, and an interrupted delete resumes", async () => {
    const s = await setup('own.priv.example.com');
    const vpc = await clusterVpc(s);
    expect(await zoneVpcs(s)).toEqual([s.usersVpc, vpc].sort());

    s.aws.counter.reset();
    const recorder = new AwsCallRecorder();
    const inv = await list(s, recorder);
    expect([...s.aws.counter.counts.keys()].filter((k) => !/:(Describe|List|Get)/.test(k)), 'the listing only reads').toEqual([]);
    const assoc = inv.resources.filter((r) => r.type === 'hosted-zone-association');
    expect(assoc.map((r) => `${r.name} ${r.id}`)).toEqual([`${ZONE} ${s.zoneId}/${vpc}`]);
    const vpcRow = inv.resources.find((r) => r.type === 'vpc');
    expect(vpcRow?.id).toBe(vpc);
    expect(inv.before(assoc[0]!, vpcRow!)).toBe(true);
    expect(inv.before(vpcRow!, assoc[0]!)).toBe(false);
    // The zone itself is still reported as the user's.
    expect(inv.kept.map((k) => k.what)).toContain(`Route53 hosted zone ${ZONE} (${s.zoneId})`);

    // Interrupted right after the association is removed: the VPC is still there.
    const order: string[] = [];
    const stop = new AbortController();
    const first = await deleteResources(inv, {
      clock: fakeClock(),
      signal: stop.signal,
      progress: (p: DeleteProgress) => {
        if (p.outcome !== 'ok') return;
        order.push(p.resource.type);
        if (p.resource.type === 'hosted-zone-association') stop.abort();
      },
    });
    expect(first.gaveUp).toBe('interrupted');
    expect(order).toContain('hosted-zone-association');
    expect(order).not.toContain('vpc');
    expect(await zoneVpcs(s)).toEqual([s.usersVpc]);

    // The re-run (as after an interrupted delete) lists no association any more and finishes.
    const again = await list(s, recorder);
    expect(again.resources.filter((r) => r.type === 'hosted-zone-association')).toEqual([]);
    expect(again.resources.map((r) => r.id)).toContain(vpc);
    const r = await deleteResources(again, { clock: fakeClock() });
    expect(r.left.map((x) => `${x.resource.type} ${x.resource.id}: ${x.error}`)).toEqual([]);
    expect(await zoneVpcs(s)).toEqual([s.usersVpc]);
    expect(await ownedLeft(s.aws, s.name)).toEqual([]);
    // Every call of the listings and the deletions is in the operator policy.
    const declared = new Set(operatorActions());
    expect([...new Set(recorder.calls.flatMap((x) => x.actions))].filter((a) => !declared.has(a))).toEqual([]);
    expect(recorder.calls.flatMap((x) => x.actions)).toContain('route53:DisassociateVPCFromHostedZone');
    expect((await list(s)).resources).toEqual([]);
  }, 180_000);

  it("leaves the association when the cluster's VPC is the zone's only one (AWS: LastVPCAssociation) and says why; the delete still finishes", async () => {
    const s = await setup('last.priv.example.com');
    const vpc = await clusterVpc(s);
    // The user moved the zone off their own VPC: the cluster's is now its only one.
    await s.aws.clients.route53.send(new DisassociateVPCFromHostedZoneCommand({ HostedZoneId: s.zoneId, VPC: { VPCId: s.usersVpc, VPCRegion: 'us-east-1' } }));
    expect(await zoneVpcs(s)).toEqual([vpc]);

    const inv = await list(s);
    expect(inv.resources.filter((r) => r.type === 'hosted-zone-association')).toEqual([]);
    const kept = inv.kept.find((k) => k.what === `the association of Route53 hosted zone ${ZONE} (${s.zoneId}) with VPC ${vpc}`);
    expect(kept?.why).toContain("the zone's only VPC");
    expect(kept?.why).toContain('LastVPCAssociation');
    const r = await deleteResources(inv, { clock: fakeClock() });
    expect(r.left).toEqual([]);
    expect(await ownedLeft(s.aws, s.name)).toEqual([]);
    // The zone is the user's: still there.
    expect((await s.aws.clients.route53.send(new GetHostedZoneCommand({ Id: s.zoneId }))).HostedZone?.Name).toBe(`${ZONE}.`);
  }, 180_000);

  it("in a shared VPC: never disassociates the user's VPC, and leaves the cluster's tag on the shared subnet, naming both", async () => {
    const s = await setup('shared.priv.example.com', true);
    expect(await zoneVpcs(s)).toEqual([s.usersVpc]);
    const subnets = await s.aws.clients.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [s.usersVpc] }] }));
    const subnet = subnets.Subnets![0]!;
    const tagKey = `kubernetes.io/cluster/${s.name}`;
    expect(tagMap(subnet.Tags)[tagKey]).toBe('shared');

    const inv = await list(s);
    expect(inv.resources.filter((r) => r.type === 'hosted-zone-association')).toEqual([]);
    expect(inv.kept.find((k) => k.what === `the association of Route53 hosted zone ${ZONE} (${s.zoneId}) with VPC ${s.usersVpc}`)?.why).toContain("the VPC is the user's");
    expect(inv.kept.find((k) => k.what === `the tag ${tagKey}=shared on subnet ${subnet.SubnetId}`)?.why).toBe(
      `update cluster added it; left, as kops leaves it (aws ec2 delete-tags --resources ${subnet.SubnetId} --tags Key=${tagKey} removes it)`,
    );
    const r = await deleteResources(inv, { clock: fakeClock() });
    expect(r.left).toEqual([]);
    expect(await zoneVpcs(s)).toEqual([s.usersVpc]);
    const after = await s.aws.clients.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnet.SubnetId!] }));
    expect(tagMap(after.Subnets?.[0]?.Tags)).toEqual(tagMap(subnet.Tags));
  }, 180_000);
});
