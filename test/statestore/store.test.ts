import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { StateErrorCode } from '../../src/statestore/index.js';
import { rejectionOf } from '../helpers/errors.js';
import { backends, text } from './backends.js';

describe.each(backends)('state store: $name', (backend) => {
  it('reads back what was written, with a version, and absent objects as undefined', async () => {
    const store = await backend.fresh();
    expect(await store.read('c.example.com/config')).toBeUndefined();
    const { version } = await store.write('c.example.com/config', 'kind: Cluster\n');
    const got = await store.read('c.example.com/config');
    expect(text(got?.data)).toBe('kind: Cluster\n');
    expect(got?.version).toBe(version);
    const bytes = new Uint8Array([0, 1, 2, 255]);
    await store.write('c.example.com/pki/bin', bytes);
    expect([...(await store.read('c.example.com/pki/bin'))!.data]).toEqual([...bytes]);
  });

  it('gives a new version on every change of content', async () => {
    const store = await backend.fresh();
    const a = await store.write('x/o', 'one');
    const b = await store.write('x/o', 'two');
    expect(b.version).not.toBe(a.version);
    expect((await store.read('x/o'))?.version).toBe(b.version);
  });

  it('lists recursively, sorted, filtered by prefix', async () => {
    const store = await backend.fresh();
    for (const p of ['b.example.com/config', 'a.example.com/instancegroup/nodes', 'a.example.com/config', 'a.example.com/instancegroup/control-plane-us-east-1a', 'a.example.comx/config']) {
      await store.write(p, p);
    }
    expect(await store.list('')).toEqual([
      'a.example.com/config',
      'a.example.com/instancegroup/control-plane-us-east-1a',
      'a.example.com/instancegroup/nodes',
      'a.example.comx/config',
      'b.example.com/config',
    ]);
    expect(await store.list('a.example.com/')).toEqual(['a.example.com/config', 'a.example.com/instancegroup/control-plane-us-east-1a', 'a.example.com/instancegroup/nodes']);
    expect(await store.list('a.example.com/instancegroup/n')).toEqual(['a.example.com/instancegroup/nodes']);
    expect(await store.list('nothing/')).toEqual([]);
  });

  it('lists objects with their sizes as stored, in list\'s order and filtered by the same prefix', async () => {
    const store = await backend.fresh();
    const objects: Record<string, Uint8Array | string> = {
      'a.example.com/config': 'kind: Cluster\n',
      'a.example.com/pki/private/ca/keyset.yaml': 'x'.repeat(3000),
      'a.example.com/backups/etcd/main/b.gz': new Uint8Array(70_000).fill(7),
      'a.example.com/empty': '',
      'a.example.comx/config': 'other',
    };
    for (const [p, d] of Object.entries(objects)) await store.write(p, d);
    const sizes = await store.listSizes('a.example.com/');
    expect(sizes).toEqual([
      { path: 'a.example.com/backups/etcd/main/b.gz', size: 70_000 },
      { path: 'a.example.com/config', size: 14 },
      { path: 'a.example.com/empty', size: 0 },
      { path: 'a.example.com/pki/private/ca/keyset.yaml', size: 3000 },
    ]);
    expect(sizes.map((o) => o.path)).toEqual(await store.list('a.example.com/'));
    expect((await store.listSizes('')).map((o) => o.path)).toEqual(await store.list(''));
    expect(await store.listSizes('nothing/')).toEqual([]);
    expect((await rejectionOf(store.listSizes('/'), KopsError)).code).toBe('InvalidStatePath');
  });

  it('deletes; a missing object is fine without a version and a conflict with one', async () => {
    const store = await backend.fresh();
    const { version } = await store.write('c/secrets/admin', 's3cret');
    await store.delete('c/secrets/admin', { ifVersion: version });
    expect(await store.read('c/secrets/admin')).toBeUndefined();
    expect(await store.list('c/')).toEqual([]);
    await store.delete('c/secrets/admin');
    await store.delete('never/was/here');
    const e = await rejectionOf(store.delete('c/secrets/admin', { ifVersion: version }), KopsError);
    expect(e.code).toBe(StateErrorCode.Conflict);
  });

  it('refuses a conditional delete of a changed object and keeps it', async () => {
    const store = await backend.fresh();
    const v1 = await store.write('c/config', 'v1');
    await store.write('c/config', 'v2');
    const e = await rejectionOf(store.delete('c/config', { ifVersion: v1.version }), KopsError);
    expect(e.code).toBe(StateErrorCode.Conflict);
    expect(e.message).toBe('c/config changed since it was read');
    expect(text((await store.read('c/config'))?.data)).toBe('v2');
  });

  it('ifAbsent creates once and then conflicts, leaving the first bytes', async () => {
    const store = await backend.fresh();
    await store.write('c/config', 'first', { ifAbsent: true });
    const e = await rejectionOf(store.write('c/config', 'second', { ifAbsent: true }), KopsError);
    expect(e.code).toBe(StateErrorCode.Conflict);
    expect(e.message).toBe('c/config already exists');
    expect(e.diagnostics[0]?.hint).toMatch(/re-run/);
    expect(e.diagnostics[0]?.file).toBe(`${store.url}/c/config`);
    expect(text((await store.read('c/config'))?.data)).toBe('first');
  });

  it('ifVersion replaces only the version read, and not a missing object', async () => {
    const store = await backend.fresh();
    const v1 = await store.write('c/config', 'v1');
    const v2 = await store.write('c/config', 'v2', { ifVersion: v1.version });
    const stale = await rejectionOf(store.write('c/config', 'v3', { ifVersion: v1.version }), KopsError);
    expect(stale.code).toBe(StateErrorCode.Conflict);
    expect(stale.message).toBe('c/config changed since it was read');
    expect(text((await store.read('c/config'))?.data)).toBe('v2');
    expect((await store.read('c/config'))?.version).toBe(v2.version);
    const gone = await rejectionOf(store.write('c/other', 'x', { ifVersion: v1.version }), KopsError);
    expect(gone.code).toBe(StateErrorCode.Conflict);
    expect(await store.read('c/other')).toBeUndefined();
  });

  it('lets exactly one of two concurrent writers of the same version win, whole', async () => {
    const store = await backend.fresh();
    const other = backend.reopen(store);
    await store.write('c/config', 'spec: v1\n');
    const [r1, r2] = await Promise.all([store.read('c/config'), other.read('c/config')]);
    const specA = `spec: ${'a'.repeat(20_000)}\n`;
    const specB = `spec: ${'b'.repeat(30_000)}\n`;
    const results = await Promise.allSettled([
      store.write('c/config', specA, { ifVersion: r1!.version }),
      other.write('c/config', specB, { ifVersion: r2!.version }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(KopsError.is(lost[0]!.reason, StateErrorCode.Conflict)).toBe(true);
    const winner = results[0]!.status === 'fulfilled' ? specA : specB;
    expect(text((await store.read('c/config'))?.data)).toBe(winner);
  });

  it('lets exactly one of several concurrent creators win', async () => {
    const store = await backend.fresh();
    const handles = [store, backend.reopen(store), backend.reopen(store), backend.reopen(store)];
    const results = await Promise.allSettled(handles.map((h, i) => h.write('c/lock', `holder ${i}`, { ifAbsent: true })));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(KopsError.is(r.reason, StateErrorCode.Conflict)).toBe(true);
    expect(text((await store.read('c/lock'))?.data)).toBe(`holder ${winners[0]}`);
  });

  it('rejects paths that could escape or alias, and contradictory options', async () => {
    const store = await backend.fresh();
    for (const bad of ['/abs', 'a/../b', '..', 'a//b', 'a/./b', 'dir/', '', 'a\\b', 'x/.y.kops-ts-lock']) {
      const e = await rejectionOf(store.write(bad, 'x'), KopsError);
      expect(e.code, bad).toBe('InvalidStatePath');
    }
    expect((await rejectionOf(store.read('../etc/passwd'), KopsError)).code).toBe('InvalidStatePath');
    expect((await rejectionOf(store.list('/'), KopsError)).code).toBe('InvalidStatePath');
    expect((await rejectionOf(store.write('a', 'x', { ifAbsent: true, ifVersion: 'v' }), KopsError)).code).toBe('InvalidWriteOptions');
    expect(await store.list('')).toEqual([]);
  });
});
