import { CreateTargetGroupCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apiLoadBalancerAwsName,
  awsResourceName32,
  elbListing,
  kopsHashString,
  listenerTaskName,
  ownedByCluster,
  targetGroupName,
} from '../../../src/tasks/aws/elb-listing.js';
import { awsTestContext } from './harness.js';
import { makeNetwork } from './lb-fixtures.js';

describe('kops names for ELBv2 resources', () => {
  it('matches kops\'s GetResourceName32 (vectors from kops\'s aws_utils_test.go)', () => {
    expect(awsResourceName32('mycluster', 'bastion')).toBe('bastion-mycluster-vnrjie');
    expect(awsResourceName32('mycluster.example.com', 'bastion')).toBe('bastion-mycluster-example-o8elkm');
    expect(awsResourceName32('this.is.a.very.long.cluster.example.com', 'api')).toBe('api-this-is-a-very-long-c-q4ukp4');
    expect(awsResourceName32('this.is.a.very.long.cluster.example.com', 'bastion')).toBe('bastion-this-is-a-very-lo-4ggpa2');
  });

  it('always appends the hash and never exceeds 32 characters', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,60}[a-z0-9])?$/), fc.constantFrom('api', 'tcp', 'tls', 'kops-controller'), (cluster, prefix) => {
        const n = awsResourceName32(cluster, prefix);
        expect(n.length).toBeLessThanOrEqual(32);
        expect(n).toMatch(/-[0-9a-v]{6}$/);
        expect(n).not.toContain('--');
        // The readable part is the dashed name, cut to 25 characters; only runs of dashes (which
        // AWS refuses) are collapsed.
        expect(`${n.slice(0, -7)}-`.replace(/-{2,}/g, '-')).toBe(`${`${prefix}-${cluster.replaceAll('.', '-')}`.slice(0, 25)}-`.replace(/-{2,}/g, '-'));
      }),
    );
  });

  it('never gives AWS a name with consecutive hyphens (AWS refuses them; kops would send one)', () => {
    // kops: 'kops-controller-demo-k8s-' + '-' + hash.
    expect(awsResourceName32('demo.k8s.local', 'kops-controller')).toBe(`kops-controller-demo-k8s-${kopsHashString('kops-controller-demo-k8s-local')}`);
    expect(awsResourceName32('demo.k8s.local', 'kops-controller')).not.toContain('--');
    // Names kops can create are unchanged.
    expect(awsResourceName32('mycluster.example.com', 'bastion')).toBe('bastion-mycluster-example-o8elkm');
  });

  it('hashes with FNV-1a into base32hex like kops\'s HashString', () => {
    expect(kopsHashString('bastion-mycluster')).toBe('vnrjie');
    expect(kopsHashString('bastion-mycluster', 3)).toBe('vnr');
    // Distinct clusters that share a long prefix stay distinct.
    expect(apiLoadBalancerAwsName('a-very-long-cluster-name-one.example.com')).not.toBe(apiLoadBalancerAwsName('a-very-long-cluster-name-two.example.com'));
  });

  it('names the API target group and listener as kops does', () => {
    expect(targetGroupName('mycluster.example.com', 'tcp')).toBe(awsResourceName32('mycluster.example.com', 'tcp'));
    expect(targetGroupName('mycluster.example.com', 'tcp')).toMatch(/^tcp-mycluster-example-com-[0-9a-v]{6}$/);
    expect(listenerTaskName('api.mycluster.example.com', 443)).toBe('api.mycluster.example.com-443');
  });
});

describe('ELBv2 listing', () => {
  it('tags every load balancer and target group, 20 ARNs per DescribeTags, once per run', async () => {
    const ctx = awsTestContext('list.example.com');
    const net = await makeNetwork(ctx);
    for (let i = 0; i < 25; i++) {
      const owner = i % 2 === 0 ? [{ Key: 'KubernetesCluster', Value: 'list.example.com' }] : [];
      await ctx.clients.elbv2.send(
        new CreateTargetGroupCommand({ Name: `tg-${i}`, Protocol: 'TCP', Port: 443, VpcId: net.vpcId, Tags: [{ Key: 'Name', Value: `tg-${i}` }, ...owner] }),
      );
    }
    ctx.aws.counter.reset();
    const [a, b] = await Promise.all([elbListing(ctx), elbListing(ctx)]);
    expect(a).toBe(b);
    expect(a.targetGroups).toHaveLength(25);
    expect(a.targetGroups.every((t) => t.tags.Name === t.resource.TargetGroupName)).toBe(true);
    expect(a.targetGroups.filter((t) => ownedByCluster(t.tags, 'list.example.com'))).toHaveLength(13);
    expect(ctx.aws.counter.counts.get('elbv2:DescribeTagsCommand')).toBe(2);
    expect(ctx.aws.counter.counts.get('elbv2:DescribeTargetGroupsCommand')).toBe(1);
    expect(ctx.aws.counter.counts.get('elbv2:DescribeLoadBalancersCommand')).toBe(1);
  });

  it('recognises both ownership tags', () => {
    expect(ownedByCluster({ KubernetesCluster: 'c.example.com' }, 'c.example.com')).toBe(true);
    expect(ownedByCluster({ 'kubernetes.io/cluster/c.example.com': 'owned' }, 'c.example.com')).toBe(true);
    expect(ownedByCluster({ 'kubernetes.io/cluster/c.example.com': 'shared' }, 'c.example.com')).toBe(false);
    expect(ownedByCluster({ KubernetesCluster: 'other.example.com' }, 'c.example.com')).toBe(false);
  });
});
