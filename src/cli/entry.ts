/**
 * The kops-ts program (bin/kops-ts.js): declares only the command group its command line names
 * (groups.ts) and imports only that group's modules, so that `kops-ts version` or `kops-ts get
 * clusters` loads a handful of modules, not the declarations of every command. Anything else
 * (`--help`, `help`, an unknown or misspelt command, completion's `__complete`) takes the whole
 * tree from main.ts, so help, suggestions and completion are those of the full tree.
 */
import { ExitCode } from '../diagnostics.js';
import { redactingIO } from '../secrets/redact.js';
import { COMMAND_GROUPS, type CommandGroup, type CommandModules, type ModuleName } from './groups.js';
import { processIO } from './io.js';
import { GLOBAL_VALUE_OPTIONS, finishTree, parseAndReport, rootProgram } from './root.js';

const LOADERS: { readonly [K in ModuleName]: () => Promise<CommandModules[K]> } = {
  completion: () => import('./commands/completion.js'),
  createCluster: () => import('./commands/create-cluster.js'),
  createInstanceGroup: () => import('./commands/create-instancegroup.js'),
  createFile: () => import('./commands/create-file.js'),
  createSSHPublicKey: () => import('./commands/create-sshpublickey.js'),
  deleteCluster: () => import('./commands/delete-cluster.js'),
  deleteFile: () => import('./commands/delete-file.js'),
  deleteInstance: () => import('./commands/delete-instance.js'),
  deleteInstanceGroup: () => import('./commands/delete-instancegroup.js'),
  deleteSSHPublicKey: () => import('./commands/delete-sshpublickey.js'),
  edit: () => import('./commands/edit.js'),
  exportKubeconfig: () => import('./commands/export-kubeconfig.js'),
  get: () => import('./commands/get.js'),
  keypair: () => import('./commands/keypair.js'),
  misc: () => import('./commands/misc.js'),
  reconcileCluster: () => import('./commands/reconcile-cluster.js'),
  rollback: () => import('./commands/rollback.js'),
  migrateState: () => import('./commands/migrate-state.js'),
  rollingUpdate: () => import('./commands/rolling-update-cluster.js'),
  rotateBootstrapToken: () => import('./commands/rotate-bootstrap-token.js'),
  toolboxDump: () => import('./commands/toolbox-dump.js'),
  updateCluster: () => import('./commands/update-cluster.js'),
  validateCluster: () => import('./commands/validate-cluster.js'),
  upgradeCluster: () => import('./commands/upgrade-cluster.js'),
};

/**
 * The group the command line names: its first word after the global options. Undefined (the
 * whole tree) when the first word is no group or anything but a global option comes before it.
 */
export function groupOf(argv: readonly string[]): CommandGroup | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-')) return COMMAND_GROUPS.find((g) => g.name === a);
    if (/^--[^=]+=/.test(a)) {
      if (!GLOBAL_VALUE_OPTIONS.has(a.slice(0, a.indexOf('=')))) return undefined;
      continue;
    }
    if (!GLOBAL_VALUE_OPTIONS.has(a)) return undefined;
    i++;
  }
  return undefined;
}

/** The modules `group` names, imported (the others are absent: `register` uses only its own). */
export async function loadGroupModules(group: CommandGroup): Promise<CommandModules> {
  const names = [...new Set<ModuleName>(['createCluster', ...group.modules])];
  const loaded = await Promise.all(names.map(async (n) => [n, await LOADERS[n]()] as const));
  return Object.fromEntries(loaded) as unknown as CommandModules;
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const group = groupOf(argv);
  if (!group) {
    const { run } = await import('./main.js');
    process.exitCode = await run(argv);
    return;
  }
  const io = redactingIO(processIO());
  let exitCode: number = ExitCode.OK;
  const { program, ctx } = rootProgram(io);
  const modules = await loadGroupModules(group);
  group.register(modules, program, ctx, (code) => (exitCode = code));
  finishTree(program);
  process.exitCode = await parseAndReport(program, modules.createCluster.rewriteAliases(argv), io, () => exitCode);
}
