/**
 * The one builder of the command lines that lock-taking commands print (src/cli/command-line.ts):
 * each word quoted only when a shell would split, expand or drop it, and the words in one order.
 * A shell reads every line back as the words it was built from (/bin/sh, when there is one).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandLine, shellLine, shellWord, switchFlag, valueFlag } from '../../src/cli/command-line.js';
import { commandInterrupts, rerunCommand, storeCommandInterrupts } from '../../src/cli/interrupt.js';
import type { CliIO } from '../../src/cli/io.js';

const AWKWARD = ['a b', "it's", '$HOME', '`id`', '', '*', 'a;b', 'x\ny', '"q"', '~', '!'];

describe('shellWord', () => {
  it('leaves plain words alone', () => {
    for (const w of ['kops-ts', '--name', 'c.example.com', 's3://bucket/prefix', 'file:///tmp/x', '--surge=false', 'a,b', 'user@host', '50%', '+1']) expect(shellWord(w)).toBe(w);
  });

  it('quotes spaces, quotes, $, empty strings and other shell syntax', () => {
    expect(shellWord('a b')).toBe("'a b'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
    expect(shellWord('$HOME')).toBe("'$HOME'");
    expect(shellWord('')).toBe("''");
    expect(shellWord('`id`')).toBe("'`id`'");
    expect(shellWord('*')).toBe("'*'");
    expect(shellWord('~')).toBe("'~'");
  });

  it.runIf(existsSync('/bin/sh'))('a shell reads each quoted word back as it was', () => {
    const line = shellLine(AWKWARD);
    const out = execFileSync('/bin/sh', ['-c', `for w in ${line}; do printf '%s\\0' "$w"; done`], { encoding: 'utf8', env: { HOME: '/nowhere', PATH: process.env.PATH } });
    expect(out.split('\0').slice(0, -1)).toEqual(AWKWARD);
  });
});

describe('commandLine', () => {
  it('orders: kops-ts, verb words, --name, target, --state, own flags, extra words', () => {
    const line = commandLine({ verb: ['migrate', 'state'], cluster: 'c.example.com', target: ['--to', 's3://b'], globals: { state: 'file:///tmp/s' }, flags: ['--kubeconfig', 'k'] });
    expect(line(['--force-unlock', 'abc', '--yes'])).toBe('kops-ts migrate state --name c.example.com --to s3://b --state file:///tmp/s --kubeconfig k --force-unlock abc --yes');
  });

  it('repeats --state only when it was given, even when empty', () => {
    expect(commandLine({ verb: ['reconcile', 'cluster'], cluster: 'c', globals: {} })(['--yes'])).toBe('kops-ts reconcile cluster --name c --yes');
    expect(commandLine({ verb: ['reconcile', 'cluster'], cluster: 'c', globals: { state: '' } })(['--yes'])).toBe("kops-ts reconcile cluster --name c --state '' --yes");
  });

  it('has no --name when the command reads the cluster elsewhere, and quotes every part', () => {
    const line = commandLine({ verb: ['create'], target: ['-f', 'my spec.yaml'], globals: { state: "file:///tmp/it's $x" } });
    expect(line([])).toBe("kops-ts create -f 'my spec.yaml' --state 'file:///tmp/it'\\''s $x'");
    expect(commandLine({ verb: ['delete', 'instance', 'i-1'], cluster: 'a b', globals: {} })(['--force-unlock', ''])).toBe("kops-ts delete instance i-1 --name 'a b' --force-unlock ''");
  });

  it('builds the same line for every extra and leaves the parts unchanged', () => {
    const flags = ['--cloudonly'];
    const line = commandLine({ verb: ['rolling-update', 'cluster'], cluster: 'c', globals: {}, flags });
    expect(line(['--yes'])).toBe('kops-ts rolling-update cluster --name c --cloudonly --yes');
    expect(line(['--yes'])).toBe(line(['--yes']));
    expect(line([])).toBe('kops-ts rolling-update cluster --name c --cloudonly');
    expect(flags).toEqual(['--cloudonly']);
  });
});

describe('flag words', () => {
  it('switchFlag: the flag when on', () => {
    expect(switchFlag('--force', true)).toEqual(['--force']);
    expect(switchFlag('--force', false)).toEqual([]);
    expect(switchFlag('--force', undefined)).toEqual([]);
  });

  it('valueFlag: the flag and its value when given; a list joined with commas, none when empty', () => {
    expect(valueFlag('--kubeconfig', 'k')).toEqual(['--kubeconfig', 'k']);
    expect(valueFlag('--kubeconfig', '')).toEqual(['--kubeconfig', '']);
    expect(valueFlag('--kubeconfig', undefined)).toEqual([]);
    expect(valueFlag('--instance-group', ['a', 'b'])).toEqual(['--instance-group', 'a,b']);
    expect(valueFlag('--instance-group', [])).toEqual([]);
  });
});

describe('the interrupt messages built from a command line', () => {
  const line = commandLine({ verb: ['rotate', 'bootstrap-token'], cluster: 'c', globals: { state: 'a b' } });
  const io: CliIO = { stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {}, readFile: () => '', edit: () => 0 };

  it('rerunCommand: the command with --yes; --force-unlock <id> before it', () => {
    const command = rerunCommand('rotate bootstrap-token', 'c', line);
    expect(command.operation).toBe('rotate bootstrap-token');
    expect(command.cluster).toBe('c');
    expect(command.rerun('apply')).toBe("kops-ts rotate bootstrap-token --name c --state 'a b' --yes");
    expect(command.forceUnlock('0123')).toBe("kops-ts rotate bootstrap-token --name c --state 'a b' --force-unlock 0123 --yes");
  });

  it('a store command adds nothing: its line already says all', () => {
    const command = rerunCommand('create -f', 'c', line, []);
    expect(command.rerun('apply')).toBe("kops-ts rotate bootstrap-token --name c --state 'a b'");
    expect(command.forceUnlock('0123')).toBe("kops-ts rotate bootstrap-token --name c --state 'a b' --force-unlock 0123");
  });

  it('commandInterrupts and storeCommandInterrupts print those lines on a second signal', () => {
    for (const [make, expected] of [
      [commandInterrupts, "finish with: kops-ts rotate bootstrap-token --name c --state 'a b' --yes\n"],
      [storeCommandInterrupts, "finish with: kops-ts rotate bootstrap-token --name c --state 'a b'\n"],
    ] as const) {
      let err = '';
      const exits: number[] = [];
      const it_ = make({ ...io, stderr: (t) => (err += t) }, 'op', 'c', line);
      it_.onSignal('SIGINT', (code) => exits.push(code));
      it_.onSignal('SIGINT', (code) => exits.push(code));
      expect(exits).toEqual([130]);
      expect(err.endsWith(expected)).toBe(true);
    }
  });
});
