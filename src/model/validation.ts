/**
 * `validateCluster`: every problem of a spec at once, each with its spec path
 * (`spec.subnets[2].cidr: 10.0.0.0/33 is not a valid CIDR`). Nothing stops at the first error.
 */
import semver from 'semver';
import type { Diagnostic } from '../diagnostics.js';
import { NEWEST_SUPPORTED_KUBERNETES_MINOR, OLDEST_SUPPORTED_KUBERNETES_VERSION } from '../version.js';
import { cloudProviderOf, type Cluster, type InstanceGroup } from './api/types.js';
import { validateEtcd } from './validation-etcd.js';
import { validateInstanceGroups } from './validation-instancegroups.js';
import { validateNetwork } from './validation-network.js';
import { checkIntOrPercent, isDnsSubdomain, reporter, type Reporter } from './validation-util.js';

export interface ValidateOptions {
  readonly file?: string;
  /** The last applied (completed) spec: upgrades are checked against it. */
  readonly previous?: Cluster;
}

const SUPPORTED_CLOUDS = ['aws', 'gce'];

export function validateCluster(cluster: Cluster, instanceGroups: readonly InstanceGroup[], opts: ValidateOptions = {}): Diagnostic[] {
  const r = reporter(opts.file);
  const name = cluster.metadata?.name ?? '';
  if (!isDnsSubdomain(name) || !name.includes('.')) {
    r.err('InvalidClusterName', 'metadata.name', `${JSON.stringify(name)} is not a valid cluster name`, 'use a DNS name with at least one dot, e.g. my-cluster.example.com or my-cluster.k8s.local');
  }
  const spec = cluster.spec ?? {};
  const cloud = cloudProviderOf(spec);
  if (!cloud) r.err('MissingCloudProvider', 'spec.cloudProvider', 'no cloud provider is set', 'set cloudProvider: aws (or gce)');
  else if (!SUPPORTED_CLOUDS.includes(cloud)) r.err('UnsupportedCloudProvider', 'spec.cloudProvider', `cloud provider ${cloud} is not supported`, 'kops-ts supports aws and gce');
  validateVersion(r, spec.kubernetesVersion, opts.previous?.spec?.kubernetesVersion);
  validateNetwork(r, spec, cloud);
  validateEtcd(r, spec, instanceGroups);
  validateInstanceGroups(r, spec, instanceGroups, name, cloud);
  checkIntOrPercent(r, 'spec.rollingUpdate.maxSurge', spec.rollingUpdate?.maxSurge);
  checkIntOrPercent(r, 'spec.rollingUpdate.maxUnavailable', spec.rollingUpdate?.maxUnavailable);
  return r.out;
}

export function parseKubernetesVersion(v: string | undefined): semver.SemVer | undefined {
  if (typeof v !== 'string' || !/^v?\d+\.\d+\.\d+([-+].*)?$/.test(v)) return undefined;
  return semver.parse(v.replace(/^v/, '')) ?? undefined;
}

/**
 * Version rules: within what kops-ts supports, and (against the last applied version) Kubernetes'
 * skew policy: the control plane moves one minor at a time and never silently downgrades, so the
 * nodes, which follow it, stay within the supported skew.
 */
function validateVersion(r: Reporter, version: string | undefined, previous: string | undefined): void {
  const path = 'spec.kubernetesVersion';
  if (version === undefined) return; // completion fills it in
  const v = parseKubernetesVersion(version);
  if (!v) {
    r.err('InvalidKubernetesVersion', path, `${JSON.stringify(version)} is not a Kubernetes version`, 'use a version such as 1.36.3');
    return;
  }
  if (semver.lt(v, OLDEST_SUPPORTED_KUBERNETES_VERSION)) {
    r.err('UnsupportedKubernetesVersion', path, `Kubernetes ${version} is older than the oldest supported version ${OLDEST_SUPPORTED_KUBERNETES_VERSION}`, `use ${OLDEST_SUPPORTED_KUBERNETES_VERSION} or newer`);
  }
  const newest = semver.coerce(NEWEST_SUPPORTED_KUBERNETES_MINOR)!;
  if (v.major > newest.major || (v.major === newest.major && v.minor > newest.minor)) {
    r.err('UnsupportedKubernetesVersion', path, `Kubernetes ${version} is newer than kops-ts supports (up to ${NEWEST_SUPPORTED_KUBERNETES_MINOR}.x)`, 'upgrade kops-ts, or pick an older version');
  }
  const prev = parseKubernetesVersion(previous);
  if (!prev) return;
  if (v.major === prev.major && v.minor > prev.minor + 1) {
    r.err('VersionSkew', path, `upgrading from ${previous} to ${version} skips a minor version`, `upgrade one minor at a time: first to ${prev.major}.${prev.minor + 1}.x`);
  }
  if (semver.lt(v, prev) && (v.major !== prev.major || v.minor !== prev.minor)) {
    r.err('VersionSkew', path, `${version} is a downgrade from the running ${previous}`, 'Kubernetes does not support downgrading the control plane by a minor version');
  }
}
