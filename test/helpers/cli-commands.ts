/**
 * Checking the command lines the CLI suggests against the real commander tree: a suggestion must
 * name a command that exists and only flags that command (or the program) accepts.
 */
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';

/** The real command tree, with output discarded. */
export function quietProgram(): Command {
  return buildProgram({ stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {}, readFile: () => '', edit: () => 0 });
}

/** The problems of one suggested command line (empty when it would run). */
export function unrunnable(line: string, root: Command): string[] {
  const tokens = line.trim().split(/\s+/);
  if (tokens[0] !== 'kops-ts') return [`${line}: does not start with kops-ts`];
  let cmd = root;
  let i = 1;
  for (; i < tokens.length; i++) {
    const next = cmd.commands.find((c) => c.name() === tokens[i] || c.aliases().includes(tokens[i]!));
    if (!next) break;
    cmd = next;
  }
  if (cmd === root) return [`${line}: no such command`];
  // Words that name no subcommand go to the default one, if any, as commander dispatches them:
  // `get <cluster>` is `get all <cluster>`, and so is `get --name <cluster>`.
  const fallback = i < tokens.length ? defaultSubcommand(cmd) : undefined;
  if (fallback) cmd = fallback;
  // A command with subcommands runs alone only if it has an action of its own (`create -f`).
  const hasAction = (cmd as unknown as { _actionHandler?: unknown })._actionHandler != null;
  if (cmd.commands.length > 0 && !hasAction) return [`${line}: "${cmd.name()}" needs a subcommand`];
  const problems: string[] = [];
  for (const t of tokens.slice(i)) {
    if (!t.startsWith('-') || t === '-') continue; // a bare "-" is standard input, not a flag
    const flag = t.split('=')[0]!;
    // -h/--help is commander's own on every command, not among its options
    const known = flag === '--help' || flag === '-h' || [...cmd.options, ...root.options].some((o) => o.long === flag || o.short === flag);
    if (!known) problems.push(`${line}: ${cmd.name()} has no flag ${flag}`);
  }
  return problems;
}

/** The command lines in a text, quoted ('…', "…", `…`) or after a colon: `…: kops-ts get clusters`. */
export function suggestedCommands(text: string): string[] {
  const quoted = [...text.matchAll(/['"`](kops-ts [^'"`\n]*)['"`]/g)].map((m) => m[1]!);
  const afterColon = [...text.matchAll(/: (kops-ts [^\n'"`]*)/g)].map((m) => m[1]!.replace(/[.;]$/, ''));
  return [...new Set([...quoted, ...afterColon])];
}

/** The subcommand commander runs for a word that names none of `cmd`'s (`isDefault`), if any. */
export function defaultSubcommand(cmd: Command): Command | undefined {
  const name = (cmd as unknown as { _defaultCommandName?: string | null })._defaultCommandName;
  return name ? cmd.commands.find((c) => c.name() === name) : undefined;
}
