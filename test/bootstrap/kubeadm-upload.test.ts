/**
 * The digest of a control-plane group's cluster configuration (kubeadm.ts `clusterConfigHash`):
 * what the group's user data names so that a change rolls its instances, and what
 * kubeadm-init.yaml's first line names so that a joining control plane uploads only the
 * configuration its launch template was made for (kubeadm-upload.ts). How bootstrap.sh runs the
 * upload is tested in bootstrap-script.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { bootstrapFiles, clusterConfigHash, type BootstrapFacts } from '../../src/bootstrap/kubeadm.js';
import { CLUSTER_CONFIG_LABEL, kubeadmUploadScript } from '../../src/bootstrap/kubeadm-upload.js';

const FACTS: BootstrapFacts = {
  loadBalancerDnsName: 'api-upload-0123456789.elb.us-east-1.amazonaws.com',
  bootstrapToken: 'abcdef.0123456789abcdef',
  caCertHashes: [`sha256:${'ab'.repeat(32)}`],
};

function completed(o: NewClusterOptions): { cluster: Cluster; igs: InstanceGroup[] } {
  const built = newCluster(o);
  const c = completeCluster(built.cluster, built.instanceGroups);
  return { cluster: c.cluster, igs: c.instanceGroups };
}

const HA = completed({ name: 'ha.example.com', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] });
const cpA = HA.igs.find((g) => g.metadata.name === 'control-plane-us-east-1a')!;
const cpB = HA.igs.find((g) => g.metadata.name === 'control-plane-us-east-1b')!;

function withSpec(c: Cluster, edit: (spec: Record<string, unknown>) => void): Cluster {
  const copy = structuredClone(c);
  edit(copy.spec as Record<string, unknown>);
  return copy;
}

function initYaml(c: Cluster, ig: InstanceGroup, facts = FACTS): string {
  return bootstrapFiles(c, ig, facts)!.files.find((f) => f.name === 'kubeadm-init.yaml')!.content;
}

describe('clusterConfigHash', () => {
  it('is 16 hex digits, and kubeadm-init.yaml\'s first line names it', () => {
    const h = clusterConfigHash(HA.cluster, cpA);
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(initYaml(HA.cluster, cpA).split('\n')[0]).toBe(`${CLUSTER_CONFIG_LABEL}${h}`);
  });

  it('changes with the ClusterConfiguration: a component\'s feature gate, the Kubernetes version', () => {
    const h = clusterConfigHash(HA.cluster, cpA);
    const gated = withSpec(HA.cluster, (s) => { s.kubeAPIServer = { ...(s.kubeAPIServer as object), featureGates: { SomeGate: 'true' } }; });
    expect(clusterConfigHash(gated, cpA)).not.toBe(h);
    const upgraded = withSpec(HA.cluster, (s) => { s.kubernetesVersion = '1.35.0'; });
    expect(clusterConfigHash(upgraded, cpA)).not.toBe(h);
  });

  it('changes with the KubeProxyConfiguration, and when kube-proxy is turned on or off', () => {
    // The reference cluster runs cilium without kube-proxy.
    expect(initYaml(HA.cluster, cpA)).not.toContain('KubeProxyConfiguration');
    const on = withSpec(HA.cluster, (s) => { s.kubeProxy = { ...(s.kubeProxy as object), enabled: true }; });
    const h = clusterConfigHash(on, cpA);
    expect(clusterConfigHash(HA.cluster, cpA)).not.toBe(h);
    const gated = withSpec(on, (s) => { s.kubeProxy = { ...(s.kubeProxy as object), featureGates: { SomeGate: 'false' } }; });
    expect(clusterConfigHash(gated, cpA)).not.toBe(h);
  });

  it('differs per control-plane group: each names its own etcd member\'s SANs', () => {
    expect(clusterConfigHash(HA.cluster, cpA)).not.toBe(clusterConfigHash(HA.cluster, cpB));
    expect(initYaml(HA.cluster, cpB)).toContain('etcd-b.internal.ha.example.com');
  });

  it('leaves out what only the apply knows and the bootstrap token: a new token or load balancer changes the file, not its digest', () => {
    const before = initYaml(HA.cluster, cpA);
    const rotated = initYaml(HA.cluster, cpA, { ...FACTS, bootstrapToken: 'zyxwvu.0123456789abcdef' });
    const otherLb = initYaml(HA.cluster, cpA, { ...FACTS, loadBalancerDnsName: 'api-other-99.elb.us-east-1.amazonaws.com' });
    expect(rotated).not.toBe(before);
    expect(otherLb).not.toBe(before);
    for (const f of [rotated, otherLb]) expect(f.split('\n')[0]).toBe(before.split('\n')[0]);
  });

  it('does not change with the group\'s kubelet settings or the node groups (their own digests roll them)', () => {
    const h = clusterConfigHash(HA.cluster, cpA);
    const kubelet = withSpec(HA.cluster, (s) => { s.kubelet = { ...(s.kubelet as object), maxPods: 42 }; });
    expect(clusterConfigHash(kubelet, cpA)).toBe(h);
  });
});

describe('kubeadmUploadScript', () => {
  it('runs kube-proxy\'s phase only when kube-proxy is enabled; CoreDNS\'s always', () => {
    expect(kubeadmUploadScript(true)).toMatch(/^ {2}phase upload-config kubeadm\n {2}phase addon kube-proxy\n {2}phase addon coredns\n/m);
    expect(kubeadmUploadScript(false)).toMatch(/^ {2}phase upload-config kubeadm\n {2}phase addon coredns\n/m);
    expect(kubeadmUploadScript(false)).not.toContain('phase addon kube-proxy');
  });

  it('deletes kubeadm\'s kube-proxy DaemonSet and ConfigMap only when kube-proxy is disabled, ignoring not-found', () => {
    const removal = 'kubectl --kubeconfig "$kubeconfig" -n kube-system delete daemonset/kube-proxy configmap/kube-proxy \\\n    --ignore-not-found';
    expect(kubeadmUploadScript(false)).toContain(removal);
    expect(kubeadmUploadScript(true)).not.toContain('kubectl');
  });

  it('is written to every control-plane group with kube-proxy as the spec says, and to no worker group', () => {
    const on = withSpec(HA.cluster, (s) => { s.kubeProxy = { ...(s.kubeProxy as object), enabled: true }; });
    const script = (c: Cluster, ig: InstanceGroup) => bootstrapFiles(c, ig, FACTS)!.files.find((f) => f.name === 'kubeadm-upload.sh')?.content;
    expect(script(on, cpB)).toBe(kubeadmUploadScript(true));
    expect(script(HA.cluster, cpB)).toBe(kubeadmUploadScript(false));
    expect(script(HA.cluster, HA.igs.find((g) => g.metadata.name === 'nodes-us-east-1a')!)).toBeUndefined();
  });
});
