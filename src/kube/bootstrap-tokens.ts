/**
 * The cluster's bootstrap tokens as the Kubernetes API keeps them: Secrets
 * `kube-system/bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token`, with the keys
 * kubeadm writes (k8s.io/cluster-bootstrap/token/api; kubernetes.io/docs/reference/
 * access-authn-authz/bootstrap-tokens): `token-id`, `token-secret`, `usage-bootstrap-authentication`,
 * `usage-bootstrap-signing`, `auth-extra-groups`, `description`, and `expiration` only when the
 * token expires (kops-ts's never do: kubeadm's `ttl: 0s`).
 *
 * The token id is public (the Secret's name carries it); the secret part is read here only to find
 * the join files that still carry an old token, and is registered with the redactor.
 */
import * as k8s from '@kubernetes/client-node';
import { BOOTSTRAP_TOKEN_DESCRIPTION, BOOTSTRAP_TOKEN_FORMAT } from '../secrets/generate.js';
import { registerSecretValue } from '../secrets/redact.js';
import type { KubeClient } from './client.js';
import { apiStatus, translate } from './errors.js';

export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
/** The group kubeadm gives its default node token, which kubeadm's RBAC lets join. */
export const DEFAULT_NODE_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';

/** A bootstrap token registered in the cluster. */
export interface RegisteredToken {
  /** The public part (`token-id`). */
  readonly id: string;
  /** `<id>.<secret>`, when the Secret holds a well-formed pair (a secret value: never printed). */
  readonly token?: string;
  /** Registered by kops-ts: its description is kops-ts's (kubeadm init's from our config, or a rotation's). */
  readonly kopsTs: boolean;
  /** `expiration` (RFC 3339), when the token expires. */
  readonly expiration?: string;
}

/** What rotation needs of the API (an interface, so a test can stop a run between any two calls). */
export interface BootstrapTokenApi {
  /** Every bootstrap token registered (Secrets of the type in kube-system). */
  list(signal?: AbortSignal): Promise<RegisteredToken[]>;
  /** Registers `<id>.<secret>` with no expiry; `exists` when a Secret of that name is there already. */
  create(token: string, signal?: AbortSignal): Promise<'created' | 'exists'>;
  /** Deletes the token's Secret; `absent` when it was not there. */
  delete(id: string, signal?: AbortSignal): Promise<'deleted' | 'absent'>;
}

export function bootstrapTokenSecretName(id: string): string {
  return `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${id}`;
}

/** The Secret kubeadm writes for a token that never expires, as `stringData` (the API stores it as `data`). */
export function bootstrapTokenSecret(token: string): k8s.V1Secret {
  if (!BOOTSTRAP_TOKEN_FORMAT.test(token)) throw new Error('bootstrapTokenSecret: not a kubeadm token (its value is not shown)');
  const [id, secret] = token.split('.') as [string, string];
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: bootstrapTokenSecretName(id), namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    stringData: {
      description: BOOTSTRAP_TOKEN_DESCRIPTION,
      'token-id': id,
      'token-secret': secret,
      'usage-bootstrap-authentication': 'true',
      'usage-bootstrap-signing': 'true',
      'auth-extra-groups': DEFAULT_NODE_TOKEN_GROUP,
    },
  };
}

function field(s: k8s.V1Secret, key: string): string | undefined {
  const v = s.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

/** A listed Secret as a token; `undefined` when it is not a bootstrap token's (wrong name or id). */
export function registeredToken(s: k8s.V1Secret): RegisteredToken | undefined {
  const name = s.metadata?.name ?? '';
  if (s.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || !name.startsWith(BOOTSTRAP_TOKEN_SECRET_PREFIX)) return undefined;
  const id = name.slice(BOOTSTRAP_TOKEN_SECRET_PREFIX.length);
  const secret = field(s, 'token-secret');
  const token = secret !== undefined && BOOTSTRAP_TOKEN_FORMAT.test(`${id}.${secret}`) ? `${id}.${secret}` : undefined;
  if (token) registerSecretValue(new TextEncoder().encode(token));
  const expiration = field(s, 'expiration');
  return {
    id,
    ...(token ? { token } : {}),
    kopsTs: field(s, 'description') === BOOTSTRAP_TOKEN_DESCRIPTION,
    ...(expiration ? { expiration } : {}),
  };
}

/** The API through a kubeconfig context's client. */
export function bootstrapTokenApi(client: KubeClient): BootstrapTokenApi {
  const namespace = BOOTSTRAP_TOKEN_NAMESPACE;
  return {
    async list(signal) {
      try {
        // kubeadm token list's selector: only bootstrap-token Secrets travel.
        const r = await client.core.listNamespacedSecret({ namespace, fieldSelector: `type=${BOOTSTRAP_TOKEN_SECRET_TYPE}` }, client.options(signal));
        return r.items.map(registeredToken).filter((t): t is RegisteredToken => t !== undefined);
      } catch (e) {
        throw translate(client, `listing the bootstrap tokens (Secrets of type ${BOOTSTRAP_TOKEN_SECRET_TYPE} in ${namespace})`, e);
      }
    },
    async create(token, signal) {
      const body = bootstrapTokenSecret(token);
      try {
        await client.core.createNamespacedSecret({ namespace, body }, client.options(signal));
        return 'created';
      } catch (e) {
        if (apiStatus(e)?.code === 409) return 'exists';
        throw translate(client, `registering bootstrap token ${body.metadata?.name ?? ''} in ${namespace}`, e);
      }
    },
    async delete(id, signal) {
      const name = bootstrapTokenSecretName(id);
      try {
        await client.core.deleteNamespacedSecret({ namespace, name }, client.options(signal));
        return 'deleted';
      } catch (e) {
        if (apiStatus(e)?.code === 404) return 'absent';
        throw translate(client, `deleting bootstrap token ${name} from ${namespace}`, e);
      }
    },
  };
}
