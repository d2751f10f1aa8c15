/**
 * `kops-ts migrate state --to <url> [--yes]`: move a cluster's state to another store
 * (docs/state-store.md, "Moving a cluster's state"). A verb-noun like `rotate bootstrap-token`:
 * the noun is what moves (the cluster's state, not the cluster, whose cloud resources stay where
 * they are), and `migrate` leaves room for other nouns. kops has no command for it (its
 * docs/state.md lists four manual steps). Without `--yes`: what would be copied and the checks.
 * This file declares the command; migrate-state-impl.ts is imported by its action.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

export interface MigrateStateFlags {
  to?: string;
  yes?: boolean;
  output?: string;
  forceUnlock?: string;
  skipBackups?: boolean;
}

export function registerMigrate(program: Command, ctx: () => CommandContext): void {
  const migrate = program.command('migrate').description("Move a cluster's state to another state store");
  migrate
    .command('state')
    .description("Copy the cluster's state (specs, keys, secrets, history, backups) to the store --to, config last, then mark the source as moved")
    .requiredOption('--to <url>', 'the destination store: s3://bucket[/prefix], gs://bucket[/prefix] or file:///abs/path')
    .option('-y, --yes', 'really copy (without it: say what would be copied and check the destination, change nothing)')
    .option('-o, --output <format>', 'the preview or the result as text, yaml or json', 'text')
    .option('--skip-backups', 'leave backups/ (etcd backups) in the source store, where nothing deletes them')
    .option('--force-unlock <id>', 'break a stale cluster lock with this id first (needs --yes)')
    .action(async (raw: MigrateStateFlags) => {
      const c = ctx();
      const name = c.clusterName(undefined);
      const { migrateStateCommand } = await import('./migrate-state-impl.js');
      await migrateStateCommand(c, name, raw);
    });
}
