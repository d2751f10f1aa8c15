/**
 * Bounded waits on AWS endpoints: the HTTP timeouts every client gets, the error a connection-level
 * failure becomes, and a monitor that tells a run when the endpoint is down.
 *
 * - Every SDK client gets a connection timeout (TCP/TLS connect) and a request timeout (from the
 *   request being sent to the response's headers; also the longest a response body may stall).
 *   Without them an endpoint that accepts connections and never answers (a firewall, a broken
 *   proxy) hangs a call forever.
 * - A failure without an HTTP response (refused, reset, DNS, timed out) is rethrown as an
 *   `AwsEndpointError` naming the endpoint and what happened. Refused/reset connections keep the
 *   SDK's few quick retries; a timeout does not (the SDK would wait the whole timeout again up to
 *   four times): the executor decides whether to try again.
 * - `EndpointHealth` counts, across all the run's calls, consecutive attempts that got no response.
 *   After `failures` of them with no response for `downAfterMs` (or two of them with no response
 *   for four times that: timeouts come slowly), the endpoint is down: its `signal` aborts with an
 *   `EndpointDown` error, and a run stops starting tasks instead of retrying each task until its
 *   deadline.
 */
import { KopsError } from '../../diagnostics.js';

export interface AwsTimeouts {
  /** Longest wait for a connection (TCP and TLS) to be established, ms (default 5 s). */
  readonly connectMs?: number;
  /** Longest wait for a response after sending a request, and longest a response body may stall, ms (default 60 s). */
  readonly requestMs?: number;
}

export const DEFAULT_AWS_TIMEOUTS: Required<AwsTimeouts> = { connectMs: 5_000, requestMs: 60_000 };

/** What happened on the wire. */
export type EndpointFailure = 'connection refused' | 'connection reset' | 'host not found' | 'network unreachable' | 'connect timeout' | 'request timeout';

/** The error codes (`name`) of `AwsEndpointError`: a timeout, or no connection at all. */
export const ENDPOINT_TIMEOUT = 'EndpointTimeout';
export const ENDPOINT_UNREACHABLE = 'EndpointUnreachable';

/** A call that got no HTTP response from the endpoint. */
export class AwsEndpointError extends Error {
  override readonly name: typeof ENDPOINT_TIMEOUT | typeof ENDPOINT_UNREACHABLE;
  /** Set when the SDK may retry the attempt itself (refused or reset: quick to find out again). */
  readonly $retryable?: { readonly throttling: false };

  constructor(
    /** `https://ec2.us-east-1.amazonaws.com`, without path or query. */
    readonly endpoint: string,
    readonly service: string,
    readonly operation: string,
    readonly failure: EndpointFailure,
    /** The timeout that expired, ms, for timeouts. */
    readonly timeoutMs: number | undefined,
    /**
     * The socket or handler error. Not `cause`: the SDK's retry classification follows `cause`
     * and would retry a timeout again through it.
     */
    readonly wireError: unknown,
  ) {
    super(`the AWS endpoint ${endpoint} ${describeFailure(failure, timeoutMs)} (${service}:${operation})`);
    const timeout = failure === 'connect timeout' || failure === 'request timeout';
    this.name = timeout ? ENDPOINT_TIMEOUT : ENDPOINT_UNREACHABLE;
    if (failure === 'connection refused' || failure === 'connection reset') this.$retryable = { throttling: false };
  }
}

export function isAwsEndpointError(e: unknown): e is AwsEndpointError {
  return e instanceof AwsEndpointError;
}

export function describeFailure(failure: EndpointFailure, timeoutMs?: number): string {
  const within = timeoutMs !== undefined ? ` within ${formatMs(timeoutMs)}` : '';
  switch (failure) {
    case 'connect timeout':
      return `accepted no connection${within}`;
    case 'request timeout':
      return `did not answer${within}`;
    case 'host not found':
      return 'is unreachable (host not found)';
    default:
      return `is unreachable (${failure})`;
  }
}

function formatMs(ms: number): string {
  return ms < 1000 || ms % 1000 !== 0 ? `${ms}ms` : `${ms / 1000}s`;
}

interface WireError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

