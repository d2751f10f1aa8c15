/**
 * A way back from a broken store (issue #8 §4), on a file:// store and an S3 store on the
 * emulator, through the CLI only: a corrupt config or instance group does not hide the healthy
 * clusters, is named with what to do, and every hint printed is followed as printed until the
 * store is healthy again; an interrupted `create cluster` (lock held, instance groups written, no
 * config) is recovered the same way.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients, type AwsClientOptions } from '../../src/cloud/aws/clients.js';
import { parseManifests } from '../../src/model/api/parse.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { acquireClusterLock } from '../../src/statestore/lock.js';
import { openStateStore } from '../../src/statestore/open.js';
import { Clientset } from '../../src/statestore/clientset.js';
import type { StateStore } from '../../src/statestore/types.js';
import { awsEndpoint, TEST_CREDENTIALS, uniqueBucket } from '../helpers/aws.js';
import { quietProgram, suggestedCommands, unrunnable } from '../helpers/cli-commands.js';
import { fixtureText } from '../model/fixtures.js';
import { cli, type CliResult } from './harness.js';

const A = 'alpha.example.com';
const B = 'beta.example.com';

function manifest(name: string, version = '1.34.1'): string {
  return fixtureText('minimal').replaceAll('minimal.example.com', name).replace('kubernetesVersion: 1.34.1', `kubernetesVersion: ${version}`);
}

const work = mkdtempSync(join(tmpdir(), 'kops-ts-broken-'));
function file(name: string, text: string): string {
  const p = join(work, `${randomBytes(4).toString('hex')}-${name}`);
  writeFileSync(p, text);
  return p;
}

interface StoreKind {
  readonly name: string;
  /** A fresh, empty store: its URL for the CLI and a handle to break it with. */
  fresh(): Promise<{ url: string; store: StateStore }>;
}

