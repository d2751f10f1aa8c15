/**
 * Evaluates IAM policy documents with a real policy evaluator (@cloud-copilot/iam-simulate):
 * conditions such as `aws:ResourceTag/...`, `aws:RequestTag/...`, `aws:TagKeys` and
 * `ec2:CreateAction` are evaluated as AWS evaluates them. moto stores policies but never
 * evaluates them, so this is how grants are tested.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from '../../src/model/aws/iam-policies.js';

export const ACCOUNT = '123456789012';

export interface SimRequest {
  readonly action: string;
  /** An ARN, or `*` for actions that take no resource. */
  readonly resource?: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export type SimResult = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** The evaluator's decision for one request under one identity policy; a malformed request fails the test. */
export async function evaluate(doc: PolicyDocument | unknown, req: SimRequest, principal = `arn:aws:iam::${ACCOUNT}:role/kops-ts-test`): Promise<SimResult> {
  const policies = isEmptyDocument(doc) ? [] : [{ name: 'inline', policy: doc }];
  const r = await runSimulation(
    {
      request: {
        principal,
        action: req.action,
        resource: { resource: req.resource ?? '*', accountId: ACCOUNT },
        contextVariables: Object.fromEntries(Object.entries(req.context ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : [...v]])),
      },
      identityPolicies: policies,
      // KMS honours identity policies only where the key policy delegates to the account: give
      // KMS keys their default key policy, which does.
      ...(req.action.startsWith('kms:') ? { resourcePolicy: defaultKeyPolicy() } : {}),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (r.resultType === 'error') throw new Error(`the evaluator refused ${req.action} on ${req.resource ?? '*'}: ${JSON.stringify(r.errors)}`);
  return r.overallResult as SimResult;
}

function defaultKeyPolicy() {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'EnableIAMUserPermissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
  };
}

function isEmptyDocument(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && Array.isArray((doc as { Statement?: unknown }).Statement) && (doc as { Statement: unknown[] }).Statement.length === 0;
}

export function ec2Arn(type: string, id: string, region = 'us-east-1'): string {
  return `arn:aws:ec2:${region}:${ACCOUNT}:${type}/${id}`;
}

export interface WebIdentityRequest {
  /** The OIDC provider the token comes through (its ARN). */
  readonly provider: string;
  /** The issuer's host and path (`<bucket>.s3.<region>.amazonaws.com/<path>`): the condition keys' prefix. */
  readonly issuerHost: string;
  readonly sub: string;
  readonly aud: string;
  readonly role?: string;
}

/** A key the evaluator knows for sts:AssumeRoleWithWebIdentity (see `evaluateWebIdentityTrust`). */
const KNOWN_OIDC_HOST = 'accounts.google.com';

/**
 * The evaluator's decision on `sts:AssumeRoleWithWebIdentity` under a role's trust policy, evaluated
 * as the role's resource policy with the provider as the principal.
 *
 * The evaluator knows only the named providers' keys for that action (`accounts.google.com:sub`,
 * ...) and drops any other context key, so an `<issuer>:sub` condition could never match. The
 * trust policy's condition keys under `issuerHost` are therefore renamed to `accounts.google.com:`
 * keys, and the request's claims given under those names: operators, values and principal are
 * evaluated as written. A key under another host is left as it is (and so fails, as on AWS, where
 * the token would carry no such claim). Tests pin the keys' real names separately.
 */
export async function evaluateWebIdentityTrust(trust: unknown, req: WebIdentityRequest): Promise<SimResult> {
  const renamed = JSON.parse(JSON.stringify(trust).split(`"${req.issuerHost}:`).join(`"${KNOWN_OIDC_HOST}:`)) as unknown;
  const r = await runSimulation(
    {
      request: {
        principal: req.provider,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: { resource: req.role ?? `arn:aws:iam::${ACCOUNT}:role/kops-ts-test`, accountId: ACCOUNT },
        contextVariables: { [`${KNOWN_OIDC_HOST}:sub`]: req.sub, [`${KNOWN_OIDC_HOST}:aud`]: req.aud },
      },
      identityPolicies: [],
      resourcePolicy: renamed,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (r.resultType === 'error') throw new Error(`the evaluator refused the trust policy: ${JSON.stringify(r.errors)}`);
  if (r.resultType === 'single' && r.result.ignoredContextKeys && r.result.ignoredContextKeys.length > 0) {
    throw new Error(`the evaluator ignored ${r.result.ignoredContextKeys.join(', ')}`);
  }
  return r.overallResult as SimResult;
}
