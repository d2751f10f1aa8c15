/**
 * Client-side rate limiting of the AWS clients: adaptive retry with one rate limiter per endpoint.
 *
 * The SDK's `retryMode: 'adaptive'` gives every client its own `DefaultRateLimiter`: after a
 * throttling error it sends at a fraction of its measured rate, then probes upwards (CUBIC). Two
 * things in it cost an apply that meets a limit most of its time (measured, docs/performance.md §3):
 *
 * 1. **Per client.** On AWS that is right: EC2, Auto Scaling, ELB, IAM, Route53, STS and S3 each
 *    have their own host and their own limits. When several clients talk to one endpoint (an
 *    emulator, LocalStack, a proxy or gateway in front of every service: `AWS_ENDPOINT_URL`), what
 *    throttles them is that endpoint's one limit, and per-client limiters each learn only a share
 *    of it from their own traffic: each backs off only when itself throttled, and their sum
 *    overshoots again. Here the clients on one configured endpoint share one limiter; a client on
 *    its service's AWS endpoint has its own, as with the SDK.
 * 2. **The measured send rate.** The SDK measures it as a moving average over half-second buckets
 *    that starts at 0 and counts idle time, and cuts the rate again for every throttled response,
 *    including the responses to requests sent before the previous cut. A burst after a quiet spell
 *    (the first requests of a run, the apply after the plan) that meets the limit is thus measured
 *    at a fraction of what was sent and cut several times over: the limiter falls to its floor
 *    (0.5 requests/s) and takes seconds to climb back while the limit goes unused.
 *    `AdaptiveRateLimiter` keeps the SDK's CUBIC law and constants but measures the rate actually
 *    sent (the sends of the last second) and, as TCP's CUBIC does per window, cuts once per
 *    overshoot: a throttled request sent before the last cut does not cut again.
 *
 * Only the limiter is shared: every client keeps its own retry strategy and retry quota (the SDK's
 * circuit breaker, `StandardRetryStrategy`), so one service's throttling never spends another's.
 *
 * Limiters are per endpoint and, when the clients are given static credentials, per access key
 * (AWS meters each account on its own): `limiterKey`.
 *
 * Which endpoint a client talks to is known before the SDK resolves it only when configured: the
 * client's `endpoint` option, else `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL` (unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true), the variables the SDK itself reads. An
 * `endpoint_url` set only in the shared config file is not read here: those clients keep limiters
 * of their own (per service and region), which is what the SDK does anyway.
 */
import { DefaultRateLimiter, StandardRetryStrategy, type RateLimiter } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken, StandardRetryToken } from '@smithy/types';

/** `endpoint`: one limiter per endpoint (default); `client`: one per client (as the SDK does). */
export type RateLimitScope = 'endpoint' | 'client';
/** `kops-ts`: `AdaptiveRateLimiter` (default); `sdk`: the SDK's `DefaultRateLimiter` (for comparison). */
export type RateLimiterKind = 'kops-ts' | 'sdk';

/** The SDK's service ids of the clients `AwsClients` makes, as the `AWS_ENDPOINT_URL_<ID>` variables spell them. */
const ENDPOINT_ENV_IDS: Readonly<Record<string, string>> = {
  ec2: 'EC2',
  autoscaling: 'AUTO_SCALING',
  elb: 'ELASTIC_LOAD_BALANCING',
  elbv2: 'ELASTIC_LOAD_BALANCING_V2',
  iam: 'IAM',
  route53: 'ROUTE_53',
  s3: 'S3',
  sts: 'STS',
};

/**
 * The endpoint `service`'s client in `region` will talk to, as a limiter key: `scheme://host[:port]`
 * of the configured endpoint, or `aws:<service>:<region>` when none is configured (the service's
 * own AWS endpoint).
 */
export function endpointKey(service: string, region: string, endpoint: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const own = `aws:${service}:${region}`;
  const configured = nonEmpty(endpoint) ?? configuredEndpoint(service, env);
  if (configured === undefined) return own;
  try {
    const u = new URL(configured);
    return `${u.protocol}//${u.host}`.toLowerCase();
  } catch {
    // Not a URL: the SDK refuses it when the client sends; nothing to share.
    return own;
  }
}

/**
 * The key of `service`'s limiter: its endpoint (`endpointKey`) and, when the client is given
 * static credentials, their access key id: AWS meters requests per account, and two accounts
 * behind one endpoint (per-test accounts of an emulator, say) are two limits.
 */
export function limiterKey(service: string, region: string, endpoint: string | undefined, accessKeyId?: string, env: NodeJS.ProcessEnv = process.env): string {
  const e = endpointKey(service, region, endpoint, env);
  return accessKeyId ? `${e} ${accessKeyId}` : e;
}

