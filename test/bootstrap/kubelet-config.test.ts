/**
 * The kubelet's configuration from the spec (src/bootstrap/kubelet-config.ts): every field kops-ts
 * acts on mapped to kubelet.config.k8s.io/v1beta1, the merge (cluster → masterKubelet for control
 * planes → instance group), kubeadm-init.yaml's cluster-wide KubeletConfiguration, and each group's
 * kubeadm patch, applied here as kubeadm applies it (JSON merge patches, RFC 7386, in order) over
 * the kubelet-config ConfigMap a cluster was created with.
 */
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import type { Cluster, InstanceGroup, KubeletConfigSpec } from '../../src/model/api/types.js';
import { bootstrapFiles, type BootstrapFacts } from '../../src/bootstrap/kubeadm.js';
import { kubeletConfigHash, kubeletConfiguration, kubeletFields, kubeletPatch } from '../../src/bootstrap/kubelet-config.js';
import { KUBELET_ACTED_FIELDS, effectiveKubelet } from '../../src/model/kubelet.js';
import { buildGceTasks } from '../../src/model/gce/index.js';

const FACTS: BootstrapFacts = { loadBalancerDnsName: 'api-k-example-com.elb.us-east-1.amazonaws.com', bootstrapToken: 'abcdef.0123456789abcdef', caCertHashes: [`sha256:${'0'.repeat(64)}`] };

function cluster(): { c: Cluster; cp: InstanceGroup; nodesA: InstanceGroup; nodesB: InstanceGroup } {
  const built = newCluster({ name: 'k.example.com', zones: ['us-east-1a', 'us-east-1b'] });
  const done = completeCluster(built.cluster, built.instanceGroups);
  const by = (n: string) => done.instanceGroups.find((g) => g.metadata.name === n)!;
  return { c: done.cluster, cp: by('control-plane-us-east-1a'), nodesA: by('nodes-us-east-1a'), nodesB: by('nodes-us-east-1b') };
}

type Json = unknown;

/** RFC 7386 JSON merge patch, as kubeadm's `+merge` patches apply (evanphx/json-patch MergePatch). */
function mergePatch(target: Json, patch: Json): Json {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, Json> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, Json>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, Json>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function patchDocs(text: string): Json[] {
  const docs = parseAllDocuments(text);
  for (const d of docs) expect(d.errors).toEqual([]);
  return docs.map((d) => d.toJS() as Json);
}

/** What kubeadm writes to /var/lib/kubelet/config.yaml: the ConfigMap's configuration, the group's patches over it. */
function onNode(configMap: Record<string, Json>, patch: string): Record<string, Json> {
  return patchDocs(patch).reduce<Json>((acc, p) => mergePatch(acc, p), configMap) as Record<string, Json>;
}

/** One value of every field kops-ts acts on, and its v1beta1 form. */
const EVERY: KubeletConfigSpec = {
  anonymousAuth: true,
  featureGates: { InPlacePodVerticalScaling: 'true', Other: 'false' },
  maxPods: 110,
  podPidsLimit: 4096,
  kubeReserved: { memory: '512Mi', cpu: '100m' },
  systemReserved: { cpu: '100m' },
  kubeReservedCgroup: '/kube.slice',
  systemReservedCgroup: '/system.slice',
  enforceNodeAllocatable: 'pods, system-reserved',
  evictionHard: 'memory.available<100Mi,nodefs.available<10%',
  evictionSoft: 'memory.available<300Mi',
  evictionSoftGracePeriod: 'memory.available=1m30s',
  imageGCHighThresholdPercent: 90,
  imageGCLowThresholdPercent: 70,
  cpuManagerPolicy: 'static',
  topologyManagerPolicy: 'single-numa-node',
  serializeImagePulls: false,
  maxParallelImagePulls: 5,
  registryPullQPS: 10,
  registryBurst: 20,
  cpuCFSQuota: false,
  cpuCFSQuotaPeriod: '100ms',
  readOnlyPort: 0,
  shutdownGracePeriod: '30s',
  shutdownGracePeriodCriticalPods: '10s',
  allowedUnsafeSysctls: ['net.core.somaxconn', 'net.ipv4.*'],
  logLevel: 4,
};

describe('kubelet settings → KubeletConfiguration (v1beta1)', () => {
  it('maps every field kops-ts acts on', () => {
    expect(Object.keys(EVERY).sort()).toEqual([...KUBELET_ACTED_FIELDS].sort());
    expect(kubeletFields('k.example.com', EVERY)).toEqual({
      authentication: { anonymous: { enabled: true } },
      featureGates: { InPlacePodVerticalScaling: true, Other: false },
      maxPods: 110,
      podPidsLimit: 4096,
      kubeReserved: { cpu: '100m', memory: '512Mi' },
      systemReserved: { cpu: '100m' },
      kubeReservedCgroup: '/kube.slice',
      systemReservedCgroup: '/system.slice',
      enforceNodeAllocatable: ['pods', 'system-reserved'],
      evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '10%' },
      evictionSoft: { 'memory.available': '300Mi' },
      evictionSoftGracePeriod: { 'memory.available': '1m30s' },
      imageGCHighThresholdPercent: 90,
      imageGCLowThresholdPercent: 70,
      cpuManagerPolicy: 'static',
      topologyManagerPolicy: 'single-numa-node',
      serializeImagePulls: false,
      maxParallelImagePulls: 5,
      registryPullQPS: 10,
      registryBurst: 20,
      cpuCFSQuota: false,
      cpuCFSQuotaPeriod: '100ms',
      readOnlyPort: 0,
      shutdownGracePeriod: '30s',
      shutdownGracePeriodCriticalPods: '10s',
      allowedUnsafeSysctls: ['net.core.somaxconn', 'net.ipv4.*'],
      logging: { verbosity: 4 },
    });
  });

  it('unset, anonymous authentication is off (kops-ts\'s default) and nothing else is set', () => {
    expect(kubeletFields('k.example.com', {})).toEqual({ authentication: { anonymous: { enabled: false } } });
  });

  it('kubeadm-init.yaml carries the cluster-wide settings (spec.kubelet), never masterKubelet\'s', () => {
    const { c } = cluster();
    c.spec.kubelet = { ...c.spec.kubelet, maxPods: 80, evictionHard: 'memory.available<200Mi' };
    c.spec.masterKubelet = { maxPods: 30 };
    const doc = kubeletConfiguration(c);
    expect(doc).toMatchObject({ kind: 'KubeletConfiguration', cgroupDriver: 'systemd', maxPods: 80, evictionHard: { 'memory.available': '200Mi' } });
  });
});

