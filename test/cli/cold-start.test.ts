/**
 * CLI cold start (issue #12): what `kops-ts version`, `get clusters` on a file:// store and
 * `--help` import, recorded in a child process by test/helpers/record-loads.mjs. None may load a
 * cloud SDK, the Kubernetes client or the X.509 library: those are imported by the actions that
 * use them. And the program's fast path (entry.ts: only the command group named) declares each
 * group exactly as the whole tree (main.ts) does.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distIsFresh } from '../../bin/source-stamp.js';
import { groupOf, loadGroupModules } from '../../src/cli/entry.js';
import { COMMAND_GROUPS } from '../../src/cli/groups.js';
import { renderedHelp } from '../../src/cli/help-examples.js';
import { buildProgram } from '../../src/cli/main.js';
import { finishTree, rootProgram } from '../../src/cli/root.js';
import { BIN, runBin } from '../helpers/bin.js';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RECORDER = fileURLToPath(new URL('../helpers/record-loads.mjs', import.meta.url));
/** What start-up must not load: the cloud SDKs, the Kubernetes client, gax, the X.509 library. */
const HEAVY = /\/node_modules\/(@aws-sdk|@smithy|@google-cloud|google-gax|@kubernetes\/client-node|@peculiar)\//;

interface Load {
  readonly kind: 'import' | 'require' | 'script';
  readonly specifier: string;
  readonly url?: string;
  readonly parent: string | null;
  /** For a vm.Script (the CLI bundle): whether V8 was offered cached data, and whether it refused it. */
  readonly cachedData?: boolean;
  readonly cachedDataRejected?: boolean;
}

let dir: string;
let state: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kops-ts-cold-'));
  state = `file://${join(dir, 'state')}`;
  const r = await runBin(['create', 'cluster', '--name', 'cold.example.com', '--zones', 'us-east-1a', '--state', state]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the binary under the recorder; returns its exit code, output and every module it loaded. */
async function recorded(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; loads: Load[] }> {
  const out = join(dir, `loads-${Math.random().toString(36).slice(2)}.jsonl`);
  let code = 0;
  let stdout = '';
  try {
    ({ stdout } = await exec('node', ['--import', RECORDER, BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', KOPS_TS_RECORD_LOADS: out, ...env } }));
  } catch (e) {
    ({ code, stdout } = e as { code: number; stdout: string });
  }
  const loads = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Load);
  return { code, stdout, loads };
}

const where = (l: Load): string => l.url ?? `${l.specifier} (required by ${l.parent ?? '?'})`;
const heavy = (loads: readonly Load[]): string[] => loads.filter((l) => HEAVY.test(l.url ?? '') || HEAVY.test(`/node_modules/${l.specifier}/`)).map(where);

const COMMANDS: readonly (readonly string[])[] = [['version'], ['get', 'clusters'], ['--help'], ['update', 'cluster', '--help']];

describe('cold start: what a command loads', () => {
  for (const [label, env] of [
    ['as bin/kops-ts.js runs it', {}],
    ['from the sources (tsx)', { KOPS_TS_FROM_SOURCE: '1' }],
  ] as const) {
    for (const args of COMMANDS) {
      it(`${args.join(' ')} ${label}: no cloud SDK, Kubernetes client or X.509 library`, async () => {
        const withStore = args[0] === 'get' ? [...args, '--state', state] : args;
        const r = await recorded(withStore, env);
        expect(r.code).toBe(0);
        if (args[0] === 'version') expect(r.stdout).toMatch(/^Client version: \d+\.\d+\.\d+/);
        if (args[0] === 'get') expect(r.stdout).toContain('cold.example.com');
        // The recorder saw the program's own modules (so an empty list is not a false pass)...
        expect(r.loads.some((l) => /\/(cli|cli-bundle)\/(entry|main)\.(js|cjs|ts)$/.test(l.url ?? ''))).toBe(true);
        // ...and none of the heavy ones.
        expect(heavy(r.loads)).toEqual([]);
      }, 60_000);
    }
  }

  it('a command that needs the AWS SDK does load it (the recorder would see it)', async () => {
    const r = await recorded(['get', 'instances', '--name', 'cold.example.com', '--state', state], { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
    expect(r.code).not.toBe(0);
    expect(heavy(r.loads).some((u) => u.includes('@aws-sdk'))).toBe(true);
  }, 60_000);

  it('runs the CLI bundle (dist/cli-bundle/, with its code cache) exactly when dist/ was built from the current sources, else the sources', async () => {
    const r = await recorded(['version']);
    const urls = r.loads.map((l) => l.url ?? '');
    const fresh = distIsFresh(ROOT);
    expect(urls.some((u) => u.endsWith('/dist/cli-bundle/entry.cjs'))).toBe(fresh);
    // The build's code cache (scripts/bundle-cli.mjs) is offered and taken.
    expect(r.loads.filter((l) => l.kind === 'script').map((l) => [l.cachedData, l.cachedDataRejected])).toEqual(fresh ? [[true, false]] : []);
    expect(urls.some((u) => u.includes('/dist/cli/'))).toBe(false);
    expect(urls.some((u) => u.endsWith('/src/cli/entry.ts'))).toBe(!fresh);
    const forced = (await recorded(['version'], { KOPS_TS_FROM_SOURCE: '1' })).loads.map((l) => l.url ?? '');
    expect(forced.some((u) => u.endsWith('/src/cli/entry.ts'))).toBe(true);
    expect(forced.some((u) => u.startsWith(pathToFileURL(join(ROOT, 'dist')).href))).toBe(false);
  }, 60_000);
});

describe('the program declares only the named group, as the whole tree does', () => {
  const quiet = { stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {}, readFile: () => '', edit: () => 0 };
  const helpOf = (cmd: Command): string[] => [renderedHelp(cmd), ...cmd.commands.flatMap(helpOf)];

  it('finds the group after the global options, and takes the whole tree otherwise', () => {
    expect(groupOf(['version'])?.name).toBe('version');
    expect(groupOf(['--state', 'file:///x', '-v', '2', 'get', 'clusters'])?.name).toBe('get');
    expect(groupOf(['--state=file:///x', 'rolling-update', 'cluster'])?.name).toBe('rolling-update');
    for (const whole of [[], ['--help'], ['help', 'get'], ['verison'], ['__complete', 'get', ''], ['--bogus', 'get'], ['--state']]) expect(groupOf(whole), whole.join(' ')).toBeUndefined();
  });

  it('every group, declared alone from its own modules, has the help of the same group in the whole tree', async () => {
    const full = buildProgram(quiet);
    expect(COMMAND_GROUPS.map((g) => g.name)).toEqual(full.commands.filter((c) => c.name() !== '__complete').map((c) => c.name()));
    for (const group of COMMAND_GROUPS) {
      const { program, ctx } = rootProgram(quiet);
      group.register(await loadGroupModules(group), program, ctx, () => undefined);
      finishTree(program);
      const alone = program.commands.filter((c) => c.name() !== '__complete');
      expect(alone.map((c) => c.name()), group.name).toEqual([group.name]);
      expect(helpOf(alone[0]!), group.name).toEqual(helpOf(full.commands.find((c) => c.name() === group.name)!));
    }
  });
});
