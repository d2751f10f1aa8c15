/**
 * The Kubernetes version: it parses, it is in the range kops-ts supports, and (against the last
 * applied spec) it moves as Kubernetes' version-skew policy allows.
 *
 * Every instance group runs the cluster's version, and `rolling-update` replaces the control plane
 * before the nodes. So during an upgrade the nodes lag the control plane by the distance between
 * the previous and the new version; allowing one minor at a time, and never a minor downgrade,
 * keeps kubelets within the skew the API server supports and never newer than it.
 */
import semver from 'semver';
import { NEWEST_SUPPORTED_KUBERNETES_MINOR, OLDEST_SUPPORTED_KUBERNETES_VERSION } from '../version.js';
import { OLDEST_RECOMMENDED_KUBERNETES_VERSION } from './defaults.js';
import { minorOf, parseKubernetesVersion } from './kubernetes-version.js';
import type { Reporter } from './validation-util.js';

const PATH = 'spec.kubernetesVersion';

export function validateKubernetesVersion(r: Reporter, version: unknown, previous: unknown): void {
  if (version == null) return; // completion fills it in from the channel
  const v = parseKubernetesVersion(version);
  if (!v) {
    r.err('InvalidKubernetesVersion', PATH, `${JSON.stringify(version)} is not a Kubernetes version`, 'use a full version such as 1.36.3 (a leading v is allowed)');
    return;
  }
  checkSupported(r, v);
  const prev = parseKubernetesVersion(previous);
  if (prev) checkSkew(r, v, prev);
}

function checkSupported(r: Reporter, v: semver.SemVer): void {
  const oldest = semver.parse(OLDEST_SUPPORTED_KUBERNETES_VERSION)!;
  const newest = semver.coerce(NEWEST_SUPPORTED_KUBERNETES_MINOR)!;
  const range = `${minorOf(oldest)} to ${minorOf(newest)}`;
  const plain = `${v.major}.${v.minor}.${v.patch}`;
  if (semver.lt(plain, oldest)) {
    r.err(
      'UnsupportedKubernetesVersion',
      PATH,
      `Kubernetes ${v.version} is no longer supported (kops-ts supports ${range})`,
      `use ${OLDEST_SUPPORTED_KUBERNETES_VERSION} or newer; upgrade an older cluster with kops first`,
    );
  } else if (v.major > newest.major || (v.major === newest.major && v.minor > newest.minor)) {
    r.err('UnsupportedKubernetesVersion', PATH, `Kubernetes ${v.version} is newer than kops-ts supports (${range})`, `use ${minorOf(newest)}.x or older, or upgrade kops-ts`);
  } else if (semver.lt(plain, OLDEST_RECOMMENDED_KUBERNETES_VERSION)) {
    r.warn(
      'DeprecatedKubernetesVersion',
      PATH,
      `support for Kubernetes ${minorOf(v)} is deprecated and will be removed`,
      `upgrade to ${minorOf(semver.parse(OLDEST_RECOMMENDED_KUBERNETES_VERSION)!)} or newer, one minor version at a time`,
    );
  }
}

function checkSkew(r: Reporter, v: semver.SemVer, prev: semver.SemVer): void {
  const from = prev.version;
  if (v.major !== prev.major) {
    r.err('VersionSkew', PATH, `changing the major version from ${from} to ${v.version} is not supported`);
  } else if (v.minor > prev.minor + 1) {
    r.err(
      'VersionSkew',
      PATH,
      `upgrading from ${from} to ${v.version} skips ${v.minor - prev.minor - 1} minor version${v.minor - prev.minor > 2 ? 's' : ''}`,
      `upgrade one minor version at a time: first to ${prev.major}.${prev.minor + 1}.x, apply and roll, then on`,
    );
  } else if (v.minor < prev.minor) {
    r.err(
      'VersionSkew',
      PATH,
      `${v.version} would downgrade the running ${from} by a minor version`,
      `Kubernetes does not support minor downgrades; keep ${minorOf(prev)}.x or newer`,
    );
  } else if (semver.lt(v, prev)) {
    r.warn('VersionDowngrade', PATH, `${v.version} downgrades the running ${from} (a patch downgrade)`, 'make sure this is intended');
  }
}
