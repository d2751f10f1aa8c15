import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateVpcCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListRolesCommand } from '@aws-sdk/client-iam';
import { ListHostedZonesByNameCommand } from '@aws-sdk/client-route-53';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/cloud/aws/clients.js';
import { awsEndpoint, testAws, uniqueBucket, type TestAws } from '../helpers/aws.js';
import { rejectionOf } from '../helpers/errors.js';
import { TokenBucket, errorBody, startFaultProxy, throttlingCode, throughProxy, type FaultProxy, type ProxyHooks } from './aws-fault-proxy.js';

let proxy: FaultProxy;
let aws: TestAws;

beforeAll(async () => {
  proxy = await startFaultProxy(awsEndpoint());
});
afterAll(async () => {
  await proxy.close();
});
beforeEach(() => {
  proxy.clear();
  aws = testAws();
});

/** Clients in the test's emulator account that talk through the proxy. */
function proxied(maxAttempts: number): AwsClients {
  return new AwsClients(throughProxy(proxy, aws.options, { maxAttempts }));
}

/** The SDK error a call rejects with, as far as these tests read it. */
type SdkError = { name: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
const rejection = async (p: Promise<unknown>) => (await rejectionOf(p)) as SdkError;

describe('forwarding', () => {
  it('forwards requests unchanged, keeping the emulator account header', async () => {
    const clients = proxied(1);
    const created = await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }));
    const seenDirect = await aws.clients.ec2.send(new DescribeVpcsCommand({ VpcIds: [created.Vpc!.VpcId!] }));
    expect(seenDirect.Vpcs?.[0]?.CidrBlock).toBe('10.9.0.0/16');
    // Another account does not see it: the account header went through the proxy.
    const other = new AwsClients(throughProxy(proxy, testAws().options));
    const all = await other.ec2.send(new DescribeVpcsCommand({}));
    expect(all.Vpcs?.map((v) => v.VpcId)).not.toContain(created.Vpc!.VpcId);
    expect(proxy.requests.map((r) => [r.service, r.operation, r.status, r.injected])).toEqual([
      ['ec2', 'CreateVpc', 200, false],
      ['ec2', 'DescribeVpcs', 200, false],
    ]);
  });

  it('forwards request bodies whole (S3 objects round-trip)', async () => {
    const clients = proxied(1);
    const bucket = uniqueBucket();
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const data = 'x'.repeat(200_000);
    await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a/b.txt', Body: data }));
    const got = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a/b.txt' }));
    expect(await got.Body?.transformToString()).toBe(data);
    expect(proxy.requests.map((r) => r.operation)).toEqual(['CreateBucket', 'PutObject', 'GetObject']);
  });
});

describe('EC2 faults (ec2 query protocol)', () => {
  it('a throttled DescribeVpcs is retried by the SDK and then succeeds', async () => {
    const rule = proxy.inject({ service: 'ec2', operation: 'DescribeVpcs', code: 'RequestLimitExceeded', times: 2 });
    const r = await proxied(3).ec2.send(new DescribeVpcsCommand({}));
    expect(r.$metadata.attempts).toBe(3);
    expect(rule.fired).toBe(2);
    expect(proxy.count({ operation: 'DescribeVpcs', injected: true, status: 503 })).toBe(2);
    expect(proxy.count({ operation: 'DescribeVpcs', injected: false, status: 200 })).toBe(1);
    // The SDK saw one command; the proxy saw three attempts.
    expect(aws.counter.counts.get('ec2:DescribeVpcsCommand')).toBe(1);
  });

  it('with maxAttempts 1 the throttling error surfaces with its AWS code', async () => {
    proxy.inject({ service: 'ec2', operation: 'DescribeVpcs', code: 'RequestLimitExceeded', message: 'Request limit exceeded.' });
    const e = await rejection(proxied(1).ec2.send(new DescribeVpcsCommand({})));
    expect(e.name).toBe('RequestLimitExceeded');
    expect(e.$metadata?.httpStatusCode).toBe(503);
    expect(proxy.count()).toBe(1);
  });

  it('other operations and services pass while a rule is active', async () => {
    proxy.inject({ service: 'ec2', operation: 'DescribeVpcs', code: 'UnauthorizedOperation' });
    const clients = proxied(1);
    await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.8.0.0/16' }));
    await clients.sts.send(new GetCallerIdentityCommand({}));
    const e = await rejection(clients.ec2.send(new DescribeVpcsCommand({})));
    expect(e.name).toBe('UnauthorizedOperation');
    expect(e.$metadata?.httpStatusCode).toBe(403);
    expect(proxy.requests.map((r) => `${r.service}:${r.operation}:${r.injected}`)).toEqual([
      'ec2:CreateVpc:false', 'sts:GetCallerIdentity:false', 'ec2:DescribeVpcs:true',
    ]);
  });
});

