/**
 * upgrade cluster's pure core: what the channel proposes (one minor at a time), and which moves the
 * version-skew policy, the channel and kops-ts's range allow or refuse, with the path they name.
 */
import { describe, expect, it } from 'vitest';
import { parseChannel, loadChannel, type Channel } from '../../src/cloudup/channels.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { planUpgrade } from '../../src/cloudup/upgrade-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { KopsError } from '../../src/diagnostics.js';
import type { Cluster } from '../../src/model/api/types.js';
import { thrownBy } from '../helpers/errors.js';

const NAME = 'up.example.com';

const CHANNEL: Channel = parseChannel(
  `spec:
  images:
  - name: 099720109477/ubuntu/images/hvm-ssd-gp3/new-amd64
    providerID: aws
    architectureID: amd64
    kubernetesVersion: ">=1.36.0"
  - name: 099720109477/ubuntu/images/hvm-ssd-gp3/new-arm64
    providerID: aws
    architectureID: arm64
    kubernetesVersion: ">=1.36.0"
  - name: 099720109477/ubuntu/images/hvm-ssd-gp3/old-amd64
    providerID: aws
    kubernetesVersion: ">=1.32.0"
  kubernetesVersions:
  - range: ">=1.36.0"
    recommendedVersion: 1.36.3
    requiredVersion: 1.36.1
  - range: ">=1.35.0"
    recommendedVersion: 1.35.4
    requiredVersion: 1.35.0
  - range: ">=1.34.0"
    recommendedVersion: 1.34.6
    requiredVersion: 1.34.0
`,
  'test-channel.yaml',
);

function cluster(version: string, extra: { image?: string } = {}) {
  const built = newCluster({ name: NAME, zones: ['us-east-1a'], kubernetesVersion: version, ...(extra.image ? { image: extra.image } : {}) });
  return built;
}

function applied(c: Cluster, version: string): Cluster {
  const done = completeCluster(structuredClone(c), []).cluster;
  done.spec.kubernetesVersion = version;
  return done;
}

describe('the version the channel proposes', () => {
  it.each([
    ['1.34.2', '1.35.4', 'next minor, its recommendation'],
    ['1.35.0', '1.36.3', 'next minor'],
    ['1.35.9', '1.36.3', 'next minor even from a newer patch'],
    ['1.36.1', '1.36.3', 'patch within the newest line'],
  ])('%s → %s (%s)', (from, to) => {
    const b = cluster(from);
    const p = planUpgrade({ cluster: b.cluster, instanceGroups: b.instanceGroups, channel: CHANNEL });
    expect(p.target).toBe(to);
    expect(p.actions.find((a) => a.property === 'KubernetesVersion')).toEqual({ item: 'Cluster', property: 'KubernetesVersion', old: from, new: to });
  });

  it('proposes nothing at the newest recommendation, and never a downgrade', () => {
    for (const v of ['1.36.3', '1.36.5']) {
      const b = cluster(v, { image: 'my-own-ami' });
      expect(planUpgrade({ cluster: b.cluster, instanceGroups: b.instanceGroups, channel: CHANNEL }).actions).toEqual([]);
    }
  });

  it("moves channel images to the target's, by architecture, and leaves custom images alone", () => {
    const b = cluster('1.35.2');
    b.instanceGroups[0]!.spec.machineType = 't4g.medium';
    b.instanceGroups[1]!.spec.image = 'ami-0123456789abcdef0';
    const p = planUpgrade({ cluster: b.cluster, instanceGroups: b.instanceGroups, channel: CHANNEL });
    const images = p.actions.filter((a) => a.property === 'Image');
    expect(images).toEqual([{ item: `InstanceGroup/${b.instanceGroups[0]!.metadata.name}`, property: 'Image', old: b.instanceGroups[0]!.spec.image, new: '099720109477/ubuntu/images/hvm-ssd-gp3/new-arm64' }]);
    expect(p.instanceGroups.map((g) => g.metadata.name)).toEqual([b.instanceGroups[0]!.metadata.name]);
    const kept = p.warnings.filter((w) => w.code === 'CustomImageKept');
    expect(kept.map((w) => `${w.path}: ${w.summary}: ${w.hint}`)).toEqual([
      `InstanceGroup/${b.instanceGroups[1]!.metadata.name} spec.image: instance group ${b.instanceGroups[1]!.metadata.name} keeps its own image ami-0123456789abcdef0: the channel does not manage it: make sure it can run Kubernetes 1.36.3`,
    ]);
  });

  it('proposes no second minor while the first is not applied yet (the control plane still runs the older one)', () => {
    const b = cluster('1.35.0');
    const p = planUpgrade({ cluster: b.cluster, instanceGroups: b.instanceGroups, channel: CHANNEL, applied: applied(b.cluster, '1.34.6') });
    // The 1.35 line's recommendation, not 1.36.3: that would be two minors above 1.34.
    expect(p.target).toBe('1.35.4');
  });

  it('records a different --channel as an action of its own', () => {
    const b = cluster('1.36.3', { image: 'my-own-ami' });
    const p = planUpgrade({ cluster: b.cluster, instanceGroups: b.instanceGroups, channel: CHANNEL, channelFlag: './test-channel.yaml' });
    expect(p.actions).toEqual([{ item: 'Cluster', property: 'Channel', old: 'stable', new: './test-channel.yaml' }]);
    expect(p.cluster?.spec.channel).toBe('./test-channel.yaml');
  });
});

