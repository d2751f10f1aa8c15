/**
 * Certificate authorities and the certificates issued by them: pure functions of their inputs and
 * a clock (no store, no output).
 *
 * Lifetimes are kubeadm's (and kops's for CAs): a CA 10 years, a leaf 1 year, an admin client
 * certificate what the caller asks (kops's `--admin` default is 18h). Every certificate starts an
 * hour before `now`, so a node whose clock is a little behind accepts it.
 */
import { KopsError } from '../diagnostics.js';
import {
  DEFAULT_KEY_ALGORITHM,
  generateKeyPair,
  importSigningKey,
  privateKeyToPem,
  randomSerial,
  signingAlgorithm,
  x509,
  type KeyAlgorithm,
} from './crypto.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const CA_LIFETIME_MS = 3650 * DAY;
export const LEAF_LIFETIME_MS = 365 * DAY;
/** How far before `now` a certificate's validity starts (clock skew between machines). */
export const BACKDATE_MS = HOUR;

/** A certificate with its private key, both PEM. */
export interface CertificateAndKey {
  readonly certificate: string;
  readonly privateKey: string;
}

export interface CAOptions {
  /** The subject's common name; kops uses the keyset name (`kubernetes-ca`). */
  readonly commonName: string;
  readonly now?: Date;
  readonly lifetimeMs?: number;
  readonly keyAlgorithm?: KeyAlgorithm;
}

/** A new self-signed CA: basic constraints CA (critical), key usage keyCertSign/cRLSign/digitalSignature (critical). */
export async function generateCA(o: CAOptions): Promise<CertificateAndKey> {
  const now = o.now ?? new Date();
  const keys = await generateKeyPair(o.keyAlgorithm ?? DEFAULT_KEY_ALGORITHM);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(8),
    name: [{ CN: [o.commonName] }],
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + (o.lifetimeMs ?? CA_LIFETIME_MS)),
    keys,
    signingAlgorithm: signingAlgorithm(keys.privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificate: cert.toString('pem'), privateKey: await privateKeyToPem(keys.privateKey) };
}

export type Usage = 'server' | 'client';

export interface CertificateRequest {
  readonly commonName: string;
  /** Subject organizations (`system:masters` for an admin: Kubernetes reads them as groups). */
  readonly organizations?: readonly string[];
  readonly usages: readonly Usage[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly lifetimeMs?: number;
  readonly keyAlgorithm?: KeyAlgorithm;
}

/**
 * Issues a leaf certificate signed by `ca` (a CA certificate with its key): key usage
 * digitalSignature + keyEncipherment (critical), the extended usages asked, not a CA, the SANs
 * given. The leaf never outlives its CA.
 */
export async function issueCertificate(ca: CertificateAndKey, req: CertificateRequest, now: Date = new Date()): Promise<CertificateAndKey> {
  if (req.usages.length === 0) throw new KopsError('InvalidCertificateRequest', `certificate "${req.commonName}": no usage given`, { hint: 'ask for server and/or client usage' });
  const caCert = new x509.X509Certificate(ca.certificate);
  const caKey = await importSigningKey(ca.privateKey, `the key of CA "${caCert.subject}"`);
  const keys = await generateKeyPair(req.keyAlgorithm ?? DEFAULT_KEY_ALGORITHM);
  const notAfter = new Date(Math.min(now.getTime() + (req.lifetimeMs ?? LEAF_LIFETIME_MS), caCert.notAfter.getTime()));
  if (notAfter.getTime() <= now.getTime()) {
    throw new KopsError('CAExpired', `CA "${caCert.subject}" expired ${caCert.notAfter.toISOString()}: it cannot issue "${req.commonName}"`, { hint: 'rotate the CA: create a new keypair, promote it, then distrust the old one' });
  }
  const eku = [...new Set(req.usages)].map((u) => (u === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth));
  const names: x509.JsonGeneralName[] = [
    ...(req.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(req.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const subject = [{ CN: [req.commonName] }, ...(req.organizations ?? []).map((o) => ({ O: [o] }))];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(16),
    subject,
    issuer: caCert.subjectName,
    notBefore: new Date(Math.max(now.getTime() - BACKDATE_MS, caCert.notBefore.getTime())),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: signingAlgorithm(caKey),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(eku, false),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names, false)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return { certificate: cert.toString('pem'), privateKey: await privateKeyToPem(keys.privateKey) };
}
