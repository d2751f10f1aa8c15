/**
 * Route53 DNS without spec.dnsZone, as kops specs often have it: update cluster finds the zone (the
 * longest suffix of the cluster name with a zone of the right kind), publishes the API record
 * there, records the zone's id in the completed spec as kops does, and converges.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CreateHostedZoneCommand, GetHostedZoneCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { CreateVpcCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { KopsError } from '../../src/diagnostics.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { testAws } from '../helpers/aws.js';
import { changeLines } from './update-helpers.js';
import { planToJson, renderPlanText } from '../../src/cloudup/render/index.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();

async function setup(name: string, dns: 'public' | 'private' = 'public') {
  const aws = testAws();
  const cs = new Clientset(openStateStore(`memory://dns-${aws.account}`));
  const built = newCluster({ name, zones: ['us-east-1a'], dns });
  expect(built.cluster.spec.dnsZone).toBeUndefined();
  await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
  const { region: _r, ...awsOpts } = aws.options;
  const update = (yes = false) => updateCluster({ clientset: cs, clusterName: name, aws: awsOpts, yes });
  const zone = async (Name: string) => (await aws.clients.route53.send(new CreateHostedZoneCommand({ Name, CallerReference: `${Name}-${aws.account}` }))).HostedZone!.Id!.replace('/hostedzone/', '');
  return { aws, cs, update, zone };
}

describe('update cluster finds the hosted zone', () => {
  it('applies a Public-DNS spec with no dnsZone in the longest matching zone, records it, and converges', async () => {
    const s = await setup('found.dev.example.com');
    await s.zone('example.com');
    const dev = await s.zone('dev.example.com');
    const applied = await s.update(true);
    expect(applied.applied?.ok).toBe(true);
    const records = await s.aws.clients.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: dev }));
    expect((records.ResourceRecordSets ?? []).map((r) => `${r.Name} ${r.Type}`)).toContain('api.found.dev.example.com. A');
    // Recorded as kops does: the zone's id in the completed spec; the user's spec is left as written.
    expect((await s.cs.readCompletedSpec('found.dev.example.com'))?.object.spec.dnsZone).toBe(dev);
    expect((await s.cs.getCluster('found.dev.example.com')).object.spec.dnsZone).toBeUndefined();
    expect(changeLines((await s.update(false)).plan)).toEqual([]);
  });

  it("Private DNS: the cluster's new VPC is associated with the private zone (as kops does), so its instances resolve the API; then it converges", async () => {
    const s = await setup('in.priv.example.com', 'private');
    const users = (await s.aws.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }))).Vpc!.VpcId!;
    const out = await s.aws.clients.route53.send(
      new CreateHostedZoneCommand({ Name: 'priv.example.com', CallerReference: `priv-${s.aws.account}`, VPC: { VPCId: users, VPCRegion: 'us-east-1' }, HostedZoneConfig: { PrivateZone: true } }),
    );
    const zoneId = out.HostedZone!.Id!.replace('/hostedzone/', '');
    // The plan shows the association as added to the zone's VPCs (the user's stays), not as a new value.
    const planned = (await s.update(false)).plan;
    const field = planToJson(planned).changes.find((c) => c.key === `DNSZone/${zoneId}`)?.fields.find((f) => f.field === 'vpcs');
    expect(field).toEqual({ field: 'vpcs', before: [users], after: [{ ref: 'VPC/in.priv.example.com', output: 'id' }], forcesReplacement: false, additive: true });
    const text = renderPlanText(planned).split('\n');
    expect(text[text.indexOf(`  DNSZone/${zoneId}`) + 1]).toBe(`  \tvpcs                \t + name:in.priv.example.com`);
    const applied = await s.update(true);
    expect(applied.applied?.ok).toBe(true);
    const vpcs = await s.aws.clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:KubernetesCluster', Values: ['in.priv.example.com'] }] }));
    const clusterVpc = vpcs.Vpcs?.[0]?.VpcId;
    expect(clusterVpc).toMatch(/^vpc-/);
    const zone = await s.aws.clients.route53.send(new GetHostedZoneCommand({ Id: zoneId }));
    expect((zone.VPCs ?? []).map((v) => v.VPCId).sort()).toEqual([users, clusterVpc].sort());
    expect(changeLines((await s.update(false)).plan)).toEqual([]);
  });

  it('stops before any change when no zone is found, naming what it looked for', async () => {
    const s = await setup('lost.example.net');
    await s.zone('example.com');
    const err = await s.update(false).catch((e: unknown) => e);
    expect(KopsError.is(err, 'HostedZoneNotFound')).toBe(true);
    expect((err as KopsError).message).toContain('no public Route53 hosted zone for lost.example.net: looked for lost.example.net, example.net');
  });
});
