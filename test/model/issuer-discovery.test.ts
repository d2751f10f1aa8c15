/**
 * Service-account issuer discovery, the pure half: the issuer URL, the API server's flags in the
 * kubeadm configuration (and so in the control planes' digest), the OIDC provider's client ids, the
 * discovery document, the JWKS and Kubernetes's key id, and validation of the spec's fields.
 */
import { createHash, createPublicKey, generateKeyPairSync, createSign } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { validateCluster } from '../../src/model/validation.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { bootstrapFiles, clusterConfigHash, type BootstrapFacts } from '../../src/bootstrap/kubeadm.js';
import { KUBEADM_ISSUER, discoveryIssuer, discoveryStoreOf, oidcClientIds, openidConfiguration, serviceAccountIssuerArgs } from '../../src/model/issuer-discovery.js';
import { generateKeyset } from '../../src/pki/cluster.js';
import { jwksDocument, keyIdOf } from '../../src/pki/jwks.js';
import { addItem } from '../../src/pki/keyset.js';
import { discoveryDocuments } from '../../src/cloudup/issuer-discovery.js';
import { buildAwsTasks } from '../../src/model/aws/index.js';

const FACTS: BootstrapFacts = { loadBalancerDnsName: 'api.elb.example.com', bootstrapToken: 'abcdef.0123456789abcdef', caCertHashes: [`sha256:${'ab'.repeat(32)}`] };

function completed(said?: Record<string, unknown>, zones = ['us-east-1a']): { cluster: Cluster; igs: InstanceGroup[] } {
  const built = newCluster({ name: 'irsa.example.com', zones });
  if (said) built.cluster.spec.serviceAccountIssuerDiscovery = said;
  const c = completeCluster(built.cluster, built.instanceGroups);
  return { cluster: c.cluster, igs: c.instanceGroups };
}

function apiServerArgs(cluster: Cluster, igs: InstanceGroup[]): { name: string; value: string }[] {
  const cp = igs.find((g) => g.spec.role !== 'Node')!;
  const init = bootstrapFiles(cluster, cp, FACTS)!.files.find((f) => f.name === 'kubeadm-init.yaml')!.content;
  const cc = parseAllDocuments(init).map((d) => d.toJS() as Record<string, any>).find((d) => d.kind === 'ClusterConfiguration')!;
  return cc.apiServer.extraArgs as { name: string; value: string }[];
}

