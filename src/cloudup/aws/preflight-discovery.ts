/**
 * Pre-flight for `spec.serviceAccountIssuerDiscovery.discoveryStore` (src/model/issuer-discovery.ts):
 * the bucket exists and is in the cluster's region, since the issuer URL names the cluster's
 * region's S3 endpoint (kops asks the bucket's region; kops-ts requires it to be the cluster's, so
 * that the URL is known without a call wherever the spec is modelled). One GetBucketLocation.
 */
import { GetBucketLocationCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../cloud/aws/clients.js';
import { error, type Diagnostic } from '../../diagnostics.js';
import type { Cluster } from '../../model/api/types.js';
import { DISCOVERY_FIELD, discoveryStoreOf } from '../../model/issuer-discovery.js';
import { inspectAwsFailure } from './preflight-errors.js';

const PATH = `${DISCOVERY_FIELD}.discoveryStore`;

/** S3's location constraint as a region: none is us-east-1, `EU` is eu-west-1. */
export function bucketRegion(constraint: string | undefined): string {
  if (!constraint) return 'us-east-1';
  return constraint === 'EU' ? 'eu-west-1' : constraint;
}

/** Whether pre-flight has a discovery bucket to check. */
export function hasDiscoveryStore(cluster: Cluster): boolean {
  return discoveryStoreOf(cluster.spec) !== undefined;
}

/** The bucket's region; a missing bucket is a diagnostic, other failures are thrown (the caller reports them). */
export async function checkDiscoveryBucket(clients: AwsClients, cluster: Cluster, region: string): Promise<Diagnostic[]> {
  const store = discoveryStoreOf(cluster.spec);
  if (!store) return [];
  let constraint: string | undefined;
  try {
    constraint = (await clients.s3.send(new GetBucketLocationCommand({ Bucket: store.bucket }))).LocationConstraint;
  } catch (e) {
    const f = inspectAwsFailure(e);
    if (f.kind === 'aws' && f.code === 'NoSuchBucket') {
      return [error('DiscoveryStoreNotFound', `the bucket ${store.bucket} does not exist`, { path: PATH, hint: `create it in ${region} (publicly readable, see docs/security.md), or name another bucket in the spec` })];
    }
    throw e;
  }
  const actual = bucketRegion(constraint);
  if (actual === region) return [];
  return [
    error('DiscoveryStoreRegion', `the bucket ${store.bucket} is in ${actual}, but the cluster is in ${region}: the issuer URL names the cluster's region's S3 endpoint`, {
      path: PATH,
      hint: `use a bucket in ${region} for the discovery store`,
    }),
  ];
}
