/**
 * Finding the `Ref`s in a task: every ref anywhere in `desired` (plain objects and arrays, at any
 * depth) and every `dependsOn` entry is a dependency edge. No reflection on types: a ref is a
 * value with `$ref: true`.
 */
import { isRef, type Ref, type Task } from './types.js';

export interface FoundRef {
  readonly ref: Ref;
  /** Where it was found, for messages: `desired.vpcId`, `desired.subnets[2]`, `dependsOn[0]`. */
  readonly path: string;
}

/** Every ref in a value, depth first, with its path below `base`. */
export function findRefs(value: unknown, base = ''): FoundRef[] {
  const out: FoundRef[] = [];
  walk(value, base, out, new Set());
  return out;
}

function walk(v: unknown, path: string, out: FoundRef[], seen: Set<object>): void {
  if (typeof v !== 'object' || v === null) return;
  if (isRef(v)) {
    out.push({ ref: v, path });
    return;
  }
  // Desired states are trees; a shared sub-object is walked once per path, a cycle never twice.
  if (seen.has(v)) return;
  seen.add(v);
  if (Array.isArray(v)) {
    v.forEach((item, i) => walk(item, `${path}[${i}]`, out, seen));
  } else if (isPlainObject(v)) {
    for (const [k, item] of Object.entries(v)) walk(item, path ? `${path}.${k}` : k, out, seen);
  }
  seen.delete(v);
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The refs of a task: in `desired` and in `dependsOn`. */
export function taskRefs(task: Task): FoundRef[] {
  const refs = findRefs(task.desired, 'desired');
  (task.dependsOn ?? []).forEach((ref, i) => refs.push({ ref, path: `dependsOn[${i}]` }));
  return refs;
}
