/**
 * AWS's tag limits, validated on the spec before anything is written: 50 tags per resource
 * (counting the tags kops-ts adds), keys of at most 128 characters, values of at most 256, no
 * `aws:` prefix. The counts are pinned against the tasks the builders make.
 */
import { describe, expect, it } from 'vitest';
import { completeCluster } from '../../src/model/completion.js';
import { buildAwsTasks } from '../../src/model/aws/index.js';
import { validateCluster } from '../../src/model/validation.js';
import { AWS_MAX_TAGS, MAX_CLUSTER_RESOURCE_EXTRA_TAGS } from '../../src/model/validation-aws-tags.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import type { Task } from '../../src/tasks/types.js';
import { codes, errorLines, ig, userCluster } from './helpers.js';

const ZONES = ['us-east-1a'];

function labels(n: number, prefix = 'team'): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}-${i}`, `v${i}`]));
}

function cluster(cloudLabels: Record<string, string>): Cluster {
  const c = userCluster(ZONES, { private: true });
  return { ...c, spec: { ...c.spec, cloudLabels } };
}

function igs(nodeExtra: Partial<InstanceGroup['spec']> = {}): InstanceGroup[] {
  return [ig('control-plane-us-east-1a', 'Master', ['us-east-1a']), ig('nodes-us-east-1a', 'Node', ['us-east-1a'], nodeExtra)];
}

function tagCount(t: Task): number {
  const tags = (t.desired as { tags?: Record<string, string> }).tags;
  return tags ? Object.keys(tags).length : 0;
}

function build(c: Cluster, groups: InstanceGroup[]): Task[] {
  const done = completeCluster(c, groups);
  return buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups });
}

describe('50 tags per resource', () => {
  /** The largest n for which `make(n)` validates without TooManyTags. */
  function largestAccepted(make: (n: number) => [Cluster, InstanceGroup[]]): number {
    let n = 0;
    while (!codes(validateCluster(...make(n + 1))).includes('TooManyTags')) n++;
    return n;
  }

  it("accepts as many cluster cloudLabels as fit every resource: the busiest then carries exactly 50 tags", () => {
    const make = (n: number): [Cluster, InstanceGroup[]] => [cluster(labels(n)), igs()];
    const n = largestAccepted(make);
    expect(validateCluster(...make(n))).toEqual([]);
    expect(Math.max(...build(...make(n)).map(tagCount))).toBe(AWS_MAX_TAGS);
    expect(Math.max(...build(...make(n + 1)).map(tagCount))).toBe(AWS_MAX_TAGS + 1);
    // The control plane's autoscaling group is the busiest: its role and node-template tags.
    expect(errorLines(validateCluster(...make(n + 1)))).toEqual([
      `spec.cloudLabels: the autoscaling group of instance group control-plane-us-east-1a (and its instances) would carry 51 tags: the cluster's and the group's cloud labels, one per node label and taint, and kops-ts's own; AWS allows 50 per resource`,
    ]);
  });

  it('without instance groups of many tags, the cluster-wide resources bound the cloudLabels', () => {
    const most = AWS_MAX_TAGS - 3 - MAX_CLUSTER_RESOURCE_EXTRA_TAGS;
    const clusterWide = build(cluster(labels(most)), igs()).filter((t) => t.kind !== 'AutoscalingGroup' && t.kind !== 'LaunchTemplate');
    // The etcd volumes (and subnets) carry the most of kops-ts's own tags: the constant is exact.
    expect(Math.max(...clusterWide.map(tagCount))).toBe(AWS_MAX_TAGS);
    const diags = validateCluster(cluster(labels(most + 1)), igs());
    expect(errorLines(diags)).toEqual([`spec.cloudLabels: ${most + 1} cloud labels: with the 6 tags kops-ts adds, some resources would carry 51 tags, and AWS allows 50 per resource`]);
  });

  it("counts an instance group's tags as its autoscaling group gets them (cloud labels, node labels, taints, kops-ts's own)", () => {
    const spec = (n: number): Partial<InstanceGroup['spec']> => ({ cloudLabels: labels(n, 'ig'), nodeLabels: { 'example.com/pool': 'a' }, taints: ['dedicated=x:NoSchedule'] });
    const clusterLabels = labels(20);
    // Find the largest group label count the validation accepts, and check the builder agrees.
    let n = 0;
    while (!codes(validateCluster(cluster(clusterLabels), igs(spec(n + 1)))).includes('TooManyTags')) n++;
    expect(n).toBeGreaterThan(10);
    const asg = build(cluster(clusterLabels), igs(spec(n))).find((t) => t.kind === 'AutoscalingGroup' && t.name.startsWith('nodes-'))!;
    expect(tagCount(asg)).toBe(AWS_MAX_TAGS);
    const over = build(cluster(clusterLabels), igs(spec(n + 1))).find((t) => t.kind === 'AutoscalingGroup' && t.name.startsWith('nodes-'))!;
    expect(tagCount(over)).toBe(AWS_MAX_TAGS + 1);
    expect(errorLines(validateCluster(cluster(clusterLabels), igs(spec(n + 1))))).toEqual([
      `InstanceGroup/nodes-us-east-1a spec.cloudLabels: the autoscaling group of instance group nodes-us-east-1a (and its instances) would carry 51 tags: the cluster's and the group's cloud labels, one per node label and taint, and kops-ts's own; AWS allows 50 per resource`,
    ]);
  });

  it('does not apply AWS limits to a GCE cluster', () => {
    const c: Cluster = { ...cluster(labels(60)), spec: { ...cluster(labels(60)).spec, cloudProvider: 'gce' } };
    expect(codes(validateCluster(c, igs()))).not.toContain('TooManyTags');
  });
});

describe('tag keys and values', () => {
  it.each([
    [{ ['k'.repeat(129)]: 'v' }, 'the key is 129 characters; AWS tag keys are at most 128'],
    [{ team: 'v'.repeat(257) }, 'the value is 257 characters; AWS tag values are at most 256'],
    [{ 'aws:cost-center': 'x' }, 'keys starting with "aws:" are reserved for AWS'],
    [{ 'AWS:Cost': 'x' }, 'keys starting with "aws:" are reserved for AWS'],
  ])('refuses %j', (l, summary) => {
    const diags = validateCluster(cluster(l), igs({ cloudLabels: l }));
    const key = Object.keys(l)[0]!;
    expect(errorLines(diags)).toEqual([`spec.cloudLabels[${JSON.stringify(key)}]: ${summary}`, `InstanceGroup/nodes-us-east-1a spec.cloudLabels[${JSON.stringify(key)}]: ${summary}`]);
  });

  it('accepts the longest key and value AWS allows', () => {
    expect(validateCluster(cluster({ ['k'.repeat(128)]: 'v'.repeat(256) }), igs())).toEqual([]);
  });
});
