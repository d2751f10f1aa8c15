import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import { dnsNameKind, listRecordSets, type DnsNameDesired } from '../../../src/tasks/aws/dns-name.js';
import { dnsZoneKind } from '../../../src/tasks/aws/dns-zone.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const ZONE = 'dns-test.example.com';
const CLUSTER = `k8s.${ZONE}`;
const NLB = `api.${CLUSTER}`;

type Ctx = ReturnType<typeof awsTestContext>;

async function makeZone(ctx: Ctx, name = ZONE): Promise<string> {
  const out = await ctx.clients.route53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: `${name}-${Math.random()}` }));
  return (out.HostedZone?.Id ?? '').replace('/hostedzone/', '');
}

function aliasTask(name = `api.${CLUSTER}`): Task<DnsNameDesired> {
  return {
    kind: 'DNSName',
    name,
    desired: {
      zone: ref('DNSZone', ZONE),
      name,
      type: 'A',
      alias: { dnsName: ref('NetworkLoadBalancer', NLB, 'dnsName'), hostedZoneId: ref('NetworkLoadBalancer', NLB, 'hostedZoneId') },
    },
  };
}

function addressTask(values: string[], name = `api.internal.${CLUSTER}`): Task<DnsNameDesired> {
  return { kind: 'DNSName', name, desired: { zone: ref('DNSZone', ZONE), name, type: 'A', values } };
}

function refs(zoneId: string, nlb?: { dnsName: string; hostedZoneId: string }) {
  return staticRefs({ [`DNSZone/${ZONE}`]: { id: zoneId, name: ZONE }, ...(nlb ? { [`NetworkLoadBalancer/${NLB}`]: { ...nlb, id: 'arn' } } : {}) });
}

const NLB_OUT = { dnsName: 'API-K8S-DNS-TEST-abc123-1.elb.us-east-1.amazonaws.com', hostedZoneId: 'Z26RNL4JYFTOTI' };

