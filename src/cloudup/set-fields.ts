/**
 * `--set path=value` / `--unset path` with kops's semantics (pkg/commands/set_cluster.go and
 * util/pkg/reflectutils): the path is a v1alpha2 field path, `cluster.` optional for the Cluster
 * and `instancegroup.` for instance groups; `[N]` indexes a list (N = its length appends an
 * element) and `[*]` means every element. The value is a string converted to the field's type
 * as kops's reflection does, read here from the model's field table instead:
 *
 * - lists: comma-separated items, APPENDED to what is there (`--unset` first to replace);
 * - maps: `key=value` adds one entry;
 * - booleans, integers: parsed, a bad one is an error naming the path;
 * - an object with an empty value (`spec.api.dns=`) creates it empty;
 * - fields the table does not describe: `true`/`false`, integers, else the string.
 *
 * A field name the v1alpha2 table does not know is refused before anything changes, as kops's
 * reflection refuses it ("field ... not found"), with a "did you mean" among its siblings; below a
 * map or a kops field kops-ts keeps without modelling, any name goes. The caller still
 * schema-checks the result (values, and the spec as a whole).
 *
 * A path without prefix names the Cluster when one is among the objects (create cluster, edit
 * cluster), else the instance groups given (edit instancegroup); a prefix naming a kind that is
 * not there is refused rather than matching nothing.
 */
import { KopsError, type Diagnostic } from '../diagnostics.js';
import { suggest } from '../model/api/check.js';
import { CLUSTER_SPEC, objectShape, type FieldShape } from '../model/api/schema.js';
import { INSTANCE_GROUP_SPEC } from '../model/api/schema-instance-group.js';
import { LABEL_CLUSTER_NAME, type KopsObject } from '../model/api/types.js';

type Segment = { readonly key: string; readonly index?: number | '*' };
type Node = Record<string, unknown>;

function invalid(path: string, why: string, hint: string): KopsError {
  return new KopsError('InvalidFieldPath', `${path}: ${why}`, { hint, exitCode: 2 });
}

/** `spec.etcdClusters[*].manager.backupRetentionDays` → segments. */
export function parseFieldPath(path: string): Segment[] {
  if (path === '') throw invalid(path, 'empty field path', 'use e.g. spec.kubernetesVersion');
  return path.split('.').map((part) => {
    const m = /^([A-Za-z0-9_/-]+)(?:\[(\d+|\*)\])?$/.exec(part);
    if (!m) throw invalid(path, `cannot parse ${JSON.stringify(part)}`, 'use field names separated by dots, with [N] or [*] for lists');
    const index = m[2] === undefined ? undefined : m[2] === '*' ? ('*' as const) : Number(m[2]);
    return index === undefined ? { key: m[1]! } : { key: m[1]!, index };
  });
}

/** The shape of `key` inside `shape`, or undefined when the table does not describe it. */
function child(shape: FieldShape | undefined, key: string): FieldShape | undefined {
  if (shape && 'fields' in shape) return (shape.fields as Readonly<Record<string, FieldShape>>)[key];
  if (shape && shape.t === 'map' && 'of' in shape) return shape.of;
  return undefined;
}

function elementOf(shape: FieldShape | undefined): FieldShape | undefined {
  return shape && shape.t === 'array' && 'of' in shape ? shape.of : undefined;
}

const BOOLS: Record<string, boolean> = { true: true, t: true, '1': true, false: false, f: false, '0': false };

/** One scalar converted to `shape` (kops's setType). */
function scalar(shape: FieldShape | undefined, raw: string, path: string): unknown {
  const t: string = shape?.t ?? 'unknown';
  if (t === 'boolean') {
    const b = BOOLS[raw.toLowerCase()];
    if (b === undefined) throw invalid(path, `cannot interpret ${JSON.stringify(raw)} as a boolean`, 'use true or false');
    return b;
  }
  if (t === 'int' || t === 'number') {
    if (!/^-?\d+$/.test(raw)) throw invalid(path, `cannot interpret ${JSON.stringify(raw)} as an integer`, 'use a whole number');
    return Number(raw);
  }
  if (t === 'intOrString') return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (t === 'enum' && shape && 'values' in shape && !shape.values.includes(raw)) {
    throw invalid(path, `${JSON.stringify(raw)} is not one of ${shape.values.join(', ')}`, `use one of ${shape.values.join(', ')}`);
  }
  if (t === 'unknown' || t === 'kops' || t === 'any' || t === 'presence') {
    if (raw === 'true' || raw === 'false') return raw === 'true';
    if (/^-?\d+$/.test(raw)) return Number(raw);
  }
  return raw;
}

