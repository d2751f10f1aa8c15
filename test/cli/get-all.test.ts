/**
 * `kops-ts get all [cluster]` and its older form `kops-ts get <cluster>` on a file:// store: kops's
 * two tables; -o yaml|json as one manifest of the objects as stored that `replace -f` takes back
 * (a changed field round-trips and nothing else moves); a cluster without groups, or with a
 * corrupt group; the bare form the same as get all (`get <cluster>`, and `get` with --name or
 * KOPS_CLUSTER_NAME), a mistyped subcommand still a usage error with a suggestion, more than one
 * cluster name a usage error naming the extra words, and `kops-ts get` with no name its help.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/model/api/parse.js';
import type { InstanceGroup, KopsObject } from '../../src/model/api/types.js';
import { fixtureText } from '../model/fixtures.js';
import { KEY, cli, cliOk, tempStore } from './harness.js';

const NAME = 'export.example.com';
const NODES = 'nodes-us-east-1a';

/** A store with the minimal fixture renamed to `name` (a Cluster and two instance groups). */
async function storeWith(name = NAME): Promise<{ dir: string; url: string }> {
  const s = tempStore();
  const file = `${s.dir}.manifest.yaml`;
  writeFileSync(file, fixtureText('minimal').replaceAll('minimal.example.com', name));
  await cliOk(['create', '-f', file, '--state', s.url]);
  return s;
}

/** The objects as `get cluster -o yaml` and `get ig -o yaml` print them. */
async function storedObjects(url: string, name = NAME): Promise<KopsObject[]> {
  const c = await cliOk(['get', 'cluster', name, '-o', 'yaml', '--state', url]);
  const igs = await cliOk(['get', 'ig', '--name', name, '-o', 'yaml', '--state', url]);
  return parseManifests(`${c}\n---\n${igs}`).objects;
}

let store: { dir: string; url: string };
beforeAll(async () => {
  store = await storeWith();
});

