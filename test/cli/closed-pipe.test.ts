/**
 * A reader that goes away (`kops-ts get all x -o yaml | head -1`): the binary stops writing to the
 * closed pipe and ends as it would have, without the EPIPE stack trace Node prints for an
 * unhandled write error, and a command's work is not cut short by it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { BIN, runBin } from '../helpers/bin.js';

/** Runs the binary with its stdout a pipe whose reading end is closed before it writes. */
function runIntoClosedPipe(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

it('--help into a closed pipe ends with exit 0 and nothing on stderr', async () => {
  const r = await runIntoClosedPipe(['--help']);
  expect(r).toEqual({ code: 0, stderr: '' });
});

it('a command whose stdout is closed still does its work: create cluster writes the spec, and get reads it back', async () => {
  const state = `file://${mkdtempSync(join(tmpdir(), 'kops-ts-pipe-'))}`;
  const created = await runIntoClosedPipe(['create', 'cluster', '--name', 'pipe.example.com', '--zones', 'us-east-1a'], { KOPS_STATE_STORE: state });
  expect(created.code).toBe(0);
  // Only create's own warning (no SSH key given): no write error.
  expect(created.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^warning: no SSH public key given/)]);
  const got = await runBin(['get', 'instancegroups', '--name', 'pipe.example.com'], { KOPS_STATE_STORE: state });
  expect(got.code).toBe(0);
  expect(got.stdout).toMatch(/nodes-us-east-1a\s+Node/);
});
