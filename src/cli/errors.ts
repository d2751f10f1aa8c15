/** Turns any failure into one line per problem on stderr and a stable exit code. */
import { ExitCode, KopsError, formatDiagnostic } from '../diagnostics.js';
import type { CliIO } from './io.js';

export function reportError(e: unknown, io: CliIO, verbose: boolean): number {
  if (KopsError.is(e)) {
    for (const d of e.diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
    if (verbose && e.stack) io.stderr(`${e.stack}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const name = (err as { name?: string }).name;
  const code = (err as { Code?: string }).Code ?? (name && name !== 'Error' ? name : undefined);
  io.stderr(`error: ${err.message.split('\n')[0]}${code ? ` (${code})` : ''}\n`);
  if (verbose && err.stack) io.stderr(`${err.stack}\n`);
  return ExitCode.ERROR;
}
