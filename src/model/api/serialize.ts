/**
 * Objects out: multi-document YAML as kops writes it (Cluster first, then instance groups by name,
 * `---` between documents; each object's keys in its own order), or JSON. Nothing is dropped:
 * fields kops-ts does not act on, and `null`s such as `creationTimestamp: null`, are written back.
 */
import { KIND_CLUSTER, type KopsObject } from './types.js';
import { stringifyKopsYaml } from './yaml.js';

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Clusters first, then instance groups, each sorted by name (code-point order, locale-free). */
export function sortObjects(objs: readonly KopsObject[]): KopsObject[] {
  return [...objs].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === KIND_CLUSTER ? -1 : 1;
    return byName(a.metadata.name, b.metadata.name);
  });
}

/** One object as one YAML document, or a list as a `---`-separated stream. */
export function toYaml(objs: KopsObject | readonly KopsObject[]): string {
  const list = Array.isArray(objs) ? sortObjects(objs as readonly KopsObject[]) : [objs as KopsObject];
  return list.map((o) => stringifyKopsYaml(o)).join('\n---\n\n');
}

/** One object as a JSON document, or a list as a JSON array (sorted as `toYaml`). */
export function toJson(objs: KopsObject | readonly KopsObject[]): string {
  const value = Array.isArray(objs) ? sortObjects(objs as readonly KopsObject[]) : objs;
  return `${JSON.stringify(value, null, 2)}\n`;
}
