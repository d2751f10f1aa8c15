/**
 * Every command line the CLI suggests must exist: the subcommands resolve in the real command
 * tree and every flag is one that command accepts (issue #7 §4: never suggest what is not built).
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { appliedMessage } from '../../src/cli/commands/update-cluster.js';
import { buildProgram } from '../../src/cli/main.js';
import type { Plan } from '../../src/tasks/plan.js';
import { unrunnable } from './hint-check.js';

function program(): Command {
  return buildProgram({ stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {}, readFile: () => '', edit: () => 0 });
}

function suggested(text: string): string[] {
  return [...text.matchAll(/: (kops-ts [^\n]*)/g)].map((m) => m[1]!);
}

function plan(kind: string, action: 'create' | 'update'): Plan {
  return { changes: [{ kind, action }] } as unknown as Plan;
}

describe('suggested commands exist', () => {
  it('the check itself catches a command that does not exist and a flag a command lacks', () => {
    const root = program();
    expect(unrunnable('kops-ts validate cluster --wait 10m', root)).not.toEqual([]);
    expect(unrunnable('kops-ts update cluster --no-such-flag', root)).toEqual(['kops-ts update cluster --no-such-flag: cluster has no flag --no-such-flag']);
    expect(unrunnable('kops-ts update cluster --name a.example.com', root)).toEqual([]);
  });

  it.each([
    ['first apply', { plan: plan('VPC', 'create'), firstApply: true }],
    ['a later apply that changed a launch template', { plan: plan('LaunchTemplate', 'update'), firstApply: false }],
    ['a later apply', { plan: plan('VPC', 'update'), firstApply: false }],
  ])('after %s', (_name, result) => {
    const text = appliedMessage('hints.example.com', result);
    expect(text).not.toMatch(/should be ready|validate cluster|rolling-update/);
    const root = program();
    const lines = suggested(text);
    if (result.firstApply) expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(unrunnable(line, root)).toEqual([]);
  });
});
