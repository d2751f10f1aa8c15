/**
 * Keysets in kops's shape (`kops.k8s.io/v1alpha2` kind `Keyset`, `upup/pkg/fi/vfs_castore.go`):
 *
 * ```yaml
 * apiVersion: kops.k8s.io/v1alpha2
 * kind: Keyset
 * metadata: {name: kubernetes-ca, creationTimestamp: ...}
 * spec:
 *   type: Keypair
 *   primaryID: "7371981374417345619"
 *   keys:
 *   - id: "7371981374417345619"
 *     publicMaterial: <base64 of the PEM certificate>
 *     privateMaterial: <base64 of the PEM key>      # absent for a trust-only item
 *     distrustTimestamp: "2026-12-02T16:00:00Z"     # once distrusted
 * ```
 *
 * An item's id is its certificate's serial number in decimal, as kops makes them. The primary
 * signs; the trust bundle is every item not distrusted. Rotation (Kubernetes's way, no downtime):
 * add a new CA as a secondary (trusted, not signing), roll the nodes, promote it, roll again,
 * distrust the old one. The functions here are pure: they return a new keyset.
 */
import { KopsError } from '../diagnostics.js';
import { isRecord } from '../statestore/codec.js';
import { parseCertificatePem, x509 } from './crypto.js';

export interface KeysetItem {
  readonly id: string;
  /** PEM certificate. */
  readonly certificate: string;
  /** PEM private key; absent for an item that is only trusted (a CA whose key is kept elsewhere). */
  readonly privateKey?: string;
  /** RFC 3339, whole seconds; set once the item is distrusted. */
  readonly distrustTimestamp?: string;
}

export interface Keyset {
  readonly name: string;
  readonly creationTimestamp?: string;
  readonly primaryId: string;
  readonly items: readonly KeysetItem[];
}