describe('the merge: cluster, then masterKubelet (control planes), then the instance group', () => {
  it('the group wins field by field; maps merge key by key; masterKubelet never reaches workers', () => {
    const { c, cp, nodesA } = cluster();
    c.spec.kubelet = { maxPods: 100, kubeReserved: { cpu: '100m', memory: '256Mi' }, evictionHard: 'memory.available<100Mi', anonymousAuth: false };
    c.spec.masterKubelet = { maxPods: 30, kubeReserved: { memory: '1Gi' } };
    nodesA.spec.kubelet = { maxPods: 250, evictionHard: 'memory.available<500Mi' };
    cp.spec.kubelet = { podPidsLimit: 1024 };
    const node = effectiveKubelet(c, nodesA);
    expect(node.spec).toEqual({ anonymousAuth: false, maxPods: 250, kubeReserved: { cpu: '100m', memory: '256Mi' }, evictionHard: 'memory.available<500Mi' });
    expect(node.from).toMatchObject({ maxPods: 'InstanceGroup/nodes-us-east-1a spec.kubelet', kubeReserved: 'spec.kubelet' });
    const control = effectiveKubelet(c, cp);
    expect(control.spec).toEqual({ anonymousAuth: false, maxPods: 30, kubeReserved: { cpu: '100m', memory: '1Gi' }, evictionHard: 'memory.available<100Mi', podPidsLimit: 1024 });
    expect(control.from.maxPods).toBe('spec.masterKubelet');
    // As kops: the cluster's anonymousAuth: false is not undone by masterKubelet; a group may still decide.
    c.spec.masterKubelet = { anonymousAuth: true };
    expect(effectiveKubelet(c, cp).spec.anonymousAuth).toBe(false);
    cp.spec.kubelet = { anonymousAuth: true };
    expect(effectiveKubelet(c, cp).spec.anonymousAuth).toBe(true);
  });
});

