/**
 * Every command line the CLI can print, found in the source: each hint, message and help text that
 * names `kops-ts <verb> ...` must name a command that exists with flags it accepts. Hints are
 * written in many places (the library's errors, the commands' messages), so rather than trust each
 * to be tested, this reads them all from src/ (comments excepted) and runs each through the real
 * command tree. Template placeholders (`${name}`, `<file>`) stand for arguments.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { CLUSTER_COMMANDS, NO_CLUSTER_WITH, clusterNeed, commandPath, quietProgram, unrunnable } from '../helpers/cli-commands.js';
import { KEY } from './harness.js';

const SRC = new URL('../../src', import.meta.url).pathname;

/** kops's verbs (those kops-ts has, and those it has not built yet: a hint must not name those), and kops-ts's own. */
const VERBS = ['create', 'replace', 'get', 'edit', 'delete', 'update', 'rollback', 'version', 'validate', 'rolling-update', 'upgrade', 'toolbox', 'export', 'promote', 'trust', 'distrust', 'set', 'unset', 'completion', 'rotate', 'reconcile', 'migrate'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Code lines only: doc comments and line comments describe, they are not printed. */
function printedText(source: string): string {
  return source
    .split('\n')
    .filter((l) => !/^\s*(\/\*\*?|\*|\/\/)/.test(l))
    .join('\n');
}

/**
 * `kops-ts <verb> ...` up to where the command line ends in the surrounding text. A template's
 * expressions (`${name}`, `${named(cluster)}`) are arguments: each becomes X before the line is
 * cut, so a quote or parenthesis inside one does not end the line early.
 */
function commandLines(text: string): string[] {
  const re = new RegExp(`kops-ts (?:${VERBS.join('|')})\\b[^'"\`\\n\\\\),;]*`, 'g');
  return [...text.replace(/\$\{[^{}\n]*\}/g, 'X').matchAll(re)].map((m) =>
    m[0]
      .split(/ (?:or|before|to|then|and|first|after|with) |: | \(/)[0]!
      .replace(/\$\{[^}]*\}/g, 'X')
      .replace(/<[^>]*>/g, 'X')
      .trim(),
  );
}

const found = files(SRC).flatMap((f) => commandLines(printedText(readFileSync(f, 'utf8'))).map((line) => ({ file: relative(SRC, f), line })));

/** Flags a hint names on their own ("re-run with --force-unlock <id>"): each must exist somewhere. */
function hintFlags(text: string): string[] {
  const hints = [...text.matchAll(/hint:\s*(['"`])((?:(?!\1)[^\n])*)\1/g)].map((m) => m[2]!);
  // Another tool's command line (`aws ec2 ... --group-name`) has that tool's flags.
  return hints.map((h) => h.replace(/\b(?:aws|gcloud|ssh-keygen|kubectl) .*$/, '')).flatMap((h) => [...h.matchAll(/(?:^|[\s`'(])(--[a-z][a-z-]*)/g)].map((m) => m[1]!));
}

function allCommands(c: ReturnType<typeof quietProgram>): ReturnType<typeof quietProgram>[] {
  return [c, ...c.commands.flatMap((x) => allCommands(x))];
}

const flags = [...new Set(files(SRC).flatMap((f) => hintFlags(printedText(readFileSync(f, 'utf8')))))].sort();

describe('every flag a hint names exists', () => {
  it('finds them', () => {
    expect(flags).toContain('--force-unlock');
    expect(flags).toContain('--to');
  });
  it.each(flags)('%s', (flag) => {
    // --help is commander's, on every command (not in c.options until help is first shown)
    const known = flag === '--help' || allCommands(quietProgram()).some((c) => c.options.some((o) => o.long === flag));
    expect(known, `${flag} is named in a hint but no command has it`).toBe(true);
  });
});

describe('every command line in src/ exists', () => {
  it('finds the hints (the scan itself works)', () => {
    const lines = found.map((f) => f.line);
    expect(lines).toContain('kops-ts delete cluster X --yes');
    expect(lines).toContain('kops-ts get cluster X --history');
    expect(lines).toContain('kops-ts rollback cluster X --to X');
    expect(lines.length).toBeGreaterThan(20);
    // and the check catches what does not exist
    const root = quietProgram();
    expect(unrunnable(commandLines("hint: 'kops-ts validate widget --wait 10m'")[0]!, root)).not.toEqual([]);
    expect(unrunnable(commandLines("hint: 'kops-ts create cluster X --no-such-flag'")[0]!, root)).not.toEqual([]);
    // and a command that acts on one cluster but names none (it fails with "no cluster name given")
    for (const unnamed of ['kops-ts edit cluster', 'kops-ts update cluster --yes', 'kops-ts update cluster --out X', 'kops-ts create instancegroup nodes --role Node', 'kops-ts get keypairs kubernetes-ca']) {
      expect(unrunnable(commandLines(`hint: '${unnamed}'`)[0]!, root), unnamed).toEqual([expect.stringContaining('names no cluster')]);
    }
    for (const named of ['kops-ts edit cluster X', 'kops-ts update cluster --name X --yes', 'kops-ts get X', 'kops-ts create instancegroup nodes --name X', 'kops-ts update cluster -f X', 'kops-ts get clusters']) {
      expect(unrunnable(named, root), named).toEqual([]);
    }
  });

  // A template's `${cluster ?? '<cluster>'}` passes the check above (an expression is an argument)
  // yet prints a placeholder: the keyset functions take the cluster, so their hints name it.
  it('the keypair hints name their cluster, never a <cluster> placeholder', () => {
    const pki = files(join(SRC, 'pki')).filter((f) => printedText(readFileSync(f, 'utf8')).includes("'<cluster>'"));
    expect(pki.map((f) => relative(SRC, f))).toEqual([]);
  });

  it.each(found.map((f) => [f.file, f.line] as const))('%s: %s', (_file, line) => {
    expect(unrunnable(line, quietProgram())).toEqual([]);
  });
});

/**
 * Runs a command line in process against an empty file store (`store`), with no cluster named anywhere (no
 * --name, no KOPS_CLUSTER_NAME), and returns what it printed on stderr.
 */
async function stderrOf(store: string, argv: string[]): Promise<string> {
  let err = '';
  const env = { KOPS_STATE_STORE: `file://${store}` };
  await run(argv, { stdout: () => undefined, stderr: (t) => void (err += t), isTTY: false, env, readFile: (p) => readFileSync(p, 'utf8'), edit: () => 0 });
  return err;
}

function leaves(c: ReturnType<typeof quietProgram>): ReturnType<typeof quietProgram>[] {
  const visible = c.commands.filter((x) => !(x as unknown as { _hidden?: boolean })._hidden);
  return visible.length === 0 ? [c] : visible.flatMap((x) => leaves(x));
}

// The list of commands that need a cluster (cli-commands.ts) is what the check above relies on:
// each command is run with no cluster named, and says "no cluster name given" exactly when listed.
describe('the commands that need a cluster are the ones listed', () => {
  const commands = leaves(quietProgram()).filter((c) => c.parent !== null);
  let store = '';
  beforeAll(() => void (store = mkdtempSync(join(tmpdir(), 'kops-ts-hints-'))));
  afterAll(() => rmSync(store, { recursive: true, force: true }));
  it('lists only commands that exist', () => {
    const paths = commands.map(commandPath);
    for (const p of CLUSTER_COMMANDS) expect(paths, p).toContain(p);
  });
  it.each(commands.map((c) => [commandPath(c), c] as const))('%s', async (path, cmd) => {
    // required arguments get a value; optional ones (the cluster's among them) none
    const args = cmd.registeredArguments.filter((a) => a.required).map(() => 'x');
    // and so do the options it requires, so that their absence is not the first error
    for (const o of cmd.options.filter((x) => x.mandatory)) args.push(o.long!, 'x');
    if (path === 'create sshpublickey') args.push('-i', KEY); // checked before the cluster
    const err = await stderrOf(store, [...path.split(' '), ...args]);
    expect(err.includes('no cluster name given'), err).toBe(clusterNeed(cmd) !== undefined);
  });
  // and the flags with which the check lets such a command go unnamed do make the name unneeded
  it.each(Object.entries(NO_CLUSTER_WITH).flatMap(([path, flags]) => flags.map((f) => [path, f] as const)))('%s %s', async (path, flag) => {
    const cmd = commands.find((c) => commandPath(c) === path)!;
    const option = cmd.options.find((o) => o.long === flag || o.short === flag)!;
    const err = await stderrOf(store, [...path.split(' '), flag, ...(option.required ? [KEY] : [])]);
    expect(err).not.toContain('no cluster name given');
    expect(err === '' || err.startsWith('error: '), err).toBe(true);
  });
});
