/**
 * The keypair commands end to end through the CLI on a file store: bring your own CA (made by the
 * real openssl), rotation (create, promote, distrust), what `get keypairs` shows, the errors, and
 * that no private key ever reaches stdout or stderr, with -v too.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { KeysetStore, ensureClusterKeysets, issueFromKeyset, trustBundle } from '../../src/pki/index.js';
import { cli, tempStore, type CliResult } from './harness.js';
import { opensslVerify, tempDir } from '../pki/openssl.js';

const NAME = 'keys.example.com';
let url: string;
let outputs: CliResult[];

async function run(...args: string[]): Promise<CliResult> {
  const r = await cli(['--state', url, '--name', NAME, ...args]);
  outputs.push(r);
  return r;
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA made by openssl (RSA, PKCS#8 key as `openssl req` writes it), and a leaf that is not a CA. */
function opensslCA(dir: string): { cert: string; key: string; leafCert: string; leafKey: string } {
  const cert = join(dir, 'ca.crt');
  const key = join(dir, 'ca.key');
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=my-own-ca', '-days', '365', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leafCert = join(dir, 'leaf.crt');
  const leafKey = join(dir, 'leaf.key');
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', leafKey, '-out', leafCert, '-subj', '/CN=not-a-ca', '-days', '30', '-addext', 'basicConstraints=critical,CA:FALSE');
  return { cert, key, leafCert, leafKey };
}

async function storedKeyset(name: string) {
  return (await new KeysetStore(openStateStore(url)).get(NAME, name)).keyset;
}

/** Every piece of private material in the store, as PEM body lines and as stored base64. */
async function secretsInStore(): Promise<string[]> {
  const store = openStateStore(url);
  const ks = new KeysetStore(store);
  const out: string[] = [];
  for (const n of await ks.list(NAME)) {
    for (const item of (await ks.get(NAME, n)).keyset.items) {
      if (!item.privateKey) continue;
      out.push(...item.privateKey.split('\n').filter((l) => l.length > 40));
      out.push(Buffer.from(item.privateKey).toString('base64').slice(0, 60));
    }
  }
  return out;
}

beforeEach(async () => {
  url = tempStore().url;
  outputs = [];
  const built = newCluster({ name: NAME, zones: ['us-east-1a'] });
  await new Clientset(openStateStore(url)).createCluster(built.cluster, built.instanceGroups);
});

