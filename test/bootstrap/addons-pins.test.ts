/**
 * Every artefact the first control plane downloads is pinned by its sha256 (docs/bootstrap.md,
 * "Addons"), so `writeBootstrapConfig` writes `ADDONS_ALLOW_UNPINNED='0'` for every cluster; the
 * mechanism that would write '1' for an unpinned one is kept, and tested here with test-only
 * unpinned references. An artefact added without a digest fails the first test.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ccmAddon, CCM_IMAGE_DIGESTS, CCM_IMAGE_TAGS, cniAddon, PINNED_CCM_CHART, PINNED_CNI, type AddonFile, type PinnedArtefact,
} from '../../src/bootstrap/addons.js';
import { GCE_CCM_IMAGE_DIGESTS, GCE_CCM_IMAGE_TAGS, gceCcmAddon } from '../../src/bootstrap/gce-ccm.js';
import { unpinned, writeBootstrapConfig } from '../../src/bootstrap/store.js';
import { HELM_SHA256 } from '../../src/bootstrap/user-data.js';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { ensureClusterKeysets } from '../../src/pki/cluster.js';
import { KeysetStore } from '../../src/pki/store.js';
import { openStateStore } from '../../src/statestore/open.js';
import { cloudProviderOf } from '../../src/model/api/types.js';

const SHA256 = /^[0-9a-f]{64}$/;
const NAME = 'pins.example.com';

function completed(o: Partial<NewClusterOptions> = {}) {
  const built = newCluster({ name: NAME, zones: ['us-east-1a'], ...o });
  return completeCluster(built.cluster, built.instanceGroups);
}
const gce = (o: Partial<NewClusterOptions> = {}) => completed({ cloud: 'gce', zones: ['us-central1-a'], project: 'my-project', ...o });

/** Every cluster shape the bootstrap serves: each CNI on AWS, and cilium and no CNI on GCE. */
const SHAPES: readonly [string, () => ReturnType<typeof completed>][] = [
  ['aws cilium', () => completed()],
  ['aws cilium-eni', () => completed({ networking: 'cilium-eni' })],
  ['aws calico', () => completed({ networking: 'calico' })],
  ['aws cni', () => completed({ networking: 'cni' })],
  ['gce cilium', () => gce()],
  ['gce cni', () => gce({ networking: 'cni' })],
];

/** The addons `writeBootstrapConfig` writes for a cluster. */
function addonsOf(c: ReturnType<typeof completed>): (AddonFile | undefined)[] {
  const ccm = cloudProviderOf(c.cluster.spec) === 'gce' ? gceCcmAddon(c.cluster, c.instanceGroups) : ccmAddon(c.cluster);
  return [cniAddon(c.cluster, { loadBalancerDnsName: 'api.example.com' }), ccm];
}

/** Runs `fn` with `key` removed from `o` (a test-only unpinned reference), then puts it back. */
async function without<T extends object>(o: T, key: keyof T, fn: () => Promise<void> | void): Promise<void> {
  const saved = o[key];
  delete (o as Record<keyof T, unknown>)[key];
  try {
    await fn();
  } finally {
    o[key] = saved;
  }
}

let stores = 0;
/** `ADDONS_ALLOW_UNPINNED` of each group's bootstrap.env, as `writeBootstrapConfig` writes it on a new store. */
async function allowUnpinned(c: ReturnType<typeof completed>): Promise<string[]> {
  const store = openStateStore(`memory://pins-${stores++}`);
  await ensureClusterKeysets(new KeysetStore(store), c.cluster);
  const r = await writeBootstrapConfig({ store, cluster: c.cluster, instanceGroups: c.instanceGroups, loadBalancerDnsName: 'api.example.com' });
  const envs = r.written.filter((p) => p.endsWith('/bootstrap.env'));
  expect(envs).toHaveLength(c.instanceGroups.length);
  return Promise.all(envs.map(async (p) => /^ADDONS_ALLOW_UNPINNED='(.*)'$/m.exec(Buffer.from((await store.read(p))!.data).toString())![1]!));
}