const REFUSED = new Set(['ECONNREFUSED']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const NOT_FOUND = new Set(['ENOTFOUND', 'EAI_AGAIN']);
const UNREACHABLE = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN']);

/**
 * What kind of no-response failure `e` is, or `undefined` if it is not one (an HTTP response was
 * received, or it is not a network error at all). Reads the shapes of @smithy/node-http-handler
 * (`TimeoutError` with a "connection" or "request" message) and Node's socket errors.
 */
export function endpointFailureOf(e: unknown, timeouts: Required<AwsTimeouts>): { failure: EndpointFailure; timeoutMs?: number } | undefined {
  if (typeof e !== 'object' || e === null || e instanceof AwsEndpointError) return undefined;
  const w = e as WireError;
  if (typeof w.$metadata?.httpStatusCode === 'number') return undefined;
  const code = typeof w.code === 'string' ? w.code : '';
  const message = typeof w.message === 'string' ? w.message : '';
  // The socket's code first: @smithy/node-http-handler names a reset connection `TimeoutError`
  // too (code ECONNRESET, "read ECONNRESET"), and a reset is not a timeout: it is quick to retry.
  if (REFUSED.has(code)) return { failure: 'connection refused' };
  if (RESET.has(code)) return { failure: 'connection reset' };
  if (w.name === 'TimeoutError' || code === 'ETIMEDOUT') {
    if (/establish a connection/i.test(message) || /connect/i.test(code === 'ETIMEDOUT' ? message : '')) return { failure: 'connect timeout', timeoutMs: timeouts.connectMs };
    return { failure: 'request timeout', timeoutMs: timeouts.requestMs };
  }
  if (NOT_FOUND.has(code)) return { failure: 'host not found' };
  if (UNREACHABLE.has(code)) return { failure: 'network unreachable' };
  if (w.cause !== undefined && w.cause !== e) return endpointFailureOf(w.cause, timeouts);
  return undefined;
}

export interface EndpointHealthOptions {
  /** Consecutive attempts without a response (across all calls) before the endpoint counts as down (default 6). */
  readonly failures?: number;
  /** ...and no response for at least this long (default 15 s); two failures suffice after four times this. */
  readonly downAfterMs?: number;
  /** Monotonic ms (tests inject a clock). */
  readonly now?: () => number;
  /** The `EndpointDown` error's hint (default: AWS's, naming AWS_ENDPOINT_URL). */
  readonly downHint?: string;
}

export const DEFAULT_ENDPOINT_HEALTH: Required<Omit<EndpointHealthOptions, 'now' | 'downHint'>> = { failures: 6, downAfterMs: 15_000 };

/**
 * The health of a run's cloud endpoints as its calls see it: any HTTP response (success or the
 * cloud's error) is a sign of life; attempts that got none are counted. Shared by every client of
 * an `AwsClients` (or a GCE run's clients, with `E` the GCE endpoint error); `onResponse`
 * listeners (e.g. the cluster lock's progress) hear each response.
 */
export class EndpointHealth<E extends Error = AwsEndpointError> {
  private streak = 0;
  private lastAlive: number;
  private last: E | undefined;
  private readonly downHint: string;
  private readonly controller = new AbortController();
  private readonly listeners = new Set<() => void>();
  private readonly failures: number;
  private readonly downAfterMs: number;
  private readonly now: () => number;
  /** Responses received so far. */
  responses = 0;
  /** Set by a run once it starts changing the cloud (so errors are not reported as "nothing changed"). */
  applyStarted = false;

  constructor(opts: EndpointHealthOptions = {}) {
    this.failures = opts.failures ?? DEFAULT_ENDPOINT_HEALTH.failures;
    this.downAfterMs = opts.downAfterMs ?? DEFAULT_ENDPOINT_HEALTH.downAfterMs;
    this.now = opts.now ?? (() => performance.now());
    this.downHint = opts.downHint ?? 'check the network, a proxy or firewall, and AWS_ENDPOINT_URL, then re-run';
    this.lastAlive = this.now();
  }

  /** Aborts (reason: the `EndpointDown` KopsError) once the endpoint is found down. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The `EndpointDown` error once down. */
  get down(): KopsError | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as KopsError) : undefined;
  }

  /** Whether the latest attempt got no response. */
  get failing(): boolean {
    return this.streak > 0;
  }

  /** The last no-response failure seen. */
  get lastFailure(): E | undefined {
    return this.last;
  }

  /** Calls `fn` on every response received; returns a function that stops it. */
  onResponse(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  responded(): void {
    this.streak = 0;
    this.responses++;
    this.lastAlive = this.now();
    for (const fn of this.listeners) fn();
  }

  failed(e: E): void {
    this.streak++;
    this.last = e;
    if (this.controller.signal.aborted) return;
    const silentMs = this.now() - this.lastAlive;
    // Many failures over a while (refused connections come fast), or a few over a long silence
    // (timed-out requests come one per request timeout).
    const down = (this.streak >= this.failures && silentMs >= this.downAfterMs) || (this.streak >= 2 && silentMs >= 4 * this.downAfterMs);
    if (down) {
      this.controller.abort(
        new KopsError('EndpointDown', `${e.message.replace(/ \([^()]*\)$/, '')}: ${this.streak} attempts in a row got no response over ${Math.round(silentMs / 1000)}s`, {
          cause: e,
          hint: this.downHint,
        }),
      );
    }
  }
}
