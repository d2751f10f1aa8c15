/**
 * YAML for the objects in the state store, read the way kops reads them.
 *
 * kops decodes with sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 scalars): `yes`/`no`/`on`/`off`/`y`/`n`
 * are booleans and `0755` is octal. So we parse with YAML 1.1 scalar rules too, minus what go-yaml
 * does not do (base-60 numbers, `!!binary`, `!!set`, ...) and minus timestamps, which stay strings
 * as they do in kops's JSON view. Writing uses the same rules, so a string such as `"yes"` or
 * `"0755"` is quoted and kops reads back exactly what we meant.
 *
 * Objects are not validated here and never rebuilt: every field, known or not, round-trips, and
 * keys are written in the object's own order.
 */
import { parse, stringify, type Tags } from 'yaml';
import { KopsError } from '../diagnostics.js';
import { objectURL } from './errors.js';

const DROPPED = ['binary', 'omap', 'pairs', 'set', 'timestamp'];
const DROPPED_TAGS = new Set(DROPPED.map((t) => `tag:yaml.org,2002:${t}`));
const DROPPED_NAMES = new Set([...DROPPED, 'intTime', 'floatTime']);

function kopsTags(tags: Tags): Tags {
  return tags.filter((t) => (typeof t === 'string' ? !DROPPED_NAMES.has(t) : !DROPPED_TAGS.has(t.tag) && t.format !== 'TIME'));
}

const OPTIONS = { version: '1.1', customTags: kopsTags } as const;

/** Parses one YAML document the way kops does; throws on malformed YAML. */
export function parseKopsYaml(text: string): unknown {
  return parse(text, OPTIONS);
}

/** Writes `value` as YAML kops reads back identically, in go-yaml's layout (no folding, flush lists). */
export function stringifyKopsYaml(value: unknown): string {
  return stringify(value, { ...OPTIONS, lineWidth: 0, indentSeq: false });
}

/** Decodes a stored object that must be a YAML mapping with a `metadata` mapping. */
export function decodeObject<T>(storeURL: string, path: string, data: Uint8Array): T {
  let value: unknown;
  try {
    value = parseKopsYaml(new TextDecoder().decode(data));
  } catch (e) {
    throw invalidObject(storeURL, path, `it is not valid YAML (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`, e);
  }
  if (!isRecord(value)) throw invalidObject(storeURL, path, 'it is not a YAML mapping');
  if (value.metadata === undefined || value.metadata === null) value.metadata = {};
  if (!isRecord(value.metadata)) throw invalidObject(storeURL, path, 'its metadata is not a mapping');
  return value as T;
}

export function encodeObject(value: unknown): string {
  return stringifyKopsYaml(value);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality of plain data, ignoring key order (what "the spec changed" means). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

function invalidObject(storeURL: string, path: string, why: string, cause?: unknown): KopsError {
  const file = objectURL(storeURL, path);
  return new KopsError('InvalidStateObject', `${file}: ${why}`, {
    hint: 'fix the object in the state store, or restore a previous version from its history',
    ...(cause !== undefined ? { cause } : {}),
  });
}
