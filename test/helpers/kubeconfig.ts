/**
 * A kubeconfig path of the test's own: commands that apply (`update cluster --yes`, `create
 * cluster --yes`) export a context as kops does, and must never write the real ~/.kube/config or
 * create the harnesses' nonexistent HOME.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function scratchKubeconfig(): string {
  return join(mkdtempSync(join(tmpdir(), 'kops-ts-kubeconfig-')), 'config');
}
