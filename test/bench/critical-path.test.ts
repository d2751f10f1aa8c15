import { describe, expect, it } from 'vitest';
import { criticalPath, type DependencyGraph } from '../../bench/critical-path.js';
import { sequentialDepth } from '../../src/cloud/aws/call-scope.js';
import { Graph } from '../../src/tasks/graph.js';

function graphOf(edges: Record<string, string[]>): Graph {
  const nodes = Object.keys(edges).map((key) => ({ key, kind: key.slice(0, key.indexOf('/')) }));
  return Graph.of(nodes, new Map(Object.entries(edges)));
}

describe('criticalPath', () => {
  // VPC <- Subnet <- ASG, VPC <- SG <- Rule; LT <- ASG
  const g = graphOf({
    'VPC/a': [], 'Subnet/a': ['VPC/a'], 'SecurityGroup/a': ['VPC/a'], 'SecurityGroupRule/a': ['SecurityGroup/a'],
    'LaunchTemplate/a': ['SecurityGroup/a'], 'AutoscalingGroup/a': ['Subnet/a', 'LaunchTemplate/a'],
  });

  it('follows the heaviest chain, not the longest by count', () => {
    const w: Record<string, number> = { 'VPC/a': 2, 'Subnet/a': 10, 'SecurityGroup/a': 1, 'SecurityGroupRule/a': 1, 'LaunchTemplate/a': 1, 'AutoscalingGroup/a': 3 };
    const cp = criticalPath(g, (k) => w[k] ?? 0);
    expect(cp.path).toEqual(['VPC/a', 'Subnet/a', 'AutoscalingGroup/a']);
    expect(cp.weight).toBe(15);
    expect(cp.depth).toBe(4);
  });

  it('changes path when the weights change', () => {
    const w: Record<string, number> = { 'VPC/a': 2, 'Subnet/a': 1, 'SecurityGroup/a': 4, 'LaunchTemplate/a': 4, 'AutoscalingGroup/a': 3 };
    const cp = criticalPath(g, (k) => w[k] ?? 0);
    expect(cp.path).toEqual(['VPC/a', 'SecurityGroup/a', 'LaunchTemplate/a', 'AutoscalingGroup/a']);
    expect(cp.weight).toBe(13);
  });

  it('leaves out leading tasks that made no calls, and is empty when nothing did', () => {
    const cp = criticalPath(g, (k) => (k === 'AutoscalingGroup/a' ? 2 : k === 'Subnet/a' ? 1 : 0));
    expect(cp.path).toEqual(['Subnet/a', 'AutoscalingGroup/a']);
    expect(cp.weight).toBe(3);
    expect(criticalPath(g, () => 0)).toEqual({ path: [], weight: 0, depth: 4 });
  });

  it('refuses an order that is not topological and a negative weight', () => {
    const bad: DependencyGraph = { order: () => ['B/b', 'A/a'], dependencies: (k) => (k === 'B/b' ? ['A/a'] : []) };
    expect(() => criticalPath(bad, () => 1)).toThrow('B/b depends on A/a, which comes later');
    expect(() => criticalPath(g, () => -1)).toThrow('must be a number >= 0');
  });

  it('weighed by sequential request depth, a task whose requests overlap counts once per round trip', () => {
    // The NetworkLoadBalancer pattern in LaunchTemplate/a: a create, then three reads at once: 4 requests, 2 round trips.
    const calls: Record<string, { startMs: number; endMs: number }[]> = {
      'VPC/a': [{ startMs: 0, endMs: 1 }, { startMs: 1, endMs: 2 }],
      'Subnet/a': [{ startMs: 2, endMs: 3 }, { startMs: 3, endMs: 4 }, { startMs: 4, endMs: 5 }, { startMs: 5, endMs: 6 }],
      'SecurityGroup/a': [{ startMs: 2, endMs: 3 }],
      'LaunchTemplate/a': [{ startMs: 3, endMs: 4 }, { startMs: 4, endMs: 5 }, { startMs: 4, endMs: 5 }, { startMs: 4, endMs: 5 }],
      'AutoscalingGroup/a': [{ startMs: 6, endMs: 7 }],
    };
    const byCount = criticalPath(g, (k) => calls[k]?.length ?? 0);
    const byDepth = criticalPath(g, (k) => sequentialDepth(calls[k] ?? []));
    expect(byCount.path).toEqual(['VPC/a', 'SecurityGroup/a', 'LaunchTemplate/a', 'AutoscalingGroup/a']);
    expect(byCount.weight).toBe(8);
    expect(byDepth.path).toEqual(['VPC/a', 'Subnet/a', 'AutoscalingGroup/a']);
    expect(byDepth.weight).toBe(7);
    // With one time unit per request, the run above took 7 units: the depth bound holds, the count "bound" exceeds it.
    const wall = Math.max(...Object.values(calls).flat().map((c) => c.endMs));
    expect(byDepth.weight).toBeLessThanOrEqual(wall);
    expect(byCount.weight).toBeGreaterThan(wall);
  });
});
