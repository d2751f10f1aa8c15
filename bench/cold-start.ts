/**
 * Benchmark: CLI cold start. The wall time of `kops-ts version`, `kops-ts get clusters` on a
 * file:// store and `kops-ts update cluster --help`, each a fresh `node` process, as a ratio to
 * `node -e 0` measured in the same rounds (the cases of one round run back to back, so a busy
 * moment of the shared machine weighs on all of them). Three ways of running the CLI:
 *
 * - checkout: `node bin/kops-ts.js` in this checkout, which runs the CLI bundle dist/cli-bundle/
 *   when it was built from exactly the sources checked out (bin/source-stamp.js); the bench builds
 *   it first if not;
 * - checkout, sources through tsx: the same with KOPS_TS_FROM_SOURCE=1 (a checkout whose dist/
 *   is missing or stale);
 * - installed package: the layout `npm install` makes (bin/, dist/, package.json, no src/) in a
 *   temporary folder.
 *
 * Target (issue #12): at most 3x `node -e 0` for `version` and `get clusters`, from a checkout as
 * from an installed package. `KOPS_TS_BENCH_RUNS` sets the rounds (default 15).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { distIsFresh } from '../bin/source-stamp.js';
import { fmt, table } from './harness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET = 3;

interface Runner {
  readonly label: string;
  readonly bin: string;
  readonly env: Record<string, string>;
}

interface Case {
  readonly label: string;
  readonly args: readonly string[];
  /** Counted against the target (the --help path is reported beside it). */
  readonly target: boolean;
}

function baseEnv(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: home, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

/** One run's wall time in ms; a run that fails is an error (a figure of a failing command is no figure). */
function timed(args: readonly string[], env: Record<string, string>): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`cold-start bench: node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().trim().split('\n')[0] ?? ''}`);
  return ms;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Builds dist/ when it does not hold the current sources, so that the checkout case is what `npm ci` leaves. */
function ensureBuilt(): string {
  if (distIsFresh(ROOT)) return 'dist/ was up to date with src/';
  const t0 = performance.now();
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`cold-start bench: npm run build failed: ${r.stdout.toString()}${r.stderr.toString()}`);
  return `dist/ was rebuilt first (npm run build, ${((performance.now() - t0) / 1000).toFixed(1)} s)`;
}

/**
 * Whether V8 takes the bundle's code cache (bin/bundle-loader.js), asked in a process of its own:
 * the figures are of cached runs only if it does (a refused cache is replaced by the first run).
 */
function codeCacheState(): string {
  const loader = join(ROOT, 'bin', 'bundle-loader.js');
  const bundle = join(ROOT, 'dist', 'cli-bundle', 'entry.cjs');
  const probe = `process.stdout.write(String(require(${JSON.stringify(loader)}).loadBundle(${JSON.stringify(bundle)}).cacheUsed))`;
  const r = spawnSync(process.execPath, ['-e', probe], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`cold-start bench: loading the bundle failed: ${r.stderr.toString().trim().split('\n')[0] ?? ''}`);
  return r.stdout.toString() === 'true' ? 'V8 took the bundle\'s code cache' : 'V8 did NOT take the bundle\'s code cache (the first timed run writes a new one)';
}

/** The installed layout: bin/ and package.json copied, dist/ and node_modules/ linked, no src/. */
function installedLayout(dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'dist'), join(dir, 'dist'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return join(dir, 'bin', 'kops-ts.js');
}

export async function benchColdStart(rounds = Number(process.env.KOPS_TS_BENCH_RUNS ?? 15)): Promise<string> {
  const built = `${ensureBuilt()}; ${codeCacheState()}`;
  const tmp = mkdtempSync(join(tmpdir(), 'kops-ts-cold-'));
  try {
    const home = join(tmp, 'home');
    mkdirSync(home);
    const state = `file://${join(tmp, 'state')}`;
    const env = baseEnv(home);
    const checkout = join(ROOT, 'bin', 'kops-ts.js');
    // One cluster in the store, so that `get clusters` lists it (and exits 0).
    timed([checkout, 'create', 'cluster', '--name', 'cold.example.com', '--zones', 'us-east-1a', '--state', state], env);
    const runners: readonly Runner[] = [
      { label: 'checkout (dist/ up to date)', bin: checkout, env },
      { label: 'checkout, sources through tsx', bin: checkout, env: { ...env, KOPS_TS_FROM_SOURCE: '1' } },
      { label: 'installed package', bin: installedLayout(join(tmp, 'installed')), env },
    ];
    const cases: readonly Case[] = [
      { label: 'version', args: ['version'], target: true },
      { label: 'get clusters (file://)', args: ['get', 'clusters', '--state', state], target: true },
      { label: 'update cluster --help', args: ['update', 'cluster', '--help'], target: false },
    ];
    const baseline: number[] = [];
    const times = new Map<string, number[]>();
    for (let i = 0; i < rounds + 1; i++) {
      // The first round warms the file cache and is not counted.
      const b = timed(['-e', '0'], env);
      if (i > 0) baseline.push(b);
      for (const r of runners) {
        for (const c of cases) {
          const ms = timed([r.bin, ...c.args], r.env);
          if (i > 0) times.set(`${r.label}\0${c.label}`, [...(times.get(`${r.label}\0${c.label}`) ?? []), ms]);
        }
      }
    }
    const base = median(baseline);
    const rows: string[][] = [['`node -e 0`', '', fmt(base), '1.00', '']];
    const verdicts: string[] = [];
    for (const r of runners) {
      for (const c of cases) {
        const ms = median(times.get(`${r.label}\0${c.label}`)!);
        const ratio = ms / base;
        const counted = c.target && r.label !== 'checkout, sources through tsx';
        const verdict = !counted ? '(reported)' : ratio <= TARGET ? 'held' : 'NOT held';
        rows.push([r.label, c.label, fmt(ms), ratio.toFixed(2), verdict]);
        if (counted) verdicts.push(`${r.label}, ${c.label}: ${verdict} (${ratio.toFixed(2)}x)`);
      }
    }
    const out = [`### CLI cold start: median wall time of ${rounds} rounds, each case a new node process\n`];
    out.push(table(['run from', 'command', 'median ms', 'x node -e 0', `target <= ${TARGET}x`], rows));
    out.push(`\n${built}. Target <= ${TARGET}x \`node -e 0\`: ${verdicts.join('; ')}.`);
    return out.join('\n');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
