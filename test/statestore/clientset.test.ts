import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { Clientset, StateErrorCode, acquireClusterLock, parseKopsYaml, readClusterLock } from '../../src/statestore/index.js';
import { rejectionOf } from '../helpers/errors.js';
import { backends, snapshot, text } from './backends.js';
import { FaultyStore } from './faulty.js';
import { ED25519_KEY, ED25519_MD5, RSA_KEY, RSA_MD5, sampleCluster, sampleIG } from './fixtures.js';

const NAME = 'dev.example.com';

function ticking(start = '2026-04-01T08:00:00.000Z') {
  let t = Date.parse(start);
  return () => new Date((t += 1_000));
}

describe.each(backends)('clientset: $name', (backend) => {
  it('creates a cluster in kops layout and reads it back whole', async () => {
    const store = await backend.fresh();
    const cs = new Clientset(store, { now: ticking() });
    const created = await cs.createCluster(sampleCluster(NAME), [sampleIG('control-plane-us-east-1a', 'Master'), sampleIG('nodes')], {
      sshPublicKeys: [ED25519_KEY],
    });
    expect(created.sshPublicKeyIds).toEqual([ED25519_MD5]);
    expect(await store.list(`${NAME}/`)).toEqual([
      `${NAME}/config`,
      `${NAME}/instancegroup/control-plane-us-east-1a`,
      `${NAME}/instancegroup/nodes`,
      `${NAME}/pki/ssh/public/admin/${ED25519_MD5.replace(/:/g, '')}`,
    ]);
    expect(await cs.listClusters()).toEqual([NAME]);

    const got = await cs.getCluster(NAME);
    expect(got.version).toBe(created.cluster.version);
    expect(got.object).toEqual({ ...sampleCluster(NAME), metadata: { name: NAME, creationTimestamp: expect.stringMatching(/^2026-04-01T08:00:0\dZ$/) } });
    expect((got.object.spec as Record<string, unknown>).fileAssets).toEqual([{ name: 'motd', content: 'hello: "world"\n' }]);
    expect(got.object.metadata.generation).toBeUndefined();

    const igs = await cs.listInstanceGroups(NAME);
    expect(igs.map((ig) => ig.object.metadata.name)).toEqual(['control-plane-us-east-1a', 'nodes']);
    expect(igs[1]!.object.metadata.labels).toEqual({ team: 'infra', 'kops.k8s.io/cluster': NAME });
    expect(igs[1]!.object.spec).toEqual(sampleIG('nodes').spec);
    expect(await cs.listSSHPublicKeys(NAME)).toEqual([{ id: ED25519_MD5, publicKey: ED25519_KEY, path: `${NAME}/pki/ssh/public/admin/${ED25519_MD5.replace(/:/g, '')}` }]);
    // Written as YAML, keys in the object's own order.
    const yaml = text((await store.read(`${NAME}/config`))?.data) ?? '';
    expect(yaml.indexOf('apiVersion:')).toBe(0);
    expect(yaml.indexOf('kind:')).toBeLessThan(yaml.indexOf('metadata:'));
  });

  it('refuses to create an existing cluster and leaves it untouched', async () => {
    const store = await backend.fresh();
    const cs = new Clientset(store);
    await cs.createCluster(sampleCluster(NAME, '1.30.0'), [sampleIG('nodes')]);
    const before = await snapshot(store);
    const e = await rejectionOf(cs.createCluster(sampleCluster(NAME, '1.31.0'), [sampleIG('other')]), KopsError);
    expect(e.code).toBe('ClusterExists');
    expect(e.message).toBe(`cluster "${NAME}" already exists`);
    expect(e.diagnostics[0]?.hint).toContain(`'kops-ts update cluster --name ${NAME}'`);
    expect(await snapshot(store)).toEqual(before);
  });

  it('lets exactly one of two concurrent creators of the same cluster win, whole', async () => {
    const store = await backend.fresh();
    const a = new Clientset(store);
    const b = new Clientset(backend.reopen(store));
    const results = await Promise.allSettled([
      a.createCluster(sampleCluster(NAME, '1.30.0'), [sampleIG('nodes-a')], { sshPublicKeys: [ED25519_KEY] }),
      b.createCluster(sampleCluster(NAME, '1.31.0'), [sampleIG('nodes-b')], { sshPublicKeys: [RSA_KEY] }),
    ]);
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(['ClusterExists', 'ClusterLocked']).toContain((loser.reason as KopsError).code);
    const [version, ig, key] = winners[0] === 0 ? ['1.30.0', 'nodes-a', ED25519_MD5] : ['1.31.0', 'nodes-b', RSA_MD5];
    expect((await a.getCluster(NAME)).object.spec.kubernetesVersion).toBe(version);
    expect((await a.listInstanceGroups(NAME)).map((g) => g.object.metadata.name)).toEqual([ig]);
    expect((await a.listSSHPublicKeys(NAME)).map((k) => k.id)).toEqual([key]);
    expect(await readClusterLock(store, NAME)).toBeUndefined();
  });

  it('rolls a failed create back so the store is exactly as before', async () => {
    const store = await backend.fresh();
    const cs = new Clientset(store);
    await cs.createCluster(sampleCluster('other.example.com'), [sampleIG('nodes')]);
    const before = await snapshot(store);
    for (const failing of [`${NAME}/config`, `${NAME}/instancegroup/b`, `${NAME}/pki/ssh/public/admin/${RSA_MD5.replace(/:/g, '')}`]) {
      const faulty = new FaultyStore(store, (p) => p === failing);
      const e: unknown = await new Clientset(faulty)
        .createCluster(sampleCluster(NAME), [sampleIG('a'), sampleIG('b')], { sshPublicKeys: [ED25519_KEY, RSA_KEY] })
        .catch((err: unknown) => err);
      expect(String(e)).toContain(`injected failure writing ${failing}`);
      expect(faulty.writes).toContain(failing);
      expect(await snapshot(store)).toEqual(before);
    }
    // And the create then succeeds.
    await cs.createCluster(sampleCluster(NAME), [sampleIG('a')]);
    expect(await cs.listClusters()).toEqual([NAME, 'other.example.com']);
  });

  it('reports leftover state instead of overwriting it', async () => {
    const store = await backend.fresh();
    await store.write(`${NAME}/instancegroup/nodes`, 'left: over\n');
    const before = await snapshot(store);
    const e = await rejectionOf(new Clientset(store).createCluster(sampleCluster(NAME), [sampleIG('control'), sampleIG('nodes')]), KopsError);
    expect(e.code).toBe('ClusterStateExists');
    expect(await snapshot(store)).toEqual(before);
  });

  it('refuses to create while another run holds the cluster lock', async () => {
    const store = await backend.fresh();
    const lock = await acquireClusterLock(store, NAME, { operation: 'delete cluster', holder: 'carol@c pid 3' });
    const e = await rejectionOf(new Clientset(store).createCluster(sampleCluster(NAME), []), KopsError);
    expect(e.code).toBe(StateErrorCode.LockHeld);
    expect(e.message).toContain('carol@c pid 3');
    await lock.release();
  });

  it('updates with the version read, bumping generation only when the spec changed', async () => {
    const store = await backend.fresh();
    const cs = new Clientset(store, { now: ticking() });
    await cs.createCluster(sampleCluster(NAME), [sampleIG('nodes')]);
    const v1 = await cs.getCluster(NAME);
    const edited = structuredClone(v1.object);
    edited.spec.kubernetesVersion = '1.31.0';
    const v2 = await cs.updateCluster(edited, v1.version);
    expect(v2.object.metadata.generation).toBe(1);
    expect(v2.object.metadata.creationTimestamp).toBe(v1.object.metadata.creationTimestamp);
    const relabelled = structuredClone(v2.object);
    relabelled.metadata.annotations = { note: 'x' };
    const v3 = await cs.updateCluster(relabelled, v2.version);
    expect(v3.object.metadata.generation).toBe(1);
    expect((await cs.getCluster(NAME)).object).toEqual(v3.object);
    expect(edited.metadata.generation).toBeUndefined(); // inputs are not mutated

    const stale = await rejectionOf(cs.updateCluster(edited, v1.version), KopsError);
    expect(stale.code).toBe(StateErrorCode.Conflict);
    expect(stale.message).toBe(`${NAME}/config changed since it was read`);
    expect((await cs.getCluster(NAME)).version).toBe(v3.version);
  });

  it('lets exactly one of two concurrent editors of the same spec win', async () => {
    const store = await backend.fresh();
    await new Clientset(store).createCluster(sampleCluster(NAME), [sampleIG('nodes')]);
    const a = new Clientset(store);
    const b = new Clientset(backend.reopen(store));
    const [ra, rb] = await Promise.all([a.getInstanceGroup(NAME, 'nodes'), b.getInstanceGroup(NAME, 'nodes')]);
    ra.object.spec.maxSize = 10;
    rb.object.spec.maxSize = 20;
    const results = await Promise.allSettled([a.updateInstanceGroup(NAME, ra.object, ra.version), b.updateInstanceGroup(NAME, rb.object, rb.version)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(KopsError.is(loser.reason, StateErrorCode.Conflict)).toBe(true);
    const stored = await a.getInstanceGroup(NAME, 'nodes');
    expect(stored.object.spec.maxSize).toBe(results[0]!.status === 'fulfilled' ? 10 : 20);
    expect(stored.object.metadata.generation).toBe(1);
  });

  it('creates, updates and deletes instance groups', async () => {
    const store = await backend.fresh();
    const cs = new Clientset(store);
    expect((await rejectionOf(cs.createInstanceGroup(NAME, sampleIG('nodes')), KopsError)).code).toBe('ClusterNotFound');
    await cs.createCluster(sampleCluster(NAME), []);
    const ig = await cs.createInstanceGroup(NAME, sampleIG('bastions', 'Bastion'));
    expect(ig.object.metadata.labels?.['kops.k8s.io/cluster']).toBe(NAME);
    expect((await rejectionOf(cs.createInstanceGroup(NAME, sampleIG('bastions')), KopsError)).code).toBe('InstanceGroupExists');
    expect((await rejectionOf(cs.deleteInstanceGroup(NAME, 'bastions', 'not-the-version'), KopsError)).code).toBe(StateErrorCode.Conflict);
    await cs.deleteInstanceGroup(NAME, 'bastions', ig.version);
    expect(await cs.findInstanceGroup(NAME, 'bastions')).toBeUndefined();
    expect((await rejectionOf(cs.getInstanceGroup(NAME, 'bastions'), KopsError)).code).toBe('InstanceGroupNotFound');
    expect((await rejectionOf(cs.deleteInstanceGroup(NAME, 'bastions'), KopsError)).code).toBe('InstanceGroupNotFound');
  });

  it('says which store a missing cluster is missing from', async () => {
    const store = await backend.fresh();
    const cs = new Clientset(store);
    const e = await rejectionOf(cs.getCluster('nope.example.com'), KopsError);
    expect(e.code).toBe('ClusterNotFound');
    expect(e.message).toBe(`cluster "nope.example.com" not found in ${store.url}`);
    expect(e.diagnostics[0]?.hint).toContain('kops-ts get clusters');
    expect((await rejectionOf(cs.listInstanceGroups('nope.example.com'), KopsError)).code).toBe('ClusterNotFound');
    expect((await rejectionOf(cs.updateCluster(sampleCluster('nope.example.com'), 'v'), KopsError)).code).toBe('ClusterNotFound');
  });

  it('keeps the completed spec, the kops version and SSH keys', async () => {
    const store = await backend.fresh();
    const cs = new Clientset(store);
    await cs.createCluster(sampleCluster(NAME), []);
    expect(await cs.readCompletedSpec(NAME)).toBeUndefined();
    const completed = { ...sampleCluster(NAME), spec: { ...sampleCluster(NAME).spec, nonMasqueradeCIDR: '100.64.0.0/10' } };
    const w = await cs.writeCompletedSpec(NAME, completed);
    expect((await cs.readCompletedSpec(NAME))?.object).toEqual(completed);
    const newer = { ...completed, spec: { ...completed.spec, kubernetesVersion: '1.31.0' } };
    await cs.writeCompletedSpec(NAME, newer, w.version);
    expect((await rejectionOf(cs.writeCompletedSpec(NAME, completed, w.version), KopsError)).code).toBe(StateErrorCode.Conflict);
    expect((await cs.readCompletedSpec(NAME))?.object).toEqual(newer);
    expect(await cs.readKopsVersion(NAME)).toBeUndefined();
    await cs.writeKopsVersion(NAME, '0.1.0');
    expect(await cs.readKopsVersion(NAME)).toBe('0.1.0');
    expect(await cs.addSSHPublicKey(NAME, RSA_KEY)).toBe(RSA_MD5);
    expect(await cs.addSSHPublicKey(NAME, RSA_KEY)).toBe(RSA_MD5);
    expect((await cs.listSSHPublicKeys(NAME)).map((k) => k.id)).toEqual([RSA_MD5]);
    await cs.deleteSSHPublicKey(NAME, RSA_MD5);
    expect(await cs.listSSHPublicKeys(NAME)).toEqual([]);
    expect((await rejectionOf(cs.addSSHPublicKey(NAME, 'not a key'), KopsError)).code).toBe('InvalidSSHPublicKey');
  });

  it('deletes cluster state, config last, refusing objects it does not know', async () => {
    const store = await backend.fresh();
    const cs = new Clientset(store);
    await cs.createCluster(sampleCluster(NAME), [sampleIG('nodes')], { sshPublicKeys: [ED25519_KEY] });
    await cs.createCluster(sampleCluster('keep.example.com'), [sampleIG('nodes')]);
    await cs.writeKopsVersion(NAME, '0.1.0');
    await store.write(`${NAME}/secrets/kube`, 'token');
    await store.write(`${NAME}/my-notes.txt`, 'mine');
    const e = await rejectionOf(cs.deleteClusterState(NAME), KopsError);
    expect(e.code).toBe('UnknownClusterState');
    expect(e.message).toContain(`${NAME}/my-notes.txt`);
    expect(await cs.listClusters()).toContain(NAME);
    await store.delete(`${NAME}/my-notes.txt`);
    const deleted = await cs.deleteClusterState(NAME);
    expect(deleted).toContain(`${NAME}/config`);
    expect(await store.list(`${NAME}/`)).toEqual([]);
    expect(await cs.listClusters()).toEqual(['keep.example.com']);
  });

  it('reads a manifest kops wrote, keeping YAML 1.1 meanings and unknown fields', async () => {
    const store = await backend.fresh();
    await store.write(
      `${NAME}/config`,
      `apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata:\n  creationTimestamp: "2024-05-06T07:08:09Z"\n  name: ${NAME}\nspec:\n  kubernetesVersion: 1.29.3\n  iam:\n    allowContainerRegistry: yes\n  fileAssets:\n  - name: x\n    mode: "0755"\n`,
    );
    const cs = new Clientset(store);
    const got = await cs.getCluster(NAME);
    expect(got.object.spec.iam?.allowContainerRegistry).toBe(true);
    expect(got.object.metadata.creationTimestamp).toBe('2024-05-06T07:08:09Z');
    const next = await cs.updateCluster(got.object, got.version);
    const written = text((await store.read(`${NAME}/config`))?.data) ?? '';
    expect(written).toContain('mode: "0755"');
    expect(parseKopsYaml(written)).toEqual(next.object);
  });
});
