/**
 * `kops-ts migrate state` between two file:// stores: the preview writes nothing, the copy is byte
 * for byte (encrypted secrets stay encrypted) but `config`, whose configBase is rewritten; the source
 * is marked and refused; the refusals leave both stores as they were; a signal stops before a write
 * and a re-run completes; nothing secret is printed.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SignalSource, StopSignal } from '../../src/cli/io.js';
import { decodeObject } from '../../src/statestore/codec.js';
import { acquireClusterLock } from '../../src/statestore/lock.js';
import { openStateStore } from '../../src/statestore/open.js';
import type { StateStore } from '../../src/statestore/types.js';
import type { Cluster } from '../../src/model/api/types.js';
import { KEY, cli, cliOk, snapshot, tempStore } from './harness.js';

const NAME = 'move.example.com';
const SECRET = `s3cr3t-${randomBytes(12).toString('hex')}`;

class SignalOnListen implements SignalSource {
  readonly exits: number[] = [];
  constructor(private readonly sig: StopSignal) {}
  listen(handler: (s: StopSignal) => void): () => void {
    handler(this.sig);
    return () => undefined;
  }
  exit(code: number): void {
    this.exits.push(code);
  }
}

/** A created cluster with an edit in its history, an encrypted secret and a backup object. */
async function source(): Promise<{ dir: string; url: string; env: Record<string, string>; key: Uint8Array }> {
  const s = tempStore();
  const key = randomBytes(32);
  const env = { KOPS_SECRET_KEY: key.toString('base64') };
  await cliOk(['create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--ssh-public-key', KEY, '--state', s.url], { env });
  await cliOk(['edit', 'cluster', NAME, '--set', 'spec.kubernetesVersion=1.34.1', '--state', s.url], { env });
  const store = openStateStore(s.url, { secretKey: key });
  await store.write(`${NAME}/secrets/admin`, JSON.stringify({ Data: Buffer.from(SECRET).toString('base64') }));
  await store.write(`${NAME}/backups/etcd/main/2026-12-01T00:00:00Z/etcd.backup.gz`, randomBytes(2048));
  return { ...s, env, key };
}

const text = (store: StateStore, p: string) => store.read(p).then((o) => new TextDecoder().decode(o!.data));

