/** Small helpers shared by the validation files. */
import { error, type Diagnostic } from '../diagnostics.js';
import { cidrProblem } from './cidr.js';

export interface Reporter {
  /** Adds an error at `path` (already prefixed for instance groups). */
  readonly err: (code: string, path: string, summary: string, hint?: string) => void;
  readonly out: Diagnostic[];
}

export function reporter(file: string | undefined, out: Diagnostic[] = []): Reporter {
  return {
    out,
    err: (code, path, summary, hint) => out.push(error(code, summary, { path, ...(file ? { file } : {}), ...(hint ? { hint } : {}) })),
  };
}

/** DNS-1123 label: lower-case alphanumerics and '-', 1-63, starting and ending alphanumeric. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && name.split('.').every((l) => DNS_LABEL.test(l));
}

export function checkCidr(r: Reporter, path: string, value: unknown, what = 'CIDR'): boolean {
  if (typeof value !== 'string') return false;
  const problem = cidrProblem(value);
  if (problem) r.err('InvalidCIDR', path, `${value} ${problem}`, `give a valid ${what}, e.g. 10.0.0.0/16`);
  return !problem;
}

/** kops's IntOrString rules for maxSurge / maxUnavailable. */
export function checkIntOrPercent(r: Reporter, path: string, v: unknown): void {
  if (v === undefined) return;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return;
  if (typeof v === 'string' && /^\d+%$/.test(v) && Number(v.slice(0, -1)) <= 100) return;
  r.err('InvalidRollingUpdate', path, `${JSON.stringify(v)} is not a whole number >= 0 or a percentage`, 'use e.g. 1 or "25%"');
}

/** The region of an AWS zone (`us-east-1a` → `us-east-1`) or a GCE zone (`us-central1-a` → `us-central1`). */
export function regionOfZone(zone: string): string {
  if (/-[a-z]$/.test(zone) && /\d-[a-z]$/.test(zone)) return zone.replace(/-[a-z]$/, '');
  return zone.replace(/[a-z]$/, '');
}
