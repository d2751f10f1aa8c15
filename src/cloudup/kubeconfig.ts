/**
 * `export kubeconfig`: a context for the cluster merged into a kubeconfig file with
 * @kubernetes/client-node's KubeConfig (other clusters, users and contexts are kept), as kops's
 * `export kubeconfig` does: cluster, user and context all named after the cluster, the server
 * `https://api.<cluster>` (or the internal name), the CA data the trust bundle of `kubernetes-ca`
 * (every CA not distrusted, so a rotation in progress does not break kubectl), and with `admin` a
 * new client certificate in `system:masters` signed by the primary of `kubernetes-ca`.
 *
 * The file holds a private key when `admin` is set: it is written whole (temp file + rename)
 * with mode 0600, its folder 0700 when created.
 */
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsClients, type AwsClientOptions } from '../cloud/aws/clients.js';
import { awsErrorCode } from '../cloud/aws/errors.js';
import { KopsError } from '../diagnostics.js';
import { apiLoadBalancerAwsName } from '../model/aws/names.js';
import { regionOfCluster } from './aws/regions.js';
import { completeCluster } from '../model/completion.js';
import type { Cluster } from '../model/api/types.js';
import { stringifyKopsYaml } from '../model/api/yaml.js';
import { KUBERNETES_CA, adminClientRequest, issueFromKeyset } from '../pki/cluster.js';
import { trustBundle } from '../pki/keyset.js';
import { KeysetStore } from '../pki/store.js';
import type { Clientset } from '../statestore/clientset.js';

/** kops's default lifetime of an `--admin` credential. */
export const DEFAULT_ADMIN_LIFETIME_MS = 18 * 3_600_000;

export interface ExportKubeconfigOptions {
  readonly clientset: Clientset;
  readonly clusterName: string;
  /** The kubeconfig file to merge into. */
  readonly path: string;
  /** Issue an admin client certificate with this lifetime. */
  readonly adminLifetimeMs?: number;
  /** Use this existing kubeconfig user in the context instead. */
  readonly user?: string;
  /** `https://api.internal.<cluster>` (from inside the cluster's network). */
  readonly internal?: boolean;
  readonly now?: Date;
  /** AWS client settings beyond the region (timeouts; tests: endpoint, credentials), for DNS None. */
  readonly aws?: Omit<AwsClientOptions, 'region'>;
}

export interface ExportKubeconfigResult {
  readonly path: string;
  readonly context: string;
  readonly server: string;
  /** The user the context names, if any. */
  readonly user?: string;
  /** When the admin certificate expires. */
  readonly adminExpires?: Date;
}

/**
 * The API server's URL as kubectl reaches it: the internal name, `spec.api.publicName`, or kops's
 * `api.<cluster>`; with DNS None (no record to resolve) the API load balancer's own DNS name,
 * read from AWS as kops does (`elasticloadbalancing:DescribeLoadBalancers`).
 */
export async function apiServerURL(cluster: Cluster, internal: boolean, aws: Omit<AwsClientOptions, 'region'> = {}): Promise<string> {
  const name = cluster.metadata.name;
  if (internal) return `https://api.internal.${name}`;
  if (cluster.spec.api?.publicName) return `https://${cluster.spec.api.publicName}`;
  if (cluster.spec.topology?.dns?.type !== 'None') return `https://${cluster.spec.masterPublicName ?? `api.${name}`}`;
  const lbName = apiLoadBalancerAwsName(name);
  const clients = new AwsClients({ region: regionOfCluster(cluster), ...aws });
  let dns: string | undefined;
  try {
    const out = await clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [lbName] }));
    dns = out.LoadBalancers?.[0]?.DNSName;
  } catch (e) {
    if (awsErrorCode(e) !== 'LoadBalancerNotFound') {
      if (KopsError.is(e)) throw e;
      throw new KopsError('AwsError', `cluster ${name} has DNS None: reading its API load balancer ${lbName} from AWS failed (${awsErrorCode(e) ?? (e as Error).name}: ${(e as Error).message.split('\n')[0]})`, {
        hint: 'check the AWS credentials and region, or use --internal from inside the VPC',
        cause: e,
      });
    }
  }
  if (!dns) {
    throw new KopsError('LoadBalancerNotFound', `cluster ${name} has DNS None, and its API load balancer ${lbName} does not exist yet`, {
      hint: `create it with kops-ts update cluster --name ${name} --yes`,
    });
  }
  return `https://${dns}`;
}

