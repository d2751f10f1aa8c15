/**
 * Writing the bootstrap configuration to the state store: each instance group's igconfig files,
 * the addons' descriptions (CNI, the cloud's controller: AWS's, or GCE's with its manifest), and
 * the cluster's bootstrap token (created once).
 *
 * Writes are conditional (create with `ifAbsent`, replace with the version read) and skipped when
 * the content is already there, so a second `update` writes nothing and two writers never
 * overwrite each other silently.
 */
import { parse } from 'yaml';
import { KopsError } from '../diagnostics.js';
import type { Cluster, InstanceGroup } from '../model/api/types.js';
import type { StateStore } from '../statestore/types.js';
import { cloudProviderOf, normalizeRole } from '../model/api/types.js';
import { etcdCAName, FRONT_PROXY_CA, KUBERNETES_CA, SERVICE_ACCOUNT, signerOf, trustedPublicKeysPem } from '../pki/cluster.js';
import { KeysetStore } from '../pki/store.js';
import { awsCloudBootstrap, CONTROL_PLANE_PKI_FILES, igconfigDir } from './user-data.js';
import { addonDigests, addonsVars, ccmAddon, cniAddon, cniOf, unpinned } from './addons.js';
import { addonsScript } from './addons-script.js';
import { clusterAutoscalerAddon } from './cluster-autoscaler.js';
import { ADDONS_FILE } from './cloud-bootstrap.js';

export { unpinned };
import { NODE_EXTRAS_FILE, nodeExtrasScript } from './node-extras.js';

import { bootstrapFiles, caCertHash, type BootstrapFacts } from './kubeadm.js';
import { BOOTSTRAP_TOKEN_FORMAT, BOOTSTRAP_TOKEN_SECRET, generateBootstrapToken } from '../secrets/generate.js';
import { getOrCreateSecret, secretPath } from '../secrets/store.js';
import { allInOrder, mapBounded, STORE_CONCURRENCY } from '../concurrency.js';

/**
 * The shared control-plane key material, as kubeadm names it under /etc/kubernetes/
 * (`CONTROL_PLANE_PKI_FILES`, which the user-data fetches): the primaries of the cluster CA, the
 * etcd CA (`main`: kubeadm runs one stacked etcd) and the front-proxy CA with their keys, the
 * service-account signing key and every trusted service-account public key (so tokens signed by
 * a key being rotated out stay valid). Only control planes may read these paths (IAM); they are
 * copies of `pki/private/`, written by the update that holds the keysets.
 */
async function controlPlanePkiFiles(store: StateStore, cluster: Cluster): Promise<Map<string, string>> {
  const name = cluster.metadata.name;
  const keysets = new KeysetStore(store);
  // The four keysets are independent objects: read at once (the first missing one, in this order, is the error).
  const [ca, etcd, frontProxy, sa] = await mapBounded([KUBERNETES_CA, etcdCAName('main'), FRONT_PROXY_CA, SERVICE_ACCOUNT], 4, async (keyset) => (await keysets.get(name, keyset)).keyset);
  if (!ca || !etcd || !frontProxy || !sa) throw new Error('bootstrap: a keyset read returned nothing');
  const files = new Map<string, string>([
    ['pki/ca.crt', signerOf(ca, name).certificate],
    ['pki/ca.key', signerOf(ca, name).privateKey],
    ['pki/etcd/ca.crt', signerOf(etcd, name).certificate],
    ['pki/etcd/ca.key', signerOf(etcd, name).privateKey],
    ['pki/front-proxy-ca.crt', signerOf(frontProxy, name).certificate],
    ['pki/front-proxy-ca.key', signerOf(frontProxy, name).privateKey],
    ['pki/sa.key', signerOf(sa, name).privateKey],
    ['pki/sa.pub', trustedPublicKeysPem(sa)],
  ]);
  // The user-data fetches exactly this list: keep the two in step.
  for (const f of CONTROL_PLANE_PKI_FILES) if (!files.has(f)) throw new Error(`bootstrap: no content for ${f}`);
  return files;
}

/** The keyset of the cluster CA (issue #9's contract: kops's name and layout). */
export const CLUSTER_CA_KEYSET = 'kubernetes-ca';

/**
 * The cluster's bootstrap token: the `bootstrap-token` secret of src/secrets (kops's secret
 * shape), read, or created once (a concurrent creator's token wins).
 */