describe('query protocol faults (ELBv2, AutoScaling, IAM, STS)', () => {
  it('ELBv2 Throttling is retried, then surfaces as Throttling with maxAttempts 1', async () => {
    proxy.inject({ service: 'elbv2', operation: 'DescribeLoadBalancers', code: 'Throttling', message: 'Rate exceeded', times: 2 });
    const ok = await proxied(3).elbv2.send(new DescribeLoadBalancersCommand({}));
    expect(ok.$metadata.attempts).toBe(3);
    expect(proxy.count({ service: 'elbv2', injected: true, status: 400 })).toBe(2);

    proxy.clear();
    proxy.inject({ service: 'elbv2', code: 'Throttling', message: 'Rate exceeded' });
    const e = await rejection(proxied(1).elbv2.send(new DescribeLoadBalancersCommand({})));
    expect(e.name).toBe('Throttling');
    expect(e.$metadata?.httpStatusCode).toBe(400);
  });

  it('AutoScaling Throttling is retried, then surfaces as Throttling with maxAttempts 1', async () => {
    proxy.inject({ service: 'autoscaling', operation: 'DescribeAutoScalingGroups', code: 'Throttling', times: 1 });
    const ok = await proxied(2).autoscaling.send(new DescribeAutoScalingGroupsCommand({}));
    expect(ok.AutoScalingGroups).toEqual([]);
    expect(proxy.requests.map((r) => [r.operation, r.status, r.injected])).toEqual([
      ['DescribeAutoScalingGroups', 400, true],
      ['DescribeAutoScalingGroups', 200, false],
    ]);

    proxy.inject({ service: 'autoscaling', operation: 'DescribeAutoScalingGroups', code: 'Throttling' });
    const e = await rejection(proxied(1).autoscaling.send(new DescribeAutoScalingGroupsCommand({})));
    expect(e.name).toBe('Throttling');
  });

  it('IAM and STS errors parse as their AWS codes and are not retried', async () => {
    proxy.inject({ service: 'iam', operation: 'ListRoles', code: 'AccessDenied', message: 'not authorized to perform: iam:ListRoles' });
    proxy.inject({ service: 'sts', code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' });
    const clients = proxied(3);
    const iam = await rejection(clients.iam.send(new ListRolesCommand({})));
    expect([iam.name, iam.$metadata?.httpStatusCode, iam.$metadata?.attempts]).toEqual(['AccessDenied', 403, 1]);
    const sts = await rejection(clients.sts.send(new GetCallerIdentityCommand({})));
    expect([sts.name, sts.$metadata?.httpStatusCode]).toEqual(['InvalidClientTokenId', 403]);
    expect(proxy.count({ injected: true })).toBe(2);
  });
});

describe('REST XML faults (Route53, S3)', () => {
  it('Route53 errors are matched by path and parse as their AWS code', async () => {
    proxy.inject({ service: 'route53', operation: 'ListHostedZonesByName', code: 'AccessDenied', message: 'denied' });
    const e = await rejection(proxied(3).route53.send(new ListHostedZonesByNameCommand({ DNSName: 'example.com' })));
    expect([e.name, e.$metadata?.httpStatusCode, e.$metadata?.attempts]).toEqual(['AccessDenied', 403, 1]);
    expect(proxy.requests).toEqual([
      { service: 'route53', operation: 'ListHostedZonesByName', method: 'GET', path: '/2013-04-01/hostedzonesbyname', status: 403, injected: true },
    ]);
  });

  it('an S3 503 SlowDown is retried and the write lands; with maxAttempts 1 it surfaces', async () => {
    const bucket = uniqueBucket();
    await proxied(1).s3.send(new CreateBucketCommand({ Bucket: bucket }));
    proxy.inject({ service: 's3', operation: 'PutObject', code: 'SlowDown', message: 'Please reduce your request rate.', times: 1 });
    const put = await proxied(2).s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v1' }));
    expect(put.$metadata.attempts).toBe(2);
    const got = await proxied(1).s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(await got.Body?.transformToString()).toBe('v1');
    expect(proxy.count({ service: 's3', operation: 'PutObject', status: 503, injected: true })).toBe(1);
    expect(proxy.count({ service: 's3', operation: 'PutObject', status: 200, injected: false })).toBe(1);

    proxy.inject({ service: 's3', operation: 'PutObject', code: 'SlowDown' });
    const e = await rejection(proxied(1).s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v2' })));
    expect([e.name, e.$metadata?.httpStatusCode]).toEqual(['SlowDown', 503]);
  });

  it('a HEAD gets a bodiless error, as S3 sends', async () => {
    proxy.inject({ service: 's3', operation: 'HeadObject', code: 'AccessDenied' });
    const e = await rejection(proxied(1).s3.send(new HeadObjectCommand({ Bucket: uniqueBucket(), Key: 'k' })));
    expect(e.$metadata?.httpStatusCode).toBe(403);
    expect(proxy.requests[0]).toMatchObject({ method: 'HEAD', operation: 'HeadObject', injected: true });
  });
});

describe('rules', () => {
  it('`when` narrows a rule to matching requests; clear() removes rules and records', async () => {
    proxy.inject({ service: 'ec2', operation: 'CreateVpc', code: 'VpcLimitExceeded', when: (r) => r.body.includes('10.7.0.0') });
    const clients = proxied(1);
    await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.6.0.0/16' }));
    const e = await rejection(clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.7.0.0/16' })));
    expect([e.name, e.$metadata?.httpStatusCode]).toEqual(['VpcLimitExceeded', 400]);
    proxy.clear();
    expect([proxy.rules.length, proxy.requests.length]).toEqual([0, 0]);
    await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.7.0.0/16' }));
    expect(proxy.count({ injected: false })).toBe(1);
  });

  it('escapes the message into well-formed XML for each protocol', () => {
    expect(errorBody('ec2', 'X', 'a<b & "c"', 'id')).toContain('<Message>a&#60;b &#38; &#34;c&#34;</Message>');
    expect(errorBody('sts', 'InternalFailure', 'm', 'id')).toContain('<Type>Receiver</Type>');
    expect(errorBody('s3', 'SlowDown', 'm', 'id')).toMatch(/^<\?xml[^>]*>\n<Error><Code>SlowDown<\/Code>/);
  });
});

describe('shaping: rate limit and latency', () => {
  it('a token bucket admits its burst, then perSecond a second', () => {
    const b = new TokenBucket({ perSecond: 2, burst: 3 });
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    // Half a second adds one token; a long pause refills to the burst, never beyond.
    expect([b.take(500), b.take(500)]).toEqual([true, false]);
    expect([b.take(60_000), b.take(60_000), b.take(60_000), b.take(60_000)]).toEqual([true, true, true, false]);
    expect(() => new TokenBucket({ perSecond: 0 })).toThrow('perSecond must be a positive number');
  });

  it('names each service\'s throttling error as AWS does', () => {
    expect([throttlingCode('ec2'), throttlingCode('s3'), throttlingCode('autoscaling'), throttlingCode('route53')]).toEqual(['RequestLimitExceeded', 'SlowDown', 'Throttling', 'Throttling']);
  });

  it('beyond the rate, metered services get their throttling error; unmetered ones pass; clear() lifts the limit', async () => {
    proxy.shape({ rateLimit: { perSecond: 0.001, burst: 2, services: ['ec2', 'sts'] } });
    const clients = proxied(1);
    await clients.ec2.send(new DescribeVpcsCommand({}));
    await clients.sts.send(new GetCallerIdentityCommand({}));
    const e = await rejection(clients.ec2.send(new DescribeVpcsCommand({})));
    expect(e.name).toBe('RequestLimitExceeded');
    expect(e.$metadata?.httpStatusCode).toBe(503);
    // Not metered: Auto Scaling.
    await clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}));
    expect(proxy.count({ throttled: true })).toBe(1);
    expect(proxy.count({ injected: false })).toBe(3);
    proxy.clear();
    await clients.ec2.send(new DescribeVpcsCommand({}));
    expect(proxy.count({ throttled: true })).toBe(0);
  });

  it('the SDK\'s retries get through a throttled moment once the bucket refills', async () => {
    // The second of two requests sent together is refused (the bucket refills in 500 ms); the
    // SDK's backoff (up to 5 attempts) outlasts that.
    proxy.shape({ rateLimit: { perSecond: 2, burst: 1 } });
    const clients = proxied(5);
    const [a, b] = await Promise.all([clients.ec2.send(new DescribeVpcsCommand({})), clients.ec2.send(new DescribeVpcsCommand({}))]);
    expect(a.Vpcs).toBeDefined();
    expect(b.Vpcs).toBeDefined();
    expect(proxy.count({ throttled: true })).toBeGreaterThanOrEqual(1);
    expect(proxy.count({ injected: false })).toBe(2);
  });

  it('holds every answer back by delayMs', async () => {
    proxy.shape({ delayMs: 150 });
    const t0 = performance.now();
    await proxied(1).ec2.send(new DescribeVpcsCommand({}));
    // A lower bound only: the delay is a floor, whatever the machine's speed.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    expect(proxy.count({ operation: 'DescribeVpcs', injected: false, status: 200 })).toBe(1);
    // Arrival, not answer, is recorded: at least the delay before the answer came back.
    const at = proxy.receivedAt(proxy.requests[0]!);
    expect(at).toBeGreaterThanOrEqual(Date.now() - (performance.now() - t0) - 5);
    expect(at! + 145).toBeLessThanOrEqual(Date.now());
  });
});

describe('hooks', () => {
  let hooked: FaultProxy;
  let before: ProxyHooks['beforeForward'];
  let after: ProxyHooks['afterResponse'];
  beforeAll(async () => {
    hooked = await startFaultProxy(awsEndpoint(), {}, {
      beforeForward: (r) => before?.(r),
      afterResponse: (r, status) => after?.(r, status),
    });
  });
  afterAll(async () => {
    await hooked.close();
  });
  beforeEach(() => {
    before = undefined;
    after = undefined;
    hooked.clear();
  });
  const client = (): AwsClients => new AwsClients(throughProxy(hooked, aws.options, { maxAttempts: 1 }));
  const vpcs = async (): Promise<string[]> => ((await aws.clients.ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? []).map((v) => v.CidrBlock!);

  it('beforeForward fails a request with the AWS error it names; the emulator never sees it', async () => {
    before = (r) => (r.operation === 'CreateVpc' ? { fail: { code: 'VpcLimitExceeded' } } : undefined);
    const e = await rejection(client().ec2.send(new CreateVpcCommand({ CidrBlock: '10.21.0.0/16' })));
    expect([e.name, e.$metadata?.httpStatusCode]).toEqual(['VpcLimitExceeded', 400]);
    expect(hooked.requests.map((r) => [r.operation, r.status, r.injected])).toEqual([['CreateVpc', 400, true]]);
    expect(await vpcs()).not.toContain('10.21.0.0/16');
    await client().ec2.send(new DescribeVpcsCommand({}));
    expect(hooked.count({ injected: false, operation: 'DescribeVpcs' })).toBe(1);
  });

  it('beforeForward drops or resets the connection unanswered; the emulator never sees the call', async () => {
    for (const verdict of ['drop', 'reset'] as const) {
      before = () => verdict;
      const e = await rejection(client().ec2.send(new CreateVpcCommand({ CidrBlock: '10.22.0.0/16' })));
      // No answer at all: a network error (the clients name it EndpointUnreachable), no HTTP status.
      expect([e.name, e.$metadata?.httpStatusCode], verdict).toEqual(['EndpointUnreachable', undefined]);
    }
    expect(hooked.requests).toEqual([]);
    expect(await vpcs()).not.toContain('10.22.0.0/16');
  });

  it('latencyMs delivers no answer sooner than that after arrival, the emulator answering meanwhile (delayMs would hold the request first)', async () => {
    const latencyMs = 4000;
    hooked.shape({ latencyMs });
    try {
      let upstreamAnsweredAt: number | undefined;
      after = () => {
        upstreamAnsweredAt = Date.now();
        return undefined;
      };
      const out = await client().ec2.send(new DescribeVpcsCommand({}));
      const deliveredBy = Date.now();
      expect(out.Vpcs).toBeDefined();
      const arrived = hooked.receivedAt(hooked.requests[0]!)!;
      // Forwarded at once: the emulator's answer came well inside the latency (it takes ms) ...
      expect(upstreamAnsweredAt! - arrived).toBeLessThan(latencyMs);
      // ... and was held until the latency had passed.
      expect(deliveredBy - arrived).toBeGreaterThanOrEqual(latencyMs - 5);
    } finally {
      hooked.shape({});
    }
  });

  it('afterResponse drops the answer after the emulator made the call', async () => {
    const seen: number[] = [];
    after = (r, status) => {
      seen.push(status);
      return r.operation === 'CreateVpc' ? 'drop' : undefined;
    };
    const e = await rejection(client().ec2.send(new CreateVpcCommand({ CidrBlock: '10.23.0.0/16' })));
    expect(e.$metadata?.httpStatusCode).toBeUndefined();
    expect(await vpcs()).toContain('10.23.0.0/16');
    // Answers not dropped are delivered whole.
    const all = await client().ec2.send(new DescribeVpcsCommand({}));
    expect(all.Vpcs?.map((v) => v.CidrBlock)).toContain('10.23.0.0/16');
    expect(seen).toEqual([200, 200]);
    expect(hooked.requests.map((r) => r.operation)).toEqual(['DescribeVpcs']);
  });
});
