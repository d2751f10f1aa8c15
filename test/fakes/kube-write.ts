/**
 * Writes as the fake Kubernetes API server (test/fakes/kube-apiserver.ts) answers them, for the
 * resources that take them:
 *
 *  - `POST` of a new object (`/api/v1/nodes`, `/api/v1/namespaces/{ns}/pods`): 201 with the stored
 *    object, 400 BadRequest for a body that is not a JSON object, 422 Invalid without a name,
 *    409 AlreadyExists when the name is taken
 *  - `PATCH` (`/api/v1/nodes/{name}`) by content type: `application/json-patch+json` (RFC 6902),
 *    `application/merge-patch+json` (RFC 7386) and `application/strategic-merge-patch+json` (maps
 *    merge, lists replace, null deletes: enough for the fields kops-ts patches), with the 409
 *    Conflict of a stale `metadata.resourceVersion` and the 415 of any other content type
 */
import type { KubeStore } from './kube-store.js';
import { isObject, obj, ok, parseObject, status, str, type Answer, type Json, type JsonObject } from './kube-wire.js';

/** POST of a new object: 201 with the stored object, 409 AlreadyExists when the name is taken. */
export function create(s: KubeStore, kind: string, body: string, namespace: string | null, save: (name: string, o: JsonObject) => boolean): Answer {
  const parsed = parseObject(body);
  if ('answer' in parsed) return parsed.answer;
  const o = parsed.object;
  const meta = obj(o, 'metadata');
  const name = str(meta['name']);
  if (!name) return { code: 422, body: status(422, 'Invalid', `${kind} "" is invalid: metadata.name: Required value: name or generateName is required`) };
  if (namespace !== null) meta['namespace'] = namespace;
  meta['uid'] = s.uid();
  meta['resourceVersion'] = s.nextRv();
  if (!save(name, o)) return { code: 409, body: status(409, 'AlreadyExists', `${kind} "${name}" already exists`, 'Failure', { name, kind }) };
  return { code: 201, body: o };
}

export function patch(s: KubeStore, kind: string, name: string, current: JsonObject, body: string, ct: string, save: (o: JsonObject) => void): Answer {
  let patch: Json;
  try {
    patch = JSON.parse(body) as Json;
  } catch {
    return { code: 400, body: status(400, 'BadRequest', `error decoding patch: invalid JSON`) };
  }
  const type = ct.split(';')[0]?.trim();
  let next: Json;
  if (type === 'application/json-patch+json') {
    if (!Array.isArray(patch)) return { code: 400, body: status(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch') };
    try {
      next = applyJsonPatch(structuredClone(current), patch);
    } catch (e) {
      return { code: 422, body: status(422, 'Invalid', (e as Error).message) };
    }
  } else if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') {
    if (!isObject(patch)) return { code: 400, body: status(400, 'BadRequest', 'patch must be a JSON object') };
    const want = isObject(patch['metadata']) ? patch['metadata']['resourceVersion'] : undefined;
    if (typeof want === 'string' && want !== obj(current, 'metadata')['resourceVersion']) {
      return { code: 409, body: status(409, 'Conflict', `Operation cannot be fulfilled on ${kind} "${name}": the object has been modified; please apply your changes to the latest version and try again`, 'Failure', { name, kind }) };
    }
    next = mergePatch(structuredClone(current), patch);
  } else {
    return { code: 415, body: status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`) };
  }
  if (!isObject(next)) return { code: 422, body: status(422, 'Invalid', 'patch produced a non-object') };
  s.touch(next);
  save(next);
  return ok(next);
}

/** RFC 7386 (and strategic merge for the fields kops-ts patches: maps merge, lists replace, null deletes). */
function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

function applyJsonPatch(doc: JsonObject, ops: Json[]): JsonObject {
  for (const op of ops) {
    if (!isObject(op) || typeof op['op'] !== 'string' || typeof op['path'] !== 'string') throw new Error('invalid JSON patch operation');
    const parts = op['path'].split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    if (last === undefined) throw new Error('the root cannot be patched');
    let parent: Json = doc;
    for (const k of parts) {
      const next: Json | undefined = Array.isArray(parent) ? parent[Number(k)] : isObject(parent) ? parent[k] : undefined;
      if (next === undefined) throw new Error(`doc is missing path: ${op['path']}`);
      parent = next;
    }
    const value = op['value'] ?? null;
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (op['op'] === 'add') parent.splice(i, 0, value);
      else if (op['op'] === 'remove') parent.splice(i, 1);
      else if (op['op'] === 'replace') parent[i] = value;
      else if (op['op'] === 'test') {
        if (JSON.stringify(parent[i]) !== JSON.stringify(value)) throw new Error(`testing value ${op['path']} failed`);
      } else throw new Error(`unsupported op ${op['op']}`);
    } else if (isObject(parent)) {
      if (op['op'] === 'add' || op['op'] === 'replace') {
        if (op['op'] === 'replace' && !(last in parent)) throw new Error(`replace operation does not apply: doc is missing key: ${op['path']}`);
        parent[last] = value;
      } else if (op['op'] === 'remove') {
        if (!(last in parent)) throw new Error(`remove operation does not apply: doc is missing path: ${op['path']}`);
        delete parent[last];
      } else if (op['op'] === 'test') {
        if (JSON.stringify(parent[last]) !== JSON.stringify(value)) throw new Error(`testing value ${op['path']} failed`);
      } else throw new Error(`unsupported op ${op['op']}`);
    } else throw new Error(`doc is missing path: ${op['path']}`);
  }
  return doc;
}
