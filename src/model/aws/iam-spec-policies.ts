/**
 * kops's `spec.additionalPolicies` and `spec.externalPolicies`: the user's own grants for the
 * instance roles, by role key. Read here for both the validation (src/model/validation-iam-policies.ts)
 * and the IAM model (iam.ts), so the two agree on what a key means and what a statement is.
 *
 * Role keys are kops's (pkg/apis/kops/validation: the instance-group roles, lower case, with
 * `control-plane` for the control plane); v1alpha2 also takes `master`, which kops converts to
 * `control-plane` (pkg/apis/kops/v1alpha2/conversion.go). kops's newer roles without instances of
 * their own in kops-ts (etcd, scheduler, kube-controller-manager) are not keys here.
 */
import { KopsError } from '../../diagnostics.js';
import type { ClusterSpec } from '../api/types.js';

export type RolePrefix = 'masters' | 'nodes' | 'bastions' | 'apiservers';

/** A statement as the user wrote it (checked by `parseAdditionalPolicy`; may use NotAction, no Sid). */
export type SpecStatement = Readonly<Record<string, unknown>>;

/** The inline policy document built from a role's additional statements. */
export interface AdditionalPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly SpecStatement[];
}

/** The keys kops accepts, by the role group they name (`master` is v1alpha2's `control-plane`). */
export const POLICY_ROLE_KEYS: Readonly<Record<RolePrefix, readonly string[]>> = {
  masters: ['control-plane', 'master'],
  nodes: ['node'],
  bastions: ['bastion'],
  apiservers: ['apiserver'],
};

export const ALL_POLICY_ROLE_KEYS: readonly string[] = Object.values(POLICY_ROLE_KEYS).flat();

/** The role group a key names, or undefined for a key that is not a role. */
export function prefixOfRoleKey(key: string): RolePrefix | undefined {
  return (Object.keys(POLICY_ROLE_KEYS) as RolePrefix[]).find((p) => POLICY_ROLE_KEYS[p].includes(key));
}

/**
 * A managed policy's ARN: an AWS managed policy (`arn:aws:iam::aws:policy/...`) or an account's
 * (12 digits), in the commercial, China or GovCloud partition; paths allowed
 * (`policy/service-role/AmazonEC2RoleforSSM`), names as IAM allows them.
 */
export const POLICY_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::(?:aws|\d{12}):policy\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;

/** IAM's limit on a role's inline policies (kops checks one document against it, whitespace aside). */
export const MAX_INLINE_POLICY_CHARS = 10_240;

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

export interface StatementProblem {
  /** Relative to `spec.additionalPolicies.<key>`: '' for the whole value, `[0].Effect` for a field. */
  readonly at: string;
  readonly summary: string;
  readonly hint: string;
}

/**
 * The statements of an `additionalPolicies` value, or the problems that keep it from being one:
 * JSON, an array of objects, each with Effect (Allow or Deny, as kops), one of Action/NotAction,
 * one of Resource/NotResource, and optionally Condition and Sid; nothing else (a Principal is
 * refused by IAM in an identity policy).
 */
export function parseAdditionalPolicy(text: string): { statements: SpecStatement[]; problems: StatementProblem[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { statements: [], problems: [{ at: '', summary: `not valid JSON: ${(e as Error).message}`, hint: 'give a JSON array of IAM statements, e.g. [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::bucket/*"]}]' }] };
  }
  if (!Array.isArray(value)) {
    const isDocument = value !== null && typeof value === 'object' && 'Statement' in value;
    return {
      statements: [],
      problems: [{
        at: '',
        summary: `must be a JSON array of IAM statements, not ${isDocument ? 'a whole policy document' : describe(value)}`,
        hint: isDocument ? 'give the document\'s Statement array only (kops-ts adds the Version)' : 'wrap the statement(s) in [ ]',
      }],
    };
  }
  const problems: StatementProblem[] = [];
  value.forEach((s, i) => problems.push(...statementProblems(s, `[${i}]`)));
  if (problems.length > 0) return { statements: [], problems };
  const size = JSON.stringify(additionalPolicyDocument(value as SpecStatement[])).length;
  if (size > MAX_INLINE_POLICY_CHARS) {
    problems.push({ at: '', summary: `the policy is ${size} characters; IAM allows ${MAX_INLINE_POLICY_CHARS} for a role's inline policies`, hint: 'shorten it (wildcards in actions, fewer resources), or put it in a managed policy and list its ARN under spec.externalPolicies' });
  }
  return { statements: value as SpecStatement[], problems };
}