describe('the pinned artefacts', () => {
  it('every artefact kops-ts ships has a sha256 of 64 hex digits: the CNIs, the AWS controller\'s chart, helm per architecture', () => {
    const artefacts: [string, PinnedArtefact][] = [...Object.entries(PINNED_CNI), ['aws-cloud-controller-manager', PINNED_CCM_CHART]];
    for (const [name, a] of artefacts) {
      expect(a.sha256, name).toMatch(SHA256);
      // The URL names the version the digest is of.
      expect(a.url, name).toContain(a.version);
    }
    expect(Object.keys(HELM_SHA256).sort()).toEqual(['amd64', 'arm64']);
    for (const arch of ['amd64', 'arm64'] as const) expect(HELM_SHA256[arch], arch).toMatch(SHA256);
    // The values checked in public sources (src/bootstrap/addons.ts and cloud-bootstrap.ts say where).
    expect(Object.fromEntries(artefacts.map(([name, a]) => [name, `${a.version} ${a.sha256!}`]))).toEqual({
      cilium: '1.17.4 06dcedfe25c08c770d193690d561037153e233f9cde31e0705a06802d24cea87',
      calico: '3.29.3 9a575859428b822a224dedafc4238555b6b0f910f2abf12983f20f871860914e',
      'aws-cloud-controller-manager': '0.0.11 3da2227e83bce236b8278903fb87ad0bc33c5d4da8e5dd521b974ec0c740886f',
    });
    expect(HELM_SHA256).toEqual({
      amd64: 'ee88b3c851ae6466a3de507f7be73fe94d54cbf2987cbaa3d1a3832ea331f2cd',
      arm64: '7944e3defd386c76fd92d9e6fec5c2d65a323f6fadc19bfb5e704e3eee10348e',
    });
  });

  it('every description update writes, for every cluster shape, carries a 64-hex sha256', () => {
    for (const [shape, make] of SHAPES) {
      for (const a of addonsOf(make())) {
        if (!a) continue;
        const doc = parse(a.content) as { source: { sha256?: string } };
        expect(doc.source.sha256, `${shape}: ${a.addon.name}`).toMatch(SHA256);
      }
    }
  });

  it('the controllers\' images are pinned by digest, but for AWS\'s v1.36.1, whose digest is not in the promotion list read', () => {
    // An image tag added without its digest fails here; one that gets its digest leaves this list.
    const TAG_ONLY = ['v1.36.1'];
    for (const tag of Object.values(CCM_IMAGE_TAGS)) {
      if (TAG_ONLY.includes(tag)) expect(CCM_IMAGE_DIGESTS[tag], tag).toBeUndefined();
      else expect(CCM_IMAGE_DIGESTS[tag], tag).toMatch(SHA256);
    }
    for (const tag of Object.values(GCE_CCM_IMAGE_TAGS)) expect(GCE_CCM_IMAGE_DIGESTS[tag], tag).toMatch(SHA256);
    // No digest of a tag no minor uses (a digest left behind by a tag change).
    expect(Object.keys(CCM_IMAGE_DIGESTS).every((t) => Object.values(CCM_IMAGE_TAGS).includes(t))).toBe(true);
    expect(Object.keys(GCE_CCM_IMAGE_DIGESTS).every((t) => Object.values(GCE_CCM_IMAGE_TAGS).includes(t))).toBe(true);
  });
});

describe('ADDONS_ALLOW_UNPINNED', () => {
  it('is not needed for any cluster kops-ts builds today: every group\'s bootstrap.env says \'0\'', async () => {
    for (const [shape, make] of SHAPES) {
      const c = make();
      expect(unpinned(addonsOf(c)), shape).toBe(false);
      expect(await allowUnpinned(c), shape).toEqual(c.instanceGroups.map(() => '0'));
    }
  });

  it('is needed while an addon (test-only: a reference without its digest) has none', async () => {
    const c = completed({ networking: 'calico' });
    const [calico, ccm] = addonsOf(c);
    const unpin = (a: AddonFile): AddonFile => ({ ...a, addon: { ...a.addon, source: { ...a.addon.source, sha256: undefined } as PinnedArtefact } });
    expect(unpinned([unpin(calico!), ccm])).toBe(true);
    expect(unpinned([calico, unpin(ccm!)])).toBe(true);
    expect(unpinned([calico, undefined])).toBe(false);
    expect(unpinned([])).toBe(false);
    // Through writeBootstrapConfig: every group of the clusters using it gets '1', and only those.
    await without(PINNED_CNI.calico, 'sha256', async () => {
      expect(await allowUnpinned(c)).toEqual(c.instanceGroups.map(() => '1'));
      const cilium = completed();
      expect(await allowUnpinned(cilium)).toEqual(cilium.instanceGroups.map(() => '0'));
    });
    expect(await allowUnpinned(c)).toEqual(c.instanceGroups.map(() => '0'));
  });

  it('is needed while helm (test-only: an architecture without its digest) has none and an addon is a chart, not otherwise', async () => {
    const calicoGce = gce({ networking: 'calico' });
    for (const arch of ['amd64', 'arm64'] as const) {
      await without(HELM_SHA256 as Record<string, string>, arch, async () => {
        // The AWS controller and cilium are charts, rendered with helm.
        expect(unpinned(addonsOf(completed({ networking: 'calico' }))), arch).toBe(true);
        const byo = completed({ networking: 'cni' });
        expect(await allowUnpinned(byo), arch).toEqual(byo.instanceGroups.map(() => '1'));
        // calico's manifest and GCE's stored manifest need no helm.
        expect(unpinned(addonsOf(calicoGce)), arch).toBe(false);
      });
    }
  });
});