describe('the issuer and the API server flags', () => {
  it('the discovery store as S3 serves it in the cluster\'s region, the path without slashes at either end', () => {
    expect(discoveryIssuer(completed({ discoveryStore: 's3://oidc-bucket/irsa.example.com/' }).cluster)).toBe('https://oidc-bucket.s3.us-east-1.amazonaws.com/irsa.example.com');
    expect(discoveryIssuer(completed({ discoveryStore: 's3://oidc-bucket' }, ['eu-west-1a']).cluster)).toBe('https://oidc-bucket.s3.eu-west-1.amazonaws.com');
    expect(discoveryIssuer(completed({ discoveryStore: 's3://oidc-bucket/a/b' }, ['cn-north-1a']).cluster)).toBe('https://oidc-bucket.s3.cn-north-1.amazonaws.com.cn/a/b');
    expect(discoveryStoreOf(completed({ discoveryStore: 's3://oidc-bucket//x/' }).cluster.spec)).toBeUndefined();
  });

  it('the discovery issuer signs, kubeadm\'s is still accepted, the JWKS URI is the published one: in that order', () => {
    const { cluster, igs } = completed({ discoveryStore: 's3://oidc-bucket/irsa' });
    const issuer = 'https://oidc-bucket.s3.us-east-1.amazonaws.com/irsa';
    const args = apiServerArgs(cluster, igs).filter((a) => a.name.startsWith('service-account-') || a.name === 'api-audiences');
    expect(args).toEqual([
      { name: 'service-account-issuer', value: issuer },
      { name: 'service-account-issuer', value: KUBEADM_ISSUER },
      { name: 'service-account-jwks-uri', value: `${issuer}/openid/v1/jwks` },
    ]);
  });

  it('without a discovery store no flag is set (kubeadm\'s issuer stands) and the digest is as before', () => {
    const plain = completed();
    expect(serviceAccountIssuerArgs(plain.cluster)).toEqual([]);
    expect(apiServerArgs(plain.cluster, plain.igs).some((a) => a.name.startsWith('service-account-'))).toBe(false);
    const cp = (x: { igs: InstanceGroup[] }) => x.igs.find((g) => g.spec.role !== 'Node')!;
    const withStore = completed({ discoveryStore: 's3://oidc-bucket/irsa' });
    // The flags are in the ClusterConfiguration, so the control planes roll when they change.
    expect(clusterConfigHash(withStore.cluster, cp(withStore))).not.toBe(clusterConfigHash(plain.cluster, cp(plain)));
    const audiences = completed({ discoveryStore: 's3://oidc-bucket/irsa', additionalAudiences: ['sts.amazonaws.com'], enableAWSOIDCProvider: true });
    expect(clusterConfigHash(audiences.cluster, cp(audiences))).toBe(clusterConfigHash(withStore.cluster, cp(withStore)));
  });

  it('client ids: amazonaws.com (kops\'s) and the additional audiences, each once', () => {
    expect(oidcClientIds(completed({ discoveryStore: 's3://b-x/y', additionalAudiences: ['sts.amazonaws.com', 'amazonaws.com', 'x'] }).cluster.spec)).toEqual(['amazonaws.com', 'sts.amazonaws.com', 'x']);
  });

  it('the IAMOIDCProvider task only with enableAWSOIDCProvider', () => {
    const tasks = (said: Record<string, unknown>) => {
      const { cluster, igs } = completed(said);
      return buildAwsTasks({ cluster, instanceGroups: igs }).filter((t) => t.kind === 'IAMOIDCProvider');
    };
    expect(tasks({ discoveryStore: 's3://oidc-bucket/irsa' })).toEqual([]);
    const [t] = tasks({ discoveryStore: 's3://oidc-bucket/irsa', enableAWSOIDCProvider: true, additionalAudiences: ['sts.amazonaws.com'] });
    expect(t).toMatchObject({ name: 'irsa.example.com', desired: { url: 'https://oidc-bucket.s3.us-east-1.amazonaws.com/irsa', clientIds: ['amazonaws.com', 'sts.amazonaws.com'] } });
    expect((t!.desired as { tags: Record<string, string> }).tags).toMatchObject({ KubernetesCluster: 'irsa.example.com', 'kubernetes.io/cluster/irsa.example.com': 'owned' });
  });
});

