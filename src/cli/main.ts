/**
 * The kops-ts command line: a thin shell over the library. `run` parses, dispatches and turns
 * every failure into one stderr line per problem and an exit code; it never calls process.exit.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ExitCode } from '../diagnostics.js';
import { KOPS_TS_VERSION } from '../version.js';
import { commandContext, loadStoreModules, type CommandContext, type GlobalOptions } from './context.js';
import { reportError } from './errors.js';
import { processIO, type CliIO } from './io.js';
import { redactingIO } from '../secrets/redact.js';
import { COMPLETE_COMMAND, registerCompletion, runComplete } from './commands/completion.js';
import { attachExamples } from './help-examples.js';
import { registerCreateCluster, rewriteAliases } from './commands/create-cluster.js';
import { registerCreateInstanceGroup } from './commands/create-instancegroup.js';
import { createFromFile, registerReplace } from './commands/create-file.js';
import { registerDeleteCluster } from './commands/delete-cluster.js';
import { registerEdit } from './commands/edit.js';
import { registerExportKubeconfig } from './commands/export-kubeconfig.js';
import { registerGet } from './commands/get.js';
import { registerCreateKeypair, registerDistrustKeypair, registerGetKeypairs, registerPromoteKeypair } from './commands/keypair.js';
import { registerCreateSSHPublicKey, registerDeleteInstanceGroup, registerVersion } from './commands/misc.js';
import { registerRollback } from './commands/rollback.js';
import { registerRollingUpdateCluster } from './commands/rolling-update-cluster.js';
import { registerToolboxDump } from './commands/toolbox-dump.js';
import { registerUpdateCluster } from './commands/update-cluster.js';
import { registerValidateCluster } from './commands/validate-cluster.js';
import { registerUpgradeCluster } from './commands/upgrade-cluster.js';

/** How `run` is embedded. */
export interface RunOptions {
  /**
   * Accept `memory://` stores. A command run as a program ends with its process, and with it the
   * memory store, so the CLI refuses them; a library caller that runs several commands in one
   * process (tests, pipelines) may allow them.
   */
  readonly allowMemoryStore?: boolean;
}

export function buildProgram(io: CliIO, setExit: (code: number) => void = () => undefined, opts: RunOptions = {}): Command {
  const program = new Command('kops-ts');
  let context: CommandContext | undefined;
  const ctx = () => (context ??= commandContext(io, program.opts<GlobalOptions>(), { allowMemoryStore: opts.allowMemoryStore ?? false }));
  program
    .description('kops-ts: Kubernetes clusters from specs in an object store, in the tradition of kops')
    .version(KOPS_TS_VERSION, '--version', 'print the version')
    .option('--state <url>', 'state store: s3://bucket[/prefix] or file:///abs/path (env KOPS_STATE_STORE)')
    .option('--name <cluster>', 'cluster name (env KOPS_CLUSTER_NAME)')
    .option('-v, --v <level>', 'log level, a whole number; > 0 adds stack traces to errors', verbosity, '0')
    .option('--aws-connect-timeout <duration>', 'longest wait for a connection to AWS, e.g. 5s (env KOPS_AWS_CONNECT_TIMEOUT; default 5s)')
    .option('--aws-request-timeout <duration>', 'longest wait for an AWS answer to one request, e.g. 60s (env KOPS_AWS_REQUEST_TIMEOUT; default 60s)')
    .option('--secret-key <file>', 'file with a base64 32-byte key that encrypts private keys and secrets in the state store (env KOPS_SECRET_KEY holds the key itself)')
    .option('--state-kms-key <key>', 'KMS key id, ARN or alias for SSE-KMS of s3:// state-store writes (env KOPS_STATE_S3_KMS_KEY; default: SSE-S3 AES256)')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s), outputError: () => undefined });

  const create = program
    .command('create')
    .description('Create a cluster, objects from a manifest (-f), or an SSH public key')
    .option('-f, --filename <file>', 'manifest with a Cluster and/or InstanceGroups (- for standard input)')
    .option('--force-unlock <id>', 'with -f: break a stale cluster lock with this id first')
    .action(async (flags: { filename?: string; forceUnlock?: string }) => createFromFile(ctx(), flags.filename, flags.forceUnlock));
  registerCreateCluster(create, ctx);
  registerCreateInstanceGroup(create, ctx);
  registerCreateSSHPublicKey(create, ctx);
  registerCreateKeypair(create, ctx);
  registerReplace(program, ctx);
  registerGet(program, ctx);
  registerGetKeypairs(program.commands.find((c) => c.name() === 'get')!, ctx);
  registerPromoteKeypair(program, ctx);
  registerDistrustKeypair(program, ctx);
  registerExportKubeconfig(program, ctx);
  registerEdit(program, ctx);
  const del = program.command('delete').description('Delete a cluster (its cloud resources and state) or instance groups');
  registerDeleteInstanceGroup(del, ctx);
  registerDeleteCluster(del, ctx);
  registerUpdateCluster(program, ctx, setExit);
  registerRollback(program, ctx);
  registerRollingUpdateCluster(program, ctx, setExit);
  registerValidateCluster(program, ctx, setExit);
  registerUpgradeCluster(program, ctx);
  registerToolboxDump(program, ctx);
  registerVersion(program, ctx);
  registerCompletion(program, ctx);
  attachExamples(program);
  // Each command's implementation is imported by its action; the state-store modules are imported
  // here, before an action that may open the store, so that `version` and `--help` start without them.
  program.hook('preAction', async (_root, action) => {
    if (!STORELESS_COMMANDS.has(action.name())) await loadStoreModules();
  });
  for (const c of allCommands(program)) c.exitOverride().configureOutput(program.configureOutput()).showSuggestionAfterError(true);
  return program;
}

/** Commands that never open the state store (their actions run without loadStoreModules). */
const STORELESS_COMMANDS: ReadonlySet<string> = new Set(['version', 'completion']);

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

export async function run(argv: readonly string[], rawIO: CliIO = processIO(), opts: RunOptions = {}): Promise<number> {
  // Every byte printed passes the redactor: no private key or secret reaches stdout/stderr, with -v too.
  const io = redactingIO(rawIO);
  let exitCode: number = ExitCode.OK;
  const program = buildProgram(io, (code) => (exitCode = code), opts);
  // The completion scripts' question: partial words, answered from the tree without parsing them.
  if (argv[0] === COMPLETE_COMMAND) return runComplete(program, argv.slice(1), io);
  try {
    await program.parseAsync(rewriteAliases(argv), { from: 'user' });
    return exitCode;
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

/** Entry point when run as a program. */
export async function main(): Promise<void> {
  process.exitCode = await run(process.argv.slice(2));
}
