import { describe, expect, it } from 'vitest';
import { x509 } from '../../src/pki/crypto.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import {
  CA_LIFETIME_MS,
  LEAF_LIFETIME_MS,
  adminClientRequest,
  apiServerEtcdClientRequest,
  apiServerRequest,
  apiServerNamesOf,
  apiServerSANs,
  etcdMemberRequest,
  firstServiceIP,
  frontProxyClientRequest,
  generateCA,
  issueCertificate,
} from '../../src/pki/index.js';
import { opensslPubkeyOfCert, opensslPubkeyOfKey, opensslText, opensslVerify } from './openssl.js';

const NOW = new Date('2026-12-02T12:00:00Z');
const DAY = 86_400_000;

function sans(pem: string): { dns: string[]; ip: string[] } {
  const ext = new x509.X509Certificate(pem).getExtension(x509.SubjectAlternativeNameExtension);
  const names = ext?.names.toJSON() ?? [];
  return { dns: names.filter((n) => n.type === 'dns').map((n) => n.value), ip: names.filter((n) => n.type === 'ip').map((n) => n.value) };
}

function ekus(pem: string): string[] {
  return (new x509.X509Certificate(pem).getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []).map(String);
}

describe('CA generation', () => {
  it('makes a self-signed 10-year RSA CA that openssl accepts as a CA, with its matching key', async () => {
    const ca = await generateCA({ commonName: 'kubernetes-ca', now: NOW });
    expect(opensslVerify(ca.certificate, ca.certificate)).toMatchObject({ ok: true });
    const text = opensslText(ca.certificate);
    expect(text).toMatch(/Subject: CN\s?=\s?kubernetes-ca/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(text).toContain('Public-Key: (2048 bit)');
    const cert = new x509.X509Certificate(ca.certificate);
    expect(cert.notAfter.getTime() - NOW.getTime()).toBe(CA_LIFETIME_MS);
    expect(cert.notBefore.getTime()).toBeLessThan(NOW.getTime());
    expect(ca.privateKey).toContain('-----BEGIN RSA PRIVATE KEY-----');
    expect(opensslPubkeyOfKey(ca.privateKey)).toBe(opensslPubkeyOfCert(ca.certificate));
  });
});

describe('issued certificates', () => {
  it('the API server serving certificate has every name the API is reached by, server usage only, 1 year, and verifies as an SSL server', async () => {
    const ca = await generateCA({ commonName: 'kubernetes-ca', now: NOW });
    const req = apiServerRequest({
      clusterName: 'k.example.com',
      serviceClusterIPRange: '100.64.0.0/13',
      loadBalancerDNSName: 'api-k-example-com-abc.elb.us-east-1.amazonaws.com',
    });
    const leaf = await issueCertificate(ca, req, NOW);
    expect(opensslVerify(ca.certificate, leaf.certificate, { purpose: 'sslserver' })).toMatchObject({ ok: true });
    expect(opensslVerify(ca.certificate, leaf.certificate, { purpose: 'sslclient' }).ok).toBe(false);
    expect(sans(leaf.certificate)).toEqual({
      dns: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'api.k.example.com', 'api.internal.k.example.com', 'api-k-example-com-abc.elb.us-east-1.amazonaws.com'],
      ip: ['100.64.0.1', '127.0.0.1'],
    });
    expect(ekus(leaf.certificate)).toEqual([x509.ExtendedKeyUsage.serverAuth]);
    const text = opensslText(leaf.certificate);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    const cert = new x509.X509Certificate(leaf.certificate);
    expect(cert.notAfter.getTime() - NOW.getTime()).toBe(LEAF_LIFETIME_MS);
    // Valid a year on less a day, not a year and a day on.
    expect(opensslVerify(ca.certificate, leaf.certificate, { at: new Date(NOW.getTime() + 364 * DAY) }).ok).toBe(true);
    expect(opensslVerify(ca.certificate, leaf.certificate, { at: new Date(NOW.getTime() + 366 * DAY) }).output).toMatch(/certificate has expired/);
    expect(opensslPubkeyOfKey(leaf.privateKey)).toBe(opensslPubkeyOfCert(leaf.certificate));
  });

  it('etcd server and peer certificates per member are server+client, name the member, and verify against the etcd CA only', async () => {
    const etcdCA = await generateCA({ commonName: 'etcd-manager-ca-main', now: NOW, keyAlgorithm: 'ecdsa-p256' });
    const otherCA = await generateCA({ commonName: 'kubernetes-ca', now: NOW, keyAlgorithm: 'ecdsa-p256' });
    for (const member of ['a', 'b', 'c']) {
      const m = { name: `etcd-${member}`, dnsNames: [`etcd-${member}.internal.k.example.com`], ipAddresses: ['10.0.1.10'] };
      for (const kind of ['server', 'peer'] as const) {
        const cert = await issueCertificate(etcdCA, etcdMemberRequest(kind, m), NOW);
        expect(opensslVerify(etcdCA.certificate, cert.certificate, { purpose: 'sslserver' }).ok).toBe(true);
        expect(opensslVerify(etcdCA.certificate, cert.certificate, { purpose: 'sslclient' }).ok).toBe(true);
        expect(opensslVerify(otherCA.certificate, cert.certificate).ok).toBe(false);
        expect(sans(cert.certificate)).toEqual({ dns: [`etcd-${member}`, 'localhost', `etcd-${member}.internal.k.example.com`], ip: ['127.0.0.1', '10.0.1.10'] });
      }
    }
  });

  it('client certificates (etcd client for the API server, front proxy, admin) are client-only; the admin is in system:masters for the lifetime asked', async () => {
    const ca = await generateCA({ commonName: 'kubernetes-ca', now: NOW, keyAlgorithm: 'ecdsa-p256' });
    for (const req of [apiServerEtcdClientRequest(), frontProxyClientRequest()]) {
      const c = await issueCertificate(ca, req, NOW);
      expect(opensslVerify(ca.certificate, c.certificate, { purpose: 'sslclient' }).ok).toBe(true);
      expect(opensslVerify(ca.certificate, c.certificate, { purpose: 'sslserver' }).ok).toBe(false);
      expect(ekus(c.certificate)).toEqual([x509.ExtendedKeyUsage.clientAuth]);
      expect(sans(c.certificate)).toEqual({ dns: [], ip: [] });
    }
    const admin = await issueCertificate(ca, adminClientRequest('kubecfg', 18 * 3_600_000), NOW);
    expect(opensslText(admin.certificate)).toMatch(/Subject: CN\s?=\s?kubecfg, O\s?=\s?system:masters/);
    expect(new x509.X509Certificate(admin.certificate).notAfter.getTime() - NOW.getTime()).toBe(18 * 3_600_000);
    expect(opensslVerify(ca.certificate, admin.certificate, { purpose: 'sslclient', at: new Date(NOW.getTime() + 19 * 3_600_000) }).output).toMatch(/expired/);
  });

  it('a leaf never outlives its CA, and an expired CA issues nothing', async () => {
    const ca = await generateCA({ commonName: 'short-ca', now: NOW, lifetimeMs: 30 * DAY, keyAlgorithm: 'ecdsa-p256' });
    const leaf = await issueCertificate(ca, { commonName: 'x', usages: ['client'], keyAlgorithm: 'ecdsa-p256' }, NOW);
    expect(new x509.X509Certificate(leaf.certificate).notAfter.getTime()).toBe(new x509.X509Certificate(ca.certificate).notAfter.getTime());
    await expect(issueCertificate(ca, { commonName: 'x', usages: ['client'] }, new Date(NOW.getTime() + 31 * DAY))).rejects.toMatchObject({ code: 'CAExpired' });
  });
});

