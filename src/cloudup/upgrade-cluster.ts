/**
 * `upgrade cluster`: what a channel (or `--kubernetes-version`) says the cluster should run, as
 * kops's `ITEM PROPERTY OLD NEW` actions, refused where Kubernetes' version-skew policy forbids the
 * move; with `yes`, written to the spec (Cluster, and the instance groups whose image follows the
 * channel) through the clientset, which keeps the replaced versions in the history. Nothing in the
 * cloud changes: `update cluster` and a rolling update apply it.
 *
 * The skew checks (kops-ts runs one `spec.kubernetesVersion` for the whole cluster, so nodes and
 * control plane share it; `rolling-update` replaces the control plane first):
 * - the control plane moves at most one minor version at a time, measured from the version last
 *   applied (the completed spec) when there is one, else from the spec: the kubelets of nodes not
 *   yet rolled then lag by at most one minor (Kubernetes allows three), and never run ahead;
 * - no major change; no downgrade unless `force` (a minor downgrade below the applied version is
 *   refused by validation even then, since Kubernetes does not support it);
 * - the target must be in a range the channel lists, and not below that range's requiredVersion;
 * - against the nodes actually running, when the Kubernetes API can be read: no kubelet more than
 *   three minor versions behind the target (nodes not rolled since earlier upgrades keep their old
 *   kubelet), and none newer than it. Unreadable (no kubeconfig, API down): a warning, and the
 *   check rests on the applied spec as above.
 */
import semver from 'semver';
import { KopsError, hasErrors, warning, type Diagnostic } from '../diagnostics.js';
import { completeCluster } from '../model/completion.js';
import { architectureOf } from '../model/defaults.js';
import { minorOf, parseKubernetesVersion } from '../model/kubernetes-version.js';
import { validateCluster } from '../model/validation.js';
import { cloudProviderOf, type Cluster, type InstanceGroup } from '../model/api/types.js';
import type { Clientset } from '../statestore/clientset.js';
import { NEWEST_SUPPORTED_KUBERNETES_MINOR, OLDEST_SUPPORTED_KUBERNETES_VERSION } from '../version.js';
import { findImage, findKubernetesVersion, type Channel } from './channels.js';
import { invalidSpec } from './create-cluster.js';

export interface UpgradeAction {
  /** `Cluster` or `InstanceGroup/<name>`. */
  readonly item: string;
  /** `KubernetesVersion`, `Channel` or `Image`. */
  readonly property: string;
  readonly old: string;
  readonly new: string;
}

export interface UpgradeInput {
  readonly cluster: Cluster;
  readonly instanceGroups: readonly InstanceGroup[];
  /** The last applied (completed) spec, if the cluster was ever applied. */
  readonly applied?: Cluster;
  readonly channel: Channel;
  /** `--channel` as given: becomes `spec.channel` when it differs. */
  readonly channelFlag?: string;
  /** `--kubernetes-version`. */
  readonly kubernetesVersion?: string;
  /** `--force`: allow a downgrade. */
  readonly force?: boolean;
  /** The kubelet versions the running nodes report, when they could be read. */
  readonly kubelets?: readonly RunningKubelet[];
}

/** A node and the kubelet version it reports (`v1.35.2`). */
export interface RunningKubelet {
  readonly node: string;
  readonly version: string;
}

/** How far a kubelet may lag kube-apiserver (Kubernetes' version-skew policy since 1.28). */
export const MAX_KUBELET_MINOR_LAG = 3;

export interface UpgradePlan {
  readonly actions: readonly UpgradeAction[];
  /** The objects as they would be written (only those with actions). */
  readonly cluster?: Cluster;
  readonly instanceGroups: readonly InstanceGroup[];
  readonly warnings: readonly Diagnostic[];
  /** The version the cluster moves to. */
  readonly target: string;
}

/** Images kops treats as the channel's (HasUpstreamImagePrefix): upgraded with the channel. */
const UPSTREAM_IMAGE_PREFIXES = [
  '099720109477/ubuntu/images/',
  '136693071363/debian-',
  '137112412989/amzn2-ami-',
  '137112412989/al2023-ami-',
  'ubuntu-os-cloud/',
  'cos-cloud/',
  'debian-cloud/',
];

function refuse(code: string, message: string, hint: string): KopsError {
  return new KopsError(code, message, { hint, exitCode: 2 });
}

function plain(v: semver.SemVer): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/**
 * The version the channel proposes for `current`: its line's recommendation, or the next minor's;
 * never past `maxMinor` (one above what the control plane runs, when an earlier upgrade of the
 * spec has not been applied yet).
 */
