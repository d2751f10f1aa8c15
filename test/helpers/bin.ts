/**
 * The real binary as a separate process, as a user or a pipeline runs it: no inherited
 * environment but PATH, a HOME that does not exist and a kubeconfig of the test's own, plus `env`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { scratchKubeconfig } from './kubeconfig.js';

export const BIN = new URL('../../bin/kops-ts.js', import.meta.url).pathname;
const exec = promisify(execFile);

export interface BinResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runBin(args: readonly string[], env: Record<string, string> = {}): Promise<BinResult> {
  try {
    const r = await exec('node', [BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', KUBECONFIG: scratchKubeconfig(), ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
