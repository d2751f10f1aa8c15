/**
 * The real binary as a child process whose pid the test holds (to SIGKILL it), with the same
 * environment discipline as test/helpers/bin.ts: PATH, a nonexistent HOME, a scratch kubeconfig,
 * plus `env`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from '../helpers/bin.js';
import { scratchKubeconfig } from '../helpers/kubeconfig.js';

export interface ChildResult {
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningChild {
  readonly child: ChildProcess;
  readonly done: Promise<ChildResult>;
}

export function spawnBin(args: readonly string[], env: Record<string, string> = {}): RunningChild {
  const child = spawn('node', [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', KUBECONFIG: scratchKubeconfig(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const done = new Promise<ChildResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}
