/** Small commands: `version` (`create sshpublickey` is create-sshpublickey.ts). */
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { KOPS_TS_VERSION } from '../../version.js';
import type { CommandContext } from '../context.js';
import { parseOutputFormat } from '../output.js';

/**
 * The commit of the checkout this code runs from: only when this file sits in that repository's
 * own src/ or dist/ (a source checkout), not when an installed package lies inside some other
 * repository (a project's node_modules/), whose commit says nothing about kops-ts.
 */
function gitSha(): string | undefined {
  const here = fileURLToPath(new URL('.', import.meta.url));
  try {
    const [top, sha] = execFileSync('git', ['rev-parse', '--show-toplevel', '--short', 'HEAD'], { cwd: here, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
      .split('\n');
    if (!top || !sha) return undefined;
    const within = relative(realpathSync(top), realpathSync(here)).split(sep)[0];
    return within === 'src' || within === 'dist' ? sha : undefined;
  } catch {
    return undefined;
  }
}

export function registerVersion(program: Command, ctx: () => CommandContext): void {
  program
    .command('version')
    .description('Print the kops-ts version')
    .option('-o, --output <format>', 'table or json', 'table')
    .action((flags: { output?: string }) => {
      const c = ctx();
      const format = parseOutputFormat(flags.output, ['table', 'json', 'yaml']);
      const sha = gitSha();
      if (format === 'json') c.io.stdout(`${JSON.stringify({ clientVersion: KOPS_TS_VERSION, ...(sha ? { gitCommit: sha } : {}) })}\n`);
      else if (format === 'yaml') c.io.stdout(`clientVersion: ${KOPS_TS_VERSION}\n${sha ? `gitCommit: ${sha}\n` : ''}`);
      else c.io.stdout(`Client version: ${KOPS_TS_VERSION}${sha ? ` (git-${sha})` : ''}\n`);
    });
}
