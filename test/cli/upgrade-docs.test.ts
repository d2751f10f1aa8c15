/**
 * docs/upgrades.md and docs/ha.md: every kops-ts command they show (in code blocks, with `\`
 * continuations, and inline in backticks) names a real command with flags it accepts; so do the
 * examples of `upgrade cluster --help` and `create instancegroup --help`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { quietProgram, unrunnable } from '../helpers/cli-commands.js';
import { cli } from './harness.js';

function commands(doc: string): string[] {
  const text = readFileSync(new URL(`../../docs/${doc}`, import.meta.url), 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
    m[1]!
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l.startsWith('kops-ts ')),
  );
  const inline = [...text.matchAll(/`(kops-ts [^`]*)`/g)].map((m) => m[1]!);
  // Table cells quote hints inside a sentence: the command runs up to the first comma or paren.
  return [...blocks, ...inline].map((l) => l.split(/, | \(|\)/)[0]!.replace(/<[^>]*>|\bNAME\b|\bV\b/g, 'X').trim());
}

describe.each(['upgrades.md', 'ha.md', 'rolling-update.md'])('docs/%s', (doc) => {
  const found = commands(doc);
  it('shows commands', () => {
    expect(found.length).toBeGreaterThan(2);
  });
  it.each(found)('%s runs', (line) => {
    expect(unrunnable(line, quietProgram())).toEqual([]);
  });
});

describe('--help shows a runnable example', () => {
  it.each([
    [['upgrade', 'cluster', '--help'], 2],
    [['create', 'instancegroup', '--help'], 2],
  ])('%j', async (args, count) => {
    const r = await cli(args);
    expect(r.code).toBe(0);
    const examples = r.stdout.split('Examples:\n')[1]?.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('kops-ts ')) ?? [];
    expect(examples).toHaveLength(count);
    for (const e of examples) expect(unrunnable(e, quietProgram())).toEqual([]);
  });
});
