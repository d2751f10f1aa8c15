/**
 * The AWS request budget of a no-op `update cluster` (plan only, everything already applied):
 * the plan reads each task kind with one batched call, so the count must not grow with the
 * number of instance groups, and stays near one call per kind.
 *
 * For comparison, kops makes about 130 AWS calls for a no-op update of an HA cluster with one
 * node group, and about 9 more per extra node group (it describes most resources one by one).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import type { InstanceGroup } from '../../src/model/api/types.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { testAws } from '../helpers/aws.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/**
 * The pre-flight of every update (src/cloudup/aws/preflight.ts): caller identity, availability
 * zones, instance-type offerings, and the hosted zone when the cluster uses Route53 DNS (these
 * `.example.com` clusters do not, so 3 calls).
 */
const PREFLIGHT_OPS = [
  'sts:GetCallerIdentityCommand', 'ec2:DescribeAvailabilityZonesCommand', 'ec2:DescribeInstanceTypeOfferingsCommand',
  'route53:ListHostedZonesByNameCommand', 'route53:GetHostedZoneCommand',
];
const PREFLIGHT_CALLS = 3;

/** An HA cluster (3 control-plane nodes in 3 zones) with `nodeGroups` node instance groups. */
async function appliedHaCluster(nodeGroups: number) {
  const aws = testAws();
  const cs = new Clientset(openStateStore(`memory://calls-${aws.account}`));
  const built = newCluster({ name: `ha${nodeGroups}.example.com`, zones: ZONES, controlPlaneZones: ZONES });
  const nodes = built.instanceGroups.filter((g) => g.spec.role === 'Node');
  const extra: InstanceGroup[] = [];
  for (let i = nodes.length; i < nodeGroups; i++) {
    const base = nodes[i % nodes.length]!;
    extra.push({ ...base, metadata: { ...base.metadata, name: `nodes-extra-${i}` }, spec: { ...base.spec } });
  }
  const igs = [...built.instanceGroups, ...extra];
  expect(igs.filter((g) => g.spec.role === 'Node')).toHaveLength(nodeGroups);
  await cs.createCluster(built.cluster, igs, { sshPublicKeys: [KEY] });
  const { region: _r, ...awsOpts } = aws.options;
  const name = built.cluster.metadata.name;
  const applied = await updateCluster({ clientset: cs, clusterName: name, aws: awsOpts, yes: true });
  expect(applied.applied?.ok).toBe(true);

  aws.counter.reset();
  // The kubelet skew protection asks the Kubernetes API only when node groups could move forward: never in a no-op.
  let kubeletReads = 0;
  const noop = await updateCluster({ clientset: cs, clusterName: name, aws: awsOpts, controlPlaneKubelets: async () => { kubeletReads++; return []; } });
  expect(kubeletReads).toBe(0);
  const counts = Object.fromEntries([...aws.counter.counts].sort(([a], [b]) => a.localeCompare(b)));
  const preflight = aws.counter.total((k) => PREFLIGHT_OPS.includes(k));
  const plan = aws.counter.total((k) => !PREFLIGHT_OPS.includes(k));
  const kinds = new Set(noop.plan.unchanged.map((k) => k.slice(0, k.indexOf('/'))));
  return { noop, counts, preflight, plan, kinds };
}

describe('AWS calls of a no-op update cluster', () => {
  it('does not grow with the number of node groups and stays near one call per task kind', async () => {
    const [small, large] = await Promise.all([appliedHaCluster(3), appliedHaCluster(20)]);
    // Printed so that a regression shows which operations repeat.
    console.log(`no-op update, 3 node groups: preflight ${small.preflight}, plan ${small.plan} calls for ${small.kinds.size} kinds`, small.counts);
    console.log(`no-op update, 20 node groups: preflight ${large.preflight}, plan ${large.plan} calls for ${large.kinds.size} kinds`, large.counts);

    for (const r of [small, large]) {
      expect(r.noop.plan.changes.map((c) => `${c.key}: ${c.action}`)).toEqual([]);
      expect(r.preflight).toBe(PREFLIGHT_CALLS);
      expect(r.plan).toBeLessThanOrEqual(Math.floor(1.2 * r.kinds.size));
    }
    expect(large.kinds).toEqual(small.kinds);
    expect(large.counts).toEqual(small.counts);
  }, 240_000);
});
