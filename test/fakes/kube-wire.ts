/**
 * The fake Kubernetes API server's wire helpers (test/fakes/kube-apiserver.ts): the JSON objects,
 * the apiserver's `Status` answers (`kind: Status`, `reason`, `code`, `details`), lists paged with
 * `limit`/`continue` as the apiserver pages them, and the `labelSelector` / `fieldSelector` query
 * parameters every list path (`GET /api/v1/nodes`, `/api/v1/pods`, …) takes.
 */
import type { ServerResponse } from 'node:http';

// Objects (JSON as the API server sends them; only the fields the fake and kops-ts use)

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** A handler's answer: the HTTP status code and the body to send. */
export type Answer = { code: number; body: Json };

export function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(o: JsonObject, k: string): JsonObject {
  const v = o[k];
  if (isObject(v)) return v;
  const n: JsonObject = {};
  o[k] = n;
  return n;
}

export function str(v: Json | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** A list, paged as the apiserver pages it when the client sends `limit` (and `continue`). */
export function list(kind: string, items: JsonObject[], q?: URLSearchParams): JsonObject {
  const apiVersion = kind.startsWith('PodDisruption') ? 'policy/v1' : 'v1';
  const limit = Number(q?.get('limit') ?? 0);
  if (!limit) return { apiVersion, kind, metadata: { resourceVersion: '1' }, items };
  const from = q?.get('continue') ? Number(Buffer.from(q.get('continue') ?? '', 'base64url').toString('utf8')) : 0;
  const page = items.slice(from, from + limit);
  const metadata: JsonObject = { resourceVersion: '1' };
  if (from + limit < items.length) {
    metadata['continue'] = Buffer.from(String(from + limit), 'utf8').toString('base64url');
    metadata['remainingItemCount'] = items.length - from - limit;
  }
  return { apiVersion, kind, metadata, items: page };
}

function labelsOf(o: JsonObject): Record<string, Json> {
  return (obj(o, 'metadata')['labels'] ?? {}) as Record<string, Json>;
}

/** labelSelector (`k=v`, `k!=v`, `k`, `!k`) and fieldSelector (`spec.nodeName`, `metadata.name`, `metadata.namespace`). */
export function filter(items: JsonObject[], q: URLSearchParams): JsonObject[] {
  let out = items;
  const ls = q.get('labelSelector');
  if (ls) {
    for (const term of ls.split(',').map((t) => t.trim()).filter(Boolean)) {
      const ne = term.match(/^([^!=]+)!=(.*)$/);
      const eq = term.match(/^([^!=]+)==?(.*)$/);
      if (ne) out = out.filter((o) => labelsOf(o)[ne[1] ?? ''] !== ne[2]);
      else if (eq) out = out.filter((o) => labelsOf(o)[eq[1] ?? ''] === eq[2]);
      else if (term.startsWith('!')) out = out.filter((o) => !(term.slice(1) in labelsOf(o)));
      else out = out.filter((o) => term in labelsOf(o));
    }
  }
  const fs = q.get('fieldSelector');
  if (fs) {
    for (const term of fs.split(',')) {
      const m = term.match(/^([^!=]+)(!=|==?)(.*)$/);
      if (!m) continue;
      const [, field, op, value] = m;
      const get = (o: JsonObject): Json | undefined => {
        const [a, b] = (field ?? '').split('.');
        return obj(o, a ?? '')[b ?? ''];
      };
      out = out.filter((o) => ((get(o) ?? '') === value) === (op !== '!='));
    }
  }
  return out;
}

export function status(code: number, reason: string, message: string, st: 'Failure' | 'Success' = 'Failure', details?: JsonObject): JsonObject {
  const s: JsonObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: st, code };
  if (message) s['message'] = message;
  if (reason) s['reason'] = reason;
  if (details) s['details'] = details;
  return s;
}

/** A POST body as the object it must be, or the apiserver's 400 for what it is instead. */
export function parseObject(body: string): { readonly object: JsonObject } | { readonly answer: Answer } {
  let o: Json;
  try {
    o = JSON.parse(body) as Json;
  } catch {
    return { answer: { code: 400, body: status(400, 'BadRequest', 'the object provided is not valid JSON') } };
  }
  if (!isObject(o)) return { answer: { code: 400, body: status(400, 'BadRequest', 'the object provided is not a JSON object') } };
  return { object: o };
}

export function notFound(kind: string, name: string): Answer {
  return { code: 404, body: status(404, 'NotFound', `${kind} "${name}" not found`, 'Failure', { name, kind }) };
}

export function ok(body: Json): Answer {
  return { code: 200, body };
}

export function send(res: ServerResponse, code: number, body: Json): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' });
  res.end(text);
}
