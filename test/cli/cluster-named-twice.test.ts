/**
 * A cluster named both as the argument and by --name, differently, is refused before anything is
 * read or written (kops: "Cannot specify cluster via --name and positional argument"): with
 * `delete cluster a.example.com --name b.example.com --yes` either reading could delete the wrong
 * cluster. KOPS_CLUSTER_NAME stays a default that the argument overrides.
 */
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureText } from '../model/fixtures.js';
import { cli, cliOk, snapshot, tempStore } from './harness.js';

const A = 'a.example.com';
const B = 'b.example.com';
let store: { dir: string; url: string };

beforeAll(async () => {
  store = tempStore();
  for (const name of [A, B]) {
    const file = `${store.dir}.${name}.yaml`;
    writeFileSync(file, fixtureText('minimal').replaceAll('minimal.example.com', name));
    await cliOk(['create', '-f', file, '--state', store.url]);
  }
}, 60_000);

describe('a cluster named twice', () => {
  it('two different names (argument and --name) are refused with exit 2, one line naming both, nothing written', async () => {
    const before = snapshot(store.dir);
    for (const argv of [
      ['get', 'all', A, '--name', B],
      ['get', 'clusters', A, '--name', B],
      ['delete', 'cluster', A, '--name', B, '--yes'],
      ['edit', 'cluster', A, '--name', B, '--set', 'spec.kubernetesVersion=1.31.0'],
    ]) {
      const r = await cli([...argv, '--state', store.url]);
      expect([r.code, r.stdout, r.stderr], argv.join(' ')).toEqual([
        2,
        '',
        `error: the cluster is named twice: "${A}" as the argument and "${B}" by --name: name the cluster once: as the argument or with --name\n`,
      ]);
    }
    expect(snapshot(store.dir)).toEqual(before);
    // Both clusters are still there.
    expect((await cliOk(['get', 'clusters', '-o', 'json', '--state', store.url])).includes(A)).toBe(true);
  });

  it('the same name twice is one cluster; KOPS_CLUSTER_NAME is a default the argument overrides', async () => {
    const a = await cliOk(['get', 'all', A, '--state', store.url]);
    expect(a).toContain(A);
    expect(await cliOk(['get', 'all', A, '--name', A, '--state', store.url])).toBe(a);
    expect(await cliOk(['get', 'all', A, '--state', store.url], { env: { KOPS_CLUSTER_NAME: B } })).toBe(a);
  });
});
