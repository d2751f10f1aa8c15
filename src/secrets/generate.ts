/**
 * The secrets kops-ts generates when a cluster needs them, from `node:crypto`'s CSPRNG:
 *
 * - `bootstrap-token`: a kubeadm bootstrap token, `[a-z0-9]{6}.[a-z0-9]{16}` (kubeadm's format), the
 *   join credential of workers (the kubeadm part decides its TTL and what is shared with nodes);
 * - `encryptionconfig`: an `EncryptionConfiguration` (apiserver.config.k8s.io/v1) for
 *   encryption of Kubernetes Secrets in etcd: `aescbc` with a fresh 32-byte key, then `identity`
 *   so that Secrets written before it stay readable (kops's secret name, which kops users create
 *   by hand; the API server reads it with `--encryption-provider-config`).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { StateStore } from '../statestore/types.js';
import { getOrCreateSecret, type StoredSecret } from './store.js';

export const BOOTSTRAP_TOKEN_SECRET = 'bootstrap-token';
export const ENCRYPTION_CONFIG_SECRET = 'encryptionconfig';

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)];
  return s;
}

/** A kubeadm bootstrap token: `<id>.<secret>`, 6 and 16 characters of `[a-z0-9]`. */
export function generateBootstrapToken(): string {
  return `${randomString(6)}.${randomString(16)}`;
}

export const BOOTSTRAP_TOKEN_FORMAT = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

/** An EncryptionConfiguration for Secrets with a fresh aescbc key. */
export function generateEncryptionConfig(): string {
  const key = randomBytes(32).toString('base64');
  return [
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: EncryptionConfiguration',
    'resources:',
    '  - resources:',
    '      - secrets',
    '    providers:',
    '      - aescbc:',
    '          keys:',
    '            - name: key1',
    `              secret: ${key}`,
    '      - identity: {}',
    '',
  ].join('\n');
}

export interface ClusterSecretsOptions {
  /** Also create `encryptionconfig` (the spec's `encryptionConfig: true`). */
  readonly encryptionConfig?: boolean;
}

/**
 * Creates the cluster's generated secrets that do not exist yet and returns all of them; existing
 * ones are kept (a re-run changes nothing).
 */
export async function ensureClusterSecrets(
  store: StateStore,
  cluster: string,
  opts: ClusterSecretsOptions = {},
): Promise<Array<StoredSecret & { readonly created: boolean }>> {
  const out = [await getOrCreateSecret(store, cluster, BOOTSTRAP_TOKEN_SECRET, generateBootstrapToken)];
  if (opts.encryptionConfig) out.push(await getOrCreateSecret(store, cluster, ENCRYPTION_CONFIG_SECRET, generateEncryptionConfig));
  return out;
}

/**
 * The `description` of every bootstrap token kops-ts registers (kubeadm init's, from the first
 * control plane's InitConfiguration, and `rotate bootstrap-token`'s): how a token kops-ts made is
 * told from one a person made with `kubeadm token create`, which kops-ts never deletes.
 */
export const BOOTSTRAP_TOKEN_DESCRIPTION = 'kops-ts: instances of the cluster join with this token (docs/bootstrap.md)';
