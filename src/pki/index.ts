/** The cluster PKI: CAs, keysets in kops's shape, certificate issuance (see docs/security.md). */
export { generateCA, issueCertificate, CA_LIFETIME_MS, LEAF_LIFETIME_MS, BACKDATE_MS } from './certs.js';
export type { CertificateAndKey, CertificateRequest, CAOptions, Usage } from './certs.js';
export { keyMatchesCertificate, parseCertificatePem, normalizePrivateKeyPem } from './crypto.js';
export type { KeyAlgorithm } from './crypto.js';
export { addItem, distrustItem, itemIdOf, keysetDocument, keysetFromDocument, newKeyset, primaryItem, promoteItem, summarize, trustBundle } from './keyset.js';
export type { Keyset, KeysetItem, KeysetItemSummary } from './keyset.js';
export { KeysetStore, keysetPaths } from './store.js';
export type { StoredKeyset } from './store.js';
export {
  FRONT_PROXY_CA,
  KUBERNETES_CA,
  SERVICE_ACCOUNT,
  adminClientRequest,
  apiServerEtcdClientRequest,
  apiServerNamesOf,
  apiServerRequest,
  apiServerSANs,
  clusterKeysetNames,
  ensureClusterKeysets,
  etcdCAName,
  etcdMemberRequest,
  firstServiceIP,
  frontProxyClientRequest,
  generateKeyset,
  issueFromKeyset,
  pregenerateClusterKeysets,
  signerOf,
  trustedPublicKeysPem,
} from './cluster.js';
export type { ApiServerNames, EnsureKeysetsResult, EtcdMemberNames, PregeneratedKeysets } from './cluster.js';
