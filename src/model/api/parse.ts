/**
 * Manifests in, checked objects out: multi-document YAML as kops reads and writes it, every
 * problem collected (YAML syntax with its line, apiVersion and kind, unknown fields, types,
 * required fields).
 */
import type { Document } from 'yaml';
import { error, hasErrors, warning, type Diagnostic } from '../../diagnostics.js';
import { checkValue, describeValue, type CheckContext } from './check.js';
import { CLUSTER_SPEC, objectShape } from './schema.js';
import { INSTANCE_GROUP_SPEC } from './schema-instance-group.js';
import { API_VERSION, KIND_CLUSTER, KIND_INSTANCE_GROUP, type KopsObject } from './types.js';
import { MAX_MANIFEST_BYTES, dominantBlock, sizeAndLimit } from './limits.js';
import { YamlError, kopsDocumentValue, parseKopsYamlDocuments, yamlErrorMessage, yamlShapeProblems, type YamlProblem } from './yaml.js';

export interface ParseResult {
  /** The objects without errors. */
  readonly objects: KopsObject[];
  /**
   * The objects whose fields kops-ts acts on are well-formed (see `soundForValidation`), errors
   * elsewhere or not: a superset of `objects`. Validate these too, so that a spec with an unknown
   * field AND an invalid value reports both at once.
   */
  readonly validatable: KopsObject[];
  readonly diagnostics: Diagnostic[];
}

/**
 * Errors that leave every field kops-ts acts on well-typed: a field that is unknown, or that kops
 * removed, is simply not read. An object with only these errors can still be completed and
 * validated, so its other problems are reported in the same run.
 */
const STRUCTURAL_ONLY = new Set(['UnknownField', 'RemovedField']);

/** Whether objects with these diagnostics can still be completed and validated. */
export function soundForValidation(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.every((d) => d.severity !== 'error' || STRUCTURAL_ONLY.has(d.code));
}

const SHAPES = { [KIND_CLUSTER]: objectShape(CLUSTER_SPEC), [KIND_INSTANCE_GROUP]: objectShape(INSTANCE_GROUP_SPEC) } as const;

/** The API group kops used before `kops.k8s.io`; kops's codecs still map it. */
const LEGACY_API_VERSION = 'kops/v1alpha2';

