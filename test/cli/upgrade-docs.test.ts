/**
 * The examples of `upgrade cluster --help` and `create instancegroup --help` run. (The commands
 * docs/upgrades.md, docs/ha.md and every other page show are checked by
 * test/docs/commands.test.ts, with the extraction in test/helpers/doc-commands.ts.)
 */
import { describe, expect, it } from 'vitest';
import { quietProgram, unrunnable } from '../helpers/cli-commands.js';
import { cli } from './harness.js';

describe('--help shows a runnable example', () => {
  it.each([
    [['upgrade', 'cluster', '--help'], 2],
    [['create', 'instancegroup', '--help'], 3],
  ])('%j', async (args, count) => {
    const r = await cli(args);
    expect(r.code).toBe(0);
    const examples = r.stdout.split('Examples:\n')[1]?.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('kops-ts ')) ?? [];
    expect(examples).toHaveLength(count);
    for (const e of examples) expect(unrunnable(e, quietProgram())).toEqual([]);
  });
});
