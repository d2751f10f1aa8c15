/**
 * The kops-ts command line: a thin shell over the library. `run` parses, dispatches and turns
 * every failure into one stderr line per problem and an exit code; it never calls process.exit.
 * `buildProgram` is the whole command tree (every group of groups.ts); the program itself starts
 * through entry.ts, which declares only the group its command line names.
 */
import type { Command } from 'commander';
import { redactingIO } from '../secrets/redact.js';
import * as completion from './commands/completion.js';
import * as createCluster from './commands/create-cluster.js';
import * as createInstanceGroup from './commands/create-instancegroup.js';
import * as createFile from './commands/create-file.js';
import * as createSSHPublicKey from './commands/create-sshpublickey.js';
import * as deleteCluster from './commands/delete-cluster.js';
import * as deleteFile from './commands/delete-file.js';
import * as deleteInstance from './commands/delete-instance.js';
import * as deleteInstanceGroup from './commands/delete-instancegroup.js';
import * as deleteSSHPublicKey from './commands/delete-sshpublickey.js';
import * as edit from './commands/edit.js';
import * as exportKubeconfig from './commands/export-kubeconfig.js';
import * as get from './commands/get.js';
import * as keypair from './commands/keypair.js';
import * as misc from './commands/misc.js';
import * as reconcileCluster from './commands/reconcile-cluster.js';
import * as rollback from './commands/rollback.js';
import * as migrateState from './commands/migrate-state.js';
import * as rollingUpdate from './commands/rolling-update-cluster.js';
import * as rotateBootstrapToken from './commands/rotate-bootstrap-token.js';
import * as toolboxDump from './commands/toolbox-dump.js';
import * as updateCluster from './commands/update-cluster.js';
import * as validateCluster from './commands/validate-cluster.js';
import * as upgradeCluster from './commands/upgrade-cluster.js';
import { COMMAND_GROUPS, type CommandModules } from './groups.js';
import { processIO, type CliIO } from './io.js';
import { finishTree, parseAndReport, rootProgram, type RunOptions } from './root.js';

export type { RunOptions } from './root.js';

const MODULES: CommandModules = {
  completion,
  createCluster,
  createInstanceGroup,
  createFile,
  createSSHPublicKey,
  deleteCluster,
  deleteFile,
  deleteInstance,
  deleteInstanceGroup,
  deleteSSHPublicKey,
  edit,
  exportKubeconfig,
  get,
  keypair,
  misc,
  reconcileCluster,
  rollback,
  migrateState,
  rollingUpdate,
  rotateBootstrapToken,
  toolboxDump,
  updateCluster,
  validateCluster,
  upgradeCluster,
};

export function buildProgram(io: CliIO, setExit: (code: number) => void = () => undefined, opts: RunOptions = {}): Command {
  const { program, ctx } = rootProgram(io, opts);
  for (const g of COMMAND_GROUPS) g.register(MODULES, program, ctx, setExit);
  finishTree(program);
  return program;
}

export async function run(argv: readonly string[], rawIO: CliIO = processIO(), opts: RunOptions = {}): Promise<number> {
  // Every byte printed passes the redactor: no private key or secret reaches stdout/stderr, with -v too.
  const io = redactingIO(rawIO);
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code), opts);
  // The completion scripts' question: partial words, answered from the tree without parsing them.
  if (argv[0] === completion.COMPLETE_COMMAND) return completion.runComplete(program, argv.slice(1), io);
  return parseAndReport(program, createCluster.rewriteAliases(argv), io, () => exitCode);
}

/** Entry point when run as a program (bin/kops-ts.js runs entry.ts's, which starts faster). */
export async function main(): Promise<void> {
  process.exitCode = await run(process.argv.slice(2));
}
