/**
 * Awaiting Compute operations. A mutation (`insert`, `delete`, `patch`, `setLabels`, `resize`...)
 * returns `[{ latestResponse: Operation }]`; the operation is awaited with the scope's operations
 * client `wait` (which returns when the operation is DONE or after about two minutes), again with
 * backoff until it is DONE or the deadline passes. An operation DONE with `error` throws a
 * `GceOperationError` naming the operation, its target and Google's first error.
 *
 * `signal` (a run's cancellation: an interrupt, or the endpoint found down) ends the wait with an
 * `AbortError` at once, in a pause or in a `wait` call on the wire; the operation itself goes on at
 * Google (there is no cancelling a Compute operation) and the next run finds its result.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { GceClients } from './clients.js';
import { GceOperationError } from './errors.js';

export interface OperationLike {
  readonly name?: string | null;
  readonly status?: string | number | null;
  readonly targetLink?: string | null;
  readonly zone?: string | null;
  readonly region?: string | null;
  readonly httpErrorStatusCode?: number | null;
  readonly error?: { readonly errors?: readonly { readonly code?: string | null; readonly message?: string | null }[] | null } | null;
}

export interface WaitOptions {
  /** Give up after this long (default 10 minutes). */
  readonly deadlineMs?: number;
  /** First pause between `wait` calls that return a running operation (default 1 s, doubling to 10 s). */
  readonly backoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Ends the wait (not the operation) with an `AbortError`. */
  readonly signal?: AbortSignal;
}

/** What a mutation call returns (`[LROperation-like, ...]`). */
export type MutationResult = readonly unknown[];

function operationOf(result: MutationResult): OperationLike {
  const first = result[0] as { latestResponse?: OperationLike; name?: unknown } | undefined;
  const op = first?.latestResponse ?? (first as OperationLike | undefined);
  if (!op || typeof op.name !== 'string') throw new Error('GCE call returned no operation');
  return op;
}

const lastSegment = (url: string | null | undefined): string | undefined => (url ? url.split('/').pop() : undefined);

function isDone(op: OperationLike): boolean {
  return op.status === 'DONE' || op.status === 2104194;
}

function checkError(op: OperationLike): void {
  const first = op.error?.errors?.[0];
  if (op.error && first) {
    const target = (op.targetLink ?? '').replace(/^https:\/\/[^/]+\/compute\/v1\//, '');
    throw new GceOperationError(op.name ?? '', target, first.code ?? 'UNKNOWN', first.message ?? '', op.httpErrorStatusCode ?? undefined);
  }
}

function cancelled(operation: string): Error {
  return Object.assign(new Error(`stopped waiting for operation ${operation}: the run was cancelled`), { name: 'AbortError' });
}

/** `p`, or an `AbortError` as soon as `signal` aborts (the call goes on; its answer is dropped). */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal | undefined, operation: string): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(cancelled(operation));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled(operation));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/** Awaits the operation a mutation returned; throws if it failed. */
export async function awaitOperation(clients: GceClients, result: MutationResult, opts: WaitOptions = {}): Promise<OperationLike> {
  let op = operationOf(result);
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => delay(ms, undefined, opts.signal ? { signal: opts.signal } : {}));
  const deadline = now() + (opts.deadlineMs ?? 10 * 60_000);
  let pause = opts.backoffMs ?? 1000;
  const project = clients.project;
  const zone = lastSegment(op.zone);
  const region = lastSegment(op.region);
  const operation = op.name as string;
  const signal = opts.signal;
  while (!isDone(op)) {
    if (signal?.aborted) throw cancelled(operation);
    if (now() > deadline) {
      throw new GceOperationError(operation, op.targetLink ?? '', 'TIMEOUT', `still ${String(op.status)} after ${Math.round((opts.deadlineMs ?? 600_000) / 1000)}s`);
    }
    const [next] = await unlessAborted<readonly unknown[]>(
      zone
        ? clients.zoneOperations.wait({ project, zone, operation })
        : region
          ? clients.regionOperations.wait({ project, region, operation })
          : clients.globalOperations.wait({ project, operation }),
      signal,
      operation,
    );
    op = next as OperationLike;
    if (!isDone(op)) {
      await unlessAborted(sleep(pause), signal, operation);
      pause = Math.min(pause * 2, 10_000);
    }
  }
  checkError(op);
  return op;
}
