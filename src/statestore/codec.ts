/**
 * Decoding and encoding of the objects in the state store (the YAML rules are kops's: see
 * src/model/api/yaml.ts).
 *
 * Objects are not validated here (only a spec of the wrong shape is refused) and never rebuilt:
 * every field, known or not, round-trips, and
 * keys are written in the object's own order.
 */
import { checkObject } from '../model/api/parse.js';
import { KopsError } from '../diagnostics.js';
import { MAX_STORED_OBJECT_BYTES, sizeAndLimit } from '../model/api/limits.js';
import { YamlError, parseKopsYaml, stringifyKopsYaml } from '../model/api/yaml.js';
import { objectURL } from './errors.js';

export { parseKopsYaml, stringifyKopsYaml };

/**
 * Decodes a stored object that must be a YAML mapping with a `metadata` mapping. An object past
 * `MAX_STORED_OBJECT_BYTES`, or whose YAML is past the limits of `model/api/limits.ts`, is refused
 * before it is parsed (or walked further), so one hostile object cannot stall every command.
 */
export function decodeObject<T>(storeURL: string, path: string, data: Uint8Array): T {
  if (data.byteLength > MAX_STORED_OBJECT_BYTES) {
    const [size, max] = sizeAndLimit(data.byteLength, MAX_STORED_OBJECT_BYTES);
    throw invalidObject(storeURL, path, `it is ${size}, more than the ${max} kops-ts reads of one object`);
  }
  let value: unknown;
  try {
    value = parseKopsYaml(new TextDecoder().decode(data));
  } catch (e) {
    const why = e instanceof YamlError ? e.message : e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw invalidObject(storeURL, path, `it is not valid YAML (${why})`, e);
  }
  if (!isRecord(value)) throw invalidObject(storeURL, path, 'it is not a YAML mapping');
  if (value.metadata === undefined || value.metadata === null) value.metadata = {};
  if (!isRecord(value.metadata)) throw invalidObject(storeURL, path, 'its metadata is not a mapping');
  return value as T;
}

/**
 * A Cluster or InstanceGroup (or a completed spec): `decodeObject`, and its `spec` a mapping, so a
 * truncated or hand-broken object is refused here, naming its path, rather than failing later on a
 * field of a spec that is not there.
 */
export function decodeSpecObject<T>(storeURL: string, path: string, data: Uint8Array): T {
  const value = decodeObject<Record<string, unknown>>(storeURL, path, data);
  if (value.spec === undefined || value.spec === null) throw invalidObject(storeURL, path, 'it has no spec (cut short?)');
  if (!isRecord(value.spec)) throw invalidObject(storeURL, path, 'its spec is not a mapping');
  // A value of the wrong shape (a string where kops has an object) would crash whatever reads the
  // field; what is only unknown or out of range is left to validation, which names it.
  const wrong = checkObject(value).diagnostics.find((d) => d.code === 'InvalidFieldType');
  if (wrong) throw invalidObject(storeURL, path, `${wrong.path ?? 'a field'}: ${wrong.summary}`);
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
    hint: repairHint(path),
    ...(cause !== undefined ? { cause } : {}),
  });
}

/**
 * What to do about an unreadable stored spec, naming commands that exist (test/cli/hints.test.ts
 * runs them): list the kept versions, roll back to one, or replace the object whole.
 */
export function repairHint(path: string): string {
  const parts = path.split('/');
  const cluster = parts[0] ?? '<cluster>';
  if (parts.length === 2 && parts[1] === 'config') {
    return `list its earlier versions with 'kops-ts get cluster ${cluster} --history' and restore one with 'kops-ts rollback cluster ${cluster} --to <version>', or replace it whole with 'kops-ts replace -f <file> --force'`;
  }
  if (parts.length === 3 && parts[1] === 'instancegroup') {
    const ig = parts[2]!;
    return `list its earlier versions with 'kops-ts get instancegroup ${ig} --name ${cluster} --history' and restore one with 'kops-ts rollback instancegroup ${ig} --name ${cluster} --to <version>', or replace it whole with 'kops-ts replace -f <file> --force'`;
  }
  return 'fix or remove the object in the state store';
}
