/** Helpers every GCE kind shares: links, name filters, list draining, shared-resource guards (ownership: owned-names.ts). */
import { awaitOperation, type MutationResult } from '../../cloud/gce/operations.js';
import { KopsError } from '../../diagnostics.js';
import { isRef, type Task, type Val } from '../types.js';
import { gceClusterLabel, type GceTaskContext } from './context.js';
import { GCE_LABEL_CLUSTER, type Labels } from './types.js';

/** A resource URL as compared: `projects/p/global/networks/n` (scheme, host and API version dropped). */
export function relLink(url: string | null | undefined): string {
  if (!url) return '';
  return url.replace(/^https?:\/\/[^/]+\/compute\/(v1|beta|alpha)\//, '').replace(/^\//, '');
}

export function lastSegment(url: string | null | undefined): string {
  return (url ?? '').split('/').pop() ?? '';
}

/** The full URL of a project-relative path. */
export function fullLink(path: string): string {
  return path.startsWith('https://') ? path : `https://www.googleapis.com/compute/v1/${relLink(path)}`;
}

/** Compute's list filter matching exactly these names (GCE names need no escaping in a regex). */
export function nameFilter(names: readonly string[]): string {
  return `name eq "(${[...new Set(names)].sort().join('|')})"`;
}

export function clusterLabelFilter(ctx: GceTaskContext): string {
  return `labels.${GCE_LABEL_CLUSTER} = "${gceClusterLabel(ctx.clusterName)}"`;
}

export async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * Awaits a mutation's operation with the context's wait options; `signal` (the run's cancellation,
 * `ApplyRequest.signal`) ends the wait, not the operation, which Google finishes by itself.
 */
export async function done(ctx: GceTaskContext, result: MutationResult | Promise<MutationResult>, signal?: AbortSignal): Promise<void> {
  await awaitOperation(ctx.clients, await result, signal ? { ...ctx.wait, signal } : ctx.wait);
}

/** Groups tasks by a scope (region, zone). */
export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const i of items) {
    const k = key(i);
    out.set(k, [...(out.get(k) ?? []), i]);
  }
  return out;
}

export function sharedReadOnly(kind: string, name: string): KopsError {
  return new KopsError('SharedResourceReadOnly', `${kind} "${name}" is shared (the user's): kops-ts never creates, changes or deletes it`, {
    hint: 'change it yourself, or remove it from the cluster spec to let kops-ts manage its own',
  });
}

/** The names a kind's orphan search must skip: every described task's resource. */
export function namesOf<D extends { readonly name: string }>(tasks: readonly Task<D>[]): Set<string> {
  return new Set(tasks.map((t) => t.desired.name));
}

export function labelsOf(labels: Readonly<Record<string, string>> | null | undefined): Labels {
  return { ...(labels ?? {}) };
}

/** A ref's identity or a literal, for hashing desired states whose refs are not resolved yet. */
export function valIdentity(v: Val): string {
  return isRef(v) ? `ref:${v.kind}/${v.name}#${v.output}` : relLink(v);
}

/** A number GCE returns as an int64 string (or a number). */
export function num(v: string | number | null | undefined | { toString(): string }): number {
  return v === null || v === undefined ? 0 : Number(String(v));
}

export { ignoreGceNotFound as ignoreGone } from '../../cloud/gce/errors.js';

/**
 * Call options for the `…Async` list iterators: they follow pages themselves; the library's
 * default `autoPaginate: true` only makes it print an AutopaginateTrueWarning on stderr.
 */
export const LIST_OPTS = { autoPaginate: false } as const;
