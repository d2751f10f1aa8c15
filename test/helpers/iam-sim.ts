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
