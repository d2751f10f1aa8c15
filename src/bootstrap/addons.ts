/**
 * The CNI addon of `spec.networking`, as a pinned description kept in the state store under
 * `<cluster>/addons/<name>/<version>/addon.yaml`. The first control plane reads it, downloads the
 * upstream artefact, checks it against the sha256 pinned here (a mismatch is refused), and applies
 * it (docs/bootstrap.md, "Addons"). kubeadm itself installs CoreDNS and (unless disabled) kube-proxy.
 *
 * Why a reference and not the manifest itself: cilium ships as a Helm chart whose manifest depends
 * on the cluster (the API endpoint, kube-proxy replacement, IPAM), calico's manifest is about
 * 7,000 lines; kops-ts cannot download either when `update` runs (it may run where there is no
 * route to the internet), and generating a look-alike would be a fork nobody maintains. The
 * version and digest are pinned here, so an addon upgrade is a kops-ts change, apart from Kubernetes.
 */
import { yaml11 } from './yaml-1-1.js';
import { KopsError } from '../diagnostics.js';
import type { Cluster } from '../model/api/types.js';
import { minorOf, parseKubernetesVersion } from '../model/kubernetes-version.js';
import { controlPlaneHost, API_PORT, kubeProxyEnabled, type BootstrapFacts } from './kubeadm.js';
import { addonsScriptSha256, type AddonDigests, type AddonsCloud, type AddonsVars } from './addons-script.js';
import { createHash } from 'node:crypto';
import { HELM_SHA256 } from './cloud-bootstrap.js';

export const ADDON_API_VERSION = 'addons.kops-ts.io/v1alpha1';

export interface PinnedArtefact {
  readonly version: string;
  /** `helm-chart` (rendered with `helm template` and the values below) or `manifest` (applied as is). */
  readonly format: 'helm-chart' | 'manifest';
  readonly url: string;
  /**
   * sha256 of the artefact at `url`, as 64 lower-case hex digits. Every artefact kops-ts ships has
   * one (test/bootstrap/addons-pins.test.ts); without one `writeBootstrapConfig` would write
   * `ADDONS_ALLOW_UNPINNED='1'` and the first control plane would trust TLS alone for it.
   */
  readonly sha256?: string;
}

/** The versions kops-ts applies (kops's stable channel's lines for Kubernetes >= 1.32). */
export const PINNED_CNI: Readonly<Record<'cilium' | 'calico', PinnedArtefact>> = {
  cilium: {
    version: '1.17.4',
    format: 'helm-chart',
    url: 'https://helm.cilium.io/cilium-1.17.4.tgz',
    // cilium/charts (the repository helm.cilium.io serves): sha256 of cilium-1.17.4.tgz = its index.yaml digest.
    sha256: '06dcedfe25c08c770d193690d561037153e233f9cde31e0705a06802d24cea87',
  },
  calico: {
    version: '3.29.3',
    format: 'manifest',
    url: 'https://raw.githubusercontent.com/projectcalico/calico/v3.29.3/manifests/calico.yaml',
    // projectcalico/calico: sha256 of manifests/calico.yaml at tag v3.29.3 (the bytes raw.githubusercontent.com serves).
    sha256: '9a575859428b822a224dedafc4238555b6b0f910f2abf12983f20f871860914e',
  },
};

/**
 * A manifest kops-ts renders itself (the GCE cloud controller): no upstream URL, so it is a second
 * object of the state store beside `addon.yaml`, read with the cloud's reader. Its sha256 is always
 * there (kops-ts computed it when writing both), and the first control plane refuses an object
 * that does not match it, whatever `ADDONS_ALLOW_UNPINNED` says.
 */
export interface StoredManifest {
  readonly version: string;
  readonly format: 'stored-manifest';
  /** The manifest's object, relative to the cluster's directory: `addons/<name>/<version>/manifest.yaml`. */
  readonly object: string;
  readonly sha256: string;
}

export type AddonSource = PinnedArtefact | StoredManifest;

export interface AddonDescription {
  readonly apiVersion: typeof ADDON_API_VERSION;
  readonly kind: 'Addon';
  readonly name: string;
  readonly version: string;
  readonly source: AddonSource;
  /** Helm values (cilium) or manifest settings (calico) derived from the spec. */
  readonly values: Record<string, unknown>;
}

