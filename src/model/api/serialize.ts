/**
 * Objects out: multi-document YAML exactly as kops writes it (Cluster first, then instance groups
 * by name; each object's keys in its own order), or JSON.
 */
import { KIND_CLUSTER, type KopsObject } from './types.js';
import { stringifyKopsYaml } from './yaml.js';

export function sortObjects(objs: readonly KopsObject[]): KopsObject[] {
  return [...objs].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === KIND_CLUSTER ? -1 : 1;
    return a.metadata.name.localeCompare(b.metadata.name);
  });
}

export function toYaml(objs: KopsObject | readonly KopsObject[]): string {
  const list = Array.isArray(objs) ? sortObjects(objs as readonly KopsObject[]) : [objs as KopsObject];
  return list.map((o) => stringifyKopsYaml(o)).join('\n---\n\n');
}

/** One object as a JSON document, or a list as a JSON array. */
export function toJson(objs: KopsObject | readonly KopsObject[]): string {
  const value = Array.isArray(objs) ? sortObjects(objs as readonly KopsObject[]) : objs;
  return `${JSON.stringify(value, null, 2)}\n`;
}
