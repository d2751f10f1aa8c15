/**
 * `kops-ts delete cluster NAME --yes`, as far as it is built: it removes the state an interrupted
 * `create cluster` left (instance groups and keys written before `config`, the commit point, was),
 * which blocks creating the cluster again. A cluster that has a `config` is refused: deleting its
 * cloud resources (kops's `delete cluster`) is not built yet, and its state is not deleted alone.
 */
import type { Command } from 'commander';
import { KopsError } from '../../diagnostics.js';
import { clusterPaths } from '../../statestore/layout.js';
import { forceUnlock, withClusterLock } from '../../statestore/lock.js';
import type { CommandContext } from '../context.js';
import { storeCommandInterrupts } from '../interrupt.js';
import { shellWord } from './update-cluster.js';

export function registerDeleteCluster(del: Command, ctx: () => CommandContext): void {
  del
    .command('cluster [name]')
    .description('Delete the state an interrupted create cluster left behind (deleting a created cluster is not built yet)')
    .option('-y, --yes', 'really delete')
    .option('--force-unlock <id>', 'break a stale cluster lock with this id first (e.g. left by the interrupted create)')
    .action(async (positional: string | undefined, flags: { yes?: boolean; forceUnlock?: string }) => {
      const c = ctx();
      const name = c.clusterName(positional);
      const cs = c.clientset();
      const store = cs.store;
      const refuseCreated = () =>
        new KopsError('DeleteClusterNotSupported', `cluster "${name}" exists (it has a config): deleting a cluster and its cloud resources is not built yet`, {
          hint: 'kops-ts delete cluster only removes the state an interrupted create cluster left behind; nothing was deleted',
        });
      if (await store.read(clusterPaths.config(name))) throw refuseCreated();
      const lock = clusterPaths.lock(name);
      const left = (await store.list(`${name}/`)).filter((p) => p !== lock);
      if (left.length === 0) {
        throw new KopsError('ClusterNotFound', `cluster "${name}" not found in ${store.url}, and nothing is left of it`, {
          hint: 'list the clusters in this store with kops-ts get clusters, or check --state / KOPS_STATE_STORE',
        });
      }
      c.io.stdout(`Cluster ${name} has no config (its create did not finish); its state holds:\n${left.map((p) => `  ${p}\n`).join('')}`);
      if (!flags.yes) {
        c.io.stdout('Must specify --yes to delete cluster\n');
        return;
      }
      const line = (extra: readonly string[]) =>
        ['kops-ts', 'delete', 'cluster', '--name', name, ...(c.globals.state !== undefined ? ['--state', c.globals.state] : []), '--yes', ...extra].map(shellWord).join(' ');
      // A signal lets the deletes finish and the lock go, then exits 130.
      await storeCommandInterrupts(c.io, 'delete cluster', name, line).run(c.io.signals, async () => {
        if (flags.forceUnlock) await forceUnlock(store, name, flags.forceUnlock);
        const deleted = await withClusterLock(store, name, 'delete cluster', async () => {
          // Under the lock: a create that finished meanwhile made it a real cluster.
          if (await store.read(clusterPaths.config(name))) throw refuseCreated();
          return cs.deleteClusterState(name);
        });
        c.io.stdout(`Deleted ${deleted.length} object(s) of cluster ${name}. Create it again with: kops-ts create cluster --name ${name}\n`);
      });
    });
}
