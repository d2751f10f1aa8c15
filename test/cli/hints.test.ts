/**
 * Every command line the CLI suggests must exist: the subcommands resolve in the real command
 * tree and every flag is one that command accepts (issue #7 §4: never suggest what is not built).
 */
import { describe, expect, it } from 'vitest';
import { appliedMessage } from '../../src/cli/commands/update-cluster.js';
import type { Plan } from '../../src/tasks/plan.js';
import { quietProgram, suggestedCommands, unrunnable } from '../helpers/cli-commands.js';

const program = quietProgram;
const suggested = suggestedCommands;

function plan(kind: string, action: 'create' | 'update'): Plan {
  return { changes: [{ kind, action }] } as unknown as Plan;
}

describe('suggested commands exist', () => {
  it('the check itself catches a command that does not exist and a flag a command lacks', () => {
    const root = program();
    expect(unrunnable('kops-ts validate widget --wait 10m', root)).not.toEqual([]);
    expect(unrunnable('kops-ts update cluster --name a.example.com --no-such-flag', root)).toEqual(['kops-ts update cluster --name a.example.com --no-such-flag: cluster has no flag --no-such-flag']);
    expect(unrunnable('kops-ts update cluster --yes', root)).toEqual([expect.stringContaining('names no cluster')]);
    expect(unrunnable('kops-ts update cluster --name a.example.com', root)).toEqual([]);
  });

  it.each([
    ['first apply', { plan: plan('VPC', 'create'), firstApply: true }],
    ['a later apply that changed a launch template', { plan: plan('LaunchTemplate', 'update'), firstApply: false }],
    ['a later apply', { plan: plan('VPC', 'update'), firstApply: false }],
  ])('after %s', (_name, result) => {
    const text = appliedMessage('hints.example.com', result);
    expect(text).not.toMatch(/should be ready/);
    // The next steps are named only when they apply: validation after the first apply, the roll after a template change.
    expect(/validate cluster/.test(text)).toBe(result.firstApply);
    expect(/rolling-update cluster/.test(text)).toBe(!result.firstApply && result.plan.changes.some((c) => c.kind === 'LaunchTemplate'));
    const root = program();
    const lines = suggested(text);
    if (result.firstApply) expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(unrunnable(line, root)).toEqual([]);
  });

  it.each([
    ['first apply', { plan: plan('Network', 'create'), firstApply: true }],
    ['a later apply that made a new instance template', { plan: plan('InstanceTemplate', 'create'), firstApply: false }],
  ])('after %s on GCE: no AWS words, only what runs on GCE', (_name, result) => {
    const text = appliedMessage('hints.example.com', result, 'gce');
    expect(text).not.toMatch(/AWS|s3:\/\/|launch template/);
    // export kubeconfig reads the GCE API address, validate and the roll go through the MIGs: each is named when it applies.
    expect(/export kubeconfig --name hints.example.com --admin/.test(text)).toBe(result.firstApply);
    expect(/validate cluster/.test(text)).toBe(result.firstApply);
    expect(/rolling-update cluster/.test(text)).toBe(!result.firstApply);
    if (result.firstApply) expect(text).toContain('a gs:// store only');
    else expect(text).toContain('instance template they were created from');
    const root = program();
    for (const line of suggested(text)) expect(unrunnable(line, root)).toEqual([]);
  });
});
