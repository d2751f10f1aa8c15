/**
 * Every command's `--help` has kops's "Examples:" section, once, and every example in it is a real
 * command line: a command of the tree (this one, or for a command group one of its own), flags that
 * command accepts (unrunnable()), and as many arguments as it takes.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { HELP_EXAMPLES, commandPath, exampleCommand, examplesOf } from '../../src/cli/help-examples.js';
import { argumentsAndFlags, quietProgram, resolveLine, unrunnable } from '../helpers/cli-commands.js';
import { cli, tempStore } from './harness.js';

function commands(cmd: Command): Command[] {
  return cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).flatMap((c) => [c, ...commands(c)]);
}

/** Problems with the positional arguments of a line, parsed as commander would. */
function argumentProblems(line: string, root: Command): string[] {
  const { cmd, rest } = resolveLine(line, root);
  const positionals = argumentsAndFlags(rest, cmd, root).args;
  const args = cmd.registeredArguments;
  const required = args.filter((a) => a.required).length;
  const variadic = args.some((a) => a.variadic);
  if (positionals.length < required) return [`${line}: ${commandPath(cmd)} needs ${required} argument(s), has ${positionals.length}`];
  if (!variadic && positionals.length > args.length) return [`${line}: ${commandPath(cmd)} takes ${args.length} argument(s), has ${positionals.length}: ${positionals.join(' ')}`];
  return [];
}

const root = quietProgram();
const all = commands(root);

describe('--help examples', () => {
  it('covers the whole tree', () => {
    expect(all.length).toBeGreaterThan(30);
    expect(all.map(commandPath)).toEqual(expect.arrayContaining(['create cluster', 'delete cluster', 'completion', 'get iam-policy']));
  });

  it('has a table entry only for commands that exist', () => {
    const paths = new Set(all.map(commandPath));
    expect(Object.keys(HELP_EXAMPLES).filter((p) => !paths.has(p))).toEqual([]);
  });

  it.each(all.map((c) => [commandPath(c), c] as const))('%s', (path, cmd) => {
    const sections = examplesOf(cmd);
    expect(sections.length, `${path} has ${sections.length} Examples sections: add one in src/cli/help-examples.ts (or remove the duplicate)`).toBe(1);
    const lines = sections[0]!.map(exampleCommand).filter((l): l is string => l !== undefined);
    expect(lines.length, `${path}: an Examples section with no kops-ts command line`).toBeGreaterThan(0);
    for (const line of lines) {
      expect(unrunnable(line, root), line).toEqual([]);
      expect(argumentProblems(line, root), line).toEqual([]);
      // the example shows this command (or, for a group, one of its subcommands)
      const shown = commandPath(resolveLine(line, root).cmd);
      expect(shown === path || shown.startsWith(`${path} `), `${line} is an example of ${shown}, not of ${path}`).toBe(true);
    }
  });
});

describe('the checks catch a bad example', () => {
  it('too many or too few arguments, and an example of another command', () => {
    expect(argumentProblems('kops-ts edit cluster a.example.com b.example.com', root)).not.toEqual([]);
    expect(argumentProblems('kops-ts promote keypair', root)).not.toEqual([]);
    expect(argumentProblems('kops-ts export kubeconfig --admin 1h a.example.com', root)).toEqual([]);
    expect(argumentProblems('kops-ts update cluster --name a.example.com --out plan.json b.example.com extra', root)).not.toEqual([]);
    expect(exampleCommand('source <(kops-ts completion bash)')).toBe('kops-ts completion bash');
    expect(exampleCommand('kops-ts delete cluster --name x.example.com   # state only')).toBe('kops-ts delete cluster --name x.example.com');
    expect(exampleCommand('# kops-ts get clusters')).toBeUndefined();
  });
});

describe('kops-ts <command> --help', () => {
  it('prints the Examples section after the options, as kops does', async () => {
    const r = await cli(['update', 'cluster', '--help']);
    expect(r.code).toBe(0);
    const at = r.stdout.indexOf('\nExamples:\n');
    expect(at).toBeGreaterThan(r.stdout.indexOf('Options:'));
    expect(r.stdout.slice(at)).toContain('  # Show what would change in the cloud\n  kops-ts update cluster --name my.example.com\n');
  });
});

describe('the examples that need only the state store run', () => {
  /**
   * Commands whose examples read the store or print: run for real against a file:// store with a
   * created (not applied) cluster. (Keysets exist only once a cluster is applied: not get keypairs.)
   */
  const RUN = ['get', 'get all', 'get clusters', 'get instancegroups', 'get sshpublickeys', 'get secrets', 'version', 'completion', 'upgrade cluster'];
  const lines = all
    .filter((c) => RUN.includes(commandPath(c)))
    .flatMap((c) => (examplesOf(c)[0] ?? []).map(exampleCommand).filter((l): l is string => l !== undefined && !/--yes\b/.test(l)));

  it.each(lines)('%s', async (line) => {
    const { url } = tempStore();
    const created = await cli(['create', 'cluster', '--name', 'my.example.com', '--zones', 'us-east-1a', '--state', url]);
    expect(created.code, created.stderr).toBe(0);
    const args = line.split(/\s+/).slice(1).map((t) => (t === 's3://my-state-store' ? url : t));
    const r = await cli(args, { env: { KOPS_STATE_STORE: url } });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toBe('');
  });
});
