/**
 * `kops-ts rotate secret-key --new-secret-key <file> [--yes]`: re-encrypt a cluster's private keys
 * and secrets in the state store under a new envelope key (docs/security.md "Secrets at rest"),
 * also the way to encrypt a store written before a key was configured. The current key is the
 * global `--secret-key` / `KOPS_SECRET_KEY` (none: the store is plaintext). Without `--yes`: how
 * many objects are plaintext, under the current key, already under the new one. This file
 * declares the command; rotate-secret-key-impl.ts is imported by its action.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

export interface RotateSecretKeyFlags {
  newSecretKey?: string;
  yes?: boolean;
  output?: string;
  forceUnlock?: string;
}

export function registerRotateSecretKey(rotate: Command, ctx: () => CommandContext): void {
  rotate
    .command('secret-key')
    .description("Re-encrypt the cluster's private keys and secrets in the state store under a new envelope key (the current one: --secret-key / KOPS_SECRET_KEY; none: encrypt a plaintext store)")
    .option('--new-secret-key <file>', 'file with the new base64 32-byte key (env KOPS_NEW_SECRET_KEY holds the key itself)')
    .option('-y, --yes', 'really re-encrypt (without it: count the objects under each key, change nothing)')
    .option('-o, --output <format>', 'the preview or the result as text, yaml or json', 'text')
    .option('--force-unlock <id>', 'break a stale cluster lock with this id first (needs --yes)')
    .action(async (raw: RotateSecretKeyFlags) => {
      const c = ctx();
      const name = c.clusterName(undefined);
      const { rotateSecretKeyCommand } = await import('./rotate-secret-key-impl.js');
      await rotateSecretKeyCommand(c, name, raw);
    });
}
