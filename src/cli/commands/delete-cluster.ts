/**
 * `kops-ts delete cluster NAME [--yes]` (kops's `delete cluster`): without `--yes`, the `TYPE NAME
 * ID` table of every cloud resource the cluster owns, and nothing changes; with `--yes`, under
 * the cluster lock, the resources in dependency order (src/cloudup/delete-cluster.ts), then the
 * cluster's state (known paths only) and its kubeconfig context, then what remains and why.
 * `--unregister` removes only the state. A cluster with no `config` (an interrupted create) has
 * no cloud resources kops-ts knows of: its leftover state is removed as before. This file declares
 * the command; delete-cluster-impl.ts is imported by its action.
 */
import type { Command } from 'commander';
import type { Clock } from '../../tasks/retry.js';
import type { CommandContext } from '../context.js';

export interface DeleteClusterFlags {
  yes?: boolean;
  unregister?: boolean;
  forceUnlock?: string;
  wait: string;
  count: string;
  interval: string;
  output?: string;
}

/** Tests inject a clock here so that rounds never sleep. */
export interface DeleteClusterHooks {
  clock?: Clock;
}
export const deleteClusterHooks: DeleteClusterHooks = {};

export function registerDeleteCluster(del: Command, ctx: () => CommandContext): void {
  del
    .command('cluster [name]')
    .description('Delete a cluster: every cloud resource it owns (by its ownership tags), then its state and kubeconfig context')
    .option('-y, --yes', 'really delete (without it, only list what would be deleted)')
    .option('--unregister', 'delete only the state in the state store, keeping the cloud resources')
    .option('--wait <duration>', 'give up deleting after this long', '10m')
    .option('--count <n>', 'give up after this many rounds in a row without progress (0: no limit)', '0')
    .option('--interval <duration>', 'pause between deletion rounds', '10s')
    .option('-o, --output <format>', 'table, yaml or json: the listing (with --yes, what was deleted and what remains)', 'table')
    .option('--force-unlock <id>', 'break a stale cluster lock with this id first')
    .addHelpText('after', '\nExamples:\n  kops-ts delete cluster --name example.k8s.local            # list what would be deleted\n  kops-ts delete cluster --name example.k8s.local --yes\n  kops-ts delete cluster --name example.k8s.local --unregister --yes   # state only\n')
    .action(async (positional: string | undefined, flags: DeleteClusterFlags) => (await import('./delete-cluster-impl.js')).deleteCluster(ctx(), positional, flags));
}
