/**
 * The CNI addon description of each networking option, and the bootstrap store helpers (token,
 * CA certificates read from the kubernetes-ca keyset) on a memory store.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ensureClusterKeysets } from '../../src/pki/cluster.js';
import { KeysetStore } from '../../src/pki/store.js';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { cniAddon, cniOf, PINNED_CNI } from '../../src/bootstrap/addons.js';
import { ensureBootstrapToken, readClusterCACertificates, writeBootstrapConfig } from '../../src/bootstrap/store.js';
import { openStateStore } from '../../src/statestore/open.js';
import { KopsError } from '../../src/diagnostics.js';

const LB = 'api-x-0123.elb.us-east-1.amazonaws.com';

function completed(o: Partial<NewClusterOptions> = {}) {
  const built = newCluster({ name: 'addons.example.com', zones: ['us-east-1a'], ...o });
  return completeCluster(built.cluster, built.instanceGroups);
}

function pem(cn: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'addons-ca-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', '1', '-subj', `/CN=${cn}`], { stdio: 'pipe' });
  return readFileSync(join(dir, 'c'), 'utf8');
}

describe('the CNI addon', () => {
  it('cilium (default): a pinned chart under addons/cilium/<version>/, replacing kube-proxy with the endpoint as service host', () => {
    const { cluster } = completed();
    const a = cniAddon(cluster, { loadBalancerDnsName: LB })!;
    expect(a.path).toBe(`addons.example.com/addons/cilium/${PINNED_CNI.cilium.version}/addon.yaml`);
    const doc = parse(a.content) as Record<string, unknown>;
    expect(doc).toMatchObject({ kind: 'Addon', name: 'cilium', version: PINNED_CNI.cilium.version, source: { format: 'helm-chart', url: PINNED_CNI.cilium.url } });
    expect(doc.values).toEqual({ kubeProxyReplacement: true, k8sServiceHost: LB, k8sServicePort: 443, ipam: { mode: 'kubernetes' }, ipv4NativeRoutingCIDR: cluster.spec.podCIDR, nodePort: { enabled: true } });
  });

  it('cilium with ENI IPAM uses AWS ENI mode', () => {
    const { cluster } = completed({ networking: 'cilium-eni' });
    expect(cniAddon(cluster, { loadBalancerDnsName: LB })!.addon.values).toMatchObject({ ipam: { mode: 'eni' }, eni: { enabled: true }, routingMode: 'native' });
  });

  it('calico: the pinned manifest with the pod CIDR', () => {
    const { cluster } = completed({ networking: 'calico' });
    const a = cniAddon(cluster, { loadBalancerDnsName: LB })!;
    expect(a.path).toBe(`addons.example.com/addons/calico/${PINNED_CNI.calico.version}/addon.yaml`);
    expect(a.addon.source.format).toBe('manifest');
    expect(a.addon.values).toEqual({ CALICO_IPV4POOL_CIDR: cluster.spec.podCIDR, bpfEnabled: false });
  });

  it('cni (bring your own): no addon', () => {
    const { cluster } = completed({ networking: 'cni' });
    expect(cniOf(cluster)).toBeUndefined();
    expect(cniAddon(cluster, {})).toBeUndefined();
  });

  it('another networking option is refused with the field named', () => {
    const { cluster } = completed({ networking: 'flannel' });
    expect(() => cniOf(cluster)).toThrowError(/spec\.networking\.flannel: kops-ts's node bootstrap applies cilium, calico or nothing/);
  });
});

describe('the bootstrap token', () => {
  it('is created once in kops\'s secret shape and read back the same', async () => {
    const store = openStateStore('memory://token-once');
    const t = await ensureBootstrapToken(store, 'c.example.com');
    expect(t).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(await ensureBootstrapToken(store, 'c.example.com')).toBe(t);
    expect(await ensureBootstrapToken(openStateStore('memory://token-other'), 'c.example.com')).not.toBe(t);
  });

  it('a corrupt secret is an error that does not show its content', async () => {
    const store = openStateStore('memory://token-bad');
    await store.write('c.example.com/secrets/bootstrap-token', JSON.stringify({ Data: Buffer.from('s3cr3t-value').toString('base64') }));
    const err = await ensureBootstrapToken(store, 'c.example.com').catch((e: unknown) => e);
    expect(KopsError.is(err, 'InvalidSecret')).toBe(true);
    expect(JSON.stringify({ m: (err as Error).message, d: (err as KopsError).diagnostics })).not.toContain('s3cr3t');
  });
});

describe('the cluster CA certificates', () => {
  it('are the keyset\'s trusted items (base64 or PEM public material); distrusted ones are left out', async () => {
    const store = openStateStore('memory://ca-read');
    const [a, b, old] = [pem('a'), pem('b'), pem('old')];
    const keyset = {
      apiVersion: 'kops.k8s.io/v1alpha2',
      kind: 'Keyset',
      metadata: { name: 'kubernetes-ca' },
      spec: { type: 'Keypair', primaryID: '2', keys: [{ id: '1', publicMaterial: Buffer.from(a).toString('base64') }, { id: '2', publicMaterial: b }, { id: '0', publicMaterial: old, distrustTimestamp: '2026-01-01T00:00:00Z' }] },
    };
    expect(await readClusterCACertificates(store, 'c.example.com')).toEqual([]);
    await store.write('c.example.com/pki/private/kubernetes-ca/keyset.yaml', stringify(keyset));
    expect(await readClusterCACertificates(store, 'c.example.com')).toEqual([a, b]);
  });

  it('during a CA rotation both CAs are pinned in the join discovery', async () => {
    const store = openStateStore('memory://ca-rotation');
    const { cluster, instanceGroups } = completed();
    // The control planes' key material comes from the cluster's keysets.
    await ensureClusterKeysets(new KeysetStore(store), cluster);
    const r = await writeBootstrapConfig({ store, cluster, instanceGroups, loadBalancerDnsName: LB, caCertificates: [pem('old'), pem('new')] });
    expect(r.written.length).toBeGreaterThan(0);
    const join = parse(Buffer.from((await store.read('addons.example.com/igconfig/node/nodes-us-east-1a/kubeadm-join.yaml'))!.data).toString()) as { discovery: { bootstrapToken: { caCertHashes: string[] } } };
    expect(join.discovery.bootstrapToken.caCertHashes).toHaveLength(2);
  });
});
