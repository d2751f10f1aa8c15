import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { CreateSubnetCommand, CreateVpcCommand, type AvailabilityZone } from '@aws-sdk/client-ec2';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsClients, RequestCounter } from '../../../src/cloud/aws/clients.js';
import { awsPreflight, preflightError, regionOfCluster } from '../../../src/cloudup/aws/preflight.js';
import { checkZones } from '../../../src/cloudup/aws/preflight-checks.js';
import { awsRegionOfZone, partitionOfRegion } from '../../../src/cloudup/aws/regions.js';
import { error, KopsError, warning, type Diagnostic } from '../../../src/diagnostics.js';
import { API_VERSION, type Cluster, type InstanceGroup } from '../../../src/model/api/types.js';
import { accountHook, awsEndpoint, testAws } from '../../helpers/aws.js';
import { startFaultProxy, throughProxy, type FaultProxy } from '../../fakes/aws-fault-proxy.js';

const NAME = 'preflight.example.com';

function cluster(zones: string[], extra: Partial<Cluster['spec']> = {}): Cluster {
  return {
    apiVersion: API_VERSION, kind: 'Cluster', metadata: { name: NAME },
    spec: {
      cloudProvider: 'aws', networkCIDR: '172.20.0.0/16',
      subnets: zones.map((z, i) => ({ name: `s-${i}`, zone: z, cidr: `172.20.${32 * i}.0/19`, type: 'Public' as const })),
      topology: { dns: { type: 'None' } },
      ...extra,
    },
  };
}

function ig(name: string, machineType: string, subnets: string[], role: InstanceGroup['spec']['role'] = 'Node'): InstanceGroup {
  return { apiVersion: API_VERSION, kind: 'InstanceGroup', metadata: { name }, spec: { role, machineType, subnets, minSize: 1, maxSize: 1 } };
}

const IGS = [ig('control-plane-us-east-1a', 't3.medium', ['s-0'], 'Master'), ig('nodes', 'm5.large', ['s-0', 's-1'])];
const codes = (ds: readonly Diagnostic[]) => ds.map((d) => d.code);