describe('the documents', () => {
  it('kid is Kubernetes\'s: base64url (no padding) of the SHA-256 of the PKIX DER public key', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = publicKey.export({ format: 'der', type: 'spki' });
    const expected = createHash('sha256').update(der).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(keyIdOf(publicKey)).toBe(expected);
    expect(keyIdOf(publicKey)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('the JWKS holds every trusted key (sorted by kid), and a token signed by the key verifies with the published JWK', async () => {
    const ks1 = await generateKeyset('service-account', new Date());
    const ks2 = await generateKeyset('service-account', new Date(), 'ecdsa-p256');
    const both = addItem(ks1, ks2.items[0]!, false, 'irsa.example.com');
    const doc = JSON.parse(jwksDocument(both)) as { keys: Record<string, string>[] };
    expect(doc.keys).toHaveLength(2);
    expect(doc.keys.map((k) => k.kid)).toEqual([...doc.keys.map((k) => k.kid!)].sort());
    const rsa = doc.keys.find((k) => k.kty === 'RSA')!;
    expect(rsa).toMatchObject({ use: 'sig', alg: 'RS256', kid: keyIdOf(createPublicKey(ks1.items[0]!.certificate)) });
    expect(Object.keys(rsa).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(doc.keys.find((k) => k.kty === 'EC')).toMatchObject({ alg: 'ES256', crv: 'P-256' });
    // What STS does: the JWK as a key, the signature of something the private key signed.
    const signed = createSign('sha256').update('payload').sign(ks1.items[0]!.privateKey!);
    const { createVerify } = await import('node:crypto');
    expect(createVerify('sha256').update('payload').verify(createPublicKey({ key: rsa as any, format: 'jwk' }), signed)).toBe(true);
  });

  it('a distrusted key is not published', async () => {
    const ks1 = await generateKeyset('service-account', new Date());
    const ks2 = await generateKeyset('service-account', new Date());
    const both = addItem(ks1, ks2.items[0]!, false, 'c');
    const distrusted = { ...both, items: both.items.map((i) => (i.id === ks1.items[0]!.id ? i : { ...i, distrustTimestamp: '2026-01-01T00:00:00Z' })) };
    expect(JSON.parse(jwksDocument(distrusted)).keys.map((k: { kid: string }) => k.kid)).toEqual([keyIdOf(createPublicKey(ks1.items[0]!.certificate))]);
  });

  it('the discovery document names the issuer, the JWKS URI and the keys\' algorithms; keys at <path>/openid/v1/jwks', async () => {
    const ks = await generateKeyset('service-account', new Date());
    const issuer = 'https://oidc-bucket.s3.us-east-1.amazonaws.com/irsa';
    const docs = discoveryDocuments(issuer, ks, { bucket: 'oidc-bucket', path: 'irsa' });
    expect(docs.map((d) => d.key)).toEqual(['irsa/.well-known/openid-configuration', 'irsa/openid/v1/jwks']);
    expect(JSON.parse(docs[0]!.body)).toEqual(JSON.parse(openidConfiguration(issuer, ['RS256'])));
    expect(JSON.parse(docs[0]!.body)).toMatchObject({ issuer, jwks_uri: `${issuer}/openid/v1/jwks`, id_token_signing_alg_values_supported: ['RS256'], response_types_supported: ['id_token'] });
  });
});

describe('validation', () => {
  const problems = (said: Record<string, unknown>, opts: { zones?: string[]; version?: string; gce?: boolean } = {}) => {
    const built = opts.gce
      ? newCluster({ name: 'irsa.example.com', cloud: 'gce', zones: ['us-central1-a'], project: 'p' })
      : newCluster({ name: 'irsa.example.com', zones: opts.zones ?? ['us-east-1a'] });
    built.cluster.spec.serviceAccountIssuerDiscovery = said;
    if (opts.version) built.cluster.spec.kubernetesVersion = opts.version;
    const c = completeCluster(built.cluster, built.instanceGroups);
    return validateCluster(c.cluster, c.instanceGroups).filter((d) => d.severity === 'error').map((d) => `${d.path}: ${d.summary}`);
  };

  it('accepts an s3 store with the provider and audiences', () => {
    expect(problems({ discoveryStore: 's3://oidc-bucket/irsa', enableAWSOIDCProvider: true, additionalAudiences: ['sts.amazonaws.com'] })).toEqual([]);
  });

  it('names the field of each problem', () => {
    expect(problems({ discoveryStore: 'gs://b/x' })).toEqual([expect.stringMatching(/^spec\.serviceAccountIssuerDiscovery\.discoveryStore: "gs:\/\/b\/x" is a gs:\/\/ URL/)]);
    expect(problems({ discoveryStore: 's3://my.bucket/x' })).toEqual([expect.stringMatching(/discoveryStore: .*has dots/)]);
    expect(problems({ discoveryStore: 's3://B/x' })).toEqual([expect.stringMatching(/discoveryStore: .*not an S3 bucket name/)]);
    expect(problems({ enableAWSOIDCProvider: true })).toEqual([expect.stringMatching(/^spec\.serviceAccountIssuerDiscovery\.enableAWSOIDCProvider: needs a discoveryStore/)]);
    expect(problems({ discoveryStore: 's3://oidc-bucket', additionalAudiences: ['ok', '', 'a b'] })).toEqual([
      expect.stringMatching(/additionalAudiences\[1\]: "" is not an audience/),
      expect.stringMatching(/additionalAudiences\[2\]: "a b" is not an audience/),
    ]);
  });

  it('refuses the field on GCE', () => {
    expect(problems({ discoveryStore: 's3://oidc-bucket' }, { gce: true })).toEqual([expect.stringMatching(/^spec\.serviceAccountIssuerDiscovery: is for AWS clusters only/)]);
  });

  it('refuses an issuer kubeadm before 1.36 would sort after its own (it would sign instead)', () => {
    expect(problems({ discoveryStore: 's3://zz-oidc/irsa' }, { version: '1.35.0' })).toEqual([expect.stringMatching(/discoveryStore: gives the issuer https:\/\/zz-oidc\..*sorts after kubeadm's/)]);
    expect(problems({ discoveryStore: 's3://zz-oidc/irsa' }, { version: '1.36.0' })).toEqual([]);
    expect(problems({ discoveryStore: 's3://aa-oidc/irsa' }, { version: '1.35.0' })).toEqual([]);
  });
});
