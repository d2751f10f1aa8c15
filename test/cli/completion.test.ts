/**
 * Shell completion: the hidden `__complete` answers from the commander tree and a file:// store,
 * and each shell's script, loaded into the real shell, completes through it. The shells call
 * `kops-ts` by name, so a wrapper named kops-ts on PATH runs this checkout's binary.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { POSITIONAL } from '../../src/cli/commands/completion.js';
import { commandPath } from '../../src/cli/help-examples.js';
import { BIN } from '../helpers/bin.js';
import { quietProgram } from '../helpers/cli-commands.js';
import { cli, tempStore } from './harness.js';

const exec = promisify(execFile);
const A = 'alpha.example.com';
const B = 'beta.example.com';

let store: { dir: string; url: string };
let wrapperDir: string;

beforeAll(async () => {
  store = tempStore();
  for (const name of [A, B]) {
    const r = await cli(['create', 'cluster', '--name', name, '--zones', 'us-east-1a', '--state', store.url]);
    expect(r.code, r.stderr).toBe(0);
  }
  const created = await cli(['create', 'ig', 'extra-nodes', '--name', A, '--role', 'Node', '--edit=false', '--state', store.url]);
  expect(created.code, created.stderr).toBe(0);
  wrapperDir = mkdtempSync(join(tmpdir(), 'kops-ts-completion-'));
  writeFileSync(join(wrapperDir, 'kops-ts'), `#!/bin/sh\nexec node ${JSON.stringify(BIN)} "$@"\n`);
  chmodSync(join(wrapperDir, 'kops-ts'), 0o755);
});

/** `kops-ts __complete <words>` in-process: the candidates and the directive. */
async function candidates(words: string[], env: Record<string, string> = {}): Promise<{ names: string[]; directive: string; stderr: string; code: number }> {
  const r = await cli(['__complete', ...words], { env: { KOPS_STATE_STORE: store.url, ...env } });
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  return { names: lines.slice(0, -1).map((l) => l.split('\t')[0]!), directive: lines[lines.length - 1]!, stderr: r.stderr, code: r.code };
}

