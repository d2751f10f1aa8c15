/**
 * `kops-ts rotate secret-key` on a file:// store: the refusals (no, bad or the same new key, a
 * third key, --force-unlock without --yes) exit 2 and leave the store byte-identical; the preview
 * counts and writes nothing; plaintext → A (the key in KOPS_NEW_SECRET_KEY) → B (--new-secret-key
 * <file>) with progress and one JSON document; a held lock is refused with its holder and the
 * --force-unlock hint; SIGINT stops before a write, releases the lock and names the re-run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SignalSource, StopSignal } from '../../src/cli/io.js';
import { clearSecretValues } from '../../src/secrets/redact.js';
import { EnvelopeStateStore, secretKeyId } from '../../src/statestore/envelope.js';
import { acquireClusterLock } from '../../src/statestore/lock.js';
import { openStateStore } from '../../src/statestore/open.js';
import { KEY, cli, cliOk, snapshot, tempStore, type CliResult } from './harness.js';

const NAME = 'rekey-cli.example.com';
const SECRET = `s3cr3t-${randomBytes(12).toString('hex')}`;
const keyB64 = () => randomBytes(32).toString('base64');
const dir = mkdtempSync(join(tmpdir(), 'kops-ts-keys-'));
function keyFile(b64: string, name = randomBytes(4).toString('hex')): string {
  const p = join(dir, name);
  writeFileSync(p, `${b64}\n`, { mode: 0o600 });
  return p;
}

class SignalOnListen implements SignalSource {
  constructor(private readonly sig: StopSignal) {}
  listen(handler: (s: StopSignal) => void): () => void {
    handler(this.sig);
    return () => undefined;
  }
  exit(): void {}
}

/** A created cluster whose store holds a plaintext keyset and secret (as written before any key). */
async function plaintextStore(): Promise<{ dir: string; url: string }> {
  const s = tempStore();
  await cliOk(['create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--ssh-public-key', KEY, '--state', s.url]);
  const store = openStateStore(s.url);
  await store.write(`${NAME}/pki/private/kubernetes-ca/keyset.yaml`, `kind: Keyset\nprivateMaterial: ${Buffer.from(SECRET).toString('base64')}\n`);
  await store.write(`${NAME}/secrets/admin`, JSON.stringify({ Data: Buffer.from(SECRET).toString('base64') }));
  return s;
}

async function run(s: { url: string }, args: string[], env: Record<string, string> = {}, signals?: SignalSource): Promise<CliResult> {
  clearSecretValues(); // as a fresh process
  return cli(['rotate', 'secret-key', '--name', NAME, '--state', s.url, ...args], { env, ...(signals ? { signals } : {}) });
}

function noKeyPrinted(r: CliResult, ...keys: string[]): void {
  for (const k of keys) expect(r.stdout + r.stderr, 'a key was printed').not.toContain(k);
  expect(r.stdout + r.stderr).not.toContain(SECRET);
  expect(r.stdout + r.stderr).not.toContain(Buffer.from(SECRET).toString('base64'));
}

