/**
 * The fake Compute API's state (test/fakes/gce-compute.ts): every stored resource keyed by
 * `projects/<p>/<global|regions/<r>|zones/<z>>/<collection>`, the operations, the id and IP
 * counters, and the lookups the resource modules share: a scope's collection, a resource's full
 * URL (`https://www.googleapis.com/compute/v1/...`) and a reference to another resource, which must
 * exist (404 `notFound` otherwise).
 */
import { HttpError, type FaultRule, type GceCall, type Json } from './gce-compute-wire.js';

export type Scope = { readonly type: 'global' } | { readonly type: 'regions'; readonly name: string } | { readonly type: 'zones'; readonly name: string };

/** Where a resource is inserted. */
export interface Place {
  readonly project: string;
  readonly scope: Scope;
  readonly scopePath: string;
}

/**
 * A collection the fake serves: what the generic list/get/insert/delete/patch/custom handling
 * (gce-compute-collections.ts) needs, and the resource's own behaviour as optional hooks.
 */
export interface ResourceKind {
  readonly scope: Scope['type'];
  readonly kind: string;
  /** Top-level fields insert accepts (besides name and description). */
  readonly fields: readonly string[];
  readonly labels: boolean;
  readonly patch: boolean;
  /** Insert: checks the body and fills in the server's fields (after the common ones). */
  build?(s: ComputeState, r: Json, body: Json, at: Place): void;
  /** Insert's effect, after the resource is stored. */
  inserted?(s: ComputeState, scopePath: string, r: Json): void;
  /** What a GET shows, from the stored resource without the fake-internal fields. */
  present?(s: ComputeState, r: Json, shown: Json): Json;
  /** Delete: refuses while another resource uses this one. */
  checkUnused?(s: ComputeState, collection: string, link: string): void;
  /** Delete's effect, after the resource is gone. */
  removed?(s: ComputeState, scopePath: string, name: string, r: Json): void;
  /** Patch: checks the body, and returns the one to apply. */
  patchBody?(s: ComputeState, r: Json, body: Json): Json;
  /** Patch's effect, after the body is applied. */
  patched?(r: Json): void;
  /** A read served by POST on an item (data, not an operation), or undefined for a mutation. */
  read?(s: ComputeState, scopePath: string, r: Json, method: string, call: GceCall): Json | undefined;
  /** A custom method's effect (POST item/<method>); false when the resource has no such method. */
  custom?(s: ComputeState, scopePath: string, r: Json, method: string, body: Json, call: GceCall): boolean;
}

/** The knobs a test sets on the fake (FakeGceCompute's public fields), read when they apply. */
export interface ComputeKnobs {
  readonly operationPolls: number;
  readonly bootPolls: number;
  readonly random: () => number;
}

export class ComputeState {
  /** `scopePath/collection` → name → resource (scopePath: `projects/p/global`, `projects/p/zones/z`, ...). */
  readonly store = new Map<string, Map<string, Json>>();
  /** `scopePath/operations/name` → operation (with `pendingPolls`). */
  readonly operations = new Map<string, Json>();
  /** `failOperation` hooks. */
  readonly opFaults: FaultRule[] = [];
  nextId = 1000;
  opSeq = 0;
  ipSeq = 10;

  constructor(readonly knobs: ComputeKnobs) {}

  coll(scopePath: string, collection: string): Map<string, Json> {
    const key = `${scopePath}/${collection}`;
    let m = this.store.get(key);
    if (!m) {
      m = new Map();
      this.store.set(key, m);
    }
    return m;
  }

  url(path: string): string {
    return `https://www.googleapis.com/compute/v1/${path}`;
  }

  /** Every stored resource of a collection in every scope of a project. */
  all(project: string, collection: string): Json[] {
    const out: Json[] = [];
    for (const [key, m] of this.store) if (key.startsWith(`projects/${project}/`) && key.endsWith(`/${collection}`)) out.push(...m.values());
    return out;
  }

  /** A reference must name an existing resource of that collection (URL or partial path). */
  refTo(link: string, collection: string): Json {
    const m = /projects\/([^/]+)\/(global|regions\/[^/]+|zones\/[^/]+)\/([^/]+)\/([^/?]+)$/.exec(link);
    const r = m && m[3] === collection ? this.store.get(`projects/${m[1]}/${m[2]}/${collection}`)?.get(m[4] as string) : undefined;
    if (!r) throw new HttpError(404, 'notFound', `The resource '${link.replace(/^https:\/\/www.googleapis.com\/compute\/v1\//, '')}' was not found`);
    return r;
  }

  /** Throws GCE's 400 `resourceInUseByAnotherResource` when a `by` resource `uses` the `collection` resource at `link`. */
  inUse(collection: string, link: string, by: string, uses: (o: Json) => boolean): void {
    for (const [key, m] of this.store) {
      if (!key.endsWith(`/${by}`)) continue;
      for (const o of m.values()) {
        if (uses(o)) {
          throw new HttpError(
            400,
            'resourceInUseByAnotherResource',
            `The ${collection.replace(/s$/, '')} resource '${link.replace(/^https:\/\/www.googleapis.com\/compute\/v1\//, '')}' is already being used by '${(o.selfLink as string).replace(/^https:\/\/www.googleapis.com\/compute\/v1\//, '')}'`,
          );
        }
      }
    }
  }
}
