import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KopsError } from '../../src/diagnostics.js';
import {
  BOOTSTRAP_TOKEN_FORMAT,
  ENCRYPTION_CONFIG_SECRET,
  clearSecretValues,
  decodeSecret,
  encodeSecret,
  ensureClusterSecrets,
  generateBootstrapToken,
  generateEncryptionConfig,
  getOrCreateSecret,
  listSecretNames,
  loadSecretKey,
  readSecret,
  redact,
  registerSecretValue,
  secretPath,
  writeSecret,
} from '../../src/secrets/index.js';
import { openStateStore } from '../../src/statestore/index.js';
import type { StateStore } from '../../src/statestore/types.js';
import { thrownBy } from '../helpers/errors.js';

const C = 'c.example.com';
const memory = (): StateStore => openStateStore(`memory://secrets-${randomBytes(4).toString('hex')}`);

describe('secrets in the state store', () => {
  it("uses kops's path and file shape", async () => {
    const store = memory();
    await writeSecret(store, C, 'system:monitoring', 'p4ssw0rd-value');
    const raw = await store.read(`${C}/secrets/system:monitoring`);
    expect(JSON.parse(Buffer.from(raw!.data).toString())).toEqual({ Data: Buffer.from('p4ssw0rd-value').toString('base64') });
    expect(Buffer.from((await readSecret(store, C, 'system:monitoring'))!.data).toString()).toBe('p4ssw0rd-value');
    expect(await readSecret(store, C, 'absent')).toBeUndefined();
    expect(decodeSecret(new TextEncoder().encode(encodeSecret(new Uint8Array([0, 255, 1]))), 'x')).toEqual(new Uint8Array([0, 255, 1]));
  });

  it('refuses bad names and unreadable objects without quoting their content', async () => {
    expect(thrownBy(() => secretPath(C, '../x'), KopsError).code).toBe('InvalidStatePath');
    expect(thrownBy(() => secretPath(C, 'has space'), KopsError).code).toBe('InvalidSecretName');
    const store = memory();
    await store.write(`${C}/secrets/broken`, 'not json hunter2-secret');
    const e = await readSecret(store, C, 'broken').catch((err: unknown) => err as KopsError);
    expect((e as KopsError).code).toBe('InvalidStateObject');
    expect((e as KopsError).diagnostics[0]?.file).toContain('secrets/broken');
    expect(JSON.stringify((e as KopsError).diagnostics)).not.toContain('hunter2');
    await store.write(`${C}/secrets/nodata`, '{"Data": 3}');
    expect(((await readSecret(store, C, 'nodata').catch((err: unknown) => err)) as KopsError).code).toBe('InvalidStateObject');
  });

  it('creates a secret once: a second call and a racing creator get the first value', async () => {
    const store = memory();
    const first = await getOrCreateSecret(store, C, 'bootstrap-token', generateBootstrapToken);
    expect(first.created).toBe(true);
    const again = await getOrCreateSecret(store, C, 'bootstrap-token', () => 'never used value');
    expect(again.created).toBe(false);
    expect(again.data).toEqual(first.data);

    const racing = await Promise.all([1, 2, 3].map((i) => getOrCreateSecret(store, C, 'raced', () => `value-${i}-${randomBytes(4).toString('hex')}`)));
    expect(racing.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(racing.map((r) => Buffer.from(r.data).toString())).size).toBe(1);
    expect(await listSecretNames(store, C)).toEqual(['bootstrap-token', 'raced']);
  });

  it('generates kubeadm-format tokens and a usable EncryptionConfiguration', async () => {
    const tokens = new Set(Array.from({ length: 50 }, generateBootstrapToken));
    expect(tokens.size).toBe(50);
    for (const t of tokens) expect(t).toMatch(BOOTSTRAP_TOKEN_FORMAT);

    const cfg = parse(generateEncryptionConfig()) as {
      apiVersion: string;
      kind: string;
      resources: Array<{ resources: string[]; providers: Array<{ aescbc?: { keys: Array<{ name: string; secret: string }> }; identity?: object }> }>;
    };
    expect(cfg.apiVersion).toBe('apiserver.config.k8s.io/v1');
    expect(cfg.kind).toBe('EncryptionConfiguration');
    expect(cfg.resources[0]?.resources).toEqual(['secrets']);
    const key = cfg.resources[0]?.providers[0]?.aescbc?.keys[0]?.secret ?? '';
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(cfg.resources[0]?.providers[1]?.identity).toEqual({});
    expect(generateEncryptionConfig()).not.toBe(generateEncryptionConfig());

    const store = memory();
    const made = await ensureClusterSecrets(store, C, { encryptionConfig: true });
    expect(made.map((s) => [s.name, s.created])).toEqual([['bootstrap-token', true], [ENCRYPTION_CONFIG_SECRET, true]]);
    const rerun = await ensureClusterSecrets(store, C, { encryptionConfig: true });
    expect(rerun.map((s) => s.created)).toEqual([false, false]);
    expect(rerun.map((s) => s.data)).toEqual(made.map((s) => s.data));
  });
});

