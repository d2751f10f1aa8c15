/**
 * A cluster's PKI: which keysets it has (kops's names), generating the missing ones, and the
 * certificates its nodes need, with every name the API server is reached by.
 *
 * Keysets (kops's names, so an adopted kops cluster keeps its CAs):
 * - `kubernetes-ca`: the cluster CA (kubeadm's `ca`);
 * - `apiserver-aggregator-ca`: the front-proxy CA (kubeadm's `front-proxy-ca`);
 * - `etcd-manager-ca-<etcd cluster>` per `spec.etcdClusters[]` (as kops; kops-ts runs only `main`): the CA of
 *   that etcd cluster's peer, server and client certificates (kubeadm's `etcd/ca`);
 * - `service-account`: the service-account token signing key (kubeadm's `sa.key`), kept as kops
 *   keeps it: a key with a self-signed certificate.
 */
import { KopsError } from '../diagnostics.js';
import type { Cluster } from '../model/api/types.js';
import { createPublicKey } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { parseCidr } from '../model/cidr.js';
import { generateCA, issueCertificate, type CertificateAndKey, type CertificateRequest } from './certs.js';
import type { KeyAlgorithm } from './crypto.js';
import { itemIdOf, newKeyset, primaryItem, type Keyset } from './keyset.js';
import type { KeysetStore } from './store.js';
import { CPU_CONCURRENCY, limiter, mapBounded, STORE_CONCURRENCY } from '../concurrency.js';

export const KUBERNETES_CA = 'kubernetes-ca';
export const FRONT_PROXY_CA = 'apiserver-aggregator-ca';
export const SERVICE_ACCOUNT = 'service-account';
export const etcdCAName = (etcdCluster: string) => `etcd-manager-ca-${etcdCluster}`;

/** The keysets `cluster` needs, in a stable order. */
export function clusterKeysetNames(cluster: Pick<Cluster, 'spec'>): string[] {
  const etcd = (cluster.spec.etcdClusters ?? []).map((e) => e.name).filter((n) => typeof n === 'string' && n !== '');
  return [KUBERNETES_CA, FRONT_PROXY_CA, SERVICE_ACCOUNT, ...[...new Set(etcd)].sort().map(etcdCAName)];
}

/** A new keyset whose one item is a freshly generated CA named after the keyset. */
export async function generateKeyset(name: string, now: Date, keyAlgorithm?: KeyAlgorithm): Promise<Keyset> {
  const ca = await generateCA({ commonName: name, now, ...(keyAlgorithm ? { keyAlgorithm } : {}) });
  return newKeyset(name, { id: itemIdOf(ca.certificate), certificate: ca.certificate, privateKey: ca.privateKey }, now);
}

/**
 * CAs generated ahead of need, by name (`pregenerateClusterKeysets`): a keyset the store lacked
 * when it was asked, or undefined when the store had it or the generation failed.
 */
export type PregeneratedKeysets = ReadonlyMap<string, Promise<Keyset | undefined>>;

/**
 * Starts generating, in memory only, the keysets of `cluster` the store does not hold yet, so that
 * `ensureClusterKeysets` later finds them made (update --yes starts this before its plan, whose
 * time is spent waiting on the cloud, so the key generation's CPU is not taken from the apply).
 * Nothing is written; a failure (a store read, the generation) only means `ensureClusterKeysets`
 * generates that keyset itself. Settles to undefined, never rejects.
 */
export function pregenerateClusterKeysets(store: KeysetStore, cluster: Pick<Cluster, 'metadata' | 'spec'>, opts: { now?: () => Date; keyAlgorithm?: KeyAlgorithm } = {}): PregeneratedKeysets {
  const now = opts.now ?? (() => new Date());
  const cpu = limiter(CPU_CONCURRENCY);
  const out = new Map<string, Promise<Keyset | undefined>>();
  for (const ks of clusterKeysetNames(cluster)) {
    out.set(
      ks,
      store.find(cluster.metadata.name, ks).then(
        (found) => (found ? undefined : cpu(() => generateKeyset(ks, now(), opts.keyAlgorithm))),
      ).catch(() => undefined),
    );
  }
  return out;
}

export interface EnsureKeysetsResult {
  /** Names of the keysets this call generated (already stored ones are left as they are). */
  readonly created: readonly string[];
  readonly keysets: ReadonlyMap<string, Keyset>;
}

/**
 * Makes sure every keyset the cluster needs exists, generating the missing ones (or taking them
 * from `pregenerated`). Creation is `ifAbsent`: when another run created a keyset first, its
 * keyset is read and kept (never two CAs), and what was generated here is dropped.
 */
