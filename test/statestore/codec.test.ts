import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { parseKopsYaml, parseSSHPublicKey, sshPublicKeyFingerprint, stringifyKopsYaml } from '../../src/statestore/index.js';
import { decodeObject, deepEqual } from '../../src/statestore/codec.js';
import { thrownBy } from '../helpers/errors.js';
import { ED25519_KEY, ED25519_MD5, RSA_KEY, RSA_MD5 } from './fixtures.js';

describe('state-store YAML', () => {
  it('reads scalars as kops (go-yaml, YAML 1.1) does, without timestamps or base-60', () => {
    const v = parseKopsYaml('a: yes\nb: off\nc: 0755\nd: "yes"\ne: 2024-01-02T03:04:05Z\nf: 12:30\ng: 1.30\nh: ~\n');
    expect(v).toEqual({ a: true, b: false, c: 493, d: 'yes', e: '2024-01-02T03:04:05Z', f: '12:30', g: 1.3, h: null });
  });

  it('quotes strings kops would otherwise read as something else', () => {
    const text = stringifyKopsYaml({ a: 'yes', b: 'on', c: '0755', d: '1.30', e: 'plain', f: 'y' });
    expect(text).toBe('a: "yes"\nb: "on"\nc: "0755"\nd: "1.30"\ne: plain\nf: "y"\n');
    expect(parseKopsYaml(text)).toEqual({ a: 'yes', b: 'on', c: '0755', d: '1.30', e: 'plain', f: 'y' });
  });

  it('keeps key order and long lines as they are', () => {
    const long = 'x'.repeat(200);
    expect(stringifyKopsYaml({ z: 1, a: { k: long, b: [1, 2] } })).toBe(`z: 1\na:\n  k: ${long}\n  b:\n  - 1\n  - 2\n`);
    // Even a key: "y" alone would read back as a boolean key in kops.
    expect(stringifyKopsYaml({ y: 1 })).toBe('"y": 1\n');
  });

  it('refuses objects that are not YAML mappings, naming the object', () => {
    const bad = (s: string) => thrownBy(() => decodeObject('memory://x', 'c/config', new TextEncoder().encode(s)), KopsError);
    expect(bad('a: [').code).toBe('InvalidStateObject');
    expect(bad('a: [').message).toContain('memory://x/c/config');
    expect(bad('- 1\n').message).toContain('not a YAML mapping');
    expect(bad('metadata: 3\n').message).toContain('metadata');
  });

  it('compares plain data ignoring key order', () => {
    expect(deepEqual({ a: 1, b: [{ c: 2, d: 3 }] }, { b: [{ d: 3, c: 2 }], a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(deepEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(deepEqual({ a: 1 }, { a: '1' })).toBe(false);
  });
});

describe('SSH public keys', () => {
  it('fingerprints as kops and ssh-keygen -E md5 do', () => {
    expect(sshPublicKeyFingerprint(ED25519_KEY)).toBe(ED25519_MD5);
    expect(sshPublicKeyFingerprint(RSA_KEY)).toBe(RSA_MD5);
    expect(sshPublicKeyFingerprint(`  ${ED25519_KEY}\n`)).toBe(ED25519_MD5);
    expect(sshPublicKeyFingerprint(`no-pty,from="10.0.0.0/8" ${RSA_KEY}`)).toBe(RSA_MD5);
  });

  it('parses type and comment, and rejects what is not a public key', () => {
    expect(parseSSHPublicKey(ED25519_KEY)).toMatchObject({ type: 'ssh-ed25519', comment: 'test@example' });
    const [type, b64] = RSA_KEY.split(' ') as [string, string];
    for (const bad of ['', '-----BEGIN OPENSSH PRIVATE KEY-----', 'ssh-rsa', 'ssh-rsa !!!', `ssh-ed25519 ${b64}`, `${type} AAAA`]) {
      expect(() => sshPublicKeyFingerprint(bad), bad).toThrow(expect.objectContaining({ code: 'InvalidSSHPublicKey' }));
    }
  });
});
