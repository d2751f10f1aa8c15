/**
 * The cluster's CAs: `create keypair`, `promote keypair`, `distrust keypair`, `get keypairs`.
 *
 * Rotation without downtime, Kubernetes's way: `create keypair <keyset>` adds a new CA as a
 * secondary (trusted by everything, signing nothing); after a rolling update every node trusts it,
 * so `promote keypair` makes it the signer; after another rolling update nothing uses the old one,
 * and `distrust keypair` drops it from the trust bundle. Every change is a conditional write of
 * the keyset read (a concurrent change fails with StateConflict, never lost). Nothing here prints
 * key material: only names, ids, the primary, distrust times and validity.
 */
import type { Command } from 'commander';
import { KopsError } from '../../diagnostics.js';
import type { KeysetItem, KeysetItemSummary } from '../../pki/keyset.js';
import type { CommandContext } from '../context.js';
import { parseOutputFormat, renderTable } from '../output.js';

/**
 * The PKI modules, and the X.509 library under them, imported when a keypair command runs rather
 * than when the CLI starts.
 */
async function pki() {
  const [cluster, crypto, keyset, store] = await Promise.all([import('../../pki/cluster.js'), import('../../pki/crypto.js'), import('../../pki/keyset.js'), import('../../pki/store.js')]);
  return { ...cluster, ...crypto, ...keyset, ...store };
}

/** The keysets this cluster has (kops's names), from its completed spec when applied, else its spec. */
async function knownKeysets(c: CommandContext, cluster: string): Promise<string[]> {
  const cs = c.clientset();
  const spec = (await cs.readCompletedSpec(cluster))?.object ?? (await cs.getCluster(cluster)).object;
  return (await pki()).clusterKeysetNames(spec);
}

async function checkKeysetName(c: CommandContext, cluster: string, keyset: string): Promise<void> {
  const known = await knownKeysets(c, cluster);
  if (!known.includes(keyset)) {
    throw new KopsError('UnknownKeyset', `"${keyset}" is not a keyset of cluster ${cluster}`, { hint: `the cluster's keysets are ${known.join(', ')}`, exitCode: 2 });
  }
}

function readInput(c: CommandContext, file: string, flag: string): string {
  try {
    return c.io.readFile(file);
  } catch (e) {
    if (KopsError.is(e)) throw e;
    throw new KopsError('FileNotReadable', `${flag} ${file}: cannot be read (${(e as Error).message.split('\n')[0]})`, { hint: `give the path of a PEM file to ${flag}`, exitCode: 2 });
  }
}

/** The item `--cert`/`--key` describe: a CA certificate and, if given, its matching key. */
async function itemFromFiles(c: CommandContext, certFile: string, keyFile: string | undefined): Promise<KeysetItem> {
  const { itemIdOf, keyMatchesCertificate, normalizePrivateKeyPem, parseCertificatePem, x509 } = await pki();
  const certPem = readInput(c, certFile, '--cert');
  const cert = parseCertificatePem(certPem, `--cert ${certFile}`, 2);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca) {
    throw new KopsError('NotACA', `--cert ${certFile}: "${cert.subject}" is not a CA certificate (basic constraints CA:TRUE is missing)`, { hint: 'give the certificate of a certificate authority (openssl x509 -in FILE -text shows "CA:TRUE")', exitCode: 2 });
  }
  const now = Date.now();
  if (cert.notAfter.getTime() <= now) {
    throw new KopsError('CertificateExpired', `--cert ${certFile}: "${cert.subject}" expired ${cert.notAfter.toISOString()}`, { hint: 'give a CA certificate that is still valid', exitCode: 2 });
  }
  const certificate = cert.toString('pem');
  if (keyFile === undefined) return { id: itemIdOf(certificate), certificate };
  const keyPem = normalizePrivateKeyPem(readInput(c, keyFile, '--key'), `--key ${keyFile}`, 2);
  if (!keyMatchesCertificate(keyPem, cert)) {
    throw new KopsError('KeyMismatch', `--key ${keyFile} is not the private key of --cert ${certFile}`, { hint: 'give the key the certificate was made for', exitCode: 2 });
  }
  return { id: itemIdOf(certificate), certificate, privateKey: keyPem };
}

