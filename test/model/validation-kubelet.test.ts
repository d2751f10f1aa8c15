/**
 * validation-kubelet.ts: every problem names its field (the level that set it: spec.kubelet,
 * spec.masterKubelet or an instance group's spec.kubelet) and says what was expected; merged
 * settings are checked per group, and a cluster-level problem is reported once.
 */
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { parseManifests } from '../../src/model/api/parse.js';
import { validateCluster } from '../../src/model/validation.js';
import type { Cluster, InstanceGroup, KubeletConfigSpec } from '../../src/model/api/types.js';
import { errorLines, userCluster, userIGs } from './helpers.js';

const ZONES = ['us-east-1a', 'us-east-1b'];

function spec(): { c: Cluster; igs: InstanceGroup[] } {
  return { c: userCluster(ZONES), igs: userIGs(ZONES) };
}

/** The kubelet errors of a spec whose `spec.kubelet` is `k`. */
function clusterErrors(k: KubeletConfigSpec): string[] {
  const { c, igs } = spec();
  c.spec.kubelet = k;
  return errorLines(validateCluster(c, igs));
}

describe('kubelet settings: one level at a time', () => {
  it.each<[string, KubeletConfigSpec, string[]]>([
    ['a good spec', { maxPods: 110, evictionHard: 'memory.available<100Mi, nodefs.available<10%', imageGCHighThresholdPercent: 90, imageGCLowThresholdPercent: 80, shutdownGracePeriod: '1m30s', shutdownGracePeriodCriticalPods: '30s' }, []],
    ['an unknown eviction signal', { evictionHard: 'memory.avail<100Mi' }, [
      'spec.kubelet.evictionHard: "memory.avail" is not an eviction signal (expected one of memory.available, allocatableMemory.available, nodefs.available, nodefs.inodesFree, imagefs.available, imagefs.inodesFree, containerfs.available, containerfs.inodesFree, pid.available)',
    ]],
    ['an item without its separator', { evictionHard: 'memory.available=100Mi' }, [
      'spec.kubelet.evictionHard: "memory.available=100Mi": item "memory.available=100Mi" has no "<" (expected signal<value)',
    ]],
    ['a percentage above 100%', { evictionHard: 'nodefs.available<110%' }, ['spec.kubelet.evictionHard: nodefs.available<110%: a percentage threshold is from 0% to 100%']],
    ['a threshold that is no quantity', { evictionSoft: 'memory.available<lots', evictionSoftGracePeriod: 'memory.available=1m' }, [
      'spec.kubelet.evictionSoft: memory.available<lots: the threshold is not a quantity (such as 100Mi) or a percentage (such as 10%)',
    ]],
    ['a signal given twice', { evictionHard: 'memory.available<100Mi,memory.available<200Mi' }, ['spec.kubelet.evictionHard: the signal memory.available is given twice']],
    ['a grace period that is no Go duration', { evictionSoft: 'memory.available<1Gi', evictionSoftGracePeriod: 'memory.available=90' }, [
      'spec.kubelet.evictionSoftGracePeriod: memory.available=90: the grace period is not a Go duration >= 0 (such as 30s or 1m30s)',
    ]],
    ['a soft threshold without a grace period', { evictionSoft: 'memory.available<1Gi' }, [
      'spec.kubelet.evictionSoft: the soft threshold of memory.available has no grace period in evictionSoftGracePeriod',
    ]],
    ['percentages out of 0-100', { imageGCHighThresholdPercent: 101, imageGCLowThresholdPercent: -1 }, [
      'spec.kubelet.imageGCHighThresholdPercent: is 101; a percentage is from 0 to 100',
      'spec.kubelet.imageGCLowThresholdPercent: is -1; a percentage is from 0 to 100',
    ]],
    ['the low image GC threshold not below the high one', { imageGCHighThresholdPercent: 70, imageGCLowThresholdPercent: 75 }, [
      'spec.kubelet.imageGCLowThresholdPercent: imageGCLowThresholdPercent (75) must be below imageGCHighThresholdPercent (70)',
    ]],
    ['a high threshold below the kubelet\'s default low one', { imageGCHighThresholdPercent: 60 }, [
      "spec.kubelet.imageGCHighThresholdPercent: imageGCLowThresholdPercent (80) must be below imageGCHighThresholdPercent (60) (the kubelet's default for the one unset)",
    ]],
    ['a shutdown grace period that is no Go duration', { shutdownGracePeriod: '30 seconds' }, ['spec.kubelet.shutdownGracePeriod: "30 seconds" is not a Go duration >= 0']],
    ['critical pods given longer than the whole shutdown', { shutdownGracePeriod: '30s', shutdownGracePeriodCriticalPods: '1m' }, [
      'spec.kubelet.shutdownGracePeriodCriticalPods: 1m is longer than shutdownGracePeriod (30s), of which it is a part',
    ]],
    ['parallel pulls while pulls are serialized (the default)', { maxParallelImagePulls: 5 }, [
      "spec.kubelet.maxParallelImagePulls: is 5, but images are pulled one at a time unless serializeImagePulls is false (the kubelet's default is true)",
    ]],
    ['numbers below their minimum', { maxPods: 0, podPidsLimit: 0, maxParallelImagePulls: 0, registryPullQPS: -1, logLevel: -2 }, [
      'spec.kubelet.maxPods: is 0; expected a whole number >= 1',
      'spec.kubelet.podPidsLimit: is 0; expected a whole number >= 1, or -1 for no limit',
      'spec.kubelet.maxParallelImagePulls: is 0; expected a whole number >= 1',
      'spec.kubelet.registryPullQPS: is -1; expected a whole number >= 0 (0: unlimited)',
      'spec.kubelet.logLevel: is -2; expected a whole number >= 0',
    ]],
    ['a read-only port out of range', { readOnlyPort: 70000 }, ['spec.kubelet.readOnlyPort: is 70000; expected a port from 0 (disabled) to 65535']],
    ['a CFS period out of the kubelet\'s range', { cpuCFSQuotaPeriod: '2s' }, ['spec.kubelet.cpuCFSQuotaPeriod: is 2s; the kubelet takes 1ms to 1s']],
    ['reserved resources the kubelet does not know, or no quantity', { kubeReserved: { gpu: '1' }, systemReserved: { memory: 'half' } }, [
      'spec.kubelet.kubeReserved.gpu: "gpu" is not a resource the kubelet reserves (expected one of cpu, memory, ephemeral-storage, pid)',
      'spec.kubelet.systemReserved.memory: "half" is not a quantity',
    ]],
    ['the static CPU manager without reserved CPU', { cpuManagerPolicy: 'static', kubeReserved: { memory: '1Gi' } }, [
      'spec.kubelet.cpuManagerPolicy: the static CPU manager needs some CPU reserved: kubeReserved.cpu or systemReserved.cpu above 0',
    ]],
    ['enforcing a reservation without its cgroup, and an unknown key', { enforceNodeAllocatable: 'pods,system-reserved,memory' }, [
      'spec.kubelet.enforceNodeAllocatable: "memory" is not one of pods, system-reserved, kube-reserved, system-reserved-compressible, kube-reserved-compressible, none',
      'spec.kubelet.enforceNodeAllocatable: enforces system-reserved, which needs systemReservedCgroup',
    ]],
    ['a sysctl that is no name or pattern', { allowedUnsafeSysctls: ['net.core.somaxconn', 'kernel msg'] }, ['spec.kubelet.allowedUnsafeSysctls[1]: "kernel msg" is not a sysctl name or pattern']],
    ['a feature gate that is not true or false', { featureGates: { A: 'yes' } }, ['spec.kubelet.featureGates.A: is "yes"; a feature gate is "true" or "false"']],
  ])('%s', (_what, k, expected) => {
    expect(clusterErrors(k)).toEqual(expected);
  });

  it('types come from the field table: a string maxPods, an unknown policy, masterKubelet and an instance group\'s kubelet typed too', () => {
    const cluster = `apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata:\n  name: k.example.com\nspec:\n  kubelet:\n    maxPods: "110"\n    cpuManagerPolicy: dynamic\n  masterKubelet:\n    serializeImagePulls: "no"\n`;
    const group = `---\napiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: nodes\nspec:\n  role: Node\n  kubelet:\n    allowedUnsafeSysctls: net.core.somaxconn\n    housekeepingInterval: 10s\n`;
    const lines = parseManifests(cluster + group).diagnostics.map(formatDiagnostic);
    expect(lines).toEqual([
      'error: spec.kubelet.maxPods: expected a whole number, got string "110": fix the value in the manifest',
      'error: spec.kubelet.cpuManagerPolicy: string "dynamic" is not one of none, static: use one of none, static',
      'error: spec.masterKubelet.serializeImagePulls: expected true or false, got string "no": fix the value in the manifest',
      'error: InstanceGroup/nodes spec.kubelet.allowedUnsafeSysctls: expected a list, got string "net.core.somaxconn": fix the value in the manifest',
      'warning: InstanceGroup/nodes spec.kubelet.housekeepingInterval: a kops field that kops-ts does not act on yet; kept as is',
    ]);
  });
});

