/**
 * docs/cli-reference.md is generated from the commander definitions: it must be exactly what
 * `npm run docs:cli` writes now, and cover every command with its flags and examples.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { commandPath, exampleCommand } from '../../src/cli/help-examples.js';
import { CLI_REFERENCE_PATH, cliReference } from '../../src/cli/reference.js';
import { quietProgram, unrunnable } from '../helpers/cli-commands.js';

const ROOT = new URL('../../', import.meta.url);
const exec = promisify(execFile);

function commands(cmd: Command): Command[] {
  return cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).flatMap((c) => [c, ...commands(c)]);
}

describe(CLI_REFERENCE_PATH, () => {
  const generated = cliReference();

  it('is what the commands define (run `npm run docs:cli` and commit it if this fails)', () => {
    const checkedIn = readFileSync(new URL(CLI_REFERENCE_PATH, ROOT), 'utf8');
    expect(checkedIn).toBe(generated);
  });

  it('has a section per command with its usage, every flag, its defaults and its examples', () => {
    const sections = generated.split(/^## /m);
    for (const cmd of commands(quietProgram())) {
      const section = sections.find((s) => s.startsWith(`kops-ts ${commandPath(cmd)}\n`));
      expect(section, `no section for ${commandPath(cmd)}`).toBeDefined();
      expect(section).toContain(`kops-ts ${commandPath(cmd)} ${cmd.usage()}`);
      for (const o of cmd.options) expect(section, `${commandPath(cmd)} ${o.flags}`).toContain(`| \`${o.flags}\` |`);
      expect(section).toContain('```sh\n');
    }
    expect(generated).toContain('| `--wait <duration>` | `10m` | give up deleting after this long |');
    expect(generated).not.toContain('__complete');
  });

  it('`npm run docs:cli -- --check` passes on the checked-in file', async () => {
    const r = await exec('node', ['--import', 'tsx', 'scripts/gen-cli-reference.ts', '--check'], { cwd: ROOT.pathname });
    expect(r.stderr).toBe('');
  });
});

describe('the command lines README.md and docs/cli.md show in their sh blocks', () => {
  const lines = ['README.md', 'docs/cli.md'].flatMap((doc) => {
    const text = readFileSync(new URL(doc, ROOT), 'utf8');
    return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
      m[1]!
        .replace(/\\\n\s*/g, ' ')
        .split('\n')
        .map((l) => exampleCommand(l.trim()))
        .filter((l): l is string => l !== undefined)
        .map((l) => [doc, l] as const),
    );
  });
  it('finds them, the completion lines among them', () => {
    expect(lines.map(([, l]) => l)).toEqual(expect.arrayContaining(['kops-ts completion bash', 'kops-ts completion zsh', 'kops-ts completion fish', 'kops-ts update cluster --help']));
  });
  it.each(lines)('%s: %s', (_doc, line) => {
    expect(unrunnable(line, quietProgram())).toEqual([]);
  });
});
