/**
 * upgrade cluster, then update cluster, on the emulator: an applied 1.35 cluster is upgraded by the
 * shipped stable channel to 1.36.3 (spec only), and `update` then plans a new launch template for
 * the control plane (the user data installs the new version; the nodes' waits until the control
 * plane runs it: update-kubelet-skew.test.ts, here no Kubernetes API is given) and nothing that
 * replaces the control plane's data; once applied, the completed spec records 1.36.3 and the next upgrade proposes
 * nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadChannel } from '../../src/cloudup/channels.js';
import { upgradeCluster, type UpgradeClusterResult } from '../../src/cloudup/upgrade-cluster.js';
import { applyAndConverge, changeLines, setupCluster, type E2ECluster } from './update-helpers.js';

const NAME = 'upgrade.example.com';

describe('upgrade cluster then update cluster', () => {
  let c: E2ECluster;
  let upgraded: UpgradeClusterResult;
  let lines: string[];
  beforeAll(async () => {
    c = await setupCluster({ name: NAME, zones: ['us-east-1a'], kubernetesVersion: '1.35.0' });
    await applyAndConverge(c);
    upgraded = await upgradeCluster({ clientset: c.cs, clusterName: NAME, channel: await loadChannel('stable'), yes: true });
    lines = changeLines((await c.update(false)).plan);
    await applyAndConverge(c);
  }, 180_000);

  it('writes 1.36.3 to the spec only', async () => {
    expect(upgraded.written).toBe(true);
    expect(upgraded.actions).toEqual([{ item: 'Cluster', property: 'KubernetesVersion', old: '1.35.0', new: '1.36.3' }]);
    expect((await c.cs.getCluster(NAME)).object.spec.kubernetesVersion).toBe('1.36.3');
  });

  it("makes update plan a new launch template version for the control plane, and nothing else but the bootstrap", () => {
    const kinds = [...new Set(lines.map((l) => l.split('/')[0]))].sort();
    expect(lines.filter((l) => l.startsWith('LaunchTemplate/')).map((l) => l.split(': ')[0]).sort()).toEqual([
      `LaunchTemplate/control-plane-us-east-1a.masters.${NAME}`,
    ]);
    for (const l of lines.filter((x) => x.startsWith('LaunchTemplate/'))) expect(l).toMatch(/: update .*userData/);
    // No volume, network or load balancer is touched by a version change.
    expect(kinds.filter((k) => ['EBSVolume', 'VPC', 'Subnet', 'NetworkLoadBalancer', 'TargetGroup'].includes(k!))).toEqual([]);
  });

  it('records the new version as applied; the next upgrade proposes nothing', async () => {
    expect((await c.cs.readCompletedSpec(NAME))?.object.spec.kubernetesVersion).toBe('1.36.3');
    const again = await upgradeCluster({ clientset: c.cs, clusterName: NAME, channel: await loadChannel('stable') });
    expect(again.actions).toEqual([]);
  });
});
