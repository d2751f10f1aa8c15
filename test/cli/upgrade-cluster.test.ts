/**
 * `kops-ts upgrade cluster` as a user runs it: kops's ITEM PROPERTY OLD NEW table, "No upgrade
 * required", --yes writing only the spec (with the old version in the history), refusals that
 * leave the store as it was, a channel file, and -o json.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeKubeApiServer } from '../fakes/kube-apiserver.js';
import { KEY, cli, snapshot, tempStore } from './harness.js';

const NAME = 'upg.example.com';
let store: { dir: string; url: string };

async function create(version: string): Promise<void> {
  const r = await cli(['create', 'cluster', '--name', NAME, '--state', store.url, '--zones', 'us-east-1a', '--ssh-public-key', KEY, '--kubernetes-version', version]);
  expect(r.code, r.stderr).toBe(0);
}

const upgrade = (...args: string[]) => cli(['upgrade', 'cluster', '--name', NAME, '--state', store.url, ...args]);

beforeEach(() => {
  store = tempStore();
});

describe('kops-ts upgrade cluster', () => {
  it("prints the table and asks for --yes, changing nothing", async () => {
    await create('1.35.0');
    const before = snapshot(store.dir);
    const r = await upgrade();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(['ITEM      PROPERTY            OLD      NEW', 'Cluster   KubernetesVersion   1.35.0   1.36.3', '', 'Must specify --yes to perform upgrade', ''].join('\n'));
    expect(snapshot(store.dir)).toEqual(before);
  });

  it('with --yes writes only the cluster spec, keeping the old one in the history', async () => {
    await create('1.35.0');
    const before = snapshot(store.dir);
    const r = await upgrade('--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Updates applied to configuration');
    expect(r.stdout).toContain(`kops-ts update cluster --name ${NAME} --yes`);
    const after = snapshot(store.dir);
    const changed = Object.keys(after).filter((k) => after[k] !== before[k]).sort();
    expect(changed.filter((k) => !k.startsWith(`${NAME}/history/config/`))).toEqual([`${NAME}/config`]);
    expect(changed.filter((k) => k.startsWith(`${NAME}/history/config/`))).toHaveLength(1);
    const got = await cli(['get', 'cluster', NAME, '--state', store.url, '-o', 'json']);
    expect(JSON.parse(got.stdout).spec.kubernetesVersion).toBe('1.36.3');
    const again = await upgrade();
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe('No upgrade required\n');
  });

  it('refuses a skipped minor, saying the allowed path, and leaves the store as it was', async () => {
    await create('1.34.2');
    const before = snapshot(store.dir);
    const r = await upgrade('--kubernetes-version', '1.36.3', '--yes');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('upgrade to 1.35 first (kops-ts upgrade cluster --name upg.example.com --kubernetes-version 1.35.0 --yes');
    expect(snapshot(store.dir)).toEqual(before);
  });

  it('refuses a downgrade unless --force', async () => {
    await create('1.36.3');
    const refused = await upgrade('--kubernetes-version', '1.36.1', '--yes');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--force');
    const forced = await upgrade('--kubernetes-version', '1.36.1', '--yes', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('Cluster   KubernetesVersion   1.36.3   1.36.1');
  });

  it('uses a channel file, records it as the cluster channel, and prints -o json', async () => {
    await create('1.36.3');
    const file = join(store.dir, '..', `channel-${Date.now()}.yaml`);
    writeFileSync(file, 'spec:\n  kubernetesVersions:\n  - range: ">=1.36.0"\n    recommendedVersion: 1.36.7\n    requiredVersion: 1.36.0\n');
    const r = await upgrade('--channel', file, '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ cluster: NAME, channel: file, target: '1.36.7', written: false });
    expect(doc.actions).toEqual([
      { item: 'Cluster', property: 'Channel', old: 'stable', new: resolve(file) },
      { item: 'Cluster', property: 'KubernetesVersion', old: '1.36.3', new: '1.36.7' },
    ]);
  });

  it('records a relative --channel as its absolute path, so later runs find it from anywhere', async () => {
    await create('1.36.3');
    const file = `upgrade-test-channel-${process.pid}-${Date.now()}.yaml`;
    writeFileSync(file, 'spec:\n  kubernetesVersions:\n  - range: ">=1.36.0"\n    recommendedVersion: 1.36.3\n');
    try {
      const r = await upgrade('--channel', `./${file}`, '--yes');
      expect(r.code, r.stderr).toBe(0);
      const got = await cli(['get', 'cluster', NAME, '--state', store.url, '-o', 'json']);
      expect(JSON.parse(got.stdout).spec.channel).toBe(resolve(file));
      // The next run reads spec.channel: the same channel, nothing more to do. (Validation's
      // ChannelNotUsed warning stays: create cluster's defaults come from stable; docs/upgrades.md.)
      const again = await upgrade();
      expect(again.stderr.split('\n').filter((l) => !l.startsWith('warning: spec.channel: '))).toEqual(['No upgrade required', '']);
    } finally {
      rmSync(file);
    }
  });

  it('names the field of a broken channel file', async () => {
    await create('1.36.3');
    const file = join(store.dir, '..', `bad-${Date.now()}.yaml`);
    writeFileSync(file, 'spec:\n  kubernetesVersions:\n  - range: ">=1.36.0"\n    recommendedVersion: soon\n');
    const r = await upgrade('--channel', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`spec.kubernetesVersions[0].recommendedVersion: "soon" is not a full Kubernetes version (${file})`);
  });
});

describe("kops-ts upgrade cluster against the kubelets the nodes run (fake Kubernetes API)", () => {
  let api: FakeKubeApiServer;
  let kubeconfig: string;
  beforeAll(async () => {
    api = await FakeKubeApiServer.start();
  });
  afterAll(async () => {
    await api.close();
  });
  beforeEach(() => {
    api.nodes.clear();
    kubeconfig = join(store.dir, '..', `kubeconfig-${Date.now()}-${Math.random()}`);
    writeFileSync(kubeconfig, api.kubeconfig(NAME));
  });

  it('refuses a version four minors ahead of a node not yet rolled, naming the node, and writes nothing', async () => {
    await create('1.35.0');
    api.addNode('cp-1', { controlPlane: true, kubeletVersion: 'v1.35.0' });
    api.addNode('stale-node', { kubeletVersion: 'v1.32.4' });
    const before = snapshot(store.dir);
    const r = await upgrade('--yes', '--kubeconfig', kubeconfig);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('node stale-node runs kubelet v1.32.4');
    expect(r.stderr).toContain(`kops-ts rolling-update cluster --name ${NAME} --yes`);
    expect(snapshot(store.dir)).toEqual(before);
    expect(api.requests.some((q) => q.method === 'GET' && q.path.startsWith('/api/v1/nodes'))).toBe(true);
  });

  it('upgrades when every kubelet is within three minors', async () => {
    await create('1.35.0');
    api.addNode('n-1', { kubeletVersion: 'v1.33.7' });
    const r = await upgrade('--yes', '--kubeconfig', kubeconfig);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('could not be read');
    expect(r.stdout).toContain('Updates applied to configuration');
  });

  it('warns, and goes on, when the API cannot be reached', async () => {
    await create('1.35.0');
    writeFileSync(kubeconfig, api.kubeconfig(NAME).replace(api.url, 'http://127.0.0.1:9'));
    const r = await upgrade('--kubeconfig', kubeconfig);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: .*kubelet versions could not be read .*127\.0\.0\.1:9/);
    expect(r.stdout).toContain('Cluster   KubernetesVersion   1.35.0   1.36.3');
  });
});
