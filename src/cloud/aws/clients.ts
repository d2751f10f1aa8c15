/**
 * AWS SDK v3 client factory. One `AwsClients` per run: clients are created lazily and shared by
 * every task, so the SDK's adaptive retry strategy (client-side rate limiting on throttling) sees
 * all the traffic of a service; clients on one configured endpoint (an emulator, LocalStack, a
 * proxy in front of every service) share one rate limiter, as they share that endpoint's limit
 * (`rate-limit.ts`).
 *
 * Endpoints are the SDK's own business: `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` point
 * every client at an emulator or any AWS-compatible endpoint. kops-ts has no endpoint flag.
 * Tests pass `endpoint` and `middleware` explicitly (per-file emulator account, request counting).
 *
 * Every client has connection and request timeouts (`timeouts`, see `endpoint.ts`), and every
 * attempt reports to the run's `EndpointHealth`: a response is a sign of life, a failure without
 * one is rethrown as an `AwsEndpointError` naming the endpoint.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, RetryStrategyV2 } from '@smithy/types';
import { KopsError } from '../../diagnostics.js';
import { AwsEndpointError, DEFAULT_AWS_TIMEOUTS, EndpointHealth, endpointFailureOf, type AwsTimeouts } from './endpoint.js';
import { limiterKey, processRateLimiters, type EndpointRateLimiters } from './rate-limit.js';

/** The request as the SDK's build step sees it (enough for headers and counting). */
export interface AwsRequestInfo {
  readonly service: string;
  readonly operation: string;
  readonly headers: Record<string, string>;
  /** The command's input (read-only: for attribution and tests). */
  readonly input?: unknown;
}

/**
 * Runs on every request before it is signed; may add headers (e.g. `x-moto-account-id`). It may
 * return a function, called once when the call has ended (answered, failed or given up after the
 * SDK's retries): the benchmarks time each call with it.
 */
export type AwsRequestHook = (req: AwsRequestInfo) => void | AwsRequestEnd;

/** Called when a call a hook saw has ended; `ok` is false when it ended in an error. */
export type AwsRequestEnd = (ok: boolean) => void;

export interface AwsClientOptions {
  readonly region: string;
  /** Overrides `AWS_ENDPOINT_URL` (tests); normally unset. */
  readonly endpoint?: string;
  readonly credentials?: AwsCredentialIdentity;
  /** SDK attempts per call, including the first (default 5 with adaptive retry). */
  readonly maxAttempts?: number;
  readonly hooks?: readonly AwsRequestHook[];
  /** Connection and request timeouts (default connect 5 s, request 60 s). */
  readonly timeouts?: AwsTimeouts;
  /** Shared health monitor (default: a new one per `AwsClients`). */
  readonly health?: EndpointHealth;
  /**
   * The adaptive rate limiters, one per endpoint (default: the process's, `processRateLimiters`;
   * pass new ones to keep a run's learning to itself, e.g. in tests and benchmarks).
   */
  readonly rateLimiters?: EndpointRateLimiters;
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      mw: (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => (args: unknown) => Promise<unknown>,
      opts: { step: 'build' | 'finalizeRequest'; name: string; priority?: 'low' },
    ): void;
  };
}

export class AwsClients {
  readonly region: string;
  /** Every client's responses and no-response failures (see `endpoint.ts`). */
  readonly health: EndpointHealth;
  readonly timeouts: Required<AwsTimeouts>;
  /** The clients' adaptive rate limiters, by endpoint. */
  readonly rateLimiters: EndpointRateLimiters;
  private readonly opts: AwsClientOptions;
  private readonly cache = new Map<string, unknown>();
  private elbClient: Promise<ElasticLoadBalancingClient> | undefined;

  constructor(opts: AwsClientOptions) {
    this.opts = opts;
    this.region = opts.region;
    this.health = opts.health ?? new EndpointHealth();
    this.timeouts = resolveTimeouts(opts.timeouts);
    this.rateLimiters = opts.rateLimiters ?? processRateLimiters;
  }

  get ec2(): EC2Client {
    return this.get('ec2', (c) => new EC2Client(c));
  }
  get autoscaling(): AutoScalingClient {
    return this.get('autoscaling', (c) => new AutoScalingClient(c));
  }
  get elbv2(): ElasticLoadBalancingV2Client {
    return this.get('elbv2', (c) => new ElasticLoadBalancingV2Client(c));
  }
  /**
   * Classic ELB (the AWS cloud controller's default for a Service of type LoadBalancer). Only
   * `delete cluster` uses it, so its SDK module is imported on the first call, not with this file:
   * the other commands never load it.
   */
  elb(): Promise<ElasticLoadBalancingClient> {
    return (this.elbClient ??= import('@aws-sdk/client-elastic-load-balancing').then((m) => this.get('elb', (c) => new m.ElasticLoadBalancingClient(c))));
  }
  get iam(): IAMClient {
    return this.get('iam', (c) => new IAMClient(c));
  }
  get route53(): Route53Client {
    return this.get('route53', (c) => new Route53Client(c));
  }
  get s3(): S3Client {
    // followRegionRedirects: a state bucket in another region than the cluster still works.
    return this.get('s3', (c) => new S3Client({ ...c, forcePathStyle: c.endpoint !== undefined ? true : undefined, followRegionRedirects: true }));
  }
  get sts(): STSClient {
    return this.get('sts', (c) => new STSClient(c));
  }

