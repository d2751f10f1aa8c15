/**
 * SIGINT in the middle of `update cluster --yes`, as a person at a terminal or a cancelled CI job
 * sends it to the real binary (file:// store, the emulator): the first signal stops cleanly (exit
 * 130, lock released, a summary naming the command that finishes the rest, which converges); a
 * second signal exits at once, naming the lock's real id and the command that breaks it.
 *
 * The child gets its own emulator account: access keys created in a fresh account are mapped to it
 * by moto, so nothing here sees another test's resources.
 */
import { scratchKubeconfig } from '../helpers/kubeconfig.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { testAws } from '../helpers/aws.js';
import { unrunnable } from '../helpers/cli-commands.js';
import { KEY } from './harness.js';

const BIN = new URL('../../bin/kops-ts.js', import.meta.url).pathname;

function program(): Command {
  return buildProgram({ stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {}, readFile: () => '', edit: () => 0 });
}

/** A running kops-ts: its output so far, a wait for a stderr line, and its end. */
interface Running {
  readonly child: ChildProcess;
  stderr(): string;
  stdout(): string;
  /** Resolves when stderr has a line matching `re` (never a sleep: it follows the output). */
  line(re: RegExp): Promise<string>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: readonly string[], env: Record<string, string>): Running {
  const child = spawn('node', [BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', KUBECONFIG: scratchKubeconfig(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const hit = err.split('\n').find((l) => w.re.test(l));
      if (hit !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(hit);
      }
    }
  };
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    check();
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    exit,
    line: (re) =>
      new Promise<string>((resolve, reject) => {
        waiters.push({ re, resolve });
        check();
        void exit.then(() => reject(new Error(`kops-ts exited before printing ${re}; stderr:\n${err}`)));
      }),
  };
}

/**
 * An HTTP proxy in front of the emulator that, once `stall()` is called, holds every new request
 * without answering: the child is then provably in the middle of AWS calls, whatever the timing.
 */
