/**
 * Which launch templates an addon change rolls (src/bootstrap/addons-script.ts): a control plane's
 * identity names the sha256 of its group's addons.sh, which names the addons' versions, so a new
 * pinned CNI or cloud-controller version changes every control-plane group's user data (AWS) or
 * startup-script (GCE) and no worker's; the same spec planned twice changes nothing. The pins are
 * changed in memory for one plan and restored (a kops-ts release that pins a new version).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CCM_IMAGE_TAGS, PINNED_CNI, type PinnedArtefact } from '../../src/bootstrap/addons.js';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { buildAwsTasks } from '../../src/model/aws/index.js';
import { completeCluster } from '../../src/model/completion.js';
import { buildGceTasks } from '../../src/model/gce/index.js';

const STATE = { bucket: 'state-bucket', prefix: 'kops' };

/** Each compute group's launch data (AWS user data, GCE startup-script) by task name. */
function launchData(opts: NewClusterOptions): Map<string, string> {
  const built = newCluster(opts);
  const { cluster, instanceGroups } = completeCluster(built.cluster, built.instanceGroups);
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
