/**
 * Awaiting Compute operations. A mutation (`insert`, `delete`, `patch`, `setLabels`, `resize`...)
 * returns `[{ latestResponse: Operation }]`; the operation is awaited with the scope's operations
 * client `wait` (which returns when the operation is DONE or after about two minutes), again with
 * backoff until it is DONE or the deadline passes. An operation DONE with `error` throws a
 * `GceOperationError` naming the operation, its target and Google's first error.
 */
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

/** Awaits the operation a mutation returned; throws if it failed. */
export async function awaitOperation(clients: GceClients, result: MutationResult, opts: WaitOptions = {}): Promise<OperationLike> {
  let op = operationOf(result);
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + (opts.deadlineMs ?? 10 * 60_000);
  let pause = opts.backoffMs ?? 1000;
  const project = clients.project;
  const zone = lastSegment(op.zone);
  const region = lastSegment(op.region);
  const operation = op.name as string;
  while (!isDone(op)) {
    if (now() > deadline) {
      throw new GceOperationError(operation, op.targetLink ?? '', 'TIMEOUT', `still ${String(op.status)} after ${Math.round((opts.deadlineMs ?? 600_000) / 1000)}s`);
    }
    const [next] = zone
      ? await clients.zoneOperations.wait({ project, zone, operation })
      : region
        ? await clients.regionOperations.wait({ project, region, operation })
        : await clients.globalOperations.wait({ project, operation });
    op = next as OperationLike;
    if (!isDone(op)) {
      await sleep(pause);
      pause = Math.min(pause * 2, 10_000);
    }
  }
  checkError(op);
  return op;
}
