/**
 * YAML read and written the way kops does.
 *
 * kops decodes with sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 scalars): `yes`/`no`/`on`/`off`/`y`/`n`
 * are booleans and `0755` is octal. So we parse with YAML 1.1 scalar rules too, minus what go-yaml
 * does not do (base-60 numbers, `!!binary`, `!!set`, ...) and minus timestamps, which stay strings
 * as they do in kops's JSON view. Writing quotes every string that any YAML 1.1 reader could take
 * for something else (`"yes"`, `"0755"`, `"2017-01-01T00:00:00Z"`, `"10:30"`), so kops reads back
 * exactly what we meant, and lays lists out as go-yaml does (flush with their key, no folding).
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, stringify, type Document, type Node, type Tags } from 'yaml';
import { MAX_ALIAS_COUNT, MAX_DEPTH, MAX_LIST_ITEMS, MAX_MAP_KEYS, childPath } from './limits.js';

const DROPPED = ['binary', 'omap', 'pairs', 'set', 'timestamp'];
const DROPPED_TAGS = new Set(DROPPED.map((t) => `tag:yaml.org,2002:${t}`));
const DROPPED_NAMES = new Set([...DROPPED, 'intTime', 'floatTime']);

function kopsTags(tags: Tags): Tags {
  return tags.filter((t) => (typeof t === 'string' ? !DROPPED_NAMES.has(t) : !DROPPED_TAGS.has(t.tag) && t.format !== 'TIME'));
}

/**
 * Reading options: YAML 1.1 scalars as go-yaml v2 resolves them. The parser's own duplicate-key
 * check compares every key with every other (quadratic: minutes for a map of 100,000 keys), so it
 * is off and `yamlShapeProblems` checks duplicates with a set, in linear time.
 */
export const KOPS_YAML_OPTIONS = { version: '1.1', customTags: kopsTags, uniqueKeys: false } as const;

/** Writing options: the full YAML 1.1 schema, so that anything ambiguous is quoted. */
const WRITE_OPTIONS = { version: '1.1', lineWidth: 0, indentSeq: false } as const;

/** A problem with the YAML itself: malformed, duplicate keys, or past a limit of `limits.ts`. */
export interface YamlProblem {
  readonly code: 'InvalidYAML' | 'DuplicateKey' | 'TooManyKeys' | 'TooManyItems' | 'TooDeep' | 'TooManyAliases';
  readonly summary: string;
  /** Spec path inside the document, e.g. `spec.cloudLabels` (none for a syntax error). */
  readonly path?: string;
  readonly hint: string;
}

/** Thrown by `parseKopsYaml`: the first problem of the text. */
export class YamlError extends Error {
  constructor(readonly problem: YamlProblem) {
    super(`${problem.path ? `${problem.path}: ` : ''}${problem.summary}`);
    this.name = 'YamlError';
  }
}

/**
 * Parses one YAML document the way kops does, within the limits (keys, items, depth, aliases);
 * throws a `YamlError` on malformed YAML or past a limit.
 */
export function parseKopsYaml(text: string): unknown {
  const docs = parseKopsYamlDocuments(text);
  if (docs.length > 1) throw new YamlError({ code: 'InvalidYAML', summary: 'expected one YAML document, found several (---)', hint: 'keep one object' });
  const doc = docs[0];
  if (!doc) return null;
  const first = doc.errors[0];
  if (first) throw new YamlError({ code: 'InvalidYAML', summary: yamlErrorMessage(first.message), hint: 'fix the YAML syntax' });
  const shape = yamlShapeProblems(doc);
  if (shape[0]) throw new YamlError(shape[0]);
  return kopsDocumentValue(doc);
}

/** The first line of a YAML parser message, which already says where (`at line 4, column 1`). */
export function yamlErrorMessage(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/:\s*$/, '');
}

/** Every document of a multi-document stream, with its errors (line and column) kept. */
export function parseKopsYamlDocuments(text: string): Document.Parsed[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { ...KOPS_YAML_OPTIONS, lineCounter }) as Document.Parsed[];
  for (const d of docs) lines.set(d, lineCounter);
  return docs;
}

const lines = new WeakMap<object, LineCounter>();

/**
 * The document's value as plain data, with at most `MAX_ALIAS_COUNT` alias expansions: a YAML
 * alias bomb is a `YamlError` (`TooManyAliases`), not minutes of work or an out-of-memory crash.
 */
export function kopsDocumentValue(doc: Document.Parsed): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      throw new YamlError({
        code: 'TooManyAliases',
        summary: `its aliases expand more than ${MAX_ALIAS_COUNT} times (a YAML alias bomb?)`,
        hint: 'write the values out instead of nesting aliases; kops specs need none',
      });
    }
    throw e;
  }
}

/**
 * Duplicate keys, and maps, lists and nesting past the limits, found in one linear walk of the
 * parsed document (aliases are not followed: their expansion is bounded by `kopsDocumentValue`).
 * A collection past a limit is not walked further, so the cost stays linear in the text.
 */
export function yamlShapeProblems(doc: Document.Parsed): YamlProblem[] {
  const out: YamlProblem[] = [];
  const lc = lines.get(doc);
  const at = (node: Node | null | undefined): string => {
    const offset = node?.range?.[0];
    if (offset === undefined || !lc) return '';
    const p = lc.linePos(offset);
    return ` at line ${p.line}, column ${p.col}`;
  };
  const stack: { node: unknown; path: string; depth: number }[] = [{ node: doc.contents, path: '', depth: 0 }];
  while (stack.length > 0 && out.length < 20) {
    const { node, path, depth } = stack.pop()!;
    if (isAlias(node) || !(isMap(node) || isSeq(node))) continue;
    const where = path || '(the document)';
    if (depth >= MAX_DEPTH) {
      out.push({ code: 'TooDeep', summary: `nested more than ${MAX_DEPTH} levels deep${at(node)}`, path: where, hint: 'flatten it: no kops field is nested this deep' });
      continue;
    }
    if (isSeq(node)) {
      if (node.items.length > MAX_LIST_ITEMS) {
        out.push({ code: 'TooManyItems', summary: `a list of ${node.items.length} items, more than the ${MAX_LIST_ITEMS} kops-ts reads${at(node)}`, path: where, hint: `keep at most ${MAX_LIST_ITEMS} items (docs/spec.md, "Limits")` });
        continue;
      }
      node.items.forEach((item, i) => stack.push({ node: item, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    if (node.items.length > MAX_MAP_KEYS) {
      out.push({ code: 'TooManyKeys', summary: `a map of ${node.items.length} keys, more than the ${MAX_MAP_KEYS} kops-ts reads${at(node)}`, path: where, hint: `keep at most ${MAX_MAP_KEYS} keys (docs/spec.md, "Limits"; AWS allows 50 tags per resource)` });
      continue;
    }
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      const keyText = key === undefined || key === null ? '' : String(key);
      if (isScalar(pair.key) && key !== '<<') {
        if (seen.has(key)) out.push({ code: 'DuplicateKey', summary: `the key ${JSON.stringify(keyText)} is given twice${at(pair.key)}`, path: where, hint: 'keep one of them: YAML map keys must be unique' });
        seen.add(key);
      }
      stack.push({ node: pair.value, path: keyText ? childPath(path, keyText) : path, depth: depth + 1 });
    }
  }
  return out;
}

/** Writes `value` as YAML that kops reads back identically, in go-yaml's layout. */
export function stringifyKopsYaml(value: unknown): string {
  return stringify(value, WRITE_OPTIONS);
}