/** kops's other kinds: recognised, so that the error can say what to do with them. */
const OTHER_KOPS_KINDS = ['Keyset', 'SSHCredential', 'Host'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A label for an object in diagnostics: `Cluster/x` or `InstanceGroup/nodes`. */
export function objectLabel(obj: { kind?: unknown; metadata?: { name?: unknown } | null }): string {
  const name = obj.metadata?.name;
  return `${typeof obj.kind === 'string' ? obj.kind : 'object'}/${typeof name === 'string' && name ? name : '(unnamed)'}`;
}

/**
 * The fields of stored objects that kops-ts keeps but does not act on (kops's own fields, read by
 * `check.ts` as `FieldNotActedOn`), as one warning naming each: `update cluster` says it on every
 * plan, since a field that changes nothing in the cloud must not look as if it did. Nothing when
 * there are none. The objects are not changed.
 */
export function notActedOnWarning(objects: readonly KopsObject[]): Diagnostic | undefined {
  const paths = objects.flatMap((o) =>
    checkObject(structuredClone(o))
      .diagnostics.filter((d) => d.code === 'FieldNotActedOn')
      .map((d) => d.path ?? ''),
  );
  const named = paths.filter((p) => p !== '');
  if (named.length === 0) return undefined;
  return warning('FieldsNotActedOn', `the spec has ${named.length} field(s) that kops-ts does not act on, kept as they are (docs/spec.md lists the fields it acts on): ${named.join(', ')}`);
}

/** Checks one parsed object: apiVersion, kind, required fields, and every field against the schema. */
export function checkObject(value: unknown, file?: string): { object?: KopsObject; validatable?: KopsObject; diagnostics: Diagnostic[] } {
  const at = file ? { file } : {};
  if (!isRecord(value)) {
    return { diagnostics: [error('InvalidManifest', `expected a kops object (a YAML mapping), got ${describeValue(value)}`, { ...at, hint: 'each document (or item of a list) must be a Cluster or an InstanceGroup' })] };
  }
  const out: Diagnostic[] = [];
  checkTypeMeta(value, at, out);
  const kind = value.kind;
  if (kind !== KIND_CLUSTER && kind !== KIND_INSTANCE_GROUP) return { diagnostics: out };
  const ctx: CheckContext = { objectPrefix: kind === KIND_INSTANCE_GROUP ? `${objectLabel(value)} ` : '', ...at };
  checkRequired(value, kind, ctx, out);
  checkValue(value, SHAPES[kind], '', ctx, out);
  const object = value as unknown as KopsObject;
  if (!hasErrors(out)) return { object, validatable: object, diagnostics: out };
  return soundForValidation(out) ? { validatable: object, diagnostics: out } : { diagnostics: out };
}

function checkTypeMeta(value: Record<string, unknown>, at: { file?: string }, out: Diagnostic[]): void {
  const { apiVersion, kind } = value;
  if (apiVersion === undefined || apiVersion === null) {
    out.push(error('MissingField', 'required field is missing', { ...at, path: 'apiVersion', hint: `set apiVersion: ${API_VERSION}` }));
  } else if (apiVersion === LEGACY_API_VERSION) {
    // kops still reads its old group name and maps it (pkg/kopscodecs); so does kops-ts.
    value.apiVersion = API_VERSION;
    out.push(
      warning('LegacyAPIVersion', `apiVersion ${LEGACY_API_VERSION} is kops's old name for ${API_VERSION}; read as such`, {
        ...at,
        path: 'apiVersion',
        hint: `write apiVersion: ${API_VERSION} (kops-ts writes it back so)`,
      }),
    );
  } else if (apiVersion !== API_VERSION) {
    out.push(
      error('UnsupportedAPIVersion', `apiVersion ${JSON.stringify(apiVersion)} is not supported`, {
        ...at,
        path: 'apiVersion',
        hint: `use ${API_VERSION}, the version kops stores (kops-ts get all <cluster> -o yaml writes it)`,
      }),
    );
  }
  if (kind === undefined || kind === null) {
    out.push(error('MissingField', 'required field is missing', { ...at, path: 'kind', hint: 'set kind: Cluster or kind: InstanceGroup' }));
  } else if (kind !== KIND_CLUSTER && kind !== KIND_INSTANCE_GROUP) {
    const other = typeof kind === 'string' && OTHER_KOPS_KINDS.includes(kind);
    out.push(
      error('UnsupportedKind', `kind ${JSON.stringify(kind)} is not supported`, {
        ...at,
        path: 'kind',
        hint: kind === 'SSHCredential' ? 'kops-ts keeps the admin SSH key in the state store: add it with create sshpublickey, remove it with delete sshpublickey; keep only Cluster and InstanceGroup objects here' : other ? 'kops-ts manages keys itself (create keypair, create sshpublickey); keep only Cluster and InstanceGroup objects here' : 'use Cluster or InstanceGroup',
      }),
    );
  }
}

/** The fields types.ts declares as required: checked here so that later code can rely on them. */
function checkRequired(value: Record<string, unknown>, kind: string, ctx: CheckContext, out: Diagnostic[]): void {
  const missing = (path: string, hint: string): void => {
    out.push(error('MissingField', 'required field is missing', { path: `${ctx.objectPrefix}${path}`, ...(ctx.file ? { file: ctx.file } : {}), hint }));
  };
  const meta = value.metadata;
  const name = isRecord(meta) ? meta.name : undefined;
  if (name === undefined || name === null || name === '') missing('metadata.name', `give the ${kind} a name`); // a wrong type is the schema's to report
  const spec = value.spec;
  if (!isRecord(spec)) {
    missing('spec', `add the ${kind}'s spec`);
    return;
  }
  if (kind === KIND_INSTANCE_GROUP) {
    if (spec.role === undefined || spec.role === null) missing('spec.role', 'set role: Master, Node or Bastion');
    return;
  }
  forEachRecord(spec.subnets, (s, i) => {
    if (s.name === undefined || s.name === null) missing(`spec.subnets[${i}].name`, 'name the subnet, e.g. after its zone');
    if (s.type === undefined || s.type === null) missing(`spec.subnets[${i}].type`, 'set type: Public, Private or Utility');
  });
  forEachRecord(spec.etcdClusters, (c, i) => {
    if (c.name === undefined || c.name === null) missing(`spec.etcdClusters[${i}].name`, 'name it main or events');
    if (c.etcdMembers === undefined || c.etcdMembers === null) missing(`spec.etcdClusters[${i}].etcdMembers`, 'add one member per control-plane instance group');
    forEachRecord(c.etcdMembers, (m, j) => {
      if (m.name === undefined || m.name === null) missing(`spec.etcdClusters[${i}].etcdMembers[${j}].name`, 'name the member after its zone letter, e.g. a');
    });
  });
}

function forEachRecord(list: unknown, fn: (r: Record<string, unknown>, i: number) => void): void {
  if (Array.isArray(list)) list.forEach((r, i) => isRecord(r) && fn(r, i));
}

/**
 * A manifest past `MAX_MANIFEST_BYTES` is refused before it is parsed, naming the field that holds
 * most of it when its layout shows one (`dominantBlock`), so that the fix is plain.
 */
export function manifestTooLarge(text: string, file?: string, limit = MAX_MANIFEST_BYTES): Diagnostic | undefined {
  // Cheap upper bound first: a UTF-8 byte count is at most three times the UTF-16 length.
  if (text.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= limit) return undefined;
  const bulk = dominantBlock(text);
  const where = bulk ? ` (${bulk.lines} of its ${bulk.totalLines} lines are here)` : '';
  const [size, max] = sizeAndLimit(bytes, limit);
  return error('ManifestTooLarge', `the manifest is ${size}, more than the ${max} kops-ts reads${where}`, {
    ...(bulk ? { path: bulk.path } : {}),
    ...(file ? { file } : {}),
    hint: `no kops spec is this large: shorten it${bulk ? ` (AWS allows 50 tags per resource; docs/spec.md, "Limits")` : ' (docs/spec.md, "Limits")'}`,
  });
}

/** A YAML problem as a diagnostic of the object it is in (`InstanceGroup/nodes spec.cloudLabels`). */
function yamlDiagnostic(p: YamlProblem, prefix: string, file?: string): Diagnostic {
  return error(p.code, p.summary, { ...(p.path ? { path: `${prefix}${p.path}` } : {}), ...(file ? { file } : {}), hint: p.hint });
}

/** `InstanceGroup/<name> ` for an instance group's document, read from the YAML tree (not the whole value). */
function documentPrefix(doc: Document.Parsed): string {
  const kind: unknown = doc.get('kind');
  if (kind !== KIND_INSTANCE_GROUP) return '';
  const name: unknown = doc.getIn(['metadata', 'name']);
  return `InstanceGroup/${typeof name === 'string' && name ? name : '(unnamed)'} `;
}

/**
 * Parses a multi-document manifest (`---` separated); a document may also be a list of objects (a
 * JSON array). Objects with errors are left out of `objects`; those whose errors are only unknown
 * or removed fields are still in `validatable`.
 */
export function parseManifests(text: string, file?: string): ParseResult {
  const objects: KopsObject[] = [];
  const validatable: KopsObject[] = [];
  const diagnostics: Diagnostic[] = [];
  const at = file ? { file } : {};
  const tooLarge = manifestTooLarge(text, file);
  if (tooLarge) return { objects, validatable, diagnostics: [tooLarge] };
  for (const doc of parseKopsYamlDocuments(text)) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) diagnostics.push(error('InvalidYAML', yamlErrorMessage(e.message), { ...at, hint: 'fix the YAML syntax' }));
      continue;
    }
    const shape = yamlShapeProblems(doc);
    if (shape.length > 0) {
      const prefix = documentPrefix(doc);
      diagnostics.push(...shape.map((p) => yamlDiagnostic(p, prefix, file)));
      continue;
    }
    let value: unknown;
    try {
      value = kopsDocumentValue(doc);
    } catch (e) {
      if (!(e instanceof YamlError)) throw e;
      diagnostics.push(yamlDiagnostic(e.problem, documentPrefix(doc), file));
      continue;
    }
    if (value === null || value === undefined) continue; // an empty document, e.g. after a trailing ---
    // A JSON array of objects (what `get all -o json` and `get clusters -o json` print): each item
    // is one object, its problems named by its index.
    const items = Array.isArray(value) ? value.map((v, i) => ({ v, label: `[${i}]` })) : [{ v: value, label: undefined }];
    for (const { v, label } of items) {
      const r = checkObject(v, file);
      diagnostics.push(...(label === undefined ? r.diagnostics : r.diagnostics.map((d) => ({ ...d, path: d.path ? `${label} ${d.path}` : label }))));
      if (r.object) objects.push(r.object);
      if (r.validatable) validatable.push(r.validatable);
    }
  }
  if (objects.length === 0 && !hasErrors(diagnostics)) {
    diagnostics.push(error('EmptyManifest', 'no Cluster or InstanceGroup found', { ...at, hint: 'the file must hold kops objects separated by ---' }));
  }
  return { objects, validatable, diagnostics };
}
