/**
 * The clients' adaptive rate limiting (src/cloud/aws/rate-limit.ts): the limiter's law on a
 * driven clock (no real time), which endpoint a client's limiter belongs to, and, through the
 * fault proxy in front of the emulator, that the clients on one endpoint learn from each other's
 * throttling while clients on two hosts do not.
 */
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { ListRolesCommand } from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsClients, type AwsClientOptions } from '../../../src/cloud/aws/clients.js';
import {
  AdaptiveRateLimiter,
  AdaptiveRetryStrategy,
  EndpointRateLimiters,
  endpointKey,
  limiterKey,
  processRateLimiters,
  type LimiterClock,
} from '../../../src/cloud/aws/rate-limit.js';
import { awsEndpoint, testAws } from '../../helpers/aws.js';
import { startFaultProxy, type FaultProxy } from '../../fakes/aws-fault-proxy.js';

/** A clock the test moves: `sleep` advances it at once and records the wait. */
class DrivenClock implements LimiterClock {
  t = 1_000_000;
  readonly waits: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.waits.push(ms);
    this.t += ms;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** `n` sends `gapMs` apart; their send times. */
async function sendBurst(l: AdaptiveRateLimiter, clock: DrivenClock, n: number, gapMs = 1): Promise<number[]> {
  const sent: number[] = [];
  for (let i = 0; i < n; i++) {
    sent.push(await l.acquire());
    clock.advance(gapMs);
  }
  return sent;
}

describe('AdaptiveRateLimiter', () => {
  it('does not pace anything before the first throttling error', async () => {
    const clock = new DrivenClock();
    const l = new AdaptiveRateLimiter(clock);
    await sendBurst(l, clock, 200, 0);
    for (let i = 0; i < 50; i++) l.record(false, clock.now());
    expect(clock.waits).toEqual([]);
    expect(l.state.throttled).toBe(false);
  });

  it('after a cold burst meets the limit, sends at 0.7 x the rate sent, not at its floor', async () => {
    const clock = new DrivenClock();
    const l = new AdaptiveRateLimiter(clock);
    const sent = await sendBurst(l, clock, 15);
    clock.advance(30);
    l.record(true, sent[0]);
    // 15 sent within the last second. (The SDK's limiter, measuring by half-second buckets
    // from 0, can see about 0 here and fall to its floor, 0.5/s.)
    expect(l.state).toMatchObject({ throttled: true, lastThrottledRate: 15, cuts: 1 });
    expect(l.state.ratePerSecond).toBeCloseTo(10.5, 6);
  });

  it('cuts once per overshoot: the throttled answers to requests sent before the cut do not cut again', async () => {
    const clock = new DrivenClock();
    const l = new AdaptiveRateLimiter(clock);
    const sent = await sendBurst(l, clock, 15);
    clock.advance(30);
    for (const s of sent.slice(0, 10)) l.record(true, s);
    expect(l.state).toMatchObject({ throttles: 10, cuts: 1 });
    expect(l.state.ratePerSecond).toBeCloseTo(10.5, 6);
    // A request sent after the cut still throttled: the new rate is still too high, cut again.
    const after = await l.acquire();
    clock.advance(30);
    l.record(true, after);
    expect(l.state).toMatchObject({ throttles: 11, cuts: 2 });
    expect(l.state.ratePerSecond).toBeCloseTo(10.5 * 0.7, 6);
  });

  it('paces sends at its rate once throttled', async () => {
    const clock = new DrivenClock();
    const l = new AdaptiveRateLimiter(clock);
    const sent = await sendBurst(l, clock, 10, 0);
    l.record(true, sent[0]);
    const rate = l.state.ratePerSecond; // 7 a second
    expect(rate).toBeCloseTo(7, 6);
    const t0 = clock.now();
    const times = await sendBurst(l, clock, 21, 0);
    // The bucket starts empty after a cut: 21 sends take 21 / 7 = 3 s, evenly spaced (waits are
    // whole milliseconds).
    expect(Math.abs(times.at(-1)! - t0 - (21 / rate) * 1000)).toBeLessThanOrEqual(21);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    for (const g of gaps) expect(Math.abs(g - 1000 / rate)).toBeLessThanOrEqual(1);
  });

  it('climbs back to the rate it met along the CUBIC curve, then probes above it', async () => {
    const clock = new DrivenClock();
    const l = new AdaptiveRateLimiter(clock);
    const sent = await sendBurst(l, clock, 5, 0);
    const cut = clock.now();
    l.record(true, sent[0]); // met at 5/s: 3.5/s, back at 5/s W = cbrt(5 x 0.3 / 0.4) s later
    expect(l.state.ratePerSecond).toBeCloseTo(3.5, 6);
    const w = Math.cbrt((5 * 0.3) / 0.4);
    clock.t = cut + (w / 2) * 1000;
    l.record(false, clock.now());
    expect(l.state.ratePerSecond).toBeCloseTo(5 - 0.4 * (w / 2) ** 3, 6);
    clock.t = cut + w * 1000;
    l.record(false, clock.now());
    expect(l.state.ratePerSecond).toBeCloseTo(5, 6);
    // Sending at 5 a second for a second: the curve goes on above 5 (at most twice what is sent).
    for (let i = 0; i < 5; i++) {
      await l.acquire();
      clock.advance(200);
    }
    l.record(false, clock.now());
    expect(l.state.ratePerSecond).toBeGreaterThan(5);
    expect(l.state.ratePerSecond).toBeLessThanOrEqual(10);
  });

  it('after a quiet spell, a success keeps the rate it met instead of falling to the floor', async () => {
    const clock = new DrivenClock();
    const l = new AdaptiveRateLimiter(clock);
    const sent = await sendBurst(l, clock, 5, 0);
    l.record(true, sent[0]);
    clock.advance(10_000); // nothing sent for 10 s (the plan's state-store work, say)
    const s = await l.acquire();
    l.record(false, s);
    // The SDK caps at twice the measured rate (here one send: 2/s); the rate met (5/s) is kept.
    expect(l.state.ratePerSecond).toBeCloseTo(5, 6);
  });
});

describe('endpointKey', () => {
  const none = {};
  it('a client without a configured endpoint has its own (its service and region on AWS)', () => {
    expect(endpointKey('ec2', 'us-east-1', undefined, none)).toBe('aws:ec2:us-east-1');
    expect(endpointKey('iam', 'us-east-1', undefined, none)).toBe('aws:iam:us-east-1');
    expect(endpointKey('ec2', 'eu-west-1', undefined, none)).toBe('aws:ec2:eu-west-1');
  });

  it('a configured endpoint is keyed by scheme, host and port, whatever the path', () => {
    expect(endpointKey('ec2', 'us-east-1', 'http://LOCALHOST:4566/', none)).toBe('http://localhost:4566');
    expect(endpointKey('iam', 'eu-west-1', 'http://localhost:4566/some/path', none)).toBe('http://localhost:4566');
    expect(endpointKey('ec2', 'us-east-1', 'https://localhost:4566', none)).toBe('https://localhost:4566');
  });

  it('reads the endpoint variables the SDK reads: the service own first, then AWS_ENDPOINT_URL', () => {
    const env = { AWS_ENDPOINT_URL: 'http://gw:8080', AWS_ENDPOINT_URL_IAM: 'http://iam-gw:9000', AWS_ENDPOINT_URL_AUTO_SCALING: ' ' };
    expect(endpointKey('ec2', 'us-east-1', undefined, env)).toBe('http://gw:8080');
    expect(endpointKey('iam', 'us-east-1', undefined, env)).toBe('http://iam-gw:9000');
    expect(endpointKey('autoscaling', 'us-east-1', undefined, env)).toBe('http://gw:8080');
    expect(endpointKey('route53', 'us-east-1', undefined, { AWS_ENDPOINT_URL_ROUTE_53: 'http://r53:1' })).toBe('http://r53:1');
    expect(endpointKey('elbv2', 'us-east-1', undefined, { AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: 'http://elb:1' })).toBe('http://elb:1');
    // The client's own option wins over the variables.
    expect(endpointKey('iam', 'us-east-1', 'http://mine:1', env)).toBe('http://mine:1');
  });

  it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores the variables, as the SDK does', () => {
    expect(endpointKey('ec2', 'us-east-1', undefined, { AWS_ENDPOINT_URL: 'http://gw:8080', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })).toBe('aws:ec2:us-east-1');
  });