export interface AddonFile {
  /** Relative to the store's root: `<cluster>/addons/<name>/<version>/addon.yaml`. */
  readonly path: string;
  readonly content: string;
  readonly addon: AddonDescription;
  /** A `stored-manifest` addon's manifest, written beside the description. */
  readonly manifest?: { readonly path: string; readonly content: string };
}

/**
 * A `stored-manifest` addon (a manifest kops-ts renders, kept beside its description; the GCE cloud
 * controller, the cluster autoscaler): the description and the manifest, under
 * `<cluster>/addons/<name>/<tag>-<first 12 hex of the manifest's sha256>/`. `values` are what the
 * manifest was rendered with, for reading only: the script applies the manifest as stored.
 */
export function storedManifestAddon(cluster: string, name: string, tag: string, manifest: string, values: Record<string, unknown>): AddonFile {
  const sha256 = createHash('sha256').update(manifest).digest('hex');
  const version = `${tag}-${sha256.slice(0, 12)}`;
  const dir = `addons/${name}/${version}`;
  const addon: AddonDescription = {
    apiVersion: ADDON_API_VERSION,
    kind: 'Addon',
    name,
    version,
    source: { version, format: 'stored-manifest', object: `${dir}/manifest.yaml`, sha256 },
    values,
  };
  return {
    path: `${cluster}/${dir}/addon.yaml`,
    content: yaml11(addon),
    addon,
    manifest: { path: `${cluster}/${dir}/manifest.yaml`, content: manifest },
  };
}

/** The CNIs whose addon kops-ts applies; `cni` means the user brings one (nothing applied). */
export type AppliedCni = 'cilium' | 'calico';

/**
 * Which CNI addon the spec asks for: cilium, calico, `undefined` for `cni` (bring your own).
 * Any other networking option is refused with the field named (kops-ts does not apply it yet).
 */
export function cniOf(c: Cluster): AppliedCni | undefined {
  const n = c.spec.networking ?? {};
  const set = Object.keys(n).filter((k) => (n as Record<string, unknown>)[k] != null);
  if (set.length !== 1) throw new KopsError('InvalidNetworking', `spec.networking sets ${set.length === 0 ? 'no' : set.join(', ')} networking option${set.length === 1 ? '' : 's'}; exactly one is needed`, { hint: `set one of cilium: {}, calico: {} or cni: {} with kops-ts edit cluster ${c.metadata.name}`, exitCode: 2 });
  const name = set[0]!;
  if (name === 'calico' && (n.calico as { bpfEnabled?: unknown } | undefined)?.bpfEnabled === true) {
    // Calico is applied as its published manifest, whose data plane is iptables: with BPF asked
    // for, kube-proxy is off (validation requires it), and nothing would route Services.
    throw new KopsError('UnsupportedNetworking', "spec.networking.calico.bpfEnabled: kops-ts applies calico's published manifest without its eBPF data plane, and with kube-proxy disabled (as BPF mode requires) no Service would route", {
      hint: `set spec.networking.calico.bpfEnabled: false and spec.kubeProxy.enabled: true with kops-ts edit cluster ${c.metadata.name}, or use cilium: {}, whose kube-proxy replacement kops-ts configures`,
      exitCode: 2,
    });
  }
  if (name === 'cilium' || name === 'calico') return name;
  if (name === 'cni') return undefined;
  throw new KopsError('UnsupportedNetworking', `spec.networking.${name}: kops-ts's node bootstrap applies cilium, calico or nothing (cni: bring your own), not ${name}`, {
    hint: 'use cilium: {} or calico: {}, or cni: {} and install the network yourself once the control plane is up',
    exitCode: 2,
  });
}

