/**
 * AWS SDK v3 client factory. One `AwsClients` per run: clients are created lazily and shared by
 * every task, so the SDK's adaptive retry strategy (client-side rate limiting on throttling) sees
 * all the traffic of a service.
 *
 * Endpoints are the SDK's own business: `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` point
 * every client at an emulator or any AWS-compatible endpoint. kops-ts has no endpoint flag.
 * Tests pass `endpoint` and `middleware` explicitly (per-file emulator account, request counting).
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';

/** The request as the SDK's build step sees it (enough for headers and counting). */
export interface AwsRequestInfo {
  readonly service: string;
  readonly operation: string;
  readonly headers: Record<string, string>;
  /** The command's input (read-only: for attribution and tests). */
  readonly input?: unknown;
}

/** Runs on every request before it is signed; may add headers (e.g. `x-moto-account-id`). */
export type AwsRequestHook = (req: AwsRequestInfo) => void;

export interface AwsClientOptions {
  readonly region: string;
  /** Overrides `AWS_ENDPOINT_URL` (tests); normally unset. */
  readonly endpoint?: string;
  readonly credentials?: AwsCredentialIdentity;
  /** SDK attempts per call, including the first (default 5 with adaptive retry). */
  readonly maxAttempts?: number;
  readonly hooks?: readonly AwsRequestHook[];
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      mw: (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => (args: unknown) => Promise<unknown>,
      opts: { step: 'build'; name: string },
    ): void;
  };
}

export class AwsClients {
  readonly region: string;
  private readonly opts: AwsClientOptions;
  private readonly cache = new Map<string, unknown>();

  constructor(opts: AwsClientOptions) {
    this.opts = opts;
    this.region = opts.region;
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

  private get<T>(name: string, make: (config: ClientConfig) => T): T {
    const hit = this.cache.get(name);
    if (hit) return hit as T;
    const client = make(this.config());
    this.install(name, client as unknown as MiddlewareClient);
    this.cache.set(name, client);
    return client;
  }

  private config(): ClientConfig {
    const c: ClientConfig = {
      region: this.opts.region,
      retryMode: 'adaptive',
      maxAttempts: this.opts.maxAttempts ?? 5,
    };
    if (this.opts.endpoint) c.endpoint = this.opts.endpoint;
    if (this.opts.credentials) c.credentials = this.opts.credentials;
    return c;
  }

  private install(service: string, client: MiddlewareClient): void {
    const hooks = this.opts.hooks ?? [];
    if (hooks.length === 0) return;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const { request, input } = args as { request?: { headers?: Record<string, string> }; input?: unknown };
        const headers = request?.headers ?? {};
        const info: AwsRequestInfo = { service, operation: context.commandName ?? 'unknown', headers, input };
        for (const h of hooks) h(info);
        return next(args);
      },
      { step: 'build', name: 'kopsTsHooks' },
    );
  }
}

interface ClientConfig {
  region: string;
  retryMode: 'adaptive' | 'standard';
  maxAttempts: number;
  endpoint?: string;
  credentials?: AwsCredentialIdentity;
  forcePathStyle?: boolean | undefined;
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