describe('keypairs from the command line', () => {
  it('a service-account key added or distrusted says the discovery store\'s JWKS changes with the next update (only with one)', async () => {
    const cs = new Clientset(openStateStore(url));
    const cluster = (await cs.getCluster(NAME)).object;
    await ensureClusterKeysets(new KeysetStore(openStateStore(url)), cluster, { keyAlgorithm: 'ecdsa-p256' });
    const plain = await run('create', 'keypair', 'service-account');
    expect(plain.stdout).not.toContain('openid/v1/jwks');
    const current = await cs.getCluster(NAME);
    await cs.updateCluster({ ...current.object, spec: { ...current.object.spec, serviceAccountIssuerDiscovery: { discoveryStore: 's3://oidc-bucket/keys' } } }, current.version);
    const note = `The issuer's public keys in s3://oidc-bucket/keys (openid/v1/jwks) change with the next kops-ts update cluster --name ${NAME} --yes\n`;
    const added = await run('create', 'keypair', 'service-account');
    expect(added.stdout).toContain(note);
    const id = /Added keypair (\d+) to service-account/.exec(plain.stdout)![1]!;
    const distrusted = await run('distrust', 'keypair', 'service-account', id);
    expect(distrusted).toMatchObject({ code: 0, stdout: `Distrusted keypair ${id} of service-account\n${note}` });
  });

  it('bring your own CA before the first update: it becomes the primary, is kept by update, and what it issues verifies against it', async () => {
    const ca = opensslCA(tempDir());
    const created = await run('create', 'keypair', 'kubernetes-ca', '--cert', ca.cert, '--key', ca.key, '--primary');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(/^Created keyset kubernetes-ca with keypair \d+ as its primary\n$/);
    // What update cluster --yes does first: the missing keysets are generated, this one kept.
    const cluster = (await new Clientset(openStateStore(url)).getCluster(NAME)).object;
    const ensured = await ensureClusterKeysets(new KeysetStore(openStateStore(url)), cluster, { keyAlgorithm: 'ecdsa-p256' });
    expect(ensured.created).not.toContain('kubernetes-ca');
    const ks = await storedKeyset('kubernetes-ca');
    expect(ks.items).toHaveLength(1);
    const apiserver = await issueFromKeyset(ks, NAME, { commonName: 'kube-apiserver', usages: ['server'], dnsNames: ['api.keys.example.com'] });
    expect(opensslVerify(readFileSync(ca.cert, 'utf8'), apiserver.certificate, { purpose: 'sslserver' })).toMatchObject({ ok: true });
    expect(trustBundle(ks).trim()).toBe(readFileSync(ca.cert, 'utf8').trim());
  });

  it("a CA without its key cannot sign: the hints name the cluster, as the keypair commands' do", async () => {
    const ca = opensslCA(tempDir());
    expect((await run('create', 'keypair', 'kubernetes-ca', '--cert', ca.cert, '--key', ca.key, '--primary')).code).toBe(0);
    // A store written elsewhere (kops with a CA whose key is kept off the store): the primary has no key.
    const keysets = new KeysetStore(openStateStore(url));
    const stored = await keysets.get(NAME, 'kubernetes-ca');
    const keyless = { ...stored.keyset, items: stored.keyset.items.map(({ privateKey: _, ...item }) => item) };
    await keysets.replace(NAME, keyless, stored.version);
    const exported = await run('export', 'kubeconfig', '--admin', '--internal', '--kubeconfig', join(tempDir(), 'config'));
    expect(exported.code).toBe(1);
    expect(exported.stderr).toContain('the primary of keyset "kubernetes-ca" has no private key');
    expect(exported.stderr).toContain(`--primary --name ${NAME}`);
    expect(exported.stderr).not.toContain('<cluster>');
    const promoted = await run('promote', 'keypair', 'kubernetes-ca');
    expect(promoted.code).not.toBe(0);
    expect(promoted.stderr).toContain(`kops-ts create keypair kubernetes-ca --name ${NAME}`);
    expect(promoted.stderr).not.toContain('<cluster>');
  });

  it('rotation: create (secondary), promote, distrust; get keypairs shows each step and never a key', async () => {
    const cluster = (await new Clientset(openStateStore(url)).getCluster(NAME)).object;
    await ensureClusterKeysets(new KeysetStore(openStateStore(url)), cluster, { keyAlgorithm: 'ecdsa-p256' });
    const oldId = (await storedKeyset('kubernetes-ca')).primaryId;

    const added = await run('create', 'keypair', 'kubernetes-ca');
    expect(added.code).toBe(0);
    const newId = /Added keypair (\d+) to kubernetes-ca as a secondary/.exec(added.stdout)?.[1];
    expect(newId).toBeDefined();
    // A secondary CA does not reach the API server, etcd and the kubelets yet: no advice to promote
    // it, a warning instead (docs/pki.md). The service-account keyset's whole bundle does.
    expect(added.stdout).not.toContain('promote');
    expect(added.stderr).toBe('warning: kops-ts does not yet give a secondary kubernetes-ca to the API server, etcd and the kubelets of a running cluster, which trust its primary alone: promoting another keypair there breaks their TLS (docs/pki.md, "Rotation without downtime")\n');
    const sa = await run('create', 'keypair', 'service-account');
    const saId = /Added keypair (\d+) to service-account as a secondary/.exec(sa.stdout)?.[1];
    expect(sa.stdout).toContain(`Once every node trusts it (after a rolling update), make it the signer: kops-ts promote keypair service-account ${saId} --name ${NAME}\n`);
    expect(sa.stderr).toBe('');

    const listed = JSON.parse((await run('get', 'keypairs', 'kubernetes-ca', '-o', 'json')).stdout) as Array<Record<string, unknown>>;
    expect(listed.map((r) => [r.id, r.primary, r.distrusted, r.hasPrivateKey])).toEqual([
      [oldId, true, false, true],
      [newId, false, false, true],
    ]);
    expect(Object.keys(listed[0]!).sort()).toEqual(['distrusted', 'hasPrivateKey', 'id', 'keyset', 'notAfter', 'notBefore', 'primary', 'subject']);

    const early = await run('distrust', 'keypair', 'kubernetes-ca', oldId);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(`item ${oldId} is the primary of "kubernetes-ca"`);
    // Each hint names the cluster, so it runs as printed (without KOPS_CLUSTER_NAME).
    expect(early.stderr).toContain(`kops-ts promote keypair kubernetes-ca <id> --name ${NAME}\n`);
    const unknownId = await run('promote', 'keypair', 'kubernetes-ca', '123');
    expect(unknownId.stderr).toContain(`list them with kops-ts get keypairs kubernetes-ca --name ${NAME}\n`);
    expect((await run('distrust', 'keypair', 'kubernetes-ca', '123')).stderr).toContain(`kops-ts get keypairs kubernetes-ca --name ${NAME}\n`);

    const promoted = await run('promote', 'keypair', 'kubernetes-ca');
    expect(promoted.stdout).toBe(`Promoted keypair ${newId} to primary of kubernetes-ca (was ${oldId})\n`);
    expect(promoted.stderr).toContain('warning: kops-ts does not yet give a secondary kubernetes-ca to the API server');
    expect((await storedKeyset('kubernetes-ca')).primaryId).toBe(newId);
    expect((await run('distrust', 'keypair', 'kubernetes-ca', oldId)).stdout).toBe(`Distrusted keypair ${oldId} of kubernetes-ca\n`);
    expect((await run('distrust', 'keypair', 'kubernetes-ca', oldId)).stdout).toMatch(/is already distrusted \(since /);
    expect((await run('promote', 'keypair', 'kubernetes-ca', oldId)).stderr).toContain(`add a new one: kops-ts create keypair kubernetes-ca --name ${NAME}\n`);

    const table = await run('get', 'keypairs');
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^KEYSET\s+ID\s+PRIMARY\s+DISTRUSTED\s+EXPIRES$/);
    // Two kubernetes-ca keys, apiserver-aggregator-ca, two service-account keys, etcd-manager-ca-main (the one etcd run).
    expect(lines).toHaveLength(1 + 6);
    expect(lines.find((l) => l.includes(oldId))).toMatch(new RegExp(`^kubernetes-ca\\s+${oldId}\\s+\\d{4}-\\d\\d-\\d\\dT`));
    expect(lines.find((l) => l.includes(newId!))).toMatch(new RegExp(`^kubernetes-ca\\s+${newId}\\s+yes\\s+\\d{4}-`));
    const yaml = await run('get', 'keypairs', '-o', 'yaml');
    expect(yaml.stdout).toContain('keyset: service-account');

    // Nothing printed, by any of these commands, is key material.
    const secrets = await secretsInStore();
    expect(secrets.length).toBeGreaterThan(6);
    for (const r of outputs) {
      const text = r.stdout + r.stderr;
      expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----|privateMaterial/);
      for (const s of secrets) expect(text).not.toContain(s);
    }
  });

  it('refuses bad input with the file, what is wrong and what to do; with -v too, no key is printed', async () => {
    const ca = opensslCA(tempDir());
    const other = opensslCA(tempDir());
    const notCA = await run('create', 'keypair', 'kubernetes-ca', '--cert', ca.leafCert, '--key', ca.leafKey);
    expect(notCA.code).toBe(2);
    expect(notCA.stderr).toContain(`--cert ${ca.leafCert}: "CN=not-a-ca" is not a CA certificate`);
    const mismatch = await cli(['--state', url, '--name', NAME, '-v', '2', 'create', 'keypair', 'kubernetes-ca', '--cert', ca.cert, '--key', other.key]);
    outputs.push(mismatch);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain(`--key ${other.key} is not the private key of --cert ${ca.cert}`);
    const garbage = await cli(['--state', url, '--name', NAME, '-v', '2', 'create', 'keypair', 'kubernetes-ca', '--cert', ca.cert, '--key', ca.cert]);
    outputs.push(garbage);
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain(`--key ${ca.cert}: not a PEM private key`);
    const unknown = await run('create', 'keypair', 'my-ca');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"my-ca" is not a keyset of cluster keys.example.com');
    expect(unknown.stderr).toContain('kubernetes-ca, apiserver-aggregator-ca, service-account, etcd-manager-ca-main');
    const keyOnly = await run('create', 'keypair', 'kubernetes-ca', '--key', ca.key);
    expect(keyOnly.stderr).toContain('--key needs --cert');
    const trustOnlyFirst = await run('create', 'keypair', 'kubernetes-ca', '--cert', ca.cert);
    expect(trustOnlyFirst.stderr).toContain('does not exist yet, so its first CA must sign: --key is needed');
    const none = await run('get', 'keypairs');
    expect(none.stdout).toContain('No keypairs yet');
    expect(await openStateStore(url).list(`${NAME}/pki/`)).toEqual([]);

    const keys = [readFileSync(ca.key, 'utf8'), readFileSync(other.key, 'utf8'), readFileSync(ca.leafKey, 'utf8')].flatMap((k) => k.split('\n').filter((l) => l.length > 40));
    for (const r of outputs) {
      const text = r.stdout + r.stderr;
      expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      for (const s of keys) expect(text).not.toContain(s);
    }
  });
});
