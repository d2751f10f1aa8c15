/** `kops-ts create -f <file>` and `kops-ts replace -f <file> [--force]`. */
import type { Command } from 'commander';
import { createFromManifest, replaceFromManifest, type ManifestResult } from '../../cloudup/manifests.js';
import { KopsError } from '../../diagnostics.js';
import type { CommandContext } from '../context.js';
import { readInputFile } from '../input.js';

function read(ctx: CommandContext, file: string | undefined): string {
  if (!file) throw new KopsError('MissingFile', 'no manifest given', { hint: 'pass -f <file> (or -f - for standard input)', exitCode: 2 });
  return readInputFile(ctx, file, '-f');
}

function report(ctx: CommandContext, r: ManifestResult): void {
  for (const w of r.warnings) ctx.warn(`${w.path ? `${w.path}: ` : ''}${w.summary}`);
  for (const c of r.created) ctx.io.stdout(`Created ${c}\n`);
  for (const c of r.replaced) ctx.io.stdout(`Replaced ${c}\n`);
}

export async function createFromFile(ctx: CommandContext, file: string | undefined, forceUnlock?: string): Promise<void> {
  report(ctx, await createFromManifest(ctx.clientset(), read(ctx, file), file ?? '-', ctx.globals.name, forceUnlock ? { forceUnlock } : {}));
}

export function registerReplace(program: Command, ctx: () => CommandContext): void {
  program
    .command('replace')
    .description('Replace cluster or instance-group specs from a manifest (kops replace -f)')
    .option('-f, --filename <file>', 'manifest file (- for standard input)')
    .option('--force', 'create objects that do not exist yet')
    .option('--force-unlock <id>', 'break a stale cluster lock with this id first (when --force creates the cluster)')
    .action(async (flags: { filename?: string; force?: boolean; forceUnlock?: string }) => {
      const c = ctx();
      const text = read(c, flags.filename);
      const opts = { force: Boolean(flags.force), ...(c.globals.name ? { defaultCluster: c.globals.name } : {}), ...(flags.forceUnlock ? { forceUnlock: flags.forceUnlock } : {}) };
      report(c, await replaceFromManifest(c.clientset(), text, flags.filename ?? '-', opts));
    });
}
