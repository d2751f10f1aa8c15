/**
 * The CLI bundle (scripts/bundle-cli.mjs, issue #12 cold start): built here into the layout an
 * installed package has (bin/, dist/cli-bundle/, channels/, package.json, node_modules, no src/),
 * whatever state this checkout's dist/ is in, and run as a user runs it. `version` and `get
 * clusters` compile the one bundle file with the code cache the build wrote (and V8 takes it),
 * and load nothing from node_modules; the packages left out of the bundle still load from
 * node_modules when an action needs them, the ES-only ones included; a cache that does not belong
 * to the bundle's text is not used, a corrupt one costs nothing but time, and the run that found
 * either writes a good one; verbose stack traces
 * name src/ files; and sources that find package files next to them (the shipped channel) still
 * find them.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metafile } from 'esbuild';
import { cacheFileOf, cachePrefixOf } from '../../bin/bundle-loader.js';
import { BUNDLE_FILE, bundleCli } from '../../scripts/bundle-cli.mjs';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RECORDER = fileURLToPath(new URL('../helpers/record-loads.mjs', import.meta.url));

let dir: string;
let pkg: string;
let bundleDir: string;
let state: string;
let meta: Metafile;

interface Load {
  readonly kind: 'import' | 'require' | 'script';
  readonly specifier: string;
  readonly url?: string;
  /** For a vm.Script: whether it was offered V8 cached data, and whether V8 refused it. */
  readonly cachedData?: boolean;
  readonly cachedDataRejected?: boolean;
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Every file URL the run imported (ES modules) or compiled (vm.Script) and every CommonJS require specifier. */
  readonly loads: readonly string[];
  /** The scripts compiled through vm.Script (the bundle) and what happened to their cache. */
  readonly scripts: readonly Load[];
}

