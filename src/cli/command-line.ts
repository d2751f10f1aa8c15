/**
 * The command lines kops-ts prints for the user to run next: the re-run of an interrupted or
 * refused command, and the same with `--force-unlock <id>`. One shape for every command that
 * takes the cluster lock:
 *
 *   kops-ts <verb words> [--name <cluster>] [<target words>] [--state <store>] [<own flags>] [<extra words>]
 *
 * `--state` is repeated only when it was given on the command line (KOPS_STATE_STORE is still
 * set for the re-run). Every word is quoted for a POSIX shell only when it needs to be, so the line
 * can be pasted as printed.
 */
import type { GlobalOptions } from './context.js';

/** A word for a shell: quoted only when it needs to be. */
export function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** Words as one line for a shell. */
export function shellLine(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}

/** A command's line with `extra` words at its end (`--yes`, `--force-unlock <id> --yes`). */
export type CommandLine = (extra: readonly string[]) => string;

export interface CommandLineParts {
  /** After `kops-ts`: the verb, the noun and positional operands, e.g. `['delete', 'instance', id]`. */
  readonly verb: readonly string[];
  /** `--name <cluster>` after the verb; none for a command whose input names it (`create -f`). */
  readonly cluster?: string;
  /** What the command acts on, before `--state`: `migrate state`'s `--to <store>`, `create -f`'s `-f <file>`. */
  readonly target?: readonly string[];
  /** The run's global options: `--state` when it was given. */
  readonly globals: Pick<GlobalOptions, 'state'>;
  /** The run's own flags that the re-run needs (see `switchFlag`, `valueFlag`), after `--state`. */
  readonly flags?: readonly string[];
}

/** The command line of `parts`, for any extra words. */
export function commandLine(parts: CommandLineParts): CommandLine {
  const words = [
    'kops-ts',
    ...parts.verb,
    ...(parts.cluster !== undefined ? ['--name', parts.cluster] : []),
    ...(parts.target ?? []),
    ...valueFlag('--state', parts.globals.state),
    ...(parts.flags ?? []),
  ];
  return (extra) => shellLine([...words, ...extra]);
}

/** `[flag]` when `on`. */
export function switchFlag(flag: string, on: boolean | undefined): string[] {
  return on ? [flag] : [];
}

/** `[flag, value]` when `value` is given; a list is joined with commas, and left out when empty. */
export function valueFlag(flag: string, value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return [flag, value];
  return value.length > 0 ? [flag, value.join(',')] : [];
}
