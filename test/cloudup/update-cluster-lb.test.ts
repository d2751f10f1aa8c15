/**
 * update cluster end to end for the API load balancer and the bastion as kops builds them, on a
 * private cluster with a Route53 zone: the API NLB created with its own group `api-elb`, a TLS
 * listener with the certificate (`api.loadBalancer.sslCertificate`) beside TCP 8443, the public
 * name (`api.publicName`) and `bastion.<cluster>` as alias records, NodePorts open to
 * `nodePortAccess`, and a later `crossZoneLoadBalancing` change applied in place.
 *
 * The steps build on each other (one cluster keeps the file fast): sequential tests, one describe.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { UploadServerCertificateCommand } from '@aws-sdk/client-iam';
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { apiLoadBalancerAwsName, awsResourceName32 } from '../../src/tasks/aws/elb-listing.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { testAws } from '../helpers/aws.js';
import { applyAndConverge, changeLines, groupNamesById, ingressLines, securityGroupsByName, type E2ECluster } from './update-helpers.js';

const NAME = 'lb.example.com';
const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();

describe('update cluster: the API load balancer and the bastion as kops builds them', () => {
  let c: E2ECluster;
  let certificateArn: string;
  let zoneId: string;

  async function loadBalancer(awsName: string): Promise<LoadBalancer> {
    const all = (await c.aws.clients.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    const lb = all.find((l) => l.LoadBalancerName === awsName);
    if (!lb) throw new Error(`no load balancer ${awsName}`);
    return lb;
  }

  async function crossZone(arn: string): Promise<string | undefined> {
    const out = await c.aws.clients.elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
    return out.Attributes?.find((a) => a.Key === 'load_balancing.cross_zone.enabled')?.Value;
  }

  beforeAll(async () => {
    const aws = testAws();
    const zone = await aws.clients.route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: `lb-${aws.account}` }));
    zoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
    // An IAM server certificate (the emulator does not check its body; AWS would).
    const cert = await aws.clients.iam.send(
      new UploadServerCertificateCommand({ ServerCertificateName: 'api', CertificateBody: 'test-certificate-body', PrivateKey: 'test-private-key' }),
    );
    certificateArn = cert.ServerCertificateMetadata?.Arn ?? '';
    const built = newCluster({
      name: NAME,
      zones: ['us-east-1a', 'us-east-1b'],
      topology: 'private',
      bastion: true,
      dnsZone: 'example.com',
      apiSSLCertificate: certificateArn,
      apiPublicName: 'kube.example.com',
      sshAccess: ['203.0.113.0/24'],
      adminAccess: ['203.0.113.0/24'],
    });
    built.cluster.spec.nodePortAccess = ['198.51.100.0/24'];
    const cs = new Clientset(openStateStore(`memory://lb-${aws.account}`));
    await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
    const { region: _region, ...awsOpts } = aws.options;
    c = { aws, cs, name: NAME, update: (yes = false) => updateCluster({ clientset: cs, clusterName: NAME, aws: awsOpts, yes }) };
    await applyAndConverge(c);
  }, 120_000);

  it('creates the API load balancer with api-elb as its only group, and the control planes accept 443 only from it', async () => {
    const lb = await loadBalancer(apiLoadBalancerAwsName(NAME));
    const groups = await securityGroupsByName(c);
    const names = groupNamesById(groups);
    const elb = groups.get(`api-elb.${NAME}`);
    expect(elb?.Description).toBe('Security group for api ELB');
    expect(lb.SecurityGroups).toEqual([elb?.GroupId]);
    expect(ingressLines(elb!, names)).toEqual(
      expect.arrayContaining(['tcp 443-443 203.0.113.0/24', 'tcp 8443-8443 203.0.113.0/24', 'icmp 3-4 203.0.113.0/24', `icmp 3-4 masters.${NAME}`]),
    );
    const masters = ingressLines(groups.get(`masters.${NAME}`)!, names);
    expect(masters).toEqual(expect.arrayContaining([`tcp 443-443 api-elb.${NAME}`, `tcp 8443-8443 api-elb.${NAME}`, `icmp 3-4 api-elb.${NAME}`]));
    expect(masters.filter((l) => l.includes('/'))).toEqual([]);
    // With DNS the nodes do not go through the load balancer, so it has no rule for them.
    expect(ingressLines(elb!, names).filter((l) => l.endsWith(`nodes.${NAME}`))).toEqual([]);
  });

  it('terminates TLS on 443 with the certificate and keeps TCP 8443, as kops', async () => {
    const lb = await loadBalancer(apiLoadBalancerAwsName(NAME));
    const listeners = (await c.aws.clients.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
    const byPort = new Map(listeners.map((l) => [l.Port, l]));
    expect([...byPort.keys()].sort()).toEqual([443, 8443]);
    expect(byPort.get(443)?.Protocol).toBe('TLS');
    expect(byPort.get(443)?.Certificates?.map((x) => x.CertificateArn)).toEqual([certificateArn]);
    expect(byPort.get(443)?.SslPolicy).toBe('ELBSecurityPolicy-2016-08');
    expect(byPort.get(8443)?.Protocol).toBe('TCP');
  });

  it('publishes api.publicName and bastion.<cluster> as aliases of their load balancers', async () => {
    const records = (await c.aws.clients.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [];
    const alias = (name: string) => records.find((r) => r.Name === `${name}.` && r.Type === 'A')?.AliasTarget?.DNSName?.replace(/\.$/, '').toLowerCase();
    const api = await loadBalancer(apiLoadBalancerAwsName(NAME));
    const bastion = await loadBalancer(awsResourceName32(NAME, 'bastion'));
    expect(alias('kube.example.com')).toBe(api.DNSName?.toLowerCase());
    expect(alias(`bastion.${NAME}`)).toBe(bastion.DNSName?.toLowerCase());
    expect(alias(`api.${NAME}`)).toBeUndefined();
  });

  it('opens the NodePort range to nodePortAccess on the nodes, TCP and UDP', async () => {
    const groups = await securityGroupsByName(c);
    const nodes = ingressLines(groups.get(`nodes.${NAME}`)!, groupNamesById(groups));
    expect(nodes.filter((l) => l.includes('30000'))).toEqual(['tcp 30000-32767 198.51.100.0/24', 'udp 30000-32767 198.51.100.0/24']);
  });

  it('leaves cross-zone load balancing off by default with DNS (kops), and turns it on in place when asked', async () => {
    const lb = await loadBalancer(apiLoadBalancerAwsName(NAME));
    expect(await crossZone(lb.LoadBalancerArn!)).toBe('false');
    const current = await c.cs.getCluster(NAME);
    const cluster = structuredClone(current.object);
    cluster.spec.api!.loadBalancer!.crossZoneLoadBalancing = true;
    await c.cs.updateCluster(cluster, current.version);
    const planned = await c.update(false);
    expect(changeLines(planned.plan)).toEqual([`NetworkLoadBalancer/api.${NAME}: update crossZoneLoadBalancing`]);
    await applyAndConverge(c);
    expect(await crossZone(lb.LoadBalancerArn!)).toBe('true');
    expect((await loadBalancer(apiLoadBalancerAwsName(NAME))).LoadBalancerArn).toBe(lb.LoadBalancerArn);
  });
});