describe('rotate secret-key (file://)', () => {
  it('refuses a missing, bad or unchanged new key, a third key and --force-unlock without --yes: exit 2, nothing written', async () => {
    const s = await plaintextStore();
    const a = keyB64();
    const c = keyB64();
    await new EnvelopeStateStore(openStateStore(s.url), new Uint8Array(Buffer.from(c, 'base64'))).write(`${NAME}/secrets/dockerconfig`, 'under a third key');
    const before = snapshot(s.dir);
    const bad = keyFile('not-a-key');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--yes'], {}, /no new secret key given.*--new-secret-key <file>.*KOPS_NEW_SECRET_KEY/],
      [['--new-secret-key', bad, '--yes'], {}, new RegExp(`--new-secret-key ${bad}: invalid secret key: it is not base64`)],
      [['--yes'], { KOPS_NEW_SECRET_KEY: randomBytes(16).toString('base64') }, /KOPS_NEW_SECRET_KEY: invalid secret key: it decodes to 16 bytes/],
      [['--new-secret-key', keyFile(a), '--yes'], { KOPS_SECRET_KEY: a }, new RegExp(`the new secret key is the current one \\(key id ${secretKeyId(Buffer.from(a, 'base64'))}\\)`)],
      [['--new-secret-key', keyFile(a), '--force-unlock', 'abc'], {}, /--force-unlock needs --yes/],
      [['--new-secret-key', keyFile(a), '--yes'], {}, new RegExp(`encrypted with the secret key ${secretKeyId(Buffer.from(c, 'base64'))}, which is neither.*nothing was written \\(file://.*/secrets/dockerconfig\\): give the key whose id is`)],
    ];
    for (const [args, env, message] of cases) {
      const r = await run(s, args, env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      noKeyPrinted(r, a, c);
    }
    expect(snapshot(s.dir)).toEqual(before);
  });

  it('plaintext → A → B: the preview counts and writes nothing; --yes re-encrypts, prints progress and one JSON document; only B reads it after', async () => {
    const s = await plaintextStore();
    const a = keyB64();
    const b = keyB64();
    const [idA, idB] = [a, b].map((k) => secretKeyId(Buffer.from(k, 'base64')));
    const before = snapshot(s.dir);
    const preview = await run(s, [], { KOPS_NEW_SECRET_KEY: a });
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/keysets\s+1\s+0\s+0\s+1/);
    expect(preview.stdout).toMatch(/secrets\s+1\s+0\s+0\s+1/);
    expect(preview.stdout).toContain(`NEW KEY (${idA})`);
    expect(preview.stdout).toContain('Must specify --yes');
    expect(snapshot(s.dir)).toEqual(before);

    const toA = await run(s, ['--yes'], { KOPS_NEW_SECRET_KEY: a });
    expect(toA.code, toA.stderr).toBe(0);
    expect(toA.stderr).toContain(`Re-encrypted ${NAME}/pki/private/kubernetes-ca/keyset.yaml (1/2)`);
    expect(toA.stdout).toContain(`2 object(s) re-encrypted under the secret key ${idA} (2 were plaintext)`);
    for (const p of [`${NAME}/pki/private/kubernetes-ca/keyset.yaml`, `${NAME}/secrets/admin`]) {
      expect(Buffer.from(snapshot(s.dir)[p]!, 'base64').toString()).toMatch(new RegExp(`^kops-ts-envelope:v1:${idA}:`));
    }

    const fileB = keyFile(b);
    const json = await run(s, ['--new-secret-key', fileB, '--yes', '-o', 'json'], { KOPS_SECRET_KEY: a });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      cluster: NAME,
      currentKeyId: idA,
      newKeyId: idB,
      areas: [
        { area: 'keysets', plaintext: 0, current: 1, new: 0, total: 1 },
        { area: 'secrets', plaintext: 0, current: 1, new: 0, total: 1 },
      ],
      toRewrite: 2,
      rewritten: [`${NAME}/pki/private/kubernetes-ca/keyset.yaml`, `${NAME}/secrets/admin`],
    });
    for (const r of [preview, toA, json]) noKeyPrinted(r, a, b);

    expect((await cli(['get', 'secrets', '--name', NAME, '--state', s.url], { env: { KOPS_SECRET_KEY: b } })).code).toBe(0);
    const old = await cli(['get', 'keypairs', '--name', NAME, '--state', s.url], { env: { KOPS_SECRET_KEY: a } });
    expect(old.code).not.toBe(0);
    expect(old.stderr).toContain(`this object is under another secret key, id ${idB} (not ${idA})`);
    expect(old.stderr).toContain('kops-ts rotate secret-key');
  });

  it('a held lock is refused with its holder and --force-unlock; SIGINT stops before a write and the named re-run finishes', async () => {
    const s = await plaintextStore();
    const a = keyB64();
    const fileA = keyFile(a);
    const lock = await acquireClusterLock(openStateStore(s.url), NAME, { operation: 'update cluster', holder: 'alice@laptop pid 4242' });
    const before = snapshot(s.dir);
    const locked = await run(s, ['--new-secret-key', fileA, '--yes']);
    expect(locked.code).not.toBe(0);
    expect(locked.stderr).toContain('locked by alice@laptop pid 4242 for "update cluster"');
    expect(locked.stderr).toContain(`--force-unlock ${lock.info.id}`);
    expect(snapshot(s.dir)).toEqual(before);

    const stopped = await run(s, ['--new-secret-key', fileA, '--force-unlock', lock.info.id, '--yes'], {}, new SignalOnListen('SIGINT'));
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('stopped after re-encrypting 0 of 2 object(s)');
    expect(stopped.stderr).toContain(`a re-run finishes it (objects already under the new key are skipped): kops-ts rotate secret-key --name ${NAME} --state ${s.url} --new-secret-key ${fileA} --yes`);
    const after = snapshot(s.dir);
    expect(after[`${NAME}/lock`]).toBeUndefined();
    expect(after).toEqual(Object.fromEntries(Object.entries(before).filter(([p]) => p !== `${NAME}/lock`)));

    const again = await run(s, ['--new-secret-key', fileA, '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('2 object(s) re-encrypted');
    noKeyPrinted(again, a);
  });
});
