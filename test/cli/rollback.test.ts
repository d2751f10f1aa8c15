/** `rollback cluster|instancegroup`: validated before anything is written; bad versions named. */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keepHistory, openStateStore } from '../../src/statestore/index.js';
import { fixturePath, fixtureText } from '../model/fixtures.js';
import { cli, snapshot, tempStore } from './harness.js';

const NAME = 'minimal.example.com';

async function created() {
  const s = tempStore();
  expect((await cli(['create', '-f', fixturePath('minimal'), '--state', s.url])).code).toBe(0);
  return s;
}

describe('rollback', () => {
  it('refuses a kept version that is not a valid spec (exit 2, the kept file named) and writes nothing', async () => {
    const s = await created();
    const store = openStateStore(s.url);
    const invalid = fixtureText('minimal').split('\n---\n')[0]!.replace('networkCIDR: 172.20.0.0/16', 'networkCIDR: 172.20.0.0/33');
    const entry = await keepHistory(store, NAME, 'config', { data: new TextEncoder().encode(invalid), version: 'x' }, new Date('2026-01-01T00:00:00Z'));
    const before = snapshot(s.dir);
    const r = await cli(['rollback', 'cluster', NAME, '--to', entry.stamp, '--state', s.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: spec.networkCIDR:`);
    expect(r.stderr).toContain(`(${s.url}/${NAME}/history/config/${entry.stamp})`);
    expect(snapshot(s.dir)).toEqual(before);
  });

  it('names an unknown or unreadable version and how to list the kept ones', async () => {
    const s = await created();
    const unknown = await cli(['rollback', 'cluster', NAME, '--to', '2026-01-01T00-00-00.000Z-00000000', '--state', s.url]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`has no kept version 2026-01-01T00-00-00.000Z-00000000`);
    expect(unknown.stderr).toContain(`kops-ts get cluster ${NAME} --history`);
    const bad = await cli(['rollback', 'cluster', NAME, '--to', 'yesterday', '--state', s.url]);
    expect(bad.stderr).toContain('"yesterday" is not a history stamp');
    expect(bad.code).toBe(2); // a usage error, as an unknown version is
    // A cluster that is not there is named as such, not sent to a history listing that fails too.
    for (const argv of [['cluster', 'nope.example.com'], ['ig', 'nodes-us-east-1a', '--name', 'nope.example.com']]) {
      const missing = await cli(['rollback', ...argv, '--to', '2026-01-01T00-00-00.000Z-00000000', '--state', s.url]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^error: cluster "nope\.example\.com" not found in /);
      expect(missing.stderr).not.toContain('--history');
    }
    const none = await cli(['rollback', 'cluster', NAME, '--state', s.url]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('pass --to <version>');

    const store = openStateStore(s.url);
    const entry = await keepHistory(store, NAME, 'config', { data: new TextEncoder().encode('kind: [\n'), version: 'x' }, new Date('2026-01-01T00:00:00Z'));
    const unreadable = await cli(['rollback', 'cluster', NAME, '--to', entry.stamp, '--state', s.url]);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain('cannot be read either');
    const listed = JSON.parse((await cli(['get', 'cluster', NAME, '--history', '-o', 'json', '--state', s.url])).stdout) as { versions: { version: string; readable: boolean; size: number }[] };
    expect(listed.versions).toEqual([{ version: entry.stamp, superseded: '2026-01-01T00:00:00.000Z', size: 8, readable: false }]);
  });

  it('restores an instance group deleted since, and the restore itself can be rolled back', async () => {
    const s = await created();
    const ig = 'nodes-us-east-1a';
    expect((await cli(['delete', 'ig', ig, '--name', NAME, '--yes', '--state', s.url])).code).toBe(0);
    const hist = JSON.parse((await cli(['get', 'ig', ig, '--name', NAME, '--history', '-o', 'json', '--state', s.url])).stdout) as { current: unknown; versions: { version: string }[] };
    expect(hist.current).toBeNull();
    const r = await cli(['rollback', 'ig', ig, '--name', NAME, '--to', hist.versions[0]!.version, '--state', s.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await cli(['get', 'ig', '--name', NAME, '--state', s.url])).stdout).toContain(ig);

    // config: change it, roll back, and the changed version is in the history to return to
    const changed = `${s.dir}.v2.yaml`;
    writeFileSync(changed, fixtureText('minimal').replace('kubernetesVersion: 1.34.1', 'kubernetesVersion: 1.34.2'));
    expect((await cli(['replace', '-f', changed, '--state', s.url])).code).toBe(0);
    const v = JSON.parse((await cli(['get', 'cluster', NAME, '--history', '-o', 'json', '--state', s.url])).stdout) as { versions: { version: string; generation?: number }[] };
    expect((await cli(['rollback', 'cluster', NAME, '--to', v.versions[0]!.version, '--state', s.url])).code).toBe(0);
    expect((await cli(['get', 'cluster', NAME, '-o', 'yaml', '--state', s.url])).stdout).toContain('kubernetesVersion: 1.34.1');
    const yaml = (await cli(['get', 'cluster', NAME, '--history', '-o', 'yaml', '--state', s.url])).stdout;
    expect(yaml).toMatch(/^cluster: minimal\.example\.com\nobject: config\n/);
    expect(yaml).toContain(`- version: ${v.versions[0]!.version}`);
    const again = JSON.parse((await cli(['get', 'cluster', NAME, '--history', '-o', 'json', '--state', s.url])).stdout) as { versions: { version: string }[] };
    expect(again.versions).toHaveLength(2);
    expect((await cli(['rollback', 'cluster', NAME, '--to', again.versions[0]!.version, '--state', s.url])).code).toBe(0);
    expect((await cli(['get', 'cluster', NAME, '-o', 'yaml', '--state', s.url])).stdout).toContain('kubernetesVersion: 1.34.2');
  });

  it('a rollback, replace -f or edit that changes nothing writes nothing: no new version, no history entry, and says so', async () => {
    const s = await created();
    const changed = `${s.dir}.v2.yaml`;
    writeFileSync(changed, fixtureText('minimal').replace('kubernetesVersion: 1.34.1', 'kubernetesVersion: 1.34.2'));
    expect((await cli(['replace', '-f', changed, '--state', s.url])).code).toBe(0);
    const kept = async (...object: string[]) =>
      (JSON.parse((await cli(['get', ...object, '--history', '-o', 'json', '--state', s.url])).stdout) as { versions: { version: string }[] }).versions;
    const first = (await kept('cluster', NAME))[0]!.version;
    expect((await cli(['rollback', 'cluster', NAME, '--to', first, '--state', s.url])).code).toBe(0);
    expect(await kept('cluster', NAME)).toHaveLength(2);

    // The same version again: the spec is already that.
    let before = snapshot(s.dir);
    const again = await cli(['rollback', 'cluster', NAME, '--to', first, '--state', s.url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe(`No changes: Cluster/${NAME} is already as version ${first}; nothing written, no new version in the history\n`);
    expect(snapshot(s.dir)).toEqual(before);

    // replace -f of what get all prints: every object as stored.
    const exported = `${s.dir}.all.yaml`;
    writeFileSync(exported, (await cli(['get', 'all', NAME, '-o', 'yaml', '--state', s.url])).stdout);
    const replaced = await cli(['replace', '-f', exported, '--state', s.url]);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toBe('');
    expect(replaced.stderr.trim().split('\n')).toEqual([
      `No changes: Cluster/${NAME} is already as in the manifest; nothing written`,
      'No changes: InstanceGroup/control-plane-us-east-1a is already as in the manifest; nothing written',
      'No changes: InstanceGroup/nodes-us-east-1a is already as in the manifest; nothing written',
    ]);
    expect(snapshot(s.dir)).toEqual(before);
    // One object changed among unchanged ones: only it is written.
    const docs = readFileSync(exported, 'utf8').split('\n---\n');
    const nodes = docs.findIndex((d) => d.includes('name: nodes-us-east-1a'));
    expect(docs[nodes]).toContain('maxSize: 1\n');
    docs[nodes] = docs[nodes]!.replace('maxSize: 1\n', 'maxSize: 2\n');
    writeFileSync(exported, docs.join('\n---\n'));
    const one = await cli(['replace', '-f', exported, '--state', s.url]);
    expect(one.stdout).toBe('Replaced InstanceGroup/nodes-us-east-1a\n');
    expect(one.stderr).toContain(`No changes: Cluster/${NAME}`);
    expect(await kept('cluster', NAME)).toHaveLength(2);
    expect(await kept('ig', 'nodes-us-east-1a', '--name', NAME)).toHaveLength(1);

    // edit: saved untouched, --set to the value it has, or only metadata the store keeps anyway.
    before = snapshot(s.dir);
    const untouched = await cli(['edit', 'cluster', NAME, '--state', s.url], { editor: () => 0 });
    const sameValue = await cli(['edit', 'cluster', NAME, '--set', 'spec.kubernetesVersion=1.34.1', '--state', s.url]);
    const metadataOnly = await cli(['edit', 'cluster', NAME, '--state', s.url], {
      editor: (path) => {
        writeFileSync(path, readFileSync(path, 'utf8').replace(/\n {2}creationTimestamp: .*\n/, '\n'));
        return 0;
      },
    });
    for (const r of [untouched, sameValue, metadataOnly]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('Edit cancelled: no changes made.\n');
    }
    expect(snapshot(s.dir)).toEqual(before);
  });
});