describe("each group's kubelet patch", () => {
  it('is a bootstrap file of every Kubernetes group, and the Init/JoinConfiguration name its directory', () => {
    const { c, cp, nodesA } = cluster();
    for (const ig of [cp, nodesA]) {
      const files = bootstrapFiles(c, ig, FACTS)!;
      const patch = files.files.find((f) => f.name === 'kubelet-patch.yaml')!;
      expect(patch).toMatchObject({ secret: false, content: kubeletPatch(c, ig) });
      const join = parseAllDocuments(files.files.find((f) => f.name === 'kubeadm-join.yaml')!.content)[0]!.toJS() as Record<string, unknown>;
      expect(join.patches).toEqual({ directory: '/etc/kops-ts/igconfig/patches' });
    }
    const init = parseAllDocuments(bootstrapFiles(c, cp, FACTS)!.files.find((f) => f.name === 'kubeadm-init.yaml')!.content).map((d) => d.toJS() as Record<string, unknown>);
    expect(init.find((d) => d.kind === 'InitConfiguration')!.patches).toEqual({ directory: '/etc/kops-ts/igconfig/patches' });
  });

  it('parses as two merge patches: the reset deletes every field kops-ts sets, then the group\'s values', () => {
    const { c, nodesA } = cluster();
    nodesA.spec.kubelet = { maxPods: 250, logLevel: 2 };
    const [reset, values] = patchDocs(kubeletPatch(c, nodesA)) as Record<string, unknown>[];
    expect(Object.values(reset!).filter((v) => v !== null)).toEqual([{ verbosity: null }]);
    expect(Object.keys(reset!)).toEqual(expect.arrayContaining(['maxPods', 'evictionHard', 'featureGates', 'kubeReserved', 'allowedUnsafeSysctls']));
    expect(values).toEqual({ authentication: { anonymous: { enabled: false } }, maxPods: 250, logging: { verbosity: 2 } });
  });

  it('over the ConfigMap the cluster was created with, a node runs today\'s spec: changed values, removed settings and map keys gone', () => {
    const { c, nodesA, nodesB } = cluster();
    c.spec.kubelet = { ...c.spec.kubelet, maxPods: 200, evictionHard: 'memory.available<100Mi,nodefs.available<10%', featureGates: { A: 'true' } };
    const configMap = kubeletConfiguration(c) as Record<string, Json>;
    // Later: maxPods removed, one eviction signal, another gate; one group overrides.
    c.spec.kubelet = { anonymousAuth: false, evictionHard: 'memory.available<300Mi', featureGates: { B: 'true' } };
    nodesB.spec.kubelet = { maxPods: 64 };
    const a = onNode(configMap, kubeletPatch(c, nodesA));
    expect(a).not.toHaveProperty('maxPods');
    expect(a.evictionHard).toEqual({ 'memory.available': '300Mi' });
    expect(a.featureGates).toEqual({ B: true });
    expect(a).toMatchObject({ cgroupDriver: 'systemd', clusterDomain: 'cluster.local', authentication: { anonymous: { enabled: false } } });
    expect(onNode(configMap, kubeletPatch(c, nodesB))).toMatchObject({ maxPods: 64, evictionHard: { 'memory.available': '300Mi' } });
  });

  it('groups with the same settings get the same patch and digest; a group\'s own setting changes its digest only', () => {
    const { c, cp, nodesA, nodesB } = cluster();
    expect(kubeletPatch(c, nodesA)).toBe(kubeletPatch(c, nodesB));
    const before = [cp, nodesA, nodesB].map((g) => kubeletConfigHash(c, g));
    nodesB.spec.kubelet = { serializeImagePulls: false, maxParallelImagePulls: 3 };
    expect([cp, nodesA, nodesB].map((g) => kubeletConfigHash(c, g)).map((h, i) => h === before[i])).toEqual([true, true, false]);
    c.spec.masterKubelet = { topologyManagerPolicy: 'best-effort' };
    expect(kubeletConfigHash(c, cp)).not.toBe(before[0]);
    expect(kubeletConfigHash(c, nodesA)).toBe(before[1]);
  });

  it('is deterministic: map keys sorted, whatever order the spec gives them in', () => {
    const { c, nodesA, nodesB } = cluster();
    nodesA.spec.kubelet = { kubeReserved: { memory: '1Gi', cpu: '1' }, systemReserved: { pid: '100', cpu: '1' }, evictionSoft: 'nodefs.available<15%,memory.available<1Gi', evictionSoftGracePeriod: 'nodefs.available=1m,memory.available=2m' };
    nodesB.spec.kubelet = { kubeReserved: { cpu: '1', memory: '1Gi' }, systemReserved: { cpu: '1', pid: '100' }, evictionSoft: 'memory.available<1Gi,nodefs.available<15%', evictionSoftGracePeriod: 'memory.available=2m,nodefs.available=1m' };
    expect(kubeletPatch(c, nodesA)).toBe(kubeletPatch(c, nodesB));
  });
});

describe('on GCE', () => {
  it("a group's kubelet setting changes only its instance template's startup-script, by the digest line", () => {
    const scripts = (edit: (igs: InstanceGroup[]) => void) => {
      const built = newCluster({ name: 'g.example.com', zones: ['us-central1-a'], project: 'my-project' });
      const done = completeCluster(built.cluster, built.instanceGroups);
      edit(done.instanceGroups);
      const tasks = buildGceTasks({ ...done, stateStore: { bucket: 'state-bucket', prefix: '' } });
      return new Map(tasks.filter((t) => t.kind === 'InstanceTemplate').map((t) => {
        const md = (t.desired as { metadata: Record<string, string> }).metadata;
        return [md['kops-k8s-io-instance-group-name']!, md['startup-script']!];
      }));
    };
    const before = scripts(() => {});
    const after = scripts((igs) => (igs.find((g) => g.spec.role === 'Node')!.spec.kubelet = { maxPods: 50 }));
    const changed = [...before.keys()].filter((k) => before.get(k) !== after.get(k));
    expect(changed).toHaveLength(1);
    const digest = (s: string) => /kubeletConfig: ([0-9a-f]{16})/.exec(s)?.[1];
    expect(digest(after.get(changed[0]!)!)).not.toBe(digest(before.get(changed[0]!)!));
    expect(after.get(changed[0]!)!.replace(/kubeletConfig: \w+/, '')).toBe(before.get(changed[0]!)!.replace(/kubeletConfig: \w+/, ''));
  });
});
