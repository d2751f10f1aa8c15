/**
 * `delete instance`'s engine (src/rolling-update/single-instance.ts) on the memory cloud and the
 * simulated clock: the lookup and surge default (pure), and the order of the roll's steps for one
 * instance, with surge, without, when the detach fails, and finishing a detach an interrupted run
 * left. The emulator and the fake APIs run it end to end in test/cli/delete-instance*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { deleteInstance, defaultSurge, findInstance, locateInstance } from '../../src/rolling-update/single-instance.js';
import type { CloudInstanceGroup, KubeNode, KubeOps } from '../../src/rolling-update/types.js';
import { HA_GROUPS, makeCluster } from './harness.js';

const GROUP: CloudInstanceGroup = {
  name: 'nodes',
  role: 'Node',
  cloudName: 'nodes.example.com',
  minSize: 2,
  maxSize: 2,
  targetSize: 2,
  instances: [
    { id: 'i-1', group: 'nodes', status: 'UpToDate', state: 'InService', nodeName: 'ip-10-0-0-1.ec2.internal' },
    { id: 'i-2', group: 'nodes', status: 'UpToDate', state: 'InService', nodeName: 'ip-10-0-0-2.ec2.internal' },
  ],
};
const node = (name: string, id: string): KubeNode => ({ name, instanceId: id, ready: true, unschedulable: false, roles: ['node'], needsUpdate: false });

describe('findInstance and defaultSurge', () => {
  it('finds by cloud id, by the Node name when the API answered, else by the name the cloud gives it', () => {
    expect(findInstance([GROUP], undefined, 'i-2')?.instance.id).toBe('i-2');
    expect(findInstance([GROUP], [node('renamed-node', 'i-1')], 'renamed-node')?.node?.name).toBe('renamed-node');
    // With Nodes, only their names count: the cloud's predicted name is not a Node's.
    expect(findInstance([GROUP], [node('renamed-node', 'i-1')], 'ip-10-0-0-1.ec2.internal')).toBeUndefined();
    expect(findInstance([GROUP], undefined, 'ip-10-0-0-1.ec2.internal')?.instance.id).toBe('i-1');
    expect(findInstance([GROUP], undefined, 'i-3')).toBeUndefined();
  });

  it("surges by default on AWS (kops); on GCE only when the group's maxSurge is above 0 (the roll's rule there)", () => {
    expect(defaultSurge('aws', { name: 'nodes', role: 'Node', rollingUpdate: { maxSurge: 0 } }, null, 2)).toBe(true);
    expect(defaultSurge('gce', { name: 'nodes', role: 'Node' }, null, 2)).toBe(false);
    expect(defaultSurge('gce', { name: 'nodes', role: 'Node', rollingUpdate: { maxSurge: 1 } }, null, 2)).toBe(true);
    expect(defaultSurge('gce', { name: 'nodes', role: 'Node' }, { maxSurge: '50%' }, 2)).toBe(true);
  });
});

describe('locateInstance', () => {
  it("an instance the API has no Node for is refused unless cloud-only (kops's \"not a member of the cluster\")", async () => {
    const c = makeCluster(HA_GROUPS);
    const id = c.cloud.groups.get('nodes-us-east-1a')!.instances[0]!.id;
    const none = async (): Promise<void> => undefined;
    const kube: KubeOps = { listNodes: async () => [], taintForUpdate: none, cordon: none, drain: none, deleteNode: none };
    const base = { cluster: 'example.com', cloud: c.cloud, kube, instance: id };
    const err = await locateInstance(base).catch((e: unknown) => e);
    expect(KopsError.is(err, 'InstanceNotRegistered')).toBe(true);
    expect((err as KopsError).diagnostics[0]?.hint).toContain('--cloudonly');
    expect((await locateInstance({ ...base, cloudOnly: true })).located.instance.id).toBe(id);
    // A bastion is never a Node: it is replaced as the roll replaces bastions (no drain).
    const bastion = c.cloud.groups.get('bastions')!.instances[0]!.id;
    expect((await locateInstance({ ...base, instance: bastion })).located.group.name).toBe('bastions');
    const missing = await locateInstance({ ...base, instance: 'i-nope' }).catch((e: unknown) => e);
    expect(KopsError.is(missing, 'InstanceNotFound')).toBe(true);
    expect((missing as KopsError).message).toContain('nodes-us-east-1a');
  });
});

describe('deleteInstance on the memory cloud', () => {
  const run = (c: ReturnType<typeof makeCluster>, instance: string, o: { surge?: boolean; cloudOnly?: boolean } = {}) =>
    deleteInstance({
      cluster: 'example.com',
      cloud: c.cloud,
      ...(o.cloudOnly ? {} : { kube: c.kube, validator: c.validator }),
      clock: c.clock,
      events: c.events.sink,
      specGroups: HA_GROUPS.map((g) => ({ name: g.name, role: g.role })),
      instance,
      validateCount: 1,
      ...o,
    });

  it('with surge: detach, the replacement in service and validated, then drain and terminate the old one; the other instances untouched', async () => {
    const c = makeCluster(HA_GROUPS);
    const [victim, ...rest] = c.cloud.groups.get('nodes-us-east-1a')!.instances.map((i) => i.id);
    const res = await run(c, victim!);
    expect(res).toMatchObject({ group: 'nodes-us-east-1a', instance: victim, surged: true });
    const ops = c.cloud.log.map((o) => `${o.op} ${o.group}`);
    expect(ops).toEqual(['detach nodes-us-east-1a', 'launch nodes-us-east-1a', 'terminate nodes-us-east-1a']);
    const launched = c.cloud.log.find((o) => o.op === 'launch')!;
    const drained = c.kube.calls.find((k) => k.op === 'drain')!;
    // The replacement was in service (the memory cloud's 90 s launch) and validated before the drain.
    expect(drained.at - launched.at).toBeGreaterThanOrEqual(90_000);
    expect(c.events.of('rolling-update.validated').length).toBeGreaterThanOrEqual(1);
    expect(c.cloud.terminated).toEqual([victim]);
    expect(c.cloud.groups.get('nodes-us-east-1a')!.instances.map((i) => i.id)).toEqual(expect.arrayContaining(rest));
    expect(c.cloud.groups.get('nodes-us-east-1a')!.instances).toHaveLength(3);
  });

  it('a failed detach goes on without surge, as the roll does: terminate, the group replaces it, then validate', async () => {
    const c = makeCluster(HA_GROUPS);
    const victim = c.cloud.groups.get('nodes-us-east-1b')!.instances[0]!.id;
    c.cloud.failDetach.add(victim);
    const res = await run(c, victim);
    expect(res.surged).toBe(false);
    expect(c.events.of('rolling-update.warning').map((w) => w.message)).toEqual([expect.stringContaining('could not detach instance')]);
    expect(c.cloud.log.map((o) => o.op)).toEqual(['terminate', 'launch']);
    const seen = c.events.events.map((e) => (e.code === 'rolling-update.step' ? `step ${e.step}` : e.code));
    expect(seen.indexOf('rolling-update.validated')).toBeGreaterThan(seen.indexOf('step terminate'));
  });

  it('finishes a detach an interrupted run left marked, without launching a second replacement', async () => {
    const c = makeCluster(HA_GROUPS);
    const victim = c.cloud.groups.get('nodes-us-east-1a')!.instances[1]!.id;
    c.cloud.markDetached(victim);
    await run(c, victim, { surge: false });
    expect(c.cloud.log.map((o) => o.op)).toEqual(['detach', 'launch', 'terminate']);
  });

  it('a control plane is never detached; without the Kubernetes API and not cloud-only it is refused', async () => {
    const c = makeCluster(HA_GROUPS);
    const cp = c.cloud.groups.get('control-plane-us-east-1a')!.instances[0]!.id;
    const res = await run(c, cp);
    expect(res.surged).toBe(false);
    expect(c.cloud.log.filter((o) => o.group === 'control-plane-us-east-1a').map((o) => o.op)).toEqual(['deregister', 'terminate', 'launch']);
    const noKube = makeCluster(HA_GROUPS);
    const err = await deleteInstance({ cluster: 'example.com', cloud: noKube.cloud, clock: noKube.clock, instance: cp }).catch((e: unknown) => e);
    expect(KopsError.is(err, 'NoKubernetesClient')).toBe(true);
    expect(noKube.cloud.log).toEqual([]);
  });
});