/** The kubeconfig file kubectl uses: the first of `$KUBECONFIG`, else `~/.kube/config`. */
export function defaultKubeconfigPath(env: Readonly<Record<string, string | undefined>>): string {
  const first = (env.KUBECONFIG ?? '').split(':').find((p) => p.trim() !== '');
  if (first) return first;
  const home = env.HOME ?? userInfo().homedir;
  return join(home, '.kube', 'config');
}

export async function exportKubeconfig(o: ExportKubeconfigOptions): Promise<ExportKubeconfigResult> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const cs = o.clientset;
  const name = o.clusterName;
  const completed = (await cs.readCompletedSpec(name))?.object ?? completeCluster((await cs.getCluster(name)).object, (await cs.listInstanceGroups(name)).map((v) => v.object)).cluster;
  const server = await apiServerURL(completed, Boolean(o.internal), o.aws);
  const found = await new KeysetStore(cs.store).find(name, KUBERNETES_CA);
  if (!found) throw new KopsError('KeysetNotFound', `cluster ${name} has no ${KUBERNETES_CA} yet, so there is no CA for kubectl to trust`, { hint: `it is generated by the first kops-ts update cluster --name ${name} --yes` });
  const caData = Buffer.from(trustBundle(found.keyset)).toString('base64');

  const kc = new KubeConfig();
  if (existsSync(o.path)) {
    try {
      kc.loadFromFile(o.path);
    } catch (e) {
      throw new KopsError('InvalidKubeconfig', `${o.path}: cannot be read as a kubeconfig (${(e as Error).message.split('\n')[0]})`, { hint: 'fix the file, or pass another one with --kubeconfig <file>', exitCode: 2, cause: e });
    }
  } else {
    kc.loadFromOptions({ clusters: [], users: [], contexts: [], currentContext: '' });
  }
  kc.clusters = kc.clusters.filter((c) => c.name !== name);
  kc.contexts = kc.contexts.filter((c) => c.name !== name);
  kc.addCluster({ name, server, caData, skipTLSVerify: false });

  let user = o.user;
  let adminExpires: Date | undefined;
  if (o.adminLifetimeMs !== undefined) {
    const now = o.now ?? new Date();
    const cert = await issueFromKeyset(found.keyset, adminClientRequest(`kubecfg-${safeUser()}`, o.adminLifetimeMs), now);
    adminExpires = new Date(now.getTime() + o.adminLifetimeMs);
    user = name;
    kc.users = kc.users.filter((u) => u.name !== name);
    kc.addUser({ name, certData: Buffer.from(cert.certificate).toString('base64'), keyData: Buffer.from(cert.privateKey).toString('base64') });
  }
  kc.addContext({ name, cluster: name, user: user ?? '' });
  kc.setCurrentContext(name);
  writePrivate(o.path, stringifyKopsYaml(JSON.parse(kc.exportConfig()) as unknown));
  return { path: o.path, context: name, server, ...(user !== undefined ? { user } : {}), ...(adminExpires ? { adminExpires } : {}) };
}

function safeUser(): string {
  try {
    return userInfo().username.replace(/[^A-Za-z0-9._-]/g, '') || 'admin';
  } catch {
    return 'admin';
  }
}

/** Writes the whole file or nothing, readable by its owner only. */
function writePrivate(path: string, text: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.kops-ts-${randomBytes(6).toString('hex')}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/**
 * `delete cluster`: removes the cluster's context, and the cluster and user entries named after it
 * (as `export kubeconfig` wrote them), keeping everything else. Returns what was removed; a file
 * that does not exist or has no such entries is left untouched.
 */
export async function removeKubeconfigContext(path: string, name: string): Promise<{ removed: string[] }> {
  if (!existsSync(path)) return { removed: [] };
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (e) {
    throw new KopsError('InvalidKubeconfig', `${path}: cannot be read as a kubeconfig (${(e as Error).message.split('\n')[0]})`, { hint: `remove the context ${name} from it yourself`, exitCode: 1, cause: e });
  }
  const removed = [
    ...kc.contexts.filter((c) => c.name === name).map((c) => `context ${c.name}`),
    ...kc.clusters.filter((c) => c.name === name).map((c) => `cluster ${c.name}`),
    ...kc.users.filter((u) => u.name === name).map((u) => `user ${u.name}`),
  ];
  if (removed.length === 0) return { removed };
  kc.contexts = kc.contexts.filter((c) => c.name !== name);
  kc.clusters = kc.clusters.filter((c) => c.name !== name);
  kc.users = kc.users.filter((u) => u.name !== name);
  if (kc.currentContext === name) kc.setCurrentContext('');
  writePrivate(path, stringifyKopsYaml(JSON.parse(kc.exportConfig()) as unknown));
  return { removed };
}
