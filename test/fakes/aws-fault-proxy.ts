/**
 * A fault-injecting HTTP proxy in front of the AWS emulator. Every request is read whole and
 * forwarded unchanged (method, path, headers including Host and `x-moto-account-id`, body), unless
 * a rule matches it: then the proxy answers itself with the AWS error that rule names, in the wire
 * format of the service's protocol, so the real SDK parses it, retries it or surfaces it exactly as
 * it would an answer from AWS:
 *
 * - EC2 (ec2 query): `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`
 * - AutoScaling, ELBv2, IAM, STS (query) and Route53 (REST XML): `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`
 * - S3 (REST XML): `<Error><Code/><Message/><RequestId/><HostId/></Error>` (no body for HEAD, as S3)
 *
 * The service is read from the SigV4 credential scope of the Authorization header; the operation
 * from `Action=` for the query protocols, and from method and path for the REST ones. Every request
 * is recorded (service, operation, status, whether the proxy answered it), so tests count attempts
 * and assert retries.
 *
 * Shaping (for the benchmarks, `bench/`): `delayMs` holds every request back by a fixed time
 * before the emulator sees it (the emulator's own time comes on top); `latencyMs` instead
 * forwards at once and delivers no answer sooner than that long after its request arrived, so the
 * emulator's time falls inside it, as a distant service's processing falls inside the round trip
 * a client measures; and `rateLimit` admits at most `perSecond` requests a second
 * (a token bucket of `burst` tokens, as AWS meters its APIs) and answers the rest itself with the
 * service's throttling error (`throttlingCode`), as AWS does beyond an account's request rate.
 *
 * Hooks (for the reliability tests, `test/reliability/`): `beforeForward` sees each request once
 * it is read whole, before the rate limit and the rules, and may fail it with an AWS error, drop
 * the connection (a killed caller: nothing is answered) or reset it (a network fault);
 * `afterResponse` sees the emulator's status once its answer is read whole, and may drop the
 * connection instead of delivering it (the call happened, the caller never learns its result).
 */
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsClientOptions } from '../../src/cloud/aws/clients.js';

/** Services by the names `AwsClients` uses. */
export type AwsService = 'ec2' | 'autoscaling' | 'elbv2' | 'iam' | 'sts' | 'route53' | 's3' | 'unknown';

export interface ProxiedRequest {
  readonly service: AwsService;
  /** `DescribeVpcs`, `ListHostedZonesByName`, `PutObject`, ... (`unknown` if not recognised). */
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  /** The query string, `?` included (`''` when there is none): S3's list prefix is there. */
  readonly query: string;
  readonly body: string;
  /** When the request arrived (epoch ms). */
  readonly receivedAt: number;
}

export interface FaultRuleSpec {
  readonly service: AwsService;
  /** Omit to match every operation of the service. */
  readonly operation?: string;
  /** The AWS error code to answer with, e.g. `RequestLimitExceeded`, `Throttling`, `SlowDown`. */
  readonly code: string;
  readonly message?: string;
  /** HTTP status; default: the one AWS uses for `code` (see `defaultStatus`). */
  readonly status?: number;
  /** How many matching requests to answer; default: every one. */
  readonly times?: number;
  /** Further narrowing, e.g. on the body. */
  readonly when?: (req: ProxiedRequest) => boolean;
}

export interface FaultRule extends FaultRuleSpec {
  /** How many requests this rule has answered so far. */
  fired: number;
}

export interface RecordedRequest {
  readonly service: AwsService;
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** True when the proxy answered with an injected fault instead of forwarding. */
  readonly injected: boolean;
  /** True when the rate limit refused it (`injected` is true too). */
  readonly throttled?: boolean;
}

export interface RateLimit {
  /** Requests admitted per second (tokens added to the bucket per second). */
  readonly perSecond: number;
  /** Bucket size: requests admitted at once after a quiet spell; default `perSecond`. */
  readonly burst?: number;
  /** The services metered (one bucket shared by them); default every service. */
  readonly services?: readonly AwsService[];
}

export interface ProxyShaping {
  /** Every request is held this long before it is answered or forwarded (the emulator's time comes on top); default 0. */
  readonly delayMs?: number;
  /** No answer is delivered sooner than this long after its request arrived; the emulator works meanwhile. Default 0. */
  readonly latencyMs?: number;
  /** Beyond this rate, requests are answered with the service's throttling error; default none. */
  readonly rateLimit?: RateLimit;
}

