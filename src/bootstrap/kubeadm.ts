/**
 * kubeadm configuration from the completed spec: pure functions, spec (+ instance group + facts
 * known only at apply time) → kubeadm's objects → multi-document YAML.
 *
 * - `kubeadm.k8s.io/v1beta4` (kubeadm >= 1.31; kops-ts supports Kubernetes >= 1.32 only).
 * - Stacked etcd (kubeadm's local etcd) with TLS everywhere: kubeadm issues each member's peer and
 *   server certificates from the etcd CA the instance fetched from the state store.
 * - Control planes that join bring the shared CA material from the state store (no
 *   `--upload-certs`, whose secret expires after two hours); every joining instance discovers the
 *   cluster with a bootstrap token pinned to the cluster CA's public-key hash.
 * - `kubeProxy.enabled: false` (cilium's default) disables kube-proxy: `proxy.disabled` and the
 *   init phase `addon/kube-proxy` skipped, and no KubeProxyConfiguration.
 *
 * What each role gets is in docs/bootstrap.md. The endpoints, SANs and etcd members these
 * documents name are computed in cluster-endpoints.ts (re-exported here).
 */
import { createHash } from 'node:crypto';
import { yaml11Stream } from './yaml-1-1.js';
import { KopsError } from '../diagnostics.js';
import { BOOTSTRAP_TOKEN_DESCRIPTION } from '../secrets/generate.js';
import { ETCD_BACKUP_FILE, ETCD_BACKUP_STORE_FILE, ETCD_PRUNE_FILE, KUBELET_PATCH_FILE, PATCHES_DIR } from './cloud-bootstrap.js';
import { CRI_SOCKET, kubeletConfiguration, kubeletPatch } from './kubelet-config.js';
import { apiServerVolumes, componentArgs } from './component-args.js';
import { authenticationConfiguration, usesAuthenticationConfig } from './apiserver-authn.js';
import { nodeExtras } from './node-extras.js';
import { DEFAULT_BACKUP_RETENTION_DAYS, ETCD_BACKUP_CLUSTER, ETCD_BACKUP_PY, ETCD_BACKUP_RETENTION_VAR } from './etcd-backup.js';
import { ETCD_PRUNE_PY } from './etcd-prune.js';
import { GCS_STORE_PY } from './gce-helpers.js';
import { CLUSTER_CONFIG_LABEL, KUBEADM_UPLOAD_FILE, kubeadmUploadScript } from './kubeadm-upload.js';
import { S3_STORE_PY } from './s3-store.js';
import { parseKubernetesVersion } from '../model/kubernetes-version.js';
import { serviceAccountIssuerArgs } from '../model/issuer-discovery.js';
import { cloudProviderOf, normalizeRole, type Cluster, type InstanceGroup } from '../model/api/types.js';
import { shQuote } from '../text/shell-quote.js';
import {
  API_PORT,
  DNS_DOMAIN,
  STACKED_ETCD_CLUSTER,
  apiServerCertSANs,
  clusterName,
  controlPlaneEndpoint,
  etcdCertSANs,
  etcdMembersOf,
  initGroup,
  kubeProxyEnabled,
  serviceRange,
  specError,
  type BootstrapFacts,
} from './cluster-endpoints.js';

export {
  API_PORT,
  DNS_DOMAIN,
  STACKED_ETCD_CLUSTER,
  apiServerCertSANs,
  caCertHash,
  controlPlaneEndpoint,
  controlPlaneHost,
  etcdCertSANs,
  etcdMemberName,
  etcdMembersOf,
  initGroup,
  kubeProxyEnabled,
  kubernetesServiceIP,
  type BootstrapFacts,
} from './cluster-endpoints.js';

export const KUBEADM_API_VERSION = 'kubeadm.k8s.io/v1beta4';
export { CRI_SOCKET, KUBELET_API_VERSION, kubeletConfiguration } from './kubelet-config.js';
export const KUBE_PROXY_API_VERSION = 'kubeproxy.config.k8s.io/v1alpha1';
/** Where the stacked etcd keeps its data (the user-data mounts the member's EBS volume here). */
export const ETCD_DATA_DIR = '/var/lib/etcd';

export type BootstrapRole = 'control-plane' | 'node';

