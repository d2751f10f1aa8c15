/**
 * Problems are accumulated, not thrown: validation and planning return `Diagnostic[]`, each with a
 * stable code, where it happened (file, spec path, task) and what to do. Runtime failures are
 * `KopsError`s carrying the same shape, so the CLI renders both the same way:
 *
 *   error: <summary> (<where>): <what to do>
 */

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable PascalCase code, e.g. `InvalidCIDR`, `UnknownField`, `StateConflict`. */
  readonly code: string;
  /** What is wrong, in one sentence without trailing punctuation. */
  readonly summary: string;
  /** Spec path, e.g. `spec.subnets[2].cidr`. */
  readonly path?: string;
  /** The file or state-store object the problem is in. */
  readonly file?: string;
  /** The task key, for cloud errors, e.g. `aws.Subnet/us-east-1a.example.com`. */
  readonly task?: string;
  /** What the user can do about it. */
  readonly hint?: string;
}

export function error(code: string, summary: string, where: Omit<Diagnostic, 'severity' | 'code' | 'summary'> = {}): Diagnostic {
  return { severity: 'error', code, summary, ...where };
}

export function warning(code: string, summary: string, where: Omit<Diagnostic, 'severity' | 'code' | 'summary'> = {}): Diagnostic {
  return { severity: 'warning', code, summary, ...where };
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

/** One line: `error: <path>: <summary> (<file>): <hint>` — no newlines, whatever the input. */
export function formatDiagnostic(d: Diagnostic): string {
  // A location the summary already names (`cluster "x" not found in s3://b`) is not said twice.
  const where = [d.file, d.task].filter((w): w is string => Boolean(w) && !d.summary.includes(w!)).join(', ');
  let line = `${d.severity}: `;
  line += d.path ? `${d.path}: ${d.summary}` : d.summary;
  if (where) line += ` (${where})`;
  if (d.hint) line += `: ${d.hint}`;
  return line.replace(/\s*\n\s*/g, ' ');
}

/**
 * A runtime failure with a stable code. Throw it from library code; the CLI maps it to one stderr
 * line and an exit code. `diagnostics` carries every problem when there is more than one.
 */
export class KopsError extends Error {
  readonly code: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly exitCode: number;

  constructor(
    code: string,
    message: string,
    opts: { cause?: unknown; diagnostics?: readonly Diagnostic[]; hint?: string; exitCode?: number } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KopsError';
    this.code = code;
    this.exitCode = opts.exitCode ?? 1;
    this.diagnostics = opts.diagnostics ?? [error(code, message, opts.hint ? { hint: opts.hint } : {})];
  }

  static is(e: unknown, code?: string): e is KopsError {
    return e instanceof KopsError && (code === undefined || e.code === code);
  }
}

/** Exit codes of the machine interface (docs/cli.md). */
export const ExitCode = {
  OK: 0,
  ERROR: 1,
  /** Usage or spec errors; with `--detailed-exitcode`, "changes pending". */
  USAGE_OR_CHANGES: 2,
  DECLINED: 3,
  /** Stopped by SIGINT/SIGTERM (128 + SIGINT's number, as shells report it). */
  INTERRUPTED: 130,
} as const;