export function proposedVersion(channel: Channel, current: semver.SemVer, maxMinor: number = current.minor + 1): semver.SemVer {
  let best = current;
  const consider = (s: string | undefined) => {
    const v = s ? semver.parse(s) : null;
    if (v && v.major === current.major && v.minor <= Math.min(current.minor + 1, maxMinor) && semver.gt(v, best)) best = v;
  };
  consider(findKubernetesVersion(channel, plain(current))?.recommendedVersion);
  const next = semver.parse(`${current.major}.${current.minor + 1}.0`)!;
  const newest = semver.coerce(NEWEST_SUPPORTED_KUBERNETES_MINOR)!;
  if (next.minor <= newest.minor || next.major < newest.major) {
    const entry = findKubernetesVersion(channel, next.version);
    // Only an entry meant for the next line (a `>=1.35.0` entry also matches 1.36.0: skip it).
    if (entry?.recommendedVersion && semver.parse(entry.recommendedVersion)?.minor === next.minor) consider(entry.recommendedVersion);
  }
  return best;
}

/** Refuses a target the skew policy, the channel or kops-ts's range forbids; says the allowed path. */
export function checkTarget(channel: Channel, from: semver.SemVer, target: semver.SemVer, opts: { cluster: string; force?: boolean }): void {
  const oldest = semver.parse(OLDEST_SUPPORTED_KUBERNETES_VERSION)!;
  const newest = semver.coerce(NEWEST_SUPPORTED_KUBERNETES_MINOR)!;
  const range = `${minorOf(oldest)} to ${minorOf(newest)}`;
  if (semver.lt(plain(target), oldest) || target.major > newest.major || (target.major === newest.major && target.minor > newest.minor)) {
    throw refuse('UnsupportedKubernetesVersion', `Kubernetes ${target.version} is outside what kops-ts supports (${range})`, `choose a version from ${range}`);
  }
  if (target.major !== from.major) {
    throw refuse('VersionSkew', `changing the major version from ${from.version} to ${target.version} is not supported`, `stay on ${from.major}.x`);
  }
  if (target.minor > from.minor + 1) {
    const step = `${from.major}.${from.minor + 1}`;
    const rec = findKubernetesVersion(channel, `${step}.0`)?.recommendedVersion;
    const stepVersion = rec && semver.parse(rec)?.minor === from.minor + 1 ? rec : `${step}.x`;
    throw refuse(
      'VersionSkew',
      `the control plane runs ${from.version}: ${target.version} would move it ${target.minor - from.minor} minor versions at once, which Kubernetes' version-skew policy does not allow`,
      `upgrade to ${step} first (kops-ts upgrade cluster --name ${opts.cluster} --kubernetes-version ${stepVersion} --yes, then update and roll the cluster), then to ${from.major}.${from.minor + 2}, one minor at a time`,
    );
  }
  if (semver.lt(target, from) && !opts.force) {
    throw refuse(
      'VersionDowngrade',
      `${target.version} is older than the ${from.version} the cluster runs: a downgrade`,
      target.minor < from.minor ? 'Kubernetes does not support minor downgrades; keep the current version' : 'pass --force to downgrade the patch version anyway',
    );
  }
  const entry = findKubernetesVersion(channel, plain(target));
  if (!entry) {
    throw refuse('VersionNotInChannel', `channel ${channel.source} lists no Kubernetes range holding ${target.version}`, `choose a version the channel lists, or another channel with --channel`);
  }
  if (entry.requiredVersion && semver.lt(plain(target), entry.requiredVersion)) {
    throw refuse(
      'VersionBelowRequired',
      `channel ${channel.source} requires at least ${entry.requiredVersion} for ${entry.range}; ${target.version} is below it`,
      `use ${entry.recommendedVersion ?? entry.requiredVersion} (the channel's recommendation) or newer`,
    );
  }
}

/**
 * Refuses a target the running kubelets forbid: one more than MAX_KUBELET_MINOR_LAG minors ahead
 * of the oldest, or behind the newest (a kubelet must never be newer than the API server).
 */