describe('API server names', () => {
  it('takes the public name, the cluster domain, extra SANs, and the first service IP (IPv4 and IPv6)', () => {
    expect(firstServiceIP('10.96.0.0/12')).toBe('10.96.0.1');
    expect(firstServiceIP('fd00:10:96::/112')).toBe('fd00:10:96::1');
    const s = apiServerSANs({ clusterName: 'k.example.com', serviceClusterIPRange: '10.96.0.0/12', clusterDNSDomain: 'corp.local', publicName: 'k8s.example.com', additionalSANs: ['10.1.2.3', 'extra.example.com'] });
    expect(s.dnsNames).toEqual(['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.corp.local', 'k8s.example.com', 'api.internal.k.example.com', 'extra.example.com']);
    expect(s.ipAddresses).toEqual(['10.1.2.3', '10.96.0.1', '127.0.0.1']);
    expect(() => firstServiceIP('nope')).toThrow(/serviceClusterIPRange "nope" is not a CIDR/);
  });

  it("reads them from a completed cluster by v1alpha2's field names", () => {
    const built = newCluster({ name: 'names.example.com', zones: ['us-east-1a'] });
    const spec = { ...built.cluster.spec, additionalSans: ['10.9.9.9', 'vip.example.com'], clusterDNSDomain: 'k8s.local', masterInternalName: 'internal.names.example.com' };
    const completed = completeCluster({ ...built.cluster, spec }, built.instanceGroups).cluster;
    const s = apiServerSANs(apiServerNamesOf(completed, 'lb.elb.amazonaws.com'));
    expect(s.dnsNames).toEqual(['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.k8s.local', 'api.names.example.com', 'internal.names.example.com', 'lb.elb.amazonaws.com', 'vip.example.com']);
    expect(s.ipAddresses).toEqual(['10.9.9.9', '100.64.0.1', '127.0.0.1']);
  });
});
