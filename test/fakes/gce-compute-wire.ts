/**
 * The fake Compute API's wire format (test/fakes/gce-compute.ts), shared by its resource modules:
 * the request record and fault types, Google's error JSON (`{error:{code,message,errors:[{message,
 * domain,reason}]}}` from an `HttpError`), the 404 for a URL the API does not serve, the checks
 * every insert/patch makes (unknown fields, label syntax, required fields), fingerprints, and
 * reading/writing JSON bodies.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Json = Record<string, unknown>;

export interface GceCall {
  readonly method: string;
  /** The path without the query. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body?: Json;
}

export interface GceFault {
  readonly status: number;
  readonly reason: string;
  readonly message?: string;
}

/** A fault hook: the next `times` calls `match` accepts get `fault`. */
export interface FaultRule {
  match: (c: GceCall) => boolean;
  fault: GceFault;
  times: number;
}

/** An error answered in Google's JSON shape with this HTTP status and `errors[0].reason`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export const NAME_RE = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_RE = /^[a-z0-9_-]{0,63}$/;

export function takeFault(list: FaultRule[], call: GceCall): GceFault | undefined {
  const f = list.find((x) => x.times > 0 && x.match(call));
  if (!f) return undefined;
  f.times--;
  return f.fault;
}

/**
 * Fields the fake does not model are refused with the API's "Unknown name" 400, so a kind that
 * starts sending one fails loudly here. The client sends every repeated field (as `[]`) and some
 * empty messages: those carry nothing and are accepted.
 */
export function checkFields(body: Json, fields: readonly string[], extra: readonly string[]): void {
  for (const [k, v] of Object.entries(body)) {
    if (k === 'name' || k === 'description' || k === 'kind' || extra.includes(k) || fields.includes(k)) continue;
    if (v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) continue;
    throw new HttpError(400, 'invalid', `Invalid JSON payload received. Unknown name "${k}" at 'resource': Cannot find field.`);
  }
}

/** An insert body's required field (Compute's 400 `required` when missing or empty). */
export function need(body: Json, field: string): unknown {
  if (body[field] === undefined || body[field] === '') throw new HttpError(400, 'required', `Required field 'resource.${field}' not specified`);
  return body[field];
}

export function notFoundUrl(call: GceCall): HttpError {
  return new HttpError(404, 'notFound', `The requested URL ${call.method} ${call.path} was not found on this server.`);
}

export function checkLabels(labels: unknown): void {
  if (labels === undefined) return;
  if (typeof labels !== 'object' || labels === null) throw new HttpError(400, 'invalid', "Invalid value for field 'labels'");
  for (const [k, v] of Object.entries(labels)) {
    if (!/^[a-z]/.test(k) || !LABEL_RE.test(k) || typeof v !== 'string' || !LABEL_RE.test(v)) {
      throw new HttpError(400, 'invalid', `Invalid value for field 'labels': '${k}=${String(v)}'. Label keys and values must match [a-z0-9_-]{0,63}, keys starting with a letter.`);
    }
  }
}

export function fingerprint(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v ?? {})).digest('base64').slice(0, 11) + '=';
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function send(res: ServerResponse, status: number, body: Json): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
