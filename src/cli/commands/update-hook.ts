/** What `create cluster --yes` runs after writing the spec: `update cluster --yes`, as kops does. */
import type { CommandContext } from '../context.js';
import type { Interrupts } from '../interrupt.js';
import { runUpdate } from './update-cluster.js';

export async function runUpdateAfterCreate(ctx: CommandContext, name: string, interrupts: Interrupts): Promise<void> {
  await runUpdate(ctx, name, { yes: true }, interrupts);
}
