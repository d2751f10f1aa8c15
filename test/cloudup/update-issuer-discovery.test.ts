/**
 * spec.serviceAccountIssuerDiscovery end to end on the emulator: `update --yes` publishes the
 * discovery document (its issuer the API server's --service-account-issuer) and the JWKS (the
 * service-account key's kid) readable by anyone, creates the IAM OIDC provider for the issuer with
 * the client ids; a no-op update plans and writes nothing; `delete cluster` deletes the provider and
 * the two documents, and leaves the bucket and everything else in it.
 */
import { createPublicKey } from 'node:crypto';
import { GetOpenIDConnectProviderCommand, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectAclCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteResources, listClusterResources } from '../../src/cloudup/delete-cluster.js';
import { KUBEADM_ISSUER } from '../../src/model/issuer-discovery.js';
import { SERVICE_ACCOUNT } from '../../src/pki/cluster.js';
import { keyIdOf } from '../../src/pki/jwks.js';
import { KeysetStore } from '../../src/pki/store.js';
import { uniqueBucket } from '../helpers/aws.js';
import { fakeClock } from './delete-cluster-helpers.js';
import { applyAndConverge, changeLines, setupCluster, type E2ECluster } from './update-helpers.js';

const NAME = 'irsa.example.com';

describe('update cluster: service-account issuer discovery on the emulator', () => {
  let c: E2ECluster;
  let bucket: string;
  let issuer: string;
  let published: readonly string[];
  const text = async (key: string) => (await (await c.aws.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());
  const awsOpts = () => (({ region: _r, ...rest }) => rest)(c.aws.options);

  beforeAll(async () => {
    c = await setupCluster({ name: NAME, zones: ['us-east-1a'] });
    bucket = uniqueBucket('irsa-oidc');
    issuer = `https://${bucket}.s3.us-east-1.amazonaws.com/${NAME}`;
    await c.aws.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await c.aws.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'someone-elses.txt', Body: 'keep me' }));
    const current = await c.cs.getCluster(NAME);
    const spec = { ...current.object.spec, serviceAccountIssuerDiscovery: { discoveryStore: `s3://${bucket}/${NAME}`, enableAWSOIDCProvider: true, additionalAudiences: ['sts.amazonaws.com'] } };
    await c.cs.updateCluster({ ...current.object, spec }, current.version);
    const applied = await applyAndConverge(c);
    published = applied.issuerDiscovery?.written ?? [];
  }, 180_000);

  it('publishes the two documents after the keysets, readable by anyone', async () => {
    expect([...published].sort()).toEqual([`s3://${bucket}/${NAME}/.well-known/openid-configuration`, `s3://${bucket}/${NAME}/openid/v1/jwks`]);
    for (const key of [`${NAME}/.well-known/openid-configuration`, `${NAME}/openid/v1/jwks`]) {
      const acl = await c.aws.clients.s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }));
      expect(acl.Grants?.some((g) => g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers' && g.Permission === 'READ'), key).toBe(true);
    }
  });

  it("the discovery document's issuer is the API server's first --service-account-issuer; kubeadm's is still accepted", async () => {
    const config = JSON.parse(await text(`${NAME}/.well-known/openid-configuration`)) as Record<string, unknown>;
    expect(config).toMatchObject({ issuer, jwks_uri: `${issuer}/openid/v1/jwks`, id_token_signing_alg_values_supported: ['RS256'] });
    const init = await c.cs.store.read(`${NAME}/igconfig/control-plane/control-plane-us-east-1a/kubeadm-init.yaml`);
    const docs = parseAllDocuments(new TextDecoder().decode(init!.data)).map((d) => d.toJS() as Record<string, any>);
    const args = (docs.find((d) => d.kind === 'ClusterConfiguration')!.apiServer.extraArgs as { name: string; value: string }[]).filter((a) => a.name.startsWith('service-account-'));
    expect(args).toEqual([
      { name: 'service-account-issuer', value: config.issuer },
      { name: 'service-account-issuer', value: KUBEADM_ISSUER },
      { name: 'service-account-jwks-uri', value: config.jwks_uri },
    ]);
  });

  it("the JWKS holds the service-account key by Kubernetes's kid", async () => {
    const ks = (await new KeysetStore(c.cs.store).get(NAME, SERVICE_ACCOUNT)).keyset;
    const jwks = JSON.parse(await text(`${NAME}/openid/v1/jwks`)) as { keys: Record<string, string>[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([keyIdOf(createPublicKey(ks.items[0]!.certificate))]);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
  });

  it('creates the IAM OIDC provider for the issuer with amazonaws.com and the additional audiences', async () => {
    const arns = ((await c.aws.clients.iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []).map((p) => p.Arn!);
    const mine = arns.filter((a) => a.endsWith(`:oidc-provider/${issuer.slice('https://'.length)}`));
    expect(mine).toHaveLength(1);
    const got = await c.aws.clients.iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: mine[0] }));
    expect(got.Url?.replace(/^https:\/\//, '')).toBe(issuer.slice('https://'.length));
    expect([...(got.ClientIDList ?? [])].sort()).toEqual(['amazonaws.com', 'sts.amazonaws.com']);
  });

  it('a no-op update plans nothing and writes neither document', async () => {
    const again = await c.update(true);
    expect(changeLines(again.plan)).toEqual([]);
    expect(again.issuerDiscovery).toEqual({ issuer, written: [] });
  });

  it('delete cluster deletes the provider and the two documents, never the bucket or its other objects', async () => {
    const inv = await listClusterResources({ clientset: c.cs, clusterName: NAME, aws: awsOpts() });
    const listed = inv.resources.map((r) => `${r.type} ${r.name}`);
    expect(listed).toEqual(expect.arrayContaining(['s3-object openid/v1/jwks', 's3-object .well-known/openid-configuration', `iam-oidc-provider ${NAME}`]));
    const r = await deleteResources(inv, { clock: fakeClock() });
    expect(r.left).toEqual([]);
    const providers = ((await c.aws.clients.iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []).map((p) => p.Arn!);
    expect(providers.filter((a) => a.includes(bucket))).toEqual([]);
    await expect(text(`${NAME}/openid/v1/jwks`)).rejects.toThrow();
    await expect(text(`${NAME}/.well-known/openid-configuration`)).rejects.toThrow();
    await c.aws.clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    expect(await text('someone-elses.txt')).toBe('keep me');
  });
});

describe('update cluster: the discovery store pre-flight', () => {
  it('refuses a missing bucket and a bucket in another region, naming the field, before any change', async () => {
    const c = await setupCluster({ name: 'irsa-pre.example.com', zones: ['us-east-1a'] });
    const set = async (store: string) => {
      const current = await c.cs.getCluster(c.name);
      await c.cs.updateCluster({ ...current.object, spec: { ...current.object.spec, serviceAccountIssuerDiscovery: { discoveryStore: store } } }, current.version);
    };
    const missing = uniqueBucket('irsa-missing');
    await set(`s3://${missing}/x`);
    await expect(c.update(false)).rejects.toMatchObject({ code: 'DiscoveryStoreNotFound', diagnostics: expect.arrayContaining([expect.objectContaining({ path: 'spec.serviceAccountIssuerDiscovery.discoveryStore' })]) });
    const elsewhere = uniqueBucket('irsa-eu');
    await c.aws.clients.s3.send(new CreateBucketCommand({ Bucket: elsewhere, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    await set(`s3://${elsewhere}/x`);
    await expect(c.update(false)).rejects.toMatchObject({ code: 'DiscoveryStoreRegion', message: expect.stringContaining(`${elsewhere} is in eu-west-1, but the cluster is in us-east-1`) });
  }, 60_000);
});
