/**
 * The discovery store's objects on the emulator (src/cloud/aws/discovery-objects.ts): public by
 * the `public-read` ACL unless the bucket's policy already is public; a bucket that refuses ACLs
 * and is not public fails with DiscoveryStoreNotPublic, naming what to do.
 */
import { CreateBucketCommand, GetObjectAclCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../../src/cloudup/new-cluster.js';
import { discoveryObjectsOn, s3DiscoveryObjects } from '../../../src/cloud/aws/discovery-objects.js';
import { testAws, uniqueBucket } from '../../helpers/aws.js';
import type { KopsError } from '../../../src/diagnostics.js';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';

function setup() {
  const aws = testAws();
  const cluster = newCluster({ name: 'objects.example.com', zones: ['us-east-1a'] }).cluster;
  const { region: _r, ...opts } = aws.options;
  return { aws, cluster, opts };
}

async function allUsersRead(aws: ReturnType<typeof testAws>, bucket: string, key: string): Promise<boolean> {
  const acl = await aws.clients.s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }));
  return acl.Grants?.some((g) => g.Grantee?.URI === ALL_USERS && g.Permission === 'READ') === true;
}

describe('the discovery store objects', () => {
  it('reads back what it wrote, absent is undefined, deleting twice is done; the ACL makes a private bucket\'s object public', async () => {
    const { aws, cluster, opts } = setup();
    const bucket = uniqueBucket('irsa-obj');
    await aws.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const o = s3DiscoveryObjects(cluster, bucket, opts);
    expect(await o.read('p/openid/v1/jwks')).toBeUndefined();
    await o.writePublic('p/openid/v1/jwks', '{"keys":[]}\n', 'application/json');
    expect(await o.read('p/openid/v1/jwks')).toBe('{"keys":[]}\n');
    expect(await allUsersRead(aws, bucket, 'p/openid/v1/jwks')).toBe(true);
    await o.remove('p/openid/v1/jwks');
    await o.remove('p/openid/v1/jwks');
    expect(await o.read('p/openid/v1/jwks')).toBeUndefined();
  });

  // moto answers GetBucketPolicyStatus with IsPublic false whatever the policy, and does not enforce
  // Object Ownership (docs/aws-errors.md): these two are the calls made, recorded.
  it('adds no ACL when the bucket policy already makes the bucket public', async () => {
    const sent: { op: string; input: Record<string, unknown> }[] = [];
    const s3 = { send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => (sent.push({ op: cmd.constructor.name, input: cmd.input }), cmd.constructor.name === 'GetBucketPolicyStatusCommand' ? { PolicyStatus: { IsPublic: true } } : {}) };
    const o = discoveryObjectsOn(s3 as never, 'pub', 'c.example.com');
    await o.writePublic('openid/v1/jwks', '{}', 'application/json');
    await o.writePublic('.well-known/openid-configuration', '{}', 'application/json');
    expect(sent.map((x) => x.op)).toEqual(['GetBucketPolicyStatusCommand', 'PutObjectCommand', 'PutObjectCommand']);
    expect(sent.filter((x) => x.op === 'PutObjectCommand').map((x) => x.input.ACL)).toEqual([undefined, undefined]);
  });

  it('a bucket that refuses ACLs and is not public: DiscoveryStoreNotPublic, with the bucket policy to add', async () => {
    const refused = Object.assign(new Error('The bucket does not allow ACLs'), { name: 'AccessControlListNotSupported', Code: 'AccessControlListNotSupported', $metadata: { httpStatusCode: 400 } });
    const s3 = {
      send: async (cmd: { constructor: { name: string } }) => {
        if (cmd.constructor.name === 'GetBucketPolicyStatusCommand') throw Object.assign(new Error('no policy'), { name: 'NoSuchBucketPolicy', Code: 'NoSuchBucketPolicy', $metadata: { httpStatusCode: 404 } });
        throw refused;
      },
    };
    const e = await discoveryObjectsOn(s3 as never, 'own', 'c.example.com').writePublic('x/openid/v1/jwks', '{}', 'application/json').then(() => undefined, (x: unknown) => x as KopsError);
    expect(e?.code).toBe('DiscoveryStoreNotPublic');
    expect(e?.diagnostics[0]?.hint).toContain("allow s3:GetObject to everyone on s3://own/x/* in the bucket's policy");
  });
});