/** The new value of a field given its current value (lists append, maps add an entry). */
function convert(shape: FieldShape | undefined, current: unknown, raw: string, path: string): unknown {
  if (shape?.t === 'array') {
    const items = raw.split(',').map((s) => scalar(elementOf(shape), s, path));
    return [...(Array.isArray(current) ? current : []), ...items];
  }
  if (shape?.t === 'map') {
    const eq = raw.indexOf('=');
    if (eq <= 0) throw invalid(path, `expected key=value, got ${JSON.stringify(raw)}`, `use ${path}=key=value`);
    const base = current && typeof current === 'object' && !Array.isArray(current) ? (current as Node) : {};
    return { ...base, [raw.slice(0, eq)]: scalar('of' in shape ? shape.of : undefined, raw.slice(eq + 1), path) };
  }
  const t: string = shape?.t ?? 'unknown';
  if (raw === '' && ['unknown', 'object', 'any', 'kops', 'presence'].includes(t)) {
    return current && typeof current === 'object' ? current : {};
  }
  if (shape && 'fields' in shape) throw invalid(path, 'is an object; set one of its fields instead', `use ${path}.<field>=value`);
  return scalar(shape, raw, path);
}

/** Visits every container+key the path names, creating what is missing when `create`. */
function visit(node: Node, segs: readonly Segment[], shape: FieldShape | undefined, create: boolean, path: string, at: (parent: Node | unknown[], key: string | number, shape: FieldShape | undefined) => void): void {
  const [seg, ...rest] = segs;
  if (!seg) return;
  const fieldShape = child(shape, seg.key);
  if (seg.index === undefined) {
    if (rest.length === 0) return at(node, seg.key, fieldShape);
    if (typeof node[seg.key] !== 'object' || node[seg.key] === null || Array.isArray(node[seg.key])) {
      if (!create) return;
      node[seg.key] = {};
    }
    return visit(node[seg.key] as Node, rest, fieldShape, create, path, at);
  }
  if (!Array.isArray(node[seg.key])) {
    if (!create || seg.index === '*') return;
    node[seg.key] = [];
  }
  const list = node[seg.key] as unknown[];
  const itemShape = elementOf(fieldShape);
  const indexes = seg.index === '*' ? list.map((_, i) => i) : [seg.index];
  for (const i of indexes) {
    if (i > list.length || (i === list.length && !create)) {
      if (create) throw invalid(path, `index ${i} is past the end of a list of ${list.length}`, `use an index up to ${list.length} ([${list.length}] appends)`);
      continue;
    }
    if (rest.length === 0) {
      at(list, i, itemShape);
      continue;
    }
    if (i === list.length) list.push({});
    if (typeof list[i] === 'object' && list[i] !== null) visit(list[i] as Node, rest, itemShape, create, path, at);
  }
}

function target(objects: readonly KopsObject[], path: string): { objs: KopsObject[]; rest: string } {
  const clusters = objects.filter((o) => o.kind === 'Cluster');
  const groups = objects.filter((o) => o.kind === 'InstanceGroup');
  const named = (prefix: string, objs: KopsObject[], kind: string) => {
    if (objs.length > 0) return { objs, rest: path.slice(prefix.length) };
    const other = objects[0]?.kind ?? kind;
    // The other command names the cluster (the object edited is it, or is labelled with it).
    const cluster = clusters[0]?.metadata.name ?? groups[0]?.metadata.labels?.[LABEL_CLUSTER_NAME] ?? '<cluster>';
    const editor = kind === 'Cluster' ? `kops-ts edit cluster ${cluster}` : `kops-ts edit instancegroup <name> --name ${cluster}`;
    throw invalid(path, `names ${kind === 'Cluster' ? 'a Cluster' : 'an InstanceGroup'} field, but this edits ${other === 'Cluster' ? 'a Cluster' : 'an InstanceGroup'}`, `drop the "${prefix}" prefix, or set that field with ${editor}`);
  };
  if (path.startsWith('cluster.')) return named('cluster.', clusters, 'Cluster');
  if (path.startsWith('instancegroup.')) return named('instancegroup.', groups, 'InstanceGroup');
  return { objs: clusters.length > 0 ? clusters : groups, rest: path };
}

