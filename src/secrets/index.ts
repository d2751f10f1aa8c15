/** Secrets: kops's `secrets/<name>` objects, generated secrets, the envelope key and redaction. */
export { decodeSecret, encodeSecret, getOrCreateSecret, listSecretNames, readSecret, secretPath, writeSecret } from './store.js';
export type { StoredSecret } from './store.js';
export {
  BOOTSTRAP_TOKEN_FORMAT,
  BOOTSTRAP_TOKEN_SECRET,
  ENCRYPTION_CONFIG_SECRET,
  ensureClusterSecrets,
  generateBootstrapToken,
  generateEncryptionConfig,
} from './generate.js';
export type { ClusterSecretsOptions } from './generate.js';
export { loadSecretKey, parseSecretKey, SECRET_KEY_ENV, SECRET_KEY_FLAG } from './key.js';
export type { SecretKeySources } from './key.js';
export { REDACTED, clearSecretValues, redact, redactingIO, registerSecretValue } from './redact.js';