  /** The key of `service`'s rate limiter in `rateLimiters`: its endpoint, and the access key if given. */
  rateLimiterKey(service: string): string {
    return limiterKey(service, this.opts.region, this.opts.endpoint, this.opts.credentials?.accessKeyId);
  }

  private get<T>(name: string, make: (config: ClientConfig) => T): T {
    const hit = this.cache.get(name);
    if (hit) return hit as T;
    const client = make(this.config(name));
    this.install(name, client as unknown as MiddlewareClient);
    this.cache.set(name, client);
    return client;
  }

  private config(service: string): ClientConfig {
    const { connectMs, requestMs } = this.timeouts;
    const maxAttempts = this.opts.maxAttempts ?? 5;
    const c: ClientConfig = {
      region: this.opts.region,
      // Adaptive retry (client-side rate limiting after throttling), one limiter per endpoint.
      retryStrategy: this.rateLimiters.strategy(this.rateLimiterKey(service), maxAttempts),
      maxAttempts,
      // The SDK's NodeHttpHandler options: requestTimeout only throws with throwOnRequestTimeout;
      // socketTimeout bounds a response body that stalls after its headers arrived.
      requestHandler: { connectionTimeout: connectMs, requestTimeout: requestMs, throwOnRequestTimeout: true, socketTimeout: requestMs },
    };
    if (this.opts.endpoint) c.endpoint = this.opts.endpoint;
    if (this.opts.credentials) c.credentials = this.opts.credentials;
    return c;
  }

  private install(service: string, client: MiddlewareClient): void {
    // Per attempt (inside the SDK's retry loop): report to the health monitor, name the endpoint.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        try {
          const out = await next(args);
          this.health.responded();
          return out;
        } catch (e) {
          const failure = endpointFailureOf(e, this.timeouts);
          if (!failure) {
            if (hasHttpStatus(e)) this.health.responded();
            throw e;
          }
          const err = new AwsEndpointError(endpointOf(args), service, context.commandName?.replace(/Command$/, '') ?? 'unknown', failure.failure, failure.timeoutMs, e);
          this.health.failed(err);
          throw err;
        }
      },
      { step: 'finalizeRequest', name: 'kopsTsEndpointHealth', priority: 'low' },
    );
    const hooks = this.opts.hooks ?? [];
    if (hooks.length === 0) return;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const { request, input } = args as { request?: { headers?: Record<string, string> }; input?: unknown };
        const headers = request?.headers ?? {};
        const info: AwsRequestInfo = { service, operation: context.commandName ?? 'unknown', headers, input };
        const ends: AwsRequestEnd[] = [];
        for (const h of hooks) {
          const end = h(info);
          if (end) ends.push(end);
        }
        if (ends.length === 0) return next(args);
        let ok = false;
        try {
          const out = await next(args);
          ok = true;
          return out;
        } finally {
          for (const end of ends) end(ok);
        }
      },
      { step: 'build', name: 'kopsTsHooks' },
    );
  }
}

interface ClientConfig {
  region: string;
  retryStrategy: RetryStrategyV2;
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean; socketTimeout: number };
  endpoint?: string;
  credentials?: AwsCredentialIdentity;
  forcePathStyle?: boolean | undefined;
}

/** The timeouts with defaults; a value that is not a positive number of ms is refused. */
export function resolveTimeouts(t: AwsTimeouts = {}): Required<AwsTimeouts> {
  const out = { ...DEFAULT_AWS_TIMEOUTS, ...t };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isFinite(v) || v <= 0) throw new KopsError('InvalidOption', `AWS timeout ${k} must be a positive number of milliseconds, not ${v}`, { exitCode: 2 });
  }
  return out;
}

function hasHttpStatus(e: unknown): boolean {
  return typeof (e as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode === 'number';
}

/** `protocol://host[:port]` of the request being sent. */
function endpointOf(args: unknown): string {
  const r = (args as { request?: { protocol?: string; hostname?: string; port?: number } }).request;
  if (!r?.hostname) return '(unknown endpoint)';
  const protocol = (r.protocol ?? 'https:').replace(/:?$/, ':');
  return `${protocol}//${r.hostname}${r.port ? `:${r.port}` : ''}`;
}

/** Counts requests per `service:operation`; a hook for tests and benchmarks. */
export class RequestCounter {
  readonly counts = new Map<string, number>();
  readonly hook: AwsRequestHook = (req) => {
    const k = `${req.service}:${req.operation}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  };
  total(filter?: (key: string) => boolean): number {
    let n = 0;
    for (const [k, v] of this.counts) if (!filter || filter(k)) n += v;
    return n;
  }
  reset(): void {
    this.counts.clear();
  }
}