// The CLI opens s3:// as a user's shell would: the SDK reads the endpoint and credentials from
// the environment, so this file's process points the environment at the emulator.
const s3Options = (): AwsClientOptions => ({ region: 'us-east-1', endpoint: awsEndpoint(), credentials: TEST_CREDENTIALS, maxAttempts: 1 });
let bucket: string | undefined;
const saved: Record<string, string | undefined> = {};
const S3_ENV = (): Record<string, string> => ({
  AWS_ENDPOINT_URL: awsEndpoint(),
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  AWS_REGION: 'us-east-1',
  AWS_MAX_ATTEMPTS: '1',
});
beforeAll(() => {
  for (const [k, v] of Object.entries(S3_ENV())) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const kinds: StoreKind[] = [
  {
    name: 'file',
    fresh: async () => {
      const url = `file://${mkdtempSync(join(tmpdir(), 'kops-ts-broken-store-'))}`;
      return { url, store: openStateStore(url) };
    },
  },
  {
    name: 's3',
    fresh: async () => {
      if (!bucket) {
        bucket = uniqueBucket('kops-ts-broken');
        await new AwsClients(s3Options()).s3.send(new CreateBucketCommand({ Bucket: bucket }));
      }
      const url = `s3://${bucket}/t-${randomBytes(4).toString('hex')}`;
      return { url, store: openStateStore(url, { aws: s3Options() }) };
    },
  },
];

/** Runs a command line the CLI printed (`kops-ts ...`, placeholders filled in) against `url`. */
async function follow(line: string, url: string, fill: Record<string, string> = {}): Promise<CliResult> {
  let filled = line;
  for (const [k, v] of Object.entries(fill)) filled = filled.replaceAll(k, v);
  expect(unrunnable(filled, quietProgram())).toEqual([]);
  return cli([...filled.split(/\s+/).slice(1), '--state', url]);
}

const GARBAGE = 'apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata: {name: alpha.example.com\nspec: [unclosed\n';

describe.each(kinds)('a corrupt spec in a $name store', (kind) => {
  async function twoClusters() {
    const s = await kind.fresh();
    for (const n of [A, B]) expect((await cli(['create', '-f', file(`${n}.yaml`, manifest(n)), '--state', s.url])).code).toBe(0);
    // A second version of alpha, so that its history holds the first.
    expect((await cli(['replace', '-f', file('a2.yaml', manifest(A, '1.34.2')), '--state', s.url])).code).toBe(0);
    return s;
  }

  it('get clusters lists the healthy clusters, names the broken one, exits 1; rollback from its history repairs it', async () => {
    const s = await twoClusters();
    await s.store.write(`${A}/config`, GARBAGE);

    const table = await cli(['get', 'clusters', '--state', s.url]);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(new RegExp(`^NAME\\s+CLOUD\\s+ZONES\\n${B.replace(/\./g, '\\.')}\\s+aws\\s+us-east-1a\\n$`));
    const lines = table.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error: ${s.url.replace(/[./]/g, '\\$&')}/${A.replace(/\./g, '\\.')}/config: it is not valid YAML`));

    const json = await cli(['get', 'clusters', '-o', 'json', '--state', s.url]);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { items: { metadata: { name: string } }[]; errors: { cluster: string; object: string; code: string; hint: string }[] };
    expect(doc.items.map((i) => i.metadata.name)).toEqual([B]);
    expect(doc.errors).toEqual([expect.objectContaining({ cluster: A, object: 'config', code: 'InvalidStateObject' })]);

    // The hint names the history listing and the rollback; both exist and are followed as printed.
    const hints = suggestedCommands(lines[0]!);
    expect(hints).toEqual([`kops-ts get cluster ${A} --history`, `kops-ts rollback cluster ${A} --to <version>`, 'kops-ts replace -f <file> --force']);
    const history = await follow(`${hints[0]!} -o json`, s.url);
    expect(history.code).toBe(0);
    const versions = (JSON.parse(history.stdout) as { current: { readable: boolean }; versions: { version: string; size: number; readable: boolean }[] });
    expect(versions.current.readable).toBe(false);
    expect(versions.versions).toHaveLength(1);
    expect(versions.versions[0]!.readable).toBe(true);
    const table2 = await follow(hints[0]!, s.url);
    expect(table2.stdout).toMatch(new RegExp(`^VERSION\\s+SUPERSEDED\\s+GENERATION\\s+SIZE\\s+READABLE\\n${versions.versions[0]!.version}\\s`));

    const rolled = await follow(hints[1]!, s.url, { '<version>': versions.versions[0]!.version });
    expect(rolled.stderr).toBe('');
    expect(rolled.code).toBe(0);
    expect(rolled.stdout).toContain(`Cluster/${A} restored to version ${versions.versions[0]!.version}`);
    for (const line of suggestedCommands(rolled.stdout)) expect(unrunnable(line, quietProgram())).toEqual([]);

    const healthy = await cli(['get', 'clusters', '--state', s.url]);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toContain(A);
    const restored = await cli(['get', 'cluster', A, '-o', 'yaml', '--state', s.url]);
    expect(restored.stdout).toContain('kubernetesVersion: 1.34.1');
    // The corrupt version was kept too: a rollback never rewrites history.
    const after = JSON.parse((await cli(['get', 'cluster', A, '--history', '-o', 'json', '--state', s.url])).stdout) as { versions: { readable: boolean }[] };
    expect(after.versions.map((v) => v.readable)).toEqual([false, true]);
  });

  it('replace -f --force and edit overwrite a corrupt config, conditional on the corrupt version', async () => {
    const s = await twoClusters();
    await s.store.write(`${A}/config`, GARBAGE);
    const replaced = await cli(['replace', '-f', file('a3.yaml', manifest(A, '1.34.3')), '--force', '--state', s.url]);
    // The manifest's instance groups are as stored: not written (no history entry), and said so.
    expect(replaced.stderr).toBe(`No changes: InstanceGroup/control-plane-us-east-1a is already as in the manifest; nothing written\nNo changes: InstanceGroup/nodes-us-east-1a is already as in the manifest; nothing written\n`);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain(`Replaced Cluster/${A}`);
    expect((await cli(['get', 'cluster', A, '-o', 'yaml', '--state', s.url])).stdout).toContain('kubernetesVersion: 1.34.3');

    // edit opens the stored text with what is wrong on top; saving a valid Cluster replaces it.
    await s.store.write(`${A}/config`, GARBAGE);
    let seen = '';
    const edited = await cli(['edit', 'cluster', A, '--state', s.url], {
      editor: (path) => {
        seen = readFileSync(path, 'utf8');
        writeFileSync(path, manifest(A, '1.34.4').split('\n---\n')[0]!);
        return 0;
      },
    });
    expect(seen).toContain('# error: ');
    expect(seen).toContain('not valid YAML');
    expect(seen).toContain('spec: [unclosed');
    expect(edited.stderr).toBe('');
    expect(edited.code).toBe(0);
    expect((await cli(['get', 'cluster', A, '-o', 'yaml', '--state', s.url])).stdout).toContain('kubernetesVersion: 1.34.4');
  });

  it('edit of a corrupt config saved unchanged is cancelled at once (no loop of re-opens), the store as it was', async () => {
    const s = await twoClusters();
    await s.store.write(`${A}/config`, GARBAGE);
    let opened = 0;
    const edited = await cli(['edit', 'cluster', A, '--state', s.url], {
      editor: () => {
        opened++;
        return 0;
      },
    });
    expect(opened).toBe(1);
    expect(edited.code).toBe(0);
    expect(edited.stdout).toContain('Edit cancelled: no changes made.');
    expect(new TextDecoder().decode((await s.store.read(`${A}/config`))?.data)).toBe(GARBAGE);
  });

  it('a replace that does not carry the Cluster refuses a corrupt config and names the way back', async () => {
    const s = await twoClusters();
    await s.store.write(`${A}/config`, GARBAGE);
    const ig = manifest(A).split('\n---\n')[2]!;
    const r = await cli(['replace', '-f', file('ig.yaml', ig), '--state', s.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${A}/config: it is not valid YAML`);
    for (const line of suggestedCommands(r.stderr)) expect(unrunnable(line.replace(/<[^>]+>/g, 'x'), quietProgram())).toEqual([]);
  });

  it('a corrupt instance group: get ig lists the others and names it; rollback instancegroup repairs it', async () => {
    const s = await twoClusters();
    const ig = 'nodes-us-east-1a';
    const bigger = manifest(A).split('\n---\n')[2]!.replace('maxSize: 1', 'maxSize: 3');
    expect((await cli(['replace', '-f', file('ig.yaml', bigger), '--state', s.url])).code).toBe(0);
    await s.store.write(`${A}/instancegroup/${ig}`, 'kind: InstanceGroup\nspec: [\n');

    const list = await cli(['get', 'ig', '--name', A, '--state', s.url]);
    expect(list.code).toBe(1);
    expect(list.stdout).toContain('control-plane-us-east-1a');
    expect(list.stdout).not.toContain(ig);
    const err = list.stderr.trim().split('\n');
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(`${A}/instancegroup/${ig}: it is not valid YAML`);
    // get clusters is not affected by a broken instance group
    expect((await cli(['get', 'clusters', '--state', s.url])).code).toBe(0);

    const [listing, rollback] = suggestedCommands(err[0]!);
    expect(listing).toBe(`kops-ts get instancegroup ${ig} --name ${A} --history`);
    const versions = JSON.parse((await follow(`${listing!} -o json`, s.url)).stdout) as { versions: { version: string; generation?: number }[] };
    // the version the maxSize 3 replace superseded: the only one, since the replace of a2.yaml had
    // this group as stored and so wrote nothing for it
    expect(versions.versions).toHaveLength(1);
    const r = await follow(rollback!, s.url, { '<version>': versions.versions[0]!.version });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const back = await cli(['get', 'ig', ig, '--name', A, '-o', 'yaml', '--state', s.url]);
    expect(back.code).toBe(0);
    expect(back.stdout).toContain('maxSize: 1');

    // edit instancegroup opens a corrupt one as stored, the problem on top; a valid save replaces it
    await s.store.write(`${A}/instancegroup/${ig}`, 'kind: InstanceGroup\nspec: [\n');
    let seen = '';
    const edited = await cli(['edit', 'ig', ig, '--name', A, '--state', s.url], {
      editor: (path) => {
        seen = readFileSync(path, 'utf8');
        writeFileSync(path, manifest(A).split('\n---\n')[2]!.replace('maxSize: 1', 'maxSize: 4'));
        return 0;
      },
    });
    expect(seen).toMatch(/# error: .*not valid YAML/);
    expect(edited.stderr).toBe('');
    expect(edited.code).toBe(0);
    expect((await cli(['get', 'ig', ig, '--name', A, '-o', 'yaml', '--state', s.url])).stdout).toContain('maxSize: 4');
  });
});

describe.each(kinds)('an interrupted create cluster in a $name store', (kind) => {
  it('is recovered by following the hints: --force-unlock on the same command, then delete cluster --yes', async () => {
    const s = await kind.fresh();
    const name = 'interrupted.example.com';
    // What a create killed before its commit point leaves: its lock, and the instance groups it
    // wrote before config. The real create is run and never allowed to write config.
    let reached!: () => void;
    const atCommit = new Promise<void>((r) => (reached = r));
    const hanging: StateStore = {
      url: s.store.url,
      read: (p) => s.store.read(p),
      list: (p) => s.store.list(p),
      listSizes: (p) => s.store.listSizes(p),
      delete: (p, o) => s.store.delete(p, o),
      write: (p, d, o) => {
        if (p === `${name}/config`) {
          reached();
          return new Promise(() => undefined); // the process dies here
        }
        return s.store.write(p, d, o);
      },
    };
    const objs = parseManifests(manifest(name)).objects;
    const cluster = objs.find((o): o is Cluster => o.kind === 'Cluster')!;
    const igs = objs.filter((o): o is InstanceGroup => o.kind === 'InstanceGroup');
    void new Clientset(hanging).createCluster(cluster, igs);
    await atCommit;
    expect(await s.store.read(`${name}/lock`)).toBeDefined();
    expect(await s.store.read(`${name}/instancegroup/nodes-us-east-1a`)).toBeDefined();

    const args = ['create', 'cluster', name, '--zones', 'us-east-1a', '--state', s.url];
    const locked = await cli(args);
    expect(locked.code).toBe(1);
    const id = /--force-unlock ([0-9a-f]{16})/.exec(locked.stderr)?.[1];
    expect(id, locked.stderr).toBeDefined();
    expect(locked.stderr).toContain('for "create cluster"');
    // The hint's flag is one this command accepts.
    expect(unrunnable(`kops-ts create cluster ${name} --force-unlock ${id!}`, quietProgram())).toEqual([]);

    const leftovers = await cli([...args, '--force-unlock', id!]);
    expect(leftovers.code).toBe(1);
    expect(leftovers.stderr).toContain('left from an earlier run');
    expect(await s.store.read(`${name}/lock`)).toBeUndefined(); // broken, then released
    const [del] = suggestedCommands(leftovers.stderr);
    expect(del).toBe(`kops-ts delete cluster ${name} --yes`);

    const deleted = await follow(del!, s.url);
    expect(deleted.stderr).toBe('');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`${name}/instancegroup/nodes-us-east-1a`);
    expect(await s.store.list(`${name}/`)).toEqual([]);

    const created = await cli(args);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('Cluster configuration has been created');
    expect((await cli(['get', 'clusters', '--state', s.url])).stdout).toContain(name);
  });

  it('every command that takes the lock accepts the --force-unlock its ClusterLocked hint names', async () => {
    const s = await kind.fresh();
    const name = 'locked.example.com';
    const m = file('locked.yaml', manifest(name));
    const runs: string[][] = [
      ['create', 'cluster', name, '--zones', 'us-east-1a'],
      ['create', '-f', m],
      ['replace', '-f', m, '--force'],
    ];
    for (const argv of runs) {
      const lock = await acquireClusterLock(s.store, name, { operation: 'update cluster' });
      const r = await cli([...argv, '--state', s.url]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`re-run with --force-unlock ${lock.info.id}`);
      const again = await cli([...argv, '--force-unlock', lock.info.id, '--state', s.url]);
      expect(again.stderr).not.toContain('ClusterLocked');
      expect(again.stderr).not.toContain('is locked');
      expect(again.code, again.stderr).toBe(0);
      // remove the cluster's state again for the next command (it has no cloud resources)
      await new Clientset(s.store).deleteClusterState(name);
    }
    // delete cluster (of leftovers) and update cluster --yes take the lock too
    const root = quietProgram();
    expect(unrunnable(`kops-ts delete cluster ${name} --yes --force-unlock 0123456789abcdef`, root)).toEqual([]);
    expect(unrunnable(`kops-ts update cluster ${name} --yes --force-unlock 0123456789abcdef`, root)).toEqual([]);
  });
});
