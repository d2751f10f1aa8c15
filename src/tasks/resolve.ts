/**
 * Ref resolution. At plan time a ref resolves to its target's output when the target exists and is
 * kept (`noop`/`update`), and to `UNKNOWN` when the target is still to be created or replaced. At
 * apply time every ref is known: dependencies run first, and a failed one skips its dependents.
 *
 * For display, a view is computed a second time with refs resolved to markers, so that the plan
 * can print `name:<target>` / `id:<id>` (kops) or `{ "ref": ... }` (JSON) for ref-valued fields
 * whatever shape the kind's view gives them.
 */
import { KopsError } from '../diagnostics.js';
import { UNKNOWN, isRef, isUnknown, refKey, type Outputs, type Ref, type RefResolver, type TaskKey, type Unknown, type Val, type View } from './types.js';

/** Looks up a target's outputs: `undefined` while the target is to be created or replaced. */
export type OutputsOf = (key: TaskKey) => Outputs | undefined;

export function resolverOf(outputsOf: OutputsOf, from?: TaskKey): RefResolver {
  const resolve = (v: Val<string>): string | Unknown => {
    if (!isRef(v)) return v;
    const out = outputsOf(refKey(v))?.[v.output];
    return out === undefined ? UNKNOWN : out;
  };
  return {
    resolve,
    known(v) {
      const r = resolve(v);
      if (isUnknown(r)) throw refNotKnown(v as Ref, from);
      return r;
    },
  };
}

function refNotKnown(r: Ref, from: TaskKey | undefined): KopsError {
  const target = refKey(r);
  return new KopsError('RefNotKnown', `${from ? `${from}: ` : ''}output "${r.output}" of ${target} is not known`, {
    hint: `${target} must exist (or be created earlier in this run) and expose "${r.output}" in its outputs`,
  });
}

/** A ref-derived value in a display view: the target, its output, and the value when known. */
export interface RefValue {
  readonly $refValue: true;
  readonly ref: TaskKey;
  readonly output: string;
  readonly value?: string;
}

export function isRefValue(v: unknown): v is RefValue {
  return typeof v === 'object' && v !== null && (v as { $refValue?: unknown }).$refValue === true;
}

const SENTINEL = /\u0000kops-ref:(\d+)\u0000/g;
const EXACT = /^\u0000kops-ref:(\d+)\u0000$/;

/**
 * The view of `desired` with every ref-derived value marked: a value that is exactly a ref becomes
 * a `RefValue`; a string that embeds one gets the known value or `(known after apply)` spliced in.
 * `undefined` if the view cannot be computed with markers (a view that parses its ref values).
 */
export function displayView(view: (refs: RefResolver) => View, outputsOf: OutputsOf): View | undefined {
  const seen: RefValue[] = [];
  const marker = (v: Val<string>): string => {
    if (!isRef(v)) return v;
    const out = outputsOf(refKey(v))?.[v.output];
    seen.push({ $refValue: true, ref: refKey(v), output: v.output, ...(out === undefined ? {} : { value: out }) });
    return `\u0000kops-ref:${seen.length - 1}\u0000`;
  };
  let raw: View;
  try {
    raw = view({ resolve: marker, known: marker });
  } catch {
    return undefined;
  }
  if (seen.length === 0) return raw;
  const shown = substitute(raw, seen) as View;
  // A view that took a marker apart (sliced it, parsed it) leaves fragments: show those fields plainly.
  return Object.fromEntries(Object.entries(shown).filter(([, v]) => !JSON.stringify(v ?? null).includes('\\u0000')));
}

function substitute(v: unknown, seen: readonly RefValue[]): unknown {
  if (typeof v === 'string') {
    const exact = EXACT.exec(v);
    if (exact) return seen[Number(exact[1])];
    return v.replace(SENTINEL, (_, i: string) => seen[Number(i)]?.value ?? '(known after apply)');
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, seen));
  if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, seen)]));
  }
  return v;
}

/** Whether a display value holds a ref anywhere (only then is it worth keeping beside `after`). */
export function hasRefValue(v: unknown): boolean {
  if (isRefValue(v)) return true;
  if (Array.isArray(v)) return v.some(hasRefValue);
  if (typeof v === 'object' && v !== null && !isUnknown(v)) return Object.values(v).some(hasRefValue);
  return false;
}
