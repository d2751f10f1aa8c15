/** Runs the CLI in-process with captured output, as a user would type it. */
import { scratchKubeconfig } from '../helpers/kubeconfig.js';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { run } from '../../src/cli/main.js';
import type { CliIO, SignalSource } from '../../src/cli/io.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: Record<string, string | undefined>;
  /** Called with the file the editor would open; rewrite it to simulate an edit. */
  readonly editor?: (path: string) => number;
  readonly isTTY?: boolean;
  /** SIGINT/SIGTERM as the command would get them (default: none arrive). */
  readonly signals?: SignalSource;
  /** Answers to terminal prompts (`--interactive`), in order. */
  readonly answers?: readonly string[];
}

export async function cli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    isTTY: opts.isTTY ?? false,
    env: { HOME: '/nonexistent-home', KUBECONFIG: scratchKubeconfig(), ...opts.env },
    readFile: (p) => readFileSync(p, 'utf8'),
    edit: opts.editor ?? (() => 0),
    ...(opts.signals ? { signals: opts.signals } : {}),
    ...(opts.answers ? { prompt: promptFrom([...opts.answers], (q) => (stderr += q)) } : {}),
  };
  const code = await run(args, io);
  return { code, stdout, stderr };
}

function promptFrom(answers: string[], echo: (question: string) => void): (question: string) => Promise<string> {
  return async (question) => {
    echo(question);
    const a = answers.shift();
    if (a === undefined) throw new Error(`the test gave no answer to: ${question}`);
    return a;
  };
}

/** Runs the CLI and returns its stdout; a non-zero exit throws with the command, its stderr and stdout. */
export async function cliOk(args: string[], opts: CliOptions = {}): Promise<string> {
  const r = await cli(args, opts);
  if (r.code !== 0) throw new Error(`kops-ts ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

export function tempStore(): { dir: string; url: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kops-ts-cli-'));
  return { dir, url: `file://${dir}` };
}

/** Every file under `dir` with its bytes: to prove a failed command changed nothing. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'base64');
    }
  };
  walk(dir);
  return out;
}

export const KEY = new URL('../../scripts/demo-key.pub', import.meta.url).pathname;

/** Rolling-update flags that drop kops's waits (intervals, post-drain delay) and bound the rest, for tests. */
export const FAST_ROLL = ['--validate-count', '1', '--post-drain-delay', '0s', '--control-plane-interval', '0s', '--node-interval', '0s', '--bastion-interval', '0s', '--drain-timeout', '1m', '--validation-timeout', '2m'];