export async function ensureClusterKeysets(
  store: KeysetStore,
  cluster: Pick<Cluster, 'metadata' | 'spec'>,
  opts: { now?: () => Date; keyAlgorithm?: KeyAlgorithm; pregenerated?: PregeneratedKeysets } = {},
): Promise<EnsureKeysetsResult> {
  const name = cluster.metadata.name;
  const now = opts.now ?? (() => new Date());
  // Every keyset is its own object: they are found, generated and created at once (a handful of
  // state-store requests in one round trip instead of one after another on update's path), the
  // generation at most CPU_CONCURRENCY at a time: it is CPU on libuv's threads, and runs while
  // the cloud is applied.
  const names = clusterKeysetNames(cluster);
  const cpu = limiter(CPU_CONCURRENCY);
  const outcomes = await mapBounded(names, STORE_CONCURRENCY, async (ks): Promise<{ keyset: Keyset; created: boolean }> => {
    const found = await store.find(name, ks);
    if (found) return { keyset: found.keyset, created: false };
    const fresh = (await opts.pregenerated?.get(ks)) ?? (await cpu(() => generateKeyset(ks, now(), opts.keyAlgorithm)));
    try {
      await store.create(name, fresh);
      return { keyset: fresh, created: true };
    } catch (e) {
      if (!KopsError.is(e, 'StateConflict')) throw e;
      return { keyset: (await store.get(name, ks)).keyset, created: false };
    }
  });
  const created: string[] = [];
  const keysets = new Map<string, Keyset>();
  names.forEach((ks, i) => {
    const o = outcomes[i]!;
    keysets.set(ks, o.keyset);
    if (o.created) created.push(ks);
  });
  return { created, keysets };
}

/** The primary of a keyset as a signer (its certificate and key), or a clear error. */
export function signerOf(ks: Keyset, cluster: string): CertificateAndKey {
  const p = primaryItem(ks, cluster);
  if (!p.privateKey) throw new KopsError('KeypairWithoutKey', `the primary of keyset "${ks.name}" has no private key, so it cannot issue certificates`, { hint: `add the CA with its key and promote it: kops-ts create keypair ${ks.name} --cert <file> --key <file> --primary --name ${cluster}` });
  return { certificate: p.certificate, privateKey: p.privateKey };
}

/**
 * The public keys of every trusted item, PEM (`PUBLIC KEY`): for `service-account`, what the API
 * server verifies tokens with (`--service-account-key-file` takes several, so tokens signed by the
 * old key stay valid while a new one is rolled out), kubeadm's `sa.pub`.
 */
export function trustedPublicKeysPem(ks: Keyset): string {
  return ks.items
    .filter((i) => i.distrustTimestamp === undefined)
    .sort((a, b) => Number(b.id === ks.primaryId) - Number(a.id === ks.primaryId))
    .map((i) => String(createPublicKey(i.certificate).export({ format: 'pem', type: 'spki' })))
    .join('');
}

/** What the API server is reached by. */
export interface ApiServerNames {
  readonly clusterName: string;
  /** `spec.serviceClusterIPRange`: its first address is the `kubernetes` service's IP. */
  readonly serviceClusterIPRange: string;
  /** `spec.clusterDNSDomain`, kops's default `cluster.local`. */
  readonly clusterDNSDomain?: string;
  /** `spec.api.publicName` (kops's `masterPublicName`), default `api.<cluster>`. */
  readonly publicName?: string;
  /** kops's `masterInternalName`, default `api.internal.<cluster>`. */
  readonly internalName?: string;
  /** The API load balancer's DNS name, once known. */
  readonly loadBalancerDNSName?: string;
  /** `spec.additionalSans` (v1alpha2) / `spec.api.additionalSANs`: more DNS names or IPs. */
  readonly additionalSANs?: readonly string[];
}

/**
 * The names of `ApiServerNames` read from a completed Cluster, by v1alpha2's field names:
 * `clusterDNSDomain`, `masterInternalName`, `additionalSans` (and the later API's
 * `api.additionalSANs`). Those three are still kops-only fields in the schema (stored with a
 * warning) until the node bootstrap issues the API certificate from these names.
 */