async function run(args: readonly string[], env: Record<string, string> = {}, bin = join(pkg, 'bin', 'kops-ts.js')): Promise<Run> {
  const out = join(dir, `loads-${Math.random().toString(36).slice(2)}.jsonl`);
  let r: { code: number; stdout: string; stderr: string };
  try {
    const ok = await exec('node', ['--import', RECORDER, bin, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', KOPS_TS_RECORD_LOADS: out, ...env } });
    r = { code: 0, stdout: ok.stdout, stderr: ok.stderr };
  } catch (e) {
    r = e as { code: number; stdout: string; stderr: string };
  }
  const recorded = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Load);
  return { ...r, loads: recorded.map((l) => l.url ?? l.specifier), scripts: recorded.filter((l) => l.kind === 'script') };
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
  cpSync(join(ROOT, 'bin'), join(pkg, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(ROOT, 'channels'), join(pkg, 'channels'));
  // Before the bundle: the build runs it (its code cache's training runs) with its packages.
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  meta = await bundleCli(ROOT, bundleDir);
  state = `file://${join(dir, 'state')}`;
  const r = await run(['create', 'cluster', '--name', 'bundle.example.com', '--zones', 'us-east-1a', '--state', state]);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI bundle, installed', () => {
  it('version compiles the one bundle file with its code cache (V8 takes it), and loads nothing from node_modules', async () => {
    const r = await run(['version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Client version: \d+\.\d+\.\d+/);
    const { files, inputs } = bundleInputs(r.loads);
    expect(files).toEqual([BUNDLE_FILE]);
    expect(r.scripts).toEqual([expect.objectContaining({ specifier: join(bundleDir, BUNDLE_FILE), cachedData: true, cachedDataRejected: false })]);
    expect(r.loads.filter((u) => u.includes('/node_modules/'))).toEqual([]);
    expect(r.loads.filter((u) => u.includes('/dist/cli/'))).toEqual([]);
    expect(inputs).toContain('src/cli/commands/misc.ts');
  }, 60_000);

  it('get clusters lists the store from the bundle alone (YAML bundled), without the cloud SDKs', async () => {
    const r = await run(['get', 'clusters', '--state', state]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('bundle.example.com');
    expect(r.scripts.map((l) => [l.cachedData, l.cachedDataRejected])).toEqual([[true, false]]);
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
    // The bundle requires it (a CommonJS require, recorded by its specifier); nothing failed to resolve.
    expect(r.loads).toContain('@aws-sdk/client-ec2');
  }, 60_000);

  it('an ES-only package left out of the bundle (the Kubernetes client) loads through require', async () => {
    const r = await run(['export', 'kubeconfig', '--name', 'bundle.example.com', '--internal', '--kubeconfig', join(dir, 'kubeconfig'), '--state', state]);
    expect(r.code).not.toBe(0);
    // Past the client's import, the command stops where a cluster never applied must stop.
    expect(r.stderr).toContain('has no kubernetes-ca yet');
    expect(r.stderr).not.toMatch(/ERR_REQUIRE|Cannot find (package|module)|ExperimentalWarning/);
    expect(r.loads).toContain('@kubernetes/client-node');
  }, 60_000);

  it('a code cache is used only for the text it was made from; a foreign or corrupt one costs one slower run, which replaces it', async () => {
    // A second installed layout whose bundle differs from the one the cache was made from by one
    // letter: same length, so V8's own check (the length) would take the cache.
    const other = join(dir, 'edited');
    const otherBundle = join(other, 'dist', 'cli-bundle', BUNDLE_FILE);
    mkdirSync(join(other, 'dist', 'cli-bundle'), { recursive: true });
    cpSync(join(pkg, 'bin'), join(other, 'bin'), { recursive: true });
    cpSync(join(pkg, 'package.json'), join(other, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(other, 'node_modules'));
    const text = readFileSync(join(bundleDir, BUNDLE_FILE), 'utf8');
    expect(text).toContain('Client version: ');
    const edited = text.replace('Client version: ', 'Client VERSION: ');
    writeFileSync(otherBundle, edited);
    cpSync(cacheFileOf(join(bundleDir, BUNDLE_FILE)), cacheFileOf(otherBundle));
    const foreign = await run(['version'], {}, join(other, 'bin', 'kops-ts.js'));
    expect(foreign.code, foreign.stderr).toBe(0);
    expect(foreign.stdout).toMatch(/^Client VERSION: \d+\.\d+\.\d+/);
    expect(foreign.scripts.map((l) => l.cachedData)).toEqual([false]);
    // That run replaced the cache with one of its own text, which the next run uses.
    const again = await run(['version'], {}, join(other, 'bin', 'kops-ts.js'));
    expect(again.stdout).toMatch(/^Client VERSION: /);
    expect(again.scripts.map((l) => [l.cachedData, l.cachedDataRejected])).toEqual([[true, false]]);
    // A cache made from this very text but whose data is not V8's: V8 refuses it, the run goes on.
    writeFileSync(cacheFileOf(otherBundle), Buffer.concat([cachePrefixOf(edited), Buffer.alloc(4096, 7)]));
    const corrupt = await run(['version'], {}, join(other, 'bin', 'kops-ts.js'));
    expect(corrupt.code, corrupt.stderr).toBe(0);
    expect(corrupt.stdout).toMatch(/^Client VERSION: \d+\.\d+\.\d+/);
    expect(corrupt.scripts.map((l) => [l.cachedData, l.cachedDataRejected])).toEqual([[true, true]]);
    expect(corrupt.stderr).toBe('');
    const healed = await run(['version'], {}, join(other, 'bin', 'kops-ts.js'));
    expect(healed.scripts.map((l) => [l.cachedData, l.cachedDataRejected])).toEqual([[true, false]]);
    expect(readdirSync(join(other, 'dist', 'cli-bundle')).sort()).toEqual([BUNDLE_FILE, `${BUNDLE_FILE}.cache`]);
  }, 60_000);

  it('a verbose error names src/*.ts lines in its stack trace (source maps), and a quiet one prints no stack', async () => {
    const args = ['get', 'cluster', 'nope.example.com', '--state', state];
    const verbose = await run([...args, '-v', '2']);
    expect(verbose.code).not.toBe(0);
    expect(verbose.stderr).toContain('cluster "nope.example.com" not found');
    expect(verbose.stderr).toMatch(/\/src\/[\w/-]+\.ts:\d+:\d+\)/);
    expect(verbose.stderr).not.toMatch(/cli-bundle\/[\w-]+\.c?js:\d+/);
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