function statementProblems(s: unknown, at: string): StatementProblem[] {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) {
    return [{ at, summary: `a statement must be a JSON object, not ${describe(s)}`, hint: 'e.g. {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}' }];
  }
  const o = s as Record<string, unknown>;
  const out: StatementProblem[] = [];
  for (const k of Object.keys(o)) {
    if (STATEMENT_KEYS.has(k)) continue;
    out.push(k === 'Principal' || k === 'NotPrincipal'
      ? { at: `${at}.${k}`, summary: 'an instance role\'s policy names no principal (the role is the principal); IAM refuses it', hint: `remove ${k}` }
      : { at: `${at}.${k}`, summary: `${JSON.stringify(k)} is not a field of an IAM statement`, hint: 'use Sid, Effect, Action or NotAction, Resource or NotResource, Condition (names are case-sensitive)' });
  }
  if (o['Effect'] === undefined) out.push({ at: `${at}.Effect`, summary: 'Effect is required', hint: 'set "Effect": "Allow" or "Deny"' });
  else if (o['Effect'] !== 'Allow' && o['Effect'] !== 'Deny') out.push({ at: `${at}.Effect`, summary: `${JSON.stringify(o['Effect'])} is not an effect`, hint: 'use "Allow" or "Deny" (case-sensitive)' });
  out.push(...oneOf(o, at, 'Action', 'NotAction', 'actions such as "s3:GetObject"'));
  out.push(...oneOf(o, at, 'Resource', 'NotResource', 'ARNs, or "*"'));
  const c = o['Condition'];
  if (c !== undefined && (c === null || typeof c !== 'object' || Array.isArray(c))) {
    out.push({ at: `${at}.Condition`, summary: `Condition must be an object of operators, not ${describe(c)}`, hint: 'e.g. {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}' });
  }
  const sid = o['Sid'];
  if (sid !== undefined && (typeof sid !== 'string' || !/^[A-Za-z0-9]*$/.test(sid))) {
    out.push({ at: `${at}.Sid`, summary: `Sid ${JSON.stringify(sid)} may hold only letters and digits`, hint: 'IAM refuses other characters in a Sid' });
  }
  return out;
}

function oneOf(o: Record<string, unknown>, at: string, a: string, notA: string, what: string): StatementProblem[] {
  if (o[a] !== undefined && o[notA] !== undefined) return [{ at: `${at}.${notA}`, summary: `a statement has ${a} or ${notA}, not both`, hint: `remove one of them` }];
  const key = o[a] !== undefined ? a : o[notA] !== undefined ? notA : undefined;
  if (key === undefined) return [{ at: `${at}.${a}`, summary: `${a} (or ${notA}) is required`, hint: `list the ${what}` }];
  const v = o[key];
  const ok = (typeof v === 'string' && v !== '') || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x !== ''));
  return ok ? [] : [{ at: `${at}.${key}`, summary: `${key} must be a string or a non-empty list of strings, not ${describe(v)}`, hint: `list the ${what}` }];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v} (${JSON.stringify(v)})`;
}

/** A statement that grants every action on every resource (`*` or `*:*`, on `*`), conditioned or not. */
export function isWildcardGrant(s: SpecStatement): boolean {
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
  return s['Effect'] === 'Allow' && list(s['Action']).some((a) => a === '*' || a === '*:*') && list(s['Resource']).includes('*');
}

/** The inline policy kops builds from the statements: the statements as given, under kops's Version. */
export function additionalPolicyDocument(statements: readonly SpecStatement[]): AdditionalPolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/** The value given for a role group (under `control-plane`, else `master`, for the control plane). */
function forRole<T>(map: Readonly<Record<string, T>> | undefined, prefix: RolePrefix): T | undefined {
  if (!map) return undefined;
  for (const k of POLICY_ROLE_KEYS[prefix]) if (map[k] !== undefined) return map[k];
  return undefined;
}

/**
 * The role group's additional statements. `update cluster` validates the spec before it models it,
 * so the model never sees a value that does not parse, except where the stored spec is modelled
 * unvalidated: `delete cluster` and `toolbox dump` of a spec stored before these fields were
 * checked. There an invalid value gives no statements (an existing `additional.<role>` is then an
 * orphan, and deleted with the role) rather than blocking the delete; `strict` (for printing the
 * policies) refuses it instead, with validation's first problem.
 */
export function additionalStatements(spec: ClusterSpec, prefix: RolePrefix, opts: { readonly strict?: boolean } = {}): SpecStatement[] {
  const text = forRole(spec.additionalPolicies, prefix);
  if (text === undefined || text.trim() === '') return [];
  const { statements, problems } = parseAdditionalPolicy(text);
  if (problems.length === 0) return statements;
  if (!opts.strict) return [];
  const key = POLICY_ROLE_KEYS[prefix].find((k) => spec.additionalPolicies?.[k] !== undefined) ?? POLICY_ROLE_KEYS[prefix][0];
  const p = problems[0]!;
  throw new KopsError('InvalidAdditionalPolicy', `spec.additionalPolicies.${key}${p.at}: ${p.summary}`, { hint: p.hint, exitCode: 2 });
}

/** The role group's managed policy ARNs, duplicates removed, sorted. */
export function externalPolicyArns(spec: ClusterSpec, prefix: RolePrefix): string[] {
  return [...new Set(forRole(spec.externalPolicies, prefix) ?? [])].sort();
}

/** The spec field a role group's external policies come from, for messages: `spec.externalPolicies.node`. */
export function externalPoliciesField(spec: ClusterSpec, prefix: RolePrefix): string {
  const key = POLICY_ROLE_KEYS[prefix].find((k) => spec.externalPolicies?.[k] !== undefined) ?? POLICY_ROLE_KEYS[prefix][0];
  return `spec.externalPolicies.${key}`;
}

/**
 * `spec.iam.permissionsBoundary` for an IAM role the cluster makes (the instance roles and the
 * service accounts' roles), as kops sets it on each: the boundary's ARN, or nothing. Unset, a role's
 * boundary is left as it is (one set by the account's own tooling is not removed).
 */
export function permissionsBoundary(spec: ClusterSpec): { permissionsBoundary?: string } {
  const arn = spec.iam?.permissionsBoundary;
  return typeof arn === 'string' && arn !== '' ? { permissionsBoundary: arn } : {};
}
