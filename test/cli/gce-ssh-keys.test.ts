/**
 * Two admin SSH keys on GCE, through the CLI against the fake Compute API: both reach the applied
 * instance templates' `ssh-keys` metadata, a line each in fingerprint order, and the next update
 * has nothing to do (the order is stable).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sshPublicKeyFingerprint } from '../../src/statestore/ssh.js';
import { tempDir } from '../pki/openssl.js';
import { ED25519_KEY } from '../statestore/fixtures.js';
import { useFakeGceCompute } from './gce-harness.js';
import { cli, cliOk, KEY, tempStore } from './harness.js';

const PROJECT = 'kops-ssh-keys';
const NAME = 'keys.example.com';
const fake = useFakeGceCompute(PROJECT);

describe('admin SSH keys on GCE through the CLI', () => {
  it('every key goes into the instance templates\' ssh-keys, in fingerprint order; the next update has nothing to do', async () => {
    const state = ['--state', tempStore().url];
    await cliOk(['create', 'cluster', '--name', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--ssh-public-key', KEY, ...state]);
    const second = join(tempDir(), 'second.pub');
    writeFileSync(second, `${ED25519_KEY}\n`);
    await cliOk(['create', 'sshpublickey', '--name', NAME, '-i', second, ...state]);
    await cliOk(['update', 'cluster', '--name', NAME, '--yes', ...state]);

    const keys = [readFileSync(KEY, 'utf8').trim(), ED25519_KEY].sort((a, b) => sshPublicKeyFingerprint(a).localeCompare(sshPublicKeyFingerprint(b)));
    const templates = fake.all(PROJECT, 'instanceTemplates');
    expect(templates.length).toBe(2);
    for (const t of templates) {
      const items = ((t.properties as { metadata?: { items?: { key: string; value: string }[] } }).metadata?.items ?? []);
      expect(items.find((i) => i.key === 'ssh-keys')?.value).toBe(keys.map((k) => `ubuntu: ${k}`).join('\n'));
    }
    const again = await cli(['update', 'cluster', '--name', NAME, '--detailed-exitcode', ...state]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  }, 120_000);
});
