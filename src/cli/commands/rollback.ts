/**
 * `kops-ts rollback cluster|instancegroup --to <version>`: restore a spec to a version kept in its
 * history (listed by `get cluster NAME --history` / `get instancegroup NAME --history`). Validated
 * first; written as a new version conditional on the stored one, which is itself kept.
 */
import type { Command } from 'commander';
import type { RollbackResult } from '../../cloudup/rollback.js';
import { KopsError } from '../../diagnostics.js';
import type { CommandContext } from '../context.js';

function version(to: string | undefined, listing: string): string {
  if (!to) throw new KopsError('MissingFlag', 'no version given', { hint: `pass --to <version>, one of the versions '${listing}' lists`, exitCode: 2 });
  return to;
}

function report(ctx: CommandContext, cluster: string, r: RollbackResult): void {
  for (const w of r.warnings) ctx.warn(`${w.path ? `${w.path}: ` : ''}${w.summary}`);
  if (r.unchanged) {
    ctx.io.stderr(`No changes: ${r.object} is already as version ${r.restored}; nothing written, no new version in the history\n`);
    return;
  }
  ctx.io.stdout(
    `${r.object} restored to version ${r.restored}${r.generation !== undefined ? ` (now generation ${r.generation})` : ''}; ` +
      `the version it replaced is kept in the history.\nApply the change with: kops-ts update cluster --name ${cluster} --yes\n`,
  );
}

export function registerRollback(program: Command, ctx: () => CommandContext): void {
  const rollback = program.command('rollback').description("Restore a cluster's or instance group's spec to a version kept in its history");
  rollback
    .command('cluster [name]')
    .description('Restore the cluster spec (config) to an earlier version (see get cluster NAME --history)')
    .option('--to <version>', 'the version to restore, from get cluster NAME --history')
    .action(async (positional: string | undefined, flags: { to?: string }) => {
      const c = ctx();
      const name = c.clusterName(positional);
      const to = version(flags.to, `kops-ts get cluster ${name} --history`);
      const { rollbackCluster } = await import('../../cloudup/rollback.js');
      report(c, name, await rollbackCluster(c.clientset(), name, to));
    });
  rollback
    .command('instancegroup <name>')
    .aliases(['ig', 'instancegroups'])
    .description('Restore an instance group spec to an earlier version (see get instancegroup NAME --history)')
    .option('--to <version>', 'the version to restore, from get instancegroup NAME --history')
    .action(async (igName: string, flags: { to?: string }) => {
      const c = ctx();
      const name = c.clusterName();
      const to = version(flags.to, `kops-ts get instancegroup ${igName} --name ${name} --history`);
      const { rollbackInstanceGroup } = await import('../../cloudup/rollback.js');
      report(c, name, await rollbackInstanceGroup(c.clientset(), name, igName, to));
    });
}
