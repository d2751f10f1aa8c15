/**
 * kubeadm configuration from the spec, field by field, for the three reference clusters (minimal,
 * HA with 3 etcd members, private), read back from the rendered YAML as kubeadm would read it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import {
  apiServerCertSANs,
  bootstrapFiles,
  caCertHash,
  clusterConfigHash,
  controlPlaneEndpoint,
  kubernetesServiceIP,
  type BootstrapFacts,
} from '../../src/bootstrap/kubeadm.js';
import { KopsError } from '../../src/diagnostics.js';
import { kopsDocumentValue, parseKopsYamlDocuments } from '../../src/model/api/yaml.js';
import { ETCD_BACKUP_PY } from '../../src/bootstrap/etcd-backup.js';
import { GCS_STORE_PY } from '../../src/bootstrap/gce-helpers.js';
import { S3_STORE_PY } from '../../src/bootstrap/s3-store.js';
import { kubeadmUploadScript } from '../../src/bootstrap/kubeadm-upload.js';

const LB = 'api-minimal-example-com-0123456789.elb.us-east-1.amazonaws.com';

/** A CA made with the real openssl, and its public-key hash computed the way kubeadm's docs say. */
function opensslCA(): { pem: string; hash: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kubeadm-ca-'));
  const key = join(dir, 'ca.key');
  const crt = join(dir, 'ca.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=kubernetes-ca'], { stdio: 'pipe' });
  const pub = execFileSync('openssl', ['x509', '-pubkey', '-noout', '-in', crt]);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
  const hash = execFileSync('openssl', ['dgst', '-sha256', '-hex'], { input: der }).toString().trim().split(/\s+/).pop()!;
  return { pem: readFileSync(crt, 'utf8'), hash: `sha256:${hash}` };
}

const CA = opensslCA();
const FACTS: BootstrapFacts = { loadBalancerDnsName: LB, bootstrapToken: 'abcdef.0123456789abcdef', caCertHashes: [CA.hash] };

function completed(o: NewClusterOptions): { cluster: Cluster; igs: InstanceGroup[] } {
  const built = newCluster(o);
  const c = completeCluster(built.cluster, built.instanceGroups);
  return { cluster: c.cluster, igs: c.instanceGroups };
}

function docsOf(content: string): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const d of parseAllDocuments(content)) {
    expect(d.errors).toEqual([]);
    const o = d.toJS() as Record<string, unknown>;
    out[o.kind as string] = o;
  }
  return out;
}

function file(c: Cluster, ig: InstanceGroup, name: string, facts = FACTS): string {
  const f = bootstrapFiles(c, ig, facts)!.files.find((x) => x.name === name);
  expect(f, `${ig.metadata.name}: ${name}`).toBeDefined();
  return f!.content;
}

const byName = (igs: InstanceGroup[], n: string) => igs.find((g) => g.metadata.name === n)!;

describe('caCertHash', () => {
  it('is the sha256 of the DER public key, as openssl computes it for --discovery-token-ca-cert-hash', () => {
    expect(caCertHash(CA.pem)).toBe(CA.hash);
  });
});

describe('kubernetesServiceIP', () => {
  it('is the first address of the service range', () => {
    expect(kubernetesServiceIP('100.64.0.0/13')).toBe('100.64.0.1');
    expect(kubernetesServiceIP('10.96.0.0/12')).toBe('10.96.0.1');
    expect(kubernetesServiceIP('fd00:5e4f:ce::/108')).toBe('fd00:5e4f:ce::1');
    expect(kubernetesServiceIP('fd00:0:1::/108')).toBe('fd00:0:1::1');
    expect(() => kubernetesServiceIP('10.0.0.1/8')).toThrowError(/spec\.serviceClusterIPRange is "10\.0\.0\.1\/8", not a CIDR/);
  });
});

