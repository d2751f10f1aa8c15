/**
 * The root of the kops-ts command tree (its global options, output and exit handling, the hook that
 * loads the state-store modules before an action) and the parse-and-report step every run ends
 * with. Shared by main.ts (the whole tree) and entry.ts (the program: only the command group the
 * command line names). Light on purpose: nothing here imports a command's implementation.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ExitCode } from '../diagnostics.js';
import { KOPS_TS_VERSION } from '../version.js';
import { commandContext, loadStoreModules, type CommandContext, type GlobalOptions } from './context.js';
import { reportError } from './errors.js';
import { attachExamples } from './help-examples.js';
import type { CliIO } from './io.js';

/** How `run` is embedded. */
export interface RunOptions {
  /**
   * Accept `memory://` stores. A command run as a program ends with its process, and with it the
   * memory store, so the CLI refuses them; a library caller that runs several commands in one
   * process (tests, pipelines) may allow them.
   */
  readonly allowMemoryStore?: boolean;
}

/** Commands that never open the state store (their actions run without loadStoreModules). */
const STORELESS_COMMANDS: ReadonlySet<string> = new Set(['version', 'completion']);

/** The global options, with an argument, as commander takes them (for finding the command word). */
export const GLOBAL_VALUE_OPTIONS: ReadonlySet<string> = new Set(['--state', '--name', '-v', '--v', '--aws-connect-timeout', '--aws-request-timeout', '--secret-key', '--state-kms-key']);

/** The root command with its global options, and the run's command context (made on first use). */
export function rootProgram(io: CliIO, opts: RunOptions = {}): { program: Command; ctx: () => CommandContext } {
  const program = new Command('kops-ts');
  let context: CommandContext | undefined;
  const ctx = () => (context ??= commandContext(io, program.opts<GlobalOptions>(), { allowMemoryStore: opts.allowMemoryStore ?? false }));
  program
    .description('kops-ts: Kubernetes clusters from specs in an object store, in the tradition of kops')
    .version(KOPS_TS_VERSION, '--version', 'print the version')
    .option('--state <url>', 'state store: s3://bucket[/prefix], gs://bucket[/prefix] or file:///abs/path (env KOPS_STATE_STORE)')
    .option('--name <cluster>', 'cluster name (env KOPS_CLUSTER_NAME)')
    .option('-v, --v <level>', 'log level, a whole number; > 0 adds stack traces to errors', verbosity, '0')
    .option('--aws-connect-timeout <duration>', 'longest wait for a connection to AWS, e.g. 5s (env KOPS_AWS_CONNECT_TIMEOUT; default 5s)')
    .option('--aws-request-timeout <duration>', 'longest wait for an AWS answer to one request, e.g. 60s (env KOPS_AWS_REQUEST_TIMEOUT; default 60s)')
    .option('--secret-key <file>', 'file with a base64 32-byte key that encrypts private keys and secrets in the state store (env KOPS_SECRET_KEY holds the key itself)')
    .option('--state-kms-key <key>', 'KMS key id, ARN or alias for SSE-KMS of s3:// state-store writes (env KOPS_STATE_S3_KMS_KEY; default: SSE-S3 AES256); gs:// stores take a Cloud KMS key from env KOPS_STATE_GCS_KMS_KEY')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s), outputError: () => undefined });
  // Each command's implementation is imported by its action; the state-store modules are imported
  // here, before an action that may open the store, so that `version` and `--help` start without them.
  program.hook('preAction', async (_root, action) => {
    if (!STORELESS_COMMANDS.has(action.name())) await loadStoreModules();
  });
  return { program, ctx };
}

/** After the commands are registered: their help examples, and the root's error handling on each. */
export function finishTree(program: Command): void {
  attachExamples(program);
  for (const c of allCommands(program)) c.exitOverride().configureOutput(program.configureOutput()).showSuggestionAfterError(true);
}

/** `--v` is kops's klog level: a whole number (`--v abc` is a usage error, not level 0). */
function verbosity(v: string): string {
  if (!/^\d{1,3}$/.test(v.trim())) throw new InvalidArgumentError('Expected a whole number, e.g. 0 or 2');
  return v.trim();
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Commander's usage errors as one line: `error: unknown option '--zonez' (Did you mean --zones?)`. */
function usageLine(e: CommanderError): string {
  const text = e.message.replace(/^error:\s*/i, '').replace(/\s*\n\s*/g, ' ').trim();
  return `error: ${text}: see kops-ts --help`;
}

/** Parses `argv` and runs the command; every failure becomes one stderr line per problem and an exit code. */
export async function parseAndReport(program: Command, argv: readonly string[], io: CliIO, exitCode: () => number): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode();
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.OK;
      if (e.code === 'commander.executeSubCommandAsync') return ExitCode.OK;
      io.stderr(`${usageLine(e)}\n`);
      return ExitCode.USAGE_OR_CHANGES;
    }
    const verbose = Number(program.opts<GlobalOptions>().v ?? 0) > 0;
    return reportError(e, io, verbose);
  }
}