describe('regions', () => {
  it.each([
    ['us-east-1a', 'us-east-1'], ['eu-west-3c', 'eu-west-3'], ['us-gov-west-1a', 'us-gov-west-1'],
    ['us-west-2-lax-1a', 'us-west-2'], ['us-east-1-wl1-bos-wlz-1', 'us-east-1'], ['us-isob-east-1a', 'us-isob-east-1'],
    ['useast1a', undefined], ['us-east-1', undefined],
  ])('the region of zone %s is %s', (zone, region) => {
    expect(awsRegionOfZone(zone)).toBe(region);
  });

  it('partitions follow the region', () => {
    expect(['us-east-1', 'cn-north-1', 'us-gov-east-1', 'us-iso-east-1', 'us-isob-east-1'].map(partitionOfRegion))
      .toEqual(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b']);
  });

  it('regionOfCluster takes the subnets\' region and refuses none or several', () => {
    expect(regionOfCluster(cluster(['eu-west-3a', 'eu-west-3b']))).toBe('eu-west-3');
    expect(regionOfCluster(cluster(['use1-az1', 'us-west-2-lax-1a']))).toBe('us-west-2');
    const mixed = (() => { try { regionOfCluster(cluster(['us-east-1a', 'eu-west-1a'])); } catch (e) { return e; } })();
    expect(KopsError.is(mixed, 'MixedRegions') && mixed.diagnostics[0]?.path).toBe('spec.subnets[1].zone');
    expect(() => regionOfCluster(cluster([]))).toThrow(/no subnet names an availability zone/);
  });
});

describe('checkZones (zones the emulator lacks)', () => {
  const azs: AvailabilityZone[] = [
    { ZoneName: 'us-west-2a', ZoneId: 'usw2-az1', ZoneType: 'availability-zone', OptInStatus: 'opt-in-not-required', State: 'available' },
    { ZoneName: 'us-west-2b', ZoneId: 'usw2-az2', ZoneType: 'availability-zone', OptInStatus: 'opt-in-not-required', State: 'impaired' },
    { ZoneName: 'us-west-2-lax-1a', ZoneId: 'usw2-lax1-az1', ZoneType: 'local-zone', OptInStatus: 'not-opted-in', GroupName: 'us-west-2-lax-1', State: 'available' },
  ];

  it('tells a local zone not enabled, a zone ID and an impaired zone apart', () => {
    const ds = checkZones(cluster(['us-west-2a', 'us-west-2-lax-1a', 'usw2-az1', 'us-west-2b']), [], 'us-west-2', azs);
    expect(ds.map((d) => [d.severity, d.code, d.path])).toEqual([
      ['error', 'ZoneNotEnabled', 'spec.subnets[1].zone'],
      ['error', 'UnknownZone', 'spec.subnets[2].zone'],
      ['warning', 'ZoneNotAvailable', 'spec.subnets[3].zone'],
    ]);
    expect(ds[0]!.hint).toContain('--group-name us-west-2-lax-1 --opt-in-status opted-in');
    expect(ds[1]!.hint).toContain('its zone name is us-west-2a');
  });
});

describe('awsPreflight against the emulator', () => {
  it('passes a valid spec with three calls, whatever the number of instance groups', async () => {
    const aws = testAws();
    const many = [...IGS, ...['b', 'c', 'd', 'e'].map((n) => ig(`nodes-${n}`, 'm5.large', ['s-1']))];
    const r = await awsPreflight(aws.clients, cluster(['us-east-1a', 'us-east-1b']), many);
    expect(r.diagnostics).toEqual([]);
    expect(r.account).toEqual({ id: aws.account, partition: 'aws', arn: expect.stringContaining(`:${aws.account}:`) });
    expect(Object.fromEntries(aws.counter.counts)).toEqual({
      'sts:GetCallerIdentityCommand': 1, 'ec2:DescribeAvailabilityZonesCommand': 1, 'ec2:DescribeInstanceTypeOfferingsCommand': 1,
    });
  });

  it('names a zone that is not in the region, listing the region\'s zones', async () => {
    const aws = testAws();
    const r = await awsPreflight(aws.clients, cluster(['us-east-1a', 'us-east-1z']), IGS);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'UnknownZone', path: 'spec.subnets[1].zone', summary: 'zone us-east-1z is not a zone of region us-east-1' });
    expect(r.diagnostics[0]!.hint).toContain('us-east-1a, us-east-1b, us-east-1c');
  });

  it('names an instance type that is not offered where its group runs', async () => {
    const aws = testAws();
    const igs = [ig('control-plane-us-east-1a', 't3.medium', ['s-0'], 'Master'), ig('nodes', 't3.mega', ['s-0', 's-1']), ig('edge', 't3.medium', ['s-2'])];
    const r = await awsPreflight(aws.clients, cluster(['us-east-1a', 'us-east-1b', 'us-east-1e']), igs);
    expect(r.diagnostics.map((d) => [d.code, d.path, d.summary])).toEqual([
      ['UnknownInstanceType', 'InstanceGroup/nodes spec.machineType', 't3.mega is not offered in us-east-1a, us-east-1b'],
      ['UnknownInstanceType', 'InstanceGroup/edge spec.machineType', 't3.medium is not offered in us-east-1e'],
    ]);
    expect(r.diagnostics[0]!.hint).toContain('not offered anywhere in us-east-1');
    expect(r.diagnostics[1]!.hint).toContain('t3.medium is offered in us-east-1a');
  });

  it("refuses subnets to create in a shared VPC that overlap the VPC's other subnets (one DescribeSubnets), not the cluster's own", async () => {
    const aws = testAws();
    const ec2 = aws.clients.ec2;
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.70.0.0/16' }))).Vpc!.VpcId!;
    const users = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.70.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    // The cluster's own subnet from an earlier apply overlaps what it wants (it is that subnet): not a conflict.
    const tags = [{ Key: 'KubernetesCluster', Value: NAME }];
    await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.70.128.0/17', AvailabilityZone: 'us-east-1b', TagSpecifications: [{ ResourceType: 'subnet', Tags: tags }] }));
    const shared = (cidrs: string[]) =>
      cluster(['us-east-1a', 'us-east-1b'], { networkID: vpc, networkCIDR: '10.70.0.0/16', subnets: cidrs.map((cidr, i) => ({ name: `s-${i}`, zone: `us-east-1${'ab'[i]}`, cidr, type: 'Public' as const })) });
    // What create cluster --network-id wrote without --subnets: the VPC's range halved, over the user's subnet.
    const r = await awsPreflight(aws.clients, shared(['10.70.0.0/17', '10.70.128.0/17']), IGS);
    expect(r.diagnostics.map((d) => [d.code, d.path, d.summary])).toEqual([
      ['SubnetCIDRConflict', 'spec.subnets[0].cidr', `subnet s-0's CIDR 10.70.0.0/17 overlaps subnet ${users} (10.70.1.0/24) of the shared VPC ${vpc}`],
    ]);
    expect(preflightError(r)?.code).toBe('SubnetCIDRConflict');
    aws.counter.reset();
    expect((await awsPreflight(aws.clients, shared(['10.70.64.0/18', '10.70.128.0/17']), IGS)).diagnostics).toEqual([]);
    expect(aws.counter.counts.get('ec2:DescribeSubnetsCommand')).toBe(1);
  });

  it("checks a mixed-instances policy's types too, each at its path", async () => {
    const aws = testAws();
    const spot = ig('spot', 't3.medium', ['s-0']);
    spot.spec.mixedInstancesPolicy = { instances: ['t3.medium', 'm5.mega'] };
    const r = await awsPreflight(aws.clients, cluster(['us-east-1a']), [IGS[0]!, spot]);
    expect(r.diagnostics.map((d) => [d.code, d.path, d.summary])).toEqual([
      ['UnknownInstanceType', 'InstanceGroup/spot spec.mixedInstancesPolicy.instances[1]', 'm5.mega is not offered in us-east-1a'],
    ]);
  });

  it('checks spec.dnsZone with one Route53 call: a missing zone, a zone of the wrong kind, a zone ID', async () => {
    const aws = testAws();
    const dns = (dnsZone: string, type: 'Public' | 'Private' = 'Public') => cluster(['us-east-1a'], { dnsZone, topology: { dns: { type } } });
    const igs = [IGS[0]!];
    const missing = await awsPreflight(aws.clients, dns('missing.example.com'), igs);
    expect(missing.diagnostics.map((d) => [d.code, d.path, d.summary])).toEqual([['HostedZoneNotFound', 'spec.dnsZone', 'no public Route53 hosted zone missing.example.com']]);
    expect(aws.counter.counts.get('route53:ListHostedZonesByNameCommand')).toBe(1);

    const made = await aws.clients.route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: `ref-${aws.account}` }));
    expect((await awsPreflight(aws.clients, dns('example.com'), igs)).diagnostics).toEqual([]);
    expect((await awsPreflight(aws.clients, dns('example.com.', 'Private'), igs)).diagnostics.map((d) => d.summary))
      .toEqual(['no private Route53 hosted zone example.com. (there is a public one)']);
    const id = made.HostedZone!.Id!.replace('/hostedzone/', '');
    expect((await awsPreflight(aws.clients, dns(id), igs)).diagnostics).toEqual([]);
    expect(codes((await awsPreflight(aws.clients, dns('Z0NOSUCHZONE1'), igs)).diagnostics)).toEqual(['HostedZoneNotFound']);
    aws.counter.reset();
    await awsPreflight(aws.clients, cluster(['us-east-1a'], { dnsZone: 'example.com' }), igs);
    expect(aws.counter.total((k) => k.startsWith('route53:'))).toBe(0);
  });

  it('finds the hosted zone as kops does when spec.dnsZone is unset: the longest suffix, of the right kind', async () => {
    const aws = testAws();
    const igs = [IGS[0]!];
    const named = (name: string, type: 'Public' | 'Private') => ({ ...cluster(['us-east-1a'], { topology: { dns: { type } } }), metadata: { name } });
    const none = await awsPreflight(aws.clients, named('c1.dev.example.com', 'Public'), igs);
    expect(none.dnsZone).toBeUndefined();
    expect(none.diagnostics.map((d) => [d.code, d.path, d.summary])).toEqual([
      ['HostedZoneNotFound', 'spec.dnsZone', 'no public Route53 hosted zone for c1.dev.example.com: looked for c1.dev.example.com, dev.example.com, example.com'],
    ]);

    const vpc = await aws.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    let n = 0;
    const zone = async (Name: string, priv = false) => {
      n += 1;
      const made = await aws.clients.route53.send(new CreateHostedZoneCommand({
        Name, CallerReference: `${Name}-${n}-${aws.account}`,
        ...(priv ? { HostedZoneConfig: { PrivateZone: true }, VPC: { VPCRegion: 'us-east-1', VPCId: vpc.Vpc!.VpcId! } } : {}),
      }));
      return made.HostedZone!.Id!.replace('/hostedzone/', '');
    };
    const parent = await zone('example.com');
    const dev = await zone('dev.example.com');
    const privateDev = await zone('dev.example.com', true);
    await zone('ev.example.com'); // a suffix of the name's text, not of its labels: never a match
    await zone('other.org');

    // Several candidates: the longest public one wins; a private zone of the same name does not count.
    const pub = await awsPreflight(aws.clients, named('c1.dev.example.com', 'Public'), igs);
    expect(pub.diagnostics).toEqual([]);
    expect(pub.dnsZone).toEqual({ id: dev, name: 'dev.example.com', private: false });
    expect((await awsPreflight(aws.clients, named('c2.example.com', 'Public'), igs)).dnsZone?.id).toBe(parent);
    // Private DNS takes only private zones.
    expect((await awsPreflight(aws.clients, named('c1.dev.example.com', 'Private'), igs)).dnsZone).toEqual({ id: privateDev, name: 'dev.example.com', private: true });
    const noPrivate = await awsPreflight(aws.clients, named('c2.example.com', 'Private'), igs);
    expect(noPrivate.dnsZone).toBeUndefined();
    expect(noPrivate.diagnostics.map((d) => d.summary)).toEqual(['no private Route53 hosted zone for c2.example.com: looked for c2.example.com, example.com; found only example.com (public)']);
    expect(noPrivate.diagnostics[0]!.hint).toContain('topology.dns.type: Public');
    // Ambiguous: two public zones of the longest name.
    const twin = await zone('dev.example.com');
    const both = await awsPreflight(aws.clients, named('c1.dev.example.com', 'Public'), igs);
    expect(both.dnsZone).toBeUndefined();
    expect(both.diagnostics.map((d) => d.code)).toEqual(['HostedZoneAmbiguous']);
    expect(both.diagnostics[0]!.summary).toContain(dev);
    expect(both.diagnostics[0]!.summary).toContain(twin);
  });

  it('reports an unknown region once, and makes no call for a malformed zone or the wrong clients', async () => {
    const unknown = testAws({ region: 'us-test-1' });
    const r = await awsPreflight(unknown.clients, cluster(['us-test-1a', 'us-test-1b']), IGS);
    expect(r.diagnostics.map((d) => [d.code, d.path])).toEqual([['UnknownRegion', 'spec.subnets']]);
    expect(r.diagnostics[0]!.summary).toMatch(/^us-test-1, the region of the cluster's zones, is not an AWS region \(ec2:Describe\w+ answered/);
    expect(r.diagnostics[0]!.hint).toContain('us-east-1a is in us-east-1');

    const aws = testAws();
    expect(codes((await awsPreflight(aws.clients, cluster(['useast1a']), IGS)).diagnostics)).toEqual(['UnknownRegion']);
    expect(codes((await awsPreflight(aws.clients, cluster(['us-east-1']), IGS)).diagnostics)).toEqual(['UnknownZone']);
    expect(codes((await awsPreflight(aws.clients, cluster(['eu-west-3a']), IGS)).diagnostics)).toEqual(['RegionMismatch']);
    expect(aws.counter.total()).toBe(0);
  });
});

