/**
 * `kops-ts delete sshpublickey` on a GCE cluster, end to end against the fake Compute API: a
 * cluster applied with two admin keys, both deleted with --yes, then `update cluster --yes`. What
 * the command says happens: the store holds no admin key, and the instance templates the managed
 * instance groups use carry no `ssh-keys` metadata (src/model/gce/compute.ts writes none for no
 * key), everything else in them as before; the next update has nothing to do.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sshPublicKeyFingerprint } from '../../src/statestore/ssh.js';
import type { Json } from '../fakes/gce-compute.js';
import { tempDir } from '../pki/openssl.js';
import { ED25519_KEY } from '../statestore/fixtures.js';
import { useFakeGceCompute } from './gce-harness.js';
import { cli, cliOk, KEY, snapshot, tempStore } from './harness.js';

const PROJECT = 'kops-sshdel-gce';
const NAME = 'sshdel-gce.example.com';
const fake = useFakeGceCompute(PROJECT);

type Metadata = Record<string, string>;

/** Each managed instance group's name with the metadata of the instance template it uses. */
function templatesInUse(): Record<string, Metadata> {
  const templates = new Map(fake.all(PROJECT, 'instanceTemplates').map((t) => [String(t.selfLink), t]));
  const out: Record<string, Metadata> = {};
  for (const igm of fake.all(PROJECT, 'instanceGroupManagers')) {
    const t = templates.get(String(igm.instanceTemplate));
    expect(t, `${String(igm.name)}'s template ${String(igm.instanceTemplate)}`).toBeDefined();
    const items = (t!.properties as { metadata?: { items?: { key: string; value: string }[] } }).metadata?.items ?? [];
    out[String(igm.name)] = Object.fromEntries(items.map((i) => [i.key, i.value]));
  }
  return out;
}

describe('delete sshpublickey on GCE (fake Compute API)', () => {
  it('deletes both keys; the next update --yes leaves the instance templates in use without ssh-keys, the rest unchanged', async () => {
    const s = tempStore();
    const state = ['--state', s.url];
    await cliOk(['create', 'cluster', '--name', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--ssh-public-key', KEY, ...state]);
    const second = join(tempDir(), 'second.pub');
    writeFileSync(second, `${ED25519_KEY}\n`);
    await cliOk(['create', 'sshpublickey', '--name', NAME, '-i', second, ...state]);
    await cliOk(['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false', ...state]);

    const keys = [readFileSync(KEY, 'utf8').trim(), ED25519_KEY];
    const ids = keys.map(sshPublicKeyFingerprint).sort();
    const before = templatesInUse();
    expect(Object.keys(before)).toHaveLength(2); // the control plane's group and the nodes'
    for (const metadata of Object.values(before)) {
      for (const k of keys) expect(metadata['ssh-keys']).toContain(`ubuntu: ${k}`);
    }
    const adminKeys = () => Object.keys(snapshot(s.dir)).filter((f) => f.startsWith(`${NAME}/pki/ssh/public/admin/`));
    expect(adminKeys()).toHaveLength(2);
    const linksBefore = fake.all(PROJECT, 'instanceGroupManagers').map((igm) => String(igm.instanceTemplate));

    const deleted = await cli(['delete', 'sshpublickey', NAME, '--yes', ...state]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`Deleted SSH public keys ${ids.join(', ')} from cluster ${NAME}.\n`);
    expect(deleted.stdout).toContain('plans the instance templates without the keys (their ssh-keys metadata)');
    expect(await cliOk(['get', 'sshpublickeys', '--name', NAME, '-o', 'json', ...state])).toBe('[]\n');
    expect(adminKeys()).toEqual([]);

    const update = await cli(['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false', ...state]);
    expect(update.code, update.stderr).toBe(0);
    // GCE templates are immutable: each group moved to a new one
    const linksAfter = fake.all(PROJECT, 'instanceGroupManagers').map((igm) => String(igm.instanceTemplate));
    expect(linksAfter.filter((l) => linksBefore.includes(l))).toEqual([]);
    const after = templatesInUse();
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const [igm, metadata] of Object.entries(after)) {
      expect(metadata, igm).not.toHaveProperty('ssh-keys');
      const { 'ssh-keys': _, ...rest } = before[igm]!;
      expect(metadata, igm).toEqual(rest);
    }
    // No template left anywhere (in use or not) carries a deleted key.
    const leftover = fake.all(PROJECT, 'instanceTemplates').filter((t: Json) => keys.some((k) => JSON.stringify(t).includes(k.split(/\s+/)[1]!)));
    expect(leftover.map((t) => t.name)).toEqual([]);

    const again = await cli(['update', 'cluster', '--name', NAME, '--detailed-exitcode', ...state]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  }, 180_000);
});