export function registerCreateKeypair(create: Command, ctx: () => CommandContext): void {
  create
    .command('keypair <keyset>')
    .description('Add a CA to a keyset: generated, or your own with --cert/--key; a secondary (trusted, not signing) unless --primary')
    .option('--cert <file>', 'PEM certificate of your own CA')
    .option('--key <file>', "PEM private key of --cert's CA (without it the CA is trusted only and cannot be promoted)")
    .option('--primary', 'make it the primary (the signer) at once; without it, promote it later with promote keypair')
    .action(async (keyset: string, flags: { cert?: string; key?: string; primary?: boolean }) => {
      const c = ctx();
      const cluster = c.clusterName();
      if (flags.key !== undefined && flags.cert === undefined) throw new KopsError('MissingFile', '--key needs --cert', { hint: 'pass the CA certificate with --cert <file> too', exitCode: 2 });
      await checkKeysetName(c, cluster, keyset);
      const { KeysetStore, addItem, generateKeyset, newKeyset } = await pki();
      const store = new KeysetStore(c.clientset().store);
      const item = flags.cert !== undefined ? await itemFromFiles(c, flags.cert, flags.key) : (await generateKeyset(keyset, new Date())).items[0]!;
      const found = await store.find(cluster, keyset);
      if (!found) {
        if (!item.privateKey) throw new KopsError('KeypairWithoutKey', `keyset "${keyset}" does not exist yet, so its first CA must sign: --key is needed`, { hint: 'pass the CA private key with --key <file>', exitCode: 2 });
        await store.create(cluster, newKeyset(keyset, item, new Date()));
        c.io.stdout(`Created keyset ${keyset} with keypair ${item.id} as its primary\n`);
        return;
      }
      await store.replace(cluster, addItem(found.keyset, item, Boolean(flags.primary), cluster), found.version);
      if (flags.primary) {
        c.io.stdout(`Added keypair ${item.id} to ${keyset} as its primary: it signs from now on\n`);
      } else {
        const reaches = bundleReachesComponents(keyset);
        c.io.stdout(
          `Added keypair ${item.id} to ${keyset} as a secondary: trusted, not signing.\n` +
            (item.privateKey && reaches ? `Once every node trusts it (after a rolling update), make it the signer: kops-ts promote keypair ${keyset} ${item.id} --name ${cluster}\n` : ''),
        );
        if (!reaches) c.warn(caRotationGap(keyset));
      }
      await jwksNote(c, cluster, keyset);
    });
}

/**
 * The service-account keyset's trusted keys are the discovery store's JWKS (docs/spec.md,
 * "Service account issuer discovery"): republished by the next update, said when the cluster has one.
 */
async function jwksNote(c: CommandContext, cluster: string, keyset: string): Promise<void> {
  if (keyset !== 'service-account') return;
  const spec = (await c.clientset().getCluster(cluster)).object.spec;
  const store = spec.serviceAccountIssuerDiscovery?.discoveryStore;
  if (store) c.io.stdout(`The issuer's public keys in ${store} (openid/v1/jwks) change with the next kops-ts update cluster --name ${cluster} --yes\n`);
}

/**
 * Whether a keyset's whole trust bundle reaches the components that check it. The
 * service-account keyset's does (every trusted public key is in the API servers' `sa.pub`); the
 * CAs' do not yet: the control planes' CA files hold the primary alone and kubelets trust the
 * `cluster-info` kubeadm wrote at init (docs/pki.md, "Rotation without downtime").
 */
function bundleReachesComponents(keyset: string): boolean {
  return keyset === 'service-account';
}

function caRotationGap(keyset: string): string {
  return `kops-ts does not yet give a secondary ${keyset} to the API server, etcd and the kubelets of a running cluster, which trust its primary alone: promoting another keypair there breaks their TLS (docs/pki.md, "Rotation without downtime")`;
}