describe('the minimal cluster (DNS none: the load balancer is the endpoint)', () => {
  const { cluster, igs } = completed({ name: 'minimal.example.com', zones: ['us-east-1a'] });
  const cp = byName(igs, 'control-plane-us-east-1a');
  const nodes = byName(igs, 'nodes-us-east-1a');

  it('writes init, join and env files for the control plane and join and env for nodes, under kops\'s igconfig layout', () => {
    const c = bootstrapFiles(cluster, cp, FACTS)!;
    expect(c.folder).toBe('minimal.example.com/igconfig/control-plane/control-plane-us-east-1a/');
    expect(c.files.map((f) => f.name)).toEqual(['kubeadm-init.yaml', 'kubeadm-upload.sh', 'etcd-prune.py', 'etcd-backup.py', 'etcd-backup-store.py', 'kubeadm-join.yaml', 'kubelet-patch.yaml', 'bootstrap.env']);
    // What a control plane runs before joining (kubeadm-upload.ts): the script, no secret in it; no kube-proxy (cilium replaces it).
    expect(c.files.find((f) => f.name === 'kubeadm-upload.sh')).toMatchObject({ secret: false, content: kubeadmUploadScript(false) });
    // kubeadm-init.yaml's first line names the digest the group's user data carries.
    expect(c.files.find((f) => f.name === 'kubeadm-init.yaml')!.content.split('\n')[0]).toBe(`# kops-ts cluster configuration ${clusterConfigHash(cluster, cp)}`);
    // The etcd member cleanup bootstrap.sh fetches before a join: the script itself, no secret in it.
    expect(c.files.find((f) => f.name === 'etcd-prune.py')).toMatchObject({ secret: false, content: expect.stringMatching(/^#!\/usr\/bin\/env python3\n/) });
    // The etcd backup its timer runs, and AWS's store helper (S3 with the instance role) for it.
    expect(c.files.find((f) => f.name === 'etcd-backup.py')).toMatchObject({ secret: false, content: ETCD_BACKUP_PY });
    expect(c.files.find((f) => f.name === 'etcd-backup-store.py')).toMatchObject({ secret: false, content: S3_STORE_PY });
    expect(c.files.find((f) => f.name === 'bootstrap.env')!.content).toContain("\nETCD_BACKUP_RETENTION_DAYS='90'\n");
    const gce = structuredClone(cluster);
    gce.spec.cloudProvider = 'gce';
    gce.spec.etcdClusters!.find((e) => e.name === 'main')!.manager = { backupRetentionDays: 7 };
    const g = bootstrapFiles(gce, cp, FACTS)!;
    expect(g.files.find((f) => f.name === 'etcd-backup-store.py')!.content).toBe(GCS_STORE_PY);
    expect(g.files.find((f) => f.name === 'bootstrap.env')!.content).toContain("\nETCD_BACKUP_RETENTION_DAYS='7'\n");
    const n = bootstrapFiles(cluster, nodes, FACTS)!;
    expect(n.folder).toBe('minimal.example.com/igconfig/node/nodes-us-east-1a/');
    expect(n.files.map((f) => f.name)).toEqual(['kubeadm-join.yaml', 'kubelet-patch.yaml', 'bootstrap.env']);
    expect(n.files.find((f) => f.name === 'kubeadm-join.yaml')!.secret).toBe(true);
  });

  it('ClusterConfiguration carries the spec: version, endpoint, CIDRs, SANs, stacked etcd with TLS, external cloud provider', () => {
    const d = docsOf(file(cluster, cp, 'kubeadm-init.yaml'));
    const cc = d.ClusterConfiguration!;
    expect(cc.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(cc.kubernetesVersion).toBe(`v${cluster.spec.kubernetesVersion}`);
    expect(cc.clusterName).toBe('minimal.example.com');
    expect(cc.controlPlaneEndpoint).toBe(`${LB}:443`);
    expect(cc.networking).toEqual({ podSubnet: cluster.spec.podCIDR, serviceSubnet: cluster.spec.serviceClusterIPRange, dnsDomain: 'cluster.local' });
    expect(cluster.spec.podCIDR).toBe('100.96.0.0/11');
    expect(cluster.spec.serviceClusterIPRange).toBe('100.64.0.0/13');
    const api = cc.apiServer as { certSANs: string[]; extraArgs: { name: string; value: string }[] };
    expect(api.certSANs).toEqual([
      '100.64.0.1',
      '127.0.0.1',
      LB,
      'api.internal.minimal.example.com',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
      'localhost',
    ].sort());
    expect(api.extraArgs).toContainEqual({ name: 'cloud-provider', value: 'external' });
    expect(api.extraArgs).toContainEqual({ name: 'authorization-mode', value: 'Node,RBAC' });
    const etcd = (cc.etcd as { local: { dataDir: string; serverCertSANs: string[]; peerCertSANs: string[]; extraArgs: unknown[] } }).local;
    expect(etcd.dataDir).toBe('/var/lib/etcd');
    expect(etcd.serverCertSANs).toEqual(['etcd-a.internal.minimal.example.com']);
    expect(etcd.peerCertSANs).toEqual(['etcd-a.internal.minimal.example.com']);
    expect(etcd.extraArgs).toEqual([{ name: 'client-cert-auth', value: 'true' }, { name: 'peer-client-cert-auth', value: 'true' }]);
  });

  it('cilium (the default) disables kube-proxy: proxy.disabled, the addon phase skipped, no KubeProxyConfiguration', () => {
    expect((cluster.spec as { kubeProxy?: { enabled?: boolean } }).kubeProxy?.enabled).toBe(false);
    const d = docsOf(file(cluster, cp, 'kubeadm-init.yaml'));
    expect(d.ClusterConfiguration!.proxy).toEqual({ disabled: true });
    expect(d.InitConfiguration!.skipPhases).toEqual(['addon/kube-proxy']);
    expect(d.KubeProxyConfiguration).toBeUndefined();
    expect(Object.keys(d).sort()).toEqual(['ClusterConfiguration', 'InitConfiguration', 'KubeletConfiguration']);
  });

  it('InitConfiguration registers the join token; nodes join by that token pinned to the CA hash, with no control-plane section', () => {
    const init = docsOf(file(cluster, cp, 'kubeadm-init.yaml')).InitConfiguration!;
    expect((init.bootstrapTokens as { token: string; ttl: string }[]).map((t) => [t.token, t.ttl])).toEqual([[FACTS.bootstrapToken, '0s']]);
    expect(init.localAPIEndpoint).toEqual({ bindPort: 443 });
    const join = docsOf(file(cluster, nodes, 'kubeadm-join.yaml')).JoinConfiguration!;
    expect(join.discovery).toEqual({ bootstrapToken: { token: FACTS.bootstrapToken, apiServerEndpoint: `${LB}:443`, caCertHashes: [CA.hash] } });
    expect(join.controlPlane).toBeUndefined();
    expect(join.nodeRegistration).toMatchObject({ criSocket: 'unix:///run/containerd/containerd.sock', taints: [] });
    expect((join.nodeRegistration as { kubeletExtraArgs: unknown[] }).kubeletExtraArgs).toContainEqual({ name: 'cloud-provider', value: 'external' });
  });

  it('the control plane joins with a controlPlane section and no certificateKey (CA material comes from the store)', () => {
    const join = docsOf(file(cluster, cp, 'kubeadm-join.yaml')).JoinConfiguration!;
    expect(join.controlPlane).toEqual({ localAPIEndpoint: { bindPort: 443 } });
    expect(JSON.stringify(join)).not.toContain('certificateKey');
  });

  it('the env file is sourced by a real shell with every value intact, a quote included', () => {
    const odd = structuredClone(nodes);
    odd.metadata.name = "it's-odd";
    const env = bootstrapFiles(cluster, odd, FACTS, { EXTRA: 'a b $HOME `x`' })!.files.find((f) => f.name === 'bootstrap.env')!.content;
    const dir = mkdtempSync(join(tmpdir(), 'bootstrap-env-'));
    const path = join(dir, 'bootstrap.env');
    writeFileSync(path, env);
    const plain = join(dir, 'plain.env');
    writeFileSync(plain, file(cluster, cp, 'bootstrap.env'));
    execFileSync('shellcheck', [plain]); // throws on any finding
    const out = execFileSync('sh', ['-c', `set -eu; . "$1"; printf '%s|%s|%s' "$KOPS_TS_INSTANCE_GROUP" "$EXTRA" "$API_ENDPOINT"`, 'sh', path]).toString();
    expect(out).toBe(`it's-odd|a b $HOME \`x\`|${LB}:443`);
  });

  it('the env file says the versions, role, endpoint and the group that initialises', () => {
    const env = file(cluster, cp, 'bootstrap.env');
    const v = cluster.spec.kubernetesVersion!;
    expect(env).toContain(`KUBERNETES_VERSION='${v}'\n`);
    expect(env).toContain(`KUBERNETES_MINOR='${v.split('.').slice(0, 2).join('.')}'\n`);
    expect(env).toContain(`KOPS_TS_ROLE='control-plane'\n`);
    expect(env).toContain(`KOPS_TS_INIT_GROUP='control-plane-us-east-1a'\n`);
    expect(env).toContain(`API_ENDPOINT='${LB}:443'\n`);
    expect(env).not.toContain(FACTS.bootstrapToken);
  });

  it('without the load balancer\'s name a cluster with no DNS has no endpoint: a clear error', () => {
    expect(() => controlPlaneEndpoint(cluster, {})).toThrowError(/publishes no DNS name and its API load balancer has no DNS name yet/);
  });

  it('bastions get nothing', () => {
    const p = completed({ name: 'private.example.com', zones: ['us-east-1a'], topology: 'private', bastion: true });
    const bastion = p.igs.find((g) => g.spec.role === 'Bastion')!;
    expect(bootstrapFiles(p.cluster, bastion, FACTS)).toBeUndefined();
  });
});

describe('the HA cluster (3 control planes, 3 etcd members)', () => {
  const { cluster, igs } = completed({ name: 'ha.example.com', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] });
  const cps = igs.filter((g) => g.spec.role === 'Master' || g.spec.role === 'ControlPlane');

  it('each control plane\'s etcd member has its own SANs; all share the endpoint and the init group', () => {
    expect(cps.map((g) => g.metadata.name)).toEqual(['control-plane-us-east-1a', 'control-plane-us-east-1b', 'control-plane-us-east-1c']);
    const sans = cps.map((g) => (docsOf(file(cluster, g, 'kubeadm-init.yaml')).ClusterConfiguration!.etcd as { local: { serverCertSANs: string[]; peerCertSANs: string[] } }).local);
    expect(sans.map((s) => s.serverCertSANs)).toEqual([['etcd-a.internal.ha.example.com'], ['etcd-b.internal.ha.example.com'], ['etcd-c.internal.ha.example.com']]);
    expect(sans.map((s) => s.peerCertSANs)).toEqual(sans.map((s) => s.serverCertSANs));
    for (const g of cps) {
      expect(docsOf(file(cluster, g, 'kubeadm-init.yaml')).ClusterConfiguration!.controlPlaneEndpoint).toBe(`${LB}:443`);
      expect(file(cluster, g, 'bootstrap.env')).toContain(`KOPS_TS_INIT_GROUP='control-plane-us-east-1a'\n`);
    }
    expect(file(cluster, cps[1]!, 'bootstrap.env')).toContain(`ETCD_MEMBERS='b'\n`);
  });

  it('a control-plane group with no etcd member is refused with the field named', () => {
    const stripped = structuredClone(cluster);
    for (const e of stripped.spec.etcdClusters!) e.etcdMembers = e.etcdMembers.filter((m) => m.instanceGroup !== 'control-plane-us-east-1c');
    expect(() => bootstrapFiles(stripped, cps[2]!, FACTS)).toThrowError(/spec\.etcdClusters\[main\]\.etcdMembers has no member in control-plane group control-plane-us-east-1c/);
  });
});

describe('the private cluster with DNS: the public name is the endpoint', () => {
  const { cluster, igs } = completed({ name: 'private.example.com', zones: ['us-east-1a', 'us-east-1b'], topology: 'private', bastion: true, dnsZone: 'example.com' });
  const cp = igs.find((g) => g.spec.role === 'Master' || g.spec.role === 'ControlPlane')!;

  it('uses api.<cluster> as endpoint and keeps the load balancer\'s name as a SAN', () => {
    expect(cluster.spec.topology?.dns?.type).not.toBe('None');
    const cc = docsOf(file(cluster, cp, 'kubeadm-init.yaml')).ClusterConfiguration!;
    expect(cc.controlPlaneEndpoint).toBe('api.private.example.com:443');
    expect((cc.apiServer as { certSANs: string[] }).certSANs).toEqual(expect.arrayContaining(['api.private.example.com', LB, 'api.internal.private.example.com']));
    expect(apiServerCertSANs(cluster, {})).toContain('api.private.example.com');
  });
});

describe('kube-proxy, feature gates and bad input', () => {
  it('with calico kube-proxy runs: KubeProxyConfiguration with the pod CIDR and its gates, no skipped phase', () => {
    const { cluster, igs } = completed({ name: 'calico.example.com', zones: ['us-east-1a'], networking: 'calico' });
    (cluster.spec as Record<string, unknown>).kubeProxy = { featureGates: { SomeGate: 'true' } };
    (cluster.spec as Record<string, unknown>).kubeAPIServer = { featureGates: { B: 'false', A: 'true' } };
    const d = docsOf(file(cluster, igs.find((g) => g.spec.role !== 'Node')!, 'kubeadm-init.yaml'));
    expect(d.KubeProxyConfiguration).toMatchObject({ apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', clusterCIDR: cluster.spec.podCIDR, featureGates: { SomeGate: true } });
    expect(d.ClusterConfiguration!.proxy).toEqual({ disabled: false });
    expect(d.InitConfiguration!.skipPhases).toBeUndefined();
    expect((d.ClusterConfiguration!.apiServer as { extraArgs: unknown[] }).extraArgs).toContainEqual({ name: 'feature-gates', value: 'A=true,B=false' });
  });

  it('a feature gate that is not true/false names the field', () => {
    const { cluster, igs } = completed({ name: 'gates.example.com', zones: ['us-east-1a'] });
    cluster.spec.kubelet = { featureGates: { Foo: 'maybe' } };
    const err = (() => {
      try {
        bootstrapFiles(cluster, igs[0]!, FACTS);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(KopsError.is(err, 'InvalidBootstrapInput')).toBe(true);
    expect((err as Error).message).toBe('spec.kubelet.featureGates.Foo is "maybe"; a feature gate is "true" or "false"');
  });

  it('a bad taint names the group and the index', () => {
    const { cluster, igs } = completed({ name: 'taints.example.com', zones: ['us-east-1a'] });
    const nodes = igs.find((g) => g.spec.role === 'Node')!;
    nodes.spec.taints = ['dedicated=gpu:NoSchedule', 'broken'];
    expect(() => bootstrapFiles(cluster, nodes, FACTS)).toThrowError(/instance group nodes-us-east-1a: spec\.taints\[1\] is "broken"/);
    nodes.spec.taints = ['dedicated=gpu:NoSchedule'];
    expect(docsOf(file(cluster, nodes, 'kubeadm-join.yaml')).JoinConfiguration!.nodeRegistration).toMatchObject({ taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  });

  it('quotes what kubeadm (go-yaml v2, YAML 1.1) would read as a boolean: a taint value yes, an OIDC client id no', () => {
    const { cluster, igs } = completed({ name: 'yaml11.example.com', zones: ['us-east-1a'] });
    cluster.spec.kubeAPIServer = { ...(cluster.spec.kubeAPIServer ?? {}), oidcIssuerURL: 'https://sso.example.com', oidcClientID: 'no' };
    const nodes = igs.find((g) => g.spec.role === 'Node')!;
    nodes.spec.taints = ['spot=yes:NoSchedule', 'on:NoExecute'];
    const asKubeadmReadsIt = (text: string) => parseKopsYamlDocuments(text).map((d) => kopsDocumentValue(d) as Record<string, any>);
    const join = asKubeadmReadsIt(file(cluster, nodes, 'kubeadm-join.yaml')).find((d) => d.kind === 'JoinConfiguration')!;
    expect(join.nodeRegistration.taints).toEqual([{ key: 'spot', value: 'yes', effect: 'NoSchedule' }, { key: 'on', effect: 'NoExecute' }]);
    const cp = igs.find((g) => g.spec.role === 'Master' || g.spec.role === 'ControlPlane')!;
    const init = asKubeadmReadsIt(file(cluster, cp, 'kubeadm-init.yaml')).find((d) => d.kind === 'ClusterConfiguration')!;
    expect(init.apiServer.extraArgs).toContainEqual({ name: 'oidc-client-id', value: 'no' });
  });

  it('refuses a malformed token or no CA hash rather than writing unpinned discovery', () => {
    const { cluster, igs } = completed({ name: 'facts.example.com', zones: ['us-east-1a'] });
    expect(() => bootstrapFiles(cluster, igs[0]!, { ...FACTS, bootstrapToken: 'short' })).toThrowError(/not in kubeadm's format/);
    expect(() => bootstrapFiles(cluster, igs[0]!, { ...FACTS, caCertHashes: [] })).toThrowError(/no cluster CA to pin/);
  });

  it('renders deterministic documents with only the API versions kubeadm reads, and no nulls', () => {
    const { cluster, igs } = completed({ name: 'minimal.example.com', zones: ['us-east-1a'] });
    const text = file(cluster, igs[0]!, 'kubeadm-init.yaml');
    expect(file(cluster, igs[0]!, 'kubeadm-init.yaml')).toBe(text);
    expect(parseAllDocuments(text).map((d) => (d.toJS() as { apiVersion: string }).apiVersion)).toEqual(['kubeadm.k8s.io/v1beta4', 'kubeadm.k8s.io/v1beta4', 'kubelet.config.k8s.io/v1beta1']);
    expect(text).not.toContain('null');
    expect(text).not.toMatch(/[&*]a\d/); // no YAML anchors or aliases
  });
});

/**
 * The spec fields the bootstrap acts on (docs/spec.md, "Fields the node bootstrap acts on"), each
 * changed alone from a value that differs from its default, so a field the writer stopped reading
 * fails here. test/model/acted-on-fields.test.ts names this file for each of them.
 */
describe('each spec field the kubeadm configuration carries', () => {
  const spec = (c: Cluster) => c.spec as Record<string, unknown>;
  const initDocs = (c: Cluster, igs: InstanceGroup[]) => docsOf(file(c, igs.find((g) => g.spec.role !== 'Node')!, 'kubeadm-init.yaml'));

  it('podCIDR and serviceClusterIPRange: podSubnet and serviceSubnet, kube-proxy\'s clusterCIDR, the service range\'s first address as an API server SAN', () => {
    const { cluster, igs } = completed({ name: 'ranges.example.com', zones: ['us-east-1a'], networking: 'calico' });
    cluster.spec.podCIDR = '10.200.0.0/16';
    cluster.spec.serviceClusterIPRange = '10.96.0.0/12';
    const d = initDocs(cluster, igs);
    expect(d.ClusterConfiguration!.networking).toEqual({ podSubnet: '10.200.0.0/16', serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local' });
    const sans = (d.ClusterConfiguration!.apiServer as { certSANs: string[] }).certSANs;
    expect(sans).toContain('10.96.0.1');
    expect(sans).not.toContain('100.64.0.1');
    expect(d.KubeProxyConfiguration!.clusterCIDR).toBe('10.200.0.0/16');
  });

  it('kubelet.anonymousAuth: KubeletConfiguration authentication.anonymous.enabled, off unless true', () => {
    const { cluster, igs } = completed({ name: 'anon.example.com', zones: ['us-east-1a'] });
    expect(cluster.spec.kubelet?.anonymousAuth).toBe(false); // what create cluster writes
    expect(initDocs(cluster, igs).KubeletConfiguration!.authentication).toEqual({ anonymous: { enabled: false } });
    cluster.spec.kubelet = { ...cluster.spec.kubelet, anonymousAuth: true };
    expect(initDocs(cluster, igs).KubeletConfiguration!.authentication).toEqual({ anonymous: { enabled: true } });
  });

  it('kubelet.featureGates: KubeletConfiguration featureGates, as booleans; none without them', () => {
    const { cluster, igs } = completed({ name: 'kubelet-gates.example.com', zones: ['us-east-1a'] });
    expect(initDocs(cluster, igs).KubeletConfiguration!.featureGates).toBeUndefined();
    cluster.spec.kubelet = { featureGates: { GateA: 'true', GateB: 'false' } };
    expect(initDocs(cluster, igs).KubeletConfiguration!.featureGates).toEqual({ GateA: true, GateB: false });
  });

  it('kubeControllerManager.featureGates and kubeScheduler.featureGates: each component\'s --feature-gates', () => {
    const { cluster, igs } = completed({ name: 'cp-gates.example.com', zones: ['us-east-1a'] });
    const before = initDocs(cluster, igs).ClusterConfiguration!;
    expect(before.controllerManager).toEqual({ extraArgs: [{ name: 'cloud-provider', value: 'external' }] });
    expect(before.scheduler).toEqual({});
    spec(cluster).kubeControllerManager = { featureGates: { CmGate: 'true' } };
    spec(cluster).kubeScheduler = { featureGates: { SchedB: 'false', SchedA: 'true' } };
    const after = initDocs(cluster, igs).ClusterConfiguration!;
    expect(after.controllerManager).toEqual({ extraArgs: [{ name: 'cloud-provider', value: 'external' }, { name: 'feature-gates', value: 'CmGate=true' }] });
    expect(after.scheduler).toEqual({ extraArgs: [{ name: 'feature-gates', value: 'SchedA=true,SchedB=false' }] });
  });

  it('kubeProxy.enabled: true on a cilium cluster runs kube-proxy (no skipped phase, a KubeProxyConfiguration, KUBE_PROXY enabled)', () => {
    const { cluster, igs } = completed({ name: 'proxy.example.com', zones: ['us-east-1a'] });
    const cp = igs.find((g) => g.spec.role !== 'Node')!;
    expect(file(cluster, cp, 'bootstrap.env')).toContain(`KUBE_PROXY='disabled'\n`);
    spec(cluster).kubeProxy = { enabled: true };
    const d = initDocs(cluster, igs);
    expect(d.ClusterConfiguration!.proxy).toEqual({ disabled: false });
    expect(d.InitConfiguration!.skipPhases).toBeUndefined();
    expect(d.KubeProxyConfiguration).toMatchObject({ kind: 'KubeProxyConfiguration', clusterCIDR: cluster.spec.podCIDR });
    expect(file(cluster, cp, 'bootstrap.env')).toContain(`KUBE_PROXY='enabled'\n`);
  });

  it('authorization.alwaysAllow: the API server\'s authorization-mode is AlwaysAllow instead of Node,RBAC', () => {
    const { cluster, igs } = completed({ name: 'authz.example.com', zones: ['us-east-1a'] });
    const mode = () => ((initDocs(cluster, igs).ClusterConfiguration!.apiServer as { extraArgs: { name: string; value: string }[] }).extraArgs).find((a) => a.name === 'authorization-mode')!.value;
    expect(mode()).toBe('Node,RBAC');
    cluster.spec.authorization = { alwaysAllow: {} };
    expect(mode()).toBe('AlwaysAllow');
  });
});