  it('an endpoint that is not a URL shares nothing', () => {
    expect(endpointKey('ec2', 'us-east-1', 'not a url', none)).toBe('aws:ec2:us-east-1');
  });

  it('the limiter key adds the access key id when one is given (AWS meters each account)', () => {
    expect(limiterKey('ec2', 'us-east-1', 'http://gw:1', '123456789012', none)).toBe('http://gw:1 123456789012');
    expect(limiterKey('ec2', 'us-east-1', 'http://gw:1', undefined, none)).toBe('http://gw:1');
  });
});

describe('EndpointRateLimiters', () => {
  it('gives the clients of one endpoint one limiter, of another endpoint another, each its own retry strategy', () => {
    const rl = new EndpointRateLimiters();
    const a = rl.strategy('http://proxy:1', 5);
    const b = rl.strategy('http://proxy:1', 5);
    const c = rl.strategy('http://proxy:2', 5);
    expect(a).not.toBe(b);
    expect(a).toBeInstanceOf(AdaptiveRetryStrategy);
    expect((a as AdaptiveRetryStrategy).limiter).toBe((b as AdaptiveRetryStrategy).limiter);
    expect((c as AdaptiveRetryStrategy).limiter).not.toBe((a as AdaptiveRetryStrategy).limiter);
    expect(rl.endpoints).toEqual(['http://proxy:1', 'http://proxy:2']);
  });

  it('scope client: a limiter per client, as the SDK does', () => {
    const rl = new EndpointRateLimiters({ scope: 'client' });
    const a = rl.strategy('http://proxy:1', 5) as AdaptiveRetryStrategy;
    const b = rl.strategy('http://proxy:1', 5) as AdaptiveRetryStrategy;
    expect(a.limiter).not.toBe(b.limiter);
    expect(rl.endpoints).toEqual([]);
  });
});

