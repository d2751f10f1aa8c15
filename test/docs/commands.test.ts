/**
 * Every docs/*.md page: each `kops-ts ...` command line it shows (in code blocks and inline code)
 * names a command that exists with flags that command accepts. A page that shows a command that
 * is not built fails here: say in words what is not built instead.
 *
 * The sessions the pages walk through are also run as shown, in-process against a fresh emulator
 * account reached as a user reaches AWS (an IAM user's keys, AWS_ENDPOINT_URL): getting-started.md's
 * emulator session and ci.md's pipeline.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deleteClusterHooks } from '../../src/cli/commands/delete-cluster.js';
import { fakeClock, ownedLeft } from '../cloudup/delete-cluster-helpers.js';
import { cli, snapshot, tempStore, type CliResult } from '../cli/harness.js';
import { testAws, type TestAws } from '../helpers/aws.js';
import { quietProgram, unrunnable } from '../helpers/cli-commands.js';
import { clusterExportedFrom, docCommands } from '../helpers/doc-commands.js';

const DOCS = new URL('../../docs/', import.meta.url);
const README = new URL('../../README.md', import.meta.url);
// cli-reference.md is generated from the command tree (its usage lines are not commands); its examples are checked by test/cli/help-examples.test.ts.
const pages = readdirSync(DOCS).filter((f) => f.endsWith('.md') && f !== 'cli-reference.md').sort();
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
  it('finds commands quoted inside messages, and skips diagrams and prose placeholders', () => {
    const text = [
      '```',
      '   kops-ts CLI (src/cli)      CI pipelines',
      "error: config: not YAML: list its versions with 'kops-ts get cluster c.example.com --history'",
      '```',
      'Any `kops-ts ...` line; `error: stopped: re-run: kops-ts update',
      '  cluster --name c.example.com --yes`.',
    ].join('\n');
    expect(docCommands(text)).toEqual([
      { line: 3, command: 'kops-ts get cluster c.example.com --history' },
      { line: 5, command: 'kops-ts update cluster --name c.example.com --yes' },
    ]);
  });
  it('the check rejects a command or a flag that does not exist', () => {
    const root = quietProgram();
    expect(unrunnable('kops-ts toolbox explode -o yaml', root)).not.toEqual([]);
    expect(unrunnable('kops-ts update cluster --name X --no-such-flag', root)).not.toEqual([]);
    expect(unrunnable('kops-ts update cluster --name X --yes', root)).toEqual([]);
  });
  it('a page lets its commands leave the cluster to KOPS_CLUSTER_NAME only after it exports it', () => {
    const page = ['Plan with `kops-ts update cluster --yes`.', '```sh', 'export KOPS_CLUSTER_NAME=c.example.com', 'kops-ts update cluster --yes', '```'].join('\n');
    expect(clusterExportedFrom(page)).toBe(3);
    expect(clusterExportedFrom('Run `export KOPS_CLUSTER_NAME=c.example.com` first.')).toBe(1);
    expect(clusterExportedFrom('Without `--name` (and `KOPS_CLUSTER_NAME`) the cluster is the file\'s.')).toBeUndefined();
    const root = quietProgram();
    expect(unrunnable('kops-ts update cluster --yes', root)).toEqual([expect.stringContaining('names no cluster')]);
    expect(unrunnable('kops-ts rotate secret-key', root)).toEqual([expect.stringContaining('give --name')]);
  });
});

it('the pages show commands', () => {
  const count = (page: string) => docCommands(read(page)).length;
  for (const page of ['README.md', 'cli.md', 'upgrades.md', 'ha.md', 'rolling-update.md', 'teardown.md']) expect(count(page)).toBeGreaterThan(2);
});

describe.each([...pages, 'README.md'])('%s', (page) => {
  const found = docCommands(read(page));
  it(`every kops-ts command it shows runs (${found.length})`, () => {
    const root = quietProgram();
    // A reader pastes a page's command, from a code block or from prose, as it is shown: one that
    // acts on a cluster names it (`--name <cluster>` or the argument, as README does), else it
    // fails with "no cluster name given". The one exception is a page that has told its reader to
    // `export KOPS_CLUSTER_NAME=…`: from that line on (same page, never another), its commands may
    // leave the cluster to the variable.
    const exported = clusterExportedFrom(read(page));
    const problems = found.flatMap(({ line, command }) => {
      const envName = exported !== undefined && line >= exported;
      return unrunnable(command, root, { envName }).map((p) => `${page}:${line}: ${p}`);
    });
    expect(problems).toEqual([]);
  });
});

/** The commands of the page's first code block that contains `needle`, as argument lists. */
function session(page: string, needle: string, files: Record<string, string> = {}): string[][] {
  const text = read(page);
  const block = [...text.matchAll(/^```[^\n]*\n([\s\S]*?)^```$/gm)].map((m) => m[0]).find((b) => b.includes(needle));
  if (!block) throw new Error(`${page} has no code block with ${needle}`);
  return docCommands(block).map((c) =>
    c.command
      .split(' ')
      .slice(1)
      .map((t) => t.replace(/^"(.*)"$/, '$1'))
      .map((t) => Object.entries(files).reduce((acc, [from, to]) => acc.split(from).join(to), t)),
  );
}

