/**
 * Every docs/*.md page: each `kops-ts ...` command line it shows (in code blocks and inline code)
 * names a command that exists with flags that command accepts. A page that shows a command that
 * is not built fails here: say in words what is not built instead.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { quietProgram, unrunnable } from '../helpers/cli-commands.js';
import { docCommands } from '../helpers/doc-commands.js';

const DOCS = new URL('../../docs/', import.meta.url);
const README = new URL('../../README.md', import.meta.url);
const pages = readdirSync(DOCS).filter((f) => f.endsWith('.md')).sort();
const read = (page: string) => readFileSync(page === 'README.md' ? README : new URL(page, DOCS), 'utf8');

describe('the extraction', () => {
  it('finds block lines (prompts, continuations, env prefixes, comments, pipes) and inline spans', () => {
    const text = [
      'Run `kops-ts get clusters -o json`, or:',
      '```sh',
      '$ kops-ts update cluster \\',
      '    --name c.example.com --yes   # apply',
      'KOPS_STATE_STORE=s3://b kops-ts get ig --name c.example.com | jq .',
      'echo kops-ts is not a command here',
      '```',
      '| `kops-ts delete cluster --name NAME -o json\\|yaml` (lists) |',
    ].join('\n');
    expect(docCommands(text)).toEqual([
      { line: 3, command: 'kops-ts update cluster --name c.example.com --yes' },
      { line: 5, command: 'kops-ts get ig --name c.example.com' },
      { line: 1, command: 'kops-ts get clusters -o json' },
      { line: 8, command: 'kops-ts delete cluster --name X -o json|yaml' },
    ]);
  });
  it('the check rejects a command or a flag that does not exist', () => {
    const root = quietProgram();
    expect(unrunnable('kops-ts toolbox dump -o yaml', root)).not.toEqual([]);
    expect(unrunnable('kops-ts update cluster --name X --no-such-flag', root)).not.toEqual([]);
    expect(unrunnable('kops-ts update cluster --name X --yes', root)).toEqual([]);
  });
});

it('the pages show commands', () => {
  const count = (page: string) => docCommands(read(page)).length;
  for (const page of ['README.md', 'cli.md', 'upgrades.md', 'ha.md', 'rolling-update.md', 'teardown.md']) expect(count(page)).toBeGreaterThan(2);
});

describe.each([...pages, 'README.md'])('%s', (page) => {
  const found = docCommands(read(page));
  const cases = found.map((c) => [`${page}:${c.line}: ${c.command}`, c.command] as const);
  it(`every kops-ts command it shows runs (${cases.length})`, () => {
    const root = quietProgram();
    const problems = cases.flatMap(([where, command]) => unrunnable(command, root).map((p) => `${where}: ${p}`));
    expect(problems).toEqual([]);
  });
});
