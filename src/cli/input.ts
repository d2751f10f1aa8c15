/**
 * Files the CLI reads (`-f` manifests, `--plan` files): one clear line when a file cannot be read
 * (missing, a directory, not permitted), and nothing past a size limit is read whole. Usage
 * errors: exit 2, naming the file and the flag that gave it.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { KopsError, error } from '../diagnostics.js';
import { MAX_INPUT_READ_BYTES, formatBytes, sizeAndLimit } from '../model/api/limits.js';
import type { CommandContext } from './context.js';

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
};

/** Refusal of input past `limit` bytes, with the file named. */
export function inputTooLarge(file: string, size: number | undefined, limit: number, what: string): KopsError {
  const [a, b] = size === undefined ? ['', formatBytes(limit)] : sizeAndLimit(size, limit);
  const summary = size === undefined ? `the ${what} is larger than the ${b} kops-ts reads` : `the ${what} is ${a}, more than the ${b} kops-ts reads`;
  const hint = 'no kops spec or plan is this large: check that this is the right file (docs/spec.md, "Limits")';
  return new KopsError('InputTooLarge', summary, { exitCode: 2, diagnostics: [error('InputTooLarge', summary, { file, hint })] });
}

/**
 * Reads `path` (`-` is standard input) as UTF-8, refusing without reading it whole anything past
 * `limit` bytes: a regular file by its size, a stream once `limit` bytes have come.
 */
export function readBounded(path: string, limit: number = MAX_INPUT_READ_BYTES, what = 'input'): string {
  const fd = path === '-' ? 0 : openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR' });
    if (st.isFile() && st.size > limit) throw inputTooLarge(path, st.size, limit, what);
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as { code?: string }).code === 'EAGAIN') continue; // a non-blocking stdin: try again
        if ((e as { code?: string }).code === 'EOF') break;
        throw e;
      }
      if (n === 0) break;
      total += n;
      if (total > limit) throw inputTooLarge(path, undefined, limit, what);
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    if (path !== '-') closeSync(fd);
  }
}

/**
 * Reads a file named on the command line by `flag` through the CLI's IO; a missing or unreadable
 * file is `FileNotFound` (exit 2) naming the file and the flag, never a raw `ENOENT`.
 */
export function readInputFile(ctx: CommandContext, file: string, flag: string, limit?: { bytes: number; what: string }): string {
  let text: string;
  try {
    text = ctx.io.readFile(file);
  } catch (e) {
    if (KopsError.is(e)) throw e;
    const code = (e as { code?: string }).code ?? '';
    const reason = REASONS[code] ?? `it cannot be read (${code || (e instanceof Error ? e.message.split('\n')[0] : String(e))})`;
    const hint = `check the path given to ${flag}`;
    throw new KopsError('FileNotFound', `cannot read ${file}: ${reason}`, { exitCode: 2, cause: e, diagnostics: [error('FileNotFound', reason, { file, hint })] });
  }
  if (limit && text.length > limit.bytes / 3) {
    const size = Buffer.byteLength(text, 'utf8');
    if (size > limit.bytes) throw inputTooLarge(file, size, limit.bytes, limit.what);
  }
  return text;
}

/**
 * Checks, before anything is read from the cloud, that `file` (given by `flag`) can be written as a
 * file: not a directory (kops's `--target terraform --out .` names one), in a directory that
 * exists. A usage error (exit 2) naming the file, never a raw `EISDIR` after the plan was made.
 */
export function checkOutputFile(file: string, flag: string): void {
  const kind = (p: string): 'file' | 'directory' | 'other' | undefined => {
    try {
      const st = statSync(p);
      return st.isDirectory() ? 'directory' : st.isFile() ? 'file' : 'other';
    } catch {
      return undefined;
    }
  };
  const refuse = (reason: string, hint: string) => {
    throw new KopsError('InvalidOutputFile', `${flag} ${file}: ${reason}`, { exitCode: 2, diagnostics: [error('InvalidOutputFile', `${flag}: ${reason}`, { file, hint })] });
  };
  if (kind(file) === 'directory') {
    refuse('it is a directory, not a file', `${flag} names the file the plan is saved to (JSON), e.g. ${flag} plan.json (kops-ts writes no Terraform: there is no --target)`);
  }
  const dir = dirname(file);
  const parent = kind(dir);
  if (parent !== 'directory') refuse(parent === undefined ? `its directory ${dir} does not exist` : `${dir} is not a directory`, `create the directory first, or give ${flag} a file in an existing one`);
}
