/**
 * `kops-ts delete -f <file>... [--yes]` (kops's `delete -f`): the Clusters and InstanceGroups of
 * manifests, deleted as `delete cluster` and `delete instancegroup` delete them. The flags sit on
 * the `delete` group itself, which keeps its subcommands: commander lets a parent's options be
 * given after a subcommand's name too, so `--yes` and `--force-unlock` there are handed on to the
 * subcommand (where it has them, with the same meaning) and `-f` with a subcommand is refused.
 * Without `-f` (and without `--yes`) `delete` prints its help, as kops does. delete-file-impl.ts
 * is imported by the action.
 */
import type { Command } from 'commander';
import { KopsError } from '../../diagnostics.js';
import type { CommandContext } from '../context.js';

export interface DeleteFileFlags {
  readonly filename?: readonly string[];
  readonly yes?: boolean;
  readonly forceUnlock?: string;
}

export function registerDeleteFile(del: Command, ctx: () => CommandContext): void {
  del
    .option('-f, --filename <file>', 'manifest with Clusters and/or InstanceGroups to delete (- for standard input; repeatable)', (v: string, prev: readonly string[] | undefined) => [...(prev ?? []), v])
    .option('-y, --yes', 'with -f: really delete (without it, only say what would be deleted)')
    .option('--force-unlock <id>', "with -f --yes: first break a stale lock with this id (of one of the file's clusters)")
    .hook('preSubcommand', (parent, sub) => {
      const flags = parent.opts<Partial<DeleteFileFlags>>();
      if ((flags.filename ?? []).length > 0) {
        throw new KopsError('InvalidFlag', `-f cannot be combined with delete ${sub.name()}`, { hint: `delete the manifest's objects with kops-ts delete -f <file>, or one object with kops-ts delete ${sub.name()} ...`, exitCode: 2 });
      }
      // `delete cluster x --yes`: commander gave the parent the flags meant for the subcommand.
      for (const [key, flag] of [['yes', '--yes'], ['forceUnlock', '--force-unlock']] as const) {
        if (flags[key] === undefined) continue;
        if (!sub.options.some((o) => o.attributeName() === key)) throw new KopsError('InvalidFlag', `delete ${sub.name()} has no ${flag}`, { hint: `kops-ts delete help ${sub.name()} lists the flags it takes`, exitCode: 2 });
        sub.setOptionValue(key, flags[key]);
      }
    })
    // An action on a command with subcommands drops commander's implicit `help` subcommand: kept.
    .helpCommand(true)
    .action(async (flags: DeleteFileFlags, cmd: Command) => {
      if (!flags.filename?.length) {
        if (flags.yes || flags.forceUnlock !== undefined) throw new KopsError('MissingFile', `delete ${flags.yes ? '--yes' : '--force-unlock'} needs -f <file> or a subcommand`, { hint: 'e.g. kops-ts delete -f cluster.yaml --yes, or kops-ts delete cluster --name <cluster> --yes', exitCode: 2 });
        cmd.help({ error: true });
      }
      if (flags.forceUnlock !== undefined && !flags.yes) throw new KopsError('InvalidFlag', '--force-unlock needs --yes', { hint: 'without --yes nothing is deleted and no lock is taken: run it without --force-unlock to see what would be deleted', exitCode: 2 });
      await (await import('./delete-file-impl.js')).deleteFromFiles(ctx(), flags.filename, { yes: Boolean(flags.yes), ...(flags.forceUnlock !== undefined ? { forceUnlock: flags.forceUnlock } : {}) });
    });
}
