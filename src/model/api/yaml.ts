/**
 * YAML read and written the way kops does.
 *
 * kops decodes with sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 scalars): `yes`/`no`/`on`/`off`/`y`/`n`
 * are booleans and `0755` is octal. So we parse with YAML 1.1 scalar rules too, minus what go-yaml
 * does not do (base-60 numbers, `!!binary`, `!!set`, ...) and minus timestamps, which stay strings
 * as they do in kops's JSON view. Writing uses the same rules, so a string such as `"yes"` or
 * `"0755"` is quoted and kops reads back exactly what we meant.
 */
import { parse, parseAllDocuments, stringify, type Document, type Tags } from 'yaml';

const DROPPED = ['binary', 'omap', 'pairs', 'set', 'timestamp'];
const DROPPED_TAGS = new Set(DROPPED.map((t) => `tag:yaml.org,2002:${t}`));
const DROPPED_NAMES = new Set([...DROPPED, 'intTime', 'floatTime']);

function kopsTags(tags: Tags): Tags {
  return tags.filter((t) => (typeof t === 'string' ? !DROPPED_NAMES.has(t) : !DROPPED_TAGS.has(t.tag) && t.format !== 'TIME'));
}

export const KOPS_YAML_OPTIONS = { version: '1.1', customTags: kopsTags } as const;

/** Parses one YAML document the way kops does; throws on malformed YAML. */
export function parseKopsYaml(text: string): unknown {
  return parse(text, KOPS_YAML_OPTIONS);
}

/** Every document of a multi-document stream, with its errors (line and column) kept. */
export function parseKopsYamlDocuments(text: string): Document.Parsed[] {
  return parseAllDocuments(text, KOPS_YAML_OPTIONS) as Document.Parsed[];
}

/** Writes `value` as YAML kops reads back identically, in go-yaml's layout (no folding, flush lists). */
export function stringifyKopsYaml(value: unknown): string {
  return stringify(value, { ...KOPS_YAML_OPTIONS, lineWidth: 0, indentSeq: false });
}
