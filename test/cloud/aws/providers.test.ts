/**
 * `openCloudProvider` picks the rolling update's cloud by `spec.cloudProvider`: AWS in the
 * cluster's region with the caller's client options (here: the emulator), GCE in the cluster's
 * project and region (here: the fake Compute API), a clear error otherwise.
 */
import { describe, expect, it } from 'vitest';
import { AwsCloudProvider } from '../../../src/cloud/aws/instance-groups.js';
import { newCluster } from '../../../src/cloudup/new-cluster.js';
import { KopsError } from '../../../src/diagnostics.js';
import { openCloudProvider } from '../../../src/rolling-update/providers.js';
import { FakeGceCompute } from '../../fakes/gce-compute.js';
import { testAws } from '../../helpers/aws.js';

describe('openCloudProvider', () => {
  it('opens AWS in the cluster region with the given client options', async () => {
    const aws = testAws();
    const seen: string[] = [];
    const { region: _region, ...options } = aws.options;
    const { cluster } = newCluster({ name: 'p.example.com', zones: ['eu-west-1a'] });
    const cloud = await openCloudProvider(cluster, { aws: { ...options, hooks: [...(options.hooks ?? []), (r) => void seen.push(`${r.service}:${r.operation}`)] } });
    expect(cloud).toBeInstanceOf(AwsCloudProvider);
    expect(cloud.name).toBe('aws');
    expect(await cloud.listGroups('p.example.com')).toEqual([]);
    expect(seen).toEqual(['autoscaling:DescribeAutoScalingGroupsCommand']);
  });

  it('opens GCE for a GCE cluster: its project and region, on the caller\'s Compute endpoint', async (t) => {
    const fake = new FakeGceCompute();
    const endpoint = await fake.start();
    t.onTestFinished(() => fake.stop());
    const { cluster } = newCluster({ name: 'g.example.com', cloud: 'gce', zones: ['us-central1-a'], project: 'kops-test' });
    const cloud = await openCloudProvider(cluster, { gce: { endpoint } });
    expect(cloud.name).toBe('gce');
    expect(fake.calls).toEqual([]); // built on first use
    expect(await cloud.listGroups('g.example.com')).toEqual([]);
    expect(fake.calls.length).toBeGreaterThan(0);
    expect(fake.calls.map((c) => c.path).every((p) => p.includes('/projects/kops-test/'))).toBe(true);
    expect(fake.calls.some((c) => c.path.includes('/aggregated/instanceGroupManagers'))).toBe(true);
  });

  it('refuses a cluster with no cloud provider, naming the field', async () => {
    const { cluster } = newCluster({ name: 'n.example.com', zones: ['us-east-1a'] });
    const { cloudProvider: _cp, ...spec } = cluster.spec;
    const err = await openCloudProvider({ ...cluster, spec }).catch((e: unknown) => e);
    expect(KopsError.is(err, 'UnsupportedCloud')).toBe(true);
    expect((err as KopsError).message).toContain('spec.cloudProvider unset');
  });
});
