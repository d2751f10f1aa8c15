/** `kops-ts create -f <file>` and `kops-ts replace -f <file> [--force]`. */
import type { Command } from 'commander';
import type { ManifestResult } from '../../cloudup/manifests.js';
import { KopsError } from '../../diagnostics.js';
import { commandLine, switchFlag, type CommandLine } from '../command-line.js';
import type { CommandContext } from '../context.js';
import { readInputFile } from '../input.js';
import { storeCommandInterrupts } from '../interrupt.js';

/** `kops-ts <verb> -f <file>` with `--state` if given, then `flags`: for the interrupt messages. */
function fileCommandLine(ctx: CommandContext, verb: string, file: string | undefined, flags: readonly string[] = []): CommandLine {
  return commandLine({ verb: [verb], target: ['-f', file ?? '-'], globals: ctx.globals, flags });
}

function read(ctx: CommandContext, file: string | undefined): string {
  if (!file) throw new KopsError('MissingFile', 'no manifest given', { hint: 'pass -f <file> (or -f - for standard input)', exitCode: 2 });
  return readInputFile(ctx, file, '-f');
}

function report(ctx: CommandContext, r: ManifestResult): void {
  for (const w of r.warnings) ctx.warn(`${w.path ? `${w.path}: ` : ''}${w.summary}`);
  for (const c of r.created) ctx.io.stdout(`Created ${c}\n`);
  for (const c of r.replaced) ctx.io.stdout(`Replaced ${c}\n`);
  // Identical to what is stored: not written, so no new version and no history entry.
  for (const c of r.unchanged ?? []) ctx.io.stderr(`No changes: ${c} is already as in the manifest; nothing written\n`);
}

export async function createFromFile(ctx: CommandContext, file: string | undefined, forceUnlock?: string): Promise<void> {
  const text = read(ctx, file);
  // Creating a cluster takes its lock to write the spec: a signal lets the writes finish.
  const interrupts = storeCommandInterrupts(ctx.io, 'create -f', ctx.globals.name ?? 'named in the manifest', fileCommandLine(ctx, 'create', file));
  const { createFromManifest } = await import('../../cloudup/manifests.js');
  await interrupts.run(ctx.io.signals, async () => report(ctx, await createFromManifest(ctx.clientset(), text, file ?? '-', ctx.globals.name, forceUnlock ? { forceUnlock } : {})));
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
      const line = fileCommandLine(c, 'replace', flags.filename, switchFlag('--force', flags.force));
      // With --force, a cluster it creates is written under its lock: a signal lets the writes finish.
      const interrupts = storeCommandInterrupts(c.io, 'replace -f', c.globals.name ?? 'named in the manifest', line);
      const { replaceFromManifest } = await import('../../cloudup/manifests.js');
      await interrupts.run(c.io.signals, async () => report(c, await replaceFromManifest(c.clientset(), text, flags.filename ?? '-', opts)));
    });
}
