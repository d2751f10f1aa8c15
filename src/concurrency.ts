import { availableParallelism } from 'node:os';

/**
 * Bounded concurrency for chains of independent I/O (state-store reads and writes): at most
 * `limit` calls of `fn` run at once, results come back in the input's order.
 *
 * Failure behaves as the serial loop it replaces, as far as concurrency allows: after the first
 * failure nothing new starts, the calls already running are waited for (so none is left running
 * behind the caller's back), and the first failure (in the input's order) is thrown.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`mapBounded: limit must be a positive integer, got ${limit}`);
  const results = new Array<R>(items.length);
  const failures: { index: number; error: unknown }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (error) {
        failures.push({ index: i, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw failures.sort((a, b) => a.index - b.index)[0]!.error;
  return results;
}

/**
 * A gate that lets at most `limit` of the jobs passed to it run at once, the others waiting their
 * turn in the order they came: for one kind of work (CPU) inside chains that are otherwise free
 * to overlap (their I/O is bounded by `mapBounded`).
 */
export function limiter(limit: number): <R>(job: () => Promise<R>) => Promise<R> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limiter: limit must be a positive integer, got ${limit}`);
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <R>(job: () => Promise<R>): Promise<R> => {
    if (running >= limit) await new Promise<void>((r) => waiting.push(r));
    else running++;
    try {
      return await job();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/**
 * Independent calls already started, awaited together, failing as the serial sequence they
 * replace would: every one is waited for (none is left running behind the caller), and the first
 * rejection in the given order is thrown, whichever came first in time.
 */
export async function allInOrder<T extends readonly unknown[]>(promises: { readonly [K in keyof T]: PromiseLike<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises as unknown as readonly PromiseLike<unknown>[]);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * How many state-store requests one chain keeps in flight. S3 takes thousands a second per
 * prefix; GCS starts a bucket at about a thousand writes a second and answers 429 (retried) above.
 * 32 puts a first `update --yes` of an HA cluster's bootstrap files (about 50 objects, each a read
 * then a conditional write) in two waves instead of four.
 */
export const STORE_CONCURRENCY = 32;

/**
 * How many CPU-heavy jobs (key generation on libuv's threads) one command runs at once: every
 * core but one, at least one. Such work overlaps cloud and store requests (a first `update --yes`
 * makes its CAs while the cloud is applied), and the core left free keeps the event loop, and a
 * local emulator on a small machine, from waiting behind it.
 */
export const CPU_CONCURRENCY = Math.max(1, availableParallelism() - 1);
