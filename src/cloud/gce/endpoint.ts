/**
 * The GCE run's endpoint health: the AWS side's `EndpointHealth` (src/cloud/aws/endpoint.ts,
 * generic in its failure type) fed by every Compute call of the run. The clients are wrapped so
 * that each call's outcome is reported: a result or a Google error (it has an HTTP status) is a
 * sign of life; a call that got no response (refused, reset, host not found, timed out) counts
 * towards "down", as on AWS.
 */
import { KopsError } from '../../diagnostics.js';
import type { RunHealth } from '../provider.js';
import { DEFAULT_AWS_TIMEOUTS, EndpointHealth, describeFailure, endpointFailureOf, type EndpointFailure, type EndpointHealthOptions } from '../aws/endpoint.js';
import { GCE_ENDPOINT_ENV, type GceClients } from './clients.js';
import { describeGceError, GceOperationError } from './errors.js';

/** A Compute call that got no HTTP response. */
export class GceEndpointError extends Error {
  override readonly name: 'EndpointTimeout' | 'EndpointUnreachable';
  constructor(
    readonly endpoint: string,
    readonly operation: string,
    readonly failure: EndpointFailure,
    readonly wireError: unknown,
  ) {
    super(`the GCE Compute endpoint ${endpoint} ${describeFailure(failure)} (compute:${operation})`);
    this.name = failure === 'connect timeout' || failure === 'request timeout' ? 'EndpointTimeout' : 'EndpointUnreachable';
  }
}

/**
 * A Google API error whose message was the raw JSON body (the REST transport's `GaxiosError`),
 * re-thrown with Google's reason and message as text (`forbidden: Required 'compute.firewalls.create'
 * permission for 'projects/p/global/firewalls' (HTTP 403)`). The body stays in `response.data`, so
 * `describeGceError`, `gceErrorCode` and the retry classes read it as before.
 */
export class GceApiError extends Error {
  override readonly name = 'GceApiError';
  readonly response: { readonly data: unknown; readonly status: number };
  constructor(
    readonly status: number,
    readonly reason: string | undefined,
    detail: string,
    body: unknown,
    readonly original: unknown,
  ) {
    // Some APIs' messages already start with the reason (Cloud DNS: `Forbidden: Required ...`).
    const said = reason !== undefined && detail.toLowerCase().startsWith(`${reason.toLowerCase()}:`);
    super(`${reason && !said ? `${reason}: ` : ''}${detail} (HTTP ${status})`);
    this.response = { data: body, status };
  }
}

/** `e` with a readable message when its message is Google's JSON body; otherwise `e`. */
export function readableGceError(e: unknown): unknown {
  if (typeof e !== 'object' || e === null || e instanceof GceApiError || e instanceof GceOperationError) return e;
  const message = (e as { message?: unknown }).message;
  if (typeof message !== 'string' || !message.trimStart().startsWith('{')) return e;
  const d = describeGceError(e);
  if (d.status === undefined || d.message.trimStart().startsWith('{')) return e;
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return e;
  }
  return new GceApiError(d.status, d.reason, d.message, body, e);
}

const HINT = `check the network, a proxy or firewall, and ${GCE_ENDPOINT_ENV} (unset: Google's endpoint), then re-run`;

/** Whether `e` carries an HTTP answer from the endpoint (a Google error or an operation error). */
function answered(e: unknown): boolean {
  if (e instanceof GceOperationError) return true;
  return describeGceError(e).status !== undefined && endpointFailureOf(e, DEFAULT_AWS_TIMEOUTS) === undefined;
}

/** A run's GCE endpoint health, as the generic commands see it. */
export class GceRunHealth implements RunHealth {
  readonly endpoint: EndpointHealth<GceEndpointError>;
  applyStarted = false;

  constructor(
    readonly endpointUrl: string,
    opts: EndpointHealthOptions = {},
  ) {
    this.endpoint = new EndpointHealth<GceEndpointError>({ ...opts, downHint: HINT });
  }

  get signal(): AbortSignal {
    return this.endpoint.signal;
  }

  get down(): KopsError | undefined {
    return this.endpoint.down;
  }

  onResponse(fn: () => void): () => void {
    return this.endpoint.onResponse(fn);
  }

  /** Reports one call's outcome; returns the error to throw (a `GceEndpointError` for no response). */
  report(operation: string, e?: unknown): unknown {
    if (e === undefined || answered(e)) {
      this.endpoint.responded();
      return e === undefined ? e : readableGceError(e);
    }
    const f = endpointFailureOf(e, DEFAULT_AWS_TIMEOUTS);
    if (!f) return e;
    const err = new GceEndpointError(this.endpointUrl, operation, f.failure, e);
    this.endpoint.failed(err);
    return err;
  }