export function checkKubelets(kubelets: readonly RunningKubelet[], target: semver.SemVer, cluster: string): void {
  const parsed = kubelets.flatMap((k) => {
    const v = semver.coerce(k.version);
    return v ? [{ node: k.node, text: k.version, v }] : [];
  });
  if (parsed.length === 0) return;
  const oldest = parsed.reduce((a, b) => (semver.lt(b.v, a.v) ? b : a));
  const newest = parsed.reduce((a, b) => (semver.gt(b.v, a.v) ? b : a));
  const behind = oldest.v.major === target.major ? target.minor - oldest.v.minor : Infinity;
  if (behind > MAX_KUBELET_MINOR_LAG) {
    const count = parsed.filter((k) => k.v.major !== target.major || target.minor - k.v.minor > MAX_KUBELET_MINOR_LAG).length;
    throw refuse(
      'KubeletSkew',
      `node ${oldest.node}${count > 1 ? ` (and ${count - 1} more)` : ''} runs kubelet ${oldest.text}: with the control plane on ${target.version} it would be ${behind === Infinity ? 'a major version' : `${behind} minor versions`} behind, and Kubernetes allows ${MAX_KUBELET_MINOR_LAG}`,
      `replace those nodes first (kops-ts rolling-update cluster --name ${cluster} --yes rolls them to the version the cluster is on), then upgrade`,
    );
  }
  if (newest.v.major > target.major || (newest.v.major === target.major && newest.v.minor > target.minor)) {
    throw refuse(
      'KubeletSkew',
      `node ${newest.node} runs kubelet ${newest.text}, newer than ${target.version}: a kubelet must not be newer than the control plane`,
      `choose ${newest.v.major}.${newest.v.minor} or newer`,
    );
  }
}

function channelManaged(image: string | undefined, channel: Channel): boolean {
  if (image === undefined || image.trim() === '') return true;
  return channel.images.some((im) => im.name === image) || UPSTREAM_IMAGE_PREFIXES.some((p) => image.startsWith(p));
}

/** The upgrade's actions and the objects as they would be written; throws when refused. */
export function planUpgrade(input: UpgradeInput): UpgradePlan {
  const completed = completeCluster(input.cluster, input.instanceGroups);
  const specVersionText = input.cluster.spec.kubernetesVersion ?? completed.cluster.spec.kubernetesVersion ?? '';
  const specVersion = parseKubernetesVersion(specVersionText);
  if (!specVersion) {
    throw refuse('InvalidKubernetesVersion', `spec.kubernetesVersion ${JSON.stringify(specVersionText)} of cluster ${input.cluster.metadata.name} is not a Kubernetes version`, 'fix it with kops-ts edit cluster first');
  }
  const applied = parseKubernetesVersion(input.applied?.spec.kubernetesVersion);
  // Skew is measured from what runs: the applied version (the spec may be ahead, not yet applied).
  const from = applied && semver.lt(applied, specVersion) ? applied : specVersion;
  let target: semver.SemVer;
  if (input.kubernetesVersion !== undefined) {
    const t = parseKubernetesVersion(input.kubernetesVersion);
    if (!t) throw refuse('InvalidKubernetesVersion', `--kubernetes-version ${JSON.stringify(input.kubernetesVersion)} is not a Kubernetes version`, 'use a full version such as 1.36.3');
    target = t;
  } else {
    target = proposedVersion(input.channel, specVersion, from.major === specVersion.major ? from.minor + 1 : specVersion.minor);
  }
  if (semver.neq(target, specVersion) || input.kubernetesVersion !== undefined) {
    checkTarget(input.channel, from, target, { cluster: input.cluster.metadata.name, ...(input.force ? { force: true } : {}) });
    if (input.kubelets) checkKubelets(input.kubelets, target, input.cluster.metadata.name);
  }
  const actions: UpgradeAction[] = [];
  const cluster = structuredClone(input.cluster);
  let clusterChanged = false;
  if (input.channelFlag !== undefined && input.channelFlag !== (input.cluster.spec.channel ?? '')) {
    actions.push({ item: 'Cluster', property: 'Channel', old: input.cluster.spec.channel ?? '', new: input.channelFlag });
    cluster.spec.channel = input.channelFlag;
    clusterChanged = true;
  }
  const targetText = target.version;
  if (semver.neq(target, specVersion)) {
    actions.push({ item: 'Cluster', property: 'KubernetesVersion', old: specVersionText, new: targetText });
    cluster.spec.kubernetesVersion = targetText;
    clusterChanged = true;
  }
  const cloud = cloudProviderOf(completed.cluster.spec) ?? 'aws';
  const igs: InstanceGroup[] = [];
  const pinned: Diagnostic[] = [];
  for (const ig of input.instanceGroups) {
    if (!channelManaged(ig.spec.image, input.channel)) {
      if (semver.neq(target, specVersion)) {
        pinned.push(
          warning('CustomImageKept', `instance group ${ig.metadata.name} keeps its own image ${ig.spec.image}: the channel does not manage it`, {
            path: `InstanceGroup/${ig.metadata.name} spec.image`,
            hint: `make sure it can run Kubernetes ${targetText}`,
          }),
        );
      }
      continue;
    }
    const machineType = completed.instanceGroups.find((g) => g.metadata.name === ig.metadata.name)?.spec.machineType ?? ig.spec.machineType ?? '';
    const image = findImage(input.channel, cloud, targetText, architectureOf(machineType))?.name;
    if (!image || image === ig.spec.image) continue;
    actions.push({ item: `InstanceGroup/${ig.metadata.name}`, property: 'Image', old: ig.spec.image ?? '', new: image });
    const next = structuredClone(ig);
    next.spec.image = image;
    igs.push(next);
  }
  const merged = input.instanceGroups.map((g) => igs.find((n) => n.metadata.name === g.metadata.name) ?? g);
  const completedNext = completeCluster(cluster, merged);
  const diags = validateCluster(completedNext.cluster, completedNext.instanceGroups, input.applied ? { previous: input.applied } : {});
  if (actions.length > 0 && hasErrors(diags)) throw invalidSpec(diags);
  return { actions, ...(clusterChanged ? { cluster } : {}), instanceGroups: igs, warnings: [...pinned, ...diags.filter((d) => d.severity === 'warning')], target: targetText };
}