/** The whole object's shape: metadata and spec as the v1alpha2 table describes them. */
function rootShape(obj: KopsObject): FieldShape {
  return objectShape(obj.kind === 'Cluster' ? CLUSTER_SPEC : INSTANCE_GROUP_SPEC);
}

/** The closest field names below `shape`, for the "did you mean". */
function known(shape: FieldShape | undefined): string[] {
  return shape && 'fields' in shape ? Object.keys(shape.fields) : [];
}

/**
 * Refuses a path whose field names the v1alpha2 table does not know (kops: "field ... not found"),
 * naming the first unknown one and the nearest sibling. Below a map, a kops-only field or a
 * presence object, any name is accepted: kops's own types are not modelled there.
 */
function checkFieldNames(obj: KopsObject, segs: readonly Segment[], rest: string, path: string): void {
  let shape: FieldShape | undefined = rootShape(obj);
  const walked: string[] = [];
  for (const seg of segs) {
    if (!shape) return;
    if (shape.t === 'stringOrObject') shape = shape.object;
    if (shape.t === 'map') {
      shape = shape.of;
    } else if (shape.t === 'object') {
      const next: FieldShape | undefined = shape.fields[seg.key];
      if (!next) {
        const near = suggest(seg.key, known(shape));
        const at = [...walked, seg.key].join('.');
        const where = at === rest ? '' : ` (in ${path})`;
        throw new KopsError('UnknownField', `${at}: unknown field${where}`, { hint: near ? `did you mean "${[...walked, near].join('.')}"?` : 'check the spelling: docs/spec.md lists the fields', exitCode: 2 });
      }
      shape = next;
    } else {
      return; // kops, presence, removed, ignored, scalars: the value check says what is wrong
    }
    walked.push(seg.key);
    if (seg.index !== undefined && shape?.t === 'array') shape = shape.of;
  }
}

function checkRoot(path: string, rest: string): void {
  if (!rest.startsWith('spec.') && !rest.startsWith('metadata.')) {
    throw invalid(path, 'expected a path under spec (or metadata)', 'e.g. spec.kubernetesVersion=1.36.3, cluster.spec.sshAccess=10.0.0.0/8, instancegroup.spec.maxSize=3');
  }
}

/** Applies `path=value` assignments, in order, to the Cluster (or, with `instancegroup.`, every IG). */
export function setFields(objects: readonly KopsObject[], assignments: readonly string[]): void {
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw invalid(a, 'expected path=value', 'e.g. --set spec.kubernetesVersion=1.36.3');
    const { objs, rest } = target(objects, a.slice(0, eq));
    checkRoot(a.slice(0, eq), rest);
    const raw = a.slice(eq + 1);
    const segs = parseFieldPath(rest);
    for (const o of objs) checkFieldNames(o, segs, rest, a.slice(0, eq));
    for (const o of objs) {
      visit(o as unknown as Node, segs, rootShape(o), true, rest, (parent, key, shape) => {
        const p = parent as Record<string | number, unknown>;
        p[key] = convert(shape, p[key], raw, rest);
      });
    }
  }
}

/** Removes the fields `paths` name; a known field that is not set is not an error. */
export function unsetFields(objects: readonly KopsObject[], paths: readonly string[]): void {
  for (const path of paths) {
    const { objs, rest } = target(objects, path);
    checkRoot(path, rest);
    const segs = parseFieldPath(rest);
    for (const o of objs) checkFieldNames(o, segs, rest, path);
    for (const o of objs) {
      const removals: [Node | unknown[], string | number][] = [];
      visit(o as unknown as Node, segs, rootShape(o), false, rest, (parent, key) => removals.push([parent, key]));
      // Highest index first, so splicing a list does not shift what is still to remove.
      for (const [parent, key] of removals.reverse()) {
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key as string];
      }
    }
  }
}

/**
 * Problems found in objects changed by `--set`: the type checks' "fix the value in the manifest"
 * names what the user gave instead, since there is no manifest.
 */
export function setValueHints(diags: readonly Diagnostic[]): Diagnostic[] {
  return diags.map((d) => (d.hint === 'fix the value in the manifest' ? { ...d, hint: 'fix the value given to --set' } : d));
}