  explain(e: unknown, operation: string): unknown {
    if (KopsError.is(e, 'EndpointDown')) return e;
    const last = this.endpoint.lastFailure;
    if (!last || !this.endpoint.failing) return e;
    if (!(e instanceof GceEndpointError) && !(KopsError.is(e) && (e.message.includes(last.endpoint) || e.diagnostics.some((d) => d.summary.includes(last.endpoint))))) return e;
    return new KopsError(last.name, `${operation} failed: ${last.message}; nothing was changed in the cloud`, { cause: e, hint: HINT });
  }

  downHint(cluster: string): string {
    return `check the network, a proxy or firewall, and ${GCE_ENDPOINT_ENV}, then re-run to finish (the next plan shows what is left): kops-ts update cluster --name ${cluster} --yes`;
  }
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function isPromise(x: unknown): x is Promise<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

const NOT_CALLS = new Set(['close', 'initialize', 'getProjectId', 'constructor']);

/** Without a run's health: only Google's errors made readable. */
const NO_HEALTH = { report: (_op: string, e?: unknown): unknown => (e === undefined ? e : readableGceError(e)) };

/**
 * Reads, which are safe to send again: Google's `get*`, `list*` and `aggregatedList*` methods, and
 * an operation's `wait` (it only waits). Everything else may change the cloud.
 */
const READ = /^(get|list|aggregatedList)|^wait$/;

/** Attempts of a read whose connection is reset before any answer (see `watched`). */
export const GCE_READ_ATTEMPTS = 3;

/** Whether `e` is a connection reset with no HTTP answer. */
function resetBeforeAnswer(e: unknown): boolean {
  return !answered(e) && endpointFailureOf(e, DEFAULT_AWS_TIMEOUTS)?.failure === 'connection reset';
}

/**
 * One client whose method calls report to `health` (promises and async iterators alike), its
 * Google errors made readable (`readableGceError`); without `health`, only the latter.
 *
 * A read whose connection is reset before any answer is sent again, up to `GCE_READ_ATTEMPTS`
 * times (a list only while none of its items were returned): an HTTP client that reuses a
 * kept-alive connection the server has just closed as idle gets exactly that, more often on a
 * loaded machine, and the request never reached the server. Google's Go clients re-send such
 * idempotent requests on a new connection (net/http), and the AWS SDK retries a reset; the Node
 * REST transport does neither. A mutation is not sent again: it may have been applied. Each failed
 * attempt is reported to `health`, and none is made once the endpoint is found down.
 */
export function watched<T extends object>(client: T, clientName: string, run?: GceRunHealth): T {
  const health: Pick<GceRunHealth, 'report'> = run ?? NO_HEALTH;
  return new Proxy(client, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      // Only API calls count: not the client's own set-up and tear-down.
      if (typeof v !== 'function' || typeof prop !== 'string' || NOT_CALLS.has(prop) || prop.startsWith('_')) return v;
      const op = `${clientName}.${prop}`;
      const read = READ.test(prop);
      const again = (e: unknown, attempt: number): boolean => read && attempt < GCE_READ_ATTEMPTS && run?.down === undefined && resetBeforeAnswer(e);
      return (...args: unknown[]) => {
        const call = () => (v as (...a: unknown[]) => unknown).apply(target, args);
        const out = call();
        if (isPromise(out)) {
          const settle = (p: Promise<unknown>, attempt: number): Promise<unknown> =>
            p.then(
              (r) => {
                health.report(op);
                return r;
              },
              (e: unknown) => {
                const err = health.report(op, e);
                if (again(e, attempt)) return settle(call() as Promise<unknown>, attempt + 1);
                throw err;
              },
            );
          return settle(out, 1);
        }
        if (isAsyncIterable(out)) {
          return {
            [Symbol.asyncIterator]() {
              let it = out[Symbol.asyncIterator]();
              let attempt = 1;
              let yielded = false;
              return {
                async next() {
                  for (;;) {
                    try {
                      const r = await it.next();
                      health.report(op);
                      if (!r.done) yielded = true;
                      return r;
                    } catch (e) {
                      const err = health.report(op, e);
                      if (yielded || !again(e, attempt)) throw err;
                      attempt++;
                      it = (call() as AsyncIterable<unknown>)[Symbol.asyncIterator]();
                    }
                  }
                },
              };
            },
          };
        }
        return out;
      };
    },
  });
}

/** The clients with every call reported to `health` (if given) and readable Google errors. */
export function watchedClients(c: GceClients, health?: GceRunHealth): GceClients {
  const out: Record<string, unknown> = { ...c };
  for (const [k, v] of Object.entries(c)) {
    if (typeof v === 'object' && v !== null) out[k] = watched(v as object, k, health);
  }
  return out as unknown as GceClients;
}
