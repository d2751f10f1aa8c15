/**
 * The operator policy's IRSA statements (src/cloudup/aws/operator-policy-oidc.ts), evaluated as AWS
 * evaluates them: the OIDC provider only when tagged as the cluster's, the discovery store's two
 * documents only.
 */
import { describe, expect, it } from 'vitest';
import { operatorPolicy, readOnlyOperatorPolicy } from '../../src/cloudup/aws/operator-policy.js';
import { ACCOUNT, evaluate } from '../helpers/iam-sim.js';

const NAME = 'irsa.example.com';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc-bucket.s3.us-east-1.amazonaws.com/${NAME}`;
const ours = { 'aws:ResourceTag/KubernetesCluster': NAME };
const other = { 'aws:ResourceTag/KubernetesCluster': 'other.example.com' };

describe('the operator policy and the IAM OIDC provider', () => {
  const named = operatorPolicy({ clusterName: NAME, noS3StateStore: true });
  const unnamed = operatorPolicy({ noS3StateStore: true });

  it('creates a provider only with the cluster tag in the request (with --name: that cluster\'s)', async () => {
    expect(await evaluate(named, { action: 'iam:CreateOpenIDConnectProvider', resource: PROVIDER, context: { 'aws:RequestTag/KubernetesCluster': NAME } })).toBe('Allowed');
    expect(await evaluate(named, { action: 'iam:CreateOpenIDConnectProvider', resource: PROVIDER, context: { 'aws:RequestTag/KubernetesCluster': 'other.example.com' } })).toBe('ImplicitlyDenied');
    expect(await evaluate(named, { action: 'iam:CreateOpenIDConnectProvider', resource: PROVIDER })).toBe('ImplicitlyDenied');
    expect(await evaluate(unnamed, { action: 'iam:CreateOpenIDConnectProvider', resource: PROVIDER, context: { 'aws:RequestTag/KubernetesCluster': 'any.example.com' } })).toBe('Allowed');
    expect(await evaluate(unnamed, { action: 'iam:CreateOpenIDConnectProvider', resource: PROVIDER })).toBe('ImplicitlyDenied');
  });

  it.each(['iam:DeleteOpenIDConnectProvider', 'iam:AddClientIDToOpenIDConnectProvider', 'iam:RemoveClientIDFromOpenIDConnectProvider', 'iam:UpdateOpenIDConnectProviderThumbprint'])(
    '%s only on a provider tagged as the cluster\'s',
    async (action) => {
      expect(await evaluate(named, { action, resource: PROVIDER, context: ours })).toBe('Allowed');
      expect(await evaluate(named, { action, resource: PROVIDER, context: other })).toBe('ImplicitlyDenied');
      expect(await evaluate(unnamed, { action, resource: PROVIDER })).toBe('ImplicitlyDenied');
    },
  );

  it('reads every provider (find lists them and reads the one for the issuer)', async () => {
    expect(await evaluate(named, { action: 'iam:ListOpenIDConnectProviders' })).toBe('Allowed');
    expect(await evaluate(named, { action: 'iam:GetOpenIDConnectProvider', resource: PROVIDER, context: other })).toBe('Allowed');
  });
});

describe('the operator policy and the discovery store', () => {
  const policy = operatorPolicy({ noS3StateStore: true });
  const readOnly = readOnlyOperatorPolicy({ noS3StateStore: true });
  const docs = ['arn:aws:s3:::oidc-bucket/irsa/.well-known/openid-configuration', 'arn:aws:s3:::oidc-bucket/irsa/openid/v1/jwks', 'arn:aws:s3:::oidc-bucket/openid/v1/jwks'];

  it.each(['s3:PutObject', 's3:PutObjectAcl', 's3:GetObject', 's3:DeleteObject'])('%s on the two documents, in any bucket and at any path', async (action) => {
    for (const resource of docs) expect(await evaluate(policy, { action, resource })).toBe('Allowed');
  });

  it('nothing else in the bucket', async () => {
    for (const action of ['s3:PutObject', 's3:PutObjectAcl', 's3:GetObject', 's3:DeleteObject']) {
      expect(await evaluate(policy, { action, resource: 'arn:aws:s3:::oidc-bucket/irsa/other.json' })).toBe('ImplicitlyDenied');
      expect(await evaluate(policy, { action, resource: 'arn:aws:s3:::oidc-bucket/openid/v1/jwks.bak' })).toBe('ImplicitlyDenied');
    }
    expect(await evaluate(policy, { action: 's3:DeleteBucket', resource: 'arn:aws:s3:::oidc-bucket' })).toBe('ImplicitlyDenied');
    expect(await evaluate(policy, { action: 's3:PutBucketPolicy', resource: 'arn:aws:s3:::oidc-bucket' })).toBe('ImplicitlyDenied');
  });

  it("reads the bucket's location and policy status", async () => {
    for (const action of ['s3:GetBucketLocation', 's3:GetBucketPolicyStatus']) expect(await evaluate(policy, { action, resource: 'arn:aws:s3:::oidc-bucket' })).toBe('Allowed');
  });

  it('read-only: reads the documents and the location, writes and deletes nothing', async () => {
    expect(await evaluate(readOnly, { action: 's3:GetObject', resource: docs[1]! })).toBe('Allowed');
    expect(await evaluate(readOnly, { action: 's3:GetBucketLocation', resource: 'arn:aws:s3:::oidc-bucket' })).toBe('Allowed');
    for (const action of ['s3:PutObject', 's3:PutObjectAcl', 's3:DeleteObject']) expect(await evaluate(readOnly, { action, resource: docs[1]! })).toBe('ImplicitlyDenied');
    for (const action of ['iam:CreateOpenIDConnectProvider', 'iam:DeleteOpenIDConnectProvider']) expect(await evaluate(readOnly, { action, resource: PROVIDER, context: ours })).toBe('ImplicitlyDenied');
    expect(await evaluate(readOnly, { action: 'iam:GetOpenIDConnectProvider', resource: PROVIDER })).toBe('Allowed');
  });
});
