/**
 * The local half of `delete cluster`: the cluster's known state objects (unknown ones left and
 * reported, `config` last, other clusters untouched) and its kubeconfig entries (others kept).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteKnownClusterState } from '../../src/cloudup/delete-cluster-state.js';
import { removeKubeconfigContext } from '../../src/cloudup/kubeconfig.js';
import { openStateStore } from '../../src/statestore/open.js';
import type { StateStore } from '../../src/statestore/types.js';
import { tempDir } from '../pki/openssl.js';

async function put(store: StateStore, path: string): Promise<void> {
  await store.write(path, new TextEncoder().encode(`${path}\n`));
}

describe('delete cluster: state and kubeconfig', () => {
  it('deletes the known objects, config last; leaves unknown objects, the lock and other clusters', async () => {
    const store = openStateStore('memory://delete-state');
    const known = ['a.example.com/config', 'a.example.com/cluster-completed.spec', 'a.example.com/instancegroup/nodes', 'a.example.com/pki/private/ca/keyset.yaml', 'a.example.com/history/config/1', 'a.example.com/igconfig/node/nodes/kubeadm.yaml'];
    for (const p of [...known, 'a.example.com/notes.txt', 'a.example.com/lock', 'b.example.com/config']) await put(store, p);
    const deletes: string[] = [];
    const spy: StateStore = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'delete') return (p: string) => (deletes.push(p), target.delete(p));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const r = await deleteKnownClusterState(spy, 'a.example.com');
    expect([...r.deleted].sort()).toEqual([...known].sort());
    expect(r.unknown).toEqual(['a.example.com/notes.txt']);
    expect(deletes.at(-1)).toBe('a.example.com/config');
    expect((await store.list('')).sort()).toEqual(['a.example.com/lock', 'a.example.com/notes.txt', 'b.example.com/config']);
  });

  it("removes the cluster's context, cluster and user from the kubeconfig and keeps the others", async () => {
    const file = join(tempDir(), 'config');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: {server: 'https://other.example.net'}
- name: a.example.com
  cluster: {server: 'https://api.a.example.com'}
users:
- name: other-user
  user: {token: abc}
- name: a.example.com
  user: {token: def}
contexts:
- name: other
  context: {cluster: other, user: other-user}
- name: a.example.com
  context: {cluster: a.example.com, user: a.example.com}
current-context: a.example.com
`,
    );
    const r = await removeKubeconfigContext(file, 'a.example.com');
    expect(r.removed).toEqual(['context a.example.com', 'cluster a.example.com', 'user a.example.com']);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('a.example.com');
    expect(text).toContain('other-user');
    expect(text).toContain('https://other.example.net');
    expect(await removeKubeconfigContext(file, 'a.example.com')).toEqual({ removed: [] });
    expect(await removeKubeconfigContext(join(tempDir(), 'absent'), 'a.example.com')).toEqual({ removed: [] });
  });
});
