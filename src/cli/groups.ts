/**
 * The top-level command groups of kops-ts, in the order `--help` lists them, each with the command
 * modules that declare it. main.ts registers every group from statically imported modules (the
 * whole tree, for `--help`, completion and docs/cli-reference.md); entry.ts, the program, imports
 * only the modules of the group its command line names, so `kops-ts version` does not load the
 * declarations of the other commands (test/cli/cold-start.test.ts checks both give the same tree).
 * Only types are imported here.
 */
import type { Command } from 'commander';
import type { CommandContext } from './context.js';

/** The modules that declare commands, by a short name. */
export interface CommandModules {
  readonly completion: typeof import('./commands/completion.js');
  readonly createCluster: typeof import('./commands/create-cluster.js');
  readonly createInstanceGroup: typeof import('./commands/create-instancegroup.js');
  readonly createFile: typeof import('./commands/create-file.js');
  readonly createSSHPublicKey: typeof import('./commands/create-sshpublickey.js');
  readonly deleteCluster: typeof import('./commands/delete-cluster.js');
  readonly deleteFile: typeof import('./commands/delete-file.js');
  readonly deleteInstance: typeof import('./commands/delete-instance.js');
  readonly deleteInstanceGroup: typeof import('./commands/delete-instancegroup.js');
  readonly deleteSSHPublicKey: typeof import('./commands/delete-sshpublickey.js');
  readonly edit: typeof import('./commands/edit.js');
  readonly exportKubeconfig: typeof import('./commands/export-kubeconfig.js');
  readonly get: typeof import('./commands/get.js');
  readonly keypair: typeof import('./commands/keypair.js');
  readonly misc: typeof import('./commands/misc.js');
  readonly reconcileCluster: typeof import('./commands/reconcile-cluster.js');
  readonly rollback: typeof import('./commands/rollback.js');
  readonly migrateState: typeof import('./commands/migrate-state.js');
  readonly rollingUpdate: typeof import('./commands/rolling-update-cluster.js');
  readonly rotateBootstrapToken: typeof import('./commands/rotate-bootstrap-token.js');
  readonly toolboxDump: typeof import('./commands/toolbox-dump.js');
  readonly updateCluster: typeof import('./commands/update-cluster.js');
  readonly validateCluster: typeof import('./commands/validate-cluster.js');
  readonly upgradeCluster: typeof import('./commands/upgrade-cluster.js');
}

export type ModuleName = keyof CommandModules;

/** One top-level command and what declares it (`modules`: everything `register` uses). */
export interface CommandGroup {
  readonly name: string;
  readonly modules: readonly ModuleName[];
  register(m: CommandModules, program: Command, ctx: () => CommandContext, setExit: (code: number) => void): void;
}

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  {
    name: 'create',
    modules: ['createFile', 'createCluster', 'createInstanceGroup', 'createSSHPublicKey', 'keypair'],
    register(m, program, ctx) {
      const create = program
        .command('create')
        .description('Create a cluster, objects from a manifest (-f), or an SSH public key')
        .option('-f, --filename <file>', 'manifest with a Cluster and/or InstanceGroups (- for standard input)')
        .option('--force-unlock <id>', 'with -f: break a stale cluster lock with this id first')
        .action(async (flags: { filename?: string; forceUnlock?: string }) => m.createFile.createFromFile(ctx(), flags.filename, flags.forceUnlock));
      m.createCluster.registerCreateCluster(create, ctx);
      m.createInstanceGroup.registerCreateInstanceGroup(create, ctx);
      m.createSSHPublicKey.registerCreateSSHPublicKey(create, ctx);
      m.keypair.registerCreateKeypair(create, ctx);
    },
  },
  { name: 'replace', modules: ['createFile'], register: (m, program, ctx) => m.createFile.registerReplace(program, ctx) },
  {
    name: 'get',
    modules: ['get', 'keypair'],
    register(m, program, ctx) {
      m.get.registerGet(program, ctx);
      m.keypair.registerGetKeypairs(program.commands.find((c) => c.name() === 'get')!, ctx);
    },
  },
  { name: 'promote', modules: ['keypair'], register: (m, program, ctx) => m.keypair.registerPromoteKeypair(program, ctx) },
  { name: 'distrust', modules: ['keypair'], register: (m, program, ctx) => m.keypair.registerDistrustKeypair(program, ctx) },
  { name: 'rotate', modules: ['rotateBootstrapToken'], register: (m, program, ctx) => m.rotateBootstrapToken.registerRotate(program, ctx) },
  { name: 'migrate', modules: ['migrateState'], register: (m, program, ctx) => m.migrateState.registerMigrate(program, ctx) },
  { name: 'export', modules: ['exportKubeconfig'], register: (m, program, ctx) => m.exportKubeconfig.registerExportKubeconfig(program, ctx) },
  { name: 'edit', modules: ['edit'], register: (m, program, ctx) => m.edit.registerEdit(program, ctx) },
  {
    name: 'delete',
    modules: ['deleteFile', 'deleteInstanceGroup', 'deleteCluster', 'deleteInstance', 'deleteSSHPublicKey'],
    register(m, program, ctx, setExit) {
      const del = program.command('delete').description('Delete a cluster (its cloud resources and state), instance groups, one instance (replaced), the admin SSH key, or the objects of a manifest (-f)');
      m.deleteFile.registerDeleteFile(del, ctx);
      m.deleteInstanceGroup.registerDeleteInstanceGroup(del, ctx);
      m.deleteCluster.registerDeleteCluster(del, ctx);
      m.deleteInstance.registerDeleteInstance(del, ctx, setExit);
      m.deleteSSHPublicKey.registerDeleteSSHPublicKey(del, ctx);
    },
  },
  { name: 'update', modules: ['updateCluster'], register: (m, program, ctx, setExit) => m.updateCluster.registerUpdateCluster(program, ctx, setExit) },
  { name: 'reconcile', modules: ['reconcileCluster'], register: (m, program, ctx, setExit) => m.reconcileCluster.registerReconcileCluster(program, ctx, setExit) },
  { name: 'rollback', modules: ['rollback'], register: (m, program, ctx) => m.rollback.registerRollback(program, ctx) },
  { name: 'rolling-update', modules: ['rollingUpdate'], register: (m, program, ctx, setExit) => m.rollingUpdate.registerRollingUpdateCluster(program, ctx, setExit) },
  { name: 'validate', modules: ['validateCluster'], register: (m, program, ctx, setExit) => m.validateCluster.registerValidateCluster(program, ctx, setExit) },
  { name: 'upgrade', modules: ['upgradeCluster'], register: (m, program, ctx) => m.upgradeCluster.registerUpgradeCluster(program, ctx) },
  { name: 'toolbox', modules: ['toolboxDump'], register: (m, program, ctx) => m.toolboxDump.registerToolboxDump(program, ctx) },
  { name: 'version', modules: ['misc'], register: (m, program, ctx) => m.misc.registerVersion(program, ctx) },
  { name: 'completion', modules: ['completion'], register: (m, program, ctx) => m.completion.registerCompletion(program, ctx) },
];