function ciliumValues(c: Cluster, facts: Pick<BootstrapFacts, 'loadBalancerDnsName'>): Record<string, unknown> {
  const opts = (c.spec.networking?.cilium ?? {}) as { ipam?: string; enableNodePort?: boolean };
  const replace = !kubeProxyEnabled(c);
  return {
    // Without kube-proxy, cilium must reach the API by the endpoint, not by the service IP.
    kubeProxyReplacement: replace,
    ...(replace ? { k8sServiceHost: controlPlaneHost(c, facts), k8sServicePort: API_PORT } : {}),
    ipam: { mode: opts.ipam === 'eni' ? 'eni' : opts.ipam ?? 'kubernetes' },
    ...(opts.ipam === 'eni' ? { eni: { enabled: true }, routingMode: 'native' } : {}),
    ...(opts.ipam === 'kubernetes' || opts.ipam === undefined ? { ipv4NativeRoutingCIDR: c.spec.podCIDR } : {}),
    nodePort: { enabled: opts.enableNodePort !== false },
  };
}

function calicoValues(c: Cluster): Record<string, unknown> {
  const opts = (c.spec.networking?.calico ?? {}) as { bpfEnabled?: boolean };
  return { CALICO_IPV4POOL_CIDR: c.spec.podCIDR, bpfEnabled: opts.bpfEnabled === true };
}

/** The CNI addon's description path, relative to the cluster's directory; `undefined` with `cni`. */
function cniAddonRel(c: Cluster): string | undefined {
  const cni = cniOf(c);
  return cni ? `addons/${cni}/${PINNED_CNI[cni].version}/addon.yaml` : undefined;
}

/** The pinned CNI addon of the cluster, or `undefined` with `cni` (bring your own). */
export function cniAddon(c: Cluster, facts: Pick<BootstrapFacts, 'loadBalancerDnsName'>): AddonFile | undefined {
  const cni = cniOf(c);
  if (!cni) return undefined;
  const source = PINNED_CNI[cni];
  const addon: AddonDescription = {
    apiVersion: ADDON_API_VERSION,
    kind: 'Addon',
    name: cni,
    version: source.version,
    source,
    values: cni === 'cilium' ? ciliumValues(c, facts) : calicoValues(c),
  };
  return { path: `${c.metadata.name}/${cniAddonRel(c)!}`, content: yaml11(addon), addon };
}

/** The AWS cloud controller's addon name (its directory under `addons/`). */
export const CCM_ADDON_NAME = 'aws-cloud-controller-manager';

/**
 * The AWS cloud controller: upstream's Helm chart (kubernetes/cloud-provider-aws's chart release),
 * with the controller image of the cluster's Kubernetes minor (upstream releases one line per
 * minor and supports it with the same minor of Kubernetes). The chart's version is the addon's
 * version; the image tag is a value, so the path `addons/aws-cloud-controller-manager/<chart>-<tag>/`
 * changes when either does.
 *
 * Chart 0.0.11, not 0.0.8 (2023, for controller v1.27): 0.0.11's ClusterRole adds `create` on
 * tokenreviews and subjectaccessreviews, which a v1.3x controller needs to authenticate and
 * authorise requests to its secure port; the values set here have the same names in both.
 */
export const PINNED_CCM_CHART: PinnedArtefact = {
  version: '0.0.11',
  format: 'helm-chart',
  url: 'https://github.com/kubernetes/cloud-provider-aws/releases/download/helm-chart-aws-cloud-controller-manager-0.0.11/aws-cloud-controller-manager-0.0.11.tgz',
  // kubernetes/cloud-provider-aws, gh-pages:index.yaml (the chart repository): the digest of 0.0.11.
  sha256: '3da2227e83bce236b8278903fb87ad0bc33c5d4da8e5dd521b974ec0c740886f',
};

/**
 * The controller image per Kubernetes minor (`registry.k8s.io/provider-aws/cloud-controller-manager`):
 * the newest patch of each line that registry.k8s.io's promotion list (kubernetes/k8s.io,
 * `registry.k8s.io/images/k8s-staging-provider-aws/images.yaml`) holds. 1.36 has v1.36.1: v1.36.0's
 * image was never built nor promoted, v1.36.1 was promoted later (kubernetes/k8s.io#9796).
 */
export const CCM_IMAGE_TAGS: Readonly<Record<string, string>> = {
  '1.32': 'v1.32.8',
  '1.33': 'v1.33.4',
  '1.34': 'v1.34.3',
  '1.35': 'v1.35.2',
  '1.36': 'v1.36.1',
};

