/**
 * The discovery store's two objects in S3 (src/cloudup/issuer-discovery.ts): read, written
 * readable by anyone, deleted. Readable by anyone as kops makes them: when the bucket's policy does
 * not already make it public (`GetBucketPolicyStatus`), each object gets the `public-read` ACL. A
 * bucket that refuses ACLs (Object Ownership "bucket owner enforced", S3's default for new buckets)
 * and has no public policy cannot serve the documents: that is a clear error naming what to do.
 */
import { DeleteObjectCommand, GetBucketPolicyStatusCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { KopsError } from '../../diagnostics.js';
import type { Cluster } from '../../model/api/types.js';
import type { DiscoveryObjects } from '../../cloudup/issuer-discovery.js';
import { regionOfCluster } from '../../cloudup/aws/regions.js';
import { AwsClients, type AwsClientOptions } from './clients.js';
import { awsErrorCode } from './errors.js';

const ABSENT = new Set(['NoSuchKey', 'NotFound']);

export function s3DiscoveryObjects(cluster: Cluster, bucket: string, aws: Omit<AwsClientOptions, 'region' | 'health'> = {}): DiscoveryObjects {
  return discoveryObjectsOn(new AwsClients({ region: regionOfCluster(cluster), ...aws }).s3, bucket, cluster.metadata.name);
}

/** The objects through a given S3 client (tests record what the emulator cannot show: see docs/aws-errors.md). */
export function discoveryObjectsOn(s3: Pick<S3Client, 'send'>, bucket: string, clusterName: string): DiscoveryObjects {
  let publicPolicy: Promise<boolean> | undefined;
  const bucketIsPublic = () =>
    (publicPolicy ??= s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket })).then(
      (out) => out.PolicyStatus?.IsPublic === true,
      (e: unknown) => {
        if (awsErrorCode(e) === 'NoSuchBucketPolicy') return false;
        throw e;
      },
    ));
  return {
    async read(key) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await out.Body?.transformToString('utf-8');
      } catch (e) {
        if (ABSENT.has(awsErrorCode(e) ?? '')) return undefined;
        throw e;
      }
    },
    async writePublic(key, body, contentType) {
      const acl = (await bucketIsPublic()) ? {} : { ACL: 'public-read' as const };
      try {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, ...acl }));
      } catch (e) {
        if (awsErrorCode(e) !== 'AccessControlListNotSupported') throw e;
        throw new KopsError('DiscoveryStoreNotPublic', `s3://${bucket}/${key}: the bucket refuses object ACLs and its policy is not public, so the service-account issuer's documents could not be made readable by anyone (IAM reads them anonymously)`, {
          hint: `allow s3:GetObject to everyone on s3://${bucket}/${key.replace(/(\.well-known|openid)\/.*$/, '')}* in the bucket's policy (and unblock public policies), then re-run kops-ts update cluster --name ${clusterName} --yes`,
          cause: e,
        });
      }
    },
    async remove(key) {
      try {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (e) {
        if (!ABSENT.has(awsErrorCode(e) ?? '') && awsErrorCode(e) !== 'NoSuchBucket') throw e;
      }
    },
  };
}
