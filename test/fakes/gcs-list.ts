/**
 * The fake GCS's object listings (test/fakes/gcs.ts), in GCS's order and paging: live objects with
 * `prefix`, `delimiter` and `maxResults`; with `versions=true` every generation, by name then
 * generation.
 */
import type { FakeGcsObject } from './gcs.js';
import { GcsHttpError as HttpError } from './gcs-iam.js';

/** A listing of the live objects: `prefix`, `delimiter` (`prefixes`), `maxResults` (cap 1000), an opaque page token. */
export function listLive(objects: ReadonlyMap<string, FakeGcsObject>, q: Record<string, string>, resource: (o: FakeGcsObject) => Record<string, unknown>): Record<string, unknown> {
  const prefix = q.prefix ?? '';
  const delimiter = q.delimiter;
  const max = Math.min(Math.max(Number(q.maxResults ?? 1000) || 1000, 1), 1000);
  const after = q.pageToken !== undefined ? Buffer.from(q.pageToken, 'base64url').toString('utf8') : undefined;
  if (q.pageToken !== undefined && !after) throw new HttpError(400, 'invalid', 'Invalid page token.');
  const items: Record<string, unknown>[] = [];
  const prefixes = new Set<string>();
  let next: string | undefined;
  let last: string | undefined;
  for (const name of [...objects.keys()].sort()) {
    if (!name.startsWith(prefix)) continue;
    // Resume after the last entry of the previous page (an object name or a prefix).
    if (after !== undefined && (name <= after || (delimiter && after.endsWith(delimiter) && name.startsWith(after)))) continue;
    const i = delimiter ? name.indexOf(delimiter, prefix.length) : -1;
    const key = i >= 0 ? name.slice(0, i + delimiter!.length) : name;
    if (prefixes.has(key)) continue;
    if (items.length + prefixes.size === max) {
      next = Buffer.from(last!).toString('base64url');
      break;
    }
    if (i >= 0) prefixes.add(key);
    else items.push(resource(objects.get(name)!));
    last = key;
  }
  return {
    kind: 'storage#objects',
    ...(next !== undefined ? { nextPageToken: next } : {}),
    ...(prefixes.size > 0 ? { prefixes: [...prefixes] } : {}),
    ...(items.length > 0 ? { items } : {}),
  };
}

/** `versions=true`: every generation, by name then generation; the page token names the last one. */
export function listVersions(
objects: ReadonlyMap<string, FakeGcsObject>,
noncurrent: ReadonlyMap<string, readonly (FakeGcsObject & { readonly timeDeleted: string })[]> | undefined,
q: Record<string, string>,
resource: (o: FakeGcsObject) => Record<string, unknown>,
): Record<string, unknown> {
  if (q.delimiter !== undefined) throw new HttpError(400, 'invalid', 'fake GCS: delimiter with versions=true is not implemented');
  const prefix = q.prefix ?? '';
  const max = Math.min(Math.max(Number(q.maxResults ?? 1000) || 1000, 1), 1000);
  let after: [string, string] | undefined;
  if (q.pageToken !== undefined) {
    try {
      after = JSON.parse(Buffer.from(q.pageToken, 'base64url').toString('utf8')) as [string, string];
    } catch {
      throw new HttpError(400, 'invalid', 'Invalid page token.');
    }
  }
  const all: { obj: FakeGcsObject; timeDeleted?: string }[] = [];
  for (const old of noncurrent?.values() ?? []) for (const o of old) all.push({ obj: o, timeDeleted: o.timeDeleted });
  for (const obj of objects.values()) all.push({ obj });
  const order = (a: { name: string; generation: string }, b: { name: string; generation: string }) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : Math.sign(Number(BigInt(a.generation) - BigInt(b.generation)));
  const sorted = all.filter((e) => e.obj.name.startsWith(prefix))
    .sort((x, y) => order(x.obj, y.obj))
    .filter((e) => after === undefined || order(e.obj, { name: after[0], generation: after[1] }) > 0);
  const page = sorted.slice(0, max);
  const items = page.map((e) => ({ ...resource(e.obj), ...(e.timeDeleted ? { timeDeleted: e.timeDeleted } : {}) }));
  const last = page[page.length - 1]?.obj;
  return {
    kind: 'storage#objects',
    ...(sorted.length > max && last ? { nextPageToken: Buffer.from(JSON.stringify([last.name, last.generation])).toString('base64url') } : {}),
    ...(items.length > 0 ? { items } : {}),
  };
}