describe('__complete', () => {
  it('completes commands, subcommands (through aliases) and flags from the tree', async () => {
    const top = await candidates(['']);
    expect(top.names).toEqual(expect.arrayContaining(['create', 'get', 'delete', 'update', 'rolling-update', 'completion', 'version']));
    expect(top.names).not.toContain('__complete');
    expect((await candidates(['ro'])).names).toEqual(['rotate', 'rollback', 'rolling-update']);
    // commands and flags carry their description after a tab (cobra's form), names do not
    const described = await cli(['__complete', 'upgrade', 'cluster', '--kubernetes']);
    expect(described.stdout).toBe("--kubernetes-version\tupgrade to this version instead of the channel's recommendation\n:4\n");
    // get's subcommands, then the clusters of the store (`get <cluster>` is `get all <cluster>`)
    expect((await candidates(['get', ''])).names).toEqual(['all', 'clusters', 'instancegroups', 'sshpublickeys', 'instances', 'iam-policy', 'secrets', 'keypairs', A, B]);
    expect((await candidates(['get', 'a'])).names).toEqual(['all', A]);
    expect((await candidates(['get', 'cl'])).names).toEqual(['clusters']);
    const flags = await candidates(['rolling-update', 'cluster', '--val']);
    expect(flags.names).toEqual(['--validate-count', '--validation-timeout']);
    expect(flags.directive).toBe(':4');
    // global flags after a subcommand, and a flag's value is not taken for a subcommand
    expect((await candidates(['update', 'cluster', '--sta'])).names).toEqual(['--state', '--state-kms-key']);
    expect((await candidates(['edit', 'ig', '--'])).names.filter((f) => /set/.test(f))).toEqual(['--set', '--unset']);
    // a --set value is a field path, not a file
    expect((await candidates(['edit', 'cluster', '--set', ''])).directive).toBe(':4');
    // -o's values are the formats that command's flag names (update cluster has no yaml)
    expect((await candidates(['update', 'cluster', '-o', ''])).names).toEqual(['table', 'json']);
    expect((await candidates(['get', 'clusters', '-o', ''])).names).toEqual(['table', 'yaml', 'json']);
    // after `get <cluster>`, the flags and -o values of get all; no second cluster
    expect((await candidates(['get', A, '-o', ''])).names).toEqual(['table', 'yaml', 'json']);
    expect((await candidates(['get', A, '--'])).names).toContain('--output');
    expect((await candidates(['get', A, ''])).names).toEqual([]);
  });

  it('completes cluster names from the state store (KOPS_STATE_STORE or --state)', async () => {
    expect((await candidates(['get', 'clusters', ''])).names).toEqual([A, B]);
    expect((await candidates(['get', 'all', ''])).names).toEqual([A, B]);
    expect((await candidates(['update', 'cluster', 'b'])).names).toEqual([B]);
    expect((await candidates(['--name', ''])).names).toEqual([A, B]);
    expect((await candidates(['update', 'cluster', `--name=a`])).names).toEqual([`--name=${A}`]);
    // --state on the line wins over the environment
    const empty = tempStore();
    expect((await candidates(['--state', empty.url, 'get', 'clusters', ''])).names).toEqual([]);
    expect((await candidates(['get', 'clusters', ''], { KOPS_STATE_STORE: empty.url })).names).toEqual([]);
    expect((await candidates(['--state', store.url, 'get', 'clusters', ''], { KOPS_STATE_STORE: empty.url })).names).toEqual([A, B]);
    // a name already given is not offered again; a single-name command takes one
    expect((await candidates(['get', 'clusters', A, ''])).names).toEqual([B]);
    expect((await candidates(['update', 'cluster', A, ''])).names).toEqual([]);
  });

  it("completes instance-group names of --name's cluster (or KOPS_CLUSTER_NAME)", async () => {
    expect((await candidates(['get', 'ig', '--name', A, ''])).names).toEqual(['control-plane-us-east-1a', 'extra-nodes', 'nodes-us-east-1a']);
    expect((await candidates(['edit', 'ig', 'e'], { KOPS_CLUSTER_NAME: A })).names).toEqual(['extra-nodes']);
    expect((await candidates(['rolling-update', 'cluster', '--name', B, '--instance-group', 'n'])).names).toEqual(['nodes-us-east-1a']);
    // no cluster named: no names rather than an error
    expect((await candidates(['edit', 'ig', ''])).names).toEqual([]);
    // the keysets of the cluster's spec, for the keypair commands' first argument only
    const keysets = (await candidates(['promote', 'keypair', '--name', A, ''])).names;
    expect(keysets).toEqual(expect.arrayContaining(['kubernetes-ca', 'service-account', 'etcd-manager-ca-main']));
    expect((await candidates(['get', 'keypairs', 'kubernetes-'], { KOPS_CLUSTER_NAME: A })).names).toEqual(['kubernetes-ca']);
    expect((await candidates(['promote', 'keypair', '--name', A, 'kubernetes-ca', ''])).names).toEqual([]);
  });

  it('never fails loudly: no store, an unreadable one or an unreachable endpoint give no names, exit 0, nothing on stderr', async () => {
    for (const env of [{ KOPS_STATE_STORE: '' }, { KOPS_STATE_STORE: 'bogus://x' }, { KOPS_STATE_STORE: 'file:///nonexistent/kops-ts-store' }, { KOPS_STATE_STORE: 'memory://x' }]) {
      const r = await candidates(['get', 'clusters', ''], env);
      expect([r.code, r.names, r.stderr]).toEqual([0, [], '']);
    }
    const unreachable = await candidates(['get', 'clusters', ''], { KOPS_STATE_STORE: 's3://kops-ts-no-bucket', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });
    expect([unreachable.code, unreachable.names, unreachable.stderr]).toEqual([0, [], '']);
    const bad = await candidates(['get', 'ig', '--name', '../../etc', '']);
    expect([bad.code, bad.names, bad.stderr]).toEqual([0, [], '']);
  });

  it('lets the shell complete file names for a file flag', async () => {
    const r = await candidates(['create', '-f', '']);
    expect(r).toMatchObject({ names: [], directive: ':0' });
  });
});

