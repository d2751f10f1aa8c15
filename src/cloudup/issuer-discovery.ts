/**
 * Publishing the service-account issuer's discovery documents (src/model/issuer-discovery.ts) into
 * `spec.serviceAccountIssuerDiscovery.discoveryStore`, and finding them for `delete cluster`:
 *
 * - `.well-known/openid-configuration` (the issuer, its JWKS URI, the signing algorithms) and
 *   `openid/v1/jwks` (every trusted public key of the `service-account` keyset, src/pki/jwks.ts);
 * - written by `update cluster --yes` after the apply and after the keysets exist (a first update
 *   creates the service-account key), before the bootstrap files; each object only when its bytes
 *   differ, so a no-op update writes nothing; a rotation of the service-account keyset
 *   (`create`/`promote`/`distrust keypair service-account`) is published by the next update, the
 *   same run that gives the API servers the new keys;
 * - readable by anyone, as IAM's STS fetches them anonymously: kops's rule, an object ACL
 *   `public-read` unless the bucket's policy already makes it public;
 * - `delete cluster` lists and deletes the two objects (`findIssuerDiscovery`), never the bucket or
 *   anything else in it.
 *
 * The objects are reached through `DiscoveryObjects` (S3: src/cloud/aws/discovery-objects.ts,
 * imported only for a cluster that has a discovery store).
 */
import type { CloudOptions } from '../cloud/provider.js';
import type { Cluster } from '../model/api/types.js';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH, discoveryIssuer, discoveryObjectKey, discoveryStoreOf, openidConfiguration, type DiscoveryStore } from '../model/issuer-discovery.js';
import { SERVICE_ACCOUNT } from '../pki/cluster.js';
import { jwksDocument, keysetJwks } from '../pki/jwks.js';
import type { Keyset } from '../pki/keyset.js';

/** The discovery store's objects, as publishing needs them. */
export interface DiscoveryObjects {
  /** The object's text, or undefined when it does not exist. */
  read(key: string): Promise<string | undefined>;
  /** Writes it readable by anyone (kops's rule: an ACL unless the bucket policy is public). */
  writePublic(key: string, body: string, contentType: string): Promise<void>;
  /** Deletes it; absent is done. */
  remove(key: string): Promise<void>;
}

export interface PublishedDiscovery {
  readonly issuer: string;
  /** `s3://bucket/key` of each object written (unchanged ones are left as they are). */
  readonly written: readonly string[];
}

/** The two documents' keys and contents for a cluster and its service-account keyset. */
export function discoveryDocuments(issuer: string, keyset: Parameters<typeof jwksDocument>[0], store: DiscoveryStore): { key: string; body: string }[] {
  const algs = [...new Set(keysetJwks(keyset).map((k) => k.alg))].sort();
  return [
    { key: discoveryObjectKey(store, OPENID_CONFIGURATION_PATH), body: openidConfiguration(issuer, algs) },
    { key: discoveryObjectKey(store, JWKS_PATH), body: jwksDocument(keyset) },
  ];
}

/** The discovery store's objects through the cloud's client (S3), loaded on first use. */
export async function openDiscoveryObjects(cluster: Cluster, store: DiscoveryStore, aws: CloudOptions['aws']): Promise<DiscoveryObjects> {
  const { s3DiscoveryObjects } = await import('../cloud/aws/discovery-objects.js');
  return s3DiscoveryObjects(cluster, store.bucket, aws);
}

/**
 * Publishes the cluster's discovery documents when it has a discovery store (nothing otherwise),
 * from `keyset`, the service-account keyset `ensureClusterKeysets` has just found or made (not read again).
 * `objects` is for tests; by default the store's S3 bucket through the AWS client options.
 */
export async function publishIssuerDiscovery(
  cluster: Cluster,
  keyset: Keyset | undefined,
  opts: { readonly aws?: CloudOptions['aws']; readonly objects?: DiscoveryObjects } = {},
): Promise<PublishedDiscovery | undefined> {
  const store = discoveryStoreOf(cluster.spec);
  const issuer = discoveryIssuer(cluster);
  if (!store || !issuer) return undefined;
  // ensureClusterKeysets makes every keyset clusterKeysetNames lists, this one always.
  if (!keyset) throw new Error(`publishIssuerDiscovery: no ${SERVICE_ACCOUNT} keyset for ${cluster.metadata.name}`);
  const objects = opts.objects ?? (await openDiscoveryObjects(cluster, store, opts.aws));
  const written: string[] = [];
  // The keys first: a discovery document never names keys not yet published.
  for (const doc of discoveryDocuments(issuer, keyset, store).reverse()) {
    if ((await objects.read(doc.key)) === doc.body) continue;
    await objects.writePublic(doc.key, doc.body, 'application/json');
    written.push(`s3://${store.bucket}/${doc.key}`);
  }
  return { issuer, written };
}

/** One published discovery document found in the store (`delete cluster` lists and deletes it). */
export interface FoundDiscoveryDocument {
  /** `s3://bucket/key`. */
  readonly url: string;
  /** The document's path in the store: `openid/v1/jwks`, `.well-known/openid-configuration`. */
  readonly name: string;
  readonly remove: () => Promise<void>;
}

/** The cluster's discovery documents that exist in its discovery store (none without one). */
export async function findIssuerDiscovery(cluster: Cluster, opts: { readonly aws?: CloudOptions['aws']; readonly objects?: DiscoveryObjects } = {}): Promise<FoundDiscoveryDocument[]> {
  const store = discoveryStoreOf(cluster.spec);
  if (!store) return [];
  const objects = opts.objects ?? (await openDiscoveryObjects(cluster, store, opts.aws));
  const docs = [JWKS_PATH, OPENID_CONFIGURATION_PATH].map((name) => ({ name, key: discoveryObjectKey(store, name) }));
  const present = await Promise.all(docs.map(async (d) => ((await objects.read(d.key)) !== undefined ? d : undefined)));
  return present.filter((d) => d !== undefined).map((d) => ({ url: `s3://${store.bucket}/${d.key}`, name: d.name, remove: () => objects.remove(d.key) }));
}