/** Writes an upgrade plan: the Cluster (conditional on `clusterVersion`), then each instance group. */
export async function writeUpgrade(cs: Clientset, name: string, plan: UpgradePlan, versions: { cluster: string; instanceGroups: ReadonlyMap<string, string> }): Promise<void> {
  if (plan.cluster) await cs.updateCluster(plan.cluster, versions.cluster);
  for (const ig of plan.instanceGroups) {
    const v = versions.instanceGroups.get(ig.metadata.name);
    if (v === undefined) throw new KopsError('InstanceGroupNotFound', `instance group "${ig.metadata.name}" disappeared from cluster "${name}" during the upgrade`, { hint: 're-run the upgrade' });
    await cs.updateInstanceGroup(name, ig, v);
  }
}

export interface UpgradeClusterOptions {
  readonly clientset: Clientset;
  readonly clusterName: string;
  readonly channel: Channel;
  readonly channelFlag?: string;
  readonly kubernetesVersion?: string;
  readonly force?: boolean;
  readonly yes?: boolean;
  /**
   * Reads the running nodes' kubelet versions (the CLI: through the cluster's kubeconfig
   * context). Asked only when the Kubernetes version would change; a failure is a warning.
   */
  readonly kubelets?: () => Promise<readonly RunningKubelet[]>;
}

export interface UpgradeClusterResult extends UpgradePlan {
  readonly written: boolean;
}

/** Reads the spec, plans the upgrade and (with `yes` and something to do) writes it. */
export async function upgradeCluster(o: UpgradeClusterOptions): Promise<UpgradeClusterResult> {
  const cs = o.clientset;
  const current = await cs.getCluster(o.clusterName);
  const igs = await cs.listInstanceGroups(o.clusterName);
  const applied = await cs.readCompletedSpec(o.clusterName);
  const input: UpgradeInput = {
    cluster: current.object,
    instanceGroups: igs.map((v) => v.object),
    channel: o.channel,
    ...(applied ? { applied: applied.object } : {}),
    ...(o.channelFlag !== undefined ? { channelFlag: o.channelFlag } : {}),
    ...(o.kubernetesVersion !== undefined ? { kubernetesVersion: o.kubernetesVersion } : {}),
    ...(o.force ? { force: true } : {}),
  };
  let plan = planUpgrade(input);
  if (o.kubelets && plan.actions.some((a) => a.property === 'KubernetesVersion')) {
    const running = await o.kubelets().then(
      (kubelets) => ({ kubelets }),
      (e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }),
    );
    if ('kubelets' in running) plan = planUpgrade({ ...input, kubelets: running.kubelets });
    else {
      const unchecked = warning('KubeletsUnchecked', `the running nodes' kubelet versions could not be read (${running.error}): the skew was checked against the applied spec only`, {
        hint: `make sure no node runs a kubelet more than ${MAX_KUBELET_MINOR_LAG} minor versions behind ${plan.target}`,
      });
      plan = { ...plan, warnings: [unchecked, ...plan.warnings] };
    }
  }
  if (!o.yes || plan.actions.length === 0) return { ...plan, written: false };
  await writeUpgrade(cs, o.clusterName, plan, { cluster: current.version, instanceGroups: new Map(igs.map((v) => [v.object.metadata.name, v.version])) });
  return { ...plan, written: true };
}