function configuredEndpoint(service: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true') return undefined;
  const id = ENDPOINT_ENV_IDS[service];
  return nonEmpty(id ? env[`AWS_ENDPOINT_URL_${id}`] : undefined) ?? nonEmpty(env.AWS_ENDPOINT_URL);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s !== undefined && s.trim() !== '' ? s.trim() : undefined;
}

/** Time for the limiter: `now` in ms, `sleep` for waits (tests drive both). */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: LimiterClock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

// The SDK's DefaultRateLimiter defaults (the adaptive retry mode of every AWS SDK).
const BETA = 0.7;
const SCALE = 0.4;
const MIN_FILL_RATE = 0.5;
const MIN_CAPACITY = 1;
/** The send rate is measured over this last span. */
const RATE_WINDOW_MS = 1000;

/** What the limiter has learnt (diagnostics and tests). */
export interface RateLimiterState {
  /** A throttling error has been seen: sends are paced at `ratePerSecond`. */
  readonly throttled: boolean;
  readonly ratePerSecond: number;
  /** The rate at which the last throttling error was met. */
  readonly lastThrottledRate: number;
  /** Throttling errors seen, and how many of them cut the rate. */
  readonly throttles: number;
  readonly cuts: number;
}

/**
 * The SDK's adaptive (CUBIC) rate limiter with the rate measured as sent and one cut per overshoot
 * (see the module comment). Sends are not paced until the first throttling error.
 */
export class AdaptiveRateLimiter {
  private enabled = false;
  private tokens = 0;
  private lastRefill: number | undefined;
  private fillRate = MIN_FILL_RATE;
  private maxCapacity = MIN_CAPACITY;
  private lastMaxRate = 0;
  private lastCut = Number.NEGATIVE_INFINITY;
  private timeWindow = 0;
  private throttles = 0;
  private cuts = 0;
  /** Send times within the last `RATE_WINDOW_MS`, oldest first. */
  private readonly sends: number[] = [];

  constructor(private readonly clock: LimiterClock = realClock) {}

  /** Waits for a send token (once throttled), then records the send; resolves to the send time. */
  async acquire(): Promise<number> {
    if (this.enabled) {
      this.refill();
      while (this.tokens < 1) {
        // Whole milliseconds, rounded up: every wait moves the clock on.
        await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.fillRate) * 1000));
        this.refill();
      }
      this.tokens -= 1;
    }
    const now = this.clock.now();
    this.sends.push(now);
    return now;
  }

  /** A response to a request sent at `sentAt`: `throttled` if it was a throttling error. */
  record(throttled: boolean, sentAt: number | undefined): void {
    const now = this.clock.now();
    const measured = this.sendRate(now);
    let rate: number;
    if (throttled) {
      this.throttles++;
      // Sent before the last cut: the cut already answered this overshoot.
      if (sentAt !== undefined && sentAt < this.lastCut) return;
      const rateToUse = this.enabled ? Math.min(measured, this.fillRate) : measured;
      this.lastMaxRate = rateToUse;
      this.timeWindow = Math.cbrt((rateToUse * (1 - BETA)) / SCALE);
      this.lastCut = now;
      this.cuts++;
      this.enabled = true;
      rate = rateToUse * BETA;
    } else {
      if (!this.enabled) return;
      const t = (now - this.lastCut) / 1000;
      rate = SCALE * (t - this.timeWindow) ** 3 + this.lastMaxRate;
      // As the SDK: no faster than twice what is sent, so an idle client does not grow a rate it
      // never tried; but that cap never below the rate last met, which the curve returns to
      // anyway (after a quiet spell the SDK's cap, twice almost nothing, drops to its floor).
      rate = Math.min(rate, Math.max(2 * measured, this.lastMaxRate));
    }
    this.refill();
    this.fillRate = Math.max(rate, MIN_FILL_RATE);
    this.maxCapacity = Math.max(rate, MIN_CAPACITY);
    this.tokens = Math.min(this.tokens, this.maxCapacity);
  }

  get state(): RateLimiterState {
    return { throttled: this.enabled, ratePerSecond: this.fillRate, lastThrottledRate: this.lastMaxRate, throttles: this.throttles, cuts: this.cuts };
  }

  private sendRate(now: number): number {
    while (this.sends.length > 0 && this.sends[0]! <= now - RATE_WINDOW_MS) this.sends.shift();
    return this.sends.length / (RATE_WINDOW_MS / 1000);
  }

  private refill(): void {
    const now = this.clock.now();
    if (this.lastRefill !== undefined) this.tokens = Math.min(this.maxCapacity, this.tokens + ((now - this.lastRefill) / 1000) * this.fillRate);
    this.lastRefill = now;
  }
}

