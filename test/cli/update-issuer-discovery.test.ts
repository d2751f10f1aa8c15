/**
 * `update cluster --yes` through the CLI with spec.serviceAccountIssuerDiscovery set by
 * `edit cluster --set`: it names the documents it published, and only when it wrote them.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { testAws, uniqueBucket } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { KEY, cli, tempStore } from './harness.js';

const NAME = 'irsa-cli.example.com';

describe('kops-ts update cluster with a discovery store', () => {
  it('says what it published, once', async () => {
    const aws = testAws();
    const env = await operatorEnv(aws);
    const url = tempStore().url;
    const bucket = uniqueBucket('irsa-cli');
    await aws.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    expect((await cli(['--state', url, 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--ssh-public-key', KEY], { env })).code).toBe(0);
    const set = await cli(['--state', url, 'edit', 'cluster', '--name', NAME, '--set', `spec.serviceAccountIssuerDiscovery.discoveryStore=s3://${bucket}/${NAME}`, '--set', 'spec.serviceAccountIssuerDiscovery.enableAWSOIDCProvider=true'], { env });
    expect(set.code, set.stderr).toBe(0);
    const first = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Published the service-account issuer's documents (readable by anyone, docs/security.md): s3://${bucket}/${NAME}/openid/v1/jwks, s3://${bucket}/${NAME}/.well-known/openid-configuration\n`);
    expect(first.stderr).not.toContain('serviceAccountIssuerDiscovery');
    const again = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('No changes need to be applied\n');
  }, 180_000);
});
