/**
 * Every command line the CLI can print, found in the source: each hint, message and help text that
 * names `kops-ts <verb> ...` must name a command that exists with flags it accepts. Hints are
 * written in many places (the library's errors, the commands' messages), so rather than trust each
 * to be tested, this reads them all from src/ (comments excepted) and runs each through the real
 * command tree. Template placeholders (`${name}`, `<file>`) stand for arguments.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quietProgram, unrunnable } from '../helpers/cli-commands.js';

const SRC = new URL('../../src', import.meta.url).pathname;

/** kops's verbs: those kops-ts has, and those it has not built yet (a hint must not name those). */
const VERBS = ['create', 'replace', 'get', 'edit', 'delete', 'update', 'rollback', 'version', 'validate', 'rolling-update', 'upgrade', 'toolbox', 'export', 'promote', 'trust', 'distrust', 'set', 'unset', 'completion'];

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

/** `kops-ts <verb> ...` up to where the command line ends in the surrounding text. */
function commandLines(text: string): string[] {
  const re = new RegExp(`kops-ts (?:${VERBS.join('|')})\\b[^'"\`\\n\\\\),;]*`, 'g');
  return [...text.matchAll(re)].map((m) =>
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
  });

  it.each(found.map((f) => [f.file, f.line] as const))('%s: %s', (_file, line) => {
    expect(unrunnable(line, quietProgram())).toEqual([]);
  });
});
