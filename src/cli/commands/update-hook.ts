/**
 * What `create cluster --yes` runs after writing the spec. The AWS task engine and `update
 * cluster` come with their own issue; until they land this says so plainly and fails, rather
 * than pretending to have applied anything.
 */
import { KopsError } from '../../diagnostics.js';
import type { CommandContext } from '../context.js';

export async function runUpdateAfterCreate(ctx: CommandContext, name: string): Promise<void> {
  ctx.io.stdout(`Cluster configuration for ${name} has been created.\n`);
  throw new KopsError('NotImplemented', 'applying the cluster (update cluster --yes) is not available in this version of kops-ts', {
    hint: 'the spec was written; inspect it with kops-ts get cluster --full',
  });
}
