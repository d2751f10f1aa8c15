/**
 * `kops-ts rolling-update cluster [name]`, as kops's: without `--yes` the preview table
 * (`NAME STATUS NEEDUPDATE READY MIN TARGET MAX NODES`); with `--yes` the roll
 * (src/rolling-update/roll.ts) under the cluster lock, its progress recorded in the state store so
 * an interrupted run resumes. The Kubernetes API is reached through the kubeconfig context named
 * after the cluster (src/kube/client.ts); `--cloudonly` needs none. This file declares the command;
 * the implementation is rolling-update-cluster-impl.ts.
 */
import type { Command } from 'commander';
import { KopsError } from '../../diagnostics.js';
import type { CommandContext } from '../context.js';
import { parseOutputFormat } from '../output.js';
import { addFailOnOptions, addValidationDrainOptions, type RawRollingUpdateFlags } from './rolling-update-flags.js';

export interface RollingUpdateClusterFlags extends RawRollingUpdateFlags {
  output?: string;
  kubeconfig?: string;
  forceUnlock?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerRollingUpdateCluster(program: Command, ctx: () => CommandContext, setExit: (code: number) => void): void {
  const cmd = program
    .command('rolling-update')
    .description('Replace instances whose configuration changed, one group at a time, validating the cluster between steps')
    .command('cluster [name]')
    .description('Preview (or with --yes, run) the rolling update of a cluster: bastions, then control planes one at a time, then API servers, then nodes')
    .option('-y, --yes', 'perform the rolling update (without it: preview)')
    .option('--force', 'replace every instance, even those up to date')
    .option('--cloudonly', 'replace instances without the Kubernetes API: no drain, no validation (will cause downtime)')
    .option('-i, --interactive', 'ask before each instance is replaced');
  addValidationDrainOptions(cmd)
    .option('--control-plane-interval <duration>', 'pause between control-plane instances (default 15s)')
    .option('--master-interval <duration>', 'deprecated name of --control-plane-interval')
    .option('--node-interval <duration>', 'pause between node instances (default 15s)')
    .option('--bastion-interval <duration>', 'pause between bastion instances (default 15s)')
    .option('--instance-group <names>', 'only these instance groups (comma-separated or repeated)', collect)
    .option('--instance-group-roles <roles>', 'only groups of these roles: control-plane (or master), apiserver, node, bastion', collect);
  addFailOnOptions(cmd)
    .option('--node-group-concurrency <n>', 'node groups rolled at once, each within its own budget (default 1, as kops)')
    .option('--kubeconfig <file>', 'the kubeconfig to read the cluster context from (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--force-unlock <id>', 'break a stale cluster lock with this id first (needs --yes)')
    .option('-o, --output <format>', 'table (progress lines) or json (the preview as JSON; with --yes, one JSON event per line)')
    .action(async (positional: string | undefined, raw: RollingUpdateClusterFlags) => {
      const c = ctx();
      const name = c.clusterName(positional);
      const format = parseOutputFormat(raw.output, ['table', 'json']);
      // The roll and its modules are imported when the command runs, not when the CLI starts.
      const [{ parseRollingUpdateFlags }, { rollingUpdate }] = await Promise.all([import('./rolling-update-flags.js'), import('./rolling-update-cluster-impl.js')]);
      const flags = parseRollingUpdateFlags(raw);
      if (raw.forceUnlock !== undefined && !flags.yes) {
        throw new KopsError('InvalidFlag', '--force-unlock needs --yes', { hint: 'breaking a lock is only useful to run the rolling update: add --yes', exitCode: 2 });
      }
      setExit(await rollingUpdate(c, name, flags, format === 'json', raw));
    });
}
