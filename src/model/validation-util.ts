/** Small helpers shared by the validation files. */
import { error, warning, type Diagnostic } from '../diagnostics.js';
import { cidrProblem, parseCidr, type Cidr } from './cidr.js';

export interface Reporter {
  /** Adds an error at `path` (already prefixed for instance groups). */
  readonly err: (code: string, path: string, summary: string, hint?: string) => void;
  readonly warn: (code: string, path: string, summary: string, hint?: string) => void;
  readonly out: Diagnostic[];
}

export function reporter(file: string | undefined, out: Diagnostic[] = []): Reporter {
  const where = (path: string, hint?: string) => ({ path, ...(file ? { file } : {}), ...(hint ? { hint } : {}) });
  return {
    out,
    err: (code, path, summary, hint) => out.push(error(code, summary, where(path, hint))),
    warn: (code, path, summary, hint) => out.push(warning(code, summary, where(path, hint))),
  };
}

/** A kops field kops-ts acts on only on `onlyOn`, present on another cloud: kept as is, with a warning. */
export function warnOtherCloud(r: Reporter, path: string, onlyOn: 'AWS' | 'GCE', cloud: string | undefined, hint = 'remove it'): void {
  r.warn('FieldNotActedOn', path, `a kops field that kops-ts acts on only on ${onlyOn}; kept as is on ${cloud ?? 'this cloud'}`, hint);
}

/** DNS-1123 label: lower-case alphanumerics and '-', 1-63 long, alphanumeric at both ends. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isDnsLabel(name: unknown): name is string {
  return typeof name === 'string' && DNS_LABEL.test(name);
}

/** DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
export function isDnsSubdomain(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 253 && name.split('.').every((l) => DNS_LABEL.test(l));
}

/** A cluster name kops-ts accepts: a DNS-1123 subdomain with at least one dot (validateCluster's rule). */
export function isValidClusterName(name: unknown): name is string {
  return isDnsSubdomain(name) && name.includes('.');
}

/** Reports `value` unless it is a valid CIDR; returns the parsed CIDR when it is one. */
export function checkCidr(r: Reporter, path: string, value: unknown, what = 'CIDR'): Cidr | undefined {
  if (typeof value !== 'string') return undefined;
  const problem = cidrProblem(value);
  if (problem) {
    r.err('InvalidCIDR', path, `${value} ${problem}`, `give a valid ${what}, e.g. ${value.includes(':') ? '2001:db8::/56' : '10.0.0.0/16'}`);
    return undefined;
  }
  return parseCidr(value);
}

/** kops's IntOrString rules for maxSurge / maxUnavailable: a whole number >= 0, or `N%`. */
export function intOrPercentProblem(v: unknown): string | undefined {
  if (v == null) return undefined;
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? undefined : `${v} is not a whole number >= 0`;
  if (typeof v === 'string' && /^\d+%$/.test(v)) return undefined;
  return `${JSON.stringify(v)} is not a whole number >= 0 or a percentage such as "25%"`;
}

/** Zero as kops reads it: `0`, or `"0%"`. */
export function isZero(v: unknown): boolean {
  return v === 0 || (typeof v === 'string' && /^0+%$/.test(v));
}

/**
 * The region of a zone: AWS `us-east-1a` → `us-east-1` (also local zones such as
 * `us-west-2-lax-1a` → `us-west-2`), GCE `us-central1-a` → `us-central1`.
 */
export function regionOfZone(zone: string, cloud?: string): string {
  if (cloud === 'gce' || (cloud === undefined && /^[a-z]+-[a-z]+\d+-[a-z]$/.test(zone))) return zone.replace(/-[a-z]$/, '');
  const aws = /^([a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+)/.exec(zone);
  return aws ? aws[1]! : zone.replace(/[a-z]$/, '');
}

/** `InstanceGroup/<name> <field>`: where a problem of an instance group is. */
export function igPath(name: string, field: string): string {
  return `InstanceGroup/${name} ${field}`;
}
