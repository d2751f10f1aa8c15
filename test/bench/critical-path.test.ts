import { describe, expect, it } from 'vitest';
import { criticalPath, type DependencyGraph } from '../../bench/critical-path.js';
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
});