describe('kops-ts completion', () => {
  it('refuses a shell it has no script for, naming the ones it has', async () => {
    const r = await cli(['completion', 'powershell']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"powershell" is not a shell kops-ts completes');
    expect(r.stderr).toContain('kops-ts completion bash');
    expect(r.stdout).toBe('');
  });
});

/** The script for `shell`, written to a file. */
async function scriptFile(shell: string): Promise<string> {
  const r = await cli(['completion', shell]);
  expect(r.code, r.stderr).toBe(0);
  const file = join(wrapperDir, `completion.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

async function inShell(shell: string, args: string[]): Promise<string> {
  const env = { PATH: `${wrapperDir}:${process.env.PATH ?? ''}`, HOME: wrapperDir, KOPS_STATE_STORE: store.url };
  const r = await exec(shell, args, { env, cwd: wrapperDir });
  return r.stdout;
}

describe('bash', () => {
  /** A TAB at the end of `line`, as bash's programmable completion sets it up. */
  const tab = async (file: string, line: string, compWords: string[]): Promise<string[]> => {
    const script = [
      `source ${JSON.stringify(file)}`,
      `COMP_LINE=${JSON.stringify(line)}; COMP_POINT=\${#COMP_LINE}`,
      `COMP_WORDS=(${compWords.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${compWords.length - 1}`,
      '_kops_ts_complete',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    return (await inShell('bash', ['-c', script])).split('\n').filter((l) => l !== '');
  };

  it('parses and registers the completion function', async () => {
    const file = await scriptFile('bash');
    await inShell('bash', ['-n', file]);
    await exec('shellcheck', ['-s', 'bash', file]); // no warnings: exit 0
    expect(await inShell('bash', ['-c', `source ${JSON.stringify(file)}; complete -p kops-ts`])).toContain('-F _kops_ts_complete kops-ts');
  });

  it('completes subcommands, cluster names and a --flag=value split at "=" by bash', async () => {
    const file = await scriptFile('bash');
    expect(await tab(file, 'kops-ts rolling-update ', ['kops-ts', 'rolling-update', ''])).toEqual(['cluster']);
    expect(await tab(file, 'kops-ts get clusters al', ['kops-ts', 'get', 'clusters', 'al'])).toEqual([A]);
    // COMP_WORDBREAKS splits --name=be into "--name" "=" "be": the reply replaces "be" alone
    expect(await tab(file, 'kops-ts update cluster --name=be', ['kops-ts', 'update', 'cluster', '--name', '=', 'be'])).toEqual([B]);
  });

  it('falls back to file names only where kops-ts takes a file', async () => {
    const file = await scriptFile('bash');
    writeFileSync(join(wrapperDir, 'zz-cluster.yaml'), 'kind: Cluster\n');
    expect(await tab(file, 'kops-ts create -f zz', ['kops-ts', 'create', '-f', 'zz'])).toEqual(['zz-cluster.yaml']);
    expect(await tab(file, 'kops-ts get clusters zz', ['kops-ts', 'get', 'clusters', 'zz'])).toEqual([]);
  });
});

describe('zsh', () => {
  it('parses, and completes through __complete when called as the completion function', async () => {
    const file = await scriptFile('zsh');
    await inShell('zsh', ['-n', file]);
    // Outside a completion widget: compadd and compdef stand in, printing what they are given.
    const script = [
      'compdef() { :; }',
      `source ${JSON.stringify(file)}`,
      'compadd() { print -r -- "compadd $*"; print -r -l -- "${displays[@]}"; }',
      '_files() { print -r -- "_files"; }',
      "words=(kops-ts get clusters ''); CURRENT=4; _kops-ts",
      "words=(kops-ts create -f ''); CURRENT=4; _kops-ts",
      "words=(kops-ts version --o); CURRENT=3; _kops-ts",
    ].join('\n');
    const out = await inShell('zsh', ['-f', '-c', script]);
    expect(out.split('\n')).toEqual([`compadd -Q -l -d displays -- ${A} ${B}`, A, B, '_files', 'compadd -Q -l -d displays -- --output', '--output  -- table or json', '']);
  });
});

describe('fish', () => {
  it('parses, and completes with complete -C', async () => {
    const file = await scriptFile('fish');
    await inShell('fish', ['-n', file]);
    const out = await inShell('fish', ['--no-config', '-c', `source ${JSON.stringify(file)}; complete -C 'kops-ts get clusters '; complete -C 'kops-ts upgrade '`]);
    expect(out.split('\n').filter((l) => l !== '')).toEqual([A, B, "cluster\tShow (and with --yes write to the spec) the Kubernetes version and images the channel recommends, one minor version at a time"]);
  });
});

describe('what __complete knows stays in step with the tree', () => {
  /** Commands whose arguments are deliberately not completed, and why. */
  const NOT_COMPLETED: Record<string, string> = {
    'create cluster': 'the name of a cluster that does not exist yet',
    'create instancegroup': 'names of groups that do not exist yet',
    'get secrets': 'secret names are not completed (yet)',
  };

  it('every command taking a cluster, group or keyset name completes it', () => {
    const walk = (c: Command): Command[] => c.commands.flatMap((s) => [s, ...walk(s)]);
    const tree = walk(quietProgram());
    const named = tree.filter((c) => c.registeredArguments.some((a) => /^(name|names|cluster|keyset)$/.test(a.name()))).map(commandPath);
    expect(named.filter((p) => !(p in POSITIONAL) && !(p in NOT_COMPLETED))).toEqual([]);
    const paths = new Set(tree.map(commandPath));
    expect(Object.keys(POSITIONAL).filter((p) => !paths.has(p))).toEqual([]);
  });
});