async function records(ctx: Ctx, zoneId: string): Promise<ResourceRecordSet[]> {
  return (await ctx.clients.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [];
}

describe('DNSName', () => {
  it('upserts an alias to the API load balancer, then plans no change', async () => {
    const ctx = awsTestContext(CLUSTER);
    const zoneId = await makeZone(ctx);
    const { outputs } = await expectIdempotent(ctx, dnsNameKind, [aliasTask()], refs(zoneId, NLB_OUT));
    expect(outputs[`DNSName/api.${CLUSTER}`]).toMatchObject({ name: `api.${CLUSTER}`, zoneId });
    const rec = (await records(ctx, zoneId)).find((r) => r.Type === 'A');
    expect(rec?.Name).toBe(`api.${CLUSTER}.`);
    expect(rec?.AliasTarget).toMatchObject({ HostedZoneId: NLB_OUT.hostedZoneId, EvaluateTargetHealth: false });
    expect(rec?.AliasTarget?.DNSName?.toLowerCase().replace(/\.$/, '')).toBe(NLB_OUT.dnsName.toLowerCase());
  });

  it('shows the alias target as known after apply while the load balancer does not exist', async () => {
    const ctx = awsTestContext(CLUSTER);
    const zoneId = await makeZone(ctx);
    const plan = await planKind(ctx, dnsNameKind, [aliasTask()], refs(zoneId));
    expect(plan[0]?.action).toBe('create');
    const byField = Object.fromEntries(plan[0]!.fields.map((f) => [f.field, f.after]));
    expect(String(byField.aliasDnsName)).toBe('(known after apply)');
    expect(byField).toMatchObject({ zone: zoneId, name: `api.${CLUSTER}`, type: 'A' });
  });

  it('writes addresses with TTL 60, updates them in place, and restores a record changed behind its back', async () => {
    const ctx = awsTestContext(CLUSTER);
    const zoneId = await makeZone(ctx);
    await expectIdempotent(ctx, dnsNameKind, [addressTask(['10.0.0.2', '10.0.0.1'])], refs(zoneId));
    const rec = () => records(ctx, zoneId).then((rs) => rs.find((r) => r.Name === `api.internal.${CLUSTER}.`));
    expect((await rec())?.TTL).toBe(60);

    const moved = addressTask(['10.0.0.1', '10.0.0.3']);
    const plan = await planKind(nextRun(ctx), dnsNameKind, [moved], refs(zoneId));
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields).toEqual([expect.objectContaining({ field: 'values', before: ['10.0.0.1', '10.0.0.2'], after: ['10.0.0.1', '10.0.0.3'] })]);
    await expectIdempotent(nextRun(ctx), dnsNameKind, [moved], refs(zoneId));
    expect((await rec())?.ResourceRecords?.map((r) => r.Value).sort()).toEqual(['10.0.0.1', '10.0.0.3']);

    // (Lowercase: moto keeps record names case-sensitively, where Route53 would treat `API.` as the same record.)
    await ctx.clients.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: `api.internal.${CLUSTER}`, Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.1' }] } }] },
      }),
    );
    const drift = await planKind(nextRun(ctx), dnsNameKind, [moved], refs(zoneId));
    expect(drift[0]?.fields.map((f) => f.field).sort()).toEqual(['ttl', 'values']);
    await expectIdempotent(nextRun(ctx), dnsNameKind, [moved], refs(zoneId));
  });

  it('switches a record from addresses to an alias in place', async () => {
    const ctx = awsTestContext(CLUSTER);
    const zoneId = await makeZone(ctx);
    await converge(ctx, dnsNameKind, [addressTask(['203.0.113.123'], `api.${CLUSTER}`)], refs(zoneId));
    const plan = await planKind(nextRun(ctx), dnsNameKind, [aliasTask()], refs(zoneId, NLB_OUT));
    expect(plan[0]?.action).toBe('update');
    await expectIdempotent(nextRun(ctx), dnsNameKind, [aliasTask()], refs(zoneId, NLB_OUT));
    const rec = (await records(ctx, zoneId)).find((r) => r.Name === `api.${CLUSTER}.` && r.Type === 'A');
    expect(rec?.ResourceRecords ?? []).toEqual([]);
    expect(rec?.AliasTarget?.HostedZoneId).toBe(NLB_OUT.hostedZoneId);
  });

  it('matches names case-insensitively and decodes \\052 for wildcards', async () => {
    const ctx = awsTestContext(CLUSTER);
    const zoneId = await makeZone(ctx);
    const wild = addressTask(['10.1.1.1'], `*.apps.${CLUSTER}`);
    await converge(ctx, dnsNameKind, [wild], refs(zoneId));
    expect((await planKind(nextRun(ctx), dnsNameKind, [wild], refs(zoneId)))[0]?.action).toBe('noop');
    const upper = addressTask(['10.1.1.1'], `*.APPS.${CLUSTER.toUpperCase()}.`);
    expect((await planKind(nextRun(ctx), dnsNameKind, [upper], refs(zoneId)))[0]?.action).toBe('noop');

    // Route53 itself returns the wildcard as `\052.apps...`: a stubbed listing shows find copes.
    const stub = { send: async () => ({ ResourceRecordSets: [{ Name: `\\052.apps.${CLUSTER}.`, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '10.1.1.1' }] }], IsTruncated: false }) };
    const listed = await listRecordSets(stub as never, zoneId);
    const actual = { zoneId, record: listed[0]! };
    expect(dnsNameKind.actualView(actual)).toEqual(dnsNameKind.view(wild.desired, refs(zoneId)));
  });

  it('lists a zone page by page (Route53 gives at most 300 records a page), once per zone for all tasks', async () => {
    const ctx = awsTestContext(CLUSTER);
    const zoneId = await makeZone(ctx);
    const filler = Array.from({ length: 320 }, (_, i) => ({
      Action: 'CREATE' as const,
      ResourceRecordSet: { Name: `host-${String(i).padStart(3, '0')}.${ZONE}`, Type: 'A' as const, TTL: 60, ResourceRecords: [{ Value: '10.9.0.1' }] },
    }));
    await ctx.clients.route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: filler } }));
    // Sorted after the filler, so only a second page has it.
    const tasks = [addressTask(['10.0.0.1'], `zz-last.${ZONE}`), addressTask(['10.0.0.2'], `zz-other.${ZONE}`)];
    await converge(ctx, dnsNameKind, tasks, refs(zoneId));

    ctx.aws.counter.reset();
    const found = await dnsNameKind.find(nextRun(ctx), tasks);
    expect(found.size).toBe(2);
    expect(ctx.aws.counter.counts.get('route53:ListResourceRecordSetsCommand')).toBe(2);
    // The zone lookup is the one call DNSZone makes too (shared within a run).
    expect(ctx.aws.counter.counts.get('route53:ListHostedZonesByNameCommand')).toBe(1);

    const small = await listRecordSets(ctx.clients.route53, zoneId, 100);
    expect(small).toHaveLength(320 + 2 + 2); // + SOA and NS
  });

  it('shares the zone lookup with DNSZone within a run', async () => {
    const ctx = awsTestContext(CLUSTER);
    const zoneId = await makeZone(ctx);
    await converge(ctx, dnsNameKind, [addressTask(['10.0.0.1'])], refs(zoneId));
    const run = nextRun(ctx);
    ctx.aws.counter.reset();
    await Promise.all([dnsZoneKind.find(run, [{ kind: 'DNSZone', name: ZONE, desired: { name: ZONE } }]), dnsNameKind.find(run, [addressTask(['10.0.0.1'])])]);
    expect(ctx.aws.counter.counts.get('route53:ListHostedZonesByNameCommand')).toBe(1);
  });

  it('finds nothing (so plans a create) when the zone does not exist', async () => {
    const ctx = awsTestContext(CLUSTER);
    expect((await dnsNameKind.find(ctx, [addressTask(['10.0.0.1'])])).size).toBe(0);
  });

  it('deletes with the exact record found; deleting it again succeeds', async () => {
    const ctx = awsTestContext(CLUSTER);
    const zoneId = await makeZone(ctx);
    await converge(ctx, dnsNameKind, [aliasTask(), addressTask(['10.0.0.1'])], refs(zoneId, NLB_OUT));
    const found = await dnsNameKind.find(nextRun(ctx), [aliasTask(), addressTask(['10.0.0.1'])]);
    for (const a of found.values()) {
      await dnsNameKind.delete!(ctx, a);
      await dnsNameKind.delete!(ctx, a);
    }
    expect((await records(ctx, zoneId)).map((r) => r.Type).sort()).toEqual(['NS', 'SOA']);
  });
});
