/**
 * Which launch templates an addon change rolls (src/bootstrap/addons-script.ts): a control plane's
 * identity names the sha256 of its group's addons.sh, which names the addons' versions, so a new
 * pinned CNI or cloud-controller version changes every control-plane group's user data (AWS) or
 * startup-script (GCE) and no worker's; the same spec planned twice changes nothing. The pins are
 * changed in memory for one plan and restored (a kops-ts release that pins a new version). addons.sh
 * also names the sha256 of each description, so new addon settings without a new version (a CNI
 * option) do the same, and the digest the plan puts in the launch template is the sha256 of the
 * addons.sh `update` writes once the load balancer exists.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CCM_IMAGE_TAGS, PINNED_CNI, type PinnedArtefact } from '../../src/bootstrap/addons.js';
import { writeBootstrapConfig } from '../../src/bootstrap/store.js';
import type { Cluster } from '../../src/model/api/types.js';
import { ensureClusterKeysets } from '../../src/pki/cluster.js';
import { KeysetStore } from '../../src/pki/store.js';
import { openStateStore } from '../../src/statestore/open.js';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { buildAwsTasks } from '../../src/model/aws/index.js';
import { completeCluster } from '../../src/model/completion.js';
import { buildGceTasks } from '../../src/model/gce/index.js';

const STATE = { bucket: 'state-bucket', prefix: 'kops' };

/** Each compute group's launch data (AWS user data, GCE startup-script) by task name; `edit` changes the completed spec. */
function launchData(opts: NewClusterOptions, edit: (c: Cluster) => void = () => {}): Map<string, string> {
  const built = newCluster(opts);
  const { cluster, instanceGroups } = completeCluster(built.cluster, built.instanceGroups);
  edit(cluster);
  const out = new Map<string, string>();
  if (opts.cloud === 'gce') {
    for (const t of buildGceTasks({ cluster, instanceGroups, stateStore: STATE })) {
      const d = t.desired as { metadata?: Record<string, string> };
      if (d.metadata?.['startup-script']) out.set(t.name, d.metadata['startup-script']);
    }
  } else {
    for (const t of buildAwsTasks({ cluster, instanceGroups, stateStore: STATE })) {
      if (t.kind === 'LaunchTemplate') out.set(t.name, (t.desired as { userData?: string }).userData ?? '');
    }
  }
  return out;
}

/** The names whose launch data differ between two plans. */
function changed(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...a.keys()].filter((k) => a.get(k) !== b.get(k)).sort();
}

const cilium = PINNED_CNI.cilium;
const tag136 = CCM_IMAGE_TAGS['1.36'];
afterEach(() => {
  (PINNED_CNI as Record<string, PinnedArtefact>).cilium = cilium;
  (CCM_IMAGE_TAGS as Record<string, string>)['1.36'] = tag136!;
});

describe('an addon version change rolls the control planes only', () => {
  for (const [cloud, opts] of [
    ['AWS', { name: 'roll.example.com', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] }],
    ['GCE', { name: 'roll.example.com', cloud: 'gce', zones: ['us-central1-a'], project: 'my-project' }],
  ] as const) {
    it(`${cloud}: a new pinned CNI changes every control-plane group's launch data and no worker's; the same pins change nothing`, () => {
      const before = launchData(opts as NewClusterOptions);
      const controlPlanes = [...before.keys()].filter((k) => k.startsWith('control-plane')).sort();
      expect(controlPlanes.length).toBeGreaterThan(0);
      expect([...before.keys()].some((k) => k.startsWith('nodes'))).toBe(true);
      expect(changed(before, launchData(opts as NewClusterOptions))).toEqual([]);
      (PINNED_CNI as Record<string, PinnedArtefact>).cilium = { ...cilium, version: '1.17.99' };
      expect(changed(before, launchData(opts as NewClusterOptions))).toEqual(controlPlanes);
    });
  }

  it('AWS: a new cloud-controller image for the cluster\'s minor does the same', () => {
    const opts = { name: 'roll.example.com', zones: ['us-east-1a'] } as NewClusterOptions;
    const before = launchData(opts);
    (CCM_IMAGE_TAGS as Record<string, string>)['1.36'] = 'v1.36.9';
    expect(changed(before, launchData(opts))).toEqual([...before.keys()].filter((k) => k.startsWith('control-plane')).sort());
  });
});