describe('the secret key', () => {
  const good = randomBytes(32).toString('base64');
  const files: Record<string, string> = { '/k/good': `${good}\n`, '/k/short': randomBytes(16).toString('base64'), '/k/text': 'not a key at all' };
  const readFile = (p: string) => {
    const f = files[p];
    if (f === undefined) throw new Error(`ENOENT: ${p}`);
    return f;
  };

  it('comes from --secret-key <file>, else KOPS_SECRET_KEY, else nowhere', () => {
    expect(Buffer.from(loadSecretKey({ file: '/k/good', env: {}, readFile })!).toString('base64')).toBe(good);
    const fromEnv = randomBytes(32).toString('base64');
    expect(Buffer.from(loadSecretKey({ env: { KOPS_SECRET_KEY: fromEnv }, readFile })!).toString('base64')).toBe(fromEnv);
    expect(Buffer.from(loadSecretKey({ file: '/k/good', env: { KOPS_SECRET_KEY: fromEnv }, readFile })!).toString('base64')).toBe(good);
    expect(loadSecretKey({ env: {}, readFile })).toBeUndefined();
  });

  it('is refused with the source named and the content never quoted', () => {
    for (const [file, why] of [['/k/short', 'decodes to 16 bytes, not 32'], ['/k/text', 'not base64'], ['/k/missing', 'cannot be read']] as const) {
      const e = thrownBy(() => loadSecretKey({ file, env: {}, readFile }), KopsError);
      expect(e.code).toBe('InvalidSecretKey');
      expect(e.exitCode).toBe(2);
      expect(e.message).toContain(why);
      expect(e.diagnostics[0]?.path).toBe(`--secret-key ${file}`);
      expect(e.diagnostics[0]?.hint).toContain('openssl rand -base64 32');
      expect(JSON.stringify(e.diagnostics)).not.toContain(files[file] ?? '\u0000');
    }
    expect(thrownBy(() => loadSecretKey({ env: { KOPS_SECRET_KEY: 'abc' }, readFile }), KopsError).diagnostics[0]?.path).toBe('KOPS_SECRET_KEY');
  });
});

describe('redaction', () => {
  it('removes private keys (PEM and base64), keyset and secret values, token secrets and registered values', () => {
    clearSecretValues();
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1234\n-----END RSA PRIVATE KEY-----';
    const cert = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmg\n-----END CERTIFICATE-----';
    const out = redact(`key:\n${pem}\ncert:\n${cert}\n`);
    expect(out).not.toContain('MIIEowIBAAKCAQEA1234');
    expect(out).toContain(cert);
    expect(redact('-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI truncated')).not.toContain('MHcCAQEEI');

    const b64 = Buffer.from(`${pem}\n`).toString('base64');
    expect(redact(`privateMaterial: ${b64}`)).toBe('privateMaterial: <redacted>');
    expect(redact(`x ${b64} y`)).toBe('x <redacted> y');
    const certB64 = Buffer.from(cert).toString('base64');
    expect(redact(`certificate: ${certB64}`)).toBe(`certificate: ${certB64}`);
    expect(redact('{"Data":"c2VjcmV0"}')).toBe('{"Data":"<redacted>"}');
    expect(redact('token abcdef.0123456789abcdef joined')).toBe('token abcdef.<redacted> joined');
    expect(redact('cluster abcdef.0123456789abcdef.example.com')).toBe('cluster abcdef.0123456789abcdef.example.com');

    registerSecretValue('correct-horse-battery');
    expect(redact('error: correct-horse-battery is wrong')).toBe('error: <redacted> is wrong');
    expect(redact(`b64 ${Buffer.from('correct-horse-battery').toString('base64')}`)).toBe('b64 <redacted>');
    registerSecretValue('short');
    expect(redact('a short word')).toBe('a short word');
    clearSecretValues();
  });
});
