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
import { ccmAddon, CCM_IMAGE_TAGS, cniAddon, cniOf, PINNED_CNI } from '../../src/bootstrap/addons.js';
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

  it('cilium.enableNodePort: false turns off the chart\'s nodePort (create cluster writes true, the default)', () => {
    const { cluster } = completed();
    expect(cluster.spec.networking?.cilium).toMatchObject({ enableNodePort: true });
    cluster.spec.networking = { cilium: { ...cluster.spec.networking!.cilium, enableNodePort: false } };
    expect(cniAddon(cluster, { loadBalancerDnsName: LB })!.addon.values.nodePort).toEqual({ enabled: false });
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

  it("calico in BPF mode is refused with the field named: the manifest is applied without its eBPF data plane, and kube-proxy is off", () => {
    const { cluster } = completed({ networking: 'calico' });
    cluster.spec.networking = { calico: { bpfEnabled: true } };
    (cluster.spec as Record<string, unknown>).kubeProxy = { enabled: false };
    expect(() => cniOf(cluster)).toThrowError(/^spec\.networking\.calico\.bpfEnabled: kops-ts applies calico's published manifest without its eBPF data plane/);
    expect(() => cniAddon(cluster, { loadBalancerDnsName: LB })).toThrowError(/bpfEnabled/);
    cluster.spec.networking = { calico: { bpfEnabled: false } };
    expect(cniOf(cluster)).toBe('calico');
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

describe('the AWS cloud-controller addon', () => {
  it('is upstream\'s chart with the controller image of the Kubernetes minor, the cluster\'s name and no route management', () => {
    const { cluster } = completed();
    const a = ccmAddon(cluster);
    expect(cluster.spec.kubernetesVersion).toMatch(/^1\.36\./);
    expect(a.path).toBe('addons.example.com/addons/aws-cloud-controller-manager/0.0.11-v1.36.1/addon.yaml');
    expect(parse(a.content)).toEqual({
      apiVersion: 'addons.kops-ts.io/v1alpha1',
      kind: 'Addon',
      name: 'aws-cloud-controller-manager',
      version: '0.0.11-v1.36.1',
      source: {
        version: '0.0.11',
        format: 'helm-chart',
        url: 'https://github.com/kubernetes/cloud-provider-aws/releases/download/helm-chart-aws-cloud-controller-manager-0.0.11/aws-cloud-controller-manager-0.0.11.tgz',
        sha256: '3da2227e83bce236b8278903fb87ad0bc33c5d4da8e5dd521b974ec0c740886f',
      },
      values: {
        // v1.36.1 goes by tag: its digest is not in the promotion list read (src/bootstrap/addons.ts).
        image: { repository: 'registry.k8s.io/provider-aws/cloud-controller-manager', tag: 'v1.36.1' },
        args: ['--v=2', '--cloud-provider=aws', '--cluster-name=addons.example.com', '--configure-cloud-routes=false'],
        hostNetworking: true,
        nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
      },
    });
  });

  it('follows the Kubernetes minor (the newest promoted patch, by digest where the promotion list gives it), and refuses a minor it has no controller for, naming the field', () => {
    const { cluster } = completed();
    for (const [version, tag, digest] of [
      ['1.32.5', 'v1.32.8', '1bb79227d3f631d686ee1dfaa36ffcd6780f4d54918b0e54aa5d635a987b3fe5'],
      ['1.33.1', 'v1.33.4', 'b54bc094711e9d7ace6c9bab3d6f02a598e7570ac1fedd6341940e1de79ea476'],
      ['1.34.0', 'v1.34.3', 'ab45cec4a1ee68a556d09a362746db8fd66b258101aefcf0542f51e960248810'],
      ['v1.35.2', 'v1.35.2', '5a5d4e5942ad078a184c12bf5435f8226ccb157ee15e9e1f87c183a4bf4b8f1a'],
      ['1.36.3', 'v1.36.1', undefined],
    ] as const) {
      const a = ccmAddon({ ...cluster, spec: { ...cluster.spec, kubernetesVersion: version } });
      // The chart renders `<repository>:<tag>`: the digest rides in the tag, the path has the tag alone.
      expect((a.addon.values as { image: { tag: string } }).image.tag, version).toBe(digest ? `${tag}@sha256:${digest}` : tag);
      expect(a.addon.version).toBe(`0.0.11-${tag}`);
      expect(a.path).toBe(`addons.example.com/addons/aws-cloud-controller-manager/0.0.11-${tag}/addon.yaml`);
    }
    expect(Object.keys(CCM_IMAGE_TAGS)).toEqual(['1.32', '1.33', '1.34', '1.35', '1.36']);
    const err = (() => {
      try {
        ccmAddon({ ...cluster, spec: { ...cluster.spec, kubernetesVersion: '1.31.4' } });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(KopsError);
    expect((err as KopsError).message).toBe('spec.kubernetesVersion "1.31.4": kops-ts pins the AWS cloud controller for Kubernetes 1.32, 1.33, 1.34, 1.35, 1.36 only, and nodes keep the uninitialized taint without it');
  });

  it('writeBootstrapConfig writes it and gives its path to every group\'s bootstrap.env; everything pinned, nothing unpinned is allowed', async () => {
    const store = openStateStore('memory://ccm-written');
    const { cluster, instanceGroups } = completed({ networking: 'cni' });
    await ensureClusterKeysets(new KeysetStore(store), cluster);
    const r = await writeBootstrapConfig({ store, cluster, instanceGroups, loadBalancerDnsName: LB });
    expect(r.written).toContain('addons.example.com/addons/aws-cloud-controller-manager/0.0.11-v1.36.1/addon.yaml');
    expect(r.written.filter((p) => p.includes('/addons/'))).toHaveLength(1);
    const env = Buffer.from((await store.read('addons.example.com/igconfig/control-plane/control-plane-us-east-1a/bootstrap.env'))!.data).toString();
    expect(env).toContain("CNI='none'\n");
    expect(env).not.toContain('CNI_ADDON=');
    expect(env).toContain("CCM_ADDON='addons/aws-cloud-controller-manager/0.0.11-v1.36.1/addon.yaml'\n");
    expect(env).toContain("ADDONS_ALLOW_UNPINNED='0'\n");
  });
});