export function apiServerNamesOf(cluster: Pick<Cluster, 'metadata' | 'spec'>, loadBalancerDNSName?: string): ApiServerNames {
  const spec = cluster.spec as Cluster['spec'] & { clusterDNSDomain?: unknown; masterInternalName?: unknown; additionalSans?: unknown; api?: { additionalSANs?: unknown } };
  const name = cluster.metadata.name;
  const range = spec.serviceClusterIPRange;
  if (!range) throw new KopsError('MissingServiceRange', `cluster "${name}": spec.serviceClusterIPRange is not set`, { hint: 'the API server certificate needs the service IP; set it or let completion fill it in' });
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s !== '') : []);
  const sans = [...strings(spec.additionalSans), ...strings(spec.api?.additionalSANs)];
  return {
    clusterName: name,
    serviceClusterIPRange: range,
    ...(typeof spec.clusterDNSDomain === 'string' && spec.clusterDNSDomain ? { clusterDNSDomain: spec.clusterDNSDomain } : {}),
    ...(spec.api?.publicName ? { publicName: spec.api.publicName } : spec.masterPublicName ? { publicName: spec.masterPublicName } : {}),
    ...(typeof spec.masterInternalName === 'string' && spec.masterInternalName ? { internalName: spec.masterInternalName } : {}),
    ...(loadBalancerDNSName ? { loadBalancerDNSName } : {}),
    ...(sans.length > 0 ? { additionalSANs: sans } : {}),
  };
}

/** The first usable address of a CIDR (the `kubernetes` service's cluster IP). */
export function firstServiceIP(range: string): string {
  const c = parseCidr(range);
  if (!c) throw new KopsError('InvalidServiceRange', `spec.serviceClusterIPRange ${JSON.stringify(range)} is not a CIDR`, { hint: 'e.g. 100.64.0.0/13' });
  const n = c.start + 1n;
  const bytes: number[] = [];
  for (let i = (c.kind === 'ipv4' ? 4 : 16) - 1; i >= 0; i--) bytes.push(Number((n >> BigInt(i * 8)) & 255n));
  return ipaddr.fromByteArray(bytes).toString();
}

const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

/** Every DNS name and IP the API server's serving certificate must carry (kops's and kubeadm's list). */
export function apiServerSANs(n: ApiServerNames): { dnsNames: string[]; ipAddresses: string[] } {
  const domain = n.clusterDNSDomain ?? 'cluster.local';
  const all = [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${domain}`,
    n.publicName ?? `api.${n.clusterName}`,
    n.internalName ?? `api.internal.${n.clusterName}`,
    ...(n.loadBalancerDNSName ? [n.loadBalancerDNSName] : []),
    ...(n.additionalSANs ?? []),
    firstServiceIP(n.serviceClusterIPRange),
    '127.0.0.1',
  ];
  const unique = [...new Set(all)];
  return { dnsNames: unique.filter((s) => !IP.test(s)), ipAddresses: unique.filter((s) => IP.test(s)) };
}

/** The API server's serving certificate (signed by `kubernetes-ca`). */
export function apiServerRequest(n: ApiServerNames): CertificateRequest {
  return { commonName: 'kube-apiserver', usages: ['server'], ...apiServerSANs(n) };
}

/** An etcd member, as its certificates name it. */
export interface EtcdMemberNames {
  readonly name: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
}

/**
 * An etcd member's server or peer certificate (signed by its etcd cluster's CA). Both carry server
 * and client usage, as kubeadm's do: peers authenticate one another both ways, and the server
 * certificate is also etcd's own client identity (health checks).
 */
export function etcdMemberRequest(kind: 'server' | 'peer', m: EtcdMemberNames): CertificateRequest {
  return {
    commonName: kind === 'server' ? m.name : `${m.name}-peer`,
    usages: ['server', 'client'],
    dnsNames: [...new Set([m.name, 'localhost', ...(m.dnsNames ?? [])])],
    ipAddresses: [...new Set(['127.0.0.1', ...(m.ipAddresses ?? [])])],
  };
}

/** The API server's etcd client certificate (kubeadm's `apiserver-etcd-client`). */
export function apiServerEtcdClientRequest(): CertificateRequest {
  return { commonName: 'kube-apiserver-etcd-client', usages: ['client'] };
}

/** The front-proxy client certificate the API server presents to aggregated APIs. */
export function frontProxyClientRequest(): CertificateRequest {
  return { commonName: 'front-proxy-client', usages: ['client'] };
}

/** An admin client certificate: group `system:masters` (kops's `--admin`), default lifetime 18h. */
export function adminClientRequest(user = 'kubecfg', lifetimeMs = 18 * 3_600_000): CertificateRequest {
  return { commonName: user, organizations: ['system:masters'], usages: ['client'], lifetimeMs };
}

/** Issues `req` with the primary of `ks`, a keyset of `cluster` (which its errors' hints name). */
export function issueFromKeyset(ks: Keyset, cluster: string, req: CertificateRequest, now?: Date): Promise<CertificateAndKey> {
  return issueCertificate(signerOf(ks, cluster), req, now);
}
