/**
 * The fake GCS's wire helpers (test/fakes/gcs.ts): JSON answers, request bodies, `multipart/related`
 * uploads, and the hashes GCS reports (MD5 and CRC-32C, base64).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeGcsObject } from './gcs.js';
import { GcsHttpError as HttpError } from './gcs-iam.js';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface Part {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** `multipart/related; boundary=X`: the parts between `--X` lines, each headers + blank line + body. */
export function parseMultipart(body: Buffer, contentType: string): Part[] {
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!/^multipart\/related/i.test(contentType) || !m) throw new HttpError(400, 'invalid', `Expected multipart/related, got ${contentType}`);
  const delim = Buffer.from(`--${m[1]}`);
  const parts: Part[] = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    let start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    if (body.subarray(start, start + 2).toString() === '\r\n') start += 2;
    const end = body.indexOf(delim, start);
    if (end < 0) throw new HttpError(400, 'invalid', 'Unterminated multipart body');
    const raw = body.subarray(start, end);
    const split = raw.indexOf('\r\n\r\n');
    if (split < 0) throw new HttpError(400, 'invalid', 'Multipart part without headers');
    const headers: Record<string, string> = {};
    for (const line of raw.subarray(0, split).toString('utf8').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    let partBody = raw.subarray(split + 4);
    if (partBody.subarray(-2).toString() === '\r\n') partBody = partBody.subarray(0, -2);
    parts.push({ headers, body: Buffer.from(partBody) });
    pos = end;
  }
  return parts;
}

export function hashes(data: Buffer): { crc32c: string; md5: string } {
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(data));
  return { crc32c: crc.toString('base64'), md5: createHash('md5').update(data).digest('base64') };
}

let table: Uint32Array | undefined;

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as GCS reports it. */
export function crc32c(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function preconditionFailed(): HttpError {
  return new HttpError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
}

export function checkPreconditions(obj: FakeGcsObject, q: Record<string, string>): void {
  if (q.ifGenerationMatch !== undefined && q.ifGenerationMatch !== obj.generation) throw preconditionFailed();
  if (q.ifGenerationNotMatch !== undefined && q.ifGenerationNotMatch === obj.generation) {
    throw new HttpError(304, 'notModified', 'Not Modified');
  }
  if (q.ifMetagenerationMatch !== undefined && q.ifMetagenerationMatch !== obj.metageneration) throw preconditionFailed();
}

/** An object resource as GCS answers it (`storage#object`, with its hashes and links). */
export function objectResource(endpointURL: string, bucket: string, obj: FakeGcsObject): Record<string, unknown> {
  const { crc32c, md5 } = hashes(obj.data);
  const enc = encodeURIComponent(obj.name);
  return {
    kind: 'storage#object',
    id: `${bucket}/${obj.name}/${obj.generation}`,
    selfLink: `${endpointURL}/storage/v1/b/${bucket}/o/${enc}`,
    mediaLink: `${endpointURL}/download/storage/v1/b/${bucket}/o/${enc}?generation=${obj.generation}&alt=media`,
    name: obj.name,
    bucket,
    generation: obj.generation,
    metageneration: obj.metageneration,
    contentType: obj.contentType,
    storageClass: 'STANDARD',
    size: String(obj.data.length),
    md5Hash: md5,
    crc32c,
    etag: Buffer.from(`${obj.generation}/${obj.metageneration}`).toString('base64'),
    timeCreated: obj.timeCreated,
    updated: obj.timeCreated,
    timeStorageClassUpdated: obj.timeCreated,
    ...(obj.kmsKeyName !== undefined ? { kmsKeyName: obj.kmsKeyName } : {}),
  };
}
