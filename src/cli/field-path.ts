/**
 * `--set path=value` / `--unset path`, as kops's create cluster has them: `spec.x` or
 * `cluster.spec.x` for the Cluster, `instancegroup.spec.x` for every instance group. Values are
 * YAML scalars or flow collections (`--set spec.sshAccess=[10.0.0.0/8]`).
 */
import { KopsError } from '../diagnostics.js';
import { parseKopsYaml } from '../model/api/yaml.js';
import type { KopsObject } from '../model/api/types.js';

function targets(objects: readonly KopsObject[], path: string): { objs: KopsObject[]; keys: string[] } {
  const parts = path.split('.');
  const head = parts[0]?.toLowerCase();
  if (head === 'cluster') return { objs: objects.filter((o) => o.kind === 'Cluster'), keys: parts.slice(1) };
  if (head === 'instancegroup' || head === 'instancegroups' || head === 'ig') return { objs: objects.filter((o) => o.kind === 'InstanceGroup'), keys: parts.slice(1) };
  if (head === 'spec' || head === 'metadata') return { objs: objects.filter((o) => o.kind === 'Cluster'), keys: parts };
  throw new KopsError('InvalidFieldPath', `--set/--unset ${path}: expected spec.<field>, cluster.spec.<field> or instancegroup.spec.<field>`, { exitCode: 2 });
}

function walk(root: Record<string, unknown>, keys: string[], create: boolean): { parent: Record<string, unknown>; key: string } | undefined {
  let cur: Record<string, unknown> = root;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      if (!create) return undefined;
      cur[k] = {};
    }
    cur = cur[k] as Record<string, unknown>;
  }
  const key = keys[keys.length - 1];
  return key ? { parent: cur, key } : undefined;
}

export function setFields(objects: readonly KopsObject[], assignments: readonly string[]): void {
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new KopsError('InvalidFieldPath', `--set ${a}: expected path=value`, { exitCode: 2 });
    const { objs, keys } = targets(objects, a.slice(0, eq));
    const value = parseKopsYaml(a.slice(eq + 1));
    for (const o of objs) {
      const at = walk(o as unknown as Record<string, unknown>, keys, true);
      if (at) at.parent[at.key] = value;
    }
  }
}

export function unsetFields(objects: readonly KopsObject[], paths: readonly string[]): void {
  for (const p of paths) {
    const { objs, keys } = targets(objects, p);
    for (const o of objs) {
      const at = walk(o as unknown as Record<string, unknown>, keys, false);
      if (at) delete at.parent[at.key];
    }
  }
}
