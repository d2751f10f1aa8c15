import { CreateHostedZoneCommand, GetHostedZoneCommand } from '@aws-sdk/client-route-53';
import { CreateVpcCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { dnsZoneKind, normalizeDnsName, zoneLookupOf, type DnsZoneDesired } from '../../../src/tasks/aws/dns-zone.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const zoneTask = (name: string, over: Partial<DnsZoneDesired> = {}): Task<DnsZoneDesired> => ({ kind: 'DNSZone', name, desired: { name, ...over } });

async function makeZone(ctx: ReturnType<typeof awsTestContext>, name: string, privateVpc?: string): Promise<string> {
  const out = await ctx.clients.route53.send(
    new CreateHostedZoneCommand({
      Name: name,
      CallerReference: `${name}-${Math.random()}`,
      ...(privateVpc ? { VPC: { VPCId: privateVpc, VPCRegion: 'us-east-1' }, HostedZoneConfig: { PrivateZone: true } } : {}),
    }),
  );
  return (out.HostedZone?.Id ?? '').replace('/hostedzone/', '');
}

describe('DNSZone', () => {
  it('normalises names and reads kops\'s "no dot means an id" rule', () => {
    expect(normalizeDnsName('Example.COM')).toBe('example.com.');
    expect(normalizeDnsName('\\052.apps.example.com.')).toBe('*.apps.example.com.');
    expect(zoneLookupOf({ name: 'example.com' })).toEqual({ name: 'example.com.', private: false });
    expect(zoneLookupOf({ name: 'Z0123456789ABC' })).toEqual({ id: 'Z0123456789ABC' });
    expect(zoneLookupOf({ name: 'example.com', id: '/hostedzone/Z1' })).toEqual({ id: 'Z1' });
  });

  it('finds the public zone by name with one call (not the private twin), and plans no change', async () => {
    const ctx = awsTestContext();
    const vpc = await ctx.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    const publicId = await makeZone(ctx, 'zone-test.example.com');
    const privateId = await makeZone(ctx, 'zone-test.example.com', vpc.Vpc?.VpcId);
    const { outputs } = await expectIdempotent(ctx, dnsZoneKind, [zoneTask('zone-test.example.com')]);
    expect(outputs['DNSZone/zone-test.example.com']).toEqual({ id: publicId, name: 'zone-test.example.com' });
    ctx.aws.counter.reset();
    await dnsZoneKind.find(nextRun(ctx), [zoneTask('zone-test.example.com')]);
    expect(ctx.aws.counter.total()).toBe(1);

    const priv = await planKind(nextRun(ctx), dnsZoneKind, [zoneTask('zone-test.example.com', { private: true })]);
    expect(priv[0]?.action).toBe('noop');
    expect(dnsZoneKind.outputs(priv[0]!.actual!).id).toBe(privateId);
  });

  it('finds a zone by id (a dnsZone without a dot), with one call', async () => {
    const ctx = awsTestContext();
    const id = await makeZone(ctx, 'by-id.example.com');
    ctx.aws.counter.reset();
    const found = await dnsZoneKind.find(ctx, [zoneTask(id)]);
    expect(found.get(id)).toEqual({ id, name: 'by-id.example.com', private: false });
    expect(ctx.aws.counter.total()).toBe(1);
    expect((await dnsZoneKind.find(nextRun(ctx), [zoneTask('ZNOSUCHZONE')])).size).toBe(0);
  });

  it('lists the zones once for several tasks', async () => {
    const ctx = awsTestContext();
    const a = await makeZone(ctx, 'a.example.com');
    const b = await makeZone(ctx, 'b.example.com');
    ctx.aws.counter.reset();
    const found = await dnsZoneKind.find(ctx, [zoneTask('a.example.com'), zoneTask('B.example.com.'), zoneTask(b), zoneTask('missing.example.com')]);
    expect(found.get('a.example.com')?.id).toBe(a);
    expect(found.get('B.example.com.')?.id).toBe(b);
    expect(found.get(b)?.id).toBe(b);
    expect(found.has('missing.example.com')).toBe(false);
    expect(ctx.aws.counter.total()).toBe(1);
  });

  it('refuses to create a zone: the failing task says how to get one', async () => {
    const ctx = awsTestContext();
    const task = zoneTask('nowhere.example.com');
    const plan = await planKind(ctx, dnsZoneKind, [task]);
    expect(plan[0]?.action).toBe('create');
    const err = await dnsZoneKind.apply(ctx, { action: 'create', name: task.name, desired: task.desired, fields: plan[0]!.fields, refs: staticRefs({}) }).catch((e: unknown) => e);
    expect(KopsError.is(err, 'HostedZoneNotFound')).toBe(true);
    expect((err as KopsError).message).toBe('hosted zone "nowhere.example.com" does not exist');
    const hint = (err as KopsError).diagnostics[0]?.hint ?? '';
    expect(hint).toContain('aws route53 create-hosted-zone --name nowhere.example.com');
    expect(hint).toContain('--dns-zone');
    expect(hint).toContain('--dns none');
  });

  it("associates the cluster's VPC with a private zone that does not answer in it, as kops does, and leaves the zone's other VPCs", async () => {
    const ctx = awsTestContext();
    const users = (await ctx.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId ?? '';
    const cluster = (await ctx.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc?.VpcId ?? '';
    const id = await makeZone(ctx, 'priv.example.com', users);
    const task: Task<DnsZoneDesired> = { ...zoneTask('priv.example.com', { private: true, privateVpc: ref('VPC', 'c') }), shared: true };
    const refs = staticRefs({ 'VPC/c': { id: cluster } });

    // A VPC still to be created: the plan says the association will be made.
    const before = await planKind(ctx, dnsZoneKind, [task]);
    expect(before[0]?.action).toBe('update');
    expect(before[0]?.fields.map((f) => f.field)).toEqual(['vpcs']);

    const plan = await planKind(nextRun(ctx), dnsZoneKind, [task], refs);
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields[0]?.after).toEqual([cluster]);
    expect(plan[0]?.fields[0]?.additive).toBe(true);
    await expectIdempotent(nextRun(ctx), dnsZoneKind, [task], refs);
    const zone = await ctx.clients.route53.send(new GetHostedZoneCommand({ Id: id }));
    expect((zone.VPCs ?? []).map((v) => v.VPCId).sort()).toEqual([users, cluster].sort());

    // Already associated (the user's VPC as a shared VPC): nothing to do.
    const shared: Task<DnsZoneDesired> = { ...task, desired: { ...task.desired, privateVpc: users } };
    expect((await planKind(nextRun(ctx), dnsZoneKind, [shared]))[0]?.action).toBe('noop');
  });

  it('reports two zones with the same name and visibility as ambiguous, naming both', async () => {
    const ctx = awsTestContext();
    const one = await makeZone(ctx, 'twice.example.com');
    const two = await makeZone(ctx, 'twice.example.com');
    const err = await dnsZoneKind.find(ctx, [zoneTask('twice.example.com')]).catch((e: unknown) => e);
    expect(KopsError.is(err, 'HostedZoneAmbiguous')).toBe(true);
    expect((err as Error).message).toContain(one);
    expect((err as Error).message).toContain(two);
  });
});
