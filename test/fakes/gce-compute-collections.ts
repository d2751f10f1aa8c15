/**
 * The fake Compute API's resource collections (test/fakes/gce-compute.ts): the table of every
 * collection it serves (from the resource modules: gce-compute-networks.ts, -load-balancing.ts,
 * -instances.ts, -instance-groups.ts) and what is common to them under `/compute/v1/projects/<p>/
 * {global,regions/<r>,zones/<z>}/<collection>`: list (GET collection), get (GET item), insert
 * (POST collection: name syntax, unknown fields, labels, 409 `alreadyExists`), delete (DELETE
 * item), patch (PATCH item, where the API has it), custom methods (POST item/<method>, `setLabels`
 * with the `labelFingerprint`, 412 `conditionNotMet` when stale), 404 `notFound` for a missing
 * item, and `aggregated/<collection>` for the zonal/regional ones (paged across scopes, GCE's
 * `NO_RESULTS_ON_PAGE` warning for an empty scope).
 */
import { INSTANCE_GROUP_KINDS } from './gce-compute-instance-groups.js';
import { INSTANCE_KINDS } from './gce-compute-instances.js';
import { filterOf, paginate } from './gce-compute-listing.js';
import { LOAD_BALANCING_KINDS } from './gce-compute-load-balancing.js';
import { NETWORK_KINDS } from './gce-compute-networks.js';
import { mutation } from './gce-compute-operations.js';
import type { ComputeState, ResourceKind, Scope } from './gce-compute-store.js';
import { checkFields, checkLabels, fingerprint, HttpError, NAME_RE, notFoundUrl, type GceCall, type Json } from './gce-compute-wire.js';

const COLLECTIONS: Readonly<Record<string, ResourceKind>> = { ...NETWORK_KINDS, ...LOAD_BALANCING_KINDS, ...INSTANCE_KINDS, ...INSTANCE_GROUP_KINDS };

/** A call on `<scopePath>/<collection>[/<name>[/<method>]]` (`rest`: the path from the collection). */
export function routeCollection(s: ComputeState, call: GceCall, project: string, scope: Scope, scopePath: string, rest: string[]): Json {
  const [collection, name, method] = rest as [string, string | undefined, string | undefined];
  const spec = COLLECTIONS[collection];
  if (!spec || spec.scope !== scope.type || rest.length > 3) throw notFoundUrl(call);
  const items = s.coll(scopePath, collection);
  const where = `${scopePath}/${collection}`;
  if (name === undefined) {
    if (call.method === 'GET') return list(s, scopePath, collection, spec, call.query);
    if (call.method === 'POST') return insert(s, call, project, scope, scopePath, collection, spec, call.body ?? {});
    throw notFoundUrl(call);
  }
  const existing = items.get(name);
  if (!existing) throw new HttpError(404, 'notFound', `The resource '${where}/${name}' was not found`);
  if (method === undefined) {
    if (call.method === 'GET') return present(s, collection, existing);
    if (call.method === 'DELETE') return mutation(s, call, scopePath, where, name, 'delete', () => remove(s, scopePath, collection, name, existing));
    if (call.method === 'PATCH' && spec.patch) return mutation(s, call, scopePath, where, name, 'patch', () => patch(s, spec, existing, call.body ?? {}));
    throw notFoundUrl(call);
  }
  if (call.method !== 'POST') throw notFoundUrl(call);
  const read = spec.read?.(s, scopePath, existing, method, call);
  if (read) return read;
  const b = call.body ?? {};
  return mutation(s, call, scopePath, where, name, method, () => custom(s, scopePath, spec, existing, method, b, call));
}

/** What a GET shows: without fake-internal fields (and what the collection adds). */
export function present(s: ComputeState, collection: string, r: Json): Json {
  const { members: _m, excluded: _x, bootLeft: _b, ...shown } = r;
  const hook = COLLECTIONS[collection]?.present;
  return hook ? hook(s, r, shown) : structuredClone(shown);
}

function list(s: ComputeState, scopePath: string, collection: string, spec: ResourceKind, query: Record<string, string>): Json {
  const all = [...s.coll(scopePath, collection).values()].map((r) => present(s, collection, r)).filter(filterOf(query.filter));
  all.sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
  const { page, next } = paginate(all, query);
  return {
    kind: `${spec.kind}List`,
    id: `${scopePath}/${collection}`,
    selfLink: s.url(`${scopePath}/${collection}`),
    items: page,
    ...(next ? { nextPageToken: next } : {}),
  };
}

/**
 * `aggregated/<collection>`: items keyed by scope (`zones/us-central1-a`), paged over the items
 * of every scope together; a scope the project uses with no item on the page gets GCE's
 * `NO_RESULTS_ON_PAGE` warning instead of a list.
 */