export function registerPromoteKeypair(program: Command, ctx: () => CommandContext): void {
  program
    .command('promote')
    .description('Promote a keypair to be the primary (signer) of its keyset')
    .command('keypair <keyset> [id]')
    .description('Make item <id> (default: the newest trusted secondary with a key) the primary of <keyset>')
    .action(async (keyset: string, id: string | undefined) => {
      const c = ctx();
      const cluster = c.clusterName();
      await checkKeysetName(c, cluster, keyset);
      const { KeysetStore, promoteItem } = await pki();
      const store = new KeysetStore(c.clientset().store);
      const found = await store.get(cluster, keyset);
      if (id !== undefined && found.keyset.primaryId === id) {
        c.io.stdout(`Keypair ${id} is already the primary of ${keyset}\n`);
        return;
      }
      const promoted = promoteItem(found.keyset, id, cluster);
      await store.replace(cluster, promoted.keyset, found.version);
      c.io.stdout(`Promoted keypair ${promoted.id} to primary of ${keyset} (was ${found.keyset.primaryId})\n`);
      if (!bundleReachesComponents(keyset)) c.warn(caRotationGap(keyset));
    });
}

export function registerDistrustKeypair(program: Command, ctx: () => CommandContext): void {
  program
    .command('distrust')
    .description('Distrust a keypair: drop it from the trust bundle')
    .command('keypair <keyset> <id>')
    .description('Drop item <id> of <keyset> from the trust bundle (not the primary; do it after the rolling update that follows a promote)')
    .action(async (keyset: string, id: string) => {
      const c = ctx();
      const cluster = c.clusterName();
      await checkKeysetName(c, cluster, keyset);
      const { KeysetStore, distrustItem } = await pki();
      const store = new KeysetStore(c.clientset().store);
      const found = await store.get(cluster, keyset);
      const r = distrustItem(found.keyset, id, new Date(), cluster);
      if (r.already !== undefined) {
        c.io.stdout(`Keypair ${id} of ${keyset} is already distrusted (since ${r.already})\n`);
        return;
      }
      await store.replace(cluster, r.keyset, found.version);
      c.io.stdout(`Distrusted keypair ${id} of ${keyset}\n`);
      await jwksNote(c, cluster, keyset);
    });
}

export function registerGetKeypairs(get: Command, ctx: () => CommandContext): void {
  get
    .command('keypairs [keyset]')
    .alias('keypair')
    .description('List the keysets and their items (KEYSET ID PRIMARY DISTRUSTED EXPIRES); never a key')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .action(async (keyset: string | undefined, flags: { output?: string }) => {
      const c = ctx();
      const format = parseOutputFormat(flags.output);
      const cluster = c.clusterName();
      const { KeysetStore, summarize } = await pki();
      const store = new KeysetStore(c.clientset().store);
      let names: string[];
      if (keyset !== undefined) {
        await checkKeysetName(c, cluster, keyset);
        names = [keyset];
      } else {
        await c.clientset().getCluster(cluster);
        names = await store.list(cluster);
      }
      const rows: KeysetItemSummary[] = [];
      for (const n of names) rows.push(...summarize((await store.get(cluster, n)).keyset));
      const docs = rows.map((r) => ({
        keyset: r.keyset,
        id: r.id,
        primary: r.primary,
        distrusted: r.distrusted,
        ...(r.distrustTimestamp !== undefined ? { distrustTimestamp: r.distrustTimestamp } : {}),
        hasPrivateKey: r.hasPrivateKey,
        subject: r.subject,
        notBefore: r.notBefore,
        notAfter: r.notAfter,
      }));
      if (format === 'json') c.io.stdout(`${JSON.stringify(docs, null, 2)}\n`);
      else if (format === 'yaml') c.io.stdout(docs.length > 0 ? (await import('../../model/api/yaml.js')).stringifyKopsYaml(docs) : '[]\n');
      else if (rows.length === 0) c.io.stdout(`No keypairs yet (the first kops-ts update cluster --name ${cluster} --yes generates them)\n`);
      else {
        c.io.stdout(
          renderTable(
            ['KEYSET', 'ID', 'PRIMARY', 'DISTRUSTED', 'EXPIRES'],
            rows.map((r) => [r.keyset, r.id, r.primary ? 'yes' : '', r.distrustTimestamp ?? '', r.notAfter.slice(0, 10)]),
          ),
        );
      }
    });
}