describe('new addon settings without a new version roll the control planes only', () => {
  const ciliumOff = (c: Cluster) => {
    c.spec.networking = { cilium: { ...c.spec.networking!.cilium, enableNodePort: false } };
  };
  for (const [cloud, opts] of [
    ['AWS', { name: 'roll.example.com', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] }],
    ['GCE', { name: 'roll.example.com', cloud: 'gce', zones: ['us-central1-a'], project: 'my-project' }],
  ] as const) {
    it(`${cloud}: cilium.enableNodePort: false changes every control-plane group's launch data and no worker's`, () => {
      const before = launchData(opts as NewClusterOptions);
      expect(before.get([...before.keys()].find((k) => k.startsWith('control-plane'))!)).toBeDefined();
      const after = launchData(opts as NewClusterOptions, ciliumOff);
      expect(changed(before, after)).toEqual([...before.keys()].filter((k) => k.startsWith('control-plane')).sort());
      // The same edit planned again: byte for byte the same.
      expect(changed(after, launchData(opts as NewClusterOptions, ciliumOff))).toEqual([]);
    });
  }

  it('AWS: calico\'s pod CIDR pool follows spec.podCIDR; the digest the plan names is the sha256 of the addons.sh update writes, whatever the load balancer is called', async () => {
    const opts = { name: 'roll.example.com', zones: ['us-east-1a'], networking: 'calico' } as NewClusterOptions;
    const built = newCluster(opts);
    const { cluster, instanceGroups } = completeCluster(built.cluster, built.instanceGroups);
    // calico's description carries spec.podCIDR (CALICO_IPV4POOL_CIDR): the control planes' addons digest follows it.
    const planned = (c: Cluster) => {
      const lt = buildAwsTasks({ cluster: c, instanceGroups, stateStore: STATE }).find((t) => t.kind === 'LaunchTemplate' && t.name.startsWith('control-plane'))!;
      return /\n {4}addons: ([0-9a-f]{64})\n/.exec((lt.desired as { userData?: string }).userData ?? '')?.[1];
    };
    const calico = planned(cluster);
    expect(calico).toBeDefined();
    expect(planned({ ...cluster, spec: { ...cluster.spec, podCIDR: '100.100.0.0/16' } })).not.toBe(calico);

    // The default cluster publishes no DNS name and runs cilium without kube-proxy, whose description
    // names the load balancer, unknown to the plan: update's addons.sh still has the planned sha256.
    const ciliumBuilt = newCluster({ name: 'roll.example.com', zones: ['us-east-1a'] });
    const cilium = completeCluster(ciliumBuilt.cluster, ciliumBuilt.instanceGroups);
    const want = planned(cilium.cluster);
    for (const lb of ['api-roll-1.elb.us-east-1.amazonaws.com', 'api-roll-2.elb.us-east-1.amazonaws.com']) {
      const store = openStateStore(`memory://addons-rollout-${lb}`);
      await ensureClusterKeysets(new KeysetStore(store), cilium.cluster);
      await writeBootstrapConfig({ store, cluster: cilium.cluster, instanceGroups: cilium.instanceGroups, loadBalancerDnsName: lb });
      const cni = Buffer.from((await store.read(`roll.example.com/addons/cilium/${PINNED_CNI.cilium.version}/addon.yaml`))!.data).toString();
      expect(cni).toContain(`k8sServiceHost: ${lb}\n`);
      const sh = (await store.read('roll.example.com/igconfig/control-plane/control-plane-us-east-1a/addons.sh'))!.data;
      expect(createHash('sha256').update(sh).digest('hex')).toBe(want);
    }
  });
});