describe('clients on one endpoint, through the fault proxy', () => {
  let proxyA: FaultProxy;
  let proxyB: FaultProxy;
  beforeAll(async () => {
    proxyA = await startFaultProxy(awsEndpoint());
    proxyB = await startFaultProxy(awsEndpoint());
  });
  afterAll(async () => {
    await proxyA.close();
    await proxyB.close();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    proxyA.clear();
    proxyB.clear();
  });

  /** The test account's options without an endpoint, `maxAttempts` 3 (one throttle is retried). */
  function options(extra: Partial<AwsClientOptions> = {}): AwsClientOptions {
    const { endpoint: _endpoint, ...rest } = testAws().options;
    return { ...rest, maxAttempts: 3, ...extra };
  }

  it('EC2 throttled: the IAM client on the same endpoint learns it; throttled again through IAM, one limiter counts both', async () => {
    const rl = new EndpointRateLimiters();
    const clients = new AwsClients(options({ endpoint: proxyA.endpoint, rateLimiters: rl }));
    proxyA.inject({ service: 'ec2', operation: 'DescribeVpcs', code: 'RequestLimitExceeded', times: 1 });
    await clients.ec2.send(new DescribeVpcsCommand({}));
    const key = clients.rateLimiterKey('ec2');
    expect(clients.rateLimiterKey('iam')).toBe(key);
    const limiter = rl.limiter(key)!;
    expect(limiter.state).toMatchObject({ throttled: true, throttles: 1 });
    proxyA.inject({ service: 'iam', operation: 'ListRoles', code: 'Throttling', times: 1 });
    await clients.iam.send(new ListRolesCommand({}));
    expect(limiter.state.throttles).toBe(2);
    expect(rl.endpoints).toEqual([key]);
    expect(proxyA.count({ injected: true })).toBe(2);
  });

  it('clients on two hosts (AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_IAM) keep separate limiters', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', proxyA.endpoint);
    vi.stubEnv('AWS_ENDPOINT_URL_IAM', proxyB.endpoint);
    const rl = new EndpointRateLimiters();
    const clients = new AwsClients(options({ rateLimiters: rl }));
    proxyA.inject({ service: 'ec2', operation: 'DescribeVpcs', code: 'RequestLimitExceeded', times: 1 });
    await clients.ec2.send(new DescribeVpcsCommand({}));
    await clients.iam.send(new ListRolesCommand({}));
    // The SDK sent each where the variables say, and the limiters follow.
    expect(proxyA.count({ service: 'ec2' })).toBe(2);
    expect(proxyB.count({ service: 'iam' })).toBe(1);
    expect(clients.rateLimiterKey('ec2')).not.toBe(clients.rateLimiterKey('iam'));
    expect(rl.limiter(clients.rateLimiterKey('ec2'))!.state).toMatchObject({ throttled: true, throttles: 1 });
    expect(rl.limiter(clients.rateLimiterKey('iam'))!.state).toMatchObject({ throttled: false, throttles: 0 });
  });

  it('keeps the SDK attempts budget: throttled on every attempt, the call fails after maxAttempts with the throttling error', async () => {
    const clients = new AwsClients(options({ endpoint: proxyA.endpoint, rateLimiters: new EndpointRateLimiters(), maxAttempts: 2 }));
    proxyA.inject({ service: 'ec2', operation: 'DescribeVpcs', code: 'RequestLimitExceeded' });
    const err = await clients.ec2.send(new DescribeVpcsCommand({})).then(
      () => undefined,
      (e: unknown) => e as { name?: string; $metadata?: { attempts?: number } },
    );
    expect(err?.name).toBe('RequestLimitExceeded');
    expect(err?.$metadata?.attempts).toBe(2);
    expect(proxyA.count({ service: 'ec2', operation: 'DescribeVpcs' })).toBe(2);
  });

  it('under a request-rate limit, a burst through one endpoint all succeeds, and the answers to one overshoot cut the rate once', async () => {
    proxyA.shape({ rateLimit: { perSecond: 5, services: ['ec2', 'iam'] } });
    const rl = new EndpointRateLimiters();
    const clients = new AwsClients(options({ endpoint: proxyA.endpoint, rateLimiters: rl, maxAttempts: 5 }));
    const calls = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? clients.ec2.send(new DescribeVpcsCommand({})) : clients.iam.send(new ListRolesCommand({}))));
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const throttled = proxyA.count({ throttled: true });
    expect(throttled).toBeGreaterThan(0); // the burst of 24 met the bucket of 5
    const state = rl.limiter(clients.rateLimiterKey('ec2'))!.state;
    expect(state.throttles).toBe(throttled);
    // The first burst's throttled answers were all sent before the first cut: one cut for them.
    expect(state.cuts).toBeLessThan(state.throttles);
  });

  it('two AwsClients of a run (the plan, the plan under the lock) share the endpoint limiter by default; another account does not', async () => {
    const run = options({ endpoint: proxyB.endpoint });
    const first = new AwsClients(run);
    const second = new AwsClients(run);
    const otherAccount = new AwsClients(options({ endpoint: proxyB.endpoint }));
    expect(first.rateLimiters).toBe(processRateLimiters);
    proxyB.inject({ service: 'ec2', operation: 'DescribeVpcs', code: 'RequestLimitExceeded', times: 1 });
    await first.ec2.send(new DescribeVpcsCommand({}));
    await second.ec2.send(new DescribeVpcsCommand({}));
    await otherAccount.ec2.send(new DescribeVpcsCommand({}));
    const key = first.rateLimiterKey('ec2');
    expect(second.rateLimiterKey('ec2')).toBe(key);
    expect(otherAccount.rateLimiterKey('ec2')).not.toBe(key);
    expect(processRateLimiters.limiter(key)!.state).toMatchObject({ throttled: true, throttles: 1 });
    expect(processRateLimiters.limiter(otherAccount.rateLimiterKey('ec2'))!.state).toMatchObject({ throttled: false });
  });
});