describe('get all', () => {
  it("prints kops's Cluster and Instance Groups tables", async () => {
    const r = await cli(['get', 'all', NAME, '--state', store.url]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe(
      [
        'Cluster',
        'NAME                 CLOUD   ZONES',
        `${NAME}   aws     us-east-1a`,
        '',
        'Instance Groups',
        'NAME                       ROLE           MACHINETYPE   MIN   MAX   ZONES',
        'control-plane-us-east-1a   ControlPlane   t3.medium     1     1     us-east-1a',
        'nodes-us-east-1a           Node           t3.medium     1     1     us-east-1a',
        '',
      ].join('\n'),
    );
    // The cluster from --name or KOPS_CLUSTER_NAME, as the other commands take it
    expect(await cliOk(['get', 'all', '--name', NAME, '--state', store.url])).toBe(r.stdout);
    expect(await cliOk(['get', 'all', '--state', store.url], { env: { KOPS_CLUSTER_NAME: NAME } })).toBe(r.stdout);
    const none = await cli(['get', 'all', '--state', store.url]);
    expect([none.code, none.stderr]).toEqual([2, 'error: no cluster name given: pass --name <cluster>, give it as an argument, or set KOPS_CLUSTER_NAME\n']);
  });

  it('-o yaml and -o json are the Cluster then every InstanceGroup, exactly as get cluster / get ig print them', async () => {
    const stored = await storedObjects(store.url);
    expect(stored.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([`Cluster/${NAME}`, 'InstanceGroup/control-plane-us-east-1a', `InstanceGroup/${NODES}`]);
    const yaml = await cli(['get', 'all', NAME, '-o', 'yaml', '--state', store.url]);
    expect([yaml.code, yaml.stderr]).toEqual([0, '']);
    expect(yaml.stdout.split(/^---$/m)).toHaveLength(3);
    const fromYaml = parseManifests(yaml.stdout, 'all.yaml');
    expect(fromYaml.diagnostics).toEqual([]);
    expect(fromYaml.objects).toEqual(stored);
    const json = await cli(['get', 'all', NAME, '-o', 'json', '--state', store.url]);
    expect([json.code, json.stderr]).toEqual([0, '']);
    expect(JSON.parse(json.stdout)).toEqual(stored);
  });

  it('prints no SSH key and no secret', async () => {
    const s = tempStore();
    await cliOk(['create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--ssh-public-key', KEY, '--state', s.url]);
    const key = readFileSync(KEY, 'utf8').trim().split(/\s+/)[1]!;
    expect(await cliOk(['get', 'sshpublickeys', '--name', NAME, '-o', 'yaml', '--state', s.url])).toContain(key);
    for (const format of ['table', 'yaml', 'json']) {
      const out = await cliOk(['get', 'all', NAME, '-o', format, '--state', s.url]);
      expect(out).not.toContain(key);
      expect(out).not.toMatch(/PRIVATE KEY|ssh-(rsa|ed25519)|kind: (Secret|Keyset|SSHCredential)|"kind": "(Secret|Keyset|SSHCredential)"/);
    }
  });

  it.each(['yaml', 'json'])('round-trips through replace -f (-o %s): the changed field is stored, nothing else changed', async (format) => {
    const s = await storeWith();
    const before = await storedObjects(s.url);
    const exported = await cliOk(['get', 'all', NAME, '-o', format, '--state', s.url]);
    const pattern = format === 'yaml' ? /(name: nodes-us-east-1a\n[\s\S]*?maxSize: )1\b/ : /("name": "nodes-us-east-1a"[\s\S]*?"maxSize": )1\b/;
    const edited = exported.replace(pattern, '$15');
    expect(edited).not.toBe(exported);
    const file = join(`${s.dir}.export.${format}`);
    writeFileSync(file, edited);
    const replaced = await cli(['replace', '-f', file, '--state', s.url]);
    // Only the changed group is written; the others are as stored, and said to be (no new version).
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toBe(`Replaced InstanceGroup/${NODES}\n`);
    expect(replaced.stderr).toContain(`No changes: Cluster/${NAME} is already as in the manifest; nothing written\n`);
    expect(replaced.stderr).not.toContain(NODES);
    const after = await storedObjects(s.url);
    const expected = structuredClone(before);
    const nodes = expected.find((o): o is InstanceGroup => o.metadata.name === NODES)!;
    nodes.spec.maxSize = 5;
    // The store counts the spec change in the group's generation (kops's metadata.generation), and only there.
    const changed = after.find((o) => o.metadata.name === NODES)!;
    expect(changed.metadata.generation).toBeGreaterThan(0);
    nodes.metadata.generation = changed.metadata.generation;
    expect(after).toEqual(expected);
    // and the next export is the edited file, but for the generation line the store added
    const again = await cliOk(['get', 'all', NAME, '-o', format, '--state', s.url]);
    if (format === 'yaml') expect(again.replace(/^ {2}generation: \d+\n/m, '')).toBe(edited);
    else expect((JSON.parse(again) as KopsObject[]).map(({ metadata: { generation: _, ...metadata }, ...o }) => ({ ...o, metadata }))).toEqual(JSON.parse(edited));
  });

  it('get clusters -o json, an array, is taken back by replace -f too', async () => {
    const s = await storeWith();
    const json = await cliOk(['get', 'clusters', '-o', 'json', '--state', s.url]);
    expect(JSON.parse(json)).toBeInstanceOf(Array);
    const file = `${s.dir}.clusters.json`;
    writeFileSync(file, json.replace('"kubernetesVersion": "1.34.1"', '"kubernetesVersion": "1.34.2"'));
    expect(await cliOk(['replace', '-f', file, '--state', s.url])).toContain(`Replaced Cluster/${NAME}`);
    expect(await cliOk(['get', 'cluster', NAME, '-o', 'yaml', '--state', s.url])).toContain('kubernetesVersion: 1.34.2');
  });

  it('a cluster without instance groups: "No instance groups found" on stderr, stdout the cluster alone', async () => {
    const s = await storeWith();
    for (const g of ['control-plane-us-east-1a', NODES]) rmSync(join(s.dir, NAME, 'instancegroup', g));
    const table = await cli(['get', 'all', NAME, '--state', s.url]);
    expect([table.code, table.stderr]).toEqual([0, 'No instance groups found\n']);
    expect(table.stdout).toMatch(/^Cluster\n.*\n.*\n\nInstance Groups\nNAME\s+ROLE\s+MACHINETYPE\s+MIN\s+MAX\s+ZONES\n$/);
    const yaml = await cli(['get', 'all', NAME, '-o', 'yaml', '--state', s.url]);
    expect([yaml.code, yaml.stderr]).toEqual([0, 'No instance groups found\n']);
    expect(parseManifests(yaml.stdout).objects.map((o) => o.kind)).toEqual(['Cluster']);
  });

  it('a corrupt instance group is named (exit 1) and the readable objects are still printed', async () => {
    const s = await storeWith();
    writeFileSync(join(s.dir, NAME, 'instancegroup', NODES), 'kind: InstanceGroup\nspec: [unclosed\n');
    const table = await cli(['get', 'all', NAME, '--state', s.url]);
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('control-plane-us-east-1a   ControlPlane');
    expect(table.stdout).not.toContain(NODES);
    expect(table.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^error: .*/${NAME}/instancegroup/${NODES}: it is not valid YAML`))]);
    const yaml = await cli(['get', 'all', NAME, '-o', 'yaml', '--state', s.url]);
    expect(yaml.code).toBe(1);
    expect(parseManifests(yaml.stdout).objects.map((o) => o.metadata.name)).toEqual([NAME, 'control-plane-us-east-1a']);
    // -o json as get clusters / get ig give it: the readable objects as items, the unreadable as errors
    const json = await cli(['get', 'all', NAME, '-o', 'json', '--state', s.url]);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { items: KopsObject[]; errors: { cluster: string; object: string; code: string }[] };
    expect(doc.items.map((o) => o.metadata.name)).toEqual([NAME, 'control-plane-us-east-1a']);
    expect(doc.errors).toEqual([expect.objectContaining({ cluster: NAME, object: `instancegroup/${NODES}`, code: 'InvalidStateObject' })]);
    // A corrupt config: the groups are still listed, the config named
    writeFileSync(join(s.dir, NAME, 'config'), 'kind: Cluster\nspec: [unclosed\n');
    const both = await cli(['get', 'all', NAME, '--state', s.url]);
    expect(both.code).toBe(1);
    expect(both.stdout).toContain('control-plane-us-east-1a');
    expect(both.stderr).toMatch(new RegExp(`/${NAME}/config: `));
  });
});

describe('get <cluster>, the older form', () => {
  it.each([[[]], [['-o', 'yaml']], [['-o', 'json']]])('prints what get all prints (%j)', async (flags) => {
    const all = await cli(['get', 'all', NAME, ...flags, '--state', store.url]);
    const bare = await cli(['get', NAME, ...flags, '--state', store.url]);
    expect(bare).toEqual(all);
    expect(bare.code).toBe(0);
  });

  it.each([[[]], [['-o', 'yaml']], [['-o', 'json']]])('get alone with --name or KOPS_CLUSTER_NAME prints what get all prints (%j), as kops', async (flags) => {
    const all = await cli(['get', 'all', NAME, ...flags, '--state', store.url]);
    expect(all.code).toBe(0);
    expect(await cli(['get', '--name', NAME, ...flags, '--state', store.url])).toEqual(all);
    expect(await cli(['get', ...flags, '--state', store.url], { env: { KOPS_CLUSTER_NAME: NAME } })).toEqual(all);
    // and an unknown name is ClusterNotFound, not the help
    const missing = await cli(['get', ...flags, '--state', store.url], { env: { KOPS_CLUSTER_NAME: 'nosuch.example.com' } });
    expect([missing.code, missing.stdout]).toEqual([1, '']);
    expect(missing.stderr).toMatch(/^error: cluster "nosuch\.example\.com" not found in /);
  });

  it('more than one word: get takes one cluster name, the extra words named, exit 2', async () => {
    const two = await cli(['get', NAME, 'nodes', '--state', store.url]);
    expect(two).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: get takes at most one cluster name, not 2: "nodes" is extra: kops-ts get ${NAME} shows that cluster; kops-ts get --help lists get's subcommands\n`,
    });
    const three = await cli(['get', 'all', NAME, 'a', 'b c', '--state', store.url]);
    expect(three).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: get all takes at most one cluster name, not 3: "a" and "b c" are extra: kops-ts get all ${NAME} shows that cluster; kops-ts get --help lists get's subcommands\n`,
    });
    // a first word that cannot be a cluster name suggests no command with it
    expect((await cli(['get', 'all', 'x', 'y'])).stderr).toBe(`error: get all takes at most one cluster name, not 2: "y" is extra: kops-ts get --help lists get's subcommands\n`);
    // a mistyped subcommand before its argument is still the unknown command, with the suggestion
    expect(await cli(['get', 'clsuters', NAME])).toEqual({ code: 2, stdout: '', stderr: "error: unknown command 'clsuters' (Did you mean clusters?): see kops-ts --help\n" });
  });

  it('a mistyped subcommand is still an unknown command with a suggestion, exit 2, without a state store', async () => {
    for (const [word, near] of [['clsuters', 'clusters'], ['instancegrops', 'instancegroups'], ['secrts', 'secrets']] as const) {
      const r = await cli(['get', word]);
      expect(r).toEqual({ code: 2, stdout: '', stderr: `error: unknown command '${word}' (Did you mean ${near}?): see kops-ts --help\n` });
    }
    // Not a cluster name and near nothing: unknown command, as before
    expect(await cli(['get', 'foo'])).toEqual({ code: 2, stdout: '', stderr: "error: unknown command 'foo': see kops-ts --help\n" });
    // Options before a subcommand belong to it
    const misplaced = await cli(['get', '-o', 'yaml', 'clusters', '--state', store.url]);
    expect([misplaced.code, misplaced.stdout, misplaced.stderr]).toEqual([2, '', 'error: the options of "get clusters" go after it: e.g. kops-ts get clusters -o yaml\n']);
  });

  it('an unknown cluster is ClusterNotFound, as get all and get clusters say it', async () => {
    const bare = await cli(['get', 'nosuch.example.com', '--state', store.url]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/^error: cluster "nosuch\.example\.com" not found in /);
    expect(await cli(['get', 'all', 'nosuch.example.com', '--state', store.url])).toEqual(bare);
    expect((await cli(['get', 'clusters', 'nosuch.example.com', '--state', store.url])).stderr).toBe(bare.stderr);
  });

  it('a cluster whose name is close to a subcommand wins over the suggestion', async () => {
    const near = 'a.ll'; // one edit from `all`
    const s = await storeWith(near);
    const r = await cli(['get', near, '--state', s.url]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`Cluster\nNAME   CLOUD   ZONES\n${near}   aws     us-east-1a\n`);
    // where it does not exist, the suggestion
    expect(await cli(['get', near, '--state', store.url])).toEqual({ code: 2, stdout: '', stderr: `error: unknown command '${near}' (Did you mean all?): see kops-ts --help\n` });
  });

  it('get alone, with no cluster name at all, still prints its help, and get --help lists the subcommands', async () => {
    const bare = await cli(['get']);
    expect([bare.code, bare.stdout]).toEqual([0, '']);
    expect(await cli(['get', '-o', 'yaml', '--state', store.url])).toEqual(bare);
    expect(await cli(['get'], { env: { KOPS_CLUSTER_NAME: '' } })).toEqual(bare);
    expect(bare.stderr).toMatch(/^Usage: kops-ts get \[options\] \[command\]/);
    const help = await cli(['get', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(bare.stderr);
    for (const sub of ['all [options] [cluster]', 'clusters|cluster', 'instancegroups|instancegroup', 'keypairs|keypair']) expect(help.stdout).toContain(`  ${sub}`);
    expect(help.stdout).toContain('kops-ts get all my.example.com -o yaml > cluster.yaml');
  });
});
