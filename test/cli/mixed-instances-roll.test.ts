/**
 * The surge roll of a mixed-instances group, end to end: `create cluster --node-size a,b` on the
 * AWS emulator, a fake Kubernetes API whose Nodes follow the emulator's instances, then a
 * launch-template change and `rolling-update cluster --yes`. kops 1.18 rolled such groups
 * delete-first although maxSurge was set (kubernetes/kops#9983): here the mixed group's surge
 * instance is detached first (the group launches its replacement from the policy's
 * template) before any is drained, and the group ends with its size, its policy, and every instance
 * on the new version.
 */
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import type { FakeKubeApiServer } from '../fakes/kube-apiserver.js';
import type { TestAws } from '../helpers/aws.js';
import { appliedCluster } from './applied-cluster.js';
import { FAST_ROLL, cli } from './harness.js';

const NAME = 'mixed-roll.example.com';
const NODES = 'nodes-us-east-1a';
let env: Record<string, string>;
let url: string;
let fake: FakeKubeApiServer;
let aws: TestAws;

async function nodesGroup() {
  const out = await aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`${NODES}.${NAME}`] }));
  return out.AutoScalingGroups![0]!;
}

beforeAll(async () => {
  ({ aws, env, url, fake } = await appliedCluster(NAME, ['--zones', 'us-east-1a', '--node-size', 't3.large,m5.large', '--node-count', '2']));
}, 240_000);

afterAll(async () => {
  await fake?.close();
});

it('a mixed-instances group surges: one instance is detached before any is drained, and the group ends on the new version with its size and policy', async () => {
  const before = await nodesGroup();
  expect(before.MixedInstancesPolicy?.LaunchTemplate?.Overrides).toHaveLength(2);
  expect(before.Instances).toHaveLength(2);
  const oldIds = before.Instances!.map((i) => i.InstanceId!);
  const oldVersion = Number(before.Instances![0]!.LaunchTemplate?.Version);

  const cs = new Clientset(openStateStore(url));
  const v = (await cs.listInstanceGroups(NAME)).find((x) => x.object.metadata.name === NODES)!;
  await cs.updateInstanceGroup(NAME, { ...v.object, spec: { ...v.object.spec, rootVolumeSize: 96 } }, v.version);
  const update = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
  expect(update.code, update.stderr).toBe(0);

  const roll = await cli(['--state', url, 'rolling-update', 'cluster', NAME, '--yes', '--instance-group-roles', 'node', ...FAST_ROLL], { env });
  expect(roll.code, roll.stderr).toBe(0);
  // AWS's default for nodes: maxSurge 1, maxUnavailable 0.
  expect(roll.stderr).toContain(`${NODES} (Node): 2 instance(s) to replace, maxSurge 1, maxUnavailable 0, 1 at a time`);
  // kops's surge: maxSurge of the instances are detached first (the group launches their
  // replacements from the policy's template), before any instance is drained; the others are then
  // drained and terminated with that extra capacity already there.
  const events = roll.stderr.split('\n').map((l) => l.trim().split(/\s{2,}/));
  const detached = events.filter((e) => e[2]?.startsWith('detached'));
  expect(detached).toHaveLength(1);
  expect(oldIds).toContain(detached[0]![1]!.split(' ')[0]);
  const firstDrain = events.findIndex((e) => e[2] === 'draining');
  expect(events.findIndex((e) => e[2]?.startsWith('detached'))).toBeLessThan(firstDrain);
  for (const id of oldIds) expect(events.filter((e) => e[1]?.startsWith(id) && e[2] === 'terminating'), id).toHaveLength(1);

  const after = await nodesGroup();
  expect(after.DesiredCapacity).toBe(2);
  expect(after.MixedInstancesPolicy?.LaunchTemplate?.Overrides).toEqual([{ InstanceType: 't3.large' }, { InstanceType: 'm5.large' }]);
  const live = (after.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
  expect(live).toHaveLength(2);
  expect(live.filter((i) => oldIds.includes(i.InstanceId!))).toEqual([]);
  // The version update cluster made for the change, the one after the instances' old one.
  expect(live.map((i) => Number(i.LaunchTemplate?.Version))).toEqual([oldVersion + 1, oldVersion + 1]);

  const again = await cli(['--state', url, 'rolling-update', 'cluster', NAME, '--instance-group-roles', 'node'], { env });
  expect(again.stdout).toContain('No rolling-update required.');
}, 240_000);