describe('migrate state, file:// to file://', () => {
  it('previews without writing, copies every object byte for byte with configBase rewritten, marks the source', async () => {
    const src = await source();
    const dst = tempStore();
    const before = [snapshot(src.dir), snapshot(dst.dir)];
    const preview = await cli(['migrate', 'state', '--name', NAME, '--to', dst.url, '--state', src.url], { env: src.env });
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/secrets\s+1 object\(s\)/);
    expect(preview.stdout).toMatch(/history\s+1 object\(s\)/);
    expect(preview.stdout).toContain(`spec.configBase: ${src.url}/${NAME} -> ${dst.url}/${NAME}`);
    expect(preview.stdout).toContain('Must specify --yes');
    const json = JSON.parse((await cli(['migrate', 'state', '--name', NAME, '--to', dst.url, '--state', src.url, '-o', 'json'], { env: src.env })).stdout) as { objects: number; areas: { area: string }[] };
    expect(json.areas.map((a) => a.area)).toEqual(expect.arrayContaining(['backups', 'config', 'history', 'instancegroup', 'pki', 'secrets']));
    expect([snapshot(src.dir), snapshot(dst.dir)]).toEqual(before);

    const done = await cli(['-v', '2', 'migrate', 'state', '--name', NAME, '--to', dst.url, '--state', src.url, '--yes'], { env: src.env });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain(`Copied ${json.objects} object(s)`);
    expect(done.stdout).toContain(`kops-ts get cluster ${NAME} --state ${dst.url}`);
    for (const r of [preview, done]) expect(r.stdout + r.stderr).not.toContain(SECRET);

    const a = snapshot(src.dir);
    const b = snapshot(dst.dir);
    const copied = Object.keys(a).filter((p) => p !== `${NAME}/moved`);
    expect(Object.keys(b).sort()).toEqual(copied.sort());
    for (const p of copied) if (p !== `${NAME}/config`) expect(b[p], p).toBe(a[p]);
    // The secret is stored as the same envelope: still encrypted, still readable with the key.
    expect(Buffer.from(b[`${NAME}/secrets/admin`]!, 'base64').toString()).toMatch(/^kops-ts-envelope:v1:/);
    expect(await text(openStateStore(dst.url, { secretKey: src.key }), `${NAME}/secrets/admin`)).toContain(Buffer.from(SECRET).toString('base64'));
    const srcCfg = decodeObject<Cluster>('', 'config', Buffer.from(a[`${NAME}/config`]!, 'base64'));
    const dstCfg = decodeObject<Cluster>('', 'config', Buffer.from(b[`${NAME}/config`]!, 'base64'));
    expect(dstCfg.spec.configBase).toBe(`${dst.url}/${NAME}`);
    expect({ ...dstCfg, spec: { ...dstCfg.spec, configBase: 'x' } }).toEqual({ ...srcCfg, spec: { ...srcCfg.spec, configBase: 'x' } });

    // The destination works, history included; the source refuses with one line and hides the cluster.
    const history = await cliOk(['get', 'cluster', NAME, '--history', '--state', dst.url], { env: src.env });
    expect(history.trim().split('\n')).toHaveLength(2); // the header and the version before the edit
    expect(history).toMatch(/\byes\b/); // readable
    const refused = await cli(['get', 'cluster', NAME, '--state', src.url], { env: src.env });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(new RegExp(`cluster ${NAME} was moved to ${dst.url} on \\d{4}-\\d\\d-\\d\\dT[^ ]+ by migrate state; use --state ${dst.url}`));
    for (const args of [['update', 'cluster', '--name', NAME], ['get', 'instancegroups', '--name', NAME], ['edit', 'ig', 'nodes-us-east-1a', '--name', NAME, '--set', 'spec.maxSize=3'], ['create', 'instancegroup', 'extra', '--name', NAME, '--role', 'Node', '--subnet', 'us-east-1a']]) {
      const r = await cli([...args, '--state', src.url], { env: src.env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`was moved to ${dst.url}`);
    }
    const listed = await cli(['get', 'clusters', '--state', src.url], { env: src.env });
    expect(listed.stdout).not.toContain(NAME); // not listed: it is managed from the new store
    expect(listed.code).toBe(0);
    expect(listed.stderr).toBe(`warning: cluster ${NAME} was moved to ${dst.url} on ${JSON.parse(Buffer.from(a[`${NAME}/moved`]!, 'base64').toString()).at} by migrate state; use --state ${dst.url}\n`);
    expect(await cliOk(['get', 'clusters', '--state', dst.url], { env: src.env })).toContain(NAME);
    const marker = JSON.parse(Buffer.from(a[`${NAME}/moved`]!, 'base64').toString()) as { to: string; at: string; by: string };
    expect(marker).toMatchObject({ to: dst.url, by: expect.stringMatching(/^kops-ts .* migrate state$/) });
  });

  it('refuses, exit 2, writing nothing anywhere: same store, destination holding the cluster, wrong kind, missing cluster, held lock', async () => {
    const src = await source();
    const other = await source();
    const dst = tempStore();
    const dirs = [src.dir, other.dir, dst.dir];
    const before = dirs.map(snapshot);
    const run = (...args: string[]) => cli(['migrate', 'state', ...args, '--yes'], { env: src.env });
    const cases: [string[], RegExp][] = [
      [['--name', NAME, '--to', src.url, '--state', src.url], /is the source store/],
      [['--name', NAME, '--to', `${src.dir}/`, '--state', src.url], /is the source store/],
      [['--name', NAME, '--to', `${src.url}/${NAME}`, '--state', src.url], /is the source store/],
      [['--name', NAME, '--to', `${src.url}/${NAME}/sub`, '--state', src.url], /is the source store/],
      [['--name', NAME, '--to', other.url, '--state', src.url], /already holds cluster/],
      [['--name', NAME, '--to', 'gs://some-bucket', '--state', src.url], /runs on aws, whose instances read their state from s3:\/\/ only/],
      [['--name', 'absent.example.com', '--to', dst.url, '--state', src.url], /not found/],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(dirs.map(snapshot)).toEqual(before);

    const lock = await acquireClusterLock(openStateStore(src.url), NAME, { operation: 'update cluster' });
    const locked = await run('--name', NAME, '--to', dst.url, '--state', src.url);
    expect(locked.code).not.toBe(0);
    expect(locked.stderr).toContain(`--force-unlock ${lock.info.id}`);
    expect(snapshot(dst.dir)).toEqual(before[2]);
    // --force-unlock breaks that lock (a stale one, as for other commands), then copies.
    expect((await run('--name', NAME, '--to', dst.url, '--state', src.url, '--force-unlock', lock.info.id)).code).toBe(0);
    expect(snapshot(dst.dir)[`${NAME}/config`]).toBeDefined();
    expect(snapshot(src.dir)[`${NAME}/lock`]).toBeUndefined();
  });

  it('stops on SIGINT before a write (exit 130, lock released, the command that finishes it); the re-run completes', async () => {
    const src = await source();
    const dst = tempStore();
    const signals = new SignalOnListen('SIGINT');
    const args = ['migrate', 'state', '--name', NAME, '--to', dst.url, '--state', src.url, '--yes'];
    const r = await cli(args, { env: src.env, signals });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(`a re-run completes it: kops-ts migrate state --name ${NAME} --to ${dst.url} --state ${src.url} --yes`);
    expect(snapshot(src.dir)[`${NAME}/lock`]).toBeUndefined();
    expect(snapshot(src.dir)[`${NAME}/moved`]).toBeUndefined();
    expect(snapshot(dst.dir)[`${NAME}/config`]).toBeUndefined();
    expect((await cli(args, { env: src.env })).code).toBe(0);
    expect(snapshot(dst.dir)[`${NAME}/config`]).toBeDefined();
  });

  it('a failing destination write: exit 1, one line with the re-run; the source is unchanged and unlocked; the re-run completes', async () => {
    const src = await source();
    const dst = tempStore();
    // A file where the copy needs a folder: every backend write under pki/ fails (even as root).
    mkdirSync(join(dst.dir, NAME), { recursive: true });
    writeFileSync(join(dst.dir, NAME, 'pki'), 'in the way');
    const before = snapshot(src.dir);
    const args = ['migrate', 'state', '--name', NAME, '--to', dst.url, '--state', src.url, '--yes'];
    const r = await cli(args, { env: src.env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/copying an object failed .*the source is unchanged and its lock is released.*a re-run completes it: kops-ts migrate state/);
    expect(snapshot(src.dir)).toEqual(before);
    expect(snapshot(dst.dir)[`${NAME}/config`]).toBeUndefined();
    rmSync(join(dst.dir, NAME, 'pki'));
    expect((await cli(args, { env: src.env })).code).toBe(0);
    expect(snapshot(dst.dir)[`${NAME}/config`]).toBeDefined();
  });

  it('--skip-backups leaves the etcd backups in the source and says so (text and JSON)', async () => {
    const src = await source();
    const dst = tempStore();
    const args = ['migrate', 'state', '--name', NAME, '--to', dst.url, '--state', src.url, '--skip-backups'];
    const preview = await cli(args, { env: src.env });
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain(`note: 1 object(s) under backups/ (etcd backups) stay in ${src.url} (--skip-backups); nothing deletes them there`);
    expect(preview.stdout).not.toMatch(/backups\s+\d+ object/);
    expect(JSON.parse((await cli([...args, '-o', 'json'], { env: src.env })).stdout)).toMatchObject({ backupsLeft: 1 });
    expect((await cli([...args, '--yes'], { env: src.env })).code).toBe(0);
    const copied = Object.keys(snapshot(dst.dir));
    expect(copied).toContain(`${NAME}/config`);
    expect(copied.filter((p) => p.includes('/backups/'))).toEqual([]);
    expect(Object.keys(snapshot(src.dir)).filter((p) => p.includes('/backups/'))).toHaveLength(1);
  });
});