describe('awsPreflight and credentials', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reports missing credentials once, saying how to provide them', async () => {
    // Hide every credential source the SDK's default chain reads on this machine.
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_ROLE_ARN', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) vi.stubEnv(k, undefined);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/kops-ts-preflight/credentials');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/kops-ts-preflight/config');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    const counter = new RequestCounter();
    const clients = new AwsClients({ region: 'us-east-1', endpoint: awsEndpoint(), maxAttempts: 1, hooks: [accountHook(testAws().account), counter.hook] });
    const r = await awsPreflight(clients, cluster(['us-east-1a']), IGS);
    expect(r.account).toBeUndefined();
    expect(codes(r.diagnostics)).toEqual(['MissingCredentials']);
    expect(r.diagnostics[0]!.hint).toMatch(/AWS_PROFILE.*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.*aws sso login/);
  });
});

describe('awsPreflight with AWS errors injected', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(awsEndpoint());
  });
  afterAll(async () => {
    await proxy.close();
  });
  afterEach(() => proxy.clear());

  const run = (c: Cluster = cluster(['us-east-1a', 'us-east-1b']), maxAttempts = 1) =>
    awsPreflight(new AwsClients(throughProxy(proxy, testAws().options, { maxAttempts })), c, IGS);

  it('an EC2 UnauthorizedOperation is AccessDenied naming the action; the other checks still run', async () => {
    proxy.inject({ service: 'ec2', operation: 'DescribeAvailabilityZones', code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' });
    const r = await run(cluster(['us-east-1a', 'us-east-1b']), 3);
    expect(codes(r.diagnostics)).toEqual(['AccessDenied']);
    expect(r.diagnostics[0]!.summary).toMatch(/^ec2:DescribeAvailabilityZones was denied \(UnauthorizedOperation\)/);
    expect(r.diagnostics[0]!.hint).toContain('decode-authorization-message');
    expect(r.account).toBeDefined();
    expect(proxy.count({ operation: 'DescribeAvailabilityZones' })).toBe(1);
    expect(proxy.count({ operation: 'DescribeInstanceTypeOfferings', injected: false })).toBe(1);
  });

  it('a Route53 AccessDenied names the action at spec.dnsZone', async () => {
    proxy.inject({ service: 'route53', code: 'AccessDenied', message: 'User: arn:aws:iam::1:user/ci is not authorized to perform: route53:ListHostedZonesByName' });
    const r = await run(cluster(['us-east-1a'], { dnsZone: 'example.com', topology: { dns: { type: 'Public' } } }));
    expect(r.diagnostics.map((d) => [d.code, d.path])).toEqual([['AccessDenied', 'spec.dnsZone']]);
    expect(r.diagnostics[0]!.summary).toContain('route53:ListHostedZonesByName was denied (AccessDenied)');
  });

  it('rejected credentials are one InvalidCredentials with the AWS code', async () => {
    proxy.inject({ service: 'sts', code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' });
    proxy.inject({ service: 'ec2', code: 'AuthFailure', message: 'AWS was not able to validate the provided access credentials' });
    const r = await run();
    expect(codes(r.diagnostics)).toEqual(['InvalidCredentials']);
    expect(r.diagnostics[0]!.summary).toContain('(InvalidClientTokenId from sts:GetCallerIdentity)');

    proxy.clear();
    proxy.inject({ service: 'sts', code: 'ExpiredToken', message: 'The security token included in the request is expired' });
    const expired = await run();
    expect(expired.diagnostics.map((d) => d.code)).toEqual(['InvalidCredentials']);
    expect(expired.diagnostics[0]!.hint).toMatch(/expired/);
  });

  it('EC2 refusing credentials that STS accepts means the region is not enabled', async () => {
    proxy.inject({ service: 'ec2', code: 'AuthFailure', message: 'AWS was not able to validate the provided access credentials' });
    const r = await run();
    expect(codes(r.diagnostics)).toEqual(['RegionNotEnabled']);
    expect(r.diagnostics[0]!.hint).toContain('enable-region --region-name us-east-1');
  });

  it('throttling that outlasts the SDK retries is an AwsApiError with the code', async () => {
    proxy.inject({ service: 'ec2', operation: 'DescribeInstanceTypeOfferings', code: 'RequestLimitExceeded' });
    const r = await run();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['AwsApiError']);
    expect(r.diagnostics[0]!.summary).toContain('ec2:DescribeInstanceTypeOfferings failed in us-east-1 (RequestLimitExceeded, HTTP 503)');
    expect(r.diagnostics[0]!.hint).toContain('try again later');
  });
});

describe('preflightError', () => {
  it('is undefined without errors, else carries the first code and every diagnostic', () => {
    expect(preflightError({ diagnostics: [warning('ZoneNotAvailable', 'zone us-east-1a is impaired')] })).toBeUndefined();
    const diagnostics = [error('MissingCredentials', 'no AWS credentials found'), error('UnknownZone', 'zone x is not a zone of region y')];
    const e = preflightError({ diagnostics });
    expect([e?.code, e?.message, e?.diagnostics]).toEqual(['MissingCredentials', 'AWS pre-flight check failed: no AWS credentials found (and 1 more problem)', diagnostics]);
  });
});
