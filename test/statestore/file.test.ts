import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { FileStateStore } from '../../src/statestore/index.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'file-worker.ts');

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kops-ts-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface WorkerResult {
  increments: number;
  conflicts: number;
  created: number[];
}

/** Starts workers, waits until each has loaded, then starts them all at once. */
async function runWorkers(root: string, ids: string[], count: number): Promise<WorkerResult[]> {
  const children = ids.map((id) => spawn(process.execPath, ['--import', 'tsx', WORKER, root, id, String(count)], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const lines = children.map((c) => createInterface({ input: c.stdout! })[Symbol.asyncIterator]());
  const stderr = children.map((c) => {
    let s = '';
    c.stderr!.on('data', (d: Buffer) => (s += d.toString()));
    return () => s;
  });
  for (const [i, it] of lines.entries()) {
    const first = await it.next();
    if (first.value !== 'ready') throw new Error(`worker ${ids[i]} did not start: ${stderr[i]!()}`);
  }
  for (const c of children) c.stdin!.end('go\n');
  return Promise.all(
    lines.map(async (it, i) => {
      const res = await it.next();
      if (res.done) throw new Error(`worker ${ids[i]} failed: ${stderr[i]!()}`);
      return JSON.parse(res.value) as WorkerResult;
    }),
  );
}

describe('file backend across processes', () => {
  it('loses no update and creates each object once when processes race', async () => {
    const root = join(dir, 'store');
    const count = 60;
    const results = await runWorkers(root, ['p1', 'p2'], count);
    const store = new FileStateStore(root);
    const list = JSON.parse(new TextDecoder().decode((await store.read('counter'))!.data)) as string[];
    // Every increment is there exactly once, in order: no write was based on a stale read.
    expect(list).toHaveLength(2 * count);
    expect(list.map((e) => Number(e.split(':')[1]))).toEqual([...Array(2 * count).keys()]);
    expect(list.filter((e) => e.startsWith('p1:'))).toHaveLength(count);
    // The processes really did collide, so the check above means something.
    expect(results[0]!.conflicts + results[1]!.conflicts).toBeGreaterThan(0);
    const created = [...results[0]!.created, ...results[1]!.created].sort((a, b) => a - b);
    expect(created).toEqual([...Array(count).keys()]);
    for (const i of results[0]!.created) expect(new TextDecoder().decode((await store.read(`race/k${i}`))!.data)).toBe('p1');
    expect(await readdir(root)).toEqual(['counter', 'race']); // no temp or lock file left behind
  }, 30_000);
});

describe('file backend', () => {
  it('accepts a URL or a path, and writes private files', async () => {
    const store = new FileStateStore(`${dir}/s/`);
    expect(store.url).toBe(`file://${dir}/s`);
    await store.write('c/pki/private/ca/keyset.yaml', 'secret');
    expect((await stat(join(dir, 's/c/pki/private/ca/keyset.yaml'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 's/c/pki'))).mode & 0o777).toBe(0o700);
  });

  it('ignores its own temp and lock files when listing', async () => {
    const store = new FileStateStore(dir);
    await store.write('c/config', 'x');
    await writeFile(join(dir, 'c', '.config.kops-ts-tmp-1-abc'), 'partial');
    await writeFile(join(dir, 'c', 'config.kops-ts-lock'), 'pid 1');
    expect(await store.list('')).toEqual(['c/config']);
  });

  it('breaks a lock file left by a crashed writer once it is stale', async () => {
    const store = new FileStateStore(dir, { staleMs: 30_000 });
    const { version } = await store.write('c/config', 'v1');
    const lock = join(dir, 'c', 'config.kops-ts-lock');
    await writeFile(lock, 'pid 999999');
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await store.write('c/config', 'v2', { ifVersion: version });
    expect(new TextDecoder().decode((await store.read('c/config'))!.data)).toBe('v2');
    expect(await readdir(join(dir, 'c'))).toEqual(['config']);
  });

  it('waits for a live lock, then gives up with a conflict naming the lock file', async () => {
    let t = 0;
    const slept: number[] = [];
    const store = new FileStateStore(dir, {
      waitMs: 1_000,
      now: () => Date.now() + t,
      sleep: async (ms) => {
        slept.push(ms);
        t += 300;
      },
    });
    const { version } = await store.write('c/config', 'v1');
    await writeFile(join(dir, 'c', 'config.kops-ts-lock'), 'pid 1');
    const e: unknown = await store.write('c/config', 'v2', { ifVersion: version }).catch((err: unknown) => err);
    expect(KopsError.is(e, 'StateConflict')).toBe(true);
    expect((e as KopsError).message).toBe('c/config is being written by another process');
    expect((e as KopsError).diagnostics[0]?.hint).toContain('config.kops-ts-lock');
    expect(slept.length).toBeGreaterThan(1);
    expect(new TextDecoder().decode((await store.read('c/config'))!.data)).toBe('v1');
  });

  it('removes folders a delete leaves empty, and writes into them again', async () => {
    const store = new FileStateStore(dir);
    await store.write('c/instancegroup/nodes', 'x');
    await store.write('c/config', 'x');
    await store.delete('c/instancegroup/nodes');
    expect(await readdir(join(dir, 'c'))).toEqual(['config']);
    await store.write('c/instancegroup/nodes', 'y', { ifAbsent: true });
    expect(await store.list('c/instancegroup/')).toEqual(['c/instancegroup/nodes']);
  });

  it('reports an object/folder clash as an invalid path, and an unusable root as unreachable', async () => {
    const store = new FileStateStore(dir);
    await store.write('c/config', 'x');
    const clash: unknown = await store.write('c/config/nested', 'y').catch((e: unknown) => e);
    expect(KopsError.is(clash, 'InvalidStatePath')).toBe(true);
    expect(await store.read('c')).toBeUndefined();
    // A root behind a symlink loop fails (ELOOP) for every user, root included.
    await symlink(join(dir, 'loop'), join(dir, 'loop'));
    const denied: unknown = await new FileStateStore(join(dir, 'loop', 'store')).write('c/config', 'x').catch((e: unknown) => e);
    expect(KopsError.is(denied, 'StateStoreUnreachable')).toBe(true);
    expect((denied as KopsError).message).toContain('cannot write c/config');
  });
});