/**
 * The image digest of each tag, as the promotion list maps it (its `cloud-controller-manager`
 * dmap), so containerd pulls `<repository>:<tag>@sha256:<digest>` and a moved tag is refused.
 * v1.36.1 is not in the version of the list read here: its image goes by tag until it is.
 */
export const CCM_IMAGE_DIGESTS: Readonly<Record<string, string>> = {
  'v1.32.8': '1bb79227d3f631d686ee1dfaa36ffcd6780f4d54918b0e54aa5d635a987b3fe5',
  'v1.33.4': 'b54bc094711e9d7ace6c9bab3d6f02a598e7570ac1fedd6341940e1de79ea476',
  'v1.34.3': 'ab45cec4a1ee68a556d09a362746db8fd66b258101aefcf0542f51e960248810',
  'v1.35.2': '5a5d4e5942ad078a184c12bf5435f8226ccb157ee15e9e1f87c183a4bf4b8f1a',
};

export const CCM_IMAGE_REPOSITORY = 'registry.k8s.io/provider-aws/cloud-controller-manager';

/** `tag@sha256:<digest>` when `digests` pins the tag, else the tag: what follows `<repository>:` in the image reference. */
export function pinnedImageTag(tag: string, digests: Readonly<Record<string, string>>): string {
  const digest = digests[tag];
  return digest ? `${tag}@sha256:${digest}` : tag;
}

/**
 * A cloud controller's image tag for the cluster's Kubernetes minor, from `tags` (the controller's
 * pinned tag per minor); a minor without one is refused, as its nodes would never be initialised.
 */
export function controllerImageTag(c: Cluster, tags: Readonly<Record<string, string>>, controller: string): string {
  const parsed = parseKubernetesVersion(c.spec.kubernetesVersion);
  const minor = parsed ? minorOf(parsed) : undefined;
  const tag = minor ? tags[minor] : undefined;
  if (tag) return tag;
  const minors = Object.keys(tags).join(', ');
  throw new KopsError('UnsupportedKubernetesVersion', `spec.kubernetesVersion ${JSON.stringify(c.spec.kubernetesVersion ?? '')}: kops-ts pins the ${controller} for Kubernetes ${minors} only, and nodes keep the uninitialized taint without it`, {
    hint: `set spec.kubernetesVersion to a release of ${minors} with kops-ts edit cluster ${c.metadata.name}`,
    exitCode: 2,
  });
}

/** The pinned AWS cloud-controller-manager addon of the cluster (every AWS cluster runs it: `cloud-provider=external`). */
export function ccmAddon(c: Cluster): AddonFile {
  const tag = controllerImageTag(c, CCM_IMAGE_TAGS, 'AWS cloud controller');
  const name = c.metadata.name;
  const version = `${PINNED_CCM_CHART.version}-${tag}`;
  const addon: AddonDescription = {
    apiVersion: ADDON_API_VERSION,
    kind: 'Addon',
    name: CCM_ADDON_NAME,
    version,
    source: PINNED_CCM_CHART,
    values: {
      // The chart's image is `<repository>:<tag>`: a digest rides in the tag value.
      image: { repository: CCM_IMAGE_REPOSITORY, tag: pinnedImageTag(tag, CCM_IMAGE_DIGESTS) },
      // The cluster's name: the controller finds its instances, subnets and security groups by
      // the kubernetes.io/cluster/<name> tag the engine puts on them. No route management: the
      // CNI routes pods (cilium, calico), not the VPC route tables.
      args: ['--v=2', '--cloud-provider=aws', `--cluster-name=${name}`, '--configure-cloud-routes=false'],
      // Runs before any CNI is ready and before nodes are initialised: on the host network, on
      // control planes, tolerating the taints it exists to remove.
      hostNetworking: true,
      nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
    },
  };
  return { path: `${name}/addons/${CCM_ADDON_NAME}/${version}/addon.yaml`, content: yaml11(addon), addon };
}

/** Whether a control plane would download something without a pinned sha256 (an addon, or helm for a chart). */
export function unpinned(addons: readonly (AddonFile | undefined)[]): boolean {
  return unpinnedSources(addons.map((a) => a?.addon.source));
}