/** An AWS error to answer with instead of forwarding. */
export interface Failure {
  readonly code: string;
  readonly message?: string;
  /** HTTP status; default: the one AWS uses for `code` (see `defaultStatus`). */
  readonly status?: number;
}

/**
 * What `beforeForward` decides: nothing (go on: rate limit, rules, forward), `drop` (destroy the
 * connection unanswered), `reset` (reset the connection) or `{ fail }` (answer with that error).
 */
export type BeforeForward = undefined | 'drop' | 'reset' | { readonly fail: Failure };

export interface ProxyHooks {
  beforeForward?(request: ProxiedRequest): BeforeForward;
  /** `drop`: destroy the connection instead of delivering the emulator's answer. */
  afterResponse?(request: ProxiedRequest, status: number): 'drop' | undefined;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: give it to the clients as their endpoint. */
  readonly endpoint: string;
  /** Active rules, in match order (first match wins), with their `fired` counts. */
  readonly rules: readonly FaultRule[];
  /** Every request, in the order its answer began. */
  readonly requests: readonly RecordedRequest[];
  inject(rule: FaultRuleSpec): FaultRule;
  /** Replaces the latency and rate limit (the bucket starts full). */
  shape(shaping: ProxyShaping): void;
  /** Count of recorded requests matching every given field. */
  count(filter?: Partial<Pick<RecordedRequest, 'service' | 'operation' | 'injected' | 'status' | 'throttled'>>): number;
  /** When a recorded request arrived (epoch ms). */
  receivedAt(request: RecordedRequest): number | undefined;
  /** Forgets rules and recorded requests, and returns to the shaping the proxy was started with. */
  clear(): void;
  close(): Promise<void>;
}

const SIGNING_NAMES: Record<string, AwsService> = {
  ec2: 'ec2', autoscaling: 'autoscaling', elasticloadbalancing: 'elbv2', iam: 'iam', sts: 'sts', route53: 'route53', s3: 's3',
};

/** The status AWS answers with for a code; 400 (client error) for codes not listed. */
export function defaultStatus(code: string): number {
  if (['RequestLimitExceeded', 'SlowDown', 'ServiceUnavailable', 'Unavailable'].includes(code)) return 503;
  if (['InternalError', 'InternalFailure', 'InternalServerError'].includes(code)) return 500;
  if (['AccessDenied', 'UnauthorizedOperation', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'InvalidAccessKeyId'].includes(code)) return 403;
  if (code === 'AuthFailure') return 401;
  if (/^NoSuch|NotFound$/.test(code)) return 404;
  return 400;
}

/** The error AWS answers a request beyond the account's rate with, per service. */
export function throttlingCode(service: AwsService): string {
  if (service === 'ec2') return 'RequestLimitExceeded';
  if (service === 's3') return 'SlowDown';
  return 'Throttling';
}

