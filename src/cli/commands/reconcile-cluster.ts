/**
 * `kops-ts reconcile cluster [name]`, as kops's (`cmd/kops/reconcile_cluster.go`): the upgrade
 * sequence in one command, control plane first (src/cloudup/reconcile-cluster.ts has the steps and
 * why). Without `--yes` it is one dry-run `update cluster` (the plan of the whole cluster); with
 * `--yes` it updates and rolls the control plane, then every group, and deletes what the model no
 * longer wants last. `-o json`: one document on stdout, the steps' own reports on stderr. This file
 * declares the command; the implementation is reconcile-cluster-impl.ts.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { parseOutputFormat } from '../output.js';
import { addFailOnOptions, addValidationDrainOptions, type RawStepFlags } from './rolling-update-flags.js';

export interface ReconcileClusterFlags extends RawStepFlags {
  controlPlaneInterval?: string;
  nodeInterval?: string;
  bastionInterval?: string;
  kubeconfig?: string;
  forceUnlock?: string;
  output?: string;
}

export function registerReconcileCluster(program: Command, ctx: () => CommandContext, setExit: (code: number) => void): void {
  const cmd = program
    .command('reconcile')
    .description('Apply spec changes in the order Kubernetes\'s version skew policy needs: control plane first, then the other groups')
    .command('cluster [name]')
    .description('Update and roll the control plane, then update and roll every group, then delete what the model no longer wants (without --yes: the update plan)')
    .option('-y, --yes', 'run the sequence (without it: the plan of update cluster)');
  addValidationDrainOptions(cmd)
    .option('--control-plane-interval <duration>', 'pause between control-plane instances (default 15s)')
    .option('--node-interval <duration>', 'pause between node instances (default 15s)')
    .option('--bastion-interval <duration>', 'pause between bastion instances (default 15s)');
  addFailOnOptions(cmd)
    .option('--kubeconfig <file>', 'the kubeconfig to read the cluster context from (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--force-unlock <id>', 'break a stale cluster lock with this id before the first step (needs --yes)')
    .option('-o, --output <format>', 'table (the steps\' own reports) or json (one document on stdout: the plan and the steps, or with --yes the steps done; the steps\' reports go to stderr)', 'table')
    .action(async (positional: string | undefined, raw: ReconcileClusterFlags) => {
      const c = ctx();
      const name = c.clusterName(positional);
      parseOutputFormat(raw.output, ['table', 'json']);
      // The sequence, the update engine and the roll are imported when the command runs, not at start-up.
      const { reconcile } = await import('./reconcile-cluster-impl.js');
      setExit(await reconcile(c, name, raw));
    });
}