async function stallingProxy(target: string): Promise<{ url: string; stall(): void; close(): Promise<void> }> {
  let stalled = false;
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (stalled) {
      held.push(res);
      return;
    }
    const up = new URL(req.url ?? '/', target);
    const fwd = request(up, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    fwd.on('error', () => res.destroy());
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stall: () => (stalled = true),
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function kops(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = start(args, env);
  const { code } = await r.exit;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

/** A file:// store holding a new one-zone cluster, and the environment of a fresh emulator account. */
async function setup(name: string): Promise<{ dir: string; env: Record<string, string> }> {
  const aws = testAws();
  await aws.clients.iam.send(new CreateUserCommand({ UserName: 'pipeline' }));
  const key = (await aws.clients.iam.send(new CreateAccessKeyCommand({ UserName: 'pipeline' }))).AccessKey!;
  const dir = mkdtempSync(join(tmpdir(), 'kops-ts-interrupt-'));
  const env = {
    KOPS_STATE_STORE: `file://${dir}`,
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_ACCESS_KEY_ID: key.AccessKeyId!,
    AWS_SECRET_ACCESS_KEY: key.SecretAccessKey!,
    AWS_REGION: 'us-east-1',
  };
  const created = await kops(['create', 'cluster', '--name', name, '--zones', 'us-east-1a', '--ssh-public-key', KEY], env);
  expect(created.code, created.stderr).toBe(0);
  return { dir, env };
}

/** The command a hint line ends with, as argv for the binary. */
function argvOf(line: string): string[] {
  const cmd = line.slice(line.lastIndexOf(': kops-ts ') + 2);
  expect(unrunnable(cmd, program())).toEqual([]);
  return cmd.split(' ').slice(1);
}

async function expectConverged(name: string, env: Record<string, string>): Promise<void> {
  const plan = await kops(['update', 'cluster', '--name', name, '--detailed-exitcode'], env);
  expect([plan.code, plan.stdout.trim()]).toEqual([0, 'No changes need to be applied']);
}

describe('update cluster --yes interrupted', () => {
  it('on SIGINT mid-apply: stops starting changes, releases the lock, says what is left and how to finish, exits 130', async () => {
    const name = 'sigint.example.com';
    const { dir, env } = await setup(name);
    const run = start(['update', 'cluster', '--name', name, '--yes'], env);
    const applying = await run.line(/^Applying \d+ change\(s\)\.\.\.$/);
    const total = Number(/\d+/.exec(applying)![0]);
    run.child.kill('SIGINT');
    const { code, signal } = await run.exit;
    expect([code, signal]).toEqual([130, null]);
    const lines = run.stderr().trim().split('\n');
    expect(lines).toContain('Stopping on SIGINT: no new change starts; changes in progress finish, then the cluster lock is released (SIGINT again exits at once)');
    const last = lines.at(-1)!;
    const m = /^error: interrupted by SIGINT: (\d+) of (\d+) change\(s\) applied, (\d+) failed, (\d+) not done; the cluster lock is released \(update cluster sigint\.example\.com\): a re-run finishes the rest: (kops-ts .*)$/.exec(last);
    expect(m, last).not.toBeNull();
    const [applied, planned, failed, left] = [m![1], m![2], m![3], m![4]].map(Number) as [number, number, number, number];
    expect(planned).toBe(total);
    expect([failed, applied + failed + left]).toEqual([0, total]);
    expect(left).toBeGreaterThan(0);
    expect(m![5]).toBe(`kops-ts update cluster --name ${name} --yes`);
    expect(run.stdout()).toBe('');
    // The lock is gone, and nothing was recorded as applied (the completed spec is written only on success).
    expect(existsSync(join(dir, name, 'lock'))).toBe(false);
    expect(existsSync(join(dir, name, 'cluster-completed.spec'))).toBe(false);

    // The re-run the summary names finishes the job, and then the plan is empty.
    const rerun = await kops(argvOf(last), env);
    expect(rerun.code, rerun.stderr).toBe(0);
    // What is left (a change cut short after its resource was made may need less than a create).
    const finished = Number(/^\n(\d+) change\(s\) applied to the cloud/.exec(rerun.stdout)?.[1]);
    expect(finished).toBeGreaterThan(0);
    expect(finished).toBeLessThanOrEqual(left);
    await expectConverged(name, env);
  }, 300_000);

  it('on a second signal (SIGTERM, then SIGINT): exits 130 at once, naming the lock it leaves and the command that breaks it', async () => {
    const name = 'sigint-twice.example.com';
    const { dir, env } = await setup(name);
    const proxy = await stallingProxy(env.AWS_ENDPOINT_URL!);
    const run = start(['update', 'cluster', '--name', name, '--yes'], { ...env, AWS_ENDPOINT_URL: proxy.url });
    await run.line(/^Applying \d+ change\(s\)\.\.\.$/);
    // From now on the cloud does not answer: the changes in progress cannot finish.
    proxy.stall();
    // A CI runner cancelling a job sends SIGTERM; then someone presses Ctrl-C.
    run.child.kill('SIGTERM');
    await run.line(/^Stopping on SIGTERM/);
    run.child.kill('SIGINT');
    const { code, signal } = await run.exit;
    await proxy.close();
    expect([code, signal]).toEqual([130, null]);
    const last = run.stderr().trim().split('\n').at(-1)!;
    expect(last).toMatch(/^error: exiting at once on a second SIGINT; changes in progress may or may not have been made, and the lock on cluster "sigint-twice\.example\.com" \(lock id [0-9a-f]{16}\) stays until it expires, by \S+ at the latest \(update cluster\): when no other kops-ts run is using the cluster, break it and finish with: kops-ts update cluster --name sigint-twice\.example\.com --force-unlock [0-9a-f]{16} --yes$/);
    // It did not wait for the changes in progress (they could not finish): the lock it names is still there.
    const id = /lock id ([0-9a-f]{16})/.exec(last)![1];
    const lock = JSON.parse(readFileSync(join(dir, name, 'lock'), 'utf8')) as { id: string };
    expect(lock.id).toBe(id);
    expect(last).toContain(`--force-unlock ${id} --yes`);

    // The command it names breaks that lock (saying so) and finishes the job.
    const fixed = await kops(argvOf(last), env);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toMatch(new RegExp(`^Broke the lock on cluster "${name.replace(/\./g, '\\.')}" \\(lock id ${id}\\) held by .+ for "update cluster" since \\S+$`, 'm'));
    expect(existsSync(join(dir, name, 'lock'))).toBe(false);
    await expectConverged(name, env);
  }, 300_000);
});