function unpinnedSources(sources: readonly (AddonSource | undefined)[]): boolean {
  const present = sources.filter((s): s is AddonSource => s !== undefined);
  const charts = present.some((s) => s.format === 'helm-chart');
  return present.some((s) => !s.sha256) || (charts && (!HELM_SHA256.amd64 || !HELM_SHA256.arm64));
}

/**
 * What the cluster's control planes apply (addons.sh's header, addons-script.ts): the CNI's,
 * the cloud controller's and (when enabled) the cluster autoscaler's descriptions, relative to the
 * cluster's directory. It depends on the spec
 * only (not on the load balancer's address, which the CNI's values may name), so the plan, which
 * puts addons.sh's sha256 in the launch template, and `update`, which writes addons.sh, agree.
 */
export function addonsVars(c: Cluster, ccm: AddonFile | undefined, autoscaler?: AddonFile): AddonsVars {
  // A networking option the bootstrap cannot serve is refused by writeBootstrapConfig (which calls
  // cniOf first, so no addons.sh is written for it); the plan goes on without a CNI, as before.
  let cniSource: AppliedCni | undefined;
  try {
    cniSource = cniOf(c);
  } catch {
    cniSource = undefined;
  }
  const cni = cniSource ? `addons/${cniSource}/${PINNED_CNI[cniSource].version}/addon.yaml` : undefined;
  const prefix = `${c.metadata.name}/`;
  const open = unpinnedSources([cniSource ? PINNED_CNI[cniSource] : undefined, ccm?.addon.source, autoscaler?.addon.source]);
  const rel = (a: AddonFile) => (a.path.startsWith(prefix) ? a.path.slice(prefix.length) : a.path);
  return {
    ...(cni ? { CNI_ADDON: cni } : {}),
    ...(ccm ? { CCM_ADDON: rel(ccm) } : {}),
    // The cluster autoscaler (cluster-autoscaler.ts), when enabled: applied after the cloud controller.
    ...(autoscaler ? { CA_ADDON: rel(autoscaler) } : {}),
    ADDONS_ALLOW_UNPINNED: open ? '1' : '0',
  };
}

/**
 * The API load balancer's DNS name in the descriptions the plan digests: the plan (the launch
 * templates) is made before the load balancer exists, so its name is left out of the digest, as
 * it is of the cluster configuration's (kubeadm.ts `clusterConfigHash`).
 */
const PLANNED_LOAD_BALANCER = '<the API load balancer>';

/**
 * addons.sh's `digests` (addons-script.ts): the sha256 of each description the control planes
 * apply, keyed by its path relative to the cluster's directory, rendered from the spec alone (the
 * load balancer's name left out). What a spec change can alter in a description without a new
 * version (the CNI's values: its options, the pod CIDR, kube-proxy replacement; the cloud
 * controller's values, or a stored manifest's sha256) changes a digest, and so addons.sh's sha256
 * in the control planes' launch templates, and nothing else. A networking option the bootstrap
 * refuses has no digest, as `addonsVars` names no CNI for it.
 */
export function addonDigests(c: Cluster, ccm: AddonFile | undefined, autoscaler?: AddonFile): AddonDigests {
  let cni: AddonFile | undefined;
  try {
    cni = cniAddon(c, { loadBalancerDnsName: PLANNED_LOAD_BALANCER });
  } catch {
    cni = undefined;
  }
  const prefix = `${c.metadata.name}/`;
  const out: Record<string, string> = {};
  for (const a of [cni, ccm, autoscaler]) {
    if (a) out[a.path.startsWith(prefix) ? a.path.slice(prefix.length) : a.path] = createHash('sha256').update(a.content).digest('hex');
  }
  return out;
}

/** The sha256 of the control planes' addons.sh (`addons:` in their identity file), as `update` writes it (store.ts). */
export function addonsSha256(cloud: AddonsCloud, c: Cluster, ccm: AddonFile | undefined, autoscaler?: AddonFile): string {
  return addonsScriptSha256(cloud, addonsVars(c, ccm, autoscaler), addonDigests(c, ccm, autoscaler));
}
