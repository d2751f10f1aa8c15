/**
 * Path rules shared by every backend, so a path valid in one store is valid in all of them and a
 * store can be copied between backends: relative, `/`-separated, no empty/`.`/`..` segments (they
 * would escape the root of a file store or alias another key in S3), no control characters, and no
 * segment that looks like the file backend's own temp or lock files.
 */
import { createHash } from 'node:crypto';
import { KopsError } from '../diagnostics.js';
import { invalidPathError } from './errors.js';
import type { ListedObject, WriteOptions } from './types.js';

/** Marker in the names of the file backend's temp and lock files; reserved in every backend. */
export const RESERVED_MARKER = '.kops-ts-';

/** Throws `InvalidStatePath` unless `path` names an object. */
export function validateObjectPath(path: string): void {
  if (path === '') throw invalidPathError(path, 'it is empty');
  if (path.endsWith('/')) throw invalidPathError(path, 'it ends with "/" (that names a folder, not an object)');
  validateSegments(path);
}

/** Throws `InvalidStatePath` unless `prefix` is `''` or a valid path, optionally ending in `/`. */
export function validatePrefix(prefix: string): void {
  if (prefix === '') return;
  validateSegments(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

function validateSegments(path: string): void {
  if (path.startsWith('/')) throw invalidPathError(path, 'it starts with "/"');
  if (path.includes('\\')) throw invalidPathError(path, 'it contains "\\"');
  if (/[\u0000-\u001f\u007f]/.test(path)) throw invalidPathError(path, 'it contains a control character');
  for (const seg of path.split('/')) {
    if (seg === '') throw invalidPathError(path, 'it has an empty segment ("//")');
    if (seg === '.' || seg === '..') throw invalidPathError(path, `it has a "${seg}" segment`);
    if (seg.includes(RESERVED_MARKER)) throw invalidPathError(path, `"${RESERVED_MARKER}" is reserved for the store's own files`);
  }
}

/** A single path segment (a cluster or instance-group name): non-empty, no `/`, not `.`/`..`. */
export function validateName(kind: string, name: string): void {
  if (typeof name !== 'string' || name === '') throw invalidPathError(String(name), `the ${kind} name is empty`);
  if (name.includes('/')) throw invalidPathError(name, `a ${kind} name cannot contain "/"`);
  validateSegments(name);
}

/** sha256 of the bytes, hex: the file backend's object version (and the history stamp's hash). */
export function contentHash(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Bytes of what a caller passed to `write`. */
export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

/** `ifAbsent` and `ifVersion` contradict each other; refuse rather than pick one silently. */
export function validateWriteOptions(path: string, opts: WriteOptions): void {
  if (opts.ifAbsent && opts.ifVersion !== undefined) {
    throw new KopsError('InvalidWriteOptions', `write of ${path} asks for both ifAbsent and ifVersion`, {
      hint: 'pass ifAbsent to create, or ifVersion to replace what was read, not both',
    });
  }
}

/** Listed objects in `list`'s order (by path, as `Array.prototype.sort` orders strings). */
export function byPath(a: ListedObject, b: ListedObject): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