export async function ensureBootstrapToken(store: StateStore, cluster: string): Promise<string> {
  const secret = await getOrCreateSecret(store, cluster, BOOTSTRAP_TOKEN_SECRET, generateBootstrapToken);
  const token = new TextDecoder().decode(secret.data);
  if (!BOOTSTRAP_TOKEN_FORMAT.test(token)) {
    // The content is a secret: say what is wrong, never what is there.
    throw new KopsError('InvalidSecret', `${secretPath(cluster, BOOTSTRAP_TOKEN_SECRET)} is not a kubeadm bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})`, {
      hint: 'delete it from the state store so that kops-ts update cluster --yes creates a new one (instances not yet joined then need a rolling update)',
    });
  }
  return token;
}

/**
 * The certificates of the cluster CA's keyset that are still trusted (no `distrustTimestamp`),
 * read from `<cluster>/pki/private/kubernetes-ca/keyset.yaml` (kops's Keyset: `spec.keys[]` with
 * `publicMaterial`, base64 of the PEM as kops's `[]byte` is written, or the PEM itself).
 * Empty when the keyset does not exist yet. Only public material is read.
 */
export async function readClusterCACertificates(store: StateStore, cluster: string): Promise<string[]> {
  const path = `${cluster}/pki/private/${CLUSTER_CA_KEYSET}/keyset.yaml`;
  const found = await store.read(path);
  if (!found) return [];
  let doc: unknown;
  try {
    doc = parse(Buffer.from(found.data).toString('utf8'));
  } catch {
    doc = undefined;
  }
  const keys = (doc as { spec?: { keys?: unknown } } | undefined)?.spec?.keys;
  if (!Array.isArray(keys)) {
    throw new KopsError('InvalidKeyset', `${path} is not a kops Keyset (spec.keys is missing)`, { hint: 'restore it from the state store\'s backup or versioning' });
  }
  const pems: string[] = [];
  for (const [i, k] of keys.entries()) {
    const item = k as { publicMaterial?: unknown; distrustTimestamp?: unknown };
    if (item.distrustTimestamp != null) continue;
    if (typeof item.publicMaterial !== 'string') throw new KopsError('InvalidKeyset', `${path}: spec.keys[${i}].publicMaterial is missing`, { hint: 'restore it from the state store\'s backup or versioning' });
    const raw = item.publicMaterial.trimStart().startsWith('-----BEGIN') ? item.publicMaterial : Buffer.from(item.publicMaterial, 'base64').toString('utf8');
    pems.push(raw);
  }
  return pems;
}

export interface WriteBootstrapOptions {
  readonly store: StateStore;
  /** The completed cluster and every instance group. */
  readonly cluster: Cluster;
  readonly instanceGroups: readonly InstanceGroup[];
  /** The API load balancer's DNS name, from the apply (`NetworkLoadBalancer/api.<cluster>`). */
  readonly loadBalancerDnsName?: string;
  /** The cluster autoscaler's own IAM role's ARN (useServiceAccountExternalPermissions), from the apply. */
  readonly clusterAutoscalerRoleArn?: string;
  /** The trusted cluster CA certificates (PEM); read from the store when not given. */
  readonly caCertificates?: readonly string[];
}

export interface WriteBootstrapResult {
  /** Paths written (new or changed content). */
  readonly written: readonly string[];
  /** Paths already up to date. */
  readonly unchanged: readonly string[];
  /** Why some files were not written (e.g. no cluster CA yet): no secrets in these. */
  readonly skipped: readonly string[];
}

/**
 * Writes every instance group's igconfig files and the addons (CNI, the cloud controller). Without a cluster CA (the PKI is
 * created elsewhere in `update`), join configurations cannot pin discovery: nothing is written and
 * `skipped` says why, since unpinned discovery would let anyone on the path impersonate the API.
 */