/**
 * Adaptive retry for one client: the SDK's `StandardRetryStrategy` (attempts, backoff, retry
 * quota: the client's own) with every attempt paced by `limiter` (its endpoint's), told of each
 * attempt's outcome with the attempt's send time.
 */
export class AdaptiveRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'adaptive';
  private readonly standard: StandardRetryStrategy;
  private readonly sentAt = new WeakMap<RetryToken, number>();

  constructor(maxAttempts: number, readonly limiter: AdaptiveRateLimiter) {
    this.standard = new StandardRetryStrategy({ maxAttempts });
  }

  async acquireInitialRetryToken(scope: string): Promise<RetryToken> {
    const token = await this.standard.acquireInitialRetryToken(scope);
    this.sentAt.set(token, await this.limiter.acquire());
    return token;
  }

  async refreshRetryTokenForRetry(token: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    this.limiter.record(info.errorType === 'THROTTLING', this.sentAt.get(token));
    const next = await this.standard.refreshRetryTokenForRetry(token as StandardRetryToken, info);
    this.sentAt.set(next, await this.limiter.acquire());
    return next;
  }

  recordSuccess(token: RetryToken): void {
    this.limiter.record(false, this.sentAt.get(token));
    this.standard.recordSuccess(token as StandardRetryToken);
  }

  /** As the SDK's strategies (some integrations read it). */
  maxAttempts(): Promise<number> {
    return this.standard.maxAttempts();
  }
}

/** The SDK's own adaptive strategy around a given `DefaultRateLimiter` (kind `sdk`). */
function sdkStrategy(maxAttempts: number, limiter: RateLimiter): RetryStrategyV2 {
  const standard = new StandardRetryStrategy({ maxAttempts });
  return {
    async acquireInitialRetryToken(scope: string) {
      const token = await standard.acquireInitialRetryToken(scope);
      await limiter.getSendToken();
      return token;
    },
    async refreshRetryTokenForRetry(token: RetryToken, info: RetryErrorInfo) {
      limiter.updateClientSendingRate(info);
      const next = await standard.refreshRetryTokenForRetry(token as StandardRetryToken, info);
      await limiter.getSendToken();
      return next;
    },
    recordSuccess(token: RetryToken) {
      limiter.updateClientSendingRate({});
      standard.recordSuccess(token as StandardRetryToken);
    },
  };
}

export interface EndpointRateLimitersOptions {
  readonly scope?: RateLimitScope;
  readonly kind?: RateLimiterKind;
  /** Time for `AdaptiveRateLimiter`s (tests). */
  readonly clock?: LimiterClock;
}

/**
 * The rate limiters of a run's clients, by `limiterKey`. `strategy` gives each client an adaptive
 * retry strategy of its own around its endpoint's limiter.
 */
export class EndpointRateLimiters {
  readonly scope: RateLimitScope;
  readonly kind: RateLimiterKind;
  private readonly clock: LimiterClock | undefined;
  private readonly limiters = new Map<string, AdaptiveRateLimiter | DefaultRateLimiter>();

  constructor(opts: EndpointRateLimitersOptions = {}) {
    this.scope = opts.scope ?? 'endpoint';
    this.kind = opts.kind ?? 'kops-ts';
    this.clock = opts.clock;
  }

  /** A retry strategy for one client on endpoint `key`, `maxAttempts` attempts per call. */
  strategy(key: string, maxAttempts: number): RetryStrategyV2 {
    const limiter = this.scope === 'client' ? this.make() : this.shared(key);
    return limiter instanceof AdaptiveRateLimiter ? new AdaptiveRetryStrategy(maxAttempts, limiter) : sdkStrategy(maxAttempts, limiter);
  }

  /** The shared `AdaptiveRateLimiter` of endpoint `key`, if one was made (scope `endpoint`). */
  limiter(key: string): AdaptiveRateLimiter | undefined {
    const l = this.limiters.get(key);
    return l instanceof AdaptiveRateLimiter ? l : undefined;
  }

  /** Keys with a shared limiter. */
  get endpoints(): readonly string[] {
    return [...this.limiters.keys()];
  }

  private shared(key: string): AdaptiveRateLimiter | DefaultRateLimiter {
    let l = this.limiters.get(key);
    if (!l) {
      l = this.make();
      this.limiters.set(key, l);
    }
    return l;
  }

  private make(): AdaptiveRateLimiter | DefaultRateLimiter {
    return this.kind === 'sdk' ? new DefaultRateLimiter() : new AdaptiveRateLimiter(this.clock);
  }
}

/**
 * The process's limiters, used by every `AwsClients` not given its own: a CLI process is one run,
 * and its several `AwsClients` (the plan, the plan again under the lock, the apply) then share
 * what their endpoint's limit taught them. (In a test process, each test's emulator account has
 * its own access key, so its limiters are its own.)
 */
export const processRateLimiters = new EndpointRateLimiters();
