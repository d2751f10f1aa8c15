/**
 * `kops-ts delete instance <id|node> [--yes] [--surge[=false]] [--cloudonly]` (kops's `delete
 * instance`): replace one instance of the cluster. Without `--yes`, what would be done (the
 * instance, its group, surge or not) and kops's "Must specify --yes to delete instance"; with
 * `--yes`, under the cluster lock, the rolling update's own steps for that one instance
 * (src/rolling-update/single-instance.ts). `-o json|yaml`: one document on stdout
 * (delete-instance-output.ts). It takes the rolling update's validation and drain
 * flags (declared once, in rolling-update-flags.ts). This file declares the command;
 * delete-instance-impl.ts is imported by its action.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { boolFlag } from '../flags.js';
import { parseOutputFormat } from '../output.js';
import { addFailOnOptions, addValidationDrainOptions, type RawStepFlags } from './rolling-update-flags.js';

export interface DeleteInstanceFlags extends RawStepFlags {
  surge?: boolean;
  output?: string;
  kubeconfig?: string;
  forceUnlock?: string;
}

export function registerDeleteInstance(del: Command, ctx: () => CommandContext, setExit: (code: number) => void): void {
  const cmd = del
    .command('instance')
    .argument('<instance>', "the instance's cloud id (AWS i-..., GCE instance name) or its Kubernetes Node's name")
    .description("Replace one instance of the cluster (by cloud id or Node name): detach it so its group launches a replacement (surge), validate, drain and terminate it")
    .option('-y, --yes', 'really delete the instance (without it: say what would be done)')
    .option('--surge [bool]', 'detach the instance first so its group launches the replacement before the drain (default true on AWS; on GCE the group\'s maxSurge decides; never for control planes)', boolFlag('--surge'))
    .option('--cloudonly', 'delete without the Kubernetes API: no drain, no validation (the node\'s pods go down with it)');
  addValidationDrainOptions(cmd);
  addFailOnOptions(cmd)
    .option('--kubeconfig <file>', 'the kubeconfig to read the cluster context from (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--force-unlock <id>', 'break a stale cluster lock with this id first (needs --yes)')
    .option('-o, --output <format>', 'table (words) or json|yaml (one document on stdout: the preview, or with --yes what was done; progress on stderr)', 'table')
    .action(async (instance: string, raw: DeleteInstanceFlags) => {
      const c = ctx();
      const name = c.clusterName(undefined);
      parseOutputFormat(raw.output);
      const [{ parseStepFlags }, { deleteInstanceCommand }] = await Promise.all([import('./rolling-update-flags.js'), import('./delete-instance-impl.js')]);
      setExit(await deleteInstanceCommand(c, name, instance, parseStepFlags(raw), raw));
    });
}