export async function writeBootstrapConfig(o: WriteBootstrapOptions): Promise<WriteBootstrapResult> {
  const name = o.cluster.metadata.name;
  const cas = o.caCertificates ?? (await readClusterCACertificates(o.store, name));
  if (cas.length === 0) {
    return { written: [], unchanged: [], skipped: [`igconfig/ and addons/ of ${name}: the ${CLUSTER_CA_KEYSET} keyset does not exist yet, so join discovery cannot be pinned to the cluster CA`] };
  }
  cniOf(o.cluster); // a spec the bootstrap cannot serve is refused before the token is created
  // Every node waits for its cloud's controller (`cloud-provider=external`): AWS's chart, or GCE's
  // manifest rendered from the spec (src/bootstrap/gce-ccm.ts, loaded only for GCE: it reads the
  // GCE model, which an AWS update does not load; test/cloud/providers.test.ts).
  const ccm = cloudProviderOf(o.cluster.spec) === 'gce' ? (await import('./gce-ccm.js')).gceCcmAddon(o.cluster, o.instanceGroups) : ccmAddon(o.cluster);
  const controlPlanes = o.instanceGroups.filter((ig) => normalizeRole(ig.spec.role) === 'ControlPlane');
  // The token and the control planes' CA files are independent objects: read at once.
  const [bootstrapToken, pki] = await allInOrder([
    ensureBootstrapToken(o.store, name),
    controlPlanes.length > 0 ? controlPlanePkiFiles(o.store, o.cluster) : Promise.resolve(undefined),
  ] as const);
  const facts: BootstrapFacts = {
    ...(o.loadBalancerDnsName ? { loadBalancerDnsName: o.loadBalancerDnsName } : {}),
    bootstrapToken,
    caCertHashes: cas.map(caCertHash),
  };
  const out: { path: string; content: string }[] = [];
  const addon = cniAddon(o.cluster, facts);
  // What the control planes apply: addons.sh names it; bootstrap.env repeats it for reading.
  // Every artefact kops-ts ships is pinned, so ADDONS_ALLOW_UNPINNED is '0' and a control plane
  // refuses an artefact that differs. Were one not (a reference without a sha256, or helm without
  // the digest of an architecture when an addon is a chart), it would be '1' for the clusters
  // using it: refusing it would leave them without a network and with tainted nodes.
  // The cluster autoscaler (AWS only: validation refuses it on GCE), when enabled.
  const autoscaler = cloudProviderOf(o.cluster.spec) === 'gce' ? undefined : clusterAutoscalerAddon(o.cluster, o.instanceGroups, o.clusterAutoscalerRoleArn ? { roleArn: o.clusterAutoscalerRoleArn } : {});
  const vars = addonsVars(o.cluster, ccm, autoscaler);
  const addonEnv: Record<string, string> = { ...(addon ? { CNI: addon.addon.name } : { CNI: 'none' }), ...vars };
  // addons.sh, the same for every control-plane group; its sha256 is in their launch templates.
  const addonsSh = addonsScript(cloudProviderOf(o.cluster.spec) === 'gce' ? (await import('./gce-bootstrap.js')).gceCloudBootstrap('') : awsCloudBootstrap(''), vars, addonDigests(o.cluster, ccm, autoscaler));
  for (const ig of [...o.instanceGroups].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const files = bootstrapFiles(o.cluster, ig, facts, addonEnv);
    if (!files) continue;
    for (const f of files.files) out.push({ path: files.folder + f.name, content: f.content });
    if (files.role === 'control-plane') out.push({ path: files.folder + ADDONS_FILE, content: addonsSh });
    // The group's fileAssets, hooks and sysctlParameters; its user data carries this script's sha256.
    const extras = nodeExtrasScript(o.cluster.spec, ig.spec);
    if (extras) out.push({ path: files.folder + NODE_EXTRAS_FILE, content: extras.content });
  }
  if (addon) out.push({ path: addon.path, content: addon.content });
  if (ccm) out.push({ path: ccm.path, content: ccm.content });
  // A stored manifest is written with its description; the description carries its sha256.
  if (ccm?.manifest) out.push(ccm.manifest);
  if (autoscaler) out.push({ path: autoscaler.path, content: autoscaler.content }, ...(autoscaler.manifest ? [autoscaler.manifest] : []));
  if (pki) {
    for (const ig of controlPlanes) {
      for (const [file, content] of pki) out.push({ path: `${igconfigDir(name, 'control-plane', ig.metadata.name)}/${file}`, content });
    }
  }
  // Each file is its own conditional read-and-write, independent of the others (no file's
  // content depends on another's write): up to STORE_CONCURRENCY of them at once, since one after
  // another they made most of the requests of `update --yes` and most of its time.
  const outcome = await mapBounded(out, STORE_CONCURRENCY, async (f) => {
    const existing = await o.store.read(f.path);
    if (existing && Buffer.from(existing.data).toString('utf8') === f.content) return 'unchanged' as const;
    await o.store.write(f.path, f.content, existing ? { ifVersion: existing.version } : { ifAbsent: true });
    return 'written' as const;
  });
  const written = out.filter((_, i) => outcome[i] === 'written').map((f) => f.path);
  const unchanged = out.filter((_, i) => outcome[i] === 'unchanged').map((f) => f.path);
  return { written, unchanged, skipped: [] };
}