describe('kubelet settings: merged per group', () => {
  it('names the level that set each field: an instance group\'s value against the cluster\'s', () => {
    const { c, igs } = spec();
    c.spec.kubelet = { imageGCHighThresholdPercent: 70 };
    igs.find((g) => g.metadata.name === 'nodes-us-east-1b')!.spec.kubelet = { imageGCLowThresholdPercent: 75 };
    expect(errorLines(validateCluster(c, igs))).toEqual([
      "spec.kubelet.imageGCHighThresholdPercent: imageGCLowThresholdPercent (80) must be below imageGCHighThresholdPercent (70) (the kubelet's default for the one unset)",
      'InstanceGroup/nodes-us-east-1b spec.kubelet.imageGCLowThresholdPercent: imageGCLowThresholdPercent (75) must be below imageGCHighThresholdPercent (70)',
    ]);
  });

  it('masterKubelet is checked on its own and merged for control planes only', () => {
    const { c, igs } = spec();
    c.spec.masterKubelet = { maxParallelImagePulls: 4, evictionHard: 'memory.available<x' };
    expect(errorLines(validateCluster(c, igs))).toEqual([
      'spec.masterKubelet.evictionHard: memory.available<x: the threshold is not a quantity (such as 100Mi) or a percentage (such as 10%)',
      "spec.masterKubelet.maxParallelImagePulls: is 4, but images are pulled one at a time unless serializeImagePulls is false (the kubelet's default is true)",
    ]);
    // serializeImagePulls: false for the workers does not help the control planes...
    c.spec.kubelet = { serializeImagePulls: false };
    c.spec.masterKubelet = { maxParallelImagePulls: 4 };
    expect(errorLines(validateCluster(c, igs))).toEqual([]);
    // ...unless the control planes' own settings turn it back on.
    c.spec.masterKubelet = { maxParallelImagePulls: 4, serializeImagePulls: true };
    expect(errorLines(validateCluster(c, igs))).toHaveLength(1);
  });

  it('a bastion\'s kubelet is kept with a warning: it runs none', () => {
    const { c, igs } = spec();
    igs.push({ ...igs[1]!, metadata: { name: 'bastions' }, spec: { ...igs[1]!.spec, role: 'Bastion', kubelet: { maxPods: 10 } } });
    const diags = validateCluster(c, igs).filter((d) => d.path === 'InstanceGroup/bastions spec.kubelet');
    expect(diags.map((d) => `${d.severity} ${d.code}: ${d.summary}`)).toEqual(['warning FieldNotActedOn: a bastion runs no kubelet; kept as is']);
  });
});
