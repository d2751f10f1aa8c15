/**
 * The deletion rounds of `delete cluster`, pure: order by kind, retry of "still has dependencies",
 * the --count and --wait bounds, and interrupts, with a clock that never sleeps.
 */
import { describe, expect, it } from 'vitest';
import { ownedByTags, resourceType } from '../../src/cloud/aws/delete-tagged.js';
import { awsInventoryCloud } from '../../src/cloud/aws/provider.js';
import { deleteResources, type ClusterInventory, type DeleteProgress, type OwnedResource } from '../../src/cloudup/delete-cluster.js';
import type { AwsTaskContext } from '../../src/tasks/aws/context.js';
import { tryAgainLater } from '../../src/tasks/retry.js';
import { fakeClock } from './delete-cluster-helpers.js';

const inUse = (id: string) => Object.assign(new Error(`resource ${id} has a dependent object`), { name: 'DependencyViolation' });

/** Resources whose `remove` fails `failures[id]` times (with `error(id)`) before succeeding. */
function inventory(spec: readonly { kind: string; id: string; fails?: number; error?: (id: string) => unknown }[], order: Readonly<Record<string, readonly string[]>> = {}) {
  const calls: string[] = [];
  const resources: OwnedResource[] = spec.map((s) => {
    let left = s.fails ?? 0;
    return {
      kind: s.kind,
      type: resourceType(s.kind),
      name: s.id,
      id: s.id,
      remove: () => {
        calls.push(s.id);
        if (left-- > 0) return Promise.reject((s.error ?? inUse)(s.id));
        return Promise.resolve();
      },
    };
  });
  const inv: ClusterInventory = { resources, kept: [], cloud: awsInventoryCloud({} as AwsTaskContext), before: (a, b) => (order[a.kind] ?? []).includes(b.kind) };
  return { inv, calls };
}

describe('delete cluster rounds', () => {
  it('deletes what uses a kind before that kind, and retries "still has dependencies" after a pause', async () => {
    const { inv, calls } = inventory(
      [
        { kind: 'VPC', id: 'vpc-1' },
        { kind: 'Subnet', id: 'subnet-1', fails: 1 },
        { kind: 'AutoscalingGroup', id: 'asg-1', fails: 1, error: (id) => tryAgainLater(`autoscaling group ${id} is being deleted`) },
      ],
      { AutoscalingGroup: ['Subnet', 'VPC'], Subnet: ['VPC'] },
    );
    const progress: string[] = [];
    const clock = fakeClock();
    const r = await deleteResources(inv, { clock, intervalMs: 5_000, progress: (p: DeleteProgress) => progress.push(`${p.resource.type}:${p.resource.id} ${p.outcome}`) });
    expect(progress).toEqual([
      'autoscaling-group:asg-1 in-progress',
      'autoscaling-group:asg-1 ok',
      'subnet:subnet-1 dependencies',
      'subnet:subnet-1 ok',
      'vpc:vpc-1 ok',
    ]);
    expect(calls).toEqual(['asg-1', 'asg-1', 'subnet-1', 'subnet-1', 'vpc-1']);
    expect(clock.slept).toEqual([5_000, 5_000]);
    expect(r.left).toEqual([]);
    expect(r.rounds).toBe(3);
  });

  it('--count 0 retries until --wait runs out, then names what is left with its last error', async () => {
    const { inv } = inventory([{ kind: 'Subnet', id: 'subnet-1', fails: 1_000 }, { kind: 'VPC', id: 'vpc-1' }], { Subnet: ['VPC'] });
    const clock = fakeClock();
    const r = await deleteResources(inv, { clock, count: 0, waitMs: 60_000, intervalMs: 10_000 });
    expect(r.gaveUp).toBe('wait');
    // Rounds at 0, 10, ... 60 s: another pause would pass --wait.
    expect(clock.slept.length).toBe(6);
    expect(clock.now()).toBe(60_000);
    expect(r.rounds).toBe(7);
    expect(r.left.map((x) => `${x.resource.id}: ${x.error}`)).toEqual([
      'subnet-1: DependencyViolation: resource subnet-1 has a dependent object',
      'vpc-1: not tried: what depends on it is still there',
    ]);
  });

  it('progress resets the --count of rounds without progress', async () => {
    // b fails twice, c (after b) fails twice: never two stalled rounds in a row.
    const { inv } = inventory([{ kind: 'B', id: 'b', fails: 1 }, { kind: 'C', id: 'c', fails: 1 }, { kind: 'D', id: 'd', fails: 1_000 }], { B: ['C'], C: [] });
    const r = await deleteResources(inv, { clock: fakeClock(), count: 2 });
    expect(r.deleted.map((x) => x.id)).toEqual(['b', 'c']);
    expect(r.gaveUp).toBe('count');
    expect(r.left.map((x) => x.resource.id)).toEqual(['d']);
  });

  it('an interrupt stops before the next round', async () => {
    const ac = new AbortController();
    const { inv, calls } = inventory([{ kind: 'X', id: 'x', fails: 1_000 }]);
    const clock = fakeClock();
    const r = await deleteResources(inv, { clock, signal: ac.signal, waiting: () => ac.abort() });
    expect(r.gaveUp).toBe('interrupted');
    expect(calls).toEqual(['x']);
  });

  it('ownership: either of kops\'s tags, for this cluster only', () => {
    expect(ownedByTags({ KubernetesCluster: 'a.example.com' }, 'a.example.com')).toBe(true);
    expect(ownedByTags({ 'kubernetes.io/cluster/a.example.com': 'owned' }, 'a.example.com')).toBe(true);
    expect(ownedByTags({ 'kubernetes.io/cluster/a.example.com': 'shared' }, 'a.example.com')).toBe(false);
    expect(ownedByTags({ KubernetesCluster: 'b.example.com' }, 'a.example.com')).toBe(false);
    expect(resourceType('SecurityGroupRule')).toBe('security-group-rule');
    expect(resourceType('VPC')).toBe('vpc');
  });
});
