/**
 * The fake Compute API's list paging and filters (test/fakes/gce-compute.ts), as every list
 * (`GET .../<collection>`, `GET .../aggregated/<collection>`, `POST .../instanceGroupManagers/<name>/
 * listManagedInstances`) takes them: `maxResults` (default and cap 500) with `pageToken` /
 * `nextPageToken`, and `filter` with the comparisons `field = "v"`, `field != "v"`, `field eq
 * regex`, `field ne regex` (joined by spaces or AND), dotted fields such as
 * `labels.k8s-io-cluster-name`; a bad token or filter is 400 `invalid`.
 */
import { HttpError, type Json } from './gce-compute-wire.js';

export function paginate<T>(all: T[], query: Record<string, string>): { page: T[]; next?: string } {
  const max = Math.min(500, Number(query.maxResults ?? 500) || 500);
  const start = query.pageToken ? Number(Buffer.from(query.pageToken, 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw new HttpError(400, 'invalid', `Invalid value for field 'pageToken': '${query.pageToken ?? ''}'`);
  const page = all.slice(start, start + max);
  const nextStart = start + max;
  return nextStart < all.length ? { page, next: Buffer.from(String(nextStart)).toString('base64url') } : { page };
}

/** Compute's list filter, the subset: `a.b = "v"`, `a != "v"`, `a eq re`, `a ne re`, joined by spaces/AND. */
export function filterOf(expr: string | undefined): (r: Json) => boolean {
  if (!expr || expr.trim() === '') return () => true;
  const clauses: ((r: Json) => boolean)[] = [];
  const re = /\(?\s*([A-Za-z][\w.-]*)\s*(=|!=|eq|ne)\s*(?:"([^"]*)"|'([^']*)'|([^\s)]+))\s*\)?(?:\s+AND\s+|\s+|$)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  const text = expr.trim();
  while ((m = re.exec(text)) !== null) {
    consumed = re.lastIndex;
    const [, field, op, dq, sq, bare] = m as unknown as [string, string, string, string | undefined, string | undefined, string | undefined];
    const value = dq ?? sq ?? bare ?? '';
    const get = (r: Json): unknown => field.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Json)[k] : undefined), r);
    if (op === '=' || op === '!=') clauses.push((r) => (String(get(r) ?? '') === value) === (op === '='));
    else {
      const rx = new RegExp(`^(?:${value})$`);
      clauses.push((r) => rx.test(String(get(r) ?? '')) === (op === 'eq'));
    }
    if (consumed >= text.length) break;
  }
  if (consumed < text.length) throw new HttpError(400, 'invalid', `Invalid value for field 'filter': '${expr}'. Invalid list filter expression.`);
  return (r) => clauses.every((c) => c(r));
}
