/** The compute builder's Spot cases beyond the acted-on audit: where maxPrice goes with a mixed policy, and a comma-separated machineType. */
import { describe, expect, it } from 'vitest';
import { buildAwsTasks } from '../../../src/model/aws/index.js';
import { completeCluster } from '../../../src/model/completion.js';
import type { InstanceGroupSpec } from '../../../src/model/api/types.js';
import { userCluster, userIGs } from '../helpers.js';

const NAME = 'spot.example.com';
const ZONES = ['us-east-1a'];
const KEY = { key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin', fingerprint: '00:11:22' };

/** The nodes group's launch template and autoscaling group, with `extra` in its spec. */
function nodes(extra: Partial<InstanceGroupSpec>) {
  const igs = userIGs(ZONES);
  const g = igs.find((x) => x.spec.role === 'Node')!;
  Object.assign(g.spec, extra);
  const done = completeCluster(userCluster(ZONES, { name: NAME }), igs);
  const tasks = buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups, sshPublicKey: KEY });
  const name = `${g.metadata.name}.${NAME}`;
  const lt = tasks.find((t) => t.kind === 'LaunchTemplate' && t.name === name)!.desired as { instanceType: string; spotMaxPrice?: string };
  const asg = tasks.find((t) => t.kind === 'AutoscalingGroup' && t.name === name)!.desired as { mixedInstancesPolicy?: { spotMaxPrice?: string } };
  return { lt, asg };
}

describe('Spot in the compute builder', () => {
  it("puts maxPrice on the mixed policy (SpotMaxPrice), not the launch template, when the group has one (AWS refuses a Spot template in a mixed group)", () => {
    const mixed = nodes({ maxPrice: '0.05', mixedInstancesPolicy: { instances: ['t3.large'] } });
    expect(mixed.asg.mixedInstancesPolicy).toEqual({ instanceTypes: ['t3.large'], spotMaxPrice: '0.05' });
    expect(mixed.lt.spotMaxPrice).toBeUndefined();
    const plain = nodes({ maxPrice: '0.05' });
    expect(plain.asg.mixedInstancesPolicy).toBeUndefined();
    expect(plain.lt.spotMaxPrice).toBe('0.05');
  });

  it('puts the first type of a comma-separated machineType in the launch template, as kops', () => {
    expect(nodes({ machineType: 'm6i.large,m5.large' }).lt.instanceType).toBe('m6i.large');
  });
});