describe('skews: allowed and refused (--kubernetes-version)', () => {
  it.each([
    // from (spec), applied, target, force, outcome
    ['1.34.2', undefined, '1.35.4', false, 'ok'],
    ['1.35.0', undefined, '1.35.4', false, 'ok'],
    ['1.35.4', undefined, '1.35.2', true, 'ok'],
    ['1.34.2', undefined, '1.36.3', false, 'VersionSkew: upgrade to 1.35 first (kops-ts upgrade cluster --name up.example.com --kubernetes-version 1.35.4 --yes'],
    ['1.35.0', '1.34.2', '1.36.3', false, 'VersionSkew: upgrade to 1.35 first'],
    ['1.35.4', undefined, '1.35.2', false, 'VersionDowngrade: pass --force to downgrade the patch version anyway'],
    ['1.35.4', undefined, '1.34.6', false, 'VersionDowngrade: Kubernetes does not support minor downgrades'],
    ['1.36.3', '1.36.3', '1.35.4', true, 'InvalidSpec'],
    ['1.35.4', undefined, '2.0.0', false, 'UnsupportedKubernetesVersion'],
    ['1.35.4', undefined, '1.36.0', false, 'VersionBelowRequired: use 1.36.3'],
    ['1.34.0', undefined, '1.33.5', true, 'VersionNotInChannel'],
    ['1.35.4', undefined, '1.36', false, 'InvalidKubernetesVersion'],
  ] as const)('%s (applied %s) → %s, force %s: %s', (from, was, to, force, outcome) => {
    const b = cluster(from);
    const input = {
      cluster: b.cluster,
      instanceGroups: b.instanceGroups,
      channel: CHANNEL,
      kubernetesVersion: to,
      ...(force ? { force: true } : {}),
      ...(was ? { applied: applied(b.cluster, was) } : {}),
    };
    if (outcome === 'ok') {
      const p = planUpgrade(input);
      expect(p.target).toBe(to);
      expect(p.cluster?.spec.kubernetesVersion).toBe(to);
      return;
    }
    const e = thrownBy(() => planUpgrade(input), KopsError);
    const [code, hint] = outcome.split(': ');
    expect(e.code).toBe(code);
    expect(e.exitCode).toBe(2);
    if (hint) expect(e.diagnostics[0]?.hint).toContain(hint);
  });

  it('names both steps when two minors are skipped', () => {
    const b = cluster('1.34.2');
    const e = thrownBy(() => planUpgrade({ cluster: b.cluster, instanceGroups: b.instanceGroups, channel: CHANNEL, kubernetesVersion: '1.36.3' }), KopsError);
    expect(e.message).toContain('2 minor versions at once');
    expect(e.diagnostics[0]?.hint).toContain('then to 1.36, one minor at a time');
  });
});

describe('the shipped stable channel', () => {
  it('loads, and recommends the version new clusters get', async () => {
    const ch = await loadChannel('stable');
    expect(ch.source).toMatch(/channels\/stable\.yaml$/);
    const b = cluster('1.35.0');
    expect(planUpgrade({ cluster: b.cluster, instanceGroups: b.instanceGroups, channel: ch }).target).toBe('1.36.3');
    const now = cluster('1.36.3');
    expect(planUpgrade({ cluster: now.cluster, instanceGroups: now.instanceGroups, channel: ch }).actions).toEqual([]);
  });
});

describe('skews against the kubelets the nodes run', () => {
  const plan = (from: string, to: string, kubelets: { node: string; version: string }[], force = false) => {
    const b = cluster(from);
    return () => planUpgrade({ cluster: b.cluster, instanceGroups: b.instanceGroups, channel: CHANNEL, kubernetesVersion: to, kubelets, ...(force ? { force: true } : {}) });
  };

  it('allows kubelets up to three minors behind the target', () => {
    expect(plan('1.35.4', '1.36.3', [{ node: 'n1', version: 'v1.33.9' }, { node: 'n2', version: 'v1.35.4' }])().target).toBe('1.36.3');
  });

  it('refuses a target four minors ahead of a node left unrolled, naming it and the roll to do first', () => {
    const e = thrownBy(plan('1.35.4', '1.36.3', [{ node: 'old-1', version: 'v1.32.9' }, { node: 'old-2', version: 'v1.32.9' }, { node: 'n3', version: 'v1.35.4' }]), KopsError);
    expect(e.code).toBe('KubeletSkew');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('node old-1 (and 1 more) runs kubelet v1.32.9');
    expect(e.message).toContain('4 minor versions behind');
    expect(e.diagnostics[0]?.hint).toContain(`kops-ts rolling-update cluster --name ${NAME} --yes`);
  });

  it('refuses a target older than a running kubelet (a kubelet never runs ahead of the API server)', () => {
    const e = thrownBy(plan('1.36.3', '1.36.1', [{ node: 'new-1', version: 'v1.37.0' }], true), KopsError);
    expect(e.code).toBe('KubeletSkew');
    expect(e.message).toContain('node new-1 runs kubelet v1.37.0, newer than 1.36.1');
  });

  it('ignores versions it cannot read, and checks nothing when no node reports one', () => {
    expect(plan('1.35.4', '1.36.3', [{ node: 'odd', version: 'unknown' }])().target).toBe('1.36.3');
  });
});