/** The igconfig folder of a role (kops's layout: `igconfig/<control-plane|node>/<ig>/`). */
export function bootstrapRole(ig: InstanceGroup): BootstrapRole | undefined {
  const r = normalizeRole(ig.spec.role);
  if (r === 'ControlPlane') return 'control-plane';
  if (r === 'Node') return 'node';
  return undefined; // bastions run no Kubernetes; APIServer groups are not built yet
}

const TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const CA_HASH = /^sha256:[0-9a-f]{64}$/;

type Gates = Record<string, boolean>;

/** kops's feature gates are strings (`"true"`); kubeadm's component configs take booleans. */
function featureGates(cluster: string, field: string, raw: unknown): Gates | undefined {
  if (raw == null) return undefined;
  const out: Gates = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const s = String(v).toLowerCase();
    if (s !== 'true' && s !== 'false') throw specError(cluster, `${field}.${k}`, `is ${JSON.stringify(v)}; a feature gate is "true" or "false"`);
    out[k] = s === 'true';
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function withArgs(args: { name: string; value: string }[]): { extraArgs?: { name: string; value: string }[] } {
  return args.length > 0 ? { extraArgs: args } : {};
}

/** `--feature-gates=A=true,B=false` for a control-plane component's extraArgs. */
function gateArg(gates: Gates | undefined): { name: string; value: string }[] {
  if (!gates) return [];
  return [{ name: 'feature-gates', value: Object.keys(gates).sort().map((k) => `${k}=${String(gates[k])}`).join(',') }];
}

function componentGates(c: Cluster, component: 'kubeAPIServer' | 'kubeControllerManager' | 'kubeScheduler' | 'kubeProxy'): Gates | undefined {
  const o = (c.spec as Record<string, unknown>)[component] as { featureGates?: unknown } | undefined;
  return featureGates(c.metadata.name, `spec.${component}.featureGates`, o?.featureGates);
}

function checkVersion(c: Cluster): string {
  const v = parseKubernetesVersion(c.spec.kubernetesVersion);
  if (!v) throw specError(c.metadata.name, 'spec.kubernetesVersion', `is ${JSON.stringify(c.spec.kubernetesVersion)}, not a Kubernetes version`);
  if (v.major !== 1 || v.minor < 31) throw specError(c.metadata.name, 'spec.kubernetesVersion', `is ${v.version}; kubeadm's v1beta4 configuration needs Kubernetes 1.31 or later`);
  return `v${v.version}`;
}

function checkFacts(c: Cluster, facts: BootstrapFacts): void {
  if (!TOKEN.test(facts.bootstrapToken)) throw new KopsError('InvalidBootstrapToken', 'the bootstrap token is not in kubeadm\'s format [a-z0-9]{6}.[a-z0-9]{16}', { hint: 'this is a bug in kops-ts; the token itself is not shown' });
  if (facts.caCertHashes.length === 0) throw new KopsError('NoClusterCA', 'there is no cluster CA to pin the join discovery to', { hint: `the kubernetes-ca keyset is created by kops-ts update cluster --name ${c.metadata.name} --yes; run it again` });
  for (const h of facts.caCertHashes) if (!CA_HASH.test(h)) throw new KopsError('InvalidCACertHash', `CA certificate hash ${JSON.stringify(h)} is not sha256:<64 hex>`, { hint: 'this is a bug in kops-ts' });
}

export type KubeadmDocument = { apiVersion: string; kind: string } & Record<string, unknown>;

/** The ClusterConfiguration for a control-plane group (its etcd member's SANs differ per group). */
export function clusterConfiguration(c: Cluster, ig: InstanceGroup, facts: Pick<BootstrapFacts, 'loadBalancerDnsName'>): KubeadmDocument {
  const spec = c.spec;
  if (!spec.podCIDR) throw specError(c.metadata.name, 'spec.podCIDR', 'is not set in the completed spec');
  const etcdSANs = etcdCertSANs(c, ig.metadata.name);
  const apiArgs = [
    { name: 'cloud-provider', value: 'external' },
    { name: 'authorization-mode', value: spec.authorization?.alwaysAllow != null ? 'AlwaysAllow' : 'Node,RBAC' },
    ...gateArg(componentGates(c, 'kubeAPIServer')),
    ...componentArgs(c, 'kubeAPIServer'),
    // A discovery store: its issuer signs, kubeadm's is still accepted (a repeated flag replaces kubeadm's own).
    ...serviceAccountIssuerArgs(c),
  ];
  const apiVolumes = apiServerVolumes(c);
  return {
    apiVersion: KUBEADM_API_VERSION,
    kind: 'ClusterConfiguration',
    clusterName: clusterName(c),
    kubernetesVersion: checkVersion(c),
    controlPlaneEndpoint: controlPlaneEndpoint(c, facts),
    certificatesDir: '/etc/kubernetes/pki',
    networking: { podSubnet: spec.podCIDR, serviceSubnet: serviceRange(c), dnsDomain: DNS_DOMAIN },
    apiServer: { certSANs: apiServerCertSANs(c, facts), extraArgs: apiArgs, ...(apiVolumes.length > 0 ? { extraVolumes: apiVolumes } : {}) },
    controllerManager: { extraArgs: [{ name: 'cloud-provider', value: 'external' }, ...gateArg(componentGates(c, 'kubeControllerManager')), ...componentArgs(c, 'kubeControllerManager')] },
    scheduler: { ...withArgs([...gateArg(componentGates(c, 'kubeScheduler')), ...componentArgs(c, 'kubeScheduler')]) },
    etcd: {
      local: {
        dataDir: ETCD_DATA_DIR,
        serverCertSANs: etcdSANs,
        peerCertSANs: etcdSANs,
        // TLS everywhere: clients and peers must present a certificate of the etcd CA.
        extraArgs: [
          { name: 'client-cert-auth', value: 'true' },
          { name: 'peer-client-cert-auth', value: 'true' },
        ],
      },
    },
    proxy: { disabled: !kubeProxyEnabled(c) },
  };
}

function nodeRegistration(c: Cluster, ig: InstanceGroup): Record<string, unknown> {
  const taints = (ig.spec.taints ?? []).map(parseTaint(c, ig));
  const labels = Object.entries(ig.spec.nodeLabels ?? {}).map(([k, v]) => `${k}=${v}`).sort();
  return {
    criSocket: CRI_SOCKET,
    kubeletExtraArgs: [
      { name: 'cloud-provider', value: 'external' },
      ...(labels.length > 0 ? [{ name: 'node-labels', value: labels.join(',') }] : []),
    ],
    // Unset, kubeadm taints a control plane NoSchedule; a worker's are the group's own.
    ...(bootstrapRole(ig) === 'node' || taints.length > 0 ? { taints } : {}),
  };
}

/** kops's `key=value:Effect` or `key:Effect` taints. */
function parseTaint(c: Cluster, ig: InstanceGroup) {
  return (t: string, i: number): Record<string, string> => {
    const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(t);
    if (!m) throw specError(c.metadata.name, `instance group ${ig.metadata.name}: spec.taints[${i}]`, `is ${JSON.stringify(t)}; expected key=value:Effect or key:Effect (Effect: NoSchedule, PreferNoSchedule, NoExecute)`, `fix it with kops-ts edit instancegroup ${ig.metadata.name} --name ${c.metadata.name}`);
    return { key: m[1]!, ...(m[2] !== undefined ? { value: m[2] } : {}), effect: m[3]! };
  };
}

function discovery(c: Cluster, facts: BootstrapFacts): Record<string, unknown> {
  return {
    bootstrapToken: {
      token: facts.bootstrapToken,
      apiServerEndpoint: controlPlaneEndpoint(c, facts),
      caCertHashes: [...facts.caCertHashes],
    },
  };
}

/** The first control plane's InitConfiguration: registers the workers' bootstrap token. */
export function initConfiguration(c: Cluster, ig: InstanceGroup, facts: BootstrapFacts): KubeadmDocument {
  checkFacts(c, facts);
  return {
    apiVersion: KUBEADM_API_VERSION,
    kind: 'InitConfiguration',
    bootstrapTokens: [
      {
        token: facts.bootstrapToken,
        description: BOOTSTRAP_TOKEN_DESCRIPTION,
        // No expiry: instances join long after update ran; `kops-ts rotate bootstrap-token`
        // replaces it (docs/bootstrap.md, "The bootstrap token").
        ttl: '0s',
        usages: ['signing', 'authentication'],
        groups: ['system:bootstrappers:kubeadm:default-node-token'],
      },
    ],
    localAPIEndpoint: { bindPort: API_PORT },
    nodeRegistration: nodeRegistration(c, ig),
    // The group's kubelet settings (kubelet-config.ts), which bootstrap.sh puts there.
    patches: { directory: PATCHES_DIR },
    ...(kubeProxyEnabled(c) ? {} : { skipPhases: ['addon/kube-proxy'] }),
  };
}

/** `kubeadm join` for a control plane (with `controlPlane`) or a worker. */
export function joinConfiguration(c: Cluster, ig: InstanceGroup, facts: BootstrapFacts): KubeadmDocument {
  checkFacts(c, facts);
  const controlPlane = bootstrapRole(ig) === 'control-plane';
  return {
    apiVersion: KUBEADM_API_VERSION,
    kind: 'JoinConfiguration',
    discovery: discovery(c, facts),
    nodeRegistration: nodeRegistration(c, ig),
    // The group's kubelet settings over the kubelet-config ConfigMap (kubelet-config.ts).
    patches: { directory: PATCHES_DIR },
    // No certificateKey: the CA material is fetched from the state store before joining.
    ...(controlPlane ? { controlPlane: { localAPIEndpoint: { bindPort: API_PORT } } } : {}),
  };
}

/** kube-proxy's configuration, or `undefined` when kube-proxy is disabled (cilium replaces it). */
export function kubeProxyConfiguration(c: Cluster): KubeadmDocument | undefined {
  if (!kubeProxyEnabled(c)) return undefined;
  const gates = componentGates(c, 'kubeProxy');
  return {
    apiVersion: KUBE_PROXY_API_VERSION,
    kind: 'KubeProxyConfiguration',
    clusterCIDR: c.spec.podCIDR,
    ...(gates ? { featureGates: gates } : {}),
  };
}

/** Stands for the API load balancer's address, known only after the apply, in `clusterConfigHash`. */
const LOAD_BALANCER_UNKNOWN = 'api-load-balancer.invalid';

/**
 * A short digest of a control-plane group's cluster configuration (its ClusterConfiguration, the
 * KubeProxyConfiguration, and the API server's AuthenticationConfiguration when anonymousAuth is
 * false: apiserver-authn.ts) as the spec makes it: named in the group's user data, so that a
 * change rolls its instances, and on kubeadm-init.yaml's first line (kubeadm-upload.ts). Without
 * the load balancer's address (planned before it exists) and the bootstrap token (InitConfiguration).
 */
export function clusterConfigHash(c: Cluster, ig: InstanceGroup): string {
  const docs: KubeadmDocument[] = [clusterConfiguration(c, ig, { loadBalancerDnsName: LOAD_BALANCER_UNKNOWN })];
  const proxy = kubeProxyConfiguration(c);
  if (proxy) docs.push(proxy);
  // Absent, the digest is what it was before the file existed: no group rolls for it.
  const authn = usesAuthenticationConfig(c.spec) ? authenticationConfiguration(c.spec, nodeExtras(c.spec, ig.spec).files) : undefined;
  if (authn) docs.push(authn);
  return createHash('sha256').update(renderDocuments(docs)).digest('hex').slice(0, 16);
}

/**
 * Documents as kubeadm reads them: YAML 1.1 (src/bootstrap/yaml-1-1.ts), so that a taint
 * `dedicated=yes:NoSchedule` keeps its value a string; `---` between documents. Deterministic.
 */
export function renderDocuments(docs: readonly KubeadmDocument[]): string {
  return yaml11Stream(docs);
}

export interface BootstrapFile {
  /** The file's name in `<cluster>/igconfig/<role>/<ig>/`. */
  readonly name: string;
  readonly content: string;
  /** Holds a credential (the bootstrap token): stored like a secret, never printed. */
  readonly secret: boolean;
}

export interface BootstrapFiles {
  readonly role: BootstrapRole;
  /** `<cluster>/igconfig/<role>/<ig>/`, relative to the store's root. */
  readonly folder: string;
  readonly files: readonly BootstrapFile[];
}

/** `KEY='value'` lines a shell can source; values are single-quoted. */
function envFile(vars: Readonly<Record<string, string>>): string {
  // Sourced by the user-data, which uses the variables: SC2034 (assigned, unused) does not apply.
  const header = ['# kops-ts bootstrap settings, sourced by the user-data (docs/bootstrap.md)', '# shellcheck shell=sh disable=SC2034'];
  return [...header, ...Object.entries(vars).map(([k, v]) => `${k}=${shQuote(v)}`)].join('\n') + '\n';
}

/**
 * What an instance group's instances fetch at boot, under `<cluster>/igconfig/<role>/<ig>/`:
 * - every role: `kubeadm-join.yaml` (JoinConfiguration), `kubelet-patch.yaml` (the group's kubelet
 *   settings, kubelet-config.ts) and `bootstrap.env` (versions, role, the endpoint, which group initialises);
 * - control planes also `kubeadm-init.yaml` (ClusterConfiguration, InitConfiguration,
 *   KubeletConfiguration, and KubeProxyConfiguration unless kube-proxy is disabled), used by the
 *   init group when no cluster answers yet, and by every join to bring the cluster's kubeadm-config
 *   up to this group's with `kubeadm-upload.sh` (docs/bootstrap.md).
 * Bastions (and APIServer groups, not built yet) get nothing: `undefined`.
 */
export function bootstrapFiles(c: Cluster, ig: InstanceGroup, facts: BootstrapFacts, extraEnv: Readonly<Record<string, string>> = {}): BootstrapFiles | undefined {
  const role = bootstrapRole(ig);
  if (!role) return undefined;
  const name = ig.metadata.name;
  const version = checkVersion(c);
  const v = parseKubernetesVersion(version)!;
  const files: BootstrapFile[] = [];
  if (role === 'control-plane') {
    if (etcdMembersOf(c, name).length === 0) {
      throw specError(c.metadata.name, `spec.etcdClusters[${STACKED_ETCD_CLUSTER}].etcdMembers`, `has no member in control-plane group ${name}`, `each control-plane group runs one etcd member: add it with kops-ts edit cluster ${c.metadata.name}`);
    }
    const docs = [clusterConfiguration(c, ig, facts), initConfiguration(c, ig, facts), kubeletConfiguration(c)];
    const proxy = kubeProxyConfiguration(c);
    if (proxy) docs.push(proxy);
    // The first line names the digest its group's user data carries (kubeadm-upload.ts).
    files.push({ name: 'kubeadm-init.yaml', content: `${CLUSTER_CONFIG_LABEL}${clusterConfigHash(c, ig)}\n${renderDocuments(docs)}`, secret: true });
    // Run by bootstrap.sh before a join: this group's ClusterConfiguration into the cluster (kubeadm-upload.ts).
    files.push({ name: KUBEADM_UPLOAD_FILE, content: kubeadmUploadScript(kubeProxyEnabled(c)), secret: false });
    // Fetched and run by bootstrap.sh before a join (etcd-prune.ts); the same for every group.
    files.push({ name: ETCD_PRUNE_FILE, content: ETCD_PRUNE_PY, secret: false });
    // Fetched by bootstrap.sh and run by its timer (etcd-backup.ts), with the cloud's store helper.
    files.push({ name: ETCD_BACKUP_FILE, content: ETCD_BACKUP_PY, secret: false });
    files.push({ name: ETCD_BACKUP_STORE_FILE, content: cloudProviderOf(c.spec) === 'gce' ? GCS_STORE_PY : S3_STORE_PY, secret: false });
  }
  files.push({ name: 'kubeadm-join.yaml', content: renderDocuments([joinConfiguration(c, ig, facts)]), secret: true });
  files.push({ name: KUBELET_PATCH_FILE, content: kubeletPatch(c, ig), secret: false });
  const env: Record<string, string> = {
    KOPS_TS_CLUSTER: clusterName(c),
    KOPS_TS_INSTANCE_GROUP: name,
    KOPS_TS_ROLE: role,
    KUBERNETES_VERSION: v.version,
    KUBERNETES_MINOR: `${v.major}.${v.minor}`,
    API_ENDPOINT: controlPlaneEndpoint(c, facts),
    KUBE_PROXY: kubeProxyEnabled(c) ? 'enabled' : 'disabled',
  };
  if (role === 'control-plane') {
    env.KOPS_TS_INIT_GROUP = initGroup(c) ?? '';
    env.ETCD_MEMBERS = etcdMembersOf(c, name).join(',');
    // etcd-backup.py's retention (the timer's unit reads bootstrap.env): kubeadm's etcd is kops's `main`.
    const main = c.spec.etcdClusters?.find((e) => e.name === ETCD_BACKUP_CLUSTER);
    env[ETCD_BACKUP_RETENTION_VAR] = String(main?.manager?.backupRetentionDays ?? DEFAULT_BACKUP_RETENTION_DAYS);
  }
  files.push({ name: 'bootstrap.env', content: envFile({ ...env, ...extraEnv }), secret: false });
  return { role, folder: `${clusterName(c)}/igconfig/${role}/${name}/`, files };
}
