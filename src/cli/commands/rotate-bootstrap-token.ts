/**
 * `kops-ts rotate bootstrap-token [--yes]`: replace the token instances join with (docs/bootstrap.md,
 * "The bootstrap token"). kops has no such command (its kops-controller issues node credentials);
 * kops-ts's workers join with one long-lived kubeadm token, so replacing it is its own verb, like
 * kops's `promote keypair` / `distrust keypair` for the CAs. Without `--yes`: what would be done.
 * This file declares the command; rotate-bootstrap-token-impl.ts is imported by its action.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { registerRotateSecretKey } from './rotate-secret-key.js';

export interface RotateBootstrapTokenFlags {
  yes?: boolean;
  kubeconfig?: string;
  forceUnlock?: string;
}

export function registerRotate(program: Command, ctx: () => CommandContext): void {
  const rotate = program.command('rotate').description("Replace a cluster credential: the nodes' bootstrap token, the state store's envelope key");
  rotate
    .command('bootstrap-token')
    .description('Register a new bootstrap token in the cluster, write it to the state store and every join file, then delete the old one (running nodes are not affected)')
    .option('-y, --yes', 'really rotate (without it: say what would be done, change nothing)')
    .option('--kubeconfig <file>', 'the kubeconfig to read the cluster context from (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--force-unlock <id>', 'break a stale cluster lock with this id first (needs --yes)')
    .action(async (raw: RotateBootstrapTokenFlags) => {
      const c = ctx();
      const name = c.clusterName(undefined);
      const { rotateBootstrapTokenCommand } = await import('./rotate-bootstrap-token-impl.js');
      await rotateBootstrapTokenCommand(c, name, raw);
    });
  registerRotateSecretKey(rotate, ctx);
}
