/**
 * The state store's errors, in one place so every backend says the same thing the same way: what is
 * wrong, which object (the store URL plus the path, as the diagnostic's `file`) and what to do.
 */
import { KopsError, error } from '../diagnostics.js';
import { sizeAndLimit } from '../model/api/limits.js';
import { StateErrorCode } from './types.js';

/** A `KopsError` whose diagnostic names the state-store object it is about. */
export function stateError(
  code: string,
  message: string,
  where: { file?: string; hint?: string; cause?: unknown } = {},
): KopsError {
  const diag = error(code, message, {
    ...(where.file !== undefined ? { file: where.file } : {}),
    ...(where.hint !== undefined ? { hint: where.hint } : {}),
  });
  return new KopsError(code, message, {
    diagnostics: [diag],
    ...(where.hint !== undefined ? { hint: where.hint } : {}),
    ...(where.cause !== undefined ? { cause: where.cause } : {}),
  });
}

/**
 * An object too large to be one kops-ts wrote, refused before its body is read (`size` unknown
 * when a stream ran past the limit).
 */
export function objectTooLargeError(storeURL: string, path: string, size: number, limit: number): KopsError {
  const [a, b] = sizeAndLimit(size, limit);
  return stateError('StateObjectTooLarge', `it is ${a}, more than the ${b} kops-ts reads of one state-store object`, {
    file: objectURL(storeURL, path),
    hint: 'kops-ts writes nothing this large: remove the object or restore a previous version of it',
  });
}

/** The full location of an object, for messages: `s3://bucket/prefix` + `/` + `path`. */
export function objectURL(storeURL: string, path: string): string {
  return storeURL.endsWith('/') ? storeURL + path : `${storeURL}/${path}`;
}

/**
 * A failed precondition. `exists`: an `ifAbsent` write found the object; `changed`: an `ifVersion`
 * write or delete found another version (or none).
 */
export function conflictError(storeURL: string, path: string, kind: 'exists' | 'changed', cause?: unknown): KopsError {
  const message = kind === 'exists' ? `${path} already exists` : `${path} changed since it was read`;
  const hint =
    kind === 'exists'
      ? 'another run created it first: re-read the state and re-run the command'
      : 'another run changed it: re-read it and re-run the command to apply your change on top';
  return stateError(StateErrorCode.Conflict, message, { file: objectURL(storeURL, path), hint, cause });
}

/** The store could not be reached or refused us; `what` says which and `hint` what to do. */
export function unreachableError(storeURL: string, what: string, hint: string, cause?: unknown): KopsError {
  return stateError(StateErrorCode.Unreachable, `state store ${storeURL}: ${what}`, { file: storeURL, hint, cause });
}

/** A path that no backend accepts. */
export function invalidPathError(path: string, why: string): KopsError {
  return new KopsError('InvalidStatePath', `invalid state-store path "${path}": ${why}`, {
    hint: 'paths are relative, "/"-separated, without empty, "." or ".." segments (e.g. "example.com/config")',
  });
}
