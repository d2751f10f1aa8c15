/**
 * Kubernetes versions as the spec holds them: `1.36.3` or `v1.36.3` (kops writes the `v` in the
 * user's spec and strips it in the completed one), optionally with a pre-release suffix.
 */
import semver from 'semver';

const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** The version, or `undefined` when `v` is not a full Kubernetes version. */
export function parseKubernetesVersion(v: unknown): semver.SemVer | undefined {
  if (typeof v !== 'string' || !VERSION.test(v.trim())) return undefined;
  return semver.parse(v.trim().replace(/^v/, '')) ?? undefined;
}

/** `v1.36.3` → `1.36.3`, as kops normalises the completed spec; other text is returned as is. */
export function normalizeKubernetesVersion(v: string): string {
  return parseKubernetesVersion(v) ? v.trim().replace(/^v/, '') : v;
}

/** The minor version line, e.g. `1.36`. */
export function minorOf(v: semver.SemVer): string {
  return `${v.major}.${v.minor}`;
}
