/**
 * Manifests in, checked objects out: multi-document YAML as kops reads and writes it, every
 * problem collected (YAML syntax with its line, apiVersion/kind, unknown fields, types).
 */
import { error, hasErrors, type Diagnostic } from '../../diagnostics.js';
import { checkValue } from './check.js';
import { CLUSTER_SPEC, INSTANCE_GROUP_SPEC, OBJECT_ROOT } from './schema.js';
import { API_VERSION, KIND_CLUSTER, KIND_INSTANCE_GROUP, type KopsObject } from './types.js';
import { parseKopsYamlDocuments } from './yaml.js';

export interface ParseResult {
  readonly objects: KopsObject[];
  readonly diagnostics: Diagnostic[];
}

const ROOTS = { [KIND_CLUSTER]: OBJECT_ROOT(CLUSTER_SPEC), [KIND_INSTANCE_GROUP]: OBJECT_ROOT(INSTANCE_GROUP_SPEC) } as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A label for an object in diagnostics: `Cluster/x` or `InstanceGroup/nodes`. */
export function objectLabel(obj: { kind?: unknown; metadata?: { name?: unknown } }): string {
  return `${String(obj.kind ?? 'object')}/${String(obj.metadata?.name ?? '(unnamed)')}`;
}

/** Checks one parsed object: apiVersion, kind, name, and every field against the schema. */
export function checkObject(value: unknown, file?: string): { object?: KopsObject; diagnostics: Diagnostic[] } {
  const at = file ? { file } : {};
  if (!isRecord(value)) return { diagnostics: [error('InvalidManifest', 'expected a YAML mapping (a kops object)', at)] };
  const out: Diagnostic[] = [];
  const kind = value.kind;
  if (value.apiVersion !== API_VERSION) {
    out.push(
      error('UnsupportedAPIVersion', `apiVersion ${JSON.stringify(value.apiVersion ?? null)} is not supported`, {
        ...at,
        path: 'apiVersion',
        hint: `use ${API_VERSION}, the version kops stores`,
      }),
    );
  }
  if (kind !== KIND_CLUSTER && kind !== KIND_INSTANCE_GROUP) {
    out.push(error('UnsupportedKind', `kind ${JSON.stringify(kind ?? null)} is not supported`, { ...at, path: 'kind', hint: 'use Cluster or InstanceGroup' }));
    return { diagnostics: out };
  }
  const meta = value.metadata;
  if (!isRecord(meta) || typeof meta.name !== 'string' || meta.name === '') {
    out.push(error('MissingName', `${kind} has no metadata.name`, { ...at, path: 'metadata.name', hint: 'give the object a name' }));
  }
  if (!isRecord(value.spec)) {
    out.push(error('MissingSpec', `${kind} has no spec`, { ...at, path: 'spec', hint: 'add a spec mapping' }));
  }
  const prefix = kind === KIND_INSTANCE_GROUP ? `${objectLabel(value as { kind: string })} ` : '';
  checkValue(value, ROOTS[kind], '', { objectPrefix: prefix, ...at }, out);
  return hasErrors(out) ? { diagnostics: out } : { object: value as unknown as KopsObject, diagnostics: out };
}

/** Parses a multi-document manifest (`---` separated). Objects with errors are left out. */
export function parseManifests(text: string, file?: string): ParseResult {
  const objects: KopsObject[] = [];
  const diagnostics: Diagnostic[] = [];
  const at = file ? { file } : {};
  for (const doc of parseKopsYamlDocuments(text)) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0];
        const message = e.message.split('\n')[0] ?? 'invalid YAML';
        const where = pos && !/at line \d+/.test(message) ? ` at line ${pos.line}, column ${pos.col}` : '';
        diagnostics.push(error('InvalidYAML', `${message}${where}`, { ...at, hint: 'fix the YAML syntax' }));
      }
      continue;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue; // an empty document
    const r = checkObject(value, file);
    diagnostics.push(...r.diagnostics);
    if (r.object) objects.push(r.object);
  }
  if (objects.length === 0 && !hasErrors(diagnostics)) {
    diagnostics.push(error('EmptyManifest', 'no Cluster or InstanceGroup found', { ...at, hint: 'the file must hold kops objects separated by ---' }));
  }
  return { objects, diagnostics };
}