/** What `get keypairs` shows of an item: never a key. */
export interface KeysetItemSummary {
  readonly keyset: string;
  readonly id: string;
  readonly primary: boolean;
  readonly distrusted: boolean;
  readonly distrustTimestamp?: string;
  readonly hasPrivateKey: boolean;
  readonly subject: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

/** kops's id: the certificate's serial number in decimal. */
export function itemIdOf(certificatePem: string, where = 'certificate'): string {
  const cert = parseCertificatePem(certificatePem, where);
  return BigInt(`0x${cert.serialNumber}`).toString(10);
}

export function newKeyset(name: string, item: KeysetItem, now: Date): Keyset {
  return { name, creationTimestamp: isoSeconds(now), primaryId: item.id, items: [item] };
}

/** The primary item of `ks`; `cluster` (its cluster, if known) names it in the hint. */
export function primaryItem(ks: Keyset, cluster: string): KeysetItem {
  const p = ks.items.find((i) => i.id === ks.primaryId);
  if (!p) throw new KopsError('InvalidKeyset', `keyset "${ks.name}" has no item with its primary id ${ks.primaryId}`, { hint: `promote one of its items: kops-ts promote keypair ${ks.name} <id> --name ${cluster}` });
  return p;
}

/** The PEM certificates the cluster trusts: every item not distrusted, the primary first. */
export function trustBundle(ks: Keyset): string {
  const trusted = ks.items.filter((i) => i.distrustTimestamp === undefined);
  trusted.sort((a, b) => Number(b.id === ks.primaryId) - Number(a.id === ks.primaryId));
  return trusted.map((i) => ensureNewline(i.certificate)).join('');
}

/** Adds an item (a secondary unless `primary`); an id already in the keyset is refused. */
export function addItem(ks: Keyset, item: KeysetItem, primary: boolean, cluster: string): Keyset {
  if (ks.items.some((i) => i.id === item.id)) {
    throw new KopsError('KeypairExists', `keyset "${ks.name}" already has an item with id ${item.id}`, { hint: `list them with kops-ts get keypairs ${ks.name} --name ${cluster}` });
  }
  if (primary && !item.privateKey) {
    throw new KopsError('KeypairWithoutKey', `a certificate without its private key cannot be the primary of "${ks.name}": the primary signs`, { hint: 'pass --key with the CA private key, or add it without --primary (trusted only)', exitCode: 2 });
  }
  return { ...ks, items: [...ks.items, item], primaryId: primary ? item.id : ks.primaryId };
}

/**
 * Makes `id` the primary; without `id`, the newest trusted item with a key that is not the primary
 * (kops's `promote keypair` without an id). Returns the keyset and the id promoted.
 */
export function promoteItem(ks: Keyset, id: string | undefined, cluster: string): { keyset: Keyset; id: string } {
  let target: KeysetItem | undefined;
  if (id !== undefined) {
    target = ks.items.find((i) => i.id === id);
    if (!target) throw itemNotFound(ks, id, cluster);
  } else {
    const candidates = ks.items.filter((i) => i.id !== ks.primaryId && i.privateKey && i.distrustTimestamp === undefined);
    target = candidates.sort((a, b) => notBeforeOf(b) - notBeforeOf(a))[0];
    if (!target) throw new KopsError('NoKeypairToPromote', `keyset "${ks.name}" has no trusted secondary item with a private key to promote`, { hint: `add one first: kops-ts create keypair ${ks.name} --name ${cluster}` });
  }
  if (target.distrustTimestamp !== undefined) throw new KopsError('KeypairDistrusted', `item ${target.id} of "${ks.name}" is distrusted (since ${target.distrustTimestamp}) and cannot be the primary`, { hint: `add a new one: kops-ts create keypair ${ks.name} --name ${cluster}` });
  if (!target.privateKey) throw new KopsError('KeypairWithoutKey', `item ${target.id} of "${ks.name}" has no private key, so it cannot sign as the primary`, { hint: 'add the CA again with its key (create keypair --cert --key)' });
  return { keyset: { ...ks, primaryId: target.id }, id: target.id };
}

/** Distrusts `id` (drops it from the trust bundle); the primary cannot be distrusted. Idempotent. */
export function distrustItem(ks: Keyset, id: string, now: Date, cluster: string): { keyset: Keyset; already?: string } {
  const item = ks.items.find((i) => i.id === id);
  if (!item) throw itemNotFound(ks, id, cluster);
  if (item.distrustTimestamp !== undefined) return { keyset: ks, already: item.distrustTimestamp };
  if (ks.primaryId === id) {
    throw new KopsError('KeypairIsPrimary', `item ${id} is the primary of "${ks.name}": it signs, so it cannot be distrusted`, { hint: `promote another item first: kops-ts promote keypair ${ks.name} <id> --name ${cluster}` });
  }
  const at = isoSeconds(now);
  return { keyset: { ...ks, items: ks.items.map((i) => (i.id === id ? { ...i, distrustTimestamp: at } : i)) } };
}

export function summarize(ks: Keyset): KeysetItemSummary[] {
  return ks.items.map((i) => {
    const cert = new x509.X509Certificate(i.certificate);
    return {
      keyset: ks.name,
      id: i.id,
      primary: i.id === ks.primaryId,
      distrusted: i.distrustTimestamp !== undefined,
      ...(i.distrustTimestamp !== undefined ? { distrustTimestamp: i.distrustTimestamp } : {}),
      hasPrivateKey: i.privateKey !== undefined,
      subject: cert.subject,
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
    };
  });
}

/** The stored document (kops's v1alpha2 Keyset). `publicOnly` drops every private key (`pki/issued/`). */
export function keysetDocument(ks: Keyset, publicOnly = false): Record<string, unknown> {
  return {
    apiVersion: 'kops.k8s.io/v1alpha2',
    kind: 'Keyset',
    metadata: { name: ks.name, ...(ks.creationTimestamp ? { creationTimestamp: ks.creationTimestamp } : {}) },
    spec: {
      type: 'Keypair',
      primaryID: ks.primaryId,
      keys: ks.items.map((i) => ({
        id: i.id,
        ...(i.distrustTimestamp !== undefined ? { distrustTimestamp: i.distrustTimestamp } : {}),
        publicMaterial: b64(i.certificate),
        ...(i.privateKey !== undefined && !publicOnly ? { privateMaterial: b64(i.privateKey) } : {}),
      })),
    },
  };
}

/**
 * Reads a stored Keyset document. `where` names the object in errors; a problem names the field,
 * what was expected, and never quotes key material.
 */
export function keysetFromDocument(doc: unknown, where: string): Keyset {
  const bad = (field: string, expected: string) =>
    new KopsError('InvalidKeyset', `${where}: ${field} ${expected}`, { hint: 'restore the keyset from a backup of the state store (S3 versioning), or remove it to have a new one generated (this replaces the CA: every node must be rebuilt)' });
  if (!isRecord(doc)) throw bad('the document', 'is not a YAML mapping');
  if (doc.kind !== 'Keyset') throw bad('kind', `is ${JSON.stringify(doc.kind)}, expected "Keyset"`);
  const meta = isRecord(doc.metadata) ? doc.metadata : {};
  const spec = doc.spec;
  if (!isRecord(spec)) throw bad('spec', 'is missing or not a mapping');
  if (spec.type !== undefined && spec.type !== 'Keypair') throw bad('spec.type', `is ${JSON.stringify(spec.type)}; kops-ts reads "Keypair" keysets`);
  if (!Array.isArray(spec.keys) || spec.keys.length === 0) throw bad('spec.keys', 'is missing or empty');
  const items = spec.keys.map((k, n): KeysetItem => {
    const f = `spec.keys[${n}]`;
    if (!isRecord(k)) throw bad(f, 'is not a mapping');
    if (typeof k.id !== 'string' || !/^\d+$/.test(k.id)) throw bad(`${f}.id`, 'is not a decimal id string');
    if (typeof k.publicMaterial !== 'string') throw bad(`${f}.publicMaterial`, 'is missing (expected the base64 of a PEM certificate)');
    const certificate = unb64(k.publicMaterial);
    if (!certificate.includes('-----BEGIN CERTIFICATE-----')) throw bad(`${f}.publicMaterial`, 'is not the base64 of a PEM certificate');
    try {
      parseCertificatePem(certificate, `${where}: ${f}.publicMaterial`);
    } catch (e) {
      throw bad(`${f}.publicMaterial`, `is not a readable certificate (${(e as Error).message.split('(').pop()?.replace(/\)$/, '') ?? 'unparsable'})`);
    }
    let privateKey: string | undefined;
    if (k.privateMaterial !== undefined && k.privateMaterial !== null) {
      if (typeof k.privateMaterial !== 'string') throw bad(`${f}.privateMaterial`, 'is not a base64 string');
      privateKey = unb64(k.privateMaterial);
      if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) throw bad(`${f}.privateMaterial`, 'is not the base64 of a PEM private key');
    }
    const distrust = k.distrustTimestamp;
    if (distrust !== undefined && distrust !== null && (typeof distrust !== 'string' || Number.isNaN(Date.parse(distrust)))) throw bad(`${f}.distrustTimestamp`, 'is not an RFC 3339 time');
    return { id: k.id, certificate, ...(privateKey !== undefined ? { privateKey } : {}), ...(typeof distrust === 'string' ? { distrustTimestamp: distrust } : {}) };
  });
  const ids = new Set<string>();
  for (const i of items) {
    if (ids.has(i.id)) throw bad('spec.keys', `has the id ${i.id} twice`);
    ids.add(i.id);
  }
  const primaryId = spec.primaryID;
  if (typeof primaryId !== 'string' || !ids.has(primaryId)) throw bad('spec.primaryID', `is ${JSON.stringify(primaryId)}, which is not the id of one of its keys`);
  const name = typeof meta.name === 'string' ? meta.name : '';
  const created = meta.creationTimestamp;
  return { name, ...(typeof created === 'string' ? { creationTimestamp: created } : {}), primaryId, items };
}

function itemNotFound(ks: Keyset, id: string, cluster: string): KopsError {
  return new KopsError('KeypairNotFound', `keyset "${ks.name}" has no item with id ${id} (it has ${ks.items.map((i) => i.id).join(', ')})`, { hint: `list them with kops-ts get keypairs ${ks.name} --name ${cluster}` });
}

function notBeforeOf(i: KeysetItem): number {
  return new x509.X509Certificate(i.certificate).notBefore.getTime();
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

function unb64(s: string): string {
  return Buffer.from(s, 'base64').toString('utf8');
}

function ensureNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}

function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