async function userEnv(aws: TestAws): Promise<Record<string, string>> {
  await aws.clients.iam.send(new CreateUserCommand({ UserName: 'reader' }));
  const access = (await aws.clients.iam.send(new CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey!;
  const env = { AWS_ENDPOINT_URL: aws.endpoint, AWS_ACCESS_KEY_ID: access.AccessKeyId!, AWS_SECRET_ACCESS_KEY: access.SecretAccessKey!, AWS_REGION: 'us-east-1' };
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v); // in-process, the SDK reads process.env
  return env;
}

afterEach(() => {
  vi.unstubAllEnvs();
  delete deleteClusterHooks.clock;
});

describe('the sessions the pages show run as shown on the emulator', () => {
  it("getting-started.md: the emulator session creates, applies and deletes, leaving nothing the cluster owned", async () => {
    const steps = session('getting-started.md', 'moto_server');
    expect(steps.map((a) => a.slice(0, 2).join(' '))).toEqual(['create cluster', 'update cluster', 'delete cluster']);
    const aws = testAws();
    const store = tempStore();
    const env = { ...(await userEnv(aws)), KOPS_STATE_STORE: store.url };
    deleteClusterHooks.clock = fakeClock(); // delete's pauses between rounds, without sleeping
    for (const args of steps) {
      const r = await cli(args, { env });
      expect(r.code, `kops-ts ${args.join(' ')}\n${r.stderr}`).toBe(0);
    }
    expect(await ownedLeft(aws, 'dev.k8s.local')).toEqual([]);
    expect(existsSync(join(store.dir, 'dev.k8s.local', 'config'))).toBe(false);
  });

  it('ci.md: the pull request plans its manifest (nothing written), the merge replaces and applies that plan; a later change is stale', async () => {
    const aws = testAws();
    const store = tempStore();
    const env = { ...(await userEnv(aws)), KOPS_STATE_STORE: store.url };
    const dir = mkdtempSync(join(tmpdir(), 'kops-ts-ci-'));
    const files = { 'cluster.yaml': join(dir, 'cluster.yaml'), 'plan.json': join(dir, 'plan.json') };
    const run = (args: string[]): Promise<CliResult> => cli(args, { env });
    // The repository's manifest, as the page says to print it, of a cluster whose spec is stored.
    expect((await run(['create', 'cluster', '--name', 'my.example.com', '--zones', 'us-east-1a'])).code).toBe(0);
    const [exported] = docCommands(read('ci.md')).filter((c) => /^kops-ts get all .*-o yaml/.test(c.command));
    const printed = await run(exported!.command.split(/ >/)[0]!.split(' ').slice(1));
    expect(printed.code, printed.stderr).toBe(0);
    const nodes2 = (t: string) => t.replace(/maxSize: 1\n  minSize: 1(\n  nodeLabels:\n    kops.k8s.io\/instancegroup: nodes-)/, 'maxSize: 2\n  minSize: 2$1');
    expect(nodes2(printed.stdout)).not.toBe(printed.stdout);
    writeFileSync(files['cluster.yaml'], nodes2(printed.stdout));

    const [plan] = session('ci.md', '-f cluster.yaml --out', files);
    const stored = snapshot(store.dir);
    const planned = await run(plan!);
    expect(planned.code, planned.stderr).toBe(2); // never applied: everything is pending
    expect(snapshot(store.dir)).toEqual(stored);
    const doc = JSON.parse(readFileSync(files['plan.json'], 'utf8')) as { kind: string; changes: { kind: string; name: string; fields: { field: string; after?: unknown }[] }[] };
    expect(doc.kind).toBe('Plan');
    // The file's change, not the store's minSize 1.
    const asg = doc.changes.find((c) => c.kind === 'AutoscalingGroup' && c.name.startsWith('nodes-us-east-1a'));
    expect(asg?.fields.find((f) => f.field === 'minSize')?.after).toBe(2);

    const [replace, apply] = session('ci.md', 'kops-ts replace -f cluster.yaml', files);
    expect((await run(replace!)).code).toBe(0);
    expect(readFileSync(join(store.dir, 'my.example.com', 'instancegroup', 'nodes-us-east-1a'), 'utf8')).toContain('minSize: 2');
    const applied = await run(apply!);
    expect(applied.code, applied.stderr).toBe(0);
    expect(existsSync(join(store.dir, 'my.example.com', 'cluster-completed.spec'))).toBe(true);
    // The pull request's plan applied twice is stale: the cloud is no longer as it was planned.
    const twice = await run(apply!);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('out of date');
    // Planned again from the store (the page's way out of StalePlan): nothing pending any more.
    const [again] = session('ci.md', 'my.example.com --out plan.json', files);
    expect((await run(again!)).code).toBe(0);
  });
});

describe("rollback.md's statements hold", () => {
  it('a Cluster restored to before create instancegroup added control planes is refused while they exist; nothing is written', async () => {
    const store = tempStore();
    const env = { KOPS_STATE_STORE: store.url };
    expect((await cli(['create', 'cluster', '--name', 'my.example.com', '--zones', 'us-east-1a,us-east-1b,us-east-1c'], { env })).code).toBe(0);
    const [grow] = session('ha.md', 'create instancegroup');
    expect((await cli(grow!, { env })).code).toBe(0);
    const history = JSON.parse((await cli(['get', 'cluster', 'my.example.com', '--history', '-o', 'json'], { env })).stdout) as { versions: { version: string }[] };
    expect(history.versions).toHaveLength(1); // the Cluster before its new etcd members
    const before = snapshot(store.dir);
    const r = await cli(['rollback', 'cluster', 'my.example.com', '--to', history.versions[0]!.version], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('control-plane instance group control-plane-us-east-1b has no member in etcd cluster main');
    expect(snapshot(store.dir)).toEqual(before);
  });

  it('a rollback is a new version, and is itself kept: it can be rolled back', async () => {
    const store = tempStore();
    const env = { KOPS_STATE_STORE: store.url };
    expect((await cli(['create', 'cluster', '--name', 'my.example.com', '--zones', 'us-east-1a', '--kubernetes-version', '1.35.0'], { env })).code).toBe(0);
    expect((await cli(['upgrade', 'cluster', '--name', 'my.example.com', '--yes'], { env })).code).toBe(0);
    const version = async () => /kubernetesVersion: (\S+)/.exec((await cli(['get', 'cluster', 'my.example.com', '-o', 'yaml'], { env })).stdout)![1];
    const upgraded = await version();
    expect(upgraded).not.toBe('1.35.0');
    const kept = async () => (JSON.parse((await cli(['get', 'cluster', 'my.example.com', '--history', '-o', 'json'], { env })).stdout) as { versions: { version: string }[] }).versions;
    const r = await cli(['rollback', 'cluster', 'my.example.com', '--to', (await kept())[0]!.version], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Apply the change with: kops-ts update cluster --name my.example.com --yes');
    expect(await version()).toBe('1.35.0');
    const after = await kept();
    expect(after).toHaveLength(2);
    expect((await cli(['rollback', 'cluster', 'my.example.com', '--to', after[0]!.version], { env })).code).toBe(0);
    expect(await version()).toBe(upgraded);
  });
});