/** A token bucket: `take(now)` is true when a request is admitted. */
export class TokenBucket {
  private tokens: number;
  private last: number | undefined;
  private readonly burst: number;
  constructor(private readonly limit: RateLimit) {
    if (!(limit.perSecond > 0)) throw new Error(`rate limit: perSecond must be a positive number, got ${limit.perSecond}`);
    this.burst = limit.burst ?? limit.perSecond;
    this.tokens = this.burst;
  }
  take(now: number): boolean {
    if (this.last !== undefined) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.limit.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

function serviceOf(req: IncomingMessage): AwsService {
  const m = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '');
  return (m && SIGNING_NAMES[m[1]!]) || 'unknown';
}

const ROUTE53_ROUTES: readonly [string, RegExp, string][] = [
  ['GET', /^\/hostedzonesbyname$/, 'ListHostedZonesByName'],
  ['GET', /^\/hostedzone$/, 'ListHostedZones'],
  ['POST', /^\/hostedzone$/, 'CreateHostedZone'],
  ['GET', /^\/hostedzone\/[^/]+$/, 'GetHostedZone'],
  ['DELETE', /^\/hostedzone\/[^/]+$/, 'DeleteHostedZone'],
  ['GET', /^\/hostedzone\/[^/]+\/rrset\/?$/, 'ListResourceRecordSets'],
  ['POST', /^\/hostedzone\/[^/]+\/rrset\/?$/, 'ChangeResourceRecordSets'],
  ['GET', /^\/change\/[^/]+$/, 'GetChange'],
  ['GET', /^\/tags\/hostedzone\/[^/]+$/, 'ListTagsForResource'],
  ['POST', /^\/tags\/hostedzone\/[^/]+$/, 'ChangeTagsForResource'],
];

function route53Operation(method: string, url: URL): string {
  const path = url.pathname.replace(/^\/\d{4}-\d{2}-\d{2}/, '');
  return ROUTE53_ROUTES.find(([m, re]) => m === method && re.test(path))?.[2] ?? 'unknown';
}

/** S3 with path-style addressing: `/bucket` or `/bucket/key`; the SDK names most operations in `x-id`. */
function s3Operation(method: string, url: URL, headers: IncomingMessage['headers']): string {
  const xid = url.searchParams.get('x-id');
  if (xid) return xid;
  const parts = url.pathname.split('/').filter((p) => p.length > 0);
  const q = url.searchParams;
  if (parts.length === 0) return method === 'GET' ? 'ListBuckets' : 'unknown';
  if (parts.length > 1) {
    if (method === 'PUT') return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
    return ({ GET: 'GetObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' } as Record<string, string>)[method] ?? 'unknown';
  }
  if (method === 'GET') {
    if (q.get('list-type') === '2') return 'ListObjectsV2';
    if (q.has('versions')) return 'ListObjectVersions';
    if (q.has('versioning')) return 'GetBucketVersioning';
    if (q.has('location')) return 'GetBucketLocation';
    return 'ListObjects';
  }
  if (method === 'PUT') return q.has('versioning') ? 'PutBucketVersioning' : 'CreateBucket';
  if (method === 'POST' && q.has('delete')) return 'DeleteObjects';
  return ({ HEAD: 'HeadBucket', DELETE: 'DeleteBucket' } as Record<string, string>)[method] ?? 'unknown';
}

function operationOf(service: AwsService, req: IncomingMessage, body: string): string {
  const url = new URL(req.url ?? '/', 'http://proxy');
  if (service === 'route53') return route53Operation(req.method ?? 'GET', url);
  if (service === 's3') return s3Operation(req.method ?? 'GET', url, req.headers);
  return new URLSearchParams(body).get('Action') ?? url.searchParams.get('Action') ?? 'unknown';
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The error body for `service` in its protocol's shape. */
export function errorBody(service: AwsService, code: string, message: string, requestId: string): string {
  const c = xmlEscape(code);
  const m = xmlEscape(message);
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
  if (service === 'ec2') {
    return `${head}<Response><Errors><Error><Code>${c}</Code><Message>${m}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
  }
  if (service === 's3') {
    return `${head}<Error><Code>${c}</Code><Message>${m}</Message><RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`;
  }
  const type = defaultStatus(code) >= 500 ? 'Receiver' : 'Sender';
  return `${head}<ErrorResponse><Error><Type>${type}</Type><Code>${c}</Code><Message>${m}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts a proxy on 127.0.0.1 (a free port) forwarding to `target` (e.g. the emulator endpoint). */
export async function startFaultProxy(target: string, shaping: ProxyShaping = {}, hooks: ProxyHooks = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  let rules: FaultRule[] = [];
  let requests: RecordedRequest[] = [];
  let delayMs = 0;
  let latencyMs = 0;
  let bucket: TokenBucket | undefined;
  let rateServices: readonly AwsService[] | undefined;
  const shape = (s: ProxyShaping): void => {
    delayMs = s.delayMs ?? 0;
    latencyMs = s.latencyMs ?? 0;
    bucket = s.rateLimit ? new TokenBucket(s.rateLimit) : undefined;
    rateServices = s.rateLimit?.services;
  };
  shape(shaping);
  // Arrival times, kept beside the records (which tests compare whole).
  let arrivals = new WeakMap<RecordedRequest, number>();
  const record = (r: ProxiedRequest, rec: RecordedRequest): void => {
    arrivals.set(rec, r.receivedAt);
    requests.push(rec);
  };

  /** Waits until `latencyMs` after the request arrived (at once when it has passed or is 0). */
  const held = async (r: ProxiedRequest): Promise<void> => {
    const wait = r.receivedAt + latencyMs - Date.now();
    if (wait > 0) await new Promise<void>((resolve) => setTimeout(resolve, wait));
  };

  const answerFault = async (res: ServerResponse, r: ProxiedRequest, rule: Failure, throttled = false): Promise<void> => {
    await held(r);
    const status = rule.status ?? defaultStatus(rule.code);
    const id = randomUUID();
    const body = r.method === 'HEAD' ? '' : errorBody(r.service, rule.code, rule.message ?? `injected ${rule.code}`, id);
    record(r, { service: r.service, operation: r.operation, method: r.method, path: r.path, status, injected: true, ...(throttled ? { throttled } : {}) });
    res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': id });
    res.end(body);
  };

  const forward = (req: IncomingMessage, res: ServerResponse, r: ProxiedRequest, body: Buffer): void => {
    const out = httpRequest(
      { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        const status = up.statusCode ?? 502;
        const deliver = async (answer?: Buffer): Promise<void> => {
          await held(r);
          record(r, { service: r.service, operation: r.operation, method: r.method, path: r.path, status, injected: false });
          res.writeHead(status, up.headers);
          if (answer) res.end(answer);
          else up.pipe(res);
        };
        const after = hooks.afterResponse;
        if (!after) return void deliver();
        // Read the answer whole first: a dropped call must have completed upstream.
        const parts: Buffer[] = [];
        up.on('data', (c: Buffer) => parts.push(c));
        up.on('end', () => {
          if (after(r, status) === 'drop') req.socket.destroy();
          else void deliver(Buffer.concat(parts));
        });
      },
    );
    out.on('error', (e) => {
      record(r, { service: r.service, operation: r.operation, method: r.method, path: r.path, status: 502, injected: false });
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: upstream ${target} failed: ${e.message}`);
    });
    out.end(body);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const receivedAt = Date.now();
      const body = await readBody(req);
      const service = serviceOf(req);
      const text = body.toString('utf8');
      const url = new URL(req.url ?? '/', 'http://proxy');
      const r: ProxiedRequest = {
        service, operation: operationOf(service, req, text), method: req.method ?? 'GET',
        path: url.pathname, query: url.search, body: text, receivedAt,
      };
      const verdict = hooks.beforeForward?.(r);
      if (verdict === 'drop' || verdict === 'reset') {
        if (verdict === 'drop') req.socket.destroy();
        else req.socket.resetAndDestroy();
        return;
      }
      // Admission is decided on arrival (as AWS meters requests); the answer is then held back.
      const metered = !verdict && bucket !== undefined && (rateServices === undefined || rateServices.includes(r.service));
      const admitted = !metered || bucket!.take(receivedAt);
      const rule = verdict ? undefined : rules.find((x) => x.service === r.service && (x.operation === undefined || x.operation === r.operation)
        && x.fired < (x.times ?? Infinity) && (!x.when || x.when(r)));
      if (delayMs > 0) await new Promise<void>((resolve) => setTimeout(resolve, delayMs));
      if (verdict) await answerFault(res, r, verdict.fail);
      else if (!admitted) await answerFault(res, r, { code: throttlingCode(r.service), message: 'Rate exceeded' }, true);
      else if (rule) {
        rule.fired++;
        await answerFault(res, r, rule);
      } else forward(req, res, r, body);
    })().catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fault proxy: ${String(e)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get rules() {
      return rules;
    },
    get requests() {
      return requests;
    },
    shape,
    receivedAt: (request) => arrivals.get(request),
    inject(spec) {
      const rule: FaultRule = { ...spec, fired: 0 };
      rules.push(rule);
      return rule;
    },
    count(filter = {}) {
      return requests.filter((q) => Object.entries(filter).every(([k, v]) => q[k as keyof RecordedRequest] === v)).length;
    },
    clear() {
      rules = [];
      requests = [];
      arrivals = new WeakMap();
      shape(shaping);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Client options like `options` (same account hook, credentials, region) that talk through `proxy`. */
export function throughProxy(proxy: FaultProxy, options: AwsClientOptions, overrides: Partial<AwsClientOptions> = {}): AwsClientOptions {
  return { ...options, ...overrides, endpoint: proxy.endpoint };
}
