/**
 * The CLI bundle (scripts/bundle-cli.mjs, issue #12 cold start): built here into the layout an
 * installed package has (bin/, dist/cli-bundle/, channels/, package.json, node_modules, no src/),
 * whatever state this checkout's dist/ is in, and run as a user runs it. `version` and `get
 * clusters` read a few bundle files and nothing from node_modules; the packages left out of the
 * bundle still load from node_modules when an action needs them; a command's implementation and
 * the YAML library stay out of what `version` reads; verbose stack traces name src/ files; and
 * sources that find package files next to them (the shipped channel) still find them.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metafile } from 'esbuild';
import { bundleCli } from '../../scripts/bundle-cli.mjs';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RECORDER = fileURLToPath(new URL('../helpers/record-loads.mjs', import.meta.url));

let dir: string;
let pkg: string;
let bundleDir: string;
let state: string;
let meta: Metafile;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Every file URL the run imported (ES modules) and every CommonJS require specifier. */
  readonly loads: readonly string[];
}

async function run(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const out = join(dir, `loads-${Math.random().toString(36).slice(2)}.jsonl`);
  let r: { code: number; stdout: string; stderr: string };
  try {
    const ok = await exec('node', ['--import', RECORDER, join(pkg, 'bin', 'kops-ts.js'), ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', KOPS_TS_RECORD_LOADS: out, ...env } });
    r = { code: 0, stdout: ok.stdout, stderr: ok.stderr };
  } catch (e) {
    r = e as { code: number; stdout: string; stderr: string };
  }
  const loads = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { url?: string; specifier: string })
    .map((l) => l.url ?? l.specifier);
  return { ...r, loads };
}

/**
 * The bundle's files a run loaded, and the inputs they hold (esbuild's metafile: paths relative to
 * the checkout, `src/...`, and packages by their real path, `.../node_modules/yaml/...`).
 */
function bundleInputs(loads: readonly string[]): { files: string[]; inputs: string[] } {
  const base = pathToFileURL(bundleDir).href;
  const files = [...new Set(loads.filter((u) => u.startsWith(`${base}/`)).map((u) => u.slice(base.length + 1)))];
  const byFile = new Map(Object.entries(meta.outputs).map(([k, v]) => [k.split('/').pop()!, Object.keys(v.inputs)]));
  return { files, inputs: files.flatMap((f) => byFile.get(f) ?? []) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kops-ts-bundle-'));
  pkg = join(dir, 'pkg');
  bundleDir = join(pkg, 'dist', 'cli-bundle');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  meta = await bundleCli(ROOT, bundleDir);
  cpSync(join(ROOT, 'bin'), join(pkg, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(ROOT, 'channels'), join(pkg, 'channels'));
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  state = `file://${join(dir, 'state')}`;
  const r = await run(['create', 'cluster', '--name', 'bundle.example.com', '--zones', 'us-east-1a', '--state', state]);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI bundle, installed', () => {
  it('version reads a few bundle files, nothing from node_modules, no command implementation and no YAML library', async () => {
    const r = await run(['version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Client version: \d+\.\d+\.\d+/);
    const { files, inputs } = bundleInputs(r.loads);
    expect(files).toContain('entry.js');
    // tsc's dist/ has `version` load 25 of our modules plus commander's 9 files; esbuild's chunks
    // (one per set of entry points sharing code) are fewer.
    expect(files.length).toBeLessThanOrEqual(20);
    expect(r.loads.filter((u) => u.includes('/node_modules/'))).toEqual([]);
    expect(r.loads.filter((u) => u.includes('/dist/cli/'))).toEqual([]);
    expect(inputs).toContain('src/cli/commands/misc.ts');
    expect(inputs.filter((i) => /-impl\.ts$|\/node_modules\/yaml\/|^src\/statestore\//.test(i))).toEqual([]);
  }, 60_000);

  it('get clusters lists the store from the bundle alone (YAML bundled), without the cloud SDKs', async () => {
    const r = await run(['get', 'clusters', '--state', state]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('bundle.example.com');
    expect(r.loads.filter((u) => u.includes('/node_modules/'))).toEqual([]);
    expect(bundleInputs(r.loads).inputs.some((i) => i.includes('node_modules/yaml/'))).toBe(true);
  }, 60_000);

  it('a package left out of the bundle (the AWS SDK) still loads from node_modules when an action needs it', async () => {
    const r = await run(['get', 'instances', '--name', 'bundle.example.com', '--state', state], {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toMatch(/Cannot find (package|module)|ERR_MODULE_NOT_FOUND/);
    expect(r.loads.some((u) => /\/node_modules\/@aws-sdk\/client-ec2\//.test(u))).toBe(true);
  }, 60_000);

  it('a verbose error names src/*.ts lines in its stack trace (source maps), and a quiet one prints no stack', async () => {
    const args = ['get', 'cluster', 'nope.example.com', '--state', state];
    const verbose = await run([...args, '-v', '2']);
    expect(verbose.code).not.toBe(0);
    expect(verbose.stderr).toContain('cluster "nope.example.com" not found');
    expect(verbose.stderr).toMatch(/\/src\/[\w/-]+\.ts:\d+:\d+\)/);
    expect(verbose.stderr).not.toMatch(/cli-bundle\/[\w-]+\.js:\d+/);
    const quiet = await run(args);
    expect(quiet.stderr).toContain('cluster "nope.example.com" not found');
    expect(quiet.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('version names no commit when the package lies inside some other git repository (a project node_modules)', async () => {
    const git = (...args: string[]) => exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
    await git('init', '-q');
    await git('commit', '-q', '--allow-empty', '-m', 'a project that installed kops-ts');
    const projectSha = (await git('rev-parse', '--short', 'HEAD')).stdout.trim();
    const r = await run(['version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Client version: \d+\.\d+\.\d+\n$/);
    expect(r.stdout).not.toContain(projectSha);
    rmSync(join(dir, '.git'), { recursive: true, force: true });
  }, 60_000);

  it('finds the shipped channel next to the package (upgrade cluster reads channels/stable.yaml)', async () => {
    const r = await run(['upgrade', 'cluster', '--name', 'bundle.example.com', '--state', state]);
    expect(r.stderr).not.toMatch(/channel|ENOENT/i);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);
});
