/**
 * A kubeconfig path of the test's own: commands that apply (`update cluster --yes`, `create
 * cluster --yes`) export a context as kops does, and must never write the real ~/.kube/config or
 * create the harnesses' nonexistent HOME.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function scratchKubeconfig(): string {
  return join(mkdtempSync(join(tmpdir(), 'kops-ts-kubeconfig-')), 'config');
}

/** A scratch kubeconfig holding `text` (mode 0600, as kops writes one): a fake API server's. */
export function writeScratchKubeconfig(text: string): string {
  const file = scratchKubeconfig();
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}