export function aggregated(s: ComputeState, project: string, collection: string, query: Record<string, string>): Json {
  const spec = COLLECTIONS[collection];
  if (!spec || spec.scope === 'global') throw new HttpError(404, 'notFound', `The requested URL /aggregated/${collection} was not found on this server.`);
  const filter = filterOf(query.filter);
  const prefix = `projects/${project}/`;
  const all: { scope: string; item: Json }[] = [];
  const scopes = new Set<string>();
  for (const [key, m] of [...s.store].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!key.startsWith(prefix) || !key.startsWith(`${prefix}${spec.scope}/`)) continue;
    const scopePath = key.slice(0, key.lastIndexOf('/'));
    scopes.add(scopePath.slice(prefix.length));
    if (!key.endsWith(`/${collection}`)) continue;
    const list = [...m.values()].map((r) => present(s, collection, r)).filter(filter);
    list.sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
    for (const item of list) all.push({ scope: scopePath.slice(prefix.length), item });
  }
  const { page, next } = paginate(all, query);
  const items: Record<string, Json> = {};
  for (const sc of [...scopes].sort()) {
    const here = page.filter((p) => p.scope === sc).map((p) => p.item);
    items[sc] = here.length > 0 ? { [collection]: here } : { warning: { code: 'NO_RESULTS_ON_PAGE', message: `There are no results for scope '${sc}' on this page.`, data: [{ key: 'scope', value: sc }] } };
  }
  return { kind: `${spec.kind}AggregatedList`, id: `projects/${project}/aggregated/${collection}`, items, ...(next ? { nextPageToken: next } : {}) };
}

function insert(s: ComputeState, call: GceCall, project: string, scope: Scope, scopePath: string, collection: string, spec: ResourceKind, body: Json): Json {
  const name = body.name;
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new HttpError(400, 'invalid', `Invalid value for field 'resource.name': '${String(name)}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`);
  }
  checkFields(body, spec.fields, []);
  if (spec.labels) checkLabels(body.labels);
  const items = s.coll(scopePath, collection);
  const where = `${scopePath}/${collection}`;
  if (items.has(name)) throw new HttpError(409, 'alreadyExists', `The resource '${where}/${name}' already exists`);
  const resource = build(s, project, scope, scopePath, collection, spec, body);
  return mutation(s, call, scopePath, where, name, 'insert', () => {
    items.set(name, resource);
    spec.inserted?.(s, scopePath, resource);
  });
}

/** A new resource: the fields every resource has, then the collection's own. */
function build(s: ComputeState, project: string, scope: Scope, scopePath: string, collection: string, spec: ResourceKind, body: Json): Json {
  const name = body.name as string;
  const r: Json = { kind: spec.kind, id: String(s.nextId++), creationTimestamp: new Date().toISOString(), ...structuredClone(body) };
  r.selfLink = s.url(`${scopePath}/${collection}/${name}`);
  if (scope.type === 'regions') r.region = s.url(`projects/${project}/regions/${scope.name}`);
  if (scope.type === 'zones') r.zone = s.url(`projects/${project}/zones/${scope.name}`);
  if (spec.labels) {
    r.labels = (body.labels as Json | undefined) ?? {};
    r.labelFingerprint = fingerprint(r.labels);
  }
  spec.build?.(s, r, body, { project, scope, scopePath });
  return r;
}

function remove(s: ComputeState, scopePath: string, collection: string, name: string, r: Json): void {
  const spec = COLLECTIONS[collection] as ResourceKind;
  spec.checkUnused?.(s, collection, r.selfLink as string);
  s.coll(scopePath, collection).delete(name);
  spec.removed?.(s, scopePath, name, r);
}

function patch(s: ComputeState, spec: ResourceKind, r: Json, body: Json): void {
  checkFields(body, spec.fields, ['fingerprint']);
  if (body.name !== undefined && body.name !== r.name) throw new HttpError(400, 'invalid', "Invalid value for field 'resource.name': the name cannot be changed.");
  const checked = spec.patchBody ? spec.patchBody(s, r, body) : body;
  const { fingerprint: _f, ...rest } = checked;
  Object.assign(r, structuredClone(rest));
  spec.patched?.(r);
}

function custom(s: ComputeState, scopePath: string, spec: ResourceKind, r: Json, method: string, body: Json, call: GceCall): void {
  if (method === 'setLabels') {
    if (!spec.labels) throw notFoundUrl(call);
    if (body.labelFingerprint !== r.labelFingerprint) {
      throw new HttpError(412, 'conditionNotMet', `Labels fingerprint either invalid or resource labels have changed`);
    }
    checkLabels(body.labels);
    r.labels = structuredClone(body.labels ?? {});
    r.labelFingerprint = fingerprint(r.labels);
    return;
  }
  if (!spec.custom?.(s, scopePath, r, method, body, call)) throw notFoundUrl(call);
}
