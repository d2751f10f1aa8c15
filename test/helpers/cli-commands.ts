/**
 * Checking the command lines the CLI suggests against the real commander tree: a suggestion must
 * name a command that exists and only flags that command (or the program) accepts.
 */
import type { Command } from 'commander';
import { commandPath } from '../../src/cli/help-examples.js';
import { buildProgram } from '../../src/cli/main.js';

export { commandPath };

/** The real command tree, with output discarded. */
export function quietProgram(): Command {
  return buildProgram({ stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {}, readFile: () => '', edit: () => 0 });
}

/**
 * The problems of one suggested command line (empty when it would run as printed). A command that
 * acts on one cluster must name it, unless the caller says the reader supplies the cluster
 * (`envName`: a docs page that has told its reader to export KOPS_CLUSTER_NAME).
 */
export function unrunnable(line: string, root: Command, opts: { envName?: boolean } = {}): string[] {
  if (line.trim().split(/\s+/)[0] !== 'kops-ts') return [`${line}: does not start with kops-ts`];
  const { cmd, rest } = resolveLine(line, root);
  if (cmd === root) return [`${line}: no such command`];
  // A command with subcommands runs alone only if it has an action of its own (`create -f`).
  const hasAction = (cmd as unknown as { _actionHandler?: unknown })._actionHandler != null;
  if (cmd.commands.length > 0 && !hasAction) return [`${line}: "${cmd.name()}" needs a subcommand`];
  const problems: string[] = [];
  for (const t of rest) {
    if (!t.startsWith('-') || t === '-') continue; // a bare "-" is standard input, not a flag
    const flag = t.split('=')[0]!;
    // -h/--help is commander's own on every command, not among its options
    const known = flag === '--help' || flag === '-h' || [...cmd.options, ...root.options].some((o) => o.long === flag || o.short === flag);
    if (!known) problems.push(`${line}: ${cmd.name()} has no flag ${flag}`);
  }
  const unnamed = opts.envName ? undefined : unnamedCluster(line, rest, cmd, root);
  if (unnamed) problems.push(unnamed);
  return problems;
}

/** The command lines in a text, quoted ('…', "…", `…`) or after a colon: `…: kops-ts get clusters`. */
export function suggestedCommands(text: string): string[] {
  const quoted = [...text.matchAll(/['"`](kops-ts [^'"`\n]*)['"`]/g)].map((m) => m[1]!);
  const afterColon = [...text.matchAll(/: (kops-ts [^\n'"`]*)/g)].map((m) => m[1]!.replace(/[.;]$/, ''));
  return [...new Set([...quoted, ...afterColon])];
}

/** The subcommand commander runs for a word that names none of `cmd`'s (`isDefault`), if any. */
function defaultSubcommand(cmd: Command): Command | undefined {
  const name = (cmd as unknown as { _defaultCommandName?: string | null })._defaultCommandName;
  return name ? cmd.commands.find((c) => c.name() === name) : undefined;
}

/**
 * The commands that act on one cluster and fail with "no cluster name given" when it is not named
 * (KOPS_CLUSTER_NAME aside, which a reader pasting a hint may not have set): those that take it as
 * their argument or by --name, and those that take it by --name only.
 */
const CLUSTER_BY_ARGUMENT = ['create cluster', 'delete cluster', 'update cluster', 'edit cluster', 'rolling-update cluster', 'validate cluster', 'upgrade cluster', 'reconcile cluster', 'rollback cluster', 'get all', 'get instances', 'export kubeconfig', 'toolbox dump', 'delete sshpublickey'];
const CLUSTER_BY_NAME_FLAG = ['create instancegroup', 'create sshpublickey', 'create keypair', 'promote keypair', 'distrust keypair', 'get keypairs', 'get secrets', 'get sshpublickeys', 'get instancegroups', 'edit instancegroup', 'delete instancegroup', 'rollback instancegroup', 'delete instance', 'rotate bootstrap-token', 'rotate secret-key', 'migrate state', 'get iam-policy'];
/** Flags with which a command needs no cluster named: a manifest names it (-f), or the output is not one cluster's (--operator). */
export const NO_CLUSTER_WITH: Readonly<Record<string, readonly string[]>> = { 'update cluster': ['-f', '--filename'], 'get iam-policy': ['--operator'] };

/** How a command is told its cluster, or undefined when it needs none. */
export function clusterNeed(cmd: Command): 'argument' | 'flag' | undefined {
  const path = commandPath(cmd);
  return CLUSTER_BY_ARGUMENT.includes(path) ? 'argument' : CLUSTER_BY_NAME_FLAG.includes(path) ? 'flag' : undefined;
}

/** Every command path the two lists above name (each must be in the tree). */
export const CLUSTER_COMMANDS = [...CLUSTER_BY_ARGUMENT, ...CLUSTER_BY_NAME_FLAG];

/**
 * The command a `kops-ts …` line runs, and its words after the command path. Words that name no
 * subcommand go to the default one, if any, as commander dispatches them: `get <cluster>` is
 * `get all <cluster>`, and so is `get --name <cluster>`. The root when the first word is no command.
 */
export function resolveLine(line: string, root: Command): { cmd: Command; rest: string[] } {
  const tokens = line.trim().split(/\s+/).slice(1);
  let cmd = root;
  let i = 0;
  for (; i < tokens.length; i++) {
    const next = cmd.commands.find((c) => c.name() === tokens[i] || c.aliases().includes(tokens[i]!));
    if (!next) break;
    cmd = next;
  }
  const fallback = cmd !== root && i < tokens.length ? defaultSubcommand(cmd) : undefined;
  return { cmd: fallback ?? cmd, rest: tokens.slice(i) };
}

/**
 * A command's words split into its arguments and the flags given, as commander parses them: a
 * flag that requires a value takes the next word, one whose value is optional takes it only when
 * it is not a flag, and `--flag=value` takes none; a bare `-` (standard input) is an argument.
 */
export function argumentsAndFlags(tokens: readonly string[], cmd: Command, root: Command): { args: string[]; flags: string[] } {
  const args: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!t.startsWith('-') || t === '-') {
      args.push(t);
      continue;
    }
    const flag = t.split('=')[0]!;
    flags.push(flag);
    if (t.includes('=')) continue;
    const option = [...cmd.options, ...root.options].find((o) => o.long === flag || o.short === flag);
    const next = tokens[i + 1];
    if (option?.required || (option?.optional && next !== undefined && !next.startsWith('-'))) i++;
  }
  return { args, flags };
}

/** The problem of a command line that acts on one cluster without naming it, if it has one. */
function unnamedCluster(line: string, tokens: string[], cmd: Command, root: Command): string | undefined {
  const need = clusterNeed(cmd);
  if (!need) return undefined;
  const { args, flags } = argumentsAndFlags(tokens, cmd, root);
  if (flags.includes('--name') || flags.includes('--help') || flags.includes('-h')) return undefined;
  if (need === 'argument' && args.length > 0) return undefined;
  if ((NO_CLUSTER_WITH[commandPath(cmd)] ?? []).some((f) => flags.includes(f))) return undefined;
  return `${line}: names no cluster (${need === 'argument' ? 'give it as the argument or with --name' : 'give --name'}); as printed it fails with "no cluster name given"`;
}
