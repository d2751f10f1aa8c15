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
import { parse, parseAllDocuments, stringify, type Document, type Tags } from 'yaml';

const DROPPED = ['binary', 'omap', 'pairs', 'set', 'timestamp'];
const DROPPED_TAGS = new Set(DROPPED.map((t) => `tag:yaml.org,2002:${t}`));
const DROPPED_NAMES = new Set([...DROPPED, 'intTime', 'floatTime']);

function kopsTags(tags: Tags): Tags {
  return tags.filter((t) => (typeof t === 'string' ? !DROPPED_NAMES.has(t) : !DROPPED_TAGS.has(t.tag) && t.format !== 'TIME'));
}

/** Reading options: YAML 1.1 scalars as go-yaml v2 resolves them. */
export const KOPS_YAML_OPTIONS = { version: '1.1', customTags: kopsTags } as const;

/** Writing options: the full YAML 1.1 schema, so that anything ambiguous is quoted. */
const WRITE_OPTIONS = { version: '1.1', lineWidth: 0, indentSeq: false } as const;

/** Parses one YAML document the way kops does; throws on malformed YAML. */
export function parseKopsYaml(text: string): unknown {
  return parse(text, KOPS_YAML_OPTIONS);
}

/** Every document of a multi-document stream, with its errors (line and column) kept. */
export function parseKopsYamlDocuments(text: string): Document.Parsed[] {
  return parseAllDocuments(text, KOPS_YAML_OPTIONS) as Document.Parsed[];
}

/** Writes `value` as YAML that kops reads back identically, in go-yaml's layout. */
export function stringifyKopsYaml(value: unknown): string {
  return stringify(value, WRITE_OPTIONS);
}
